"""Provenance over time: what a full harvest no longer sees is retired (`retired_at`), never deleted.

A node or edge belongs to the org whose writer last stamped it (`org_key`) and remembers the run that
last saw it (`run_id`). After a FULL run of a scope has landed completely, every node and edge of that
org in the scope whose `run_id` is another run's gets `retired_at`; the next run that sees it clears it.
Shared nodes (a `System` reached by two orgs, a `Subject`) belong to whichever org saw them last.

What the event logs and the audit trail record is history, not state: no scope retires `ACCESSED`
or `AUTHORISED_BY` edges, `User` nodes or `ConfigurationChange` nodes (Salesforce keeps logs for 30
days; a use or a change that rolled off them still happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from neo4j import ManagedTransaction

from lineage.graph import Graph
from lineage.vocabulary import Label, Rel

RETIRE_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class HarvestScope:
    """What one kind of full run is responsible for: the labels and relationship types it rewrites entirely."""

    name: str
    labels: frozenset[Label]
    rels: frozenset[Rel]

    def __or__(self, other: HarvestScope) -> HarvestScope:
        return HarvestScope(f"{self.name}+{other.name}", self.labels | other.labels, self.rels | other.rels)


SCHEMA = HarvestScope(
    "schema", frozenset({Label.SOBJECT, Label.FIELD}), frozenset({Rel.HAS_OBJECT, Rel.HAS_FIELD, Rel.REFERENCES})
)
INTEGRATIONS = HarvestScope(
    "integrations",
    frozenset({Label.INTEGRATION, Label.SYSTEM}),
    frozenset({Rel.READS, Rel.WRITES, Rel.SENDS_TO, Rel.FLOWS_TO, Rel.GATED_BY}),
)
CONSENTS = HarvestScope(
    "consents", frozenset({Label.SUBJECT, Label.PURPOSE}), frozenset({Rel.HAS_RECORD, Rel.CONSENTED})
)
FULL_HARVEST = HarvestScope("full", (SCHEMA | INTEGRATIONS | CONSENTS).labels, (SCHEMA | INTEGRATIONS | CONSENTS).rels)


@dataclass(frozen=True)
class RetirementReport:
    nodes: dict[Label, int] = field(default_factory=dict)
    edges: dict[Rel, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.nodes.values()) + sum(self.edges.values())


def retire_unseen(
    graph: Graph, *, org_key: str, scope: HarvestScope, run_id: str, now: datetime,
    batch_size: int = RETIRE_BATCH_SIZE,
) -> RetirementReport:
    """Stamp `retired_at = now` on the org's live nodes and edges in `scope` that run `run_id` did not touch.

    Call it only once a full run has landed every chunk; an incremental run must never call it.
    """
    nodes = {label: _in_batches(graph, _retire_nodes_statement(label), org_key, run_id, now, batch_size)
             for label in sorted(scope.labels)}
    edges: dict[Rel, int] = {rel: _in_batches(graph, _retire_edges_statement(rel), org_key, run_id, now, batch_size)
             for rel in sorted(scope.rels) if rel is not Rel.ACCESSED}
    return RetirementReport(nodes=nodes, edges=edges)


def purge_org(graph: Graph, org_key: str, *, batch_size: int = RETIRE_BATCH_SIZE) -> int:
    """Hard-delete every node and edge stamped with `org_key`: only for an org disconnected for good,
    or test and benchmark data. Harvests never call it (they retire instead)."""
    deleted = 0
    for rel in Rel:
        deleted += _delete_in_batches(graph, _purge_edges_statement(rel), org_key, batch_size)
    for label in Label:
        deleted += _delete_in_batches(graph, _purge_nodes_statement(label), org_key, batch_size)
    return deleted


def _in_batches(graph: Graph, statement: str, org_key: str, run_id: str, now: datetime, batch_size: int) -> int:
    total = 0
    while True:
        def work(tx: ManagedTransaction) -> int:
            record = tx.run(statement, org_key=org_key, run_id=run_id, now=now, limit=batch_size).single(strict=True)
            return int(record["changed"])

        changed = graph.write_transaction(work)
        total += changed
        if changed < batch_size:
            return total


def _delete_in_batches(graph: Graph, statement: str, org_key: str, batch_size: int) -> int:
    total = 0
    while True:
        def work(tx: ManagedTransaction) -> int:
            return int(tx.run(statement, org_key=org_key, limit=batch_size).single(strict=True)["changed"])

        changed = graph.write_transaction(work)
        total += changed
        if changed < batch_size:
            return total


@cache
def _retire_nodes_statement(label: Label) -> str:
    return (
        f"MATCH (n:{Label(label).value}) "
        "WHERE n.org_key = $org_key AND n.run_id <> $run_id AND n.retired_at IS NULL "
        "WITH n LIMIT $limit SET n.retired_at = $now RETURN count(n) AS changed"
    )


@cache
def _retire_edges_statement(rel: Rel) -> str:
    return (
        f"MATCH ()-[r:{Rel(rel).value}]->() "
        "WHERE r.org_key = $org_key AND r.run_id <> $run_id AND r.retired_at IS NULL "
        "WITH r LIMIT $limit SET r.retired_at = $now RETURN count(r) AS changed"
    )


@cache
def _purge_nodes_statement(label: Label) -> str:
    return (
        f"MATCH (n:{Label(label).value}) WHERE n.org_key = $org_key "
        "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS changed"
    )


@cache
def _purge_edges_statement(rel: Rel) -> str:
    return (
        f"MATCH ()-[r:{Rel(rel).value}]->() WHERE r.org_key = $org_key "
        "WITH r LIMIT $limit DELETE r RETURN count(*) AS changed"
    )
