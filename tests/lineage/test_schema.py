"""The graph schema bootstrap, against the real Neo4j engine."""

from __future__ import annotations

import re
from typing import LiteralString

import pytest

from lineage import Graph, Label, bootstrap_schema
from lineage.schema import CONSTRAINTS, INDEXES, schema_names

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
