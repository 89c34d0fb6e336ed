"""Tasks that belong to the catalog itself rather than to a harvest."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="catalog.ping")
def ping(payload: dict[str, Any]) -> dict[str, Any]:
    """Echo through a worker: proves the broker, a worker and the result backend work together."""
    from celery import current_task

    return {"echo": payload, "worker": current_task.request.hostname}
