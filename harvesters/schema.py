"""Schema source: objects and fields from describes, classification from FieldDefinition.

A Composite call carries 25 subrequests of which 5 may be queries, and Salesforce counts it once.
FieldDefinition must be filtered on its entity (a reified column); `EntityDefinition.QualifiedApiName
IN (…)` is such a filter, so one query classifies a few objects and a call describes and classifies 20.
An incremental run describes only the objects whose EntityDefinition changed since the last run, and
asks nothing at all when describeGlobal answers 304.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from simple_salesforce.exceptions import SalesforceError

from harvesters.chunk import Chunk
from harvesters.classification import FieldText, ObjectContext, classify_field, object_context
from harvesters.client import OrgClient
from harvesters.composite import (
    SubRequest,
    SubResponse,
    answer_records,
    api_name,
    composite_get,
    describe_request,
    query_request,
)
from lineage import (
    EdgeRecord,
    FieldRecord,
    HasFieldEdge,
    HasObjectEdge,
    NodeRecord,
    NodeRef,
    ReferenceEdge,
    SObjectRecord,
    org_key,
    sobject_key,
)
from lineage.vocabulary import Label

NAMESPACED = re.compile(r"^([A-Za-z0-9]+)__\w+__[a-z]+$")
# Objects that mirror others (sharing rows, feeds, change events) add volume, not new personal data.
# Salesforce Connect external objects (`__x`) are harvested: their rows are customers' data held elsewhere.
SKIPPED_SUFFIXES = ("Share", "Feed", "ChangeEvent", "__Tag", "__mdt", "__e")
EXTERNAL_SUFFIX = "__x"
DEFINITION_QUERY = (
    "SELECT EntityDefinition.QualifiedApiName, EntityDefinition.InternalSharingModel, "
    "EntityDefinition.ExternalSharingModel, QualifiedApiName, SecurityClassification, ComplianceGroup, "
    "BusinessStatus, BusinessOwnerId, Description FROM FieldDefinition "
    "WHERE EntityDefinition.QualifiedApiName IN ({names})"
)
# Objects classified by one FieldDefinition query: a few hundred fields each fill about one 2,000-row page,
# and a chunk of 20 objects (5 queries and 20 describes) is exactly one Composite call.
OBJECTS_PER_DEFINITION_QUERY = 4
# limits/recordCount answers many objects a call; the list rides in the URL, so it is cut by count and length.
RECORD_COUNT_OBJECTS_PER_CALL = 100
RECORD_COUNT_LIST_CHARS = 4_000
# Enough picklist labels to judge what a field holds, few enough to keep a field node small.
PICKLIST_LABELS_KEPT = 50
# Where external objects' rows live: the org's Salesforce Connect sources, and each object's Tooling CustomObject,
# whose Metadata names its source (a query selecting Metadata may return one row only: one query an object).
EXTERNAL_DATA_SOURCES_QUERY = "SELECT DeveloperName, MasterLabel, Type, Endpoint FROM ExternalDataSource"
EXTERNAL_OBJECT_QUERY = (
    "SELECT DeveloperName, NamespacePrefix, ExternalName, Metadata FROM CustomObject "
    "WHERE DeveloperName = '{developer}' AND NamespacePrefix = {namespace}"
)


Sharing = tuple[str | None, str | None]  # an object's (internal, external) organization-wide default


@dataclass(frozen=True)
class RecordCounts:
    """Rows per object as Salesforce counts them (`limits/recordCount`), and when that was read."""

    counts: dict[str, int]
    counted_at: datetime | None


@dataclass(frozen=True)
class ExternalSource:
    """Where an external object's rows live: its ExternalDataSource and its table there."""

    name: str | None
    label: str | None = None
    type: str | None = None
    endpoint: str | None = None  # the scheme and host, or `callout:<named credential>`
    table: str | None = None


@dataclass(frozen=True)
class FieldDefinitionRow:
    security_classification: str | None
    compliance_groups: tuple[str, ...]
    business_status: str | None
    business_owner: str | None
    description: str | None = None


def harvestable(summary: dict[str, Any]) -> bool:
    name: str = summary["name"]
    return bool(summary.get("queryable")) and not name.endswith(SKIPPED_SUFFIXES)


def is_external(name: str) -> bool:
    """A Salesforce Connect external object: its rows live in another system, reached through the org."""
    return name.endswith(EXTERNAL_SUFFIX)


def list_objects(client: OrgClient, since: datetime | None = None) -> list[dict[str, Any]] | None:
    """describeGlobal's summaries of the harvestable objects; None when nothing changed since `since` (304)."""
    headers = {"If-Modified-Since": format_datetime(since, usegmt=True)} if since else {}
    try:
        body = client.call(lambda sf: sf.restful("sobjects/", headers=headers)) or {}
    except SalesforceError as error:
        if error.status == 304:
            return None
        raise
    return [summary for summary in body["sobjects"] if harvestable(summary)]


def summary_records(org_id: str, summaries: list[dict[str, Any]], counted: RecordCounts | None = None
                    ) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Objects as describeGlobal lists them, with their record counts when `counted` has them: written before
    any chunk, so every chunk's lookups find their target object whichever chunk describes it."""
    counts = counted.counts if counted else {}
    nodes: list[NodeRecord] = [
        SObjectRecord(org_id=org_id, name=summary["name"], display_label=summary.get("label"),
                      custom=bool(summary.get("custom")), namespace=_namespace(summary["name"]),
                      key_prefix=summary.get("keyPrefix"), external=is_external(summary["name"]),
                      record_count=counts.get(summary["name"]),
                      record_count_at=counted.counted_at if counted and summary["name"] in counts else None,
                      evidence=f"describe:{summary['name']}")
        for summary in summaries
    ]
    org = NodeRef(Label.ORG, org_key(org_id))
    edges: list[EdgeRecord] = [HasObjectEdge(source=org, target=node.ref, evidence=node.evidence) for node in nodes]
    return nodes, edges


def record_counts(client: OrgClient, names: list[str]) -> RecordCounts:
    """Rows per object, one `limits/recordCount` call per 100 objects (fewer when long names would make the URL
    too long). Salesforce leaves out objects it does not count; a user without "View Setup and Configuration"
    (403) gets no counts at all, which leaves the objects' earlier counts in the graph."""
    counts: dict[str, int] = {}
    for batch in record_count_batches(names):
        listed = ",".join(batch)
        try:
            body = client.call(lambda sf, listed=listed: sf.restful(  # type: ignore[misc]
                "limits/recordCount", params={"sObjects": listed}))
        except SalesforceError as error:
            if error.status in (403, 404):
                return RecordCounts({}, None)
            raise
        counts.update({str(entry["name"]): int(entry["count"]) for entry in (body or {}).get("sObjects", [])})
    return RecordCounts(counts, client.last_server_time or datetime.now(UTC))


def record_count_batches(names: list[str]) -> list[list[str]]:
    batches: list[list[str]] = []
    length = 0
    for name in names:
        if not batches or len(batches[-1]) == RECORD_COUNT_OBJECTS_PER_CALL or \
                length + len(name) + 1 > RECORD_COUNT_LIST_CHARS:
            batches.append([])
            length = 0
        batches[-1].append(name)
        length += len(name) + 1
    return batches


def changed_objects(client: OrgClient, since: datetime) -> set[str]:
    """Objects whose definition changed after `since`, by EntityDefinition.LastModifiedDate."""
    stamp = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    soql = f"SELECT QualifiedApiName FROM EntityDefinition WHERE LastModifiedDate > {stamp}"  # noqa: S608 - a date
    rows = client.call(lambda sf: list(sf.query_all_iter(soql)))
    return {row["QualifiedApiName"] for row in rows}


def schema_chunk(client: OrgClient, org_id: str, names: list[str]) -> Chunk:
    """Describe and classify `names`: a Composite call carries 5 definition queries (4 objects each) and
    20 describes, so 20 objects cost one call (and a call per further page of a large definition answer)."""
    chunk = Chunk()
    groups = [names[i:i + OBJECTS_PER_DEFINITION_QUERY] for i in range(0, len(names), OBJECTS_PER_DEFINITION_QUERY)]
    requests = [*(definition_request(number, group) for number, group in enumerate(groups)),
                *(describe_request(name) for name in names)]
    answers = {answer.reference: answer for answer in composite_get(client, requests)}
    definitions: dict[str, dict[str, FieldDefinitionRow]] = {}
    sharing: dict[str, Sharing] = {}
    for number, group in enumerate(groups):
        definitions.update(field_definitions(client, answers[f"fields_{number}"], group, chunk.errors, sharing))
    sources = external_sources(client, [name for name in names if is_external(name)], chunk)
    for name in names:
        described = answers[name]
        if not described.ok:
            chunk.errors.append(f"describe {name}: {described.error_message()}")
            continue
        try:
            nodes, edges = describe_records(org_id, described.body, definitions.get(name, {}),
                                            sharing.get(name, (None, None)), sources.get(name))
        except (KeyError, TypeError, ValueError) as error:
            chunk.errors.append(f"describe {name}: unreadable ({type(error).__name__}: {error})")
            continue
        chunk.nodes += nodes
        chunk.edges += edges
    return chunk


def external_sources(client: OrgClient, names: list[str], chunk: Chunk) -> dict[str, ExternalSource]:
    """The ExternalDataSource of each external object in `names`, by object: the org's sources and a Tooling
    CustomObject query an object, five queries to a Composite call (none without external objects). What
    cannot be read is an error of the chunk; an org without ExternalDataSource (INVALID_TYPE), a warning."""
    if not names:
        return {}
    requests = [query_request("external_data_sources", EXTERNAL_DATA_SOURCES_QUERY),
                *(query_request(f"external_{number}", external_object_query(name), tooling=True)
                  for number, name in enumerate(names))]
    answers = {answer.reference: answer for answer in composite_get(client, requests)}
    listed = answers["external_data_sources"]
    if not listed.ok:
        report = chunk.warnings if listed.error_message().startswith("INVALID_TYPE") else chunk.errors
        report.append(f"external data sources of {', '.join(names)}: {listed.error_message()}")
        return {}
    data_sources = {row["DeveloperName"]: row for row in answer_records(client, listed)}
    found: dict[str, ExternalSource] = {}
    for number, name in enumerate(names):
        answer = answers[f"external_{number}"]
        rows = (answer.body or {}).get("records") or [] if answer.ok else []
        if not rows:
            chunk.errors.append(f"external data source of {name}: "
                                f"{answer.error_message() if not answer.ok else 'no Tooling CustomObject answers it'}")
            continue
        source = (rows[0].get("Metadata") or {}).get("externalDataSource")
        row = data_sources.get(source, {}) if source else {}
        found[name] = ExternalSource(source, row.get("MasterLabel"), row.get("Type"), endpoint_of(row.get("Endpoint")),
                                     rows[0].get("ExternalName"))
    return found


def external_object_query(name: str) -> str:
    """The Tooling CustomObject query of external object `name` (`ns__Ledger__x`: namespace `ns`, `Ledger`)."""
    namespace, _, developer = api_name(name).removesuffix(EXTERNAL_SUFFIX).rpartition("__")
    return EXTERNAL_OBJECT_QUERY.format(developer=developer, namespace=f"'{namespace}'" if namespace else "null")


def endpoint_of(url: str | None) -> str | None:
    """`https://host/path?key=…` -> `https://host` (a path or query may carry secrets); `callout:Name/path` ->
    `callout:Name` (the named credential holds the host)."""
    if not url:
        return None
    if url.startswith("callout:"):
        return url.split("/", 1)[0]
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.hostname}" if parts.scheme and parts.hostname else None


def definition_request(number: int, names: list[str]) -> SubRequest:
    listed = ", ".join(f"'{api_name(name)}'" for name in names)
    return query_request(f"fields_{number}", DEFINITION_QUERY.format(names=listed))


def field_definitions(
    client: OrgClient, answer: SubResponse, names: list[str], errors: list[str],
    sharing: dict[str, Sharing] | None = None,
) -> dict[str, dict[str, FieldDefinitionRow]]:
    """FieldDefinition rows by object and field, every page of the answer read; each row also names its
    object's sharing models, kept in `sharing` (they cost no call of their own).

    Objects whose classification cannot be read are reported in `errors` and harvested unclassified.
    """
    if not answer.ok:
        errors += [f"classification {name}: {answer.error_message()}" for name in names]
        return {}
    definitions: dict[str, dict[str, FieldDefinitionRow]] = {}
    for row in answer_records(client, answer):
        entity_row = row.get("EntityDefinition") or {}
        entity = entity_row.get("QualifiedApiName")
        definitions.setdefault(str(entity), {})[row["QualifiedApiName"]] = definition_row(row)
        if sharing is not None:
            sharing[str(entity)] = (entity_row.get("InternalSharingModel"), entity_row.get("ExternalSharingModel"))
    return definitions


def definition_row(row: dict[str, Any]) -> FieldDefinitionRow:
    """One FieldDefinition row as the harvest keeps it."""
    groups = tuple(group for group in (row.get("ComplianceGroup") or "").split(";") if group)
    return FieldDefinitionRow(row.get("SecurityClassification"), groups, row.get("BusinessStatus"),
                              row.get("BusinessOwnerId"), row.get("Description") or None)


def describe_records(
    org_id: str, describe: dict[str, Any], definitions: dict[str, FieldDefinitionRow],
    sharing: Sharing = (None, None), source: ExternalSource | None = None,
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """The object, its fields, HAS_OBJECT, HAS_FIELD and REFERENCES edges, from one describe."""
    name = describe["name"]
    evidence = f"describe:{name}"
    source = source or ExternalSource(None)
    sobject = SObjectRecord(
        org_id=org_id, name=name, display_label=describe.get("label"), custom=bool(describe.get("custom")),
        namespace=_namespace(name), key_prefix=describe.get("keyPrefix"), external=is_external(name),
        external_data_source=source.name, external_data_source_label=source.label,
        external_data_source_type=source.type, external_data_source_endpoint=source.endpoint,
        external_name=source.table,
        evidence=evidence, internal_sharing_model=sharing[0], external_sharing_model=sharing[1],
        record_types=tuple(info["developerName"] for info in describe.get("recordTypeInfos", [])
                           if not info.get("master") and info.get("developerName")),
    )
    nodes: list[NodeRecord] = [sobject]
    edges: list[EdgeRecord] = [HasObjectEdge(source=NodeRef(Label.ORG, org_key(org_id)), target=sobject.ref,
                                             evidence=evidence)]
    context = object_context(describe)
    for raw in describe["fields"]:
        record = field_record(org_id, context, raw, definitions.get(raw["name"]), evidence)
        nodes.append(record)
        edges.append(HasFieldEdge(source=sobject.ref, target=record.ref, evidence=evidence))
        edges += [ReferenceEdge(source=record.ref, target=NodeRef(Label.SOBJECT, sobject_key(org_id, target)),
                                relationship_name=raw.get("relationshipName"),
                                cascade_delete=bool(raw.get("cascadeDelete")), evidence=evidence)
                  for target in raw.get("referenceTo") or []]
    return nodes, edges


def field_record(
    org_id: str, context: ObjectContext, raw: dict[str, Any], definition: FieldDefinitionRow | None, evidence: str
) -> FieldRecord:
    groups = definition.compliance_groups if definition else ()
    references = tuple(raw.get("referenceTo") or ())
    classification = classify_field(context, raw["name"], raw.get("label") or "", raw["type"], groups,
                                    raw.get("compoundFieldName") or "", references, field_text(raw, definition))
    return FieldRecord(
        org_id=org_id, sobject=context.name, name=raw["name"], type=raw["type"], display_label=raw.get("label"),
        custom=bool(raw.get("custom")), namespace=_namespace(raw["name"]),
        # Shield platform encryption sets `encrypted`; classic encrypted text is its own type.
        encrypted=bool(raw.get("encrypted")) or raw["type"] == "encryptedstring",
        security_classification=definition.security_classification if definition else None,
        compliance_groups=groups, business_status=definition.business_status if definition else None,
        ccpa_category=classification.category.value if classification.category else None,
        sensitive=classification.sensitive, classification_rule=classification.rule,
        sensitivity_rule=classification.sensitivity_rule, references=references,
        compound_parent=raw.get("compoundFieldName"), description=definition.description if definition else None,
        help_text=raw.get("inlineHelpText") or None, picklist_values=picklist_labels(raw), evidence=evidence,
    )


def lookup_targets(org_id: str, nodes: list[NodeRecord]) -> dict[str, tuple[str, list[str]]]:
    """The objects the fields among `nodes` look up, by SObject key: the object's name and the fields
    (`Object.Field`) that point at it."""
    targets: dict[str, tuple[str, list[str]]] = {}
    for node in nodes:
        if isinstance(node, FieldRecord):
            for name in node.references:
                targets.setdefault(sobject_key(org_id, name), (name, []))[1].append(f"{node.sobject}.{node.name}")
    return targets


def placeholder_sobject(org_id: str, name: str, referrer: str) -> SObjectRecord:
    """A lookup's target that no harvest described, known by its name only (`referrer` is `Object.Field`)."""
    return SObjectRecord(org_id=org_id, name=name, custom=name.endswith(("__c", EXTERNAL_SUFFIX)),
                         namespace=_namespace(name), external=is_external(name), placeholder=True,
                         evidence=f"describe:{referrer.split('.')[0]}")


def field_text(raw: dict[str, Any], definition: FieldDefinitionRow | None) -> FieldText:
    """What the classifier reads of a field besides its name: inactive picklist values too (old records keep them)."""
    values = [entry.get("label") or entry.get("value") for entry in raw.get("picklistValues") or []]
    return FieldText(description=(definition.description if definition else None) or "",
                     help_text=raw.get("inlineHelpText") or "", picklist_values=tuple(str(v) for v in values if v),
                     auto_number=bool(raw.get("autoNumber")))


def picklist_labels(raw: dict[str, Any]) -> tuple[str, ...]:
    """The labels of a picklist's active values, the first `PICKLIST_LABELS_KEPT` of them."""
    values = [entry.get("label") or entry.get("value") for entry in raw.get("picklistValues") or []
              if entry.get("active", True)]
    return tuple(str(value) for value in values if value)[:PICKLIST_LABELS_KEPT]


def _namespace(name: str) -> str | None:
    match = NAMESPACED.match(name)
    return match.group(1) if match else None
