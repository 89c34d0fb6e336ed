"""Read look-ups a harvest makes while it writes (the catalog's queries live elsewhere)."""

from __future__ import annotations

from collections.abc import Iterable

from lineage.graph import Graph

_ABSENT_SOBJECTS = (
    "UNWIND $keys AS key OPTIONAL MATCH (o:SObject {key: key}) WITH key, o WHERE o IS NULL RETURN key"
)


def absent_sobjects(graph: Graph, keys: Iterable[str]) -> set[str]:
    """The SObject keys among `keys` that the graph holds no node for (a lookup to them cannot be an edge)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return {str(row["key"]) for row in graph.read(_ABSENT_SOBJECTS, keys=wanted)}
