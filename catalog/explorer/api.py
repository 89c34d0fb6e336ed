"""The lineage API: `GET /api/v1/lineage/?node=&direction=&depth=`, and the shape the explorer page draws too."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.errors import PROBLEM_CONTENT_TYPE
from catalog.api.serializers import ProblemSerializer
from catalog.explorer import services
from catalog.navigation import url_or_empty
from lineage.queries.lineage import MAX_DEPTH, MIN_DEPTH, Direction, Lineage, LineageEdge, LineageNode, NodeKind

NODE_KEY_MAX_LENGTH = 1000


class NodeKeyField(serializers.CharField):
    """Any text is a key to look up: one that names no node (blank, a null character) is a 404, not a 400."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [each for each in self.validators if not isinstance(each, ProhibitNullCharactersValidator)]


class LineageParameters(serializers.Serializer[Any]):
    """The query's parameters; a missing or bad one is a 400 naming it."""

    node = NodeKeyField(max_length=NODE_KEY_MAX_LENGTH, trim_whitespace=False,
                        help_text="The graph key of an object, field, system or integration")
    direction = serializers.ChoiceField(choices=[each.value for each in Direction], default=services.DEFAULT_DIRECTION,
                                        help_text="Where the data comes from, where it goes, or both")
    depth = serializers.IntegerField(min_value=MIN_DEPTH, max_value=MAX_DEPTH, default=services.DEFAULT_DEPTH,
                                     help_text="Hops from the node, 1 to 5")


class PageUrls:
    """Each node's own page (catalog field or object, system, integration), or "" where there is none yet. Each URL
    name is reversed once, with placeholders filled per node: reverse() for each of a few hundred nodes costs more
    than the graph's query."""

    _SAFE = "!$&'()*+,;=/~:@"  # what Django's reverse() leaves unquoted in a path

    def __init__(self, aliases: dict[str, str]) -> None:
        self.aliases = aliases
        self._patterns: dict[str, str] = {}

    def of(self, node: LineageNode) -> str:
        if node.kind is NodeKind.SYSTEM:
            return self._url("system-detail", node.key)
        if node.kind is NodeKind.INTEGRATION:
            return self._url("integration-detail", node.key)
        alias = self.aliases.get(node.org_key or "")
        if alias is None or node.sobject is None:
            return ""
        if node.kind is NodeKind.FIELD and node.field_name:
            return self._url("catalog-field", alias, node.sobject, node.field_name)
        return self._url("catalog-object", alias, node.sobject)

    def _url(self, url_name: str, *args: str) -> str:
        if url_name not in self._patterns:
            self._patterns[url_name] = url_or_empty(url_name, *(f"RKARG{index}X" for index in range(len(args))))
        url = self._patterns[url_name]
        for index, arg in enumerate(args):
            url = url.replace(f"RKARG{index}X", quote(arg, safe=self._SAFE))
        return url


class LineageNodeSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    kind = serializers.ChoiceField(choices=[each.value for each in NodeKind], read_only=True)
    name = serializers.CharField(read_only=True, help_text="Object.Field for a field, a host for a system")
    label = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    org = serializers.CharField(read_only=True, allow_null=True, help_text="The alias of the node's org; null for a "
                                                                          "system")
    hop = serializers.IntegerField(read_only=True, help_text="Hops from the start: negative upstream, 0 the start")
    integration_kind = serializers.CharField(read_only=True, allow_null=True)
    ccpa_category = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="A field's effective CCPA category (an override wins)")
    sensitive = serializers.BooleanField(read_only=True, allow_null=True, help_text="A field's effective sensitivity")
    url = serializers.CharField(read_only=True, allow_null=True, help_text="The node's page; null where there is none")


class LineageEdgeSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    source = serializers.CharField(read_only=True, help_text="The key of the node the data comes from")  # type: ignore[assignment]
    target = serializers.CharField(read_only=True, help_text="The key of the node the data goes to")
    relationship = serializers.CharField(read_only=True, help_text="FLOWS_TO, READS, WRITES, SENDS_TO, ACCESSED, "
                                                                   "HAS_FIELD")
    phrase = serializers.CharField(read_only=True, help_text="The relationship in words, source to target")
    known_from = serializers.CharField(read_only=True, help_text="flow, Apex, outbound message, manifest, "
                                                                 "OpenLineage, event log, schema …")
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="The harvested artefact")
    via = serializers.CharField(read_only=True, allow_null=True, help_text="The integration moving the data")
    via_name = serializers.CharField(read_only=True, allow_null=True)
    consent_checked = serializers.BooleanField(read_only=True, allow_null=True, help_text="Flows only")
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True, help_text="Flows only")
    consent_check = serializers.CharField(read_only=True, allow_null=True, help_text="The check found, as written")
    unchecked = serializers.BooleanField(read_only=True, help_text="A flow with no consent or opt-out check found")


class LineageSerializer(serializers.Serializer[Any]):
    """The answer's shape, for the schema (`lineage_data` builds it)."""

    start = LineageNodeSerializer(read_only=True)
    direction = serializers.ChoiceField(choices=[each.value for each in Direction], read_only=True)
    depth = serializers.IntegerField(read_only=True)
    nodes = LineageNodeSerializer(many=True, read_only=True)
    edges = LineageEdgeSerializer(many=True, read_only=True)
    truncated = serializers.BooleanField(read_only=True, help_text="The walk stopped at max_nodes or max_edges")
    max_nodes = serializers.IntegerField(read_only=True)
    max_edges = serializers.IntegerField(read_only=True)


def lineage_data(lineage: Lineage, urls: PageUrls | None = None) -> dict[str, Any]:
    """The lineage as the API answers it (LineageSerializer documents it) and the page's graph reads it; built by
    hand, since DRF's serializers spend more time on a few hundred nodes and edges than the graph's query does."""
    urls = urls or PageUrls(services.org_aliases())
    return {"start": _node_data(lineage.start, urls), "direction": lineage.direction.value, "depth": lineage.depth,
            "nodes": [_node_data(node, urls) for node in lineage.nodes],
            "edges": [_edge_data(edge) for edge in lineage.edges], "truncated": lineage.truncated,
            "max_nodes": lineage.max_nodes, "max_edges": lineage.max_edges}


def _node_data(node: LineageNode, urls: PageUrls) -> dict[str, Any]:
    return {"key": node.key, "kind": node.kind.value, "name": node.name, "label": node.label,
            "org": urls.aliases.get(node.org_key or ""), "hop": node.hop, "integration_kind": node.integration_kind,
            "ccpa_category": node.ccpa_category, "sensitive": node.sensitive, "url": urls.of(node) or None}


def _edge_data(edge: LineageEdge) -> dict[str, Any]:
    return {"key": edge.key, "source": edge.source, "target": edge.target, "relationship": edge.relationship,
            "phrase": edge.phrase, "known_from": edge.known_from, "evidence": edge.evidence, "via": edge.via,
            "via_name": edge.via_name, "consent_checked": edge.consent_checked,
            "opt_out_checked": edge.opt_out_checked, "consent_check": edge.consent_check, "unchecked": edge.unchecked}


class LineageView(APIView):
    """A node's upstream and downstream paths to a depth of 1 to 5, each edge with how it is known."""

    api_area = "catalog"

    @extend_schema(
        operation_id="lineage_retrieve",
        summary="A node's lineage",
        description=("Where the data of an object, field, system or integration comes from (upstream) and goes to "
                     "(downstream), a depth of hops away. Each edge runs from the data's source to its "
                     "destination and says how it is known. At most max_nodes nodes and max_edges edges: "
                     "`truncated` says when the walk stopped there."),
        parameters=[LineageParameters],
        responses={
            200: LineageSerializer,
            (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=(
                "A missing or bad parameter, named in `errors` (node, direction, depth)")),
            (404, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=(
                "No live object, field, system or integration has that key")),
        },
    )
    def get(self, request: Request) -> Response:
        asked = LineageParameters(data=request.query_params)
        asked.is_valid(raise_exception=True)
        try:
            lineage = services.lineage_for(asked.validated_data["node"], Direction(asked.validated_data["direction"]),
                                           asked.validated_data["depth"])
        except services.NodeNotFoundError as error:
            raise NotFound(str(error)) from None
        return Response(lineage_data(lineage))
