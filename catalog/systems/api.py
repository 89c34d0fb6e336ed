"""The systems and integrations API, and the filters it shares with the pages: a bad value is a 400 naming it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.filters import GraphFilterSet, boolean_filter
from catalog.inventory.api import InventoryViewSet
from catalog.systems import services
from catalog.systems.services import IntegrationQuery, SystemQuery
from lineage.queries.pages import Page, PageRequest
from lineage.queries.systems import ROLES
from lineage.records import IntegrationKind

ROLE_WORDS = {"first_party": "First party (the business's own)", "service_provider": "Service provider",
              "contractor": "Contractor", "third_party": "Third party", "unknown": "Not declared"}
COUNTRY = r"^([A-Za-z]{2})?$"  # empty: no filter


class _OrgFilterSet(GraphFilterSet):
    """An org filter by alias, offered on the pages as the connected orgs' aliases. An alias no org has lists
    nothing, as the harvest runs' `org` filter does (it is a well-formed name, not a bad value)."""

    org = django_filters.CharFilter(max_length=100, label="Org", help_text="The org's alias", widget=forms.Select)

    def __init__(self, data: QueryDict | None = None, **kwargs: Any) -> None:
        super().__init__(data=data, **kwargs)
        widget = cast(forms.Select, self.form.fields["org"].widget)
        widget.choices = [("", "All orgs"), *((alias, alias) for alias in services.org_aliases())]

    def given(self) -> dict[str, Any]:
        """The filters given; a bad value is a 400 naming the parameter."""
        if not self.is_valid():
            raise ValidationError(self.errors)
        return super().given()


class SystemFilterSet(_OrgFilterSet):
    """The filters of the system list, for the API and the pages alike."""

    role = django_filters.ChoiceFilter(choices=[(role, ROLE_WORDS[role]) for role in ROLES], label="Role",
                                       empty_label="Any role",
                                       help_text="What the system is to the org under the CCPA (unknown: not declared)")
    country = django_filters.CharFilter(label="Country", help_text="Where the data is processed: ISO 3166 alpha-2",
                                        validators=[RegexValidator(COUNTRY, "Two letters (ISO 3166), e.g. US.")])
    search = django_filters.CharFilter(max_length=100, label="Search", help_text="Part of the host or the name")

    def query(self) -> SystemQuery:
        given = self.given()
        return SystemQuery(org=given.get("org"), role=given.get("role"), country=given.get("country"),
                           search=given.get("search"))


class IntegrationFilterSet(_OrgFilterSet):
    """The filters of the integration list, for the API and the pages alike."""

    kind = django_filters.ChoiceFilter(choices=[(kind.value, kind.value.replace("_", " ")) for kind in IntegrationKind],
                                       label="Kind", empty_label="Any kind",
                                       help_text="What moves the data: named credential, flow, Apex class …")
    consent_checked = boolean_filter("Consent checked", "A consent check was found on its path (true) or none was")
    opt_out_checked = boolean_filter("Opt-out checked", "An opt-out check was found on its path (true) or none was")
    search = django_filters.CharFilter(max_length=100, label="Search", help_text="Part of the name, label or endpoint")

    def query(self) -> IntegrationQuery:
        given = self.given()
        return IntegrationQuery(org=given.get("org"), kind=given.get("kind"),
                                consent_checked=given.get("consent_checked"),
                                opt_out_checked=given.get("opt_out_checked"), search=given.get("search"))



# --- shapes -----------------------------------------------------------------------------------------


class _Aliased(serializers.Serializer[Any]):
    """Names the org of each graph row by its alias (null when that org is no longer connected)."""

    def alias(self, scope: str) -> str | None:
        aliases: dict[str, str] = self.context.get("aliases", {})
        return services.alias_of(scope, aliases)


class SystemRoleSerializer(_Aliased):
    org = serializers.SerializerMethodField(help_text="The org's alias")
    org_key = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True, help_text="first_party, service_provider, contractor or third_party")
    country = serializers.CharField(read_only=True, allow_null=True, help_text="ISO 3166 alpha-2")
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="Where the role was declared")

    def get_org(self, row: Any) -> str | None:
        return self.alias(row.org_key)


class SystemSummarySerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The graph node's key, e.g. system:api.example.com")
    host = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, allow_null=True)
    roles = SystemRoleSerializer(many=True, read_only=True,
                                 help_text="Each org's role for it; only the filtered org's when filtered by org")
    integration_count = serializers.IntegerField(read_only=True, help_text="Live integrations sending to it")
    first_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    observed_by = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The provenance scopes that observe it now")


class IntegrationRefSerializer(_Aliased):
    key = serializers.CharField(read_only=True)
    org = serializers.SerializerMethodField(help_text="The org's alias")
    org_key = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    consent_checked = serializers.BooleanField(read_only=True, allow_null=True)
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True)
    channel = serializers.CharField(read_only=True, allow_null=True)

    def get_org(self, row: Any) -> str | None:
        return self.alias(row.org_key)


class FieldFlowSerializer(serializers.Serializer[Any]):
    field_key = serializers.CharField(read_only=True)
    org_key = serializers.CharField(read_only=True)
    sobject = serializers.CharField(read_only=True)
    field = serializers.CharField(read_only=True)
    ccpa_category = serializers.CharField(read_only=True, allow_null=True)
    sensitive = serializers.BooleanField(read_only=True)
    outbound = serializers.BooleanField(read_only=True, help_text="true: from the field to the system")
    vias = serializers.ListField(child=serializers.CharField(), read_only=True,
                                 help_text="The keys of the integrations moving it")
    consent_checked = serializers.BooleanField(read_only=True, allow_null=True)
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True)


class SystemDetailSerializer(SystemSummarySerializer):
    evidence = serializers.CharField(read_only=True, allow_null=True)
    retired_by = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="Scopes that observed it once and no longer do")
    integrations = IntegrationRefSerializer(many=True, read_only=True, help_text="The first 200 sending to it")
    flows = FieldFlowSerializer(many=True, read_only=True, help_text="The first 200 fields flowing to or from it")
    flow_count = serializers.IntegerField(read_only=True)


class IntegrationSummarySerializer(_Aliased):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    org = serializers.SerializerMethodField(help_text="The org's alias")
    org_key = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, allow_null=True)  # type: ignore[assignment]
    endpoint = serializers.CharField(read_only=True, allow_null=True)
    consent_checked = serializers.BooleanField(read_only=True, allow_null=True,
                                               help_text="Null: the harvest could not tell")
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True)
    unchecked = serializers.BooleanField(read_only=True, help_text="Moves data with no consent or opt-out check")
    systems = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Hosts it sends to")
    first_seen = serializers.DateTimeField(read_only=True, allow_null=True)
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True)

    def get_org(self, row: Any) -> str | None:
        return self.alias(row.org_key)


class SystemRefSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    host = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, allow_null=True)
    channel = serializers.CharField(read_only=True, allow_null=True)


class PurposeRefSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    check = serializers.CharField(read_only=True, allow_null=True)


class DataRefSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    sobject = serializers.CharField(read_only=True)
    field = serializers.CharField(read_only=True, allow_null=True, help_text="Null: the whole object")
    ccpa_category = serializers.CharField(read_only=True, allow_null=True)
    sensitive = serializers.BooleanField(read_only=True)


class IntegrationDetailSerializer(IntegrationSummarySerializer):
    evidence = serializers.CharField(read_only=True, allow_null=True)
    consent_check = serializers.CharField(read_only=True, allow_null=True, help_text="The check found, as written")
    consent_check_line = serializers.IntegerField(read_only=True, allow_null=True)
    consent_checks = serializers.ListField(child=serializers.CharField(), read_only=True)
    sends_to = SystemRefSerializer(many=True, read_only=True)
    purposes = PurposeRefSerializer(many=True, read_only=True, help_text="Purposes that gate it (GATED_BY)")
    serves = PurposeRefSerializer(many=True, read_only=True,
                                  help_text="Purposes its processing serves, as declared (SERVES)")
    reads = DataRefSerializer(many=True, read_only=True, help_text="The first 200 objects and fields it reads")
    read_count = serializers.IntegerField(read_only=True)
    writes = DataRefSerializer(many=True, read_only=True, help_text="The first 200 objects and fields it writes")
    write_count = serializers.IntegerField(read_only=True)
    attributes = serializers.SerializerMethodField(help_text="What its kind adds, as text")

    def get_attributes(self, row: Any) -> dict[str, str]:
        return dict(row.attributes)


# --- views ------------------------------------------------------------------------------------------

KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The graph node's key")


class _GraphViewSet(InventoryViewSet):
    """Reads through the systems services; a key that is not there is a 404 naming it."""

    api_area = "catalog"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "aliases": services.aliases_by_org_key()}

    def listed(self, request: Request, filterset: type[SystemFilterSet | IntegrationFilterSet],
               read: Callable[[Any, PageRequest], Page[Any]],
               serializer: type[serializers.Serializer[Any]]) -> Response:
        """A page of what `read` finds for the filters asked, shaped by `serializer`."""
        query = filterset(request.query_params).query()
        paginator = self.graph_page(request)
        page = read(query, paginator.asked)
        data = serializer(page.rows, many=True, context=self.get_serializer_context()).data
        return paginator.graph_response(page.total, data)


class SystemViewSet(_GraphViewSet):
    """Systems outside the orgs, each with every org's CCPA role and country and the integrations that reach it."""

    serializer_class = SystemSummarySerializer
    filterset_class = SystemFilterSet

    @extend_schema(parameters=SystemFilterSet.schema_parameters())
    def list(self, request: Request) -> Response:
        return self.listed(request, SystemFilterSet, services.systems, SystemSummarySerializer)

    @extend_schema(parameters=[KEY], responses=SystemDetailSerializer)
    def retrieve(self, request: Request, key: str) -> Response:
        detail = services.system(key)
        return Response(SystemDetailSerializer(detail, context=self.get_serializer_context()).data)


class IntegrationViewSet(_GraphViewSet):
    """The orgs' integrations: what moves data, whether it checks consent and opt-out, what it reads and writes."""

    serializer_class = IntegrationSummarySerializer
    filterset_class = IntegrationFilterSet

    @extend_schema(parameters=IntegrationFilterSet.schema_parameters())
    def list(self, request: Request) -> Response:
        return self.listed(request, IntegrationFilterSet, services.integrations, IntegrationSummarySerializer)

    @extend_schema(parameters=[KEY], responses=IntegrationDetailSerializer)
    def retrieve(self, request: Request, key: str) -> Response:
        detail = services.integration(key)
        return Response(IntegrationDetailSerializer(detail, context=self.get_serializer_context()).data)
