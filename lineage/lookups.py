"""Read look-ups a harvest makes while it writes (the catalog's queries live elsewhere)."""

from __future__ import annotations

from collections.abc import Iterable

from lineage.graph import Graph

_UNHARVESTED_SOBJECTS = (
    "UNWIND $keys AS key OPTIONAL MATCH (o:SObject {key: key}) WITH key, o WHERE o IS NULL OR o.placeholder "
    "RETURN key"
)


def unharvested_sobjects(graph: Graph, keys: Iterable[str]) -> set[str]:
    """The SObject keys among `keys` that no harvest has described: no node, or only a placeholder (a lookup's
    target written so that the lookup is an edge)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return {str(row["key"]) for row in graph.read(_UNHARVESTED_SOBJECTS, keys=wanted)}
