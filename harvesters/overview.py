"""What the pages show of the orgs and their harvests: read-only records built from the run bookkeeping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from harvesters.models import HarvestRun, OrgConnection


@dataclass(frozen=True)
class RunSummary:
    """One harvest run as a person follows it: its state, how far it got and what it cost."""

    pk: int
    status: str
    status_label: str
    full: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    chunks_done: int
    chunks_total: int
    api_calls: int | None
    error_count: int
    reason: str


@dataclass(frozen=True)
class OrgHarvests:
    """An org connection with its run in progress (if any) and its last finished run (if any)."""

    alias: str
    org_id: str
    edition: str
    running: RunSummary | None
    last_finished: RunSummary | None
    previous_finished_at: datetime | None = None  # when the finished run before the last one ended


def summary_of(run: HarvestRun) -> RunSummary:
    return RunSummary(pk=run.pk, status=run.status, status_label=run.get_status_display(), full=run.full,
                      created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
                      chunks_done=run.chunks_done, chunks_total=run.chunks_total, api_calls=run.api_calls,
                      error_count=len(run.errors or []), reason=run.reason)


def orgs_with_harvests() -> list[OrgHarvests]:
    """Every org connection (by alias) with its unfinished run, its latest finished run and when the one before it
    finished, in three queries."""
    latest = HarvestRun.objects.filter(org=OuterRef("pk"), finished_at__isnull=False).order_by("-finished_at", "-pk")
    orgs = list(OrgConnection.objects.annotate(last_finished_pk=Subquery(latest.values("pk")[:1]),
                                               previous_finished_at=Subquery(latest.values("finished_at")[1:2]))
                .order_by("alias"))
    runs = HarvestRun.objects.filter(Q(finished_at__isnull=True, org__in=orgs)
                                     | Q(pk__in=[org.last_finished_pk for org in orgs]))
    unfinished = {run.org_id: run for run in runs if run.finished_at is None}
    by_pk = {run.pk: run for run in runs}
    return [OrgHarvests(alias=org.alias, org_id=org.org_id, edition=org.edition,
                        running=_summary_or_none(unfinished.get(org.pk)),
                        last_finished=_summary_or_none(by_pk.get(org.last_finished_pk)),
                        previous_finished_at=org.previous_finished_at)
            for org in orgs]


def _summary_or_none(run: HarvestRun | None) -> RunSummary | None:
    return summary_of(run) if run is not None else None
