"""Ownership in the graph, against the real Neo4j engine: each org and each provenance scope retires only
what it observed, shared nodes live while anyone observes them, and a business's view of a system is its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lineage import (
    INTEGRATIONS,
    FlowEdge,
    Graph,
    GraphWriter,
    HarvestRunRecord,
    HasSystemEdge,
    IntegrationKind,
    IntegrationRecord,
    Label,
    OrgRecord,
    SendsToEdge,
    SystemRecord,
    SystemRole,
    bootstrap_schema,
    org_key,
    purge_org,
    system_key,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


@pytest.fixture(scope="module", autouse=True)
def schema(graph: Graph) -> None:
    bootstrap_schema(graph)


@pytest.fixture
def host() -> str:
    """A host no other test writes: the shared System of the test."""
    return f"core-{uuid.uuid4().hex[:10]}.bank.example"


@pytest.fixture
def orgs(graph: Graph) -> Iterator[tuple[str, str]]:
    """Two orgs' ids; whatever either wrote, and the OpenLineage scopes of the first, are purged afterwards."""
    first, second = (f"00DOWN{uuid.uuid4().hex[:12].upper()}" for _ in range(2))
    yield first, second
    for scope in (org_key(first), org_key(second), f"{org_key(first)}:openlineage"):
        purge_org(graph, scope)


def callout(org_id: str, host: str) -> tuple[list[Any], list[Any]]:
    """What the integrations source writes for an Apex callout of `org_id` to `host`."""
    org = OrgRecord(org_id=org_id, evidence="organization")
    apex = IntegrationRecord(org_id=org_id, kind=IntegrationKind.APEX_CLASS, name="CoreBankingSync",
                             evidence="apex:CoreBankingSync")
    system = SystemRecord(host=host, evidence="apex:CoreBankingSync")
    return [org, apex, system], [SendsToEdge(source=apex.ref, target=system.ref, channel="callout",
                                             evidence=apex.evidence)]


def write(graph: Graph, scope: str, run_id: str, now: datetime, nodes: list[Any], edges: list[Any]) -> None:
    GraphWriter(graph, run_id, scope, now).write_chunk(nodes, edges)


def props_of_node(graph: Graph, key: str) -> dict[str, Any]:
    [record] = graph.read("MATCH (n {key: $key}) RETURN properties(n) AS props", key=key)
    return dict(record["props"])


def live_edges(graph: Graph, scope: str, rel: str) -> list[str]:
    records = graph.read("MATCH ()-[r]->() WHERE r.org_key = $scope AND type(r) = $rel AND r.retired_at IS NULL "
                         "RETURN r.key AS key", scope=scope, rel=rel)
    return [record["key"] for record in records]


# --- shared nodes -------------------------------------------------------------------------------------


def test_a_system_two_orgs_call_stays_live_with_the_other_orgs_edges_when_one_org_stops_calling_it(
    graph: Graph, orgs: tuple[str, str], host: str
):
    first, second = orgs
    write(graph, org_key(first), "first-run-1", T0, *callout(first, host))
    write(graph, org_key(second), "second-run-1", T0, *callout(second, host))

    # The first org's next full run no longer sees the host (the callout was removed); the second wrote last
    # before, the first wrote last here: neither order may decide.
    nodes, _ = callout(first, host)
    write(graph, org_key(first), "first-run-2", T1, nodes[:2], [])
    report = GraphWriter(graph, "first-run-2", org_key(first), T1).retire_unseen(INTEGRATIONS)

    system = props_of_node(graph, system_key(host))
    assert "retired_at" not in system
    assert (system["observed_by"], system["observed_runs"], system["retired_by"]) == (
        [org_key(second)], ["second-run-1"], [org_key(first)])
    assert len(live_edges(graph, org_key(second), "SENDS_TO")) == 1
    assert live_edges(graph, org_key(first), "SENDS_TO") == []
    assert (report.nodes[Label.SYSTEM], report.observations[Label.SYSTEM]) == (0, 1)


def test_a_shared_system_is_retired_when_its_last_observer_stops_seeing_it_and_revived_when_seen_again(
    graph: Graph, orgs: tuple[str, str], host: str
):
    first, second = orgs
    write(graph, org_key(first), "first-run-1", T0, *callout(first, host))
    write(graph, org_key(second), "second-run-1", T0, *callout(second, host))

    GraphWriter(graph, "first-run-2", org_key(first), T1).retire_unseen(INTEGRATIONS)
    report = GraphWriter(graph, "second-run-2", org_key(second), T2).retire_unseen(INTEGRATIONS)
    retired = props_of_node(graph, system_key(host))
    write(graph, org_key(first), "first-run-3", T2, *callout(first, host))
    revived = props_of_node(graph, system_key(host))

    assert report.nodes[Label.SYSTEM] == 1
    assert retired["retired_at"].to_native() == T2
    assert (retired["observed_by"], sorted(retired["retired_by"])) == ([], sorted([org_key(first), org_key(second)]))
    assert "retired_at" not in revived
    assert (revived["observed_by"], revived["observed_runs"], revived["retired_by"]) == (
        [org_key(first)], ["first-run-3"], [org_key(second)])
    assert revived["first_seen"].to_native() == T0


def test_a_system_an_openlineage_scope_reported_survives_the_orgs_full_run(
    graph: Graph, orgs: tuple[str, str], host: str
):
    org_id, _ = orgs
    pipelines = f"{org_key(org_id)}:openlineage"  # the scope harvesters.openlineage stamps an org's events with
    job = IntegrationRecord(org_id=org_id, kind=IntegrationKind.OPENLINEAGE, name="airflow/export",
                            evidence="openlineage:1")
    system = SystemRecord(host=host, evidence="openlineage:1")
    write(graph, pipelines, "openlineage:1", T0, [job, system],
          [SendsToEdge(source=job.ref, target=system.ref, channel="openlineage", evidence="openlineage:1")])
    write(graph, org_key(org_id), "harvest-1", T0, *callout(org_id, host))  # the harvest writes it last

    GraphWriter(graph, "harvest-2", org_key(org_id), T1).retire_unseen(INTEGRATIONS)

    assert "retired_at" not in props_of_node(graph, system_key(host))
    assert props_of_node(graph, system_key(host))["observed_by"] == [pipelines]
    assert len(live_edges(graph, pipelines, "SENDS_TO")) == 1
    assert "retired_at" not in props_of_node(graph, job.key)


# --- edges --------------------------------------------------------------------------------------------


def test_two_scopes_writing_the_same_edge_key_each_keep_their_own_edge(
    graph: Graph, orgs: tuple[str, str], host: str
):
    first, second = orgs
    warehouse = SystemRecord(host=f"warehouse.{host}", evidence="openlineage:1")
    core = SystemRecord(host=host, evidence="openlineage:1")
    flow = FlowEdge(source=core.ref, target=warehouse.ref, via="integration:shared-job", consent_checked=False,
                    evidence="openlineage:1")
    write(graph, org_key(first), "first-run-1", T0, [core, warehouse], [flow])
    write(graph, org_key(second), "second-run-1", T0, [core, warehouse], [flow])

    GraphWriter(graph, "second-run-2", org_key(second), T1).retire_unseen(INTEGRATIONS)

    assert live_edges(graph, org_key(first), "FLOWS_TO") == [flow.key]
    assert live_edges(graph, org_key(second), "FLOWS_TO") == []
    records = graph.read("MATCH ()-[r:FLOWS_TO {key: $key}]->() RETURN r.org_key AS scope, r.run_id AS run",
                         key=flow.key)
    assert sorted((r["scope"], r["run"]) for r in records) == sorted([
        (org_key(first), "first-run-1"), (org_key(second), "second-run-1")])


# --- a business's view of a system ---------------------------------------------------------------------


def test_two_orgs_give_one_system_different_roles_and_each_reads_its_own(
    graph: Graph, orgs: tuple[str, str], host: str
):
    first, second = orgs
    for org_id, role, country in ((first, SystemRole.SERVICE_PROVIDER, "US"), (second, SystemRole.THIRD_PARTY, "IE")):
        org = OrgRecord(org_id=org_id, evidence="organization")
        system = SystemRecord(host=host, name="Core banking", evidence=f"manifest:{org_id}.yaml")
        declared = HasSystemEdge(source=org.ref, target=system.ref, role=role, country=country,
                                 evidence=system.evidence)
        write(graph, org_key(org_id), f"{org_id}-manifests", T0, [org, system], [declared])

    recipients = {
        org_id: [(r["host"], r["role"], r["country"]) for r in graph.read(
            "MATCH (:Org {key: $org})-[r:HAS_SYSTEM]->(s:System) "
            "WHERE r.retired_at IS NULL AND r.role <> 'first_party' "
            "RETURN s.host AS host, r.role AS role, r.country AS country", org=org_key(org_id))]
        for org_id in orgs
    }

    assert recipients == {first: [(host, "service_provider", "US")], second: [(host, "third_party", "IE")]}
    assert {"role", "country"}.isdisjoint(props_of_node(graph, system_key(host)))


def test_a_new_role_for_a_system_is_a_new_declaration_and_the_old_one_is_retired_with_its_dates(
    graph: Graph, orgs: tuple[str, str], host: str
):
    org_id = orgs[0]
    org = OrgRecord(org_id=org_id, evidence="organization")
    system = SystemRecord(host=host, name="Enrichment", evidence=f"manifest:{org_id}.yaml")
    for run, now, role in (("run-1", T0, SystemRole.CONTRACTOR), ("run-2", T1, SystemRole.THIRD_PARTY)):
        declared = HasSystemEdge(source=org.ref, target=system.ref, role=role, country="US", evidence=system.evidence)
        write(graph, org_key(org_id), run, now, [org, system], [declared])
    GraphWriter(graph, "run-2", org_key(org_id), T1).retire_unseen(INTEGRATIONS)

    declarations = graph.read(
        "MATCH (:Org {key: $org})-[r:HAS_SYSTEM]->(:System {key: $system}) "
        "RETURN r.role AS role, r.first_seen AS first_seen, r.retired_at AS retired_at ORDER BY r.first_seen",
        org=org_key(org_id), system=system_key(host))

    assert [(row["role"], row["first_seen"].to_native(), row["retired_at"] and row["retired_at"].to_native())
            for row in declarations] == [("contractor", T0, T1), ("third_party", T1, None)]


# --- purging ------------------------------------------------------------------------------------------


def test_purging_an_org_keeps_a_system_another_org_observes_and_deletes_one_nobody_else_does(
    graph: Graph, orgs: tuple[str, str], host: str
):
    first, second = orgs
    only_first = f"only.{host}"
    nodes, edges = callout(first, host)
    write(graph, org_key(first), "first-run-1", T0, [*nodes, SystemRecord(host=only_first, evidence="apex")], edges)
    write(graph, org_key(second), "second-run-1", T0, *callout(second, host))

    purge_org(graph, org_key(first))

    assert props_of_node(graph, system_key(host))["observed_by"] == [org_key(second)]
    assert graph.read("MATCH (n {key: $key}) RETURN n", key=system_key(only_first)) == []
    assert graph.read("MATCH (n) WHERE n.org_key = $org RETURN n", org=org_key(first)) == []
    assert len(live_edges(graph, org_key(second), "SENDS_TO")) == 1


# --- harvest runs -------------------------------------------------------------------------------------


def test_a_harvest_run_is_a_node_linked_from_its_org_updated_when_it_finishes(graph: Graph, orgs: tuple[str, str]):
    org_id, _ = orgs
    started = HarvestRunRecord(run_id="run-7", org_id=org_id, sources=("schema", "manifests"), full=True,
                               status="running", started_at=T0, evidence="harvest run")
    finished = HarvestRunRecord(run_id="run-7", org_id=org_id, sources=("schema", "manifests"), full=True,
                                status="succeeded", started_at=T0, finished_at=T1, evidence="harvest run")
    runs = GraphWriter(graph, "run-7", org_key(org_id), T0)

    runs.write_run(started)
    GraphWriter(graph, "run-7", org_key(org_id), T1).write_run(finished)

    [record] = graph.read("MATCH (:Org {key: $org})-[:HAS_RUN]->(r:HarvestRun) RETURN properties(r) AS props",
                          org=org_key(org_id))
    run = record["props"]
    assert (run["key"], run["run_id"], run["org_id"], run["sources"], run["full"], run["status"]) == (
        "run:run-7", "run-7", org_id, ["schema", "manifests"], True, "succeeded")
    assert (run["started_at"].to_native(), run["finished_at"].to_native()) == (T0, T1)
    with pytest.raises(ValueError, match="writer of that run"):
        runs.write_run(HarvestRunRecord(run_id="run-8", org_id=org_id, sources=(), full=False, status="running",
                                        evidence="harvest run"))
