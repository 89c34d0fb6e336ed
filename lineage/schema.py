"""The graph schema: one uniqueness constraint per node key, and the indexes the queries rely on.

Provenance is swept by scope (`lineage.provenance`): every node label of one org and every relationship type
has a range index on `org_key`, so retiring and purging an org seek its nodes and edges instead of scanning
every org's; the labels that a full run retires have one on `retired_at` ("what was retired since …").
Shared nodes (System, Subject) are observed through a list (`observed_by`), which no index serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from lineage.graph import Graph
from lineage.overrides import OVERRIDE_PROPERTIES

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
    "preference_key": (
        "CREATE CONSTRAINT preference_key IF NOT EXISTS FOR (n:Preference) REQUIRE n.key IS UNIQUE"
    ),
    "subject_key": "CREATE CONSTRAINT subject_key IF NOT EXISTS FOR (n:Subject) REQUIRE n.key IS UNIQUE",
    # The identifier index: a look-up seeks each hash it computes through this constraint's index.
    "identifier_key": (
        "CREATE CONSTRAINT identifier_key IF NOT EXISTS FOR (n:Identifier) REQUIRE n.key IS UNIQUE"
    ),
    "harvest_run_key": (
        "CREATE CONSTRAINT harvest_run_key IF NOT EXISTS FOR (n:HarvestRun) REQUIRE n.key IS UNIQUE"
    ),
    "user_key": "CREATE CONSTRAINT user_key IF NOT EXISTS FOR (n:User) REQUIRE n.key IS UNIQUE",
    "configuration_change_key": (
        "CREATE CONSTRAINT configuration_change_key IF NOT EXISTS FOR (n:ConfigurationChange) REQUIRE n.key IS UNIQUE"
    ),
    "integration_state_key": (
        "CREATE CONSTRAINT integration_state_key IF NOT EXISTS FOR (n:IntegrationState) REQUIRE n.key IS UNIQUE"
    ),
    "retention_count_key": (
        "CREATE CONSTRAINT retention_count_key IF NOT EXISTS FOR (n:RetentionCount) REQUIRE n.key IS UNIQUE"
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
    "harvest_run_started": "CREATE INDEX harvest_run_started IF NOT EXISTS FOR (n:HarvestRun) ON (n.started_at)",
    # The scope a retire or purge statement filters on (org_key), per label of one org and per relationship type;
    # a relationship's index adds its key, which a writer's MERGE gives too (it seeks one edge, not the scope's).
    "org_org_key": "CREATE INDEX org_org_key IF NOT EXISTS FOR (n:Org) ON (n.org_key)",
    "sobject_org_key": "CREATE INDEX sobject_org_key IF NOT EXISTS FOR (n:SObject) ON (n.org_key)",
    "field_org_key": "CREATE INDEX field_org_key IF NOT EXISTS FOR (n:Field) ON (n.org_key)",
    "integration_org_key": "CREATE INDEX integration_org_key IF NOT EXISTS FOR (n:Integration) ON (n.org_key)",
    "purpose_org_key": "CREATE INDEX purpose_org_key IF NOT EXISTS FOR (n:Purpose) ON (n.org_key)",
    "preference_org_key": "CREATE INDEX preference_org_key IF NOT EXISTS FOR (n:Preference) ON (n.org_key)",
    "user_org_key": "CREATE INDEX user_org_key IF NOT EXISTS FOR (n:User) ON (n.org_key)",
    "configuration_change_org_key": (
        "CREATE INDEX configuration_change_org_key IF NOT EXISTS FOR (n:ConfigurationChange) ON (n.org_key)"
    ),
    # Purged by org; an integration's states are written and read by its key (`lineage.writers`, as-of reads).
    "integration_state_org_key": (
        "CREATE INDEX integration_state_org_key IF NOT EXISTS FOR (n:IntegrationState) ON (n.org_key)"
    ),
    "integration_state_of": (
        "CREATE INDEX integration_state_of IF NOT EXISTS FOR (n:IntegrationState) ON (n.integration_key)"
    ),
    # A data map finds the consent events naming a consumer's record, and the manifest entries running through an
    # integration it reached (`lineage.queries.datamaps`), by seeking, not by reading every integration.
    "integration_subject_record": (
        "CREATE INDEX integration_subject_record IF NOT EXISTS FOR (n:Integration) ON (n.subject_record)"
    ),
    "integration_via": "CREATE INDEX integration_via IF NOT EXISTS FOR (n:Integration) ON (n.via_integration)",
    # Purged by org, and read by org for a record (`lineage.queries.retention`).
    "retention_count_org_key": (
        "CREATE INDEX retention_count_org_key IF NOT EXISTS FOR (n:RetentionCount) ON (n.org_key)"
    ),
    "purpose_retired": "CREATE INDEX purpose_retired IF NOT EXISTS FOR (n:Purpose) ON (n.retired_at)",
    "preference_retired": "CREATE INDEX preference_retired IF NOT EXISTS FOR (n:Preference) ON (n.retired_at)",
    "system_retired": "CREATE INDEX system_retired IF NOT EXISTS FOR (n:System) ON (n.retired_at)",
    "subject_retired": "CREATE INDEX subject_retired IF NOT EXISTS FOR (n:Subject) ON (n.retired_at)",
    "identifier_retired": "CREATE INDEX identifier_retired IF NOT EXISTS FOR (n:Identifier) ON (n.retired_at)",
    # How far a re-key has gone: the live hashes each key made (`lineage.queries.subjects.identifiers_by_key`).
    "identifier_key_id": "CREATE INDEX identifier_key_id IF NOT EXISTS FOR (n:Identifier) ON (n.key_id)",
    # The field list's indexes (`lineage.queries.inventory`): the org's fields in the list's order (object, name),
    # and those a filter narrows to (sensitive, of a category, overridden), by the rules or by an override.
    "field_listing": "CREATE INDEX field_listing IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.sobject, n.name)",
    "field_retired_in_org": (
        "CREATE INDEX field_retired_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.retired_at)"
    ),
    "field_sensitive_in_org": (
        "CREATE INDEX field_sensitive_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.sensitive)"
    ),
    "field_category_in_org": (
        "CREATE INDEX field_category_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.ccpa_category)"
    ),
    "field_overridden": "CREATE INDEX field_overridden IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.override_at)",
    "field_override_sensitive": (
        "CREATE INDEX field_override_sensitive IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.override_sensitive)"
    ),
    "field_override_category": (
        "CREATE INDEX field_override_category IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.override_ccpa_category)"
    ),
    # The field list's other filters (custom, encrypted, namespace) and its name search (a text index: CONTAINS).
    "field_custom_in_org": "CREATE INDEX field_custom_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.custom)",
    "field_encrypted_in_org": (
        "CREATE INDEX field_encrypted_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.encrypted)"
    ),
    "field_namespace_in_org": (
        "CREATE INDEX field_namespace_in_org IF NOT EXISTS FOR (n:Field) ON (n.org_key, n.namespace)"
    ),
    "field_search_text": "CREATE TEXT INDEX field_search_text IF NOT EXISTS FOR (n:Field) ON (n.search_text)",
    "has_object_scope": "CREATE INDEX has_object_scope IF NOT EXISTS FOR ()-[r:HAS_OBJECT]-() ON (r.org_key, r.key)",
    "has_field_scope": "CREATE INDEX has_field_scope IF NOT EXISTS FOR ()-[r:HAS_FIELD]-() ON (r.org_key, r.key)",
    "references_scope": "CREATE INDEX references_scope IF NOT EXISTS FOR ()-[r:REFERENCES]-() ON (r.org_key, r.key)",
    "reads_scope": "CREATE INDEX reads_scope IF NOT EXISTS FOR ()-[r:READS]-() ON (r.org_key, r.key)",
    "writes_scope": "CREATE INDEX writes_scope IF NOT EXISTS FOR ()-[r:WRITES]-() ON (r.org_key, r.key)",
    "sends_to_scope": "CREATE INDEX sends_to_scope IF NOT EXISTS FOR ()-[r:SENDS_TO]-() ON (r.org_key, r.key)",
    "flows_to_scope": "CREATE INDEX flows_to_scope IF NOT EXISTS FOR ()-[r:FLOWS_TO]-() ON (r.org_key, r.key)",
    "gated_by_scope": "CREATE INDEX gated_by_scope IF NOT EXISTS FOR ()-[r:GATED_BY]-() ON (r.org_key, r.key)",
    "serves_scope": "CREATE INDEX serves_scope IF NOT EXISTS FOR ()-[r:SERVES]-() ON (r.org_key, r.key)",
    "accessed_scope": "CREATE INDEX accessed_scope IF NOT EXISTS FOR ()-[r:ACCESSED]-() ON (r.org_key, r.key)",
    "has_record_scope": "CREATE INDEX has_record_scope IF NOT EXISTS FOR ()-[r:HAS_RECORD]-() ON (r.org_key, r.key)",
    "consented_scope": "CREATE INDEX consented_scope IF NOT EXISTS FOR ()-[r:CONSENTED]-() ON (r.org_key, r.key)",
    "identifies_scope": (
        "CREATE INDEX identifies_scope IF NOT EXISTS FOR ()-[r:IDENTIFIES]-() ON (r.org_key, r.key)"
    ),
    "authorised_by_scope": (
        "CREATE INDEX authorised_by_scope IF NOT EXISTS FOR ()-[r:AUTHORISED_BY]-() ON (r.org_key, r.key)"
    ),
    "has_system_scope": "CREATE INDEX has_system_scope IF NOT EXISTS FOR ()-[r:HAS_SYSTEM]-() ON (r.org_key, r.key)",
    "has_run_scope": "CREATE INDEX has_run_scope IF NOT EXISTS FOR ()-[r:HAS_RUN]-() ON (r.org_key, r.key)",
}

# Shared nodes written before observations existed carry their last writer's `org_key`: it becomes their one
# observation, so the scope that wrote them retires them as before (idempotent: it matches only such nodes).
MIGRATIONS: tuple[LiteralString, ...] = (
    "MATCH (n:System) WHERE n.observed_by IS NULL AND n.org_key IS NOT NULL "
    "SET n.observed_by = [n.org_key], n.observed_runs = [n.run_id], n.org_key = null",
    "MATCH (n:Subject) WHERE n.observed_by IS NULL AND n.org_key IS NOT NULL "
    "SET n.observed_by = [n.org_key], n.observed_runs = [n.run_id], n.org_key = null",
    # Fields written before the name search had its own property (`FieldRecord.properties`) get it.
    "MATCH (n:Field) WHERE n.search_text IS NULL AND n.name IS NOT NULL "
    "SET n.search_text = toLower(n.name + '\\n' + coalesce(n.display_label, ''))",
    # Subjects held their identifiers' hashes in a list before the identifier index (Identifier nodes) replaced it.
    "MATCH (n:Subject) WHERE n.identifiers IS NOT NULL REMOVE n.identifiers",
)


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
    for statement in MIGRATIONS:
        graph.write(statement)
    register_property_keys(graph)
    return SchemaReport(created=tuple(missing), existing=tuple(name for name in wanted if name in before))


# What a consumer's data map reads that only some sources write (a manifest's entries and consent events, an opt-out
# checkbox, a consent's end, event logs' use): an org harvested without them would otherwise log a warning with every
# look-up.
DATA_MAP_PROPERTIES = ("subject_record", "manifest_entry", "event_id", "change", "purposes", "recorded_at",
                       "relayed_at", "opt_out_sla_hours", "system", "system_name", "via_integration", "retention",
                       "retention_basis", "meaning", "effective_from", "effective_to", "captured_at", "channel",
                       "consent_checked", "opt_out_checked", "requests", "rows", "first_accessed_at",
                       "last_accessed_at", "user_id", "record_ids")


def register_property_keys(graph: Graph) -> None:
    """Make the override properties known before any override is written: every field query reads them (the
    effective classification), and the engine warns of an unknown property key on each query until one exists. The
    same for the properties a data map reads (DATA_MAP_PROPERTIES)."""
    for name in (*OVERRIDE_PROPERTIES, *DATA_MAP_PROPERTIES):
        graph.write("CALL db.createProperty($name)", name=name)


def schema_names(graph: Graph) -> set[str]:
    constraints = graph.read("SHOW CONSTRAINTS YIELD name RETURN name")
    indexes = graph.read("SHOW INDEXES YIELD name RETURN name")
    return {record["name"] for record in (*constraints, *indexes)}

