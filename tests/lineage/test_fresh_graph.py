"""A harvested graph that never held an override: its field queries read the override properties, and the engine
must know them (else every field query logs an "unknown property key" warning). A throw-away Neo4j of its own,
since a property key once known stays known in a database."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from lineage import Graph, GraphConfig, GraphWriter, HasFieldEdge, HasObjectEdge, OrgRecord, bootstrap_schema
from lineage.queries.inventory import COUNT_FIELDS, LIST_FIELDS, FieldFilter
from local_services import Neo4jEngine, from_environment
from local_services.settings import LocalSettings
from tests.lineage.queries.inventory_org import EVIDENCE, FIELDS, OBJECTS, ORG_ID, ORG_KEY

UNKNOWN_PROPERTY = "Neo.ClientNotification.Statement.UnknownPropertyKeyWarning"
PASSWORD = "fresh-graph-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def fresh_graph(tmp_path_factory: pytest.TempPathFactory, services_up: None) -> Iterator[Graph]:
    local = from_environment()
    settings = LocalSettings(state_dir=Path(tmp_path_factory.mktemp("fresh-neo4j")),
                             neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_password=PASSWORD,
                             neo4j_heap_mb=256, neo4j_pagecache_mb=32, broker_url=local.broker_url,
                             simulator_port=local.simulator_port, simulator_org=local.simulator_org)
    engine = Neo4jEngine(settings)
    engine.start()
    graph = Graph(GraphConfig(uri=settings.neo4j_uri, user="neo4j", password=PASSWORD, database="neo4j"))
    try:
        yield graph
    finally:
        graph.close()
        engine.stop()


def harvest_the_inventory_org(graph: Graph) -> None:
    """What a schema harvest writes: the org, its objects and fields (none overridden)."""
    org = OrgRecord(org_id=ORG_ID, evidence=EVIDENCE)
    by_name = {sobject.name: sobject for sobject in OBJECTS}
    edges: list[HasObjectEdge | HasFieldEdge] = [
        *(HasObjectEdge(source=org.ref, target=sobject.ref, evidence=EVIDENCE) for sobject in OBJECTS),
        *(HasFieldEdge(source=by_name[each.sobject].ref, target=each.ref, evidence=EVIDENCE) for each in FIELDS)]
    GraphWriter(graph, "fresh-graph-test", ORG_KEY, datetime(2026, 11, 28, tzinfo=UTC)).write_chunk(
        [org, *OBJECTS, *FIELDS], list(edges))


def unknown_property_warnings(graph: Graph) -> list[str]:
    parameters = {"org_key": ORG_KEY, **FieldFilter(sensitive=True).parameters(), "skip": 0,
                  "limit": 50}
    found: list[str] = []
    with (GraphDatabase.driver(graph.config.uri, auth=(graph.config.user, graph.config.password)) as driver,
          driver.session(database=graph.database) as session):
        for query in (COUNT_FIELDS, LIST_FIELDS):
            summary = session.run(query, parameters).consume()
            found += [str(each.get("description")) for each in summary.notifications or []
                      if each.get("code") == UNKNOWN_PROPERTY]
    return found


def test_a_field_query_on_a_fresh_harvested_graph_warns_of_no_unknown_property_once_the_schema_is_in_place(
        fresh_graph: Graph):
    harvest_the_inventory_org(fresh_graph)
    before = unknown_property_warnings(fresh_graph)  # what every field query met before the schema knew them

    bootstrap_schema(fresh_graph)

    assert before
    assert any("override_" in each for each in before)
    assert unknown_property_warnings(fresh_graph) == []
