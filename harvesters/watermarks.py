"""Where each source's next incremental read starts: a watermark per org and source, on Salesforce's clock.

A step notes Salesforce's time (the HTTP Date header of the org's answers, UTC) when it begins reading; the
watermark advances to that time only when the step completed without errors, so a schema-only run leaves
the consents, logs and integrations watermarks where they were. The next incremental read starts at the
watermark minus `HARVEST_WATERMARK_OVERLAP_SECONDS` (changes are re-read, never missed, and writes are
idempotent); a watermark older than `HARVEST_FULL_READ_AFTER_DAYS` reads its source whole.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from harvesters.client import OrgClient
from harvesters.models import HarvestRun, SourceWatermark

FAILED = ""  # the clock of a source whose step met an error in this run: it stays so, retried or not


def since_for(run: HarvestRun, source: str, now: datetime | None = None) -> datetime | None:
    """Where `source` reads from in `run`: None (everything) for a full run, a source never read completely,
    or a watermark older than the full-read limit; else the watermark minus the overlap."""
    if run.full:
        return None
    mark = SourceWatermark.objects.filter(org=run.org, source=source).first()
    if mark is None:
        return None
    if (now or timezone.now()) - mark.read_at > timedelta(days=settings.HARVEST_FULL_READ_AFTER_DAYS):
        return None
    return mark.read_at - timedelta(seconds=settings.HARVEST_WATERMARK_OVERLAP_SECONDS)


def step_clock(client: OrgClient, before: datetime | None) -> datetime:
    """Salesforce's time when a step began: the last answer before it, else its own first answer; the local
    clock only for a step that asked Salesforce nothing (manifests), whose reads ignore watermarks."""
    return before or client.first_server_time or timezone.now()


def note_clock(run: HarvestRun, source: str, clock: datetime) -> None:
    """Remember on the run when `source` began reading (the earliest time, if a step is retried)."""
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        known = locked.source_clocks.get(source)
        if known == FAILED:
            return
        if known is None or clock < datetime.fromisoformat(known):
            locked.source_clocks = {**locked.source_clocks, source: clock.isoformat()}
            locked.save(update_fields=["source_clocks"])


def forget_clock(run: HarvestRun, source: str) -> None:
    """A step of `source` met an error: its watermark must not advance in this run."""
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        locked.source_clocks = {**locked.source_clocks, source: FAILED}
        locked.save(update_fields=["source_clocks"])


def advance(run: HarvestRun, source: str) -> SourceWatermark | None:
    """`source` completed cleanly in `run`: its watermark moves to when the run began reading it."""
    run.refresh_from_db(fields=["source_clocks"])
    stamp = run.source_clocks.get(source)
    if not stamp:  # never began, or met an error
        return None
    read_at = datetime.fromisoformat(stamp)
    with transaction.atomic():
        mark = SourceWatermark.objects.select_for_update().filter(org=run.org, source=source).first()
        if mark is not None and mark.read_at >= read_at:
            return mark
        mark, _ = SourceWatermark.objects.update_or_create(org=run.org, source=source,
                                                           defaults={"read_at": read_at, "run": run})
        return mark
