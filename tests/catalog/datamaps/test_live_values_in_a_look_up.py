"""include_values: a consumer's current values read live from the simulator by record id, placed in the answer only,
and found nowhere after it: not in Neo4j, not in the database's file, not in the cache, not in a log line."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from harvesters.models import OrgConnection
from lineage import Graph
from salesforce_simulator import Simulator
from tests.catalog.datamaps.consumers import LOOKUP, ZORA_ACCOUNT, ZORA_EMAIL, ZORA_STREET, body, dsar_client

pytestmark = pytest.mark.django_db(transaction=True)


def values_of(answer: dict[str, object], record_id: str) -> dict[str, str | None]:
    records = answer["values"]["records"]  # type: ignore[index]
    record = next(each for each in records if each["record_id"] == record_id)
    return {each["field"]: each["value"] for each in record["values"]}


def test_include_values_answers_the_current_values_from_salesforce_and_leaves_no_trace(
    live_demo: OrgConnection, demo_org: Simulator, graph: Graph, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)

    response = dsar_client().post(LOOKUP, body(emails=[ZORA_EMAIL], include_values=True), format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    account = values_of(answer, ZORA_ACCOUNT)
    assert (account["PersonMailingStreet"], account["PersonEmail"]) == (ZORA_STREET, ZORA_EMAIL)
    assert answer["values"]["not_read"] == []
    assert answer["values"]["api_calls"] == demo_org.api_usage >= 1  # the composite calls, and nothing else
    assert ZORA_STREET not in _everything_in(graph)
    assert ZORA_STREET.encode() not in _database_files()
    assert ZORA_STREET.encode() not in _cached()
    assert ZORA_STREET not in caplog.text


def test_without_include_values_salesforce_is_not_called(live_demo: OrgConnection, demo_org: Simulator):
    answer = dsar_client().post(LOOKUP, body(emails=[ZORA_EMAIL]), format="json").json()

    assert answer["values"] is None
    assert demo_org.api_usage == 0


def test_values_salesforce_cannot_give_are_said_not_read_and_the_map_is_still_answered(demo: OrgConnection):
    response = dsar_client().post(LOOKUP, body(emails=[ZORA_EMAIL], include_values=True), format="json")

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["records"]
    assert answer["values"]["records"] == []
    assert {each["reason"] for each in answer["values"]["not_read"]} == {
        "the org's certificate is not trusted (its connection's CA bundle)"}  # `demo` never contacts the org


def _everything_in(graph: Graph) -> str:
    """Every property of every node and relationship, as text."""
    nodes = graph.read("MATCH (n) RETURN properties(n) AS p")
    edges = graph.read("MATCH ()-[r]->() RETURN properties(r) AS p")
    return "\n".join(str(row["p"]) for row in (*nodes, *edges))


def _database_files() -> bytes:
    """The test database's file and its write-ahead log, as bytes."""
    name = Path(settings.DATABASES["default"]["TEST"]["NAME"])
    return b"".join(path.read_bytes() for path in (name, Path(f"{name}-wal")) if path.exists())


def _cached() -> bytes:
    """Everything in the process's cache (the local-memory backend the tests use)."""
    held = getattr(cache, "_cache", {})
    return b"".join(value if isinstance(value, bytes) else pickle.dumps(value) for value in held.values())
