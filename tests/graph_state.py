"""The lineage graph as tests compare it: an org's nodes and edges, less the stamps of when they were seen."""

from __future__ import annotations

from typing import Any

from lineage import Graph, org_key

STAMPS = {"last_seen", "run_id", "first_seen", "observed_runs", "record_count_at"}


def snapshot(graph: Graph, org_id: str) -> tuple[set[tuple[str, str]], set[tuple[str, str, str]]]:
    """The org's nodes (its own, and the shared ones it observes) and edges with their properties, less the
    stamps that record when they were seen, and less its HarvestRun and RetentionCount nodes (the runs themselves
    differ, and so does a count of the records older than a period, a measure of the moment it was taken) and its
    IntegrationState nodes (keyed by the moment their attributes began; the Integration nodes hold them too)."""
    nodes = graph.read("MATCH (n) WHERE (n.org_key = $org OR $org IN n.observed_by) "
                       "AND NOT n:HarvestRun AND NOT n:RetentionCount AND NOT n:IntegrationState "
                       "RETURN n.key AS key, properties(n) AS props", org=org_key(org_id))
    edges = graph.read("MATCH (a)-[r {org_key: $org}]->(b) WHERE NOT r:HAS_RUN "
                       "RETURN a.key AS a, r.key AS key, properties(r) AS props", org=org_key(org_id))
    return ({(row["key"], _stable(row["props"])) for row in nodes},
            {(row["a"], row["key"], _stable(row["props"])) for row in edges})


def _stable(props: dict[str, Any]) -> str:
    return repr(sorted((k, v) for k, v in props.items() if k not in STAMPS))
