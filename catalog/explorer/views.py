"""The lineage explorer's pages: the form, the graph (drawn by lineage.js) and the same edges as a table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalog.explorer import services
from catalog.explorer.api import PageUrls, lineage_data
from catalog.explorer.forms import LineageForm
from catalog.findings.services import evidence_of
from catalog.navigation import url_or_empty
from catalog.pages import may_view
from lineage.queries.lineage import Direction, Lineage, LineageEdge, LineageNode

SEARCH_MIN_LENGTH = 2


@dataclass(frozen=True)
class NodeLink:
    """A node as the table and the choices show it: its page, and the explorer centred on it."""

    node: LineageNode
    org_alias: str | None
    url: str
    explore_url: str


@dataclass(frozen=True)
class EdgeRow:
    edge: LineageEdge
    source: NodeLink
    target: NodeLink


@require_GET
def lineage_explorer(request: HttpRequest) -> HttpResponse:
    """With no node asked for, the form; with a name, its one node's lineage or the nodes it may mean."""
    may_view(request)
    form = LineageForm(_with_defaults(request.GET) if request.GET else None)
    context: dict[str, Any] = {"form": form, "catalog_url": url_or_empty("catalog-index")}
    if not form.is_bound:
        return render(request, "explorer/lineage.html", context)
    if not form.is_valid():
        return render(request, "explorer/lineage.html", context, status=400)
    asked = form.cleaned_data
    text = asked["node"].strip()
    if not text:
        form.add_error("node", "Type the name of a field, object or system.")
        return render(request, "explorer/lineage.html", context, status=400)
    resolution = services.resolve(text, asked["key"])
    if resolution.node is None:
        context["choices"] = _choices(resolution.choices, asked["direction"], asked["depth"])
        context["asked"] = text
        return render(request, "explorer/lineage.html", context, status=200 if resolution.choices else 404)
    lineage = services.lineage_for(resolution.node.key, asked["direction"], asked["depth"])
    form.data = _showing(form.data, lineage.start)
    context.update(_lineage_context(lineage))
    _outline_finding(context, request.GET.get("finding", ""))
    return render(request, "explorer/lineage.html", context)


def _outline_finding(context: dict[str, Any], asked: str) -> None:
    """`?finding=<id>`, from a finding's page: its evidence path outlined in the graph, and named above it."""
    finding = evidence_of(int(asked)) if asked.isascii() and asked.isdigit() else None
    if finding is not None:
        context["finding"] = finding
        context["graph"]["evidence"] = [step["key"] for step in finding.path]


@require_GET
def node_suggestions(request: HttpRequest) -> HttpResponse:
    """HTMX: the nodes whose name holds what was typed, as links to their lineage."""
    may_view(request)
    form = LineageForm(request.GET)
    form.is_valid()
    text = (form.cleaned_data.get("node") or "").strip()
    direction = form.cleaned_data.get("direction", services.DEFAULT_DIRECTION)
    depth = form.cleaned_data.get("depth", services.DEFAULT_DEPTH)
    choices = _choices(services.search(text), direction, depth) if len(text) >= SEARCH_MIN_LENGTH else None
    return render(request, "explorer/_suggestions.html", {"choices": choices, "asked": text})


def _lineage_context(lineage: Lineage) -> dict[str, Any]:
    urls = PageUrls(services.org_aliases())
    links = {node.key: _link(node, urls.aliases.get(node.org_key or ""), urls, lineage.direction, lineage.depth)
             for node in lineage.nodes}
    rows = [EdgeRow(edge, links[edge.source], links[edge.target]) for edge in _in_reading_order(lineage)]
    return {"lineage": lineage, "start": links[lineage.start.key], "rows": rows,
            "unchecked_count": sum(1 for row in rows if row.edge.unchecked), "graph": lineage_data(lineage, urls),
            "category_words": (lineage.start.ccpa_category or "").replace("_", " ").capitalize()}


def _in_reading_order(lineage: Lineage) -> list[LineageEdge]:
    """Upstream first, from the farthest hop to the start, then downstream outwards."""
    hops = {node.key: node.hop for node in lineage.nodes}
    return sorted(lineage.edges, key=lambda edge: (min(hops[edge.source], hops[edge.target]),
                                                    max(hops[edge.source], hops[edge.target]), edge.key))


def _choices(found: tuple[services.NodeChoice, ...], direction: Direction, depth: int) -> list[NodeLink]:
    urls = PageUrls(services.org_aliases())
    return [_link(each.node, each.org_alias, urls, direction, depth) for each in found]


def _link(node: LineageNode, alias: str | None, urls: PageUrls, direction: Direction, depth: int) -> NodeLink:
    query = urlencode({"node": node.key, "direction": direction.value, "depth": depth})
    return NodeLink(node, alias, urls.of(node), f"{reverse('lineage-explorer')}?{query}")


def _with_defaults(asked: QueryDict) -> QueryDict:
    """The GET parameters with the direction and depth left out filled in, so the form shows what was drawn."""
    given = asked.copy()
    for name, default in (("direction", services.DEFAULT_DIRECTION.value), ("depth", str(services.DEFAULT_DEPTH))):
        if not given.get(name):
            given[name] = default
    return given


def _showing(data: Any, node: LineageNode) -> QueryDict:
    """The form's values with the node's name in the box and its key kept beside it."""
    shown: QueryDict = data.copy()
    shown["node"], shown["key"] = node.name, node.key
    return shown
