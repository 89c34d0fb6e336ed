"""The graph's mirror of a privacy officer's classification overrides, kept on each Field node.

The override properties (`override_*`) are written only here. A harvest never touches them: its writer sets and
clears only the names a FieldRecord has (`SET n += row.props`, `row.cleared`), retiring a field sets only
`retired_at`, and reviving it clears only `retired_at`; so a re-harvest, full or incremental, keeps the override
and a field retired and described again comes back overridden. Only `purge_org` (an org gone for good, test
data) deletes the node and the mirror with it: `reapply_overrides` restores the whole set of an org's overrides.
`lineage.queries.classification` reads the mirror back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import ManagedTransaction

from lineage.graph import Graph

OVERRIDE_PROPERTIES = ("override_id", "override_at", "override_by", "override_reason", "override_ccpa_category",
                       "override_category_kept", "override_sensitive")


@dataclass(frozen=True)
class OverrideMirror:
    """One live override as the graph holds it: `category_kept` leaves the harvested category in force (and
    `ccpa_category` None then); otherwise `ccpa_category` None means not personal. `sensitive` None keeps the
    harvested sensitivity."""

    field_key: str
    override_id: int
    at: datetime
    by: str
    reason: str
    ccpa_category: str | None
    category_kept: bool
    sensitive: bool | None

    def row(self) -> dict[str, Any]:
        return {"key": self.field_key, "props": {
            "override_id": self.override_id, "override_at": self.at, "override_by": self.by,
            "override_reason": self.reason, "override_ccpa_category": self.ccpa_category,
            "override_category_kept": self.category_kept, "override_sensitive": self.sensitive}}

    def in_force(self) -> dict[str, Any]:
        """What it decides, as `lineage.queries.classification.effective_category_at` reads it."""
        return {"ccpa_category": self.ccpa_category, "category_kept": self.category_kept, "sensitive": self.sensitive}


# `+=` with a null value removes that property, so an override replaced by one that keeps more leaves nothing behind.
_SET_MIRRORS: LiteralString = (
    "UNWIND $rows AS row MATCH (f:Field {key: row.key}) SET f += row.props RETURN count(f) AS mirrored"
)
_CLEAR_MIRROR: LiteralString = (
    "MATCH (f:Field {key: $key}) "
    "REMOVE f.override_id, f.override_at, f.override_by, f.override_reason, f.override_ccpa_category, "
    "  f.override_category_kept, f.override_sensitive "
    "RETURN count(f) AS cleared"
)
# The org's fields mirroring an override no longer live (a database change the graph missed) lose it.
_CLEAR_STALE_MIRRORS: LiteralString = (
    "MATCH (f:Field) WHERE f.org_key = $org_key AND f.override_at IS NOT NULL AND NOT f.key IN $keys "
    "REMOVE f.override_id, f.override_at, f.override_by, f.override_reason, f.override_ccpa_category, "
    "  f.override_category_kept, f.override_sensitive "
    "RETURN count(f) AS cleared"
)


def overrides_in_force(mirrors: Sequence[OverrideMirror]) -> dict[str, dict[str, Any]]:
    """The `$overrides` parameter of the `_at` classification expressions: these overrides in place of the mirror."""
    return {mirror.field_key: mirror.in_force() for mirror in mirrors}


def set_override(graph: Graph, mirror: OverrideMirror) -> bool:
    """Mirror one override onto its field (replacing any earlier one): False when no field has that key."""
    return _write_mirrors(graph, [mirror]) == 1


def clear_override(graph: Graph, field_key: str) -> bool:
    """Remove the override from the field: its harvested classification is in force again. False: no such field."""
    def work(tx: ManagedTransaction) -> int:
        return int(tx.run(_CLEAR_MIRROR, key=field_key).single(strict=True)["cleared"])

    return graph.write_transaction(work) == 1


def reapply_overrides(graph: Graph, org_key: str, mirrors: Sequence[OverrideMirror]) -> int:
    """Make the org's fields mirror exactly these live overrides, in one transaction: how many fields hold one
    (a field not in the graph now is left out; it gets its override when this runs after it is harvested)."""
    if any(not mirror.field_key.startswith(f"field:{org_key.removeprefix('org:')}:") for mirror in mirrors):
        raise ValueError(f"every override re-applied for {org_key} must be on one of its fields")

    def work(tx: ManagedTransaction) -> int:
        tx.run(_CLEAR_STALE_MIRRORS, org_key=org_key, keys=[mirror.field_key for mirror in mirrors]).consume()
        return int(tx.run(_SET_MIRRORS, rows=[mirror.row() for mirror in mirrors]).single(strict=True)["mirrored"])

    return graph.write_transaction(work)


def _write_mirrors(graph: Graph, mirrors: Sequence[OverrideMirror]) -> int:
    def work(tx: ManagedTransaction) -> int:
        return int(tx.run(_SET_MIRRORS, rows=[mirror.row() for mirror in mirrors]).single(strict=True)["mirrored"])

    return graph.write_transaction(work)


__all__ = ["OVERRIDE_PROPERTIES", "OverrideMirror", "clear_override", "overrides_in_force", "reapply_overrides",
           "set_override"]
