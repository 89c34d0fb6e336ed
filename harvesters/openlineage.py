"""OpenLineage source: run events from Airflow, dbt, Spark … as lineage records (docs/openlineage.md).

An event is validated strictly against the shape of the OpenLineage 2-0 RunEvent (with the schema and
columnLineage dataset facets, and our own `recordkeeperPrivacy` job or run facet); a bad event raises
`OpenLineageEventError` whose `problems` map each field path ("job.name", "inputs[0].namespace") to what is
wrong, and nothing reaches the graph. A valid event becomes one chunk (one graph transaction):

- the job is an Integration of kind `openlineage` named "<job namespace>/<job name>";
- a dataset whose namespace is `salesforce://<org id | instance host | My Domain host>` of the given org is
  that org's object named by the dataset name (an object API name); its schema or columnLineage columns are
  that object's fields. The integration READS input objects and fields and WRITES output ones. The records
  point at SObject and Field nodes the schema harvest writes; an edge to one the graph lacks is skipped;
- any other dataset is a System keyed by its namespace's host (`postgres://db.example.com:5432` → host
  `db.example.com`; a namespace without a host, such as `bigquery`, is its own host); SENDS_TO joins the
  integration to it;
- FLOWS_TO (via the integration's key) joins what moved: with a columnLineage facet on an output, exactly
  its input columns to its output columns; without one, every schema column of a Salesforce input to each
  non-Salesforce output, each non-Salesforce input to every schema column of a Salesforce output, and
  system to system. Salesforce to Salesforce needs columnLineage (field names alone do not say which
  column fed which);
- `consent_checked` and `opt_out_checked` are false unless the job or run carries a `recordkeeperPrivacy`
  facet saying otherwise (a run's facet wins over its job's).

Evidence is `openlineage:<runId>`. Reading an event spends no Salesforce API call.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from harvesters.chunk import Chunk
from harvesters.models import OrgConnection
from lineage import (
    EdgeRecord,
    FlowEdge,
    GraphWriter,
    IntegrationKind,
    IntegrationRecord,
    NodeRecord,
    NodeRef,
    ReadsEdge,
    SendsToEdge,
    SystemRecord,
    WritesEdge,
    field_key,
    get_graph,
    org_key,
    sobject_key,
    system_key,
)
from lineage.records import AttributeValue
from lineage.vocabulary import Label

# The org id Integration keys use for events posted without an org: no Salesforce org id starts so.
NO_ORG = "openlineage"
SALESFORCE_SCHEME = "salesforce"
PRIVACY_FACET = "recordkeeperPrivacy"
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ORG_ID = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
EVENT_TYPES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")


class OpenLineageEventError(ValueError):
    """An event that cannot be read; `problems` maps each field path to what is wrong with it."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {', '.join(msgs)}" for path, msgs in problems.items()))
        self.problems = problems


# --- the shape of a valid event (OpenLineage 2-0 RunEvent, the facets read here, and ours) ---------------

_TEXT = {"type": "string", "pattern": r"\S"}
_FACET = {
    "type": "object",
    "properties": {"_producer": {"type": "string", "format": "uri"}, "_schemaURL": {"type": "string", "format": "uri"}},
    "required": ["_producer", "_schemaURL"],
}
_FACETS = {"type": "object", "additionalProperties": {"$ref": "#/$defs/Facet"}}
_JOB_FACETS = {
    "type": "object",
    "properties": {PRIVACY_FACET: {"$ref": "#/$defs/PrivacyFacet"}, "jobType": {"$ref": "#/$defs/JobTypeFacet"}},
    "additionalProperties": {"$ref": "#/$defs/Facet"},
}
_RUN_FACETS = {
    "type": "object",
    "properties": {PRIVACY_FACET: {"$ref": "#/$defs/PrivacyFacet"}, "parent": {"$ref": "#/$defs/ParentFacet"}},
    "additionalProperties": {"$ref": "#/$defs/Facet"},
}
_INPUT_FIELD = {
    "type": "object",
    "properties": {"namespace": _TEXT, "name": _TEXT, "field": _TEXT},
    "required": ["namespace", "name", "field"],
}
EVENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "eventType": {"enum": list(EVENT_TYPES)},
        "eventTime": {"type": "string", "format": "date-time"},
        "producer": {"type": "string", "format": "uri"},
        "schemaURL": {"type": "string", "format": "uri"},
        "run": {
            "type": "object",
            "properties": {"runId": {"type": "string", "format": "uuid"}, "facets": _RUN_FACETS},
            "required": ["runId"],
        },
        "job": {
            "type": "object",
            "properties": {"namespace": _TEXT, "name": _TEXT, "facets": _JOB_FACETS},
            "required": ["namespace", "name"],
        },
        "inputs": {"type": "array", "items": {"$ref": "#/$defs/Dataset"}},
        "outputs": {"type": "array", "items": {"$ref": "#/$defs/Dataset"}},
    },
    "required": ["eventTime", "producer", "schemaURL", "run", "job"],
    "$defs": {
        "Facet": _FACET,
        "PrivacyFacet": {
            "allOf": [{"$ref": "#/$defs/Facet"}],
            "properties": {"consentChecked": {"type": "boolean"}, "optOutChecked": {"type": "boolean"}},
        },
        "JobTypeFacet": {
            "allOf": [{"$ref": "#/$defs/Facet"}],
            "properties": {"processingType": {"type": "string"}, "integration": {"type": "string"},
                           "jobType": {"type": "string"}},
        },
        "ParentFacet": {
            "allOf": [{"$ref": "#/$defs/Facet"}],
            "properties": {
                "run": {"type": "object", "properties": {"runId": {"type": "string", "format": "uuid"}},
                        "required": ["runId"]},
                "job": {"type": "object", "properties": {"namespace": _TEXT, "name": _TEXT},
                        "required": ["namespace", "name"]},
            },
            "required": ["run", "job"],
        },
        "Dataset": {
            "type": "object",
            "properties": {
                "namespace": _TEXT,
                "name": _TEXT,
                "facets": {
                    "type": "object",
                    "properties": {"schema": {"$ref": "#/$defs/SchemaFacet"},
                                   "columnLineage": {"$ref": "#/$defs/ColumnLineageFacet"}},
                    "additionalProperties": {"$ref": "#/$defs/Facet"},
                },
                "inputFacets": _FACETS,
                "outputFacets": _FACETS,
            },
            "required": ["namespace", "name"],
        },
        "SchemaFacet": {
            "allOf": [{"$ref": "#/$defs/Facet"}],
            "properties": {"fields": {"type": "array", "items": {
                "type": "object", "properties": {"name": _TEXT, "type": {"type": "string"}}, "required": ["name"],
            }}},
        },
        "ColumnLineageFacet": {
            "allOf": [{"$ref": "#/$defs/Facet"}],
            "properties": {"fields": {"type": "object", "additionalProperties": {
                "type": "object",
                "properties": {"inputFields": {"type": "array", "items": _INPUT_FIELD}},
                "required": ["inputFields"],
            }}},
            "required": ["fields"],
        },
    },
}

_FORMATS = FormatChecker(formats=())


_BEYOND_MICROSECONDS = re.compile(r"(\.\d{6})\d+")


def parse_moment(value: str) -> datetime:
    """An RFC 3339 timestamp; Java producers write nanoseconds, which Python's datetime cannot hold."""
    if "T" not in value.upper():
        raise ValueError(f"{value!r} has no time")
    return datetime.fromisoformat(_BEYOND_MICROSECONDS.sub(r"\1", value))


@_FORMATS.checks("date-time", raises=ValueError)
def _is_moment(value: object) -> bool:
    return not isinstance(value, str) or parse_moment(value).tzinfo is not None


@_FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


@_FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


_VALIDATOR = Draft202012Validator(EVENT_SCHEMA, format_checker=_FORMATS)
_EXPECTED = {"string": "a string", "object": "an object", "array": "a list", "boolean": "true or false"}
_FORMAT_NAMES = {"date-time": "a timestamp with a time zone (2026-11-14T19:22:05Z)", "uuid": "a UUID",
                 "uri": "a URI"}


def event_problems(event: object) -> dict[str, list[str]]:
    """Every problem of `event`, by field path; empty when the event is valid."""
    problems: dict[str, list[str]] = {}
    for error in _VALIDATOR.iter_errors(event):
        for path, message in _described(error):
            messages = problems.setdefault(path or "(event)", [])
            if message not in messages:
                messages.append(message)
    return dict(sorted(problems.items()))


def _described(error: ValidationError) -> Iterator[tuple[str, str]]:
    path = field_path(error.absolute_path)
    expected: Any = error.validator_value
    if error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in expected:
            if name not in present:
                yield field_path([*error.absolute_path, name]), "This field is required."
    elif error.validator == "type":
        yield path, f"Expected {_EXPECTED.get(str(expected), expected)}."
    elif error.validator == "format":
        yield path, f"Not {_FORMAT_NAMES.get(str(expected), expected)}."
    elif error.validator == "enum":
        yield path, f"Not one of {', '.join(map(str, expected))}."
    elif error.validator == "pattern":
        yield path, "This field may not be blank."
    else:
        yield path, error.message


def field_path(parts: Iterable[object]) -> str:
    """`["inputs", 0, "namespace"]` → "inputs[0].namespace"."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


# --- what a valid event holds --------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSource:
    namespace: str
    name: str
    field: str


@dataclass(frozen=True)
class DatasetEntry:
    namespace: str
    name: str
    columns: tuple[str, ...] = ()  # from the schema facet
    column_lineage: dict[str, tuple[ColumnSource, ...]] = field(default_factory=dict, hash=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class RunEvent:
    event_type: str | None
    event_time: datetime
    run_id: str
    job_namespace: str
    job_name: str
    producer: str
    schema_url: str
    inputs: tuple[DatasetEntry, ...]
    outputs: tuple[DatasetEntry, ...]
    consent_checked: bool
    opt_out_checked: bool
    job_type: dict[str, str] = field(default_factory=dict, hash=False)
    parent_job: str | None = None

    @property
    def evidence(self) -> str:
        return f"openlineage:{self.run_id}"

    @property
    def integration_name(self) -> str:
        return f"{self.job_namespace}/{self.job_name}"


# --- how much one event may hold (a 35 KB event can otherwise ask for 160,000 edges in one transaction) ----


@dataclass(frozen=True)
class EventLimits:
    datasets: int = 100  # inputs, and outputs, each
    fields: int = 1000  # schema fields, and columnLineage columns, of one dataset
    edges: int = 10_000  # column-lineage input fields of the event, and edges the event may write

    @classmethod
    def from_settings(cls) -> EventLimits:
        return cls(datasets=settings.OPENLINEAGE_MAX_DATASETS, fields=settings.OPENLINEAGE_MAX_FIELDS,
                   edges=settings.OPENLINEAGE_MAX_EDGES)


def bound_problems(event: dict[str, Any], limits: EventLimits) -> dict[str, list[str]]:
    """What in a (valid) event goes past `limits`, by field path."""
    problems: dict[str, list[str]] = {}
    lineage_inputs: dict[str, int] = {}
    for side in ("inputs", "outputs"):
        datasets = event.get(side, [])
        if len(datasets) > limits.datasets:
            problems[side] = [f"{len(datasets)} datasets; at most {limits.datasets} per event."]
        for index, dataset in enumerate(datasets):
            facets = dataset.get("facets", {})
            for facet, counted in (("schema", "fields"), ("columnLineage", "columns")):
                fields = facets.get(facet, {}).get("fields", ())
                if len(fields) > limits.fields:
                    problems[f"{side}[{index}].facets.{facet}.fields"] = [
                        f"{len(fields)} {counted}; at most {limits.fields} per dataset."]
            lineage = facets.get("columnLineage", {}).get("fields", {})
            lineage_inputs[f"{side}[{index}].facets.columnLineage"] = sum(
                len(entry.get("inputFields", ())) for entry in lineage.values())
    if sum(lineage_inputs.values()) > limits.edges:
        largest = max(lineage_inputs, key=lambda path: lineage_inputs[path])
        problems.setdefault(largest, []).append(f"{sum(lineage_inputs.values())} column-lineage input fields in the "
                                                f"event; at most {limits.edges}.")
    return problems


def read_event(event: object, limits: EventLimits | None = None) -> RunEvent:
    """Validate and read one RunEvent; raises OpenLineageEventError naming every bad field, or every field
    past `limits` (the settings' by default)."""
    problems = event_problems(event)
    if problems:
        raise OpenLineageEventError(problems)
    assert isinstance(event, dict)
    problems = bound_problems(event, limits or EventLimits.from_settings())
    if problems:
        raise OpenLineageEventError(problems)
    run, job = event["run"], event["job"]
    privacy = {**job.get("facets", {}).get(PRIVACY_FACET, {}), **run.get("facets", {}).get(PRIVACY_FACET, {})}
    job_type = job.get("facets", {}).get("jobType", {})
    parent = run.get("facets", {}).get("parent", {}).get("job", {})
    return RunEvent(
        event_type=event.get("eventType"), event_time=parse_moment(event["eventTime"]),
        run_id=str(uuid.UUID(run["runId"])), job_namespace=job["namespace"].strip(), job_name=job["name"].strip(),
        producer=event["producer"], schema_url=event["schemaURL"],
        inputs=tuple(_dataset(raw) for raw in event.get("inputs", [])),
        outputs=tuple(_dataset(raw) for raw in event.get("outputs", [])),
        consent_checked=bool(privacy.get("consentChecked", False)),
        opt_out_checked=bool(privacy.get("optOutChecked", False)),
        job_type={key: value for key, value in job_type.items()
                  if key in ("processingType", "integration", "jobType") and isinstance(value, str)},
        parent_job=(f"{parent['namespace']}/{parent['name']}"
                    if isinstance(parent.get("namespace"), str) and isinstance(parent.get("name"), str) else None),
    )


def _dataset(raw: dict[str, Any]) -> DatasetEntry:
    facets = raw.get("facets", {})
    columns = tuple(dict.fromkeys(column["name"].strip() for column in facets.get("schema", {}).get("fields", [])))
    lineage = {
        output.strip(): tuple(ColumnSource(source["namespace"].strip(), source["name"].strip(), source["field"].strip())
                              for source in entry["inputFields"])
        for output, entry in facets.get("columnLineage", {}).get("fields", {}).items()
    }
    return DatasetEntry(namespace=raw["namespace"].strip(), name=raw["name"].strip(), columns=columns,
                        column_lineage=lineage)


# --- datasets as graph endpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """Where datasets land in the graph for one org (or none): its objects, or systems outside it."""

    org_id: str | None
    org_hosts: frozenset[str]

    def is_salesforce(self, namespace: str) -> bool:
        parts = _split(namespace)
        if parts is None or parts.scheme.lower() != SALESFORCE_SCHEME or self.org_id is None:
            return False
        authority = (parts.hostname or parts.netloc).lower()
        return authority in self.org_hosts or authority[:15] == self.org_id[:15].lower()

    def system_host(self, namespace: str) -> str:
        parts = _split(namespace)
        if parts is None:
            return namespace.lower()
        if parts.hostname:
            return parts.hostname.lower()
        return (parts.scheme or namespace).strip("/").lower() or namespace.lower()

    def system_ref(self, namespace: str) -> NodeRef:
        return NodeRef(Label.SYSTEM, system_key(self.system_host(namespace)))

    def field_ref(self, sobject: str, name: str) -> NodeRef:
        assert self.org_id is not None
        return NodeRef(Label.FIELD, field_key(self.org_id, sobject, name))


def _split(namespace: str) -> SplitResult | None:
    """The namespace as a URI, or None when it is not one (an unclosed "[" of an IPv6 host)."""
    try:
        return urlsplit(namespace)
    except ValueError:
        return None


def salesforce_name_problems(event: RunEvent, endpoints: Endpoints) -> dict[str, list[str]]:
    """A Salesforce dataset of the org names an object and its columns name fields (API names)."""
    problems: dict[str, list[str]] = {}
    for side, datasets in (("inputs", event.inputs), ("outputs", event.outputs)):
        for index, dataset in enumerate(datasets):
            if not endpoints.is_salesforce(dataset.namespace):
                continue
            if not API_NAME.fullmatch(dataset.name):
                problems[f"{side}[{index}].name"] = ["Not an object API name (such as Contact or Loan__c)."]
            bad = [column for column in (*dataset.columns, *dataset.column_lineage) if not API_NAME.fullmatch(column)]
            if bad:
                problems[f"{side}[{index}].facets"] = [f"Not field API names: {', '.join(bad)}."]
    for index, output in enumerate(event.outputs):
        bad = [f"{source.name}.{source.field}" for sources in output.column_lineage.values() for source in sources
               if endpoints.is_salesforce(source.namespace)
               and not (API_NAME.fullmatch(source.name) and API_NAME.fullmatch(source.field))]
        if bad:
            problems[f"outputs[{index}].facets.columnLineage"] = [f"Not Object.Field API names: {', '.join(bad)}."]
    return problems


# --- records -------------------------------------------------------------------------------------------


def openlineage_records(event: dict[str, Any], org_id: str | None, *, org_hosts: Collection[str] = (),
                        limits: EventLimits | None = None) -> Chunk:
    """The records of one OpenLineage RunEvent; raises OpenLineageEventError when the event is not valid or
    holds more than `limits` allow (the settings' by default).

    `org_id` is the Salesforce org the event is about (None: no org, its Salesforce datasets are systems);
    `org_hosts` are that org's instance and My Domain hosts, which a `salesforce://` namespace may name.
    """
    endpoints = Endpoints(org_id, frozenset(host.lower() for host in org_hosts))
    limits = limits or EventLimits.from_settings()
    run_event = read_event(event, limits)
    problems = salesforce_name_problems(run_event, endpoints)
    if problems:
        raise OpenLineageEventError(problems)
    integration = IntegrationRecord(org_id=org_id or NO_ORG, kind=IntegrationKind.OPENLINEAGE,
                                    name=run_event.integration_name, attributes=integration_attributes(run_event),
                                    evidence=run_event.evidence)
    nodes: dict[str, NodeRecord] = {integration.key: integration}
    edges: dict[str, EdgeRecord] = {}
    for namespace in dataset_namespaces(run_event):
        if not endpoints.is_salesforce(namespace):
            system = SystemRecord(host=endpoints.system_host(namespace), evidence=run_event.evidence)
            nodes[system.key] = system
            sends = SendsToEdge(source=integration.ref, target=system.ref, channel="openlineage",
                                evidence=run_event.evidence)
            edges[sends.key] = sends
    for edge in (*object_edges(integration, run_event, endpoints),
                 *flow_edges(integration, run_event, endpoints)):
        edges[edge.key] = edge
    if len(edges) > limits.edges:  # every input column to every output adds up: refuse before writing any
        raise OpenLineageEventError({"outputs": [
            f"The event would write {len(edges)} edges (each input column to each output); at most "
            f"{limits.edges} per event: send it as smaller events."]})
    return Chunk(nodes=list(nodes.values()), edges=list(edges.values()))


def dataset_namespaces(event: RunEvent) -> list[str]:
    """The namespaces of the event's datasets and of the columns its outputs' columnLineage names."""
    namespaces = [dataset.namespace for dataset in (*event.inputs, *event.outputs)]
    namespaces += [source.namespace for output in event.outputs
                   for sources in output.column_lineage.values() for source in sources]
    return list(dict.fromkeys(namespaces))


def integration_attributes(event: RunEvent) -> dict[str, AttributeValue]:
    """What the job's node says; dataset lists and facets only when this event carries them (else kept)."""
    attributes: dict[str, AttributeValue] = {
        "job_namespace": event.job_namespace, "job_name": event.job_name,
        "last_event_type": event.event_type, "last_event_time": event.event_time,
        "openlineage_run_id": event.run_id, "producer": event.producer, "schema_url": event.schema_url,
        "consent_checked": event.consent_checked, "opt_out_checked": event.opt_out_checked,
    }
    if event.inputs:
        attributes["inputs"] = tuple(dataset.qualified_name for dataset in event.inputs)
    if event.outputs:
        attributes["outputs"] = tuple(dataset.qualified_name for dataset in event.outputs)
    for key, name in (("processingType", "processing_type"), ("integration", "job_integration"),
                      ("jobType", "job_type")):
        if key in event.job_type:
            attributes[name] = event.job_type[key]
    if event.parent_job:
        attributes["parent_job"] = event.parent_job
    return attributes


def object_edges(integration: IntegrationRecord, event: RunEvent, endpoints: Endpoints) -> list[EdgeRecord]:
    """READS on Salesforce inputs, WRITES on Salesforce outputs: the object and each column named."""
    edges: list[EdgeRecord] = []
    for datasets, edge_type in ((event.inputs, ReadsEdge), (event.outputs, WritesEdge)):
        for dataset in datasets:
            if not endpoints.is_salesforce(dataset.namespace):
                continue
            assert endpoints.org_id is not None
            targets = [NodeRef(Label.SOBJECT, sobject_key(endpoints.org_id, dataset.name))]
            columns = dict.fromkeys((*dataset.columns, *dataset.column_lineage))
            targets += [endpoints.field_ref(dataset.name, column) for column in columns]
            edges += [edge_type(source=integration.ref, target=target, evidence=event.evidence) for target in targets]
    return edges


def flow_edges(integration: IntegrationRecord, event: RunEvent, endpoints: Endpoints) -> list[FlowEdge]:
    """FLOWS_TO for every (from, to) pair of columns or systems the event says data moved between."""
    pairs: list[tuple[NodeRef, NodeRef]] = []
    for output in event.outputs:
        if output.column_lineage:
            pairs += _lineage_pairs(output, endpoints)
        else:
            for source in event.inputs:
                pairs += _dataset_pairs(source, output, endpoints)
    return [FlowEdge(source=source, target=target, via=integration.key, consent_checked=event.consent_checked,
                     opt_out_checked=event.opt_out_checked, evidence=event.evidence)
            for source, target in dict.fromkeys(pairs) if source != target]


def _lineage_pairs(output: DatasetEntry, endpoints: Endpoints) -> list[tuple[NodeRef, NodeRef]]:
    pairs = []
    for column, sources in output.column_lineage.items():
        target = _column_ref(output.namespace, output.name, column, endpoints)
        pairs += [(_column_ref(source.namespace, source.name, source.field, endpoints), target) for source in sources]
    return pairs


def _dataset_pairs(source: DatasetEntry, output: DatasetEntry, endpoints: Endpoints) -> list[tuple[NodeRef, NodeRef]]:
    from_salesforce = endpoints.is_salesforce(source.namespace)
    to_salesforce = endpoints.is_salesforce(output.namespace)
    if from_salesforce and not to_salesforce:
        target = endpoints.system_ref(output.namespace)
        return [(endpoints.field_ref(source.name, column), target) for column in source.columns]
    if to_salesforce and not from_salesforce:
        origin = endpoints.system_ref(source.namespace)
        return [(origin, endpoints.field_ref(output.name, column)) for column in output.columns]
    if not from_salesforce and not to_salesforce:
        return [(endpoints.system_ref(source.namespace), endpoints.system_ref(output.namespace))]
    return []  # Salesforce to Salesforce: only columnLineage says which field fed which


def _column_ref(namespace: str, name: str, column: str, endpoints: Endpoints) -> NodeRef:
    """A column of a Salesforce dataset is a Field; any other column is its system (systems have no columns)."""
    if endpoints.is_salesforce(namespace):
        return endpoints.field_ref(name, column)
    return endpoints.system_ref(namespace)


# --- ingesting an event (the one way in, for the API and anything else that receives events) -----------


@dataclass(frozen=True)
class IngestResult:
    run_id: str  # the graph's run_id: "openlineage:<runId>"
    org_key: str  # the provenance scope the writes were stamped with
    integration_key: str
    nodes: int
    edges: int
    written: int

    @property
    def skipped(self) -> int:
        """Edges not written because their SObject or Field is not in the graph (harvest the schema first)."""
        return self.nodes + self.edges - self.written


def ingest_openlineage_event(event: dict[str, Any], org_alias: str | None) -> IngestResult:
    """Validate one RunEvent and write its records in ONE graph transaction; posting it again changes nothing.

    With `org_alias`, the org's Salesforce datasets are its objects and the writes are stamped with a scope
    of their own, `org:<id>:openlineage`, so that the org's harvests, which did not see them, never retire
    them; without, they are stamped `org:openlineage` (NO_ORG). A System is shared: the scope is one of its
    observers, so it stays live while the event's scope or any other observes it. Raises OpenLineageEventError
    (problems by field path, "org" for an unknown or never-harvested org) before anything is written.
    """
    org_id, hosts = _org_of(org_alias)
    chunk = openlineage_records(event, org_id, org_hosts=hosts)
    integration = next(node for node in chunk.nodes if isinstance(node, IntegrationRecord))
    scope = f"{org_key(org_id)}:openlineage" if org_id else org_key(NO_ORG)
    run_id = integration.evidence  # "openlineage:<runId>": every event of one run stamps the same run_id
    report = GraphWriter(get_graph(), run_id, scope, timezone.now()).write_chunk(chunk.nodes, chunk.edges)
    return IngestResult(run_id=run_id, org_key=scope, integration_key=integration.key,
                        nodes=len(chunk.nodes), edges=len(chunk.edges), written=report.written)


def _org_of(alias: str | None) -> tuple[str | None, tuple[str, ...]]:
    if alias is None:
        return None, ()
    org = OrgConnection.objects.filter(alias=alias).first()
    if org is None:
        raise OpenLineageEventError({"org": [f"No org is registered as '{alias}'."]})
    if not org.org_id:
        raise OpenLineageEventError({"org": [f"The org '{alias}' has not been harvested yet: its org id is unknown."]})
    hosts = tuple(host for host in (urlsplit(org.instance_url).hostname, urlsplit(org.login_url).hostname) if host)
    return org.org_id, hosts
