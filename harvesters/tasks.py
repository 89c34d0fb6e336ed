"""Celery tasks of a harvest: plan, one task per schema chunk, then one per source, then finish (chords).

Chunks are retried with exponential backoff and jitter on transient failures; an exceeded API limit
stops the run cleanly. Every task calls the same service functions as `harvest --sync`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from celery import Task, chord, shared_task
from django.utils import timezone

from harvesters import runs
from harvesters.client import OrgClient
from harvesters.connections import client_for
from harvesters.models import HarvestRun

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class HarvestTask(Task):  # type: ignore[type-arg]
    """A harvest task whose final failure (retries spent, or an error not worth retrying) fails its run."""

    def on_failure(self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                   einfo: Any) -> None:
        run = HarvestRun.objects.filter(pk=args[0]).first()
        if run is not None and run.finished_at is None:
            runs.fail_run(run, f"{type(exc).__name__}: {exc}")


def retrying_task(name: str) -> Callable[[Callable[P, R]], Task[P, R]]:
    """A task retried on transient failures: backoff 2, 4, 8 … s up to 5 min, with jitter, six times."""
    return shared_task(name=name, base=HarvestTask, autoretry_for=(runs.TransientHarvestError,), retry_backoff=2,
                       retry_backoff_max=300, retry_jitter=True, max_retries=6)


def _within_limit(run_id: int, step: Callable[[HarvestRun, OrgClient], T]) -> T | None:
    """Run one step of a run; an exhausted API limit stops the run (None) instead of failing it."""
    run = HarvestRun.objects.select_related("org").get(pk=run_id)
    try:
        return step(run, client_for(run.org))
    except runs.LimitExceededError as error:
        runs.stop_run(run, str(error))
        return None


@retrying_task("harvesters.start_harvest")
def start_harvest(run_id: int) -> None:
    plan = _within_limit(run_id, runs.plan_run)
    if plan is None:
        finish_harvest.delay(run_id)
        return
    chunks = [harvest_chunk.si(run_id, names) for names in plan.chunks]
    chord(chunks)(start_sources.si(run_id)) if chunks else start_sources.delay(run_id)


@retrying_task("harvesters.harvest_chunk")
def harvest_chunk(run_id: int, names: list[str]) -> None:
    _within_limit(run_id, lambda run, client: runs.harvest_chunk(run, client, names))


@shared_task(name="harvesters.schedule_harvests")
def schedule_harvests() -> list[int]:
    """Run by Celery beat: queue an incremental harvest of every org that is due for one."""
    queued = [runs.request_harvest(org, full=False) for org in runs.due_for_harvest(timezone.now())]
    for run in queued:
        start_harvest.delay(run.pk)
    return [run.pk for run in queued]


@shared_task(name="harvesters.start_sources")
def start_sources(run_id: int) -> None:
    """Once every schema chunk has landed, the other sources, whose edges point at the schema, in parallel."""
    run = HarvestRun.objects.get(pk=run_id)
    sources = [harvest_source.si(run_id, source) for source in run.sources if source != "schema"]
    chord(sources)(finish_harvest.si(run_id)) if sources else finish_harvest.delay(run_id)


@retrying_task("harvesters.harvest_source")
def harvest_source(run_id: int, source: str) -> None:
    _within_limit(run_id, lambda run, client: runs.harvest_source(run, client, source))


@shared_task(name="harvesters.finish_harvest")
def finish_harvest(run_id: int) -> None:
    runs.finish_run(HarvestRun.objects.select_related("org").get(pk=run_id))
