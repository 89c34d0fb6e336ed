"""Persist harvested records: batched `UNWIND … MERGE` in managed transactions, every write stamped.

Each node and edge a writer touches gets `first_seen` (on creation), `last_seen`, `run_id` and
`retired_at = null` (a retired node seen again is revived). The writer's `org_key` is its provenance
scope (`org:<id>` for an org's harvests, `org:<id>:openlineage`, `org:openlineage`):

- a node of one org (SObject, Field, Integration, …: its key names the org) gets `org_key`;
- a shared node (`SHARED_LABELS`: System, Subject) gets an observation of the scope instead: the scope in
  `observed_by` and the run in `observed_runs` (at the same position), so one scope's full run retires its
  own observation, never another's (`lineage.provenance`);
- an edge is merged on its key AND `org_key`: two scopes asserting the same edge get one edge each, and
  neither takes over (or retires) the other's.

Writing the same records twice changes nothing but `last_seen`, `run_id` and `observed_runs`.

Labels and relationship types cannot be Cypher parameters, so statements are built here from
`Label` and `Rel` members only — never from a record's data, which always travels as parameters.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from lineage.graph import Graph
from lineage.provenance import HarvestScope, RetirementReport, retire_unseen
from lineage.records import (
    AccessEdge,
    EdgeRecord,
    HarvestRunRecord,
    HasRecordEdge,
    HasRunEdge,
    NodeRecord,
    PropertyValue,
    org_key,
)
from lineage.vocabulary import SHARED_LABELS, Label, Rel

# Measured with benchmarks/lineage_writes.py (see benchmarks/README.md): 2,000 rows a batch was at or
# near the top in every run; 5,000-10,000 fell to 40-90% of it on a loaded machine with a 768 MiB heap.
DEFAULT_BATCH_SIZE = 2_000
# Edges of one consumer, ending in nodes a million consumers share (their object, a purpose). A MERGE of such an
# edge may read every edge of the shared node when its plan was made on a smaller graph: one chunk of 2,000
# consumers took 8.4 minutes of a 1,000,000-consumer org's task (benchmarks/consent_ranges.py), the next 12 s.
# IDENTIFIES likewise: a plan made while the index was empty read every IDENTIFIES edge for each row (chunk two of
# a 10,000-consumer org's consents took minutes on one statement; benchmarks/identifiers.py).
CONSUMER_RELS = frozenset({Rel.HAS_RECORD, Rel.CONSENTED, Rel.IDENTIFIES})

Row = dict[str, Any]
EdgeShape = tuple[Rel, Label, Label]
Work = tuple[str, list[Row], Rel | None]  # a statement, its rows, and the relationship it writes (None: nodes)
T = TypeVar("T")
S = TypeVar("S", bound=Hashable)

# Absent properties (`None`) are only removed from an existing node or edge: on creation there is nothing to
# remove, and setting nulls on a new node costs the engine about a third of its write throughput.
_MATCHED_NODE = "ON MATCH SET n += row.cleared, n.retired_at = null"
_STAMP_NODE = "SET n += row.props, n.last_seen = $now, n.run_id = $run_id, n.org_key = $org_key"
_OWN_NODE = f"ON CREATE SET n.first_seen = $now {_MATCHED_NODE} {_STAMP_NODE}"
# A shared node records the scope's observation: its run replaces the scope's earlier one (runs are computed
# before `observed_by` changes), and a scope that had retired its observation no longer counts as retired.
_OBSERVE_SHARED_NODE = (
    "ON CREATE SET n.first_seen = $now, n.observed_by = [$org_key], n.observed_runs = [$run_id] "
    "ON MATCH SET n += row.cleared, n.retired_at = null, n.org_key = null, "
    "  n.observed_runs = CASE WHEN $org_key IN n.observed_by "
    "    THEN [i IN range(0, size(n.observed_by) - 1) | "
    "          CASE WHEN n.observed_by[i] = $org_key THEN $run_id ELSE n.observed_runs[i] END] "
    "    ELSE coalesce(n.observed_runs, []) + $run_id END, "
    "  n.observed_by = CASE WHEN $org_key IN n.observed_by THEN n.observed_by "
    "    ELSE coalesce(n.observed_by, []) + $org_key END, "
    "  n.retired_by = CASE WHEN all(s IN coalesce(n.retired_by, []) WHERE s = $org_key) THEN null "
    "    ELSE [s IN n.retired_by WHERE s <> $org_key] END "
    "SET n += row.props, n.last_seen = $now, n.run_id = $run_id"
)
_MATCHED_EDGE = "ON MATCH SET r += row.cleared, r.retired_at = null"
_STAMP_EDGE = "SET r += row.props, r.last_seen = $now, r.run_id = $run_id, r.org_key = $org_key"


@dataclass(frozen=True)
class WriteReport:
    rows: int = 0
    written: int = 0
    transactions: int = 0
    # Edges not written because an endpoint is not in the graph, by relationship type (reported on the run).
    skipped_by_rel: Mapping[str, int] = field(default_factory=dict)

    @property
    def skipped(self) -> int:
        """Edges not written because an endpoint is not in the graph (write nodes before edges)."""
        return self.rows - self.written

    def __add__(self, other: WriteReport) -> WriteReport:
        return WriteReport(
            self.rows + other.rows, self.written + other.written, self.transactions + other.transactions,
            dict(Counter(self.skipped_by_rel) + Counter(other.skipped_by_rel)),
        )


class GraphWriter:
    """Writes one run's records for one org (`org_key` is the scope that `retire_unseen` later sweeps)."""

    def __init__(
        self, graph: Graph, run_id: str, org_key: str, now: datetime, *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.graph = graph
        self.run_id = run_id
        self.org_key = org_key
        self.now = now
        self.batch_size = batch_size

    def write_nodes(self, records: Iterable[NodeRecord]) -> WriteReport:
        """Write nodes in batches of `batch_size` rows, one transaction each (streams; never holds all rows)."""
        report = WriteReport()
        for label, rows in _batches_by(records, _node_shape, _node_row, self.batch_size):
            report += self._transaction([(node_statement(label), rows, None)])
        return report

    def write_edges(self, edges: Iterable[EdgeRecord]) -> WriteReport:
        """Write edges in batches, one transaction each; an edge whose endpoint is missing is skipped."""
        report = WriteReport()
        for shape, rows in _batches_by(edges, _edge_shape, _edge_row, self.batch_size):
            report += self._transaction(_edge_work(shape, rows))
        return report

    def write_chunk(self, nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord]) -> WriteReport:
        """Write a harvest chunk's nodes then edges in ONE transaction: it lands whole or not at all."""
        work: list[Work] = [(node_statement(label), rows, None)
                            for label, rows in _batches_by(nodes, _node_shape, _node_row, self.batch_size)]
        for shape, rows in _batches_by(edges, _edge_shape, _edge_row, self.batch_size):
            work += _edge_work(shape, rows)
        return self._transaction(work)

    def retire_unseen(self, scope: HarvestScope) -> RetirementReport:
        """After a FULL run: retire what this org's earlier runs wrote in `scope` and this run did not see."""
        return retire_unseen(self.graph, org_key=self.org_key, scope=scope, run_id=self.run_id, now=self.now)

    def write_run(self, run: HarvestRunRecord) -> WriteReport:
        """Write a harvest run's node and its org's HAS_RUN edge in one transaction (the Org node is created,
        bare, if the org has none yet). Write it when the run starts and again when it finishes."""
        if (run.run_id, org_key(run.org_id)) != (self.run_id, self.org_key):
            raise ValueError("a run's node is written by a writer of that run and its org")
        edge = HasRunEdge(source=run.org_ref, target=run.ref, evidence=run.evidence)
        return self._transaction([
            (_ENSURE_ORG, [{"key": self.org_key, "evidence": run.evidence}], None),
            (node_statement(Label.HARVEST_RUN), [_node_row(run)], None),
            (edge_statement(Rel.HAS_RUN, Label.ORG, Label.HARVEST_RUN), [_edge_row(edge)], Rel.HAS_RUN),
        ])

    def _transaction(self, work: Sequence[Work]) -> WriteReport:
        if not work:
            return WriteReport()
        stamp: dict[str, Any] = {"now": self.now, "run_id": self.run_id, "org_key": self.org_key}

        def run(tx: ManagedTransaction) -> list[int]:
            return [int(tx.run(statement, rows=rows, **stamp).single(strict=True)["written"])
                    for statement, rows, _ in work]

        written = self.graph.write_transaction(run)
        skipped: Counter[str] = Counter()
        for (_, rows, rel), count in zip(work, written, strict=True):
            if rel is not None and len(rows) > count:
                skipped[rel.value] += len(rows) - count
        return WriteReport(rows=sum(len(rows) for _, rows, _ in work), written=sum(written), transactions=1,
                           skipped_by_rel=dict(skipped))


# --- statements (built from the vocabulary only) ----------------------------------------------------


def node_statement(label: Label) -> str:
    return _node_statement(vocabulary_label(label))


def edge_statement(rel: Rel, source: Label, target: Label) -> str:
    return _edge_statement(vocabulary_rel(rel), vocabulary_label(source), vocabulary_label(target))


# Cached after the type checks above: a plain str equal to a member would otherwise hit the cache.
@cache
def _node_statement(label: Label) -> str:
    stamps = _OBSERVE_SHARED_NODE if label in SHARED_LABELS else _OWN_NODE
    states = _KEEP_INTEGRATION_STATE if label is Label.INTEGRATION else ""
    return (f"UNWIND $rows AS row MERGE (n:{label.value} {{key: row.key}}) {stamps} {states}"
            "RETURN count(n) AS written")


# An integration's attributes change in place (a manifest turns consent_checked on, a class its sharing): each
# distinct set it has had is an IntegrationState with first_seen and retired_at, so a record as of a past date reads
# the attributes of then. The live state is renewed while the node says the same; a change retires it and starts
# another (one started at this same moment is rewritten instead). Evidence and stamps are not attributes.
# What an OpenLineage event stamps on its job at every event: a state per event would be a history of events, not of
# what the job does, so these stay on the node only.
UNVERSIONED_ATTRIBUTES = ("last_event_type", "last_event_time", "openlineage_run_id")
_STATE_META = ("['key', 'integration_key', 'evidence', 'first_seen', 'last_seen', 'run_id', 'retired_at', 'org_key', "
               + ", ".join(f"'{name}'" for name in UNVERSIONED_ATTRIBUTES) + "]")
_KEEP_INTEGRATION_STATE = (
    "WITH n CALL (n) { "
    "  OPTIONAL MATCH (s:IntegrationState {integration_key: n.key}) WHERE s.retired_at IS NULL "
    f"  WITH n, s, {_STATE_META} AS meta "
    "  WITH n, s, s IS NOT NULL AND all(k IN keys(n) WHERE k IN meta OR s[k] = n[k]) "
    "    AND all(k IN keys(s) WHERE k IN meta OR n[k] IS NOT NULL) AS same "
    "  FOREACH (_ IN CASE WHEN same THEN [1] ELSE [] END | SET s.last_seen = $now, s.run_id = $run_id) "
    "  FOREACH (_ IN CASE WHEN NOT same AND s.first_seen < $now THEN [1] ELSE [] END | SET s.retired_at = $now) "
    "  WITH n, same WHERE NOT same "
    "  MERGE (t:IntegrationState {key: n.key + '@' + toString($now)}) "
    "  SET t = properties(n) "
    "  REMOVE " + ", ".join(f"t.{name}" for name in UNVERSIONED_ATTRIBUTES) + " "
    "  SET t.key = n.key + '@' + toString($now), t.integration_key = n.key, t.first_seen = $now, "
    "    t.last_seen = $now, t.run_id = $run_id, t.org_key = $org_key "
    "} "
)


# An org's node as its runs first know it: only its key (a schema chunk writes the rest).
_ENSURE_ORG = (
    "UNWIND $rows AS row MERGE (n:Org {key: row.key}) "
    "ON CREATE SET n.first_seen = $now, n.last_seen = $now, n.run_id = $run_id, n.org_key = $org_key, "
    "  n.evidence = row.evidence "
    "RETURN count(n) AS written"
)


@cache
def _edge_statement(rel: Rel, source: Label, target: Label) -> str:
    if rel in CONSUMER_RELS:
        return _consumer_edge(rel, source, target) + (
            _UNION_RECORD_IDS if rel is Rel.HAS_RECORD else f"{_STAMP_EDGE} RETURN count(r) AS written")
    match = (
        "UNWIND $rows AS row "
        f"MATCH (a:{source.value} {{key: row.source}}) "
        f"MATCH (b:{target.value} {{key: row.target}}) "
        # Keyed by scope too: another scope writing the same edge gets its own, so none takes over another's.
        f"MERGE (a)-[r:{rel.value} {{key: row.key, org_key: $org_key}}]->(b) "
    )
    if rel is Rel.ACCESSED:
        return match + _ACCUMULATE_ACCESS
    return match + f"ON CREATE SET r.first_seen = $now {_MATCHED_EDGE} {_STAMP_EDGE} RETURN count(r) AS written"


def _consumer_edge(rel: Rel, source: Label, target: Label) -> str:
    """A consumer's edge, found by its key through the scope's index and created when absent (never MERGEd:
    see `CONSUMER_RELS`). Writing the subject first takes its lock, so two writers of one subject take turns."""
    return (
        "UNWIND $rows AS row "
        f"MATCH (a:{source.value} {{key: row.source}}) "
        f"MATCH (b:{target.value} {{key: row.target}}) "
        "SET a.last_seen = a.last_seen "
        "WITH a, b, row "
        f"OPTIONAL MATCH ()-[found:{rel.value}]->() USING INDEX found:{rel.value}(org_key, key) "
        "WHERE found.org_key = $org_key AND found.key = row.key "
        "CALL (a, b, row, found) { "
        "  WITH found WHERE found IS NOT NULL SET found += row.cleared, found.retired_at = null RETURN found AS r "
        "  UNION "
        "  WITH a, b, row, found WHERE found IS NULL "
        f"  CREATE (a)-[made:{rel.value} {{key: row.key, org_key: $org_key}}]->(b) SET made.first_seen = $now "
        "  RETURN made AS r "
        "} "
    )


# Counts add up once per event-log file (its evidence), so re-reading a file changes nothing.
_ACCUMULATE_ACCESS = (
    "ON CREATE SET r.first_seen = $now, r.requests = 0, r.rows = 0, r.log_files = [] "
    f"{_MATCHED_EDGE} {_STAMP_EDGE} "
    "FOREACH (_ IN CASE WHEN row.props.evidence IN r.log_files THEN [] ELSE [1] END | "
    "  SET r.requests = r.requests + row.requests, r.rows = r.rows + row.rows, "
    "      r.first_accessed_at = CASE WHEN r.first_accessed_at IS NULL OR row.first_accessed_at < r.first_accessed_at "
    "                                 THEN row.first_accessed_at ELSE r.first_accessed_at END, "
    "      r.last_accessed_at = CASE WHEN r.last_accessed_at IS NULL OR row.last_accessed_at > r.last_accessed_at "
    "                                THEN row.last_accessed_at ELSE r.last_accessed_at END, "
    "      r.log_files = r.log_files + row.props.evidence) "
    "RETURN count(r) AS written"
)

# A subject's record ids arrive in many chunks of one run: add them up within the run, start afresh in the next.
_UNION_RECORD_IDS = (
    "SET r.record_ids = CASE WHEN r.run_id = $run_id "
    "  THEN reduce(ids = coalesce(r.record_ids, []), id IN row.record_ids | "
    "              CASE WHEN id IN ids THEN ids ELSE ids + id END) "
    "  ELSE row.record_ids END "
    f"{_STAMP_EDGE} "
    "RETURN count(r) AS written"
)


# A source writes a subject's identifiers whole: those of its earlier runs it no longer names stop identifying the
# subject at once (an email changed in an incremental run no longer finds them), not only at a full run's end.
_RETIRE_REPLACED_IDENTIFIERS = (
    "UNWIND $rows AS row WITH DISTINCT row.target AS subject "
    "MATCH (:Identifier)-[r:IDENTIFIES]->(:Subject {key: subject}) "
    "WHERE r.org_key = $org_key AND r.run_id <> $run_id AND r.retired_at IS NULL "
    "SET r.retired_at = $now "
    "WITH count(r) AS retired RETURN 0 AS written"
)


def vocabulary_label(label: Label) -> Label:
    if not isinstance(label, Label):
        raise TypeError(f"node labels come only from lineage.Label, not {label!r}")
    return label


def vocabulary_rel(rel: Rel) -> Rel:
    if not isinstance(rel, Rel):
        raise TypeError(f"relationship types come only from lineage.Rel, not {rel!r}")
    return rel


# --- rows -------------------------------------------------------------------------------------------


def _node_shape(record: NodeRecord) -> Label:
    return record.label


def _node_row(record: NodeRecord) -> Row:
    return {"key": record.key, **_split(record.properties())}


def _edge_shape(edge: EdgeRecord) -> EdgeShape:
    return (edge.rel, edge.source.label, edge.target.label)


def _edge_row(edge: EdgeRecord) -> Row:
    props = edge.properties()
    row: Row = {"key": edge.key, "source": edge.source.key, "target": edge.target.key}
    if isinstance(edge, AccessEdge):
        for name in ("requests", "rows", "first_accessed_at", "last_accessed_at"):
            row[name] = props.pop(name)
    elif isinstance(edge, HasRecordEdge):
        row["record_ids"] = props.pop("record_ids")
    return {**row, **_split(props)}


def _edge_work(shape: EdgeShape, rows: list[Row]) -> list[Work]:
    work: Work = (edge_statement(*shape), _distinct(rows) if shape[0] in CONSUMER_RELS else rows, shape[0])
    if shape[0] is Rel.IDENTIFIES:
        return [work, (_RETIRE_REPLACED_IDENTIFIERS, rows, None)]
    return [work]


def _distinct(rows: list[Row]) -> list[Row]:
    """One row an edge: a consumer's edge is created, not merged, so a batch naming it twice would create it twice.
    A repeat's record ids add up; its other properties are the later row's."""
    by_key: dict[str, Row] = {}
    for row in rows:
        earlier = by_key.get(row["key"])
        if earlier is not None and "record_ids" in row:
            row = {**row, "record_ids": list(dict.fromkeys([*earlier["record_ids"], *row["record_ids"]]))}
        by_key[row["key"]] = row
    return list(by_key.values())


def _split(props: dict[str, PropertyValue]) -> Row:
    """Values to set, and the names whose value is `None` (to remove from a node or edge that has them)."""
    return {
        "props": {name: value for name, value in props.items() if value is not None},
        "cleared": {name: None for name, value in props.items() if value is None},
    }


def _batches_by(
    items: Iterable[T], shape_of: Callable[[T], S], row_of: Callable[[T], Row], batch_size: int
) -> Iterator[tuple[S, list[Row]]]:
    """Group items by shape (label, or rel and endpoint labels) into batches, keeping input order per shape."""
    pending: dict[S, list[Row]] = {}
    for item in items:
        shape = shape_of(item)
        rows = pending.setdefault(shape, [])
        rows.append(row_of(item))
        if len(rows) >= batch_size:
            yield shape, pending.pop(shape)
    yield from pending.items()
