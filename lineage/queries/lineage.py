"""Lineage: where a node's data comes from (upstream) and goes to (downstream), a bounded number of hops away.

Which relationships are lineage, each read in the direction the data moves:

    FLOWS_TO  field/system -> field/system   as stored (the lineage edge: via, evidence, consent_checked ...)
    WRITES    integration -> object/field    as stored
    SENDS_TO  integration -> system          as stored
    READS     object/field -> integration    against the stored direction (the integration reads the data)
    ACCESSED  object -> integration/system   against the stored direction (an event log saw the app use the
                                             object; a user's access is use by a person, not a path, and is left out)
    HAS_FIELD field -> its object            a record read or written whole carries each of its fields; walked
                                             from any field to its object, and from the start object to those of
                                             its fields with lineage of their own, never from a reached object to
                                             its other fields (that would make every field of an object each
                                             other's lineage).

REFERENCES (a lookup between records), GATED_BY, SERVES, AUTHORISED_BY, HAS_OBJECT, HAS_SYSTEM and the consumers'
edges move no data and are left out. Upstream walks the same edges against the data's direction.

The walk is breadth-first, one query per hop over the frontier of nodes not seen yet, rather than one
variable-length pattern: a pattern enumerates every path (on a 2,000-object org a hub such as an app reading every
object makes that explode), while a hop query touches each edge once. Depth is bounded (1..5) and so is size: at
most `max_nodes` nodes and `max_edges` edges, and `truncated` says when the walk was cut there. Retired nodes and
edges are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, LiteralString

from lineage.graph import Graph
from lineage.queries.classification import effective_category, effective_sensitive
from lineage.records import IntegrationKind
from lineage.vocabulary import Rel

MIN_DEPTH = 1
MAX_DEPTH = 5
MAX_NODES = 200
MAX_EDGES = 400


class Direction(StrEnum):
    UPSTREAM = "upstream"
    DOWNSTREAM = "downstream"
    BOTH = "both"


# Which ways each direction walks: -1 upstream, 1 downstream (a node's hop carries the sign).
_SIGNS = {Direction.UPSTREAM: (-1,), Direction.DOWNSTREAM: (1,), Direction.BOTH: (-1, 1)}


class NodeKind(StrEnum):
    OBJECT = "object"
    FIELD = "field"
    SYSTEM = "system"
    INTEGRATION = "integration"


# The key's prefix names the label, so a node is sought through its label's key constraint, never by a scan.
_KIND_OF_PREFIX = {"sobject": NodeKind.OBJECT, "field": NodeKind.FIELD, "system": NodeKind.SYSTEM,
                   "integration": NodeKind.INTEGRATION}
_KIND_OF_LABEL = {"SObject": NodeKind.OBJECT, "Field": NodeKind.FIELD, "System": NodeKind.SYSTEM,
                  "Integration": NodeKind.INTEGRATION}

_FRONTIER_PARAMETER = {NodeKind.FIELD: "fields", NodeKind.OBJECT: "objects", NodeKind.SYSTEM: "systems",
                       NodeKind.INTEGRATION: "integrations"}

# How an edge is known, in a privacy officer's words, by the kind of integration behind it.
KNOWN_FROM: dict[str, str] = {
    IntegrationKind.FLOW: "flow",
    IntegrationKind.APEX_CLASS: "Apex",
    IntegrationKind.OUTBOUND_MESSAGE: "outbound message",
    IntegrationKind.MANIFEST: "manifest",
    IntegrationKind.OPENLINEAGE: "OpenLineage",
    IntegrationKind.REPORT_EXPORT: "event log",
    IntegrationKind.CONNECTED_APP: "connected app",
    IntegrationKind.NAMED_CREDENTIAL: "named credential",
    IntegrationKind.EXTERNAL_CREDENTIAL: "external credential",
    IntegrationKind.REMOTE_SITE: "remote site setting",
    IntegrationKind.COMPONENT: "Lightning component",
    IntegrationKind.CDC_CHANNEL: "change data capture",
}
# What each relationship says, read from the data's source to its destination.
PHRASES: dict[str, str] = {
    Rel.FLOWS_TO: "flows to", Rel.WRITES: "writes", Rel.SENDS_TO: "sends to", Rel.READS: "is read by",
    Rel.ACCESSED: "is used by", Rel.HAS_FIELD: "is a field of",
}


@dataclass(frozen=True)
class LineageNode:
    key: str
    kind: NodeKind
    name: str  # Object.Field for a field, the host or name for a system
    label: str | None  # the human label (a field's or object's label, a system's name)
    org_key: str | None  # None for a system (shared by every org)
    hop: int  # hops from the start: negative upstream, positive downstream, 0 the start itself
    sobject: str | None = None  # a field's object; an object's own name
    field_name: str | None = None
    integration_kind: str | None = None
    ccpa_category: str | None = None  # a field's effective category (an override wins)
    sensitive: bool | None = None  # a field's effective sensitivity


@dataclass(frozen=True)
class LineageEdge:
    """One edge, from where the data comes from (`source`) to where it goes (`target`)."""

    key: str
    source: str
    target: str
    relationship: str  # the stored relationship type
    known_from: str  # flow, Apex, outbound message, manifest, OpenLineage, event log, schema ...
    evidence: str | None
    via: str | None = None  # FLOWS_TO: the key of the integration that moves the data
    via_name: str | None = None
    consent_checked: bool | None = None  # FLOWS_TO only; None elsewhere
    opt_out_checked: bool | None = None
    consent_check: str | None = None  # the check found on the path, as written

    @property
    def phrase(self) -> str:
        return PHRASES.get(self.relationship, self.relationship.lower())

    @property
    def unchecked(self) -> bool:
        """A flow on which no consent or opt-out check was found."""
        return self.consent_checked is False or self.opt_out_checked is False


@dataclass(frozen=True)
class Lineage:
    start: LineageNode
    direction: Direction
    depth: int
    nodes: tuple[LineageNode, ...]  # the start first
    edges: tuple[LineageEdge, ...]
    truncated: bool  # the walk stopped at max_nodes / max_edges before reaching `depth`
    max_nodes: int
    max_edges: int


# --- Cypher -----------------------------------------------------------------------------------------

_NODE_COLUMNS: LiteralString = (
    "labels(m) AS labels, m.key AS node_key, m.name AS name, m.display_label AS display_label, m.host AS host, "
    "m.sobject AS sobject, m.kind AS integration_kind, m.org_key AS org_key, "
    "CASE WHEN m:Field THEN " + effective_category("m") + " END AS category, "
    "CASE WHEN m:Field THEN " + effective_sensitive("m") + " END AS sensitive "
)
_LIVE_NODE: LiteralString = (
    "m.retired_at IS NULL AND (m:Field OR m:SObject OR m:System OR m:Integration)"
)
ONE_NODE: LiteralString = (
    "CALL () { "
    "  MATCH (m:Field {key: $key}) RETURN m UNION ALL MATCH (m:SObject {key: $key}) RETURN m "
    "  UNION ALL MATCH (m:System {key: $key}) RETURN m UNION ALL MATCH (m:Integration {key: $key}) RETURN m } "
    "WITH m WHERE " + _LIVE_NODE + " RETURN " + _NODE_COLUMNS
)
_FRONTIER: LiteralString = (
    "CALL () { "
    "  UNWIND $fields AS k MATCH (n:Field {key: k}) RETURN n "
    "  UNION ALL UNWIND $objects AS k MATCH (n:SObject {key: k}) RETURN n "
    "  UNION ALL UNWIND $systems AS k MATCH (n:System {key: k}) RETURN n "
    "  UNION ALL UNWIND $integrations AS k MATCH (n:Integration {key: k}) RETURN n } "
)
# One query a hop for both directions: each frontier node is walked downstream if in $downstream, upstream if in
# $upstream (the start is in both); `sign` says which. A field leads to its object either way, and the start object
# to those of its fields with lineage of their own.
_DIRECTIONS: LiteralString = (
    "UNWIND [s IN [1, -1] WHERE (s = 1 AND n.key IN $downstream) OR (s = -1 AND n.key IN $upstream)] AS sign "
)
_HOP_STEP: LiteralString = (
    "CALL (n) { "
    "  WITH n WHERE n.key IN $downstream MATCH (n)-[r:FLOWS_TO|WRITES|SENDS_TO]->(m) RETURN r, m, 1 AS sign "
    "  UNION ALL WITH n WHERE n.key IN $downstream MATCH (n)<-[r:READS]-(m:Integration) RETURN r, m, 1 AS sign "
    "  UNION ALL WITH n WHERE n.key IN $downstream MATCH (n:SObject)<-[r:ACCESSED]-(m) "
    "    WHERE m:Integration OR m:System RETURN r, m, 1 AS sign "
    "  UNION ALL WITH n WHERE n.key IN $upstream MATCH (n)<-[r:FLOWS_TO|WRITES|SENDS_TO]-(m) RETURN r, m, -1 AS sign "
    "  UNION ALL WITH n WHERE n.key IN $upstream MATCH (n:Integration)-[r:READS]->(m) RETURN r, m, -1 AS sign "
    "  UNION ALL WITH n WHERE n.key IN $upstream MATCH (n)-[r:ACCESSED]->(m:SObject) "
    "    WHERE n:Integration OR n:System RETURN r, m, -1 AS sign "
    "  UNION ALL " + _DIRECTIONS + "MATCH (n:Field)<-[r:HAS_FIELD]-(m:SObject) RETURN r, m, sign "
    "  UNION ALL " + _DIRECTIONS + "MATCH (n:SObject {key: $start})-[r:HAS_FIELD]->(m:Field) "
    "    WHERE EXISTS { (m)-[x:FLOWS_TO]-() WHERE x.retired_at IS NULL } "
    "       OR EXISTS { (m)<-[x:READS|WRITES]-() WHERE x.retired_at IS NULL } RETURN r, m, sign "
    "} "
)
_HOP_RESULT: LiteralString = (
    "WITH n, r, m, sign WHERE r.retired_at IS NULL AND " + _LIVE_NODE + " "
    "OPTIONAL MATCH (via:Integration {key: r.via}) "
    "RETURN sign, n.key AS from_key, startNode(r).key AS stored_source, type(r) AS rel, "
    "  coalesce(r.key, elementId(r)) AS edge_key, r.evidence AS evidence, r.via AS via, via.name AS via_name, "
    "  via.kind AS via_kind, r.consent_checked AS consent_checked, r.opt_out_checked AS opt_out_checked, "
    "  r.consent_check AS consent_check, " + _NODE_COLUMNS +
    "ORDER BY edge_key, sign LIMIT $limit"
)
HOP: LiteralString = _FRONTIER + _HOP_STEP + _HOP_RESULT

# A field's `Object.Field` holds the text in its name or label (the text index on `search_text` finds those), in its
# object's name (the object's fields), or across the dot (names starting with what follows it: $after_dot).
_SEARCHED_FIELDS: LiteralString = (
    "CALL () { MATCH (m:Field) WHERE m.search_text CONTAINS $text RETURN m "
    "  UNION MATCH (o:SObject) WHERE (toLower(o.name) + '.') CONTAINS $text "
    "    MATCH (m:Field) USING INDEX m:Field(org_key, sobject, name) "
    "    WHERE m.org_key = o.org_key AND m.sobject = o.name AND m.name IS NOT NULL RETURN m "
    "  UNION MATCH (m:Field) WHERE m.search_text STARTS WITH $after_dot RETURN m } "
)
# Fields named or labelled exactly so, sought apart: among thousands holding the text they would not all fit the LIMIT.
_EXACT_FIELDS: LiteralString = (
    "CALL () { MATCH (m:Field) WHERE m.search_text STARTS WITH $text + '\\n' RETURN m "
    "  UNION MATCH (m:Field) WHERE m.search_text ENDS WITH '\\n' + $text RETURN m } "
    "WITH m WHERE m.retired_at IS NULL RETURN m LIMIT $limit "
)
SEARCH: LiteralString = (
    "CALL () { "
    "  " + _EXACT_FIELDS + "UNION ALL "
    "  " + _SEARCHED_FIELDS + "WITH m WHERE m.retired_at IS NULL "
    "    AND (toLower(m.sobject + '.' + m.name) CONTAINS $text "
    "    OR toLower(coalesce(m.display_label, '')) CONTAINS $text) RETURN m LIMIT $limit "
    "  UNION ALL MATCH (m:SObject) WHERE m.retired_at IS NULL AND NOT coalesce(m.placeholder, false) "
    "    AND (toLower(m.name) CONTAINS $text OR toLower(coalesce(m.display_label, '')) CONTAINS $text) "
    "    RETURN m LIMIT $limit "
    "  UNION ALL MATCH (m:System) WHERE m.retired_at IS NULL AND (toLower(m.host) CONTAINS $text "
    "    OR toLower(coalesce(m.name, '')) CONTAINS $text) RETURN m LIMIT $limit "
    "  UNION ALL MATCH (m:Integration) WHERE m.retired_at IS NULL AND toLower(m.name) CONTAINS $text "
    "    RETURN m LIMIT $limit } "
    "RETURN " + _NODE_COLUMNS
)


# --- queries ----------------------------------------------------------------------------------------


def node_of(graph: Graph, key: str) -> LineageNode | None:
    """The live object, field, system or integration of that key; None for any other key."""
    if key.split(":", 1)[0] not in _KIND_OF_PREFIX:
        return None
    rows = graph.read(ONE_NODE, key=key)
    return _node(rows[0], hop=0) if rows else None


def find_nodes(graph: Graph, text: str, limit: int = 20) -> tuple[LineageNode, ...]:
    """Live fields (by Object.Field or label), objects, systems (host or name) and integrations whose name holds
    `text` in any case; exact names first, then the shortest, at most `limit`."""
    wanted = text.strip().lower()
    if not wanted:
        return ()
    after_dot = wanted.partition(".")[2] or None
    rows = graph.read(SEARCH, text=wanted, after_dot=after_dot, limit=limit)
    found = list({node.key: node for node in (_node(row, hop=0) for row in rows)}.values())
    found.sort(key=lambda node: (node.name.lower() != wanted and (node.label or "").lower() != wanted,
                                 len(node.name), node.name))
    return tuple(found[:limit])


def lineage_of(graph: Graph, node_key: str, direction: Direction, depth: int, *, max_nodes: int = MAX_NODES,
               max_edges: int = MAX_EDGES) -> Lineage | None:
    """The node's lineage `depth` hops up, down or both ways; None when no live node has that key."""
    if not MIN_DEPTH <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be {MIN_DEPTH} to {MAX_DEPTH}, not {depth}")
    start = node_of(graph, node_key)
    if start is None:
        return None
    walk = _Walk(graph, start, max_nodes, max_edges)
    walk.run(depth, _SIGNS[Direction(direction)])
    return Lineage(start=start, direction=Direction(direction), depth=depth, nodes=tuple(walk.nodes.values()),
                   edges=tuple(walk.edges.values()), truncated=walk.truncated, max_nodes=max_nodes,
                   max_edges=max_edges)


@dataclass
class _Walk:
    """One breadth-first walk's state: what was seen, within the node and edge budget."""

    graph: Graph
    start: LineageNode
    max_nodes: int
    max_edges: int
    nodes: dict[str, LineageNode] = field(default_factory=dict)
    edges: dict[str, LineageEdge] = field(default_factory=dict)
    truncated: bool = False

    def __post_init__(self) -> None:
        self.nodes[self.start.key] = self.start

    def run(self, depth: int, signs: tuple[int, ...]) -> None:
        frontiers = {sign: [self.start] for sign in signs}
        seen = {sign: {self.start.key} for sign in signs}  # per direction: a node upstream may be met again downstream
        for hop in range(1, depth + 1):
            if not any(frontiers.values()) or self.truncated:
                return
            budget = self.max_edges - len(self.edges)
            rows = self.graph.read(HOP, start=self.start.key, limit=budget + 1,
                                   upstream=[node.key for node in frontiers.get(-1, [])],
                                   downstream=[node.key for node in frontiers.get(1, [])],
                                   **_by_label(_distinct(frontiers.values())))
            frontiers = self._take(rows[:budget], hop, seen)
            if len(rows) > budget:
                self.truncated = True

    def _take(self, rows: list[Any], hop: int, seen: dict[int, set[str]]) -> dict[int, list[LineageNode]]:
        reached: dict[int, list[LineageNode]] = {sign: [] for sign in seen}
        for row in rows:
            sign = row["sign"]
            node = self.nodes.get(row["node_key"])
            if node is None:
                if len(self.nodes) >= self.max_nodes:
                    self.truncated = True
                    continue
                node = self.nodes[row["node_key"]] = _node(row, hop * sign)
            if node.key not in seen[sign]:
                seen[sign].add(node.key)
                reached[sign].append(node)
            edge = _edge(row, self.nodes[row["from_key"]], node)
            self.edges.setdefault(edge.key, edge)
        return reached


def _distinct(frontiers: Iterable[list[LineageNode]]) -> list[LineageNode]:
    return list({node.key: node for frontier in frontiers for node in frontier}.values())


def _by_label(frontier: Iterable[LineageNode]) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {parameter: [] for parameter in _FRONTIER_PARAMETER.values()}
    for node in frontier:
        keys[_FRONTIER_PARAMETER[node.kind]].append(node.key)
    return keys


def _node(row: Any, hop: int) -> LineageNode:
    kind = next(_KIND_OF_LABEL[label] for label in row["labels"] if label in _KIND_OF_LABEL)
    name = row["name"] or row["host"] or row["node_key"]
    if kind is NodeKind.FIELD:
        return LineageNode(key=row["node_key"], kind=kind, name=f"{row['sobject']}.{name}",
                           label=row["display_label"], org_key=row["org_key"], hop=hop, sobject=row["sobject"],
                           field_name=name, ccpa_category=row["category"], sensitive=bool(row["sensitive"]))
    if kind is NodeKind.SYSTEM:
        return LineageNode(key=row["node_key"], kind=kind, name=row["host"] or name, label=row["name"],
                           org_key=None, hop=hop)
    return LineageNode(key=row["node_key"], kind=kind, name=name, label=row["display_label"],
                       org_key=row["org_key"], hop=hop, sobject=name if kind is NodeKind.OBJECT else None,
                       integration_kind=row["integration_kind"])


def _edge(row: Any, walked_from: LineageNode, reached: LineageNode) -> LineageEdge:
    """The edge as the data moves: READS, ACCESSED and HAS_FIELD run from the stored target to the stored source."""
    rel = row["rel"]
    stored_source, stored_target = ((walked_from, reached) if row["stored_source"] == walked_from.key
                                    else (reached, walked_from))
    source, target = ((stored_target, stored_source) if rel in (Rel.READS, Rel.ACCESSED, Rel.HAS_FIELD)
                      else (stored_source, stored_target))
    return LineageEdge(key=row["edge_key"], source=source.key, target=target.key, relationship=rel,
                       known_from=_known_from(rel, row["via_kind"], walked_from, reached),
                       evidence=row["evidence"], via=row["via"], via_name=row["via_name"],
                       consent_checked=row["consent_checked"], opt_out_checked=row["opt_out_checked"],
                       consent_check=row["consent_check"])


def _known_from(rel: str, via_kind: str | None, *ends: LineageNode) -> str:
    if rel == Rel.HAS_FIELD:
        return "schema"
    if rel == Rel.ACCESSED:
        return "event log"
    kind = via_kind or next((end.integration_kind for end in ends if end.kind is NodeKind.INTEGRATION), None)
    return KNOWN_FROM.get(kind or "", kind or "harvest")


__all__ = ["KNOWN_FROM", "MAX_DEPTH", "MAX_EDGES", "MAX_NODES", "MIN_DEPTH", "Direction", "Lineage",
           "LineageEdge", "LineageNode", "NodeKind", "find_nodes", "lineage_of", "node_of"]
