"""A run's life: one at a time per org, every failure ends it, a lost worker's run is closed by the sweep,
and a step done again (redelivered, retried) is counted once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from harvesters import runs, tasks
from harvesters.connections import client_for
from harvesters.models import HarvestRun, OrgConnection, RunStatus
from lineage import Graph, org_key, purge_org
from salesforce_simulator import Simulator
from tests.conftest import register_offline_org
from tests.harvesters.test_full_harvest import WorkerKilled, worker_killed_after_first_chunk
from tests.harvesters.worker_runs import connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme() -> OrgConnection:
    return register_offline_org("acme", "https://acme.my.salesforce.com")


@pytest.fixture
def demo(demo_org: Simulator, graph: Graph) -> OrgConnection:
    purge_org(graph, org_key(demo_org.org.id))
    return connect("demo", demo_org)


# --- one run per org -----------------------------------------------------------------------------------


def test_a_second_harvest_of_an_org_whose_run_is_unfinished_is_refused_naming_that_run(acme: OrgConnection):
    first = runs.request_harvest(acme, full=True)

    with pytest.raises(runs.RunInProgressError, match=f"harvest run {first.pk} of acme is queued"):
        runs.request_harvest(acme, full=False)
    assert HarvestRun.objects.filter(org=acme).count() == 1


def test_once_the_run_has_finished_the_next_one_may_start(acme: OrgConnection):
    runs.fail_run(runs.request_harvest(acme, full=True), "its worker was lost")

    assert runs.request_harvest(acme, full=True).status == RunStatus.QUEUED


def test_two_requests_at_the_same_moment_start_exactly_one_run(acme: OrgConnection):
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def request() -> None:
        barrier.wait()
        try:
            runs.request_harvest(acme, full=True)
            outcomes.append("started")
        except runs.RunInProgressError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert HarvestRun.objects.filter(org=acme).count() == 1


def test_the_harvest_command_refuses_a_second_run_and_names_the_running_one(acme: OrgConnection):
    running = runs.request_harvest(acme, full=True)

    with pytest.raises(CommandError, match=f"harvest run {running.pk} of acme is queued"):
        call_command("harvest", "acme", "--sync")


def test_the_beat_does_not_queue_an_org_whose_run_was_started_meanwhile(acme: OrgConnection):
    runs.request_harvest(acme, full=True)

    assert tasks.schedule_harvests.apply().get() == []


# --- every failure ends the run ------------------------------------------------------------------------


@pytest.mark.parametrize("task", [tasks.start_harvest, tasks.harvest_chunk, tasks.start_sources,
                                  tasks.harvest_source, tasks.finish_harvest], ids=lambda task: task.name)
def test_an_unexpected_error_in_any_task_of_a_run_ends_it_failed_naming_the_task(demo: OrgConnection, task):
    run = runs.request_harvest(demo, full=True)
    HarvestRun.objects.filter(pk=run.pk).update(sources=5, steps=[])  # a row no code expects
    arguments = {"harvesters.harvest_chunk": (run.pk, ["Account"]),
                 "harvesters.harvest_source": (run.pk, "consents")}.get(task.name, (run.pk,))

    task.apply(arguments)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.finished_at is not None
    assert run.reason.startswith(f"{task.name.removeprefix('harvesters.')} failed: "), run.reason


def test_a_sync_harvest_that_meets_an_unexpected_error_ends_failed_with_it(demo: OrgConnection):
    run = runs.request_harvest(demo, full=True)
    HarvestRun.objects.filter(pk=run.pk).update(sources=5)

    failed = runs.harvest_now(run)

    assert (failed.status, failed.reason.split(":")[0]) == (RunStatus.FAILED, "TypeError")


# --- the sweep of runs whose worker was lost -------------------------------------------------------------


def test_a_run_without_progress_for_longer_than_a_lost_task_takes_to_return_is_closed_failed_saying_why(
    acme: OrgConnection,
):
    other = register_offline_org("other", "https://other.my.salesforce.com")
    stuck, alive = runs.request_harvest(acme, full=True), runs.request_harvest(other, full=True)
    now = timezone.now()
    silent_since = now - timedelta(seconds=settings.HARVEST_STALE_AFTER_S + 60)
    HarvestRun.objects.filter(pk=stuck.pk).update(status=RunStatus.RUNNING, started_at=silent_since,
                                                  progress_at=silent_since, chunks_done=22, chunks_total=35)
    HarvestRun.objects.filter(pk=alive.pk).update(status=RunStatus.RUNNING, started_at=silent_since,
                                                  progress_at=now - timedelta(minutes=1))

    closed = tasks.close_stale_runs.apply().get()

    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert closed == [stuck.pk]
    assert stuck.status == RunStatus.FAILED
    assert "its worker was lost" in stuck.reason
    assert "22/35 steps had landed" in stuck.reason
    assert (alive.status, alive.finished_at) == (RunStatus.RUNNING, None)
    assert runs.request_harvest(acme, full=True).status == RunStatus.QUEUED


def test_the_sweep_runs_on_the_beat_and_waits_longer_than_a_lost_task_takes_to_come_back():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "harvesters.close_stale_runs" in scheduled
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.HARVEST_STALE_AFTER_S > settings.CELERY_BROKER_VISIBILITY_TIMEOUT + settings.CELERY_TASK_TIME_LIMIT


# --- a step done again counts once ----------------------------------------------------------------------


def test_a_step_redone_after_its_worker_died_counts_its_rows_and_its_step_once(
    demo: OrgConnection, demo_org: Simulator, graph: Graph, monkeypatch: pytest.MonkeyPatch
):
    clean = runs.harvest_now(runs.request_harvest(demo, full=True, sources=["schema", "consents"]))
    purge_org(graph, org_key(demo_org.org.id))
    run = runs.request_harvest(demo, full=True, sources=["schema", "consents"])
    client = client_for(demo)
    for names in runs.plan_run(run, client).chunks:
        runs.harvest_chunk(run, client, names)
    with worker_killed_after_first_chunk(monkeypatch), pytest.raises(WorkerKilled):
        runs.harvest_source(run, client, "consents")
    run.refresh_from_db()
    assert run.chunks_done == run.chunks_total - 1
    assert run.counts["written"] > 0

    assert runs.harvest_source(run, client, "consents") is True  # redelivered: done again, the run complete

    finished = runs.finish_run(run)
    assert finished.status == RunStatus.SUCCEEDED, finished.errors
    assert finished.chunks_done == finished.chunks_total == clean.chunks_total
    assert finished.counts == clean.counts
    assert finished.errors == clean.errors


def test_a_step_redelivered_after_it_was_done_reads_nothing_and_changes_no_figure(
    demo: OrgConnection, demo_org: Simulator
):
    run = runs.request_harvest(demo, full=True, sources=["schema", "consents"])
    client = client_for(demo)
    for names in runs.plan_run(run, client).chunks:
        runs.harvest_chunk(run, client, names)
    runs.harvest_source(run, client, "consents")
    run.refresh_from_db()
    calls = demo_org.api_usage

    assert runs.harvest_source(run, client, "consents") is True
    assert runs.harvest_chunk(run, client, (run.plan or [])[0]) is True

    again = HarvestRun.objects.get(pk=run.pk)
    assert demo_org.api_usage == calls
    assert (again.chunks_done, again.counts, again.errors) == (run.chunks_done, run.counts, run.errors)
