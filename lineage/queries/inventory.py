"""What an org holds: its live objects and fields, listed with filters a page at a time, and one of each in full.

Every list seeks the org's nodes through the `org_key` index (`lineage/schema.py`) and is bounded by a page of at
most MAX_PAGE_SIZE rows; a count query gives the total the pages add up to. The field list counts its matches up to
COUNT_CAP (or to the end of the page asked, if further) and says when there are more, rather than read a large org's
every field (or index entry) to count them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive, is_overridden
from lineage.queries.moments import optional_moment
from lineage.queries.pages import MAX_PAGE_SIZE, Page, PageRequest


@dataclass(frozen=True)
class ObjectSummary:
    name: str
    label: str | None
    custom: bool
    namespace: str | None
    external: bool
    record_count: int | None
    internal_sharing_model: str | None
    external_sharing_model: str | None
    field_count: int
    personal_field_count: int  # fields with a CCPA category
    sensitive_field_count: int


@dataclass(frozen=True)
class ObjectDetail(ObjectSummary):
    key: str
    key_prefix: str | None
    record_types: tuple[str, ...]
    record_count_at: datetime | None
    external_data_source: str | None
    external_data_source_label: str | None
    external_data_source_type: str | None
    external_data_source_endpoint: str | None
    external_name: str | None
    evidence: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    run_id: str | None


@dataclass(frozen=True)
class FieldSummary:
    object: str
    name: str
    label: str | None
    type: str | None
    custom: bool
    namespace: str | None
    ccpa_category: str | None  # in force: a privacy officer's override where there is one, else the rules'
    sensitive: bool
    encrypted: bool
    overridden: bool  # a privacy officer's override decides ccpa_category and sensitive


@dataclass(frozen=True)
class FieldIntegration:
    """An integration that reads or writes a field or its whole object, or moves the field's data elsewhere."""

    key: str  # the Integration node's key
    kind: str
    name: str
    access: str  # READS, WRITES, ACCESSED (an app used the object, by the event logs) or FLOWS_TO
    reaches: str  # "field" or "object": the edge's target is the field itself or its whole object
    target_key: str | None  # FLOWS_TO: where the data goes
    target_name: str | None
    consent_checked: bool | None  # FLOWS_TO only
    opt_out_checked: bool | None


@dataclass(frozen=True)
class FieldDetail(FieldSummary):
    key: str
    classification_rule: str | None  # the rule that decided the category, or that none applies
    sensitivity_rule: str | None  # why it is sensitive; None when it is not
    security_classification: str | None  # Salesforce's own data classification
    compliance_groups: tuple[str, ...]
    business_status: str | None
    description: str | None
    help_text: str | None
    picklist_values: tuple[str, ...]
    references: tuple[str, ...]
    compound_parent: str | None
    evidence: str | None
    first_seen: datetime | None
    last_seen: datetime | None
    run_id: str | None
    harvested_ccpa_category: str | None  # what the harvest's rules decided (an override may put it aside)
    harvested_sensitive: bool
    override_at: datetime | None  # the override in force: when, by whom and why (None: not overridden)
    override_by: str | None
    override_reason: str | None
    integrations: tuple[FieldIntegration, ...] = ()  # at most MAX_FIELD_INTEGRATIONS, by name
    more_integrations: bool = False  # more integrations touch it than were listed


@dataclass(frozen=True)
class FieldFilter:
    """Which fields to list; None leaves a filter out. `search` matches name or label, case-insensitively."""

    sobject: str | None = None
    ccpa_category: str | None = None
    sensitive: bool | None = None
    encrypted: bool | None = None
    unclassified: bool | None = None  # true: no CCPA category (not personal information by our rules)
    custom: bool | None = None
    namespace: str | None = None
    search: str | None = None

    def parameters(self) -> dict[str, Any]:
        """Every filter in one map, `$filter` (see `_FIELD_FILTERS`)."""
        return {"filter": {"sobject": self.sobject, "category": self.ccpa_category, "sensitive": self.sensitive,
                           "encrypted": self.encrypted, "unclassified": self.unclassified, "custom": self.custom,
                           "namespace": self.namespace, "search": self.search.lower() if self.search else None}}


_LIVE_OBJECTS = (
    "MATCH (o:SObject {org_key: $org_key}) "
    "WHERE o.retired_at IS NULL AND NOT coalesce(o.placeholder, false) "
)
_OBJECT_COUNTS = (
    "OPTIONAL MATCH (o)-[h:HAS_FIELD]->(f:Field) WHERE h.retired_at IS NULL AND f.retired_at IS NULL "
    "WITH o, collect(DISTINCT f) AS fields "
    "RETURN o AS object, size(fields) AS field_count, "
    "  size([f IN fields WHERE " + effective_category("f") + " IS NOT NULL]) AS personal_field_count, "
    "  size([f IN fields WHERE " + effective_sensitive("f") + "]) AS sensitive_field_count "
)
_OBJECT_SEARCH = (
    "AND ($search IS NULL OR toLower(o.name) CONTAINS $search "
    "     OR toLower(coalesce(o.display_label, '')) CONTAINS $search) "
)
COUNT_OBJECTS: LiteralString = _LIVE_OBJECTS + _OBJECT_SEARCH + "RETURN count(o) AS total"
LIST_OBJECTS: LiteralString = (
    _LIVE_OBJECTS + _OBJECT_SEARCH + "WITH o ORDER BY o.name SKIP $skip LIMIT $limit " + _OBJECT_COUNTS
    + "ORDER BY o.name"
)
ONE_OBJECT: LiteralString = (
    "MATCH (o:SObject {key: $key}) WHERE o.retired_at IS NULL AND NOT coalesce(o.placeholder, false) "
    + _OBJECT_COUNTS
)

# A filter given as null is left out; `f.org_key = $org_key` stays a plain equality, so the org's index is sought.
# The filters travel in one map, the sources' seeks read it too: the engine plans a query again for each new set of
# parameter types (null or not, a string's length class) but not for a map's contents, so each source's queries are
# planned once whatever the mix of filters (an unseen mix cost 100-700 ms of planning; benchmarks/README.md).
_FIELD_FILTERS = (
    "f.retired_at IS NULL "
    "AND ($filter.sobject IS NULL OR f.sobject = $filter.sobject) "
    "AND ($filter.category IS NULL OR " + effective_category("f") + " = $filter.category) "
    "AND ($filter.sensitive IS NULL OR " + effective_sensitive("f") + " = $filter.sensitive) "
    "AND ($filter.encrypted IS NULL OR coalesce(f.encrypted, false) = $filter.encrypted) "
    "AND ($filter.unclassified IS NULL OR (" + effective_category("f") + " IS NULL) = $filter.unclassified) "
    "AND ($filter.custom IS NULL OR coalesce(f.custom, false) = $filter.custom) "
    "AND ($filter.namespace IS NULL OR f.namespace = $filter.namespace) "
    "AND ($filter.search IS NULL OR toLower(f.name) CONTAINS $filter.search "
    "     OR toLower(coalesce(f.display_label, '')) CONTAINS $filter.search) "
)
# Where the fields come from, narrowest first. The org's and an object's are sought in the `field_listing` index
# (org_key, sobject, name), which hands them over in the list's order, so a page stops after SKIP + LIMIT rows.
# The hint keeps the engine on it when its statistics favour the org_key index alone (which gives no order).
_LISTING: LiteralString = "MATCH (f:Field) USING INDEX f:Field(org_key, sobject, name) "
_ORG_FIELDS = _LISTING + "WHERE f.org_key = $org_key AND f.sobject IS NOT NULL AND f.name IS NOT NULL AND "
_OBJECT_FIELDS = _LISTING + "WHERE f.org_key = $org_key AND f.sobject = $filter.sobject AND f.name IS NOT NULL AND "
# A field is sensitive (or of a category) in force only if its rules or an override say so: both are indexed.
_SENSITIVE_FIELDS = (
    "CALL () { MATCH (f:Field) WHERE f.org_key = $org_key AND f.sensitive = true RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_sensitive = true RETURN f } "
    "WITH f WHERE f.sobject IS NOT NULL AND f.name IS NOT NULL AND "
)
_CATEGORY_FIELDS = (
    "CALL () { MATCH (f:Field) WHERE f.org_key = $org_key AND f.ccpa_category = $filter.category RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_ccpa_category = $filter.category RETURN f } "
    "WITH f WHERE f.sobject IS NOT NULL AND f.name IS NOT NULL AND "
)
_PERSONAL_FIELDS = (
    "CALL () { MATCH (f:Field) WHERE f.org_key = $org_key AND f.ccpa_category IS NOT NULL RETURN f "
    "  UNION MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_ccpa_category IS NOT NULL RETURN f } "
    "WITH f WHERE f.sobject IS NOT NULL AND f.name IS NOT NULL AND "
)
# `custom` and `encrypted` are always written as booleans (`FieldRecord`), so an equality seek misses no field.
_ENCRYPTED_FIELDS = (
    "MATCH (f:Field) USING INDEX f:Field(org_key, encrypted) "
    "WHERE f.org_key = $org_key AND f.encrypted = true AND f.sobject IS NOT NULL "
    "AND f.name IS NOT NULL AND "
)
_STANDARD_FIELDS = (
    "MATCH (f:Field) USING INDEX f:Field(org_key, custom) "
    "WHERE f.org_key = $org_key AND f.custom = false AND f.sobject IS NOT NULL "
    "AND f.name IS NOT NULL AND "
)
_NAMESPACE_FIELDS = (
    "MATCH (f:Field) USING INDEX f:Field(org_key, namespace) "
    "WHERE f.org_key = $org_key AND f.namespace = $filter.namespace AND f.sobject IS NOT NULL "
    "AND f.name IS NOT NULL AND "
)
# The text index on `search_text` (name and label, lower-cased) hands over every field holding the term, of any org.
_SEARCHED_FIELDS = (
    "MATCH (f:Field) USING TEXT INDEX f:Field(search_text) WHERE f.search_text CONTAINS $filter.search "
    "WITH f WHERE f.org_key = $org_key AND f.sobject IS NOT NULL AND f.name IS NOT NULL AND "
)
# Ordering by the constant org_key too lets the engine take the index's order instead of sorting.
_IN_INDEX_ORDER = "WITH f ORDER BY f.org_key, f.sobject, f.name SKIP $skip LIMIT $limit "
_SORTED = "WITH f ORDER BY f.sobject, f.name SKIP $skip LIMIT $limit "
# The field with the classification in force beside it (the node keeps the harvested one).
_FIELD_IN_FORCE = (
    "RETURN f AS field, " + effective_category("f") + " AS ccpa_category, " + effective_sensitive("f")
    + " AS sensitive, " + is_overridden("f") + " AS overridden "
)
_COUNT = "RETURN count(f) AS total"
# A filtered count stops at $count_limit matches (COUNT_CAP + 1, or further for a deep page).
_CAPPED_COUNT = "WITH f LIMIT $count_limit " + _COUNT
_PAGE = _FIELD_IN_FORCE + "ORDER BY f.sobject, f.name"
# The general queries (any filter, the org's fields in index order); `field_queries` picks narrower ones.
COUNT_FIELDS: LiteralString = _ORG_FIELDS + _FIELD_FILTERS + _COUNT
LIST_FIELDS: LiteralString = _ORG_FIELDS + _FIELD_FILTERS + _IN_INDEX_ORDER + _PAGE


@dataclass(frozen=True)
class FieldQueries:
    """The count and two ways to a page, which answer the same rows: the candidates a filter narrows to, sorted
    (cheap when they are few), or the org's fields in index order, filtered until the page is full (cheap when the
    matches are many: it reads about (skip + limit) x fields / matches nodes)."""

    count: LiteralString
    page: LiteralString
    page_in_index_order: LiteralString = LIST_FIELDS

    def page_for(self, total: int, page: PageRequest, more: bool = False) -> LiteralString:
        """`more`: more fields match than `total` counted (too many to sort)."""
        many = more or (total > SORTED_AT_MOST and (page.skip + page.size) * 10 <= total)
        return self.page_in_index_order if many else self.page


# Up to this many matches, sorting the candidates is cheaper than walking the org's fields in index order.
SORTED_AT_MOST = 2000
# The field list counts at most this many matches (or up to its page's end) and says when there are more: counting
# 10,000, or an org's 218,000 index entries unfiltered, cost 230-500 ms a request on a loaded machine (benchmarks/).
COUNT_CAP = 1_000
COUNTED_AT_MOST = 2**62  # more fields than any graph holds, and a LIMIT the engine takes (a page far past the end)


def field_queries(filters: FieldFilter, source: LiteralString | None = None) -> FieldQueries:
    """The queries for these filters: candidates from `source` (by default the narrowest index a filter can seek),
    then every filter (the same `_FIELD_FILTERS` whichever the source, so the answer is the same)."""
    if filters.sobject is not None:
        in_object_order = _OBJECT_FIELDS + _FIELD_FILTERS + _IN_INDEX_ORDER + _PAGE
        return FieldQueries(_OBJECT_FIELDS + _FIELD_FILTERS + _CAPPED_COUNT, in_object_order, in_object_order)
    source = source or _narrowest_source(filters)
    if source is _ORG_FIELDS:
        return FieldQueries(_ORG_FIELDS + _FIELD_FILTERS + _CAPPED_COUNT, LIST_FIELDS)
    return _sorted_queries(source)


def _narrowest_source(filters: FieldFilter) -> LiteralString:
    """The fields the most selective filter given seeks in its index; the org's every field when none can."""
    return next(iter(_sources(filters)), _ORG_FIELDS)


def _sources(filters: FieldFilter) -> list[LiteralString]:
    """Every index the filters given can seek, the usually most selective first."""
    sources: tuple[tuple[bool, LiteralString], ...] = (
        (bool(filters.sensitive), _SENSITIVE_FIELDS),
        (filters.ccpa_category is not None, _CATEGORY_FIELDS),
        (bool(filters.encrypted), _ENCRYPTED_FIELDS),
        (filters.namespace is not None, _NAMESPACE_FIELDS),
        (filters.unclassified is False, _PERSONAL_FIELDS),
        (bool(filters.search), _SEARCHED_FIELDS),
        (filters.custom is False, _STANDARD_FIELDS),
    )
    return [source for given, source in sources if given]


def _fewest_candidates(graph: Graph, filters: FieldFilter, parameters: dict[str, Any]) -> LiteralString | None:
    """Of two or more indexes the filters can seek, the one holding fewest of the org's fields, each counted up to
    SORTED_AT_MOST + 1: a category and `custom=false` together may each hold thousands and share a few, and the
    other filters then read only that index's fields. None when fewer than two can be sought."""
    sources = _sources(filters)
    if filters.sobject is not None or len(sources) < 2:  # an object's fields are few: its index serves them
        return None
    held = [(_candidates(graph, source, parameters), order, source) for order, source in enumerate(sources)]
    return min(held)[2]


def _candidates(graph: Graph, source: LiteralString, parameters: dict[str, Any]) -> int:
    query: LiteralString = source + "true WITH f LIMIT $count_limit RETURN count(f) AS total"
    return int(graph.read(query, **parameters, count_limit=SORTED_AT_MOST + 1)[0]["total"])


def _sorted_queries(source: LiteralString) -> FieldQueries:
    return FieldQueries(source + _FIELD_FILTERS + _CAPPED_COUNT, source + _FIELD_FILTERS + _SORTED + _PAGE)


ONE_FIELD: LiteralString = "MATCH (f:Field {key: $key}) WHERE f.retired_at IS NULL " + _FIELD_IN_FORCE

MAX_FIELD_INTEGRATIONS = 50
# Integrations reading or writing the field or its object (an app's use of the object, from event logs, too), and
# those its FLOWS_TO edges go through (`via`).
_LIVE_EDGE = "r.retired_at IS NULL AND i.retired_at IS NULL "
FIELD_INTEGRATIONS: LiteralString = (
    "MATCH (f:Field {key: $key}) OPTIONAL MATCH (o:SObject)-[h:HAS_FIELD]->(f) WHERE h.retired_at IS NULL "
    "CALL (f, o) { "
    "  MATCH (i:Integration)-[r:READS|WRITES]->(f) WHERE " + _LIVE_EDGE +
    "  RETURN i, type(r) AS access, 'field' AS reaches, null AS target "
    "         , null AS consent_checked, null AS opt_out_checked "
    "  UNION "
    "  MATCH (i:Integration)-[r:READS|WRITES]->(o) WHERE " + _LIVE_EDGE +
    "  RETURN i, type(r) AS access, 'object' AS reaches, null AS target "
    "         , null AS consent_checked, null AS opt_out_checked "
    "  UNION "
    "  MATCH (i:Integration)-[r:ACCESSED]->(o) WHERE " + _LIVE_EDGE +
    "  RETURN i, 'ACCESSED' AS access, 'object' AS reaches, null AS target "
    "         , null AS consent_checked, null AS opt_out_checked "
    "  UNION "
    "  MATCH (f)-[r:FLOWS_TO]->(target) MATCH (i:Integration {key: r.via}) WHERE " + _LIVE_EDGE +
    "  RETURN i, 'FLOWS_TO' AS access, 'field' AS reaches, target "
    "         , r.consent_checked AS consent_checked, r.opt_out_checked AS opt_out_checked "
    "} "
    "RETURN i.key AS key, i.kind AS kind, i.name AS name, access, reaches, target.key AS target_key, "
    "  coalesce(target.name, target.host, target.key) AS target_name, consent_checked, opt_out_checked "
    "ORDER BY toLower(i.name), key, access = 'FLOWS_TO', access, target_key LIMIT $limit"
)


def list_objects(graph: Graph, org_key: str, page: PageRequest, search: str | None = None) -> Page[ObjectSummary]:
    """The org's live objects (no placeholders) by name, with how many fields, personal and sensitive ones;
    `search` keeps those whose API name or label holds it, in any case."""
    wanted = search.lower() if search else None
    total = int(graph.read(COUNT_OBJECTS, org_key=org_key, search=wanted)[0]["total"])
    if page.skip >= total:  # past the last page: no rows, and no SKIP beyond what the engine takes
        return Page(total, ())
    rows = graph.read(LIST_OBJECTS, org_key=org_key, search=wanted, skip=page.skip, limit=page.size)
    return Page(total, tuple(_object_summary(row) for row in rows))


def object_detail(graph: Graph, sobject_key: str) -> ObjectDetail | None:
    rows = graph.read(ONE_OBJECT, key=sobject_key)
    return _object_detail(rows[0]) if rows else None


def list_fields(graph: Graph, org_key: str, filters: FieldFilter, page: PageRequest) -> Page[FieldSummary]:
    """The org's live fields that pass every filter given, by object and name; the total counts up to COUNT_CAP or
    the page's end, whichever is further, and `more_than_total` says when more match."""
    parameters = {"org_key": org_key, **filters.parameters()}
    queries = field_queries(filters, _fewest_candidates(graph, filters, parameters))
    counted_up_to = min(max(COUNT_CAP, page.skip + page.size), COUNTED_AT_MOST)
    counted = int(graph.read(queries.count, **parameters, count_limit=counted_up_to + 1)[0]["total"])
    more = counted > counted_up_to
    total = counted_up_to if more else counted
    if page.skip >= total:
        return Page(total, ())
    rows = graph.read(queries.page_for(total, page, more), **parameters, skip=page.skip, limit=page.size)
    return Page(total, tuple(FieldSummary(**_field_summary_values(row)) for row in rows), more_than_total=more)


def field_detail(graph: Graph, field_key: str) -> FieldDetail | None:
    rows = graph.read(ONE_FIELD, key=field_key)
    if not rows:
        return None
    integrations = field_integrations(graph, field_key)
    return replace(_field_detail(rows[0]), integrations=integrations[:MAX_FIELD_INTEGRATIONS],
                   more_integrations=len(integrations) > MAX_FIELD_INTEGRATIONS)


def field_integrations(graph: Graph, field_key: str) -> tuple[FieldIntegration, ...]:
    """Up to MAX_FIELD_INTEGRATIONS + 1 integrations touching the field (one more tells there are more)."""
    rows = graph.read(FIELD_INTEGRATIONS, key=field_key, limit=MAX_FIELD_INTEGRATIONS + 1)
    return tuple(FieldIntegration(**dict(row)) for row in rows)


def _object_summary_values(row: Any) -> dict[str, Any]:
    node = row["object"]
    return {"name": node["name"], "label": node.get("display_label"), "custom": bool(node.get("custom")),
            "namespace": node.get("namespace"), "external": bool(node.get("external")),
            "record_count": node.get("record_count"), "internal_sharing_model": node.get("internal_sharing_model"),
            "external_sharing_model": node.get("external_sharing_model"), "field_count": row["field_count"],
            "personal_field_count": row["personal_field_count"],
            "sensitive_field_count": row["sensitive_field_count"]}


def _object_summary(row: Any) -> ObjectSummary:
    return ObjectSummary(**_object_summary_values(row))


def _object_detail(row: Any) -> ObjectDetail:
    node = row["object"]
    return ObjectDetail(
        **_object_summary_values(row), key=node["key"], key_prefix=node.get("key_prefix"),
        record_types=tuple(node.get("record_types") or ()),
        record_count_at=optional_moment(node.get("record_count_at")),
        external_data_source=node.get("external_data_source"),
        external_data_source_label=node.get("external_data_source_label"),
        external_data_source_type=node.get("external_data_source_type"),
        external_data_source_endpoint=node.get("external_data_source_endpoint"),
        external_name=node.get("external_name"), **_provenance(node))


def _field_summary_values(row: Any) -> dict[str, Any]:
    node = row["field"]
    return {"object": node["sobject"], "name": node["name"], "label": node.get("display_label"),
            "type": node.get("type"), "custom": bool(node.get("custom")), "namespace": node.get("namespace"),
            "ccpa_category": row["ccpa_category"], "sensitive": bool(row["sensitive"]),
            "encrypted": bool(node.get("encrypted")), "overridden": bool(row["overridden"])}


def _field_detail(row: Any) -> FieldDetail:
    node = row["field"]
    return FieldDetail(
        **_field_summary_values(row), key=node["key"], classification_rule=node.get("classification_rule"),
        sensitivity_rule=node.get("sensitivity_rule"), security_classification=node.get("security_classification"),
        compliance_groups=tuple(node.get("compliance_groups") or ()), business_status=node.get("business_status"),
        description=node.get("description"), help_text=node.get("help_text"),
        picklist_values=tuple(node.get("picklist_values") or ()), references=tuple(node.get("references") or ()),
        compound_parent=node.get("compound_parent"), **_provenance(node), **_override_values(node))


def _override_values(node: Any) -> dict[str, Any]:
    overridden = node.get("override_at") is not None
    return {"harvested_ccpa_category": node.get("ccpa_category"), "harvested_sensitive": bool(node.get("sensitive")),
            "override_at": optional_moment(node.get("override_at")),
            "override_by": node.get("override_by") if overridden else None,
            "override_reason": node.get("override_reason") if overridden else None}


def _provenance(node: Any) -> dict[str, Any]:
    return {"evidence": node.get("evidence"), "first_seen": optional_moment(node.get("first_seen")),
            "last_seen": optional_moment(node.get("last_seen")), "run_id": node.get("run_id")}


__all__ = ["COUNT_CAP", "MAX_FIELD_INTEGRATIONS", "MAX_PAGE_SIZE", "SORTED_AT_MOST", "FieldDetail", "FieldFilter",
           "FieldIntegration", "FieldQueries", "FieldSummary", "ObjectDetail", "ObjectSummary", "Page", "PageRequest",
           "field_detail", "field_integrations", "field_queries", "list_fields", "list_objects", "object_detail"]
