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


# Every node carries these; `retired_at` replaces deletion so a record can be rebuilt "as of" a date.
PROVENANCE_PROPERTIES = ("key", "first_seen", "last_seen", "run_id", "retired_at")
