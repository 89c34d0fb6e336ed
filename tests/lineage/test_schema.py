"""The graph schema bootstrap, against the real Neo4j engine."""

from __future__ import annotations

import re
from typing import LiteralString

import pytest

from lineage import FULL_HARVEST, SHARED_LABELS, Graph, Label, Rel, bootstrap_schema
from lineage.provenance import (
    _purge_edges_statement,
    _purge_nodes_statement,
    _retire_edges_statement,
    _retire_nodes_statement,
)
from lineage.schema import CONSTRAINTS, INDEXES, schema_names
from lineage.writers import edge_statement

SHOW_SCHEMA: LiteralString = (
    "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties "
    "RETURN name, type, labelsOrTypes, properties ORDER BY name"
)


def drop_our_schema(graph: Graph) -> None:
    existing = schema_names(graph)
    for name in CONSTRAINTS:
        if name in existing:
            graph.write(f"DROP CONSTRAINT {name}")
    for name in INDEXES:
        if name in existing:
            graph.write(f"DROP INDEX {name}")


def schema_snapshot(graph: Graph) -> list[dict[str, object]]:
    indexes = graph.read("SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
                         "RETURN name, type, labelsOrTypes, properties ORDER BY name")
    return [record.data() for record in (*graph.read(SHOW_SCHEMA), *indexes)]


def test_every_node_label_of_the_vocabulary_has_a_unique_key_constraint():
    constrained = {re.search(r"FOR \(n:(\w+)\) REQUIRE n\.key IS UNIQUE", statement).group(1)  # type: ignore[union-attr]
                   for statement in CONSTRAINTS.values()}
    assert constrained == {label.value for label in Label}


def test_bootstrap_creates_the_schema_then_a_second_run_changes_nothing(graph: Graph):
    drop_our_schema(graph)

    first = bootstrap_schema(graph)
    after_first = schema_snapshot(graph)
    second = bootstrap_schema(graph)

    assert set(first.created) == set(CONSTRAINTS) | set(INDEXES)
    assert second.created == ()
    assert set(second.existing) == set(first.created)
    assert schema_snapshot(graph) == after_first


def test_the_key_constraint_rejects_a_duplicate_node(graph: Graph):
    bootstrap_schema(graph)
    graph.write("MATCH (n:Org {key: 'test-duplicate-org'}) DELETE n")
    graph.write("CREATE (:Org {key: 'test-duplicate-org'})")
    from neo4j.exceptions import ConstraintError

    with pytest.raises(ConstraintError):
        graph.write("CREATE (:Org {key: 'test-duplicate-org'})")
    graph.write("MATCH (n:Org {key: 'test-duplicate-org'}) DELETE n")


def test_every_label_of_one_org_and_every_relationship_type_has_an_index_on_its_provenance_scope():
    scoped_labels = {re.search(r"FOR \(n:(\w+)\) ON \(n\.org_key\)", statement).group(1)  # type: ignore[union-attr]
                     for statement in INDEXES.values() if "ON (n.org_key)" in statement}
    scoped_rels = {re.search(r"FOR \(\)-\[r:(\w+)\]-\(\) ON \(r\.org_key, r\.key\)", statement).group(1)  # type: ignore[union-attr]
                   for statement in INDEXES.values() if "ON (r.org_key, r.key)" in statement}
    retired = {re.search(r"FOR \(n:(\w+)\) ON \(n\.retired_at\)", statement).group(1)  # type: ignore[union-attr]
               for statement in INDEXES.values() if "ON (n.retired_at)" in statement}

    assert scoped_labels == {label.value for label in Label if label not in SHARED_LABELS}
    assert scoped_rels == {rel.value for rel in Rel}
    assert retired == {label.value for label in FULL_HARVEST.labels}


def test_retiring_and_purging_an_org_seek_its_nodes_and_edges_through_the_indexes(graph: Graph):
    bootstrap_schema(graph)
    graph.write("CALL db.awaitIndexes(120)")
    scope = {"org_key": "org:00DPLAN", "run_id": "run-1", "now": None, "limit": 10}
    statements = [_retire_nodes_statement(label) for label in FULL_HARVEST.labels if label not in SHARED_LABELS]
    statements.append(_retire_nodes_statement(Label.PURPOSE, undeclared_only=True))
    statements += [_purge_nodes_statement(label) for label in Label if label not in SHARED_LABELS]
    statements += [_retire_edges_statement(rel) for rel in FULL_HARVEST.rels]
    statements += [_purge_edges_statement(rel) for rel in Rel]

    for statement in statements:
        operators = graph.plan(statement, **scope)
        assert {"NodeIndexSeek", "DirectedRelationshipIndexSeek"} & set(operators), (statement, operators)


def test_writing_an_edge_seeks_that_one_edge_not_every_edge_of_the_scope(graph: Graph):
    bootstrap_schema(graph)
    graph.write("CALL db.awaitIndexes(120)")

    operators = graph.plan(edge_statement(Rel.HAS_FIELD, Label.SOBJECT, Label.FIELD),
                           rows=[], org_key="org:00DPLAN", run_id="run-1", now=None)

    assert "DirectedRelationshipTypeScan" not in operators
    assert "LockingMerge" in operators


def test_a_shared_node_written_before_observations_becomes_observed_by_its_last_writer(graph: Graph):
    key = "system:legacy-owner.schema-test.example"
    graph.write("MATCH (n:System {key: $key}) DETACH DELETE n", key=key)
    graph.write("CREATE (:System {key: $key, host: 'legacy-owner.schema-test.example', org_key: 'org:00DLEGACY', "
                "run_id: 'run-0'})", key=key)

    bootstrap_schema(graph)
    [record] = graph.read("MATCH (n:System {key: $key}) RETURN properties(n) AS props", key=key)
    graph.write("MATCH (n:System {key: $key}) DETACH DELETE n", key=key)

    props = record["props"]
    assert (props["observed_by"], props["observed_runs"], "org_key" in props) == (["org:00DLEGACY"], ["run-0"], False)
