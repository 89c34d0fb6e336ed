"""The one way in to lineage for the API and the pages: a node's paths, and finding a node by the name people know."""

from __future__ import annotations

from dataclasses import dataclass

from harvesters.models import OrgConnection
from lineage import get_graph, org_key
from lineage.queries.lineage import Direction, Lineage, LineageNode, find_nodes, lineage_of, node_of

DEFAULT_DIRECTION = Direction.BOTH
DEFAULT_DEPTH = 2
SEARCH_LIMIT = 20


class NodeNotFoundError(LookupError):
    """No live object, field, system or integration has that key; the message names it."""


@dataclass(frozen=True)
class NodeChoice:
    """A node found by name, with the alias of the org it belongs to (None for a system, shared by every org)."""

    node: LineageNode
    org_alias: str | None


@dataclass(frozen=True)
class Resolution:
    """What a name or key typed into the explorer names: one node, or the candidates to choose from."""

    node: LineageNode | None
    choices: tuple[NodeChoice, ...]


def lineage_for(node_key: str, direction: Direction = DEFAULT_DIRECTION, depth: int = DEFAULT_DEPTH) -> Lineage:
    lineage = lineage_of(get_graph(), node_key, direction, depth)
    if lineage is None:
        raise NodeNotFoundError(f"No object, field, system or integration has the key {node_key!r}.")
    return lineage


def search(text: str) -> tuple[NodeChoice, ...]:
    """Fields (Object.Field or label), objects, systems and integrations whose name holds `text`, exact ones first."""
    aliases = org_aliases()
    return tuple(NodeChoice(node, aliases.get(node.org_key or "")) for node in find_nodes(get_graph(), text,
                                                                                           SEARCH_LIMIT))


def resolve(text: str, kept_key: str = "") -> Resolution:
    """The node the form kept while its name is unchanged, else a graph key, else the one node whose name (or
    label) is exactly `text`; otherwise the candidates."""
    wanted = text.strip()
    kept = node_of(get_graph(), kept_key) if kept_key else None
    if kept is not None and wanted in (kept.name, kept.key):
        return Resolution(kept, ())
    node = node_of(get_graph(), wanted) if wanted else None
    if node is not None:
        return Resolution(node, ())
    choices = search(wanted) if wanted else ()
    exact = [each for each in choices if wanted.lower() in (each.node.name.lower(), (each.node.label or "").lower())]
    if len(exact) == 1:
        return Resolution(exact[0].node, ())
    return Resolution(None, tuple(exact) or choices)


def org_aliases() -> dict[str, str]:
    """The alias of each harvested org by its graph key, for links to the catalog's pages."""
    return {org_key(org_id): alias for org_id, alias in
            OrgConnection.objects.exclude(org_id="").values_list("org_id", "alias")}
