"""A harvest counts, in Salesforce, each activity's records older than its retention period: one COUNT() per object,
within the API budget, written to the graph with the query as its evidence."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from harvesters import runs
from harvesters.client import OrgClient
from harvesters.composite import MAX_QUERIES
from harvesters.connections import client_for
from harvesters.models import OrgConnection, RunStatus
from harvesters.retention import ApiUsage, PlannedCount, count_records, count_retention, planned_counts
from lineage import Graph, org_key, purge_org
from lineage.queries.processing import processing_facts
from lineage.queries.retention import count_query
from salesforce_simulator import Simulator
from tests.conftest import connect_simulated_org
from tests.lineage.systems_orgs import DEMO_MANIFESTS, DEMO_SOURCES

pytestmark = pytest.mark.django_db(transaction=True)

_harvested: dict[str, dict[str, Any]] = {}  # the demo org's key → its run's id and figures, once a module


@pytest.fixture
def counted(demo_org: Simulator, graph: Graph) -> dict[str, Any]:
    """The demo org harvested in full with its manifests (its retention counted at the end), once a module."""
    key = org_key(demo_org.org.id)
    run_node = f"run:{_harvested.get(key, {}).get('uid')}"
    if not graph.read("MATCH (r:HarvestRun {key: $run}) RETURN r", run=run_node):
        purge_org(graph, key)
        demo_org.reset()
        connection = connect_simulated_org("retention-demo", demo_org, manifest_dir=str(DEMO_MANIFESTS))
        run = runs.harvest_now(runs.request_harvest(connection, full=True, sources=DEMO_SOURCES), max_attempts=8)
        assert run.status == RunStatus.SUCCEEDED, run.errors
        _harvested[key] = {"uid": str(run.uid), "counts": run.counts, "warnings": run.warnings}
    return {"org_key": key, **_harvested[key]}


@pytest.fixture
def connection(demo_org: Simulator, counted: dict[str, Any]) -> OrgConnection:
    return connect_simulated_org("retention-demo", demo_org, manifest_dir=str(DEMO_MANIFESTS), org_id=demo_org.org.id)


def _counts(graph: Graph, key: str) -> list[dict[str, Any]]:
    rows = graph.read("MATCH (c:RetentionCount) WHERE c.org_key = $org_key RETURN c ORDER BY c.sobject, c.period",
                      org_key=key)
    return [dict(row["c"]) for row in rows]


def _answer(client: OrgClient, query: str) -> dict[str, Any]:
    answer: dict[str, Any] = client.call(lambda salesforce: salesforce.query(query))
    return answer


def _planned(graph: Graph, key: str) -> list[PlannedCount]:
    return planned_counts(processing_facts(graph, key, datetime.now(UTC)))


def test_a_full_harvest_counts_each_object_of_an_activity_once_against_its_longest_manifest_retention(
    counted: dict[str, Any], graph: Graph
):
    counts = _counts(graph, counted["org_key"])

    assert [(each["sobject"], each["period"]) for each in counts] == [
        (each.sobject, each.period) for each in _planned(graph, counted["org_key"])]
    assert {each["counted_in"] for each in counts} == {counted["uid"]}
    assert counted["counts"]["retention_counted"] == len(counts)
    servicing = next(each for each in processing_facts(graph, counted["org_key"], datetime.now(UTC))
                     if each.name == "Account servicing")
    assert servicing.retention_period == "P7Y"  # Core Banking's, the longest the activity's manifests state
    assert {"FinServ__FinancialAccount__c", "P7Y"} <= {value for each in counts for value in
                                                       (each["sobject"], each["period"])}


def test_each_count_is_what_salesforce_answers_to_the_query_kept_as_its_evidence(
    counted: dict[str, Any], graph: Graph, connection: OrgConnection
):
    client = client_for(connection)

    for each in _counts(graph, counted["org_key"]):
        assert each["query"] == count_query(each["sobject"], each["cutoff"].to_native())
        assert each["evidence"] == f"SOQL: {each['query']}"
        assert each["count"] == _answer(client, each["query"])["totalSize"]
    assert any(each["count"] > 0 for each in _counts(graph, counted["org_key"]))  # kept past a manifest's period


def test_the_counts_travel_five_to_an_api_call(counted: dict[str, Any], graph: Graph, connection: OrgConnection,
                                              demo_org: Simulator):
    planned = _planned(graph, counted["org_key"])
    demo_org.reset()

    made = count_records(client_for(connection), connection.org_id, "run-1", planned, datetime.now(UTC),
                         reserve_percent=10, usage=ApiUsage(None, None))

    assert all(each.count is not None for each in made)
    assert len(planned) > MAX_QUERIES
    assert demo_org.api_usage == math.ceil(len(planned) / MAX_QUERIES)  # one Composite call of five queries each


def test_counts_that_would_spend_the_orgs_reserve_are_not_asked_and_say_api_budget(
    counted: dict[str, Any], graph: Graph, connection: OrgConnection, demo_org: Simulator
):
    planned = _planned(graph, counted["org_key"])
    limit = demo_org.org.daily_api_limit
    demo_org.reset()

    made = count_records(client_for(connection), connection.org_id, "run-1", planned, datetime.now(UTC),
                         reserve_percent=10, usage=ApiUsage(used=limit - limit // 10, limit=limit))

    assert demo_org.api_usage == 0
    assert [each.count for each in made] == [None] * len(planned)
    assert all((each.not_counted or "").startswith("API budget: ") for each in made)


def test_an_incremental_run_soon_after_a_count_does_not_count_again(
    counted: dict[str, Any], graph: Graph, connection: OrgConnection, demo_org: Simulator
):
    before = _counts(graph, counted["org_key"])
    run = runs.request_harvest(connection, full=False, sources=DEMO_SOURCES)
    demo_org.reset()

    assert count_retention(run) == 0
    assert _counts(graph, counted["org_key"]) == before
    assert demo_org.api_usage == 0


def test_an_object_salesforce_cannot_count_is_said_not_counted_with_its_error(
    connection: OrgConnection, demo_org: Simulator
):
    made = count_records(client_for(connection), connection.org_id, "run-1",
                         [PlannedCount("No_Such_Object__c", "P2Y"), PlannedCount("Individual", "P2Y")],
                         datetime.now(UTC), reserve_percent=10, usage=ApiUsage(None, None))

    assert made[0].count is None
    assert (made[0].not_counted or "").startswith("Salesforce refused the count: INVALID_TYPE")
    assert made[1].count is not None  # the next object is counted all the same


def test_a_count_that_cannot_log_in_leaves_the_run_a_warning_not_a_failure(
    counted: dict[str, Any], connection: OrgConnection, graph: Graph
):
    connection.client_secret = "not-the-secret"
    connection.save()
    run = runs.request_harvest(connection, full=True, sources=DEMO_SOURCES)
    before = _counts(graph, counted["org_key"])

    assert count_retention(run) == 0
    assert any(warning.startswith("retention counts not taken: OrgAuthError") for warning in run.warnings)
    assert _counts(graph, counted["org_key"]) == before
