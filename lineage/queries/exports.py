"""The catalog's exports read whole lists, never holding them: keyset pages (after the last row's sort key) of the
very rows the lists show, with every column an auditor's file needs.

The field export filters with the field list's own clauses and candidate sources (`lineage.queries.inventory`), so an
export holds exactly the rows the filtered list pages through; the system export with the system list's
(`lineage.queries.systems`). A page seeks on from where the last one stopped, so reading n rows costs about n node
reads rather than the n²/page of SKIP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive, is_overridden
from lineage.queries.inventory import (  # the list's clauses themselves, so the export cannot drift from it
    _CATEGORY_FIELDS,
    _FIELD_FILTERS,
    _PERSONAL_FIELDS,
    _SENSITIVE_FIELDS,
    FieldFilter,
)
from lineage.queries.moments import as_text, optional_moment
from lineage.queries.systems import _FILTERED_SYSTEMS, CONSENT_CHECKED, SystemFilter, SystemRoleForOrg

EXPORT_PAGE_SIZE = 1000  # rows a field page reads; small against an org's 200,000 fields, large against a round trip
SYSTEM_PAGE_SIZE = 50  # systems a page reads, each with every integration that sends to it


@dataclass(frozen=True)
class FieldExportRow:
    """One field as an auditor's inventory lists it: the classification in force and what decided it."""

    object: str
    name: str
    label: str | None
    type: str | None
    ccpa_category: str | None  # in force: a privacy officer's override where there is one, else the rules'
    sensitive: bool
    classification_rule: str | None  # the rule that decided the harvested category, or that none applies
    sensitivity_rule: str | None
    overridden: bool
    override_by: str | None
    override_reason: str | None
    security_classification: str | None  # Salesforce's own data classification
    compliance_groups: tuple[str, ...]
    encrypted: bool
    custom: bool
    namespace: str | None
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class SystemIntegration:
    """An integration sending to a system, with the checks found on its path."""

    key: str
    org_key: str
    kind: str
    name: str
    channel: str | None
    consent_checked: bool | None  # None: the harvest could not tell
    opt_out_checked: bool | None

    @property
    def unchecked(self) -> bool:
        """Known to move data with neither a consent nor an opt-out check (as the integration list says)."""
        return self.consent_checked is False and self.opt_out_checked is not True


@dataclass(frozen=True)
class SystemExportRow:
    """A system with every org's role for it and every integration reaching it (the filtered org's alone when
    filtered), for the recipients part of a record of processing."""

    key: str
    host: str
    name: str | None
    roles: tuple[SystemRoleForOrg, ...]
    integrations: tuple[SystemIntegration, ...]  # by org, kind and name
    first_seen: datetime | None
    last_seen: datetime | None


# --- Cypher -----------------------------------------------------------------------------------------

# After the last row exported: (sobject, name) past ($after_sobject, $after_name) in the list's order. Not an OR,
# which the planner would answer with two seeks and a union, losing the index's order (and sorting the org whole).
_AFTER_FIELD = (
    "AND f.sobject >= $after_sobject "
    "AND CASE WHEN f.sobject = $after_sobject THEN f.name > $after_name ELSE true END "
)
# The org's fields from the `field_listing` index (org_key, sobject, name): a range seek from the last row's object.
# Named, as the field list names it: on a graph holding few fields the planner would rather scan the label and sort.
_ORG_FIELDS_FROM = (
    "MATCH (f:Field) USING INDEX f:Field(org_key, sobject, name) "
    "WHERE f.org_key = $org_key AND f.sobject >= $after_sobject AND f.name IS NOT NULL AND "
)
_OBJECT_FIELDS_FROM = (
    "MATCH (f:Field) USING INDEX f:Field(org_key, sobject, name) "
    "WHERE f.org_key = $org_key AND f.sobject = $filter.sobject AND f.name > $after_name AND "
)
# Only the columns' properties: a field node carries descriptions, help text and picklists the file leaves out. Its
# moments as text: an org's 200,000 fields are 400,000 of them (`lineage.queries.moments`).
_FIELD_ROW = (
    "RETURN f {.sobject, .name, .display_label, .type, .classification_rule, .sensitivity_rule, .override_by, "
    "  .override_reason, .security_classification, .compliance_groups, .encrypted, .custom, .namespace, "
    "  first_seen: " + as_text("f.first_seen") + ", last_seen: " + as_text("f.last_seen") + "} AS field, "
    + effective_category("f") + " AS ccpa_category, "
    + effective_sensitive("f") + " AS sensitive, " + is_overridden("f") + " AS overridden ORDER BY f.sobject, f.name"
)
_IN_INDEX_ORDER = "WITH f ORDER BY f.org_key, f.sobject, f.name LIMIT $limit "
_SORTED = "WITH f ORDER BY f.sobject, f.name LIMIT $limit "


def _source(filters: FieldFilter) -> LiteralString:
    """The narrowest candidates a filter seeks (as the list chooses), each clause ending in AND for the filters."""
    if filters.sobject is not None:
        return _OBJECT_FIELDS_FROM
    if filters.sensitive:
        return _SENSITIVE_FIELDS
    if filters.ccpa_category is not None:
        return _CATEGORY_FIELDS
    if filters.unclassified is False:
        return _PERSONAL_FIELDS
    return _ORG_FIELDS_FROM


def field_page_query(filters: FieldFilter) -> LiteralString:
    """A page of the fields these filters keep, after the last row read: an org's or an object's in the index's
    order, a narrower source's candidates sorted."""
    source = _source(filters)
    if source is _OBJECT_FIELDS_FROM:
        return source + _FIELD_FILTERS + _IN_INDEX_ORDER + _FIELD_ROW
    if source is _ORG_FIELDS_FROM:
        return source + _FIELD_FILTERS + _AFTER_FIELD + _IN_INDEX_ORDER + _FIELD_ROW
    return source + _FIELD_FILTERS + _AFTER_FIELD + _SORTED + _FIELD_ROW


def field_count_query(filters: FieldFilter) -> LiteralString:
    """How many fields the export of these filters holds, counted whole (an export reads them all anyway)."""
    return _source(filters) + _FIELD_FILTERS + "RETURN count(f) AS total"


SYSTEM_PAGE: LiteralString = (
    _FILTERED_SYSTEMS + "AND s.host > $after_host "
    "WITH s, roles ORDER BY s.host LIMIT $limit "
    "OPTIONAL MATCH (i:Integration)-[t:SENDS_TO]->(s) "
    "WHERE t.retired_at IS NULL AND i.retired_at IS NULL AND ($filter.org IS NULL OR i.org_key = $filter.org) "
    "WITH s, roles, i, collect(t.channel)[0] AS channel ORDER BY s.host, i.org_key, i.kind, i.name "
    "WITH s, roles, collect(CASE WHEN i IS NULL THEN null ELSE {key: i.key, org_key: i.org_key, kind: i.kind, "
    f"  name: i.name, channel: channel, consent_checked: {CONSENT_CHECKED}, opt_out_checked: i.opt_out_checked}} "
    "  END) AS integrations "
    "RETURN s AS system, roles, integrations ORDER BY s.host"
)


# --- reads ------------------------------------------------------------------------------------------


def count_exported_fields(graph: Graph, org_key: str, filters: FieldFilter) -> int:
    """The rows `exported_fields` gives for these filters (the list's own count stops at a cap)."""
    parameters = {"org_key": org_key, **filters.parameters(), "after_sobject": "", "after_name": ""}
    return int(graph.read(field_count_query(filters), **parameters)[0]["total"])


def exported_fields(graph: Graph, org_key: str, filters: FieldFilter,
                    page_size: int = EXPORT_PAGE_SIZE) -> Iterator[FieldExportRow]:
    """Every live field of the org passing the filters, by object and name, read a page at a time as it is taken."""
    query = field_page_query(filters)
    parameters = {"org_key": org_key, **filters.parameters(), "limit": page_size}
    after = ("", "")
    while True:
        rows = graph.read(query, **parameters, after_sobject=after[0], after_name=after[1])
        for row in rows:
            yield _field_row(row)
        if len(rows) < page_size:
            return
        last = rows[-1]["field"]
        after = (last["sobject"], last["name"])


def exported_systems(graph: Graph, filters: SystemFilter,
                     page_size: int = SYSTEM_PAGE_SIZE) -> Iterator[SystemExportRow]:
    """Every live system passing the filters, by host, with its roles and integrations, a page at a time."""
    parameters = {**filters.parameters(), "limit": page_size}
    after = ""
    while True:
        rows = graph.read(SYSTEM_PAGE, **parameters, after_host=after)
        for row in rows:
            yield _system_row(row)
        if len(rows) < page_size:
            return
        after = rows[-1]["system"]["host"]


# --- rows to records --------------------------------------------------------------------------------


def _field_row(row: Any) -> FieldExportRow:
    node = row["field"]
    overridden = bool(row["overridden"])
    return FieldExportRow(
        object=node["sobject"], name=node["name"], label=node.get("display_label"), type=node.get("type"),
        ccpa_category=row["ccpa_category"], sensitive=bool(row["sensitive"]),
        classification_rule=node.get("classification_rule"), sensitivity_rule=node.get("sensitivity_rule"),
        overridden=overridden, override_by=node.get("override_by") if overridden else None,
        override_reason=node.get("override_reason") if overridden else None,
        security_classification=node.get("security_classification"),
        compliance_groups=tuple(node.get("compliance_groups") or ()), encrypted=bool(node.get("encrypted")),
        custom=bool(node.get("custom")), namespace=node.get("namespace"),
        first_seen=optional_moment(node.get("first_seen")), last_seen=optional_moment(node.get("last_seen")))


def _system_row(row: Any) -> SystemExportRow:
    node = row["system"]
    roles = sorted((SystemRoleForOrg(**each) for each in row["roles"]), key=lambda role: role.org_key)
    return SystemExportRow(
        key=node["key"], host=node["host"], name=node.get("name"), roles=tuple(roles),
        integrations=tuple(SystemIntegration(**each) for each in row["integrations"]),
        first_seen=optional_moment(node.get("first_seen")), last_seen=optional_moment(node.get("last_seen")))


__all__ = ["EXPORT_PAGE_SIZE", "SYSTEM_PAGE_SIZE", "FieldExportRow", "SystemExportRow", "SystemIntegration",
           "count_exported_fields", "exported_fields", "exported_systems", "field_count_query", "field_page_query"]
