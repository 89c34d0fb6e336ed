"""The words of the lineage graph (see DESIGN.md): node labels and relationship types."""

from enum import StrEnum


class Label(StrEnum):
    ORG = "Org"
    SOBJECT = "SObject"
    FIELD = "Field"
    SYSTEM = "System"
    INTEGRATION = "Integration"
    PURPOSE = "Purpose"
    SUBJECT = "Subject"
    HARVEST_RUN = "HarvestRun"
    # Beyond DESIGN.md's starting vocabulary (docs/lineage-graph.md says why):
    USER = "User"
    CONFIGURATION_CHANGE = "ConfigurationChange"
    PREFERENCE = "Preference"  # a consumer's recorded choice about processing or a channel (an opt-out flag)
    INTEGRATION_STATE = "IntegrationState"  # an integration's attributes over a span of time (as-of reads)
    RETENTION_COUNT = "RetentionCount"  # records of an object older than a retention period, as one run counted
    IDENTIFIER = "Identifier"  # one keyed hash of one identifier of a consumer (lineage.identifiers): the look-up index


class Rel(StrEnum):
    HAS_OBJECT = "HAS_OBJECT"
    HAS_FIELD = "HAS_FIELD"
    REFERENCES = "REFERENCES"
    READS = "READS"
    WRITES = "WRITES"
    SENDS_TO = "SENDS_TO"
    FLOWS_TO = "FLOWS_TO"
    GATED_BY = "GATED_BY"
    ACCESSED = "ACCESSED"
    HAS_RECORD = "HAS_RECORD"
    CONSENTED = "CONSENTED"
    AUTHORISED_BY = "AUTHORISED_BY"
    HAS_SYSTEM = "HAS_SYSTEM"  # org → system: the system's CCPA role for that business, and its country
    HAS_RUN = "HAS_RUN"  # org → harvest run
    SERVES = "SERVES"  # integration → the purpose its processing serves, as declared
    IDENTIFIES = "IDENTIFIES"  # identifier → the subject it identifies (a shared phone identifies several)


# Keyed without an org id, so many orgs and provenance scopes observe one node: each scope's observation is
# stamped and retired on its own (`observed_by`), and the node is retired only when none is left.
SHARED_LABELS = frozenset({Label.SYSTEM, Label.SUBJECT, Label.IDENTIFIER})


# Every node carries these; `retired_at` replaces deletion so a record can be rebuilt "as of" a date. A node
# of an org carries `org_key`; a shared node carries `observed_by`, `observed_runs` and `retired_by` instead.
PROVENANCE_PROPERTIES = ("key", "first_seen", "last_seen", "run_id", "retired_at")
