"""Whether an activity's data is kept past its retention period: the period counted in Salesforce, and the counts.

Which period. Manifests state a retention period per system (`retention: {period: P7Y}`) and the record lists them
by system; none states how long Salesforce itself keeps a record. The period an activity's Salesforce records are
counted against is the LONGEST its manifests state: a record older than it is past every period stated for the
activity, so the count never calls a record overdue that some stated period still allows. The integration whose
manifest states that period is the count's evidence beside the query. A privacy officer's own retention entry is
not counted against: it is free text, kept in the catalog's database, which a harvest does not read.

The counts. At harvest time (harvesters.retention) each object holding an activity's personal fields is counted with
one `SELECT COUNT() FROM <Object> WHERE CreatedDate < <cutoff>`, the cutoff being Salesforce's clock less the
period; each count is a `RetentionCount` node of its run, never retired. Read back as of a date, an object's count
is the latest one counted by then for that period: a record page reads the graph, never Salesforce.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.moments import as_text, moment, optional_moment

# ISO 8601 durations as manifests write them (harvesters.manifests.DURATION): years, months, weeks, days, time.
_PERIOD = re.compile(r"^P(?=\d|T\d)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                     r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_REFERENCE = datetime(2000, 3, 1, tzinfo=UTC)  # periods are compared by the cutoffs they give from one moment
RETENTION_COUNT_SOQL = "SELECT COUNT() FROM {sobject} WHERE CreatedDate < {cutoff}"
SOQL_ARTEFACT = "SOQL: "  # how evidence names a count's query: SOQL_ARTEFACT + the query


class PeriodError(ValueError):
    """Not an ISO 8601 duration such as P7Y, P24M or P30D."""


@dataclass(frozen=True)
class RetentionCountFact:
    """One object's records older than the period, as the latest harvest by the as-of date counted them."""

    sobject: str
    period: str
    cutoff: datetime
    counted_at: datetime
    count: int | None  # None: not counted (`not_counted` says why)
    not_counted: str | None
    query: str
    key: str  # the RetentionCount node


def before(moment: datetime, period: str) -> datetime:
    """`moment` less an ISO 8601 `period`: calendar years and months (the 31st of a shorter month is its last day),
    then weeks, days and time."""
    found = _PERIOD.match(period.strip())
    if found is None:
        raise PeriodError(f"{period!r} is not an ISO 8601 duration such as P7Y, P24M or P30D")
    years, months, weeks, days, hours, minutes = (int(part or 0) for part in found.groups()[:6])
    seconds = float(found.group(7) or 0)
    month_index = moment.year * 12 + moment.month - 1 - years * 12 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    shifted = moment.replace(year=year, month=month + 1, day=day)
    return shifted - timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def is_period(text: str) -> bool:
    try:
        before(_REFERENCE, text)
    except (PeriodError, ValueError):
        return False
    return True


def longest_period(periods: Iterable[str]) -> str | None:
    """The longest of `periods` (those that are ISO 8601 durations); None when there is none."""
    valid = [each for each in periods if is_period(each)]
    return min(valid, key=lambda each: (before(_REFERENCE, each), each)) if valid else None


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal, in UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def count_query(sobject: str, cutoff: datetime) -> str:
    return RETENTION_COUNT_SOQL.format(sobject=sobject, cutoff=soql_datetime(cutoff))


def query_artefact(query: str) -> str:
    """The artefact a count rests on: its query, as evidence names it."""
    return SOQL_ARTEFACT + query


# The latest count of each object and period by $as_of (counted_at is Salesforce's clock at the count).
LATEST_COUNTS: LiteralString = (
    "MATCH (c:RetentionCount) WHERE c.org_key = $org_key AND c.counted_at <= $as_of "
    "WITH c ORDER BY c.counted_at DESC, c.key "
    "WITH c.sobject AS sobject, c.period AS period, collect(c)[0] AS c "
    "RETURN c {.sobject, .period, .count, .not_counted, .query, .key, cutoff: " + as_text("c.cutoff") + ", "
    "  counted_at: " + as_text("c.counted_at") + "} AS latest ORDER BY sobject, period"
)


LATEST_COUNT_AT: LiteralString = (
    "MATCH (c:RetentionCount) WHERE c.org_key = $org_key RETURN max(c.counted_at) AS latest"
)


def latest_count_at(graph: Graph, org_key: str) -> datetime | None:
    """When the org's records were last counted; None: never."""
    rows = graph.read(LATEST_COUNT_AT, org_key=org_key)
    return optional_moment(rows[0]["latest"]) if rows else None


def retention_counts(graph: Graph, org_key: str, as_of: datetime) -> tuple[RetentionCountFact, ...]:
    """Every object's latest count at `as_of`, per period."""
    return tuple(_count(row["latest"]) for row in graph.read(LATEST_COUNTS, org_key=org_key, as_of=as_of))


def _count(node: Any) -> RetentionCountFact:
    return RetentionCountFact(sobject=node["sobject"], period=node["period"], cutoff=moment(node["cutoff"]),
                              counted_at=moment(node["counted_at"]), count=node.get("count"),
                              not_counted=node.get("not_counted"), query=node["query"], key=node["key"])


__all__ = ["RETENTION_COUNT_SOQL", "PeriodError", "RetentionCountFact", "before", "count_query",
           "is_period", "latest_count_at", "longest_period", "retention_counts", "soql_datetime"]
