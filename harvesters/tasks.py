"""Celery tasks of a harvest: plan, one task per schema chunk, then one per source, then finish.

Every task is acknowledged after its work (CELERY_TASK_ACKS_LATE), so a worker that dies hands its task
back to the broker, which redelivers it once the visibility timeout has passed; a redone step replaces
its own figures on the run (harvesters.runs records steps by name). No chord: the step that lands the
last schema chunk starts the sources, and the step that lands the run's last step finishes it, decided
in one database transaction; a step's task delivered again after its step landed asks for its next phase
again, in case its worker died before doing so, and each phase is started by one delivery only, which the
database decides (runs.start_phase), so a redelivered task can neither skip nor repeat a phase (one whose
worker died between sending the phase's tasks and saying so sends them again: each step is held by its latest
attempt, runs._begin_step, so a step run twice counts its figures once). Transient
failures retry with exponential backoff and jitter; any other failure ends the run `failed` with the
reason; an exceeded API limit stops it cleanly. Every task calls the same service functions as
`harvest --sync`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from celery import Task, group, shared_task
from django.db import transaction
from django.utils import timezone

from harvesters import runs
from harvesters.client import OrgClient
from harvesters.connections import client_for
from harvesters.models import HarvestRun, OrgConnection, RunStatus

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class HarvestTask(Task):  # type: ignore[type-arg]
    """A harvest task whose final failure (retries spent, or any error not worth retrying) fails its run."""

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                   einfo: Any) -> None:
        runs.fail_run_by_id(args[0], f"{self.name.removeprefix('harvesters.')} failed: {type(exc).__name__}: {exc}")


def harvest_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A run's task, retried on transient failures: backoff 2, 4, 8 … s up to 5 min, with jitter, six times."""
    return shared_task(name=name, base=HarvestTask, autoretry_for=(runs.TransientHarvestError,), retry_backoff=2,
                       retry_backoff_max=300, retry_jitter=True, max_retries=6)


def _run_step(run_id: int, step: Callable[[HarvestRun, OrgClient], T]) -> T | None:
    """One step of an open run; an exhausted API limit stops the run and finishes it instead of failing it."""
    run = HarvestRun.objects.select_related("org").get(pk=run_id)
    if run.finished_at is not None:
        return None
    if run.status == RunStatus.STOPPED:
        finish_harvest.delay(run_id)
        return None
    try:
        return step(run, client_for(run.org))
    except runs.LimitExceededError as error:
        runs.stop_run(run, str(error))
        finish_harvest.delay(run_id)
        return None


def _start_once(task: Task, run_id: int, phase: str, start: Callable[[], object]) -> None:  # type: ignore[type-arg]
    """Start `phase` of the run (send its tasks, or do its work) unless another delivery did or does: one
    delivery of one task starts it, again only if its worker died first (a task called directly is a delivery)."""
    if runs.start_phase(run_id, phase, task.request.id or f"direct-{uuid.uuid4()}"):
        start()
        runs.phase_started(run_id, phase)


@harvest_task("harvesters.start_harvest")
def start_harvest(run_id: int) -> None:
    planned: list[list[str]] = []

    def plan(run: HarvestRun, client: OrgClient) -> bool:
        planned.extend(runs.plan_run(run, client).chunks)
        return True

    if not _run_step(run_id, plan):
        return
    if planned:
        _start_once(start_harvest, run_id, "schema",
                    group(harvest_chunk.si(run_id, names) for names in planned).delay)
    else:
        start_sources.delay(run_id)


@harvest_task("harvesters.harvest_chunk")
def harvest_chunk(run_id: int, names: list[str]) -> None:
    if _run_step(run_id, lambda run, client: runs.harvest_chunk(run, client, names)):
        start_sources.delay(run_id)


@harvest_task("harvesters.start_sources")
def start_sources(run_id: int) -> None:
    """Once every schema chunk has landed, the other sources, whose edges point at the schema, in parallel."""
    run = HarvestRun.objects.get(pk=run_id)
    if run.finished_at is not None:
        return
    sources = [source for source in run.sources if source != "schema"]
    if sources:
        _start_once(start_sources, run_id, "sources",
                    group(harvest_source.si(run_id, source) for source in sources).delay)
    else:
        finish_harvest.delay(run_id)


@harvest_task("harvesters.harvest_source")
def harvest_source(run_id: int, source: str, part: str | None = None) -> None:
    """A source, or one part of a source whose full read is split (each part its own task)."""
    if part is None:
        parts = _run_step(run_id, lambda run, client: runs.plan_source_parts(run, client, source))
        if parts:
            _start_once(harvest_source, run_id, f"{source} parts",
                        group(harvest_source.si(run_id, source, each) for each in parts).delay)
        elif parts is not None and runs.run_complete(HarvestRun.objects.get(pk=run_id)):
            finish_harvest.delay(run_id)  # every part had landed before this redelivered task
        if parts is not None or HarvestRun.objects.filter(pk=run_id, finished_at__isnull=False).exists():
            return
    if _run_step(run_id, lambda run, client: runs.harvest_source(run, client, source, part)):
        finish_harvest.delay(run_id)


@harvest_task("harvesters.finish_harvest")
def finish_harvest(run_id: int) -> None:
    _start_once(finish_harvest, run_id, "finish",
                lambda: runs.finish_run(HarvestRun.objects.select_related("org").get(pk=run_id)))


def queue_harvest(org: OrgConnection, *, full: bool, sources: list[str] | None = None,
                  requested_by: Any = None, origin: str = "") -> HarvestRun:
    """Request a run (refused with runs.RunInProgressError while the org has one) and queue its start once the
    request's transaction commits, so the worker always finds the run: what every entry point does."""
    run = runs.request_harvest(org, full=full, sources=sources, requested_by=requested_by, origin=origin)
    transaction.on_commit(lambda: start_harvest.delay(run.pk))
    return run


@shared_task(name="harvesters.schedule_harvests")
def schedule_harvests() -> list[int]:
    """Run by Celery beat: queue an incremental harvest of every org that is due for one."""
    queued = []
    for org in runs.due_for_harvest(timezone.now()):
        try:
            queued.append(queue_harvest(org, full=False, origin="schedule").pk)
        except runs.RunInProgressError:
            continue  # a command or the API started one since: that run is this org's harvest
    return queued


@shared_task(name="harvesters.close_stale_runs")
def close_stale_runs() -> list[int]:
    """Run by Celery beat: close the runs whose worker was lost (see runs.close_stale_runs)."""
    return [run.pk for run in runs.close_stale_runs(timezone.now())]
