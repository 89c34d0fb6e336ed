"""A task the broker delivers again after its step landed (its worker died before acknowledging it) starts no
phase of the run a second time: the database, not the task, decides which delivery starts the next phase."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from celery import Task, group
from django.test import override_settings

from catalog.celery import app as celery_app
from harvesters import runs
from harvesters.connections import client_for
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from harvesters.tasks import harvest_chunk, harvest_source, start_harvest
from lineage import Graph, org_key, purge_org
from tests.conftest import WorkerProcess
from tests.harvesters.worker_runs import SOURCES, connect, finished, small_generated_org

pytestmark = pytest.mark.django_db(transaction=True)
CONSUMERS_PER_TASK = 100  # the org's 300 consumers are read in several parts, each its own task


def tasks_run_by(worker: WorkerProcess) -> dict[str, int]:
    """How many tasks of each name the worker has run, by its own count."""
    stats = celery_app.control.inspect(destination=[worker.hostname], timeout=5.0).stats() or {}
    return dict(stats[worker.hostname]["total"])


def schema_landed_but(run: HarvestRun, connection: OrgConnection) -> list[str]:
    """Land every schema chunk of the run in this process but the last, whose objects are returned."""
    client = client_for(connection)
    *landed, last = runs.plan_run(run, client).chunks
    for names in landed:
        runs.harvest_chunk(run, client, names)
    return last


def delivered_twice(task: Task, arguments: tuple[object, ...], worker: WorkerProcess) -> None:  # type: ignore[type-arg]
    """The task as the broker hands it out, then again with the same id: its worker died before acknowledging it."""
    delivery = f"{task.name}-{uuid.uuid4()}"
    task.apply_async(arguments, queue=worker.queue, task_id=delivery)
    task.apply_async(arguments, queue=worker.queue, task_id=delivery)


def test_the_last_schema_chunk_delivered_twice_starts_the_other_sources_once(
    own_workers: Callable[..., WorkerProcess], graph: Graph
):
    with small_generated_org(seed=21) as org:
        connection = connect("generated", org)
        purge_org(graph, org_key(org.org.id))
        run = runs.request_harvest(connection, full=True, sources=SOURCES)
        last = schema_landed_but(run, connection)
        worker = own_workers("redelivered")

        delivered_twice(harvest_chunk, (run.pk, last), worker)
        completed = finished(run)
        counted = tasks_run_by(worker)

    assert completed.status == RunStatus.SUCCEEDED, (completed.reason, completed.errors)
    assert completed.chunks_done == completed.chunks_total
    assert counted["harvesters.harvest_chunk"] == 2
    assert counted["harvesters.harvest_source"] == len(SOURCES) - 1  # integrations, logs, consents: once each


@override_settings(HARVEST_CONSUMERS_PER_TASK=CONSUMERS_PER_TASK)
def test_a_split_source_delivered_twice_sends_each_of_its_parts_once(
    own_workers: Callable[..., WorkerProcess], graph: Graph
):
    with small_generated_org(seed=22) as org:
        connection = connect("generated", org)
        purge_org(graph, org_key(org.org.id))
        run = runs.request_harvest(connection, full=True, sources=["schema", "consents"])
        client = client_for(connection)
        for names in runs.plan_run(run, client).chunks:
            runs.harvest_chunk(run, client, names)
        worker = own_workers("redelivered", environment={"HARVEST_CONSUMERS_PER_TASK": str(CONSUMERS_PER_TASK)})

        delivered_twice(harvest_source, (run.pk, "consents"), worker)
        completed = finished(run)
        counted = tasks_run_by(worker)

    parts = completed.steps["consents"]["parts"]
    assert completed.status == RunStatus.SUCCEEDED, (completed.reason, completed.errors)
    assert len(parts) > 2
    assert counted["harvesters.harvest_source"] == 2 + len(parts)  # the source twice, then each part once


def test_a_start_redelivered_after_its_chunks_were_sent_runs_them_twice_and_counts_them_once(
    own_workers: Callable[..., WorkerProcess], graph: Graph
):
    with small_generated_org(seed=23, objects=6) as org:
        connection = connect("generated", org)
        purge_org(graph, org_key(org.org.id))
        uninterrupted = runs.harvest_now(runs.request_harvest(connection, full=True, sources=["schema"]))
        purge_org(graph, org_key(org.org.id))
        org.reset()
        run = runs.request_harvest(connection, full=True, sources=["schema"])
        last = schema_landed_but(run, connection)  # another worker landed the others meanwhile
        # Both deliveries of the last chunk are still describing its first object when the other one begins.
        org.set_faults(describe_timeout_objects=[last[0]], describe_timeout_s=3.0)
        worker = own_workers("redelivered", pool="prefork", concurrency=2)
        delivery = f"{start_harvest.name}-{uuid.uuid4()}"
        # What the start's worker did before it died: took the phase and sent its chunks, but never said so.
        assert runs.start_phase(run.pk, "schema", delivery)
        group(harvest_chunk.si(run.pk, last)).apply_async(queue=worker.queue)

        start_harvest.apply_async((run.pk,), queue=worker.queue, task_id=delivery)  # the broker's redelivery
        completed = finished(run)
        counted = tasks_run_by(worker)

        assert counted["harvesters.harvest_chunk"] == len(completed.plan or []) + 1  # all sent again
        assert completed.status == RunStatus.SUCCEEDED, (completed.reason, completed.errors)
        assert completed.chunks_done == completed.chunks_total == uninterrupted.chunks_total
        assert completed.counts == uninterrupted.counts
        assert completed.errors == uninterrupted.errors
        assert completed.warnings == uninterrupted.warnings
        assert completed.api_calls == org.api_usage
