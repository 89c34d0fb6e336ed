"""A harvest run through a real Celery worker leaves the org's record of processing stored, signed and linked to the
run, as `harvest_now` does: the worker's finish regenerates it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from catalog.records import regenerated, services, snapshots
from catalog.records.models import RecordSnapshot
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.tasks import start_harvest
from tests.conftest import WorkerProcess
from tests.harvesters.worker_runs import finished, wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads the runs this test writes


def test_a_harvest_through_a_worker_leaves_the_record_stored_signed_and_linked_to_its_run(
        own_workers: Callable[..., WorkerProcess], harvested_twice_setup: tuple[OrgConnection, Path]):
    worker = own_workers("regenerating", environment={"RECORDS_REGENERATE_AFTER_HARVEST": "true"})
    org, _ = harvested_twice_setup
    run = runs.request_harvest(org, full=True)

    start_harvest.apply_async((run.pk,), queue=worker.queue)
    run = finished(run)

    assert run.status == RunStatus.SUCCEEDED, (run.reason, worker.log.read_text()[-3000:])
    wait_until(lambda: stored_or_said(run), 120, f"run {run.pk}'s record, or its warning that none was stored")
    run.refresh_from_db()
    assert not [each for each in run.warnings if each.startswith(regenerated.NOT_REGENERATED)]
    stored = RecordSnapshot.objects.get(harvest_run=run)
    assert snapshots.verification_of(stored).valid
    assert [each["key"] for each in snapshots.body_of(stored)["activities"]] == [
        each.activity.key for each in services.record_of("demo").activities]


def stored_or_said(run: HarvestRun) -> bool:
    """The worker's finish has stored the run's record, or said on the run why not (it does so after the run ends)."""
    warnings = HarvestRun.objects.get(pk=run.pk).warnings
    return (RecordSnapshot.objects.filter(harvest_run=run).exists()
            or any(each.startswith(regenerated.NOT_REGENERATED) for each in warnings))
