"""Moments as queries return them: a moment read as text is the moment the driver's own type gives, to the
microsecond, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lineage import Graph
from lineage.queries.moments import as_text, moment, optional_moment

STORED = datetime(2026, 11, 29, 20, 45, 49, 123456, tzinfo=UTC)
EAST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize("stored", [STORED, STORED.replace(microsecond=0), STORED.astimezone(EAST)])
def test_a_moment_read_as_text_is_the_one_read_as_the_drivers_datetime(graph: Graph, stored: datetime) -> None:
    (row,) = graph.read("WITH $at AS at RETURN at, " + as_text("at") + " AS text", at=stored)

    assert isinstance(row["text"], str)
    assert moment(row["text"]) == moment(row["at"]) == stored


def test_text_with_the_engines_nanoseconds_keeps_their_microseconds() -> None:
    assert moment("2026-11-29T20:45:49.123456789Z") == STORED


def test_a_moment_that_carries_no_zone_is_taken_as_utc() -> None:
    assert moment("2026-11-29T20:45:49.123456") == STORED
    assert moment(datetime(2026, 11, 29, 20, 45, 49, 123456)).tzinfo is not None


def test_a_moment_never_set_stays_none(graph: Graph) -> None:
    (row,) = graph.read("RETURN " + as_text("null") + " AS text")

    assert optional_moment(row["text"]) is None
