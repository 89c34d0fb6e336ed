"""The dashboard's figures for many orgs at once, in three queries whatever the number of orgs or objects: what each
org holds (objects, fields, personal, sensitive and encrypted sensitive fields), its systems by recipient role, and
what its last harvest added and retired.

Counts seek each org's nodes through the `org_key` index; fields are counted as the field list counts them (live
fields of the org), with the effective classification (a privacy officer's override wins).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive
from lineage.queries.systems import UNKNOWN_ROLE
from lineage.records import SystemRole


@dataclass(frozen=True)
class InventoryFigures:
    objects: int
    fields: int
    personal_fields: int  # with a CCPA category
    sensitive_fields: int
    sensitive_encrypted: int  # sensitive fields under Shield Platform Encryption

    @property
    def sensitive_unencrypted(self) -> int:
        return self.sensitive_fields - self.sensitive_encrypted


@dataclass(frozen=True)
class SystemsByRole:
    """The systems an org observes now, by what they are to it; `first_party` ones are its own, nobody's recipient."""

    service_provider: int = 0
    contractor: int = 0
    third_party: int = 0
    unknown: int = 0  # no role declared for the org
    first_party: int = 0

    @property
    def recipients(self) -> int:
        return self.service_provider + self.contractor + self.third_party + self.unknown


@dataclass(frozen=True)
class Window:
    """An org's last harvest: from the end of the one before (exclusive) to its own end (inclusive)."""

    org_key: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Changes:
    """What appeared (first seen) and what was retired within an org's window, by kind."""

    objects_added: int = 0
    objects_retired: int = 0
    fields_added: int = 0
    fields_retired: int = 0
    systems_added: int = 0
    systems_retired: int = 0
    integrations_added: int = 0
    integrations_retired: int = 0

    @property
    def total(self) -> int:
        return (self.objects_added + self.objects_retired + self.fields_added + self.fields_retired
                + self.systems_added + self.systems_retired + self.integrations_added + self.integrations_retired)


# Counted in the indexes where they can be (`lineage/schema.py`), so a visit reads few nodes whatever the org's size:
# the org's fields less its retired ones; personal ones as their harvested category says, corrected by the few
# fields that are retired or overridden (read one by one); sensitive ones from the sensitive indexes (few).
_LISTED_FIELDS = "MATCH (f:Field) WHERE f.org_key = org AND f.sobject IS NOT NULL AND f.name IS NOT NULL "
INVENTORY_FIGURES: LiteralString = (
    "UNWIND $orgs AS org "
    "CALL (org) { MATCH (o:SObject) WHERE o.org_key = org AND o.retired_at IS NULL "
    "  AND NOT coalesce(o.placeholder, false) RETURN count(o) AS objects } "
    "CALL (org) { " + _LISTED_FIELDS + "RETURN count(f) AS listed } "
    "CALL (org) { MATCH (f:Field) USING INDEX f:Field(org_key, retired_at) WHERE f.org_key = org "
    "  AND f.retired_at IS NOT NULL AND f.sobject IS NOT NULL AND f.name IS NOT NULL RETURN count(f) AS retired } "
    "CALL (org) { MATCH (f:Field) WHERE f.org_key = org AND f.ccpa_category IS NOT NULL "
    "  RETURN count(f) AS harvested_personal } "
    "CALL (org) { "
    "  CALL (org) { MATCH (f:Field) USING INDEX f:Field(org_key, retired_at) WHERE f.org_key = org "
    "      AND f.retired_at IS NOT NULL RETURN f "
    "    UNION MATCH (f:Field) USING INDEX f:Field(org_key, override_at) WHERE f.org_key = org "
    "      AND f.override_at IS NOT NULL RETURN f } "
    "  RETURN count(f.ccpa_category) AS exceptional_harvested, "
    f"    count(CASE WHEN f.retired_at IS NULL THEN {effective_category('f')} END) AS exceptional_personal }} "
    "CALL (org) { "
    "  CALL (org) { MATCH (f:Field) WHERE f.org_key = org AND f.sensitive = true RETURN f "
    "    UNION MATCH (f:Field) WHERE f.org_key = org AND f.override_sensitive = true RETURN f } "
    f"  WITH f WHERE f.retired_at IS NULL AND {effective_sensitive('f')} "
    "  RETURN count(f) AS sensitive, count(CASE WHEN coalesce(f.encrypted, false) THEN 1 END) AS encrypted } "
    "RETURN org, objects, listed - retired AS fields, "
    "  harvested_personal - exceptional_harvested + exceptional_personal AS personal, sensitive, encrypted"
)
SYSTEMS_BY_ROLE: LiteralString = (
    "UNWIND $orgs AS org "
    "MATCH (s:System) WHERE s.retired_at IS NULL "
    "  AND any(scope IN coalesce(s.observed_by, []) WHERE scope = org OR scope STARTS WITH org + ':') "
    "OPTIONAL MATCH (:Org {key: org})-[h:HAS_SYSTEM]->(s) WHERE h.retired_at IS NULL "
    "WITH org, s, coalesce(head(collect(h.role)), $unknown) AS role "
    "RETURN org, role, count(s) AS systems"
)
# A node is added when first seen in the window and retired when its retired_at falls in it. A system belongs to an
# org through the org's own edges to it (declared, or sent to): added when the first appeared in the window, retired
# when the last of them was.
CHANGES: LiteralString = (
    "UNWIND $windows AS w "
    "CALL (w) { MATCH (o:SObject) WHERE o.org_key = w.org AND NOT coalesce(o.placeholder, false) "
    "  RETURN count(CASE WHEN w.since < o.first_seen <= w.until THEN 1 END) AS objects_added, "
    "    count(CASE WHEN w.since < o.retired_at <= w.until THEN 1 END) AS objects_retired } "
    "CALL (w) { MATCH (f:Field) WHERE f.org_key = w.org "
    "  RETURN count(CASE WHEN w.since < f.first_seen <= w.until THEN 1 END) AS fields_added, "
    "    count(CASE WHEN w.since < f.retired_at <= w.until THEN 1 END) AS fields_retired } "
    "CALL (w) { MATCH (i:Integration) WHERE i.org_key = w.org "
    "  RETURN count(CASE WHEN w.since < i.first_seen <= w.until THEN 1 END) AS integrations_added, "
    "    count(CASE WHEN w.since < i.retired_at <= w.until THEN 1 END) AS integrations_retired } "
    "CALL (w) { MATCH ()-[r:SENDS_TO|HAS_SYSTEM]->(s:System) "
    "  WHERE r.org_key = w.org OR r.org_key STARTS WITH w.org + ':' "
    "  WITH s, min(r.first_seen) AS first, count(CASE WHEN r.retired_at IS NULL THEN 1 END) AS live, "
    "    max(r.retired_at) AS last_retired "
    "  RETURN count(CASE WHEN w.since < first <= w.until THEN 1 END) AS systems_added, "
    "    count(CASE WHEN live = 0 AND w.since < last_retired <= w.until THEN 1 END) AS systems_retired } "
    "RETURN w.org AS org, objects_added, objects_retired, fields_added, fields_retired, integrations_added, "
    "  integrations_retired, systems_added, systems_retired"
)


def inventory_figures(graph: Graph, org_keys: Sequence[str]) -> dict[str, InventoryFigures]:
    """Each org's live objects and fields, and how many fields are personal, sensitive, and sensitive encrypted."""
    if not org_keys:
        return {}
    rows = graph.read(INVENTORY_FIGURES, orgs=list(org_keys))
    return {row["org"]: InventoryFigures(objects=row["objects"], fields=row["fields"],
                                         personal_fields=row["personal"], sensitive_fields=row["sensitive"],
                                         sensitive_encrypted=row["encrypted"]) for row in rows}


def systems_by_role(graph: Graph, org_keys: Sequence[str]) -> dict[str, SystemsByRole]:
    """Each org's live systems counted by the role the org gives them (UNKNOWN_ROLE: none declared)."""
    if not org_keys:
        return {}
    counted: dict[str, dict[str, int]] = {key: {} for key in org_keys}
    for row in graph.read(SYSTEMS_BY_ROLE, orgs=list(org_keys), unknown=UNKNOWN_ROLE):
        role = _role_name(row["role"])
        counted[row["org"]][role] = counted[row["org"]].get(role, 0) + row["systems"]
    return {key: SystemsByRole(**counts) for key, counts in counted.items()}


def changes(graph: Graph, windows: Sequence[Window]) -> dict[str, Changes]:
    """What each org's window added and retired: objects, fields, integrations (the org's own) and systems."""
    if not windows:
        return {}
    parameters = [{"org": each.org_key, "since": each.since, "until": each.until} for each in windows]
    return {row["org"]: Changes(**_change_counts(row)) for row in graph.read(CHANGES, windows=parameters)}


def _role_name(role: str) -> str:
    known = {each.value for each in SystemRole} | {UNKNOWN_ROLE}
    return role if role in known else UNKNOWN_ROLE  # a role written by a later vocabulary counts as not known


def _change_counts(row: Any) -> dict[str, int]:
    return {name: int(row[name]) for name in (
        "objects_added", "objects_retired", "fields_added", "fields_retired", "systems_added", "systems_retired",
        "integrations_added", "integrations_retired")}


__all__ = ["Changes", "InventoryFigures", "SystemsByRole", "Window", "changes", "inventory_figures",
           "systems_by_role"]
