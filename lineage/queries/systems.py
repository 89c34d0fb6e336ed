"""The systems outside the orgs and the integrations that reach them, listed with filters a page at a time, and one
of each in full.

A `System` is shared by every org and provenance scope that observes it (`observed_by`); what one business says of it,
its CCPA role and country, is on that org's `HAS_SYSTEM` edge, so a system may be a service provider to one org and a
third party to another. An `Integration` belongs to one org (`org_key`, the index every per-org list seeks).
Every list is bounded by a page of at most MAX_PAGE_SIZE rows; a detail's related rows by DETAIL_LIMIT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive
from lineage.queries.moments import optional_moment
from lineage.queries.pages import Page, PageRequest
from lineage.records import SystemRole

UNKNOWN_ROLE = "unknown"  # no live HAS_SYSTEM edge: nobody declared what the system is to the business
ROLES = (*(role.value for role in SystemRole), UNKNOWN_ROLE)
DETAIL_LIMIT = 200  # related rows a detail lists (integrations, reads, writes, flows); its totals count them all


# --- records ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemRoleForOrg:
    """What one org says a system is to it: its CCPA role and the country the data is processed in."""

    org_key: str
    role: str
    country: str | None
    evidence: str | None


@dataclass(frozen=True)
class SystemSummary:
    key: str
    host: str
    name: str | None
    roles: tuple[SystemRoleForOrg, ...]  # one per org that declares it (only the filtered org's when filtered)
    integration_count: int  # live integrations that send to it
    first_seen: datetime | None
    last_seen: datetime | None
    observed_by: tuple[str, ...]  # the provenance scopes that observe it now (org:<id>, org:<id>:openlineage …)


@dataclass(frozen=True)
class IntegrationRef:
    """An integration as a system's page lists it."""

    key: str
    org_key: str
    kind: str
    name: str
    consent_checked: bool | None
    opt_out_checked: bool | None
    channel: str | None  # how it sends: callout, outbound_message, email …

    @property
    def display_name(self) -> str:
        return short_name(self.name)


@dataclass(frozen=True)
class FieldFlow:
    """Personal data moving between a field and a system, through one or more integrations (`vias`, their keys)."""

    field_key: str
    org_key: str
    sobject: str
    field: str
    ccpa_category: str | None
    sensitive: bool
    outbound: bool  # true: from the field to the system; false: from the system into the field
    vias: tuple[str, ...]
    consent_checked: bool | None  # false when any of its flows has no check; null when none says
    opt_out_checked: bool | None


@dataclass(frozen=True)
class SystemDetail(SystemSummary):
    evidence: str | None
    retired_by: tuple[str, ...]  # scopes that observed it once and no longer do
    integrations: tuple[IntegrationRef, ...]
    flows: tuple[FieldFlow, ...]
    flow_count: int


@dataclass(frozen=True)
class SystemFilter:
    """Which systems to list; None leaves a filter out. `role` may be UNKNOWN_ROLE (no declared role); with
    `org_key`, role and country are that org's. `search` matches host or name, case-insensitively."""

    org_key: str | None = None
    role: str | None = None
    country: str | None = None
    search: str | None = None

    def parameters(self) -> dict[str, Any]:
        """Every filter in one map, `$filter`, as the field list's are (`lineage.queries.inventory._FIELD_FILTERS`)."""
        return {"filter": {"org": self.org_key, "org_prefix": f"{self.org_key}:" if self.org_key else None,
                           "role": self.role, "country": self.country.upper() if self.country else None,
                           "search": self.search.lower() if self.search else None}}


@dataclass(frozen=True)
class IntegrationSummary:
    key: str
    org_key: str
    kind: str
    name: str
    label: str | None
    endpoint: str | None
    consent_checked: bool | None  # None: the harvest could not tell (no code or declaration to read)
    opt_out_checked: bool | None
    systems: tuple[str, ...]  # hosts it sends to
    first_seen: datetime | None
    last_seen: datetime | None

    @property
    def display_name(self) -> str:
        """Its label, else its name (a manifest entry's without its file: `system.flow`)."""
        return self.label or short_name(self.name)

    @property
    def unchecked(self) -> bool:
        """Known to move data with neither a consent nor an opt-out check."""
        return self.consent_checked is False and self.opt_out_checked is not True


@dataclass(frozen=True)
class SystemRef:
    key: str
    host: str
    name: str | None
    channel: str | None


@dataclass(frozen=True)
class PurposeRef:
    key: str
    name: str
    check: str | None  # the check that gates the integration on the purpose; None for a purpose it serves


@dataclass(frozen=True)
class DataRef:
    """An object or field an integration reads or writes; `field` is None for a whole object."""

    key: str
    sobject: str
    field: str | None
    ccpa_category: str | None
    sensitive: bool


@dataclass(frozen=True)
class IntegrationDetail(IntegrationSummary):
    evidence: str | None
    consent_check: str | None  # the check found on the path, as written
    consent_check_line: int | None
    consent_checks: tuple[str, ...]  # the consent fields its code or flow consults
    sends_to: tuple[SystemRef, ...]
    purposes: tuple[PurposeRef, ...]  # that gate it (GATED_BY)
    serves: tuple[PurposeRef, ...]  # that its processing serves, as declared (SERVES)
    reads: tuple[DataRef, ...]
    read_count: int
    writes: tuple[DataRef, ...]
    write_count: int
    attributes: tuple[tuple[str, str], ...]  # what its kind adds (sharing, version, schedule …), as text


@dataclass(frozen=True)
class IntegrationFilter:
    """Which integrations to list; None leaves a filter out. `search` matches name, label or endpoint."""

    org_key: str | None = None
    kind: str | None = None
    consent_checked: bool | None = None
    opt_out_checked: bool | None = None
    search: str | None = None

    def parameters(self) -> dict[str, Any]:
        """Every filter in one map, `$filter`, as the field list's are (`lineage.queries.inventory._FIELD_FILTERS`)."""
        return {"filter": {"org": self.org_key, "kind": self.kind, "consent_checked": self.consent_checked,
                           "opt_out_checked": self.opt_out_checked,
                           "search": self.search.lower() if self.search else None}}


# --- Cypher -----------------------------------------------------------------------------------------

# An org observes a system through its own scope (org:<id>) or one of its sub-scopes (org:<id>:openlineage).
OBSERVED_BY_ORG: LiteralString = (
    "any(scope IN coalesce(s.observed_by, []) WHERE scope = $filter.org OR scope STARTS WITH $filter.org_prefix)"
)
# The integration's own flag, else what its flow's consent checks say; null when the harvest could not tell.
CONSENT_CHECKED: LiteralString = (
    "CASE WHEN i.consent_checked IS NOT NULL THEN i.consent_checked "
    "WHEN i.consent_checks IS NOT NULL THEN size(i.consent_checks) > 0 END"
)

_FILTERED_SYSTEMS: LiteralString = (
    "MATCH (s:System) WHERE s.retired_at IS NULL "
    f"AND ($filter.org IS NULL OR {OBSERVED_BY_ORG}) "
    "AND ($filter.search IS NULL OR toLower(s.host) CONTAINS $filter.search "
    "     OR toLower(coalesce(s.name, '')) CONTAINS $filter.search) "
    "OPTIONAL MATCH (o:Org)-[h:HAS_SYSTEM]->(s) WHERE h.retired_at IS NULL "
    "AND ($filter.org IS NULL OR o.key = $filter.org) "
    "WITH s, collect(CASE WHEN h IS NULL THEN null ELSE {org_key: o.key, role: h.role, country: h.country, "
    "  evidence: h.evidence} END) AS roles "
    "WHERE ($filter.role IS NULL OR ($filter.role = 'unknown' AND size(roles) = 0) "
    "       OR any(r IN roles WHERE r.role = $filter.role)) "
    "AND ($filter.country IS NULL OR any(r IN roles WHERE r.country = $filter.country)) "
)
_SYSTEM_INTEGRATIONS: LiteralString = (
    "OPTIONAL MATCH (i:Integration)-[t:SENDS_TO]->(s) "
    "WHERE t.retired_at IS NULL AND i.retired_at IS NULL AND ($filter.org IS NULL OR i.org_key = $filter.org) "
    "WITH s, roles, count(DISTINCT i) AS integration_count "
)
COUNT_SYSTEMS: LiteralString = _FILTERED_SYSTEMS + "RETURN count(s) AS total"
LIST_SYSTEMS: LiteralString = (
    _FILTERED_SYSTEMS + "WITH s, roles ORDER BY s.host SKIP $skip LIMIT $limit " + _SYSTEM_INTEGRATIONS
    + "RETURN s AS system, roles, integration_count ORDER BY s.host"
)
ONE_SYSTEM: LiteralString = (
    "MATCH (s:System {key: $key}) WHERE s.retired_at IS NULL "
    "OPTIONAL MATCH (o:Org)-[h:HAS_SYSTEM]->(s) WHERE h.retired_at IS NULL "
    "WITH s, collect(CASE WHEN h IS NULL THEN null ELSE {org_key: o.key, role: h.role, country: h.country, "
    "  evidence: h.evidence} END) AS roles "
    "OPTIONAL MATCH (i:Integration)-[t:SENDS_TO]->(s) WHERE t.retired_at IS NULL AND i.retired_at IS NULL "
    "RETURN s AS system, roles, count(DISTINCT i) AS integration_count"
)
SYSTEM_INTEGRATIONS: LiteralString = (
    "MATCH (i:Integration)-[t:SENDS_TO]->(s:System {key: $key}) "
    "WHERE t.retired_at IS NULL AND i.retired_at IS NULL "
    "WITH i, collect(t.channel)[0] AS channel ORDER BY i.org_key, i.kind, i.name LIMIT $limit "
    f"RETURN i AS integration, {CONSENT_CHECKED} AS consent_checked, channel"
)
_SYSTEM_FLOWS: LiteralString = (
    "MATCH (s:System {key: $key}) "
    "CALL (s) { "
    "  MATCH (f:Field)-[r:FLOWS_TO]->(s) WHERE r.retired_at IS NULL AND f.retired_at IS NULL "
    "  RETURN f, r, true AS outbound "
    "  UNION ALL "
    "  MATCH (s)-[r:FLOWS_TO]->(f:Field) WHERE r.retired_at IS NULL AND f.retired_at IS NULL "
    "  RETURN f, r, false AS outbound } "
)
# One row per field and direction, whatever the number of integrations moving it: a check counts when every one has it.
COUNT_SYSTEM_FLOWS: LiteralString = _SYSTEM_FLOWS + "RETURN count(DISTINCT [f, outbound]) AS total"
SYSTEM_FLOWS: LiteralString = (
    _SYSTEM_FLOWS + "WITH f, outbound, collect(r) AS flows ORDER BY f.org_key, f.sobject, f.name LIMIT $limit "
    f"RETURN f AS field, outbound, {effective_category('f')} AS category, {effective_sensitive('f')} AS sensitive, "
    "  [r IN flows | r.via] AS vias, "
    "  CASE WHEN any(r IN flows WHERE r.consent_checked = false) THEN false "
    "       WHEN all(r IN flows WHERE r.consent_checked = true) THEN true END AS consent_checked, "
    "  CASE WHEN any(r IN flows WHERE r.opt_out_checked = false) THEN false "
    "       WHEN all(r IN flows WHERE r.opt_out_checked = true) THEN true END AS opt_out_checked"
)

# The org's index is sought when the list is one org's (`i.org_key = $filter.org`); a filter given as null drops out.
_INTEGRATION_FILTERS: LiteralString = (
    "i.retired_at IS NULL "
    "AND ($filter.kind IS NULL OR i.kind = $filter.kind) "
    f"AND ($filter.consent_checked IS NULL OR {CONSENT_CHECKED} = $filter.consent_checked) "
    "AND ($filter.opt_out_checked IS NULL OR i.opt_out_checked = $filter.opt_out_checked) "
    "AND ($filter.search IS NULL OR toLower(i.name) CONTAINS $filter.search "
    "     OR toLower(coalesce(i.label, '')) CONTAINS $filter.search "
    "     OR toLower(coalesce(i.endpoint, '')) CONTAINS $filter.search) "
)
_ORG_INTEGRATIONS: LiteralString = "MATCH (i:Integration) WHERE i.org_key = $filter.org AND " + _INTEGRATION_FILTERS
_ALL_INTEGRATIONS: LiteralString = "MATCH (i:Integration) WHERE " + _INTEGRATION_FILTERS
_INTEGRATION_ROW: LiteralString = (
    "WITH i ORDER BY i.org_key, i.kind, i.name SKIP $skip LIMIT $limit "
    "OPTIONAL MATCH (i)-[t:SENDS_TO]->(s:System) WHERE t.retired_at IS NULL AND s.retired_at IS NULL "
    "WITH i, collect(DISTINCT s.host) AS hosts "
    f"RETURN i AS integration, {CONSENT_CHECKED} AS consent_checked, hosts ORDER BY i.org_key, i.kind, i.name"
)
ONE_INTEGRATION: LiteralString = (
    "MATCH (i:Integration {key: $key}) WHERE i.retired_at IS NULL "
    "OPTIONAL MATCH (i)-[t:SENDS_TO]->(s:System) WHERE t.retired_at IS NULL AND s.retired_at IS NULL "
    "WITH i, collect(DISTINCT s.host) AS hosts, "
    "  collect(CASE WHEN s IS NULL THEN null ELSE {key: s.key, host: s.host, name: s.name, channel: t.channel} END)"
    "  AS systems "
    "OPTIONAL MATCH (i)-[g:GATED_BY]->(p:Purpose) WHERE g.retired_at IS NULL AND p.retired_at IS NULL "
    "WITH i, hosts, systems, collect(CASE WHEN p IS NULL THEN null ELSE {key: p.key, name: p.name, check: g.check} END)"
    "  AS purposes "
    "OPTIONAL MATCH (i)-[v:SERVES]->(q:Purpose) WHERE v.retired_at IS NULL AND q.retired_at IS NULL "
    "WITH i, hosts, systems, purposes, "
    "  collect(CASE WHEN q IS NULL THEN null ELSE {key: q.key, name: q.name, check: null} END) AS serves "
    f"RETURN i AS integration, {CONSENT_CHECKED} AS consent_checked, hosts, systems, purposes, serves"
)
_TOUCHED: LiteralString = (
    "MATCH (i:Integration {key: $key})-[r]->(n) WHERE type(r) = $rel AND r.retired_at IS NULL "
    "AND n.retired_at IS NULL AND (n:SObject OR n:Field) "
)
COUNT_TOUCHED: LiteralString = _TOUCHED + "RETURN count(DISTINCT n) AS total"
TOUCHED: LiteralString = (
    _TOUCHED + "WITH DISTINCT n ORDER BY coalesce(n.sobject, n.name), n:Field, n.name LIMIT $limit "
    f"RETURN n AS node, n:Field AS is_field, {effective_category('n')} AS category, "
    f"{effective_sensitive('n')} AS sensitive"
)

# Properties every integration has, or that the detail shows on their own; the rest are its kind's attributes.
_OWN_PROPERTIES = frozenset({
    "key", "org_key", "org_id", "kind", "name", "label", "endpoint", "consent_checked", "opt_out_checked",
    "consent_checks", "consent_check", "consent_check_line", "evidence", "first_seen", "last_seen", "run_id",
    "retired_at"})


# --- reads ------------------------------------------------------------------------------------------


def list_systems(graph: Graph, filters: SystemFilter, page: PageRequest) -> Page[SystemSummary]:
    """The live systems passing every filter, by host, each with its roles and how many integrations reach it."""
    parameters = filters.parameters()
    total = int(graph.read(COUNT_SYSTEMS, **parameters)[0]["total"])
    if page.skip >= total:  # past the last page: no rows, and no SKIP beyond what the engine takes
        return Page(total, ())
    rows = graph.read(LIST_SYSTEMS, **parameters, skip=page.skip, limit=page.size)
    return Page(total, tuple(SystemSummary(**_system_values(row)) for row in rows))


def system_detail(graph: Graph, system_key: str) -> SystemDetail | None:
    """One live system with every org's role, the integrations that send to it and the fields that flow to or
    from it (the first DETAIL_LIMIT of each)."""
    rows = graph.read(ONE_SYSTEM, key=system_key)
    if not rows:
        return None
    node = rows[0]["system"]
    integrations = graph.read(SYSTEM_INTEGRATIONS, key=system_key, limit=DETAIL_LIMIT)
    flows = graph.read(SYSTEM_FLOWS, key=system_key, limit=DETAIL_LIMIT)
    return SystemDetail(
        **_system_values(rows[0]), evidence=node.get("evidence"), retired_by=tuple(node.get("retired_by") or ()),
        integrations=tuple(_integration_ref(row) for row in integrations),
        flows=tuple(_field_flow(row) for row in flows),
        flow_count=int(graph.read(COUNT_SYSTEM_FLOWS, key=system_key)[0]["total"]))


def list_integrations(graph: Graph, filters: IntegrationFilter, page: PageRequest) -> Page[IntegrationSummary]:
    """The live integrations passing every filter, by org, kind and name, with the hosts each sends to."""
    parameters = filters.parameters()
    matched = _ORG_INTEGRATIONS if filters.org_key else _ALL_INTEGRATIONS
    total = int(graph.read(matched + "RETURN count(i) AS total", **parameters)[0]["total"])
    if page.skip >= total:
        return Page(total, ())
    rows = graph.read(matched + _INTEGRATION_ROW, **parameters, skip=page.skip, limit=page.size)
    return Page(total, tuple(IntegrationSummary(**_integration_values(row)) for row in rows))


def integration_detail(graph: Graph, integration_key: str) -> IntegrationDetail | None:
    """One live integration with the systems it sends to, the purposes that gate it and those it serves, and the
    objects and fields it
    reads and writes (the first DETAIL_LIMIT of each)."""
    rows = graph.read(ONE_INTEGRATION, key=integration_key)
    if not rows:
        return None
    row = rows[0]
    node = row["integration"]
    reads, read_count = _touched(graph, integration_key, "READS")
    writes, write_count = _touched(graph, integration_key, "WRITES")
    return IntegrationDetail(
        **_integration_values(row), evidence=node.get("evidence"), consent_check=node.get("consent_check"),
        consent_check_line=node.get("consent_check_line"), consent_checks=tuple(node.get("consent_checks") or ()),
        sends_to=tuple(sorted((SystemRef(**each) for each in row["systems"]), key=lambda ref: ref.host)),
        purposes=_purposes(row["purposes"]), serves=_purposes(row["serves"]),
        reads=reads, read_count=read_count, writes=writes, write_count=write_count,
        attributes=tuple(sorted((name, _as_text(value)) for name, value in node.items()
                                if name not in _OWN_PROPERTIES)))


def _purposes(rows: list[dict[str, Any]]) -> tuple[PurposeRef, ...]:
    return tuple(sorted((PurposeRef(**each) for each in rows), key=lambda ref: ref.name))


def _touched(graph: Graph, integration_key: str, rel: str) -> tuple[tuple[DataRef, ...], int]:
    total = int(graph.read(COUNT_TOUCHED, key=integration_key, rel=rel)[0]["total"])
    rows = graph.read(TOUCHED, key=integration_key, rel=rel, limit=DETAIL_LIMIT)
    return tuple(_data_ref(row) for row in rows), total


# --- rows to records --------------------------------------------------------------------------------


def _system_values(row: Any) -> dict[str, Any]:
    node = row["system"]
    roles = sorted((SystemRoleForOrg(**each) for each in row["roles"]), key=lambda role: role.org_key)
    return {"key": node["key"], "host": node["host"], "name": node.get("name"), "roles": tuple(roles),
            "integration_count": int(row["integration_count"]), "first_seen": optional_moment(node.get("first_seen")),
            "last_seen": optional_moment(node.get("last_seen")), "observed_by": tuple(node.get("observed_by") or ())}


def _integration_ref(row: Any) -> IntegrationRef:
    node = row["integration"]
    return IntegrationRef(key=node["key"], org_key=node["org_key"], kind=node["kind"], name=node["name"],
                          consent_checked=row["consent_checked"], opt_out_checked=node.get("opt_out_checked"),
                          channel=row["channel"])


def _field_flow(row: Any) -> FieldFlow:
    field = row["field"]
    return FieldFlow(field_key=field["key"], org_key=field["org_key"], sobject=field["sobject"], field=field["name"],
                     ccpa_category=row["category"], sensitive=bool(row["sensitive"]), outbound=bool(row["outbound"]),
                     vias=tuple(sorted(via for via in row["vias"] if via)), consent_checked=row["consent_checked"],
                     opt_out_checked=row["opt_out_checked"])


def _integration_values(row: Any) -> dict[str, Any]:
    node = row["integration"]
    return {"key": node["key"], "org_key": node["org_key"], "kind": node["kind"], "name": node["name"],
            "label": node.get("label"), "endpoint": node.get("endpoint"), "consent_checked": row["consent_checked"],
            "opt_out_checked": node.get("opt_out_checked"), "systems": tuple(sorted(row["hosts"])),
            "first_seen": optional_moment(node.get("first_seen")), "last_seen": optional_moment(node.get("last_seen"))}


def _data_ref(row: Any) -> DataRef:
    node = row["node"]
    if row["is_field"]:
        return DataRef(key=node["key"], sobject=node["sobject"], field=node["name"], ccpa_category=row["category"],
                       sensitive=bool(row["sensitive"]))
    return DataRef(key=node["key"], sobject=node["name"], field=None, ccpa_category=None, sensitive=False)


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(each) for each in value)
    return str(value.to_native()) if hasattr(value, "to_native") else str(value)  # a date or a moment


def short_name(name: str) -> str:
    """An integration's name as a person reads it: a manifest entry's (`file#system.flow`) without its file."""
    return name.split("#")[-1]


__all__ = ["DETAIL_LIMIT", "ROLES", "UNKNOWN_ROLE", "DataRef", "FieldFlow", "IntegrationDetail", "IntegrationFilter",
           "IntegrationRef", "IntegrationSummary", "Page", "PageRequest", "PurposeRef", "SystemDetail", "SystemFilter",
           "SystemRef", "SystemRoleForOrg", "SystemSummary", "integration_detail",
           "list_integrations", "list_systems", "system_detail"]
