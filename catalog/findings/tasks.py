"""The findings' scheduled task: accepted risks past their expiry reopen even when no harvest runs."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="findings.reopen_expired_risks")
def reopen_expired_risks() -> list[int]:
    from catalog.findings import services

    return services.reopen_expired_risks()
