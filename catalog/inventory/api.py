"""The inventory's API: an org's objects and fields, the field list's filters (shared with the pages)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.filters import GraphFilterSet, boolean_filter
from catalog.api.pagination import GraphPagination
from catalog.inventory import services
from harvesters.classification import CcpaCategory
from lineage.queries.inventory import FieldFilter


class FieldFilterSet(GraphFilterSet):
    """The filters of the field list, for the API and the catalog pages alike."""

    object = django_filters.CharFilter(max_length=255, label="Object", help_text="The object's API name, e.g. Contact")
    ccpa_category = django_filters.ChoiceFilter(choices=[(c.value, c.value) for c in CcpaCategory],
                                                label="CCPA category", help_text="The field's CCPA category")
    sensitive = boolean_filter("Sensitive", "Sensitive personal information (CPRA) or not")
    encrypted = boolean_filter("Encrypted", "Encrypted with Shield Platform Encryption or not")
    unclassified = boolean_filter("Unclassified",
                                  "true: fields with no CCPA category (not personal information by the rules)")
    custom = boolean_filter("Custom", "Custom fields (true) or standard ones (false)")
    namespace = django_filters.CharFilter(max_length=15, label="Namespace",
                                          help_text="The managed package's namespace prefix")
    search = django_filters.CharFilter(max_length=100, label="Search",
                                       help_text="Part of the field's API name or label, in any case")

    @classmethod
    def field_filter(cls, params: QueryDict) -> FieldFilter:
        """The filter the parameters ask for; a bad value is a 400 naming the parameter."""
        filterset = cls.bound(params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.chosen()

    @classmethod
    def bound(cls, params: QueryDict) -> FieldFilterSet:
        """The filterset over `params` (a page shows its form and errors; the API raises them)."""
        return cls(data=params)

    def chosen(self) -> FieldFilter:
        """The filter a valid filterset's parameters ask for."""
        given = self.given()
        return FieldFilter(sobject=given.get("object"), ccpa_category=given.get("ccpa_category"),
                           sensitive=given.get("sensitive"), encrypted=given.get("encrypted"),
                           unclassified=given.get("unclassified"), custom=given.get("custom"),
                           namespace=given.get("namespace"), search=given.get("search"))



# --- shapes -----------------------------------------------------------------------------------------


class ObjectSummarySerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True, help_text="The object's API name")
    label = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    custom = serializers.BooleanField(read_only=True)
    namespace = serializers.CharField(read_only=True, allow_null=True)
    external = serializers.BooleanField(read_only=True, help_text="A Salesforce Connect object: rows live elsewhere")
    record_count = serializers.IntegerField(read_only=True, allow_null=True)
    internal_sharing_model = serializers.CharField(read_only=True, allow_null=True)
    external_sharing_model = serializers.CharField(read_only=True, allow_null=True)
    field_count = serializers.IntegerField(read_only=True, help_text="Its live fields")
    personal_field_count = serializers.IntegerField(read_only=True, help_text="Its fields with a CCPA category")
    sensitive_field_count = serializers.IntegerField(read_only=True, help_text="Its sensitive fields (CPRA)")


class ObjectDetailSerializer(ObjectSummarySerializer):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    key_prefix = serializers.CharField(read_only=True, allow_null=True)
    record_types = serializers.ListField(child=serializers.CharField(), read_only=True)
    record_count_at = serializers.DateTimeField(read_only=True, allow_null=True)
    external_data_source = serializers.CharField(read_only=True, allow_null=True)
    external_data_source_label = serializers.CharField(read_only=True, allow_null=True)
    external_data_source_type = serializers.CharField(read_only=True, allow_null=True)
    external_data_source_endpoint = serializers.CharField(read_only=True, allow_null=True)
    external_name = serializers.CharField(read_only=True, allow_null=True)
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="The harvested artefact")
    first_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    run_id = serializers.CharField(read_only=True, allow_null=True, help_text="The run that last wrote it")


class FieldSummarySerializer(serializers.Serializer[Any]):
    object = serializers.CharField(read_only=True, help_text="Its object's API name")
    name = serializers.CharField(read_only=True, help_text="The field's API name")
    label = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    type = serializers.CharField(read_only=True, allow_null=True)
    custom = serializers.BooleanField(read_only=True)
    namespace = serializers.CharField(read_only=True, allow_null=True)
    ccpa_category = serializers.CharField(read_only=True, allow_null=True,
                                          help_text="In force: a privacy officer's override, else the rules' "
                                                    "(null: not personal information)")
    sensitive = serializers.BooleanField(read_only=True, help_text="In force: an override's, else the rules'")
    encrypted = serializers.BooleanField(read_only=True, help_text="Shield Platform Encryption")
    overridden = serializers.BooleanField(read_only=True,
                                          help_text="A privacy officer's override decides its classification")


class FieldIntegrationSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The Integration node's key")
    kind = serializers.CharField(read_only=True, allow_null=True, help_text="e.g. apex_class, flow, outbound_message")
    name = serializers.CharField(read_only=True, allow_null=True)
    access = serializers.ChoiceField(choices=["READS", "WRITES", "ACCESSED", "FLOWS_TO"], read_only=True,
                                     help_text="Reads or writes it, used its object by the event logs (ACCESSED), "
                                               "or moves its data elsewhere (FLOWS_TO)")
    reaches = serializers.ChoiceField(choices=["field", "object"], read_only=True,
                                      help_text="The edge names the field itself, or its whole object")
    target_key = serializers.CharField(read_only=True, allow_null=True, help_text="FLOWS_TO: where the data goes")
    target_name = serializers.CharField(read_only=True, allow_null=True)
    consent_checked = serializers.BooleanField(read_only=True, allow_null=True, help_text="FLOWS_TO only")
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True, help_text="FLOWS_TO only")


class FieldDetailSerializer(FieldSummarySerializer):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    classification_rule = serializers.CharField(read_only=True, allow_null=True,
                                                help_text="The rule that decided the category, or that none applies")
    sensitivity_rule = serializers.CharField(read_only=True, allow_null=True,
                                             help_text="The rule that made it sensitive; null when it is not")
    security_classification = serializers.CharField(read_only=True, allow_null=True,
                                                    help_text="Salesforce's own data classification")
    compliance_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    business_status = serializers.CharField(read_only=True, allow_null=True)
    description = serializers.CharField(read_only=True, allow_null=True)
    help_text = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    picklist_values = serializers.ListField(child=serializers.CharField(), read_only=True,
                                            help_text="Labels of the first 50 active values")
    references = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The objects a lookup points at")
    compound_parent = serializers.CharField(read_only=True, allow_null=True)
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="The harvested artefact")
    first_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    run_id = serializers.CharField(read_only=True, allow_null=True, help_text="The run that last wrote it")
    harvested_ccpa_category = serializers.CharField(read_only=True, allow_null=True,
                                                    help_text="What the rules decided (an override may put it aside)")
    harvested_sensitive = serializers.BooleanField(read_only=True, help_text="What the rules decided")
    override_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                            help_text="When the override in force was made (null: none)")
    override_by = serializers.CharField(read_only=True, allow_null=True, help_text="Who made it")
    override_reason = serializers.CharField(read_only=True, allow_null=True, help_text="Why, in their words")
    integrations = FieldIntegrationSerializer(many=True, read_only=True,
                                              help_text="Integrations reading or writing it or its object, or "
                                                        "moving its data (at most 50, by name)")
    more_integrations = serializers.BooleanField(read_only=True, help_text="More integrations touch it than listed")


# --- views ------------------------------------------------------------------------------------------

ALIAS = OpenApiParameter("alias", OpenApiTypes.STR, OpenApiParameter.PATH, description="The org's alias")
OBJECT = OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="The object's API name")


class InventoryViewSet(viewsets.GenericViewSet[Any]):
    """Reads from the graph through the inventory's services; a name that is not there is a 404 naming it."""

    pagination_class = GraphPagination
    filter_backends: list[Any] = []  # the graph query filters; the filterset validates the parameters

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.NotInCatalogError):
            exc = NotFound(str(exc))
        return super().handle_exception(exc)

    def graph_page(self, request: Request) -> GraphPagination:
        paginator = GraphPagination()
        paginator.page_request(request)
        return paginator


class ObjectViewSet(InventoryViewSet):
    """An org's live objects (lookup targets no harvest described are left out) with their field counts."""

    serializer_class = ObjectSummarySerializer

    @extend_schema(parameters=[ALIAS])
    def list(self, request: Request, alias: str) -> Response:
        paginator = self.graph_page(request)
        page = services.objects_of(alias, paginator.asked)
        return paginator.graph_response(page.total, ObjectSummarySerializer(page.rows, many=True).data)

    @extend_schema(parameters=[ALIAS, OBJECT], responses=ObjectDetailSerializer)
    def retrieve(self, request: Request, alias: str, name: str) -> Response:
        return Response(ObjectDetailSerializer(services.object_of(alias, name)).data)


class FieldViewSet(InventoryViewSet):
    """An org's live fields, filtered; one field in full with the rules that decided its category and sensitivity."""

    serializer_class = FieldSummarySerializer
    filterset_class = FieldFilterSet

    @extend_schema(parameters=[ALIAS, *FieldFilterSet.schema_parameters()])
    def list(self, request: Request, alias: str) -> Response:
        filters = FieldFilterSet.field_filter(request.query_params)
        paginator = self.graph_page(request)
        page = services.fields_of(alias, filters, paginator.asked)
        return paginator.graph_response(page.total, FieldSummarySerializer(page.rows, many=True).data,
                                        page.more_than_total)

    @extend_schema(parameters=[ALIAS, OBJECT, OpenApiParameter("field", OpenApiTypes.STR, OpenApiParameter.PATH,
                                                               description="The field's API name")],
                   responses=FieldDetailSerializer)
    def retrieve(self, request: Request, alias: str, name: str, field: str) -> Response:
        return Response(FieldDetailSerializer(services.field_of(alias, name, field)).data)
