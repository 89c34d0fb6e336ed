"""Two orgs harvested at the same time by one worker running two tasks at once, on the embedded SQLite
database: both runs succeed and count every API call they spent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harvesters import runs
from harvesters.models import RunStatus
from harvesters.tasks import start_harvest
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.conftest import WorkerProcess
from tests.harvesters.worker_runs import SOURCES, connect, finished, small_generated_org

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_orgs_harvested_at_once_both_succeed_with_every_api_call_counted(
    demo_org: Simulator, own_workers: Callable[..., WorkerProcess], graph: Graph
):
    worker = own_workers("two-at-once", pool="threads", concurrency=2)
    with small_generated_org(seed=11) as generated:
        for org in (demo_org, generated):
            purge_org(graph, org_key(org.org.id))
        started = [runs.request_harvest(connect(alias, org), full=True, sources=SOURCES)
                   for alias, org in (("demo", demo_org), ("generated", generated))]
        for run in started:
            start_harvest.apply_async((run.pk,), queue=worker.queue)
        demo_run, generated_run = (finished(run) for run in started)

        assert (demo_run.status, generated_run.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), (
            demo_run.reason, generated_run.reason, worker.log.read_text()[-3000:])
        assert demo_run.chunks_done == demo_run.chunks_total
        assert generated_run.chunks_done == generated_run.chunks_total > 1
        assert (demo_run.api_calls, generated_run.api_calls) == (demo_org.api_usage, generated.api_usage)
