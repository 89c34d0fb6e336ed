"""Retention counts in the graph: a period taken from a moment on the calendar, the longest of an activity's periods,
and each object's count read as the latest one counted by the as-of date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lineage import Graph, GraphWriter, RetentionCountRecord, org_key, purge_org
from lineage.queries.retention import PeriodError, before, count_query, longest_period, retention_counts

ORG_ID = "00D000000000RTNAAA"
ORG_KEY = org_key(ORG_ID)
FIRST = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
SECOND = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def test_a_period_of_years_and_months_is_taken_on_the_calendar() -> None:
    assert before(datetime(2026, 11, 29, 8, 30, tzinfo=UTC), "P7Y") == datetime(2019, 11, 29, 8, 30, tzinfo=UTC)
    assert before(datetime(2026, 3, 31, tzinfo=UTC), "P1M") == datetime(2026, 2, 28, tzinfo=UTC)
    assert before(datetime(2026, 1, 15, tzinfo=UTC), "P24M") == datetime(2024, 1, 15, tzinfo=UTC)
    assert before(datetime(2026, 1, 15, tzinfo=UTC), "P1WT12H") == datetime(2026, 1, 7, 12, tzinfo=UTC)


def test_a_period_that_is_not_an_iso_8601_duration_is_refused_by_name() -> None:
    with pytest.raises(PeriodError, match="'7 years' is not an ISO 8601 duration"):
        before(FIRST, "7 years")


def test_the_longest_of_an_activitys_periods_is_the_one_its_records_are_counted_against() -> None:
    assert longest_period(["P30D", "P7Y", "P24M", "not a period"]) == "P7Y"
    assert longest_period(["P90D", "P4M"]) == "P4M"
    assert longest_period(["seven years"]) is None


def _count(sobject: str, at: datetime, count: int | None, run: str, not_counted: str | None = None
           ) -> RetentionCountRecord:
    cutoff = before(at, "P2Y")
    query = count_query(sobject, cutoff)
    return RetentionCountRecord(org_id=ORG_ID, sobject=sobject, period="P2Y", cutoff=cutoff, counted_at=at,
                                counted_in=run, count=count, not_counted=not_counted, query=query,
                                evidence=f"SOQL: {query}")


@pytest.fixture
def counted(graph: Graph) -> Iterator[Graph]:
    purge_org(graph, ORG_KEY)
    GraphWriter(graph, "run-1", ORG_KEY, FIRST).write_nodes([_count("Individual", FIRST, 12, "run-1")])
    GraphWriter(graph, "run-2", ORG_KEY, SECOND).write_nodes([
        _count("Individual", SECOND, 40, "run-2"), _count("Contact", SECOND, None, "run-2", "API budget: 3 left")])
    yield graph
    purge_org(graph, ORG_KEY)


def test_an_as_of_date_reads_each_objects_latest_count_by_then(counted: Graph) -> None:
    between = retention_counts(counted, ORG_KEY, datetime(2026, 3, 1, tzinfo=UTC))
    now = retention_counts(counted, ORG_KEY, datetime(2026, 11, 29, tzinfo=UTC))

    assert [(each.sobject, each.count, each.counted_at) for each in between] == [("Individual", 12, FIRST)]
    assert [(each.sobject, each.count, each.not_counted) for each in now] == [
        ("Contact", None, "API budget: 3 left"), ("Individual", 40, None)]


def test_before_the_first_count_there_is_none(counted: Graph) -> None:
    assert retention_counts(counted, ORG_KEY, datetime(2025, 12, 31, tzinfo=UTC)) == ()


def test_a_count_is_kept_with_the_query_that_made_it(counted: Graph) -> None:
    (individual,) = retention_counts(counted, ORG_KEY, FIRST)

    assert individual.query == "SELECT COUNT() FROM Individual WHERE CreatedDate < 2024-01-10T12:00:00Z"
    assert individual.cutoff == datetime(2024, 1, 10, 12, tzinfo=UTC)
