"""Provenance over time: what a full harvest no longer sees is retired (`retired_at`), never deleted.

Writes are stamped with a provenance scope (the writer's `org_key`): `org:<id>` for an org's harvests,
`org:<id>:openlineage` and `org:openlineage` for OpenLineage events. After a FULL run of a `HarvestScope`
(labels and relationship types) has landed completely, what that provenance scope wrote there before and
this run (`run_id`) did not see is retired; the next run that sees it revives it:

- a node of one org (its key names the org: SObject, Field, Integration, Purpose …) carries `org_key`
  and gets `retired_at`;
- a shared node (`SHARED_LABELS`: a System many orgs call, a Subject many orgs hold) carries one
  observation per scope (`observed_by`, with each scope's last run in `observed_runs`): the run retires
  its own scope's observation (the scope moves to `retired_by`), and the node gets `retired_at` only when
  no live observation is left. Another org's harvest, or OpenLineage, keeps it live;
- an edge carries `org_key` and is merged per scope, so it is only ever retired by its own scope.

What the event logs and the audit trail record is history, not state: no scope retires `ACCESSED`
or `AUTHORISED_BY` edges, `User` nodes or `ConfigurationChange` nodes (Salesforce keeps logs for 30
days; a use or a change that rolled off them still happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from neo4j import ManagedTransaction

from lineage.graph import Graph
from lineage.vocabulary import SHARED_LABELS, Label, Rel

RETIRE_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class HarvestScope:
    """What one kind of full run is responsible for: the labels and relationship types it rewrites entirely."""

    name: str
    labels: frozenset[Label]
    rels: frozenset[Rel]
    # Retire only nodes no manifest declared (`declared` not true): what the run's sources alone ever wrote.
    undeclared_only: bool = False

    def __or__(self, other: HarvestScope) -> HarvestScope:
        if self.undeclared_only or other.undeclared_only:
            raise ValueError("a scope of undeclared nodes is not combined with another")
        return HarvestScope(f"{self.name}+{other.name}", self.labels | other.labels, self.rels | other.rels)


SCHEMA = HarvestScope(
    "schema", frozenset({Label.SOBJECT, Label.FIELD}), frozenset({Rel.HAS_OBJECT, Rel.HAS_FIELD, Rel.REFERENCES})
)
INTEGRATIONS = HarvestScope(
    "integrations",
    frozenset({Label.INTEGRATION, Label.SYSTEM}),
    frozenset({Rel.READS, Rel.WRITES, Rel.SENDS_TO, Rel.FLOWS_TO, Rel.GATED_BY, Rel.SERVES, Rel.HAS_SYSTEM}),
)
CONSENTS = HarvestScope(
    "consents", frozenset({Label.SUBJECT, Label.PREFERENCE, Label.IDENTIFIER}),
    frozenset({Rel.HAS_RECORD, Rel.CONSENTED, Rel.IDENTIFIES})
)
# Read from DataUsePurpose by the consents source and declared by manifests: a full run of one source alone
# cannot tell that a purpose both write is gone, so only a run of both retires every purpose (harvesters.runs.SCOPES).
PURPOSES = HarvestScope("purposes", frozenset({Label.PURPOSE}), frozenset())
# A purpose no manifest declares was only ever read from DataUsePurpose, so a full run of the consents alone can
# tell it is gone (a DataUsePurpose deleted, or an opt-out checkbox that an earlier version wrote as a purpose).
READ_PURPOSES = HarvestScope("read purposes", frozenset({Label.PURPOSE}), frozenset(), undeclared_only=True)
_ALL = SCHEMA | INTEGRATIONS | CONSENTS | PURPOSES
FULL_HARVEST = HarvestScope("full", _ALL.labels, _ALL.rels)


@dataclass(frozen=True)
class RetirementReport:
    nodes: dict[Label, int] = field(default_factory=dict)  # nodes retired
    edges: dict[Rel, int] = field(default_factory=dict)  # edges retired
    # Observations of shared nodes retired while another scope still observes the node (it stays live).
    observations: dict[Label, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.nodes.values()) + sum(self.edges.values()) + sum(self.observations.values())


def retire_unseen(
    graph: Graph, *, org_key: str, scope: HarvestScope, run_id: str, now: datetime,
    batch_size: int = RETIRE_BATCH_SIZE,
) -> RetirementReport:
    """Retire what provenance scope `org_key` wrote in `scope` and run `run_id` did not touch: its nodes and
    edges get `retired_at = now`; its observations of shared nodes are retired, and a shared node left with
    none gets `retired_at`.

    Call it only once a full run has landed every chunk; an incremental run must never call it.
    """
    nodes: dict[Label, int] = {}
    observations: dict[Label, int] = {}
    for label in sorted(scope.labels):
        if label in SHARED_LABELS:
            seen, retired = _in_batches(graph, _retire_observations_statement(label), org_key, run_id, now,
                                        batch_size)
            nodes[label], observations[label] = retired, seen - retired
        else:
            statement = _retire_nodes_statement(label, undeclared_only=scope.undeclared_only)
            nodes[label] = _in_batches(graph, statement, org_key, run_id, now, batch_size)[0]
    edges: dict[Rel, int] = {
        rel: _in_batches(graph, _retire_edges_statement(rel), org_key, run_id, now, batch_size)[0]
        for rel in sorted(scope.rels) if rel is not Rel.ACCESSED
    }
    return RetirementReport(nodes=nodes, edges=edges, observations=observations)


def purge_org(graph: Graph, org_key: str, *, batch_size: int = RETIRE_BATCH_SIZE) -> int:
    """Hard-delete every node and edge stamped with provenance scope `org_key`, and its observations of shared
    nodes (a shared node nobody else observes, live or retired, is deleted): only for an org disconnected
    for good, or test and benchmark data. Harvests never call it (they retire instead). Returns how many
    nodes, edges and observations went."""
    deleted = 0
    now = datetime.now(UTC)
    for rel in Rel:
        deleted += _delete_in_batches(graph, _purge_edges_statement(rel), org_key, now, batch_size)
    for label in Label:
        statement = _purge_observations_statement(label) if label in SHARED_LABELS else _purge_nodes_statement(label)
        deleted += _delete_in_batches(graph, statement, org_key, now, batch_size)
    return deleted


def _in_batches(
    graph: Graph, statement: str, org_key: str, run_id: str, now: datetime, batch_size: int
) -> tuple[int, int]:
    """Run a retiring statement until a batch comes back short: how many it changed, and how many it retired."""
    changed_total = retired_total = 0
    while True:
        def work(tx: ManagedTransaction) -> tuple[int, int]:
            record = tx.run(statement, org_key=org_key, run_id=run_id, now=now, limit=batch_size).single(strict=True)
            return int(record["changed"]), int(record.get("retired", record["changed"]))

        changed, retired = graph.write_transaction(work)
        changed_total += changed
        retired_total += retired
        if changed < batch_size:
            return changed_total, retired_total


def _delete_in_batches(graph: Graph, statement: str, org_key: str, now: datetime, batch_size: int) -> int:
    total = 0
    while True:
        def work(tx: ManagedTransaction) -> int:
            return int(tx.run(statement, org_key=org_key, now=now, limit=batch_size).single(strict=True)["changed"])

        changed = graph.write_transaction(work)
        total += changed
        if changed < batch_size:
            return total


# Every edge has a key: saying so lets the engine seek the scope in the (org_key, key) index of its type.
_EDGES_OF_SCOPE = "r.org_key = $org_key AND r.key IS NOT NULL"


@cache
def _retire_nodes_statement(label: Label, *, undeclared_only: bool = False) -> str:
    undeclared = "AND coalesce(n.declared, false) = false " if undeclared_only else ""
    return (
        f"MATCH (n:{Label(label).value}) "
        f"WHERE n.org_key = $org_key AND n.run_id <> $run_id AND n.retired_at IS NULL {undeclared}"
        "WITH n LIMIT $limit SET n.retired_at = $now RETURN count(n) AS changed"
    )


@cache
def _retire_edges_statement(rel: Rel) -> str:
    return (
        f"MATCH ()-[r:{Rel(rel).value}]->() "
        f"WHERE {_EDGES_OF_SCOPE} AND r.run_id <> $run_id AND r.retired_at IS NULL "
        "WITH r LIMIT $limit SET r.retired_at = $now RETURN count(r) AS changed"
    )


# The scope's observation of a shared node that its run `$run_id` did not renew: the scope moves from
# `observed_by` (and its run from `observed_runs`) to `retired_by`; with no live observation left, the node retires.
@cache
def _retire_observations_statement(label: Label) -> str:
    return (
        f"MATCH (n:{Label(label).value}) WHERE $org_key IN n.observed_by "
        "WITH n, [i IN range(0, size(n.observed_by) - 1) WHERE n.observed_by[i] = $org_key][0] AS mine "
        "WHERE n.observed_runs[mine] <> $run_id "
        "WITH n LIMIT $limit "
        f"{_DROP_OBSERVATION} "
        "SET n.retired_by = coalesce(n.retired_by, []) + $org_key, "
        "    n.retired_at = CASE WHEN size(n.observed_by) = 0 THEN $now ELSE n.retired_at END "
        "RETURN count(n) AS changed, count(CASE WHEN size(n.observed_by) = 0 THEN 1 END) AS retired"
    )


# Remove the scope from `observed_by` and its run from `observed_runs` (runs first: they are read by position).
_DROP_OBSERVATION = (
    "WITH n, [i IN range(0, size(coalesce(n.observed_by, [])) - 1) WHERE n.observed_by[i] <> $org_key] AS kept "
    "SET n.observed_runs = [i IN kept | n.observed_runs[i]], n.observed_by = [i IN kept | n.observed_by[i]]"
)


# Forget the scope on a shared node (a node written before observations, stamped `org_key`, counts as observed);
# delete it once no scope observes it, live or retired, and retire it once no live observation is left.
@cache
def _purge_observations_statement(label: Label) -> str:
    return (
        f"MATCH (n:{Label(label).value}) "
        "WHERE $org_key IN n.observed_by OR $org_key IN n.retired_by OR n.org_key = $org_key "
        "WITH n LIMIT $limit "
        f"{_DROP_OBSERVATION}, n.org_key = null, "
        "    n.retired_by = [s IN coalesce(n.retired_by, []) WHERE s <> $org_key] "
        "SET n.retired_at = CASE WHEN size(n.observed_by) = 0 AND n.retired_at IS NULL THEN $now "
        "                        ELSE n.retired_at END "
        "WITH n, size(n.observed_by) + size(n.retired_by) = 0 AS unobserved "
        "FOREACH (_ IN CASE WHEN unobserved THEN [1] ELSE [] END | DETACH DELETE n) "
        "RETURN count(*) AS changed"
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
        f"MATCH ()-[r:{Rel(rel).value}]->() WHERE {_EDGES_OF_SCOPE} "
        "WITH r LIMIT $limit DELETE r RETURN count(*) AS changed"
    )
