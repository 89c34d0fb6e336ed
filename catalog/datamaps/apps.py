from django.apps import AppConfig


class DataMapsConfig(AppConfig):
    name = "catalog.datamaps"
    label = "datamaps"
    verbose_name = "Per-consumer data maps"
    default_auto_field = "django.db.models.BigAutoField"
