"""A worker killed (SIGKILL) in the middle of a run: the task it held goes back to the broker, a worker that
comes back after the visibility timeout takes it again, and the run completes as an uninterrupted one."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.test import override_settings

from harvesters import runs
from harvesters.models import HarvestRun, RunStatus
from harvesters.tasks import start_harvest
from lineage import Graph, org_key, purge_org
from tests.conftest import WorkerProcess
from tests.harvesters.worker_runs import SOURCES, connect, finished, small_generated_org, wait_until

pytestmark = pytest.mark.django_db(transaction=True)
VISIBILITY_TIMEOUT_S = 8  # production keeps the default, longer than the longest task
CONSUMERS_PER_TASK = 100  # the org's 300 consumers are read by several tasks
WORKER_SETTINGS = {"CELERY_BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
                   "HARVEST_CONSUMERS_PER_TASK": str(CONSUMERS_PER_TASK)}


def steps_begun_and_landed(run: HarvestRun) -> tuple[set[str], set[str]]:
    steps = HarvestRun.objects.get(pk=run.pk).steps
    return ({name for name, step in steps.items() if not step["done"]},
            {name for name, step in steps.items() if step["done"]})


@override_settings(HARVEST_CONSUMERS_PER_TASK=CONSUMERS_PER_TASK)
def test_a_run_whose_worker_is_killed_mid_step_completes_when_a_worker_comes_back(
    own_workers: Callable[..., WorkerProcess], graph: Graph
):
    with small_generated_org(seed=12, objects=100) as org:
        connection = connect("generated", org)
        purge_org(graph, org_key(org.org.id))
        uninterrupted = runs.harvest_now(runs.request_harvest(connection, full=True, sources=SOURCES))
        purge_org(graph, org_key(org.org.id))
        org.reset()
        run = runs.request_harvest(connection, full=True, sources=SOURCES)
        doomed = own_workers("doomed", environment=WORKER_SETTINGS)
        start_harvest.apply_async((run.pk,), queue=doomed.queue)
        wait_until(lambda: all(steps_begun_and_landed(run)), 240, "a step in progress after another landed")
        doomed.kill()
        killed_at = time.monotonic()
        held, _ = steps_begun_and_landed(run)

        time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT_S + 1 - time.monotonic()))
        assert HarvestRun.objects.get(pk=run.pk).finished_at is None  # nothing ran the held task meanwhile
        own_workers("comeback", environment=WORKER_SETTINGS)
        completed = finished(run)

        assert completed.status == RunStatus.SUCCEEDED, (completed.reason, completed.errors)
        assert held <= {name for name, step in completed.steps.items() if step["done"]}
        assert completed.chunks_done == completed.chunks_total == uninterrupted.chunks_total
        assert len(completed.steps["consents"]["parts"]) > 2
        assert completed.counts == uninterrupted.counts
        assert completed.errors == uninterrupted.errors
        assert completed.api_calls == org.api_usage
