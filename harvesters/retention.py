"""Retention counts: how many of an activity's Salesforce records are older than its retention period.

When. At the end of a harvest run that succeeded, once its writes have landed (the activities are read from the
graph as it now stands), in a full run, or when the org's latest count is older than
`HARVEST_RETENTION_COUNT_EVERY_HOURS`: records age by the day, so a scheduled incremental run every few minutes
need not count again. A record page never calls Salesforce: it reads these counts from the graph.

What. For each activity with a retention period (`ProcessingFacts.retention_period`: the longest its manifests
state, see `lineage.queries.retention`), each object holding its personal fields is counted with ONE
`SELECT COUNT() FROM <Object> WHERE CreatedDate < <cutoff>` through the org's client (so the run's API accounting
sees it), five to a Composite call (one API call: a generated org's 2,000 objects cost 400, not 2,000); an object two
activities count against one period is counted once. Objects whose rows Salesforce does not
keep with a CreatedDate it can count (external `__x`, big `__b`, platform events `__e`, custom metadata `__mdt`)
are not asked.

Budget. The harvest leaves `HARVEST_API_RESERVE_PERCENT` of the org's daily API requests to the org's own
integrations: once the requests left (Sforce-Limit-Info of the latest answer) would fall inside that reserve, or
Salesforce answers REQUEST_LIMIT_EXCEEDED, the objects left are written as not counted ("API budget") and the activity
says so. A count Salesforce refuses (an object it cannot count) is written as not counted with its error. Nothing
here fails the run: a failure of the whole step is a warning of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from neo4j.exceptions import DriverError, Neo4jError
from simple_salesforce.exceptions import SalesforceError, SalesforceRefusedRequest

from harvesters.client import OrgAuthError, OrgClient, SalesforceUnavailableError
from harvesters.composite import API_NAME, MAX_QUERIES, query_many
from harvesters.connections import client_for
from harvesters.models import HarvestRun
from lineage import GraphWriter, RetentionCountRecord, get_graph, org_key
from lineage.queries.processing import ProcessingFacts, processing_facts
from lineage.queries.retention import before, count_query, latest_count_at, query_artefact

log = logging.getLogger(__name__)
UNCOUNTABLE_SUFFIXES = ("__x", "__b", "__e", "__mdt")
API_BUDGET = "API budget"


@dataclass(frozen=True)
class PlannedCount:
    """One object to count against one period."""

    sobject: str
    period: str


def planned_counts(activities: Iterable[ProcessingFacts]) -> list[PlannedCount]:
    """Each object holding an activity's personal fields, once per period it is counted against."""
    planned = {PlannedCount(sobject, period) for facts in activities if (period := facts.retention_period)
               for sobject in facts.held_objects
               if API_NAME.fullmatch(sobject) and not sobject.endswith(UNCOUNTABLE_SUFFIXES)}
    return sorted(planned, key=lambda each: (each.sobject, each.period))


@dataclass(frozen=True)
class ApiUsage:
    """The org's daily API counter and limit as the run last saw them (None: unknown until an answer says)."""

    used: int | None
    limit: int | None


class ApiBudget:
    """Whether one more call leaves the org's reserve of daily API requests untouched (retention counts, a data
    map's live values)."""

    def __init__(self, client: OrgClient, reserve_percent: int, usage: ApiUsage) -> None:
        self.client = client
        self.reserve_percent = reserve_percent
        self.usage = usage
        self.exhausted = ""  # why no call is made any more

    def allows_one_more(self) -> bool:
        used = self.client.last_api_used if self.client.last_api_used is not None else self.usage.used
        limit = self.client.api_limit or self.usage.limit
        if not self.exhausted and used is not None and limit:
            reserve = limit * self.reserve_percent / 100
            if limit - used - 1 < reserve:
                self.exhausted = (f"{API_BUDGET}: {limit - used} of the org's {limit} daily API requests left, "
                                  f"{self.reserve_percent}% kept for its own integrations")
        return not self.exhausted


def count_records(client: OrgClient, org_id: str, run_uid: str, planned: list[PlannedCount], moment: datetime,
                  *, reserve_percent: int, usage: ApiUsage) -> list[RetentionCountRecord]:
    """One COUNT() per planned object, MAX_QUERIES to a Composite call, within the budget (`usage`: the org's as the
    run saw it last); what is not counted says why."""
    budget = ApiBudget(client, reserve_percent, usage)
    cutoffs = [before(moment, each.period) for each in planned]
    queries = [count_query(each.sobject, cutoff) for each, cutoff in zip(planned, cutoffs, strict=True)]
    answers: list[tuple[int | None, str | None]] = []
    for start in range(0, len(queries), MAX_QUERIES):
        batch = queries[start:start + MAX_QUERIES]
        allowed = budget.allows_one_more()
        answers += _count(client, batch, budget) if allowed else [(None, budget.exhausted)] * len(batch)
    return [RetentionCountRecord(org_id=org_id, sobject=each.sobject, period=each.period, cutoff=cutoff,
                                 counted_at=moment, counted_in=run_uid, count=count, not_counted=not_counted,
                                 query=query, evidence=query_artefact(query))
            for each, cutoff, query, (count, not_counted) in zip(planned, cutoffs, queries, answers, strict=True)]


def _count(client: OrgClient, queries: list[str], budget: ApiBudget) -> list[tuple[int | None, str | None]]:
    """One Composite call's counts (an API call, whatever the number of its queries), each answered on its own."""
    try:
        answers = list(query_many(client, [(str(index), query) for index, query in enumerate(queries)]))
    except SalesforceRefusedRequest as error:
        if "REQUEST_LIMIT_EXCEEDED" in str(error.content):
            budget.exhausted = f"{API_BUDGET}: the org's daily API limit is exceeded (REQUEST_LIMIT_EXCEEDED)"
            return [(None, budget.exhausted)] * len(queries)
        return [(None, f"Salesforce refused the count: {_error_code(error)}")] * len(queries)
    except SalesforceError as error:
        return [(None, f"Salesforce refused the count: {_error_code(error)}")] * len(queries)
    except SalesforceUnavailableError as error:
        return [(None, f"Salesforce did not answer the count: {error}")] * len(queries)
    return [(int(answer.body["totalSize"]), None) if answer.ok
            else (None, f"Salesforce refused the count: {answer.error_message()}") for answer in answers]


def _error_code(error: SalesforceError) -> str:
    content: Any = error.content
    first: Any = content[0] if isinstance(content, list) and content else None
    code = first.get("errorCode") if isinstance(first, dict) else None
    return f"HTTP {error.status} {code}" if code else f"HTTP {error.status}"


# --- the run's step ------------------------------------------------------------------------------------------


def count_retention(run: HarvestRun) -> int:
    """The run's retention counts, written to the graph: how many objects were counted (or said not counted).
    Never raises for Salesforce or the graph: the run is done, a failure here is one of its warnings."""
    if not run.org.org_id or not _due(run):
        return 0
    try:
        return _count_and_write(run)
    except (OrgAuthError, SalesforceError, SalesforceUnavailableError, Neo4jError, DriverError, OSError,
            ValueError) as error:
        log.warning("harvest run %s of %s: retention not counted: %s", run.pk, run.org.alias, type(error).__name__)
        run.add_warning(f"retention counts not taken: {type(error).__name__}: {error}")
        return 0


def _due(run: HarvestRun) -> bool:
    if run.full:
        return True
    latest = latest_count_at(get_graph(), org_key(run.org.org_id))
    every = timedelta(hours=settings.HARVEST_RETENTION_COUNT_EVERY_HOURS)
    return latest is None or datetime.now(UTC) - latest >= every


def _count_and_write(run: HarvestRun) -> int:
    org_id = run.org.org_id
    activities = processing_facts(get_graph(), org_key(org_id), datetime.now(UTC))
    planned = planned_counts(activities)
    if not planned:
        return 0
    client = client_for(run.org)
    moment = datetime.now(UTC).replace(microsecond=0)
    counted = count_records(client, org_id, str(run.uid), planned, moment,
                            reserve_percent=settings.HARVEST_API_RESERVE_PERCENT,
                            usage=ApiUsage(run.api_used_after, run.api_daily_limit))
    GraphWriter(get_graph(), str(run.uid), org_key(org_id), moment).write_nodes(counted)
    _note_usage(run, client, sum(1 for each in counted if each.count is not None))
    skipped = [each for each in counted if each.count is None]
    if skipped:
        run.add_warning(f"retention: {len(skipped)} of {len(counted)} objects not counted ("
                   + "; ".join(sorted({f'{each.sobject}: {each.not_counted}' for each in skipped})[:5]) + ")")
    return len(counted)


def _note_usage(run: HarvestRun, client: OrgClient, counted: int) -> None:
    """The objects counted join the run's figures; the counts' calls widen its span of the org's API counter."""
    with transaction.atomic():
        locked = HarvestRun.objects.select_for_update().get(pk=run.pk)
        locked.counts = {**locked.counts, "retention_counted": counted}
        if client.last_api_used is not None:
            locked.api_used_after = max(locked.api_used_after or 0, client.last_api_used)
        locked.save(update_fields=["api_used_after", "counts"])
    run.counts = locked.counts
