"""The Django project and the record-keeping domain of Recordkeeper."""

from catalog.celery import app as celery_app

__all__ = ["celery_app"]
