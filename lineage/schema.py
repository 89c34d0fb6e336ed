"""The graph schema: one uniqueness constraint per node key, and the indexes the queries rely on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from lineage.graph import Graph

# Statements are literal Cypher (names cannot be parameters); IF NOT EXISTS makes them idempotent.
CONSTRAINTS: dict[str, LiteralString] = {
    "org_key": "CREATE CONSTRAINT org_key IF NOT EXISTS FOR (n:Org) REQUIRE n.key IS UNIQUE",
    "sobject_key": "CREATE CONSTRAINT sobject_key IF NOT EXISTS FOR (n:SObject) REQUIRE n.key IS UNIQUE",
    "field_key": "CREATE CONSTRAINT field_key IF NOT EXISTS FOR (n:Field) REQUIRE n.key IS UNIQUE",
    "system_key": "CREATE CONSTRAINT system_key IF NOT EXISTS FOR (n:System) REQUIRE n.key IS UNIQUE",
    "integration_key": (
        "CREATE CONSTRAINT integration_key IF NOT EXISTS FOR (n:Integration) REQUIRE n.key IS UNIQUE"
    ),
    "purpose_key": "CREATE CONSTRAINT purpose_key IF NOT EXISTS FOR (n:Purpose) REQUIRE n.key IS UNIQUE",
    "subject_key": "CREATE CONSTRAINT subject_key IF NOT EXISTS FOR (n:Subject) REQUIRE n.key IS UNIQUE",
    "harvest_run_key": (
        "CREATE CONSTRAINT harvest_run_key IF NOT EXISTS FOR (n:HarvestRun) REQUIRE n.key IS UNIQUE"
    ),
    "user_key": "CREATE CONSTRAINT user_key IF NOT EXISTS FOR (n:User) REQUIRE n.key IS UNIQUE",
    "configuration_change_key": (
        "CREATE CONSTRAINT configuration_change_key IF NOT EXISTS FOR (n:ConfigurationChange) REQUIRE n.key IS UNIQUE"
    ),
}

INDEXES: dict[str, LiteralString] = {
    # "what did run X write" and "what was retired" are the provenance questions every record asks.
    "sobject_run": "CREATE INDEX sobject_run IF NOT EXISTS FOR (n:SObject) ON (n.run_id)",
    "field_run": "CREATE INDEX field_run IF NOT EXISTS FOR (n:Field) ON (n.run_id)",
    "field_retired": "CREATE INDEX field_retired IF NOT EXISTS FOR (n:Field) ON (n.retired_at)",
    "sobject_retired": "CREATE INDEX sobject_retired IF NOT EXISTS FOR (n:SObject) ON (n.retired_at)",
    "integration_retired": (
        "CREATE INDEX integration_retired IF NOT EXISTS FOR (n:Integration) ON (n.retired_at)"
    ),
    "field_sensitive": "CREATE INDEX field_sensitive IF NOT EXISTS FOR (n:Field) ON (n.sensitive)",
    "system_host": "CREATE INDEX system_host IF NOT EXISTS FOR (n:System) ON (n.host)",
    "harvest_run_org": "CREATE INDEX harvest_run_org IF NOT EXISTS FOR (n:HarvestRun) ON (n.org_key)",
}


@dataclass(frozen=True)
class SchemaReport:
    created: tuple[str, ...]
    existing: tuple[str, ...]


def bootstrap_schema(graph: Graph) -> SchemaReport:
    """Create every constraint and index that is missing; report which were created."""
    before = schema_names(graph)
    wanted = {**CONSTRAINTS, **INDEXES}
    missing = [name for name in wanted if name not in before]
    for name in missing:
        graph.write(wanted[name])
    return SchemaReport(created=tuple(missing), existing=tuple(name for name in wanted if name in before))


def schema_names(graph: Graph) -> set[str]:
    constraints = graph.read("SHOW CONSTRAINTS YIELD name RETURN name")
    indexes = graph.read("SHOW INDEXES YIELD name RETURN name")
    return {record["name"] for record in (*constraints, *indexes)}

