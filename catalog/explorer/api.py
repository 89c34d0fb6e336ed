"""The lineage API: `GET /api/v1/lineage/?node=&direction=&depth=`, and the shape the explorer page draws too."""

from __future__ import annotations

from typing import Any

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
from lineage.queries.lineage import MAX_DEPTH, MIN_DEPTH, Direction, Lineage, LineageNode, NodeKind

NODE_KEY_MAX_LENGTH = 1000


class LineageParameters(serializers.Serializer[Any]):
    """The query's parameters; a missing or bad one is a 400 naming it."""

    node = serializers.CharField(max_length=NODE_KEY_MAX_LENGTH, trim_whitespace=True,
                                 help_text="The graph key of an object, field, system or integration")
    direction = serializers.ChoiceField(choices=[each.value for each in Direction], default=services.DEFAULT_DIRECTION,
                                        help_text="Where the data comes from, where it goes, or both")
    depth = serializers.IntegerField(min_value=MIN_DEPTH, max_value=MAX_DEPTH, default=services.DEFAULT_DEPTH,
                                     help_text="Hops from the node, 1 to 5")


def page_url(node: LineageNode, aliases: dict[str, str]) -> str:
    """The node's own page (catalog field or object, system, integration), or "" where there is none yet."""
    if node.kind is NodeKind.SYSTEM:
        return url_or_empty("system-detail", node.key)
    if node.kind is NodeKind.INTEGRATION:
        return url_or_empty("integration-detail", node.key)
    alias = aliases.get(node.org_key or "")
    if alias is None or node.sobject is None:
        return ""
    if node.kind is NodeKind.FIELD and node.field_name:
        return url_or_empty("catalog-field", alias, node.sobject, node.field_name)
    return url_or_empty("catalog-object", alias, node.sobject)


class LineageNodeSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    kind = serializers.ChoiceField(choices=[each.value for each in NodeKind], read_only=True)
    name = serializers.CharField(read_only=True, help_text="Object.Field for a field, a host for a system")
    label = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    org = serializers.SerializerMethodField(help_text="The alias of the node's org; null for a system")
    hop = serializers.IntegerField(read_only=True, help_text="Hops from the start: negative upstream, 0 the start")
    integration_kind = serializers.CharField(read_only=True, allow_null=True)
    ccpa_category = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="A field's effective CCPA category (an override wins)")
    sensitive = serializers.BooleanField(read_only=True, allow_null=True, help_text="A field's effective sensitivity")
    url = serializers.SerializerMethodField(help_text="The node's page; null where there is none")

    def get_org(self, node: LineageNode) -> str | None:
        aliases: dict[str, str] = self.context["aliases"]
        return aliases.get(node.org_key or "")

    def get_url(self, node: LineageNode) -> str | None:
        return page_url(node, self.context["aliases"]) or None


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
    start = LineageNodeSerializer(read_only=True)
    direction = serializers.ChoiceField(choices=[each.value for each in Direction], read_only=True)
    depth = serializers.IntegerField(read_only=True)
    nodes = LineageNodeSerializer(many=True, read_only=True)
    edges = LineageEdgeSerializer(many=True, read_only=True)
    truncated = serializers.BooleanField(read_only=True, help_text="The walk stopped at max_nodes or max_edges")
    max_nodes = serializers.IntegerField(read_only=True)
    max_edges = serializers.IntegerField(read_only=True)


def lineage_data(lineage: Lineage) -> dict[str, Any]:
    """The lineage as the API answers it and the page's graph reads it."""
    return dict(LineageSerializer(lineage, context={"aliases": services.org_aliases()}).data)


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
