"""The record of processing regenerated after every successful harvest run of an org, stored signed and linked to
the run, so each harvest leaves the record it produced, as an auditor can check it later.

A regenerated record is a snapshot (RecordSnapshot) whose `harvest_run` names the run: a snapshot's invariants are
what it needs (built from the graph as it stood, signed when taken, never changed or deleted, audited), so the
snapshot pages, API, downloads and diffs serve it unchanged. It is taken in the system's name with a reason naming
the run; one per run (a redelivered finish finds it there). Building it never fails the harvest: the run's warnings
and the log say it was not stored, and why, without the error's values when the error is not one we know.

The catalog listens to harvesters.runs.harvest_finished (harvesters never import the catalog), after
catalog.classification's listener has re-mirrored the org's overrides (INSTALLED_APPS lists it first).
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.dispatch import receiver
from neo4j.exceptions import DriverError, Neo4jError

from catalog.inventory.services import NotInCatalogError, org_named
from catalog.records import snapshots
from catalog.records.models import RecordSnapshot
from catalog.records.services import RecordInputError
from catalog.records.signing import CanonicalJsonError, SigningKeyError
from harvesters.models import HarvestRun, RunStatus
from harvesters.runs import harvest_finished

log = logging.getLogger(__name__)
# Errors whose words name no secret (a setting's name, a graph engine's failure): said as they are.
SAID_IN_FULL = (SigningKeyError, CanonicalJsonError, Neo4jError, DriverError, NotInCatalogError, RecordInputError)
NOT_REGENERATED = "the record of processing was not regenerated after this run"


@dataclass(frozen=True)
class Regeneration:
    """What an org's page says of its regenerated records: the latest, the one before it (for the diff of the last
    two harvests), and the latest successful run that left none (its building failed)."""

    latest: RecordSnapshot | None
    previous: RecordSnapshot | None
    missed_run: HarvestRun | None


@receiver(harvest_finished, dispatch_uid="records_regenerate_after_harvest")
def regenerate_after_harvest(sender: object, run: HarvestRun, **kwargs: Any) -> None:
    if not settings.RECORDS_REGENERATE_AFTER_HARVEST or run.status != RunStatus.SUCCEEDED:
        return
    try:
        stored = regenerate(run)
    except Exception as error:  # the run's outcome stands whatever the record's build raised
        said = failure_in_words(error)
        log.warning("harvest run %s of %s: %s: %s", run.pk, run.org.alias, NOT_REGENERATED, said)
        run.add_warning(f"{NOT_REGENERATED} ({said}); the graph it wrote stands, and the record page "
                              f"builds the record from it")
        return
    log.info("harvest run %s of %s: its record of processing is stored, signed (snapshot %s, %d activities)",
             run.pk, run.org.alias, stored.id, stored.activity_count)


def regenerate(run: HarvestRun) -> RecordSnapshot:
    """The org's record as of now, stored signed and linked to `run` (the one stored already, if any)."""
    stored = RecordSnapshot.objects.filter(harvest_run=run).first()
    if stored is not None:
        return stored
    return snapshots.take_snapshot(run.org.alias, reason=reason_for(run), actor=AnonymousUser(), harvest_run=run)


def reason_for(run: HarvestRun) -> str:
    kind = "full" if run.full else "incremental"
    finished = f", finished {run.finished_at:%Y-%m-%d %H:%M:%S} UTC" if run.finished_at else ""
    return f"Regenerated after {kind} harvest run {run.pk} ({', '.join(run.sources)}){finished}"


def failure_in_words(error: Exception) -> str:
    """The error's class and words when they name no secret; otherwise its class and where it was raised."""
    if isinstance(error, SAID_IN_FULL):
        return f"{type(error).__name__}: {error}"
    frames = traceback.extract_tb(error.__traceback__)
    where = f" in {frames[-1].filename.rsplit('/', 1)[-1]} line {frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def regeneration_of(alias: str) -> Regeneration:
    """The org's two latest regenerated records, and the latest successful run since whose record failed."""
    org = org_named(alias)
    stored = list(RecordSnapshot.objects.filter(org=org, harvest_run__isnull=False)
                  .select_related("org", "harvest_run").order_by("-harvest_run__finished_at", "-taken_at")[:2])
    latest = stored[0] if stored else None
    since = HarvestRun.objects.filter(org=org, status=RunStatus.SUCCEEDED, finished_at__isnull=False)
    if latest is not None and latest.harvest_run is not None and latest.harvest_run.finished_at is not None:
        since = since.filter(finished_at__gt=latest.harvest_run.finished_at)
    last_run = since.order_by("-finished_at").first()
    missed = last_run is not None and any(warning.startswith(NOT_REGENERATED) for warning in last_run.warnings)
    return Regeneration(latest=latest, previous=stored[1] if len(stored) > 1 else None,
                        missed_run=last_run if missed else None)


def record_after(run_pk: int) -> RecordSnapshot | None:
    """The record regenerated after that run, if one was stored."""
    return RecordSnapshot.objects.filter(harvest_run_id=run_pk).select_related("org").first()


def snapshot_in_words(snapshot: RecordSnapshot) -> str:
    """A snapshot as a diff's side names it."""
    if snapshot.harvest_run_id is not None:
        return f"the record regenerated after harvest run {snapshot.harvest_run_id}"
    return f"the snapshot {snapshot.taken_by_name} froze on {snapshot.taken_at:%d %b %Y, %H:%M} UTC"

