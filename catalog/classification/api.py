"""The overrides' API under /api/v1/orgs/{alias}/overrides/: list (filtered), one, make, withdraw.

Reading needs catalog:read and a role that views the catalog; making or withdrawing one needs catalog:write and a
role that edits it (a privacy officer). The filters are shared with the classification review page.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.accounts.tokens import token_of
from catalog.api.errors import PROBLEM_CONTENT_TYPE, problem_response
from catalog.api.serializers import ProblemSerializer
from catalog.classification import services
from catalog.classification.models import CATEGORY_CHOICES, ClassificationOverride
from catalog.inventory.services import NotInCatalogError

STATUS_CHOICES = (("live", "Live"), ("past", "Past (withdrawn or replaced)"))


class OverrideFilterSet(django_filters.FilterSet):
    """The filters of an org's overrides, for the API and the review page alike."""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status", label="Status",
                                         empty_label="Live and past", help_text="live, or past")
    object = django_filters.CharFilter(field_name="sobject", max_length=255, label="Object",
                                       help_text="The object's API name, e.g. Contact")
    search = django_filters.CharFilter(max_length=100, method="by_name", label="Search",
                                       help_text="Part of the object's or field's API name, in any case")
    ccpa_category = django_filters.ChoiceFilter(choices=CATEGORY_CHOICES, label="Category put in force",
                                                empty_label="Any", help_text="The category the override sets")

    class Meta:
        model = ClassificationOverride
        fields = ["status", "object", "search", "ccpa_category"]

    def by_status(self, queryset: QuerySet[ClassificationOverride], name: str,
                  value: str) -> QuerySet[ClassificationOverride]:
        return queryset.filter(withdrawn_at__isnull=value == "live")

    def by_name(self, queryset: QuerySet[ClassificationOverride], name: str,
                value: str) -> QuerySet[ClassificationOverride]:
        return queryset.filter(field__icontains=value) | queryset.filter(sobject__icontains=value)


class OverrideSerializer(serializers.ModelSerializer[ClassificationOverride]):
    object = serializers.CharField(source="sobject", read_only=True, help_text="The object's API name")
    ccpa_category = serializers.CharField(read_only=True, allow_null=True, source="ccpa_category_or_none",
                                          help_text="The category it sets (not_personal: none); null keeps the "
                                                    "harvested one")
    status = serializers.ChoiceField(choices=["live", "withdrawn", "replaced"], read_only=True)
    created_by = serializers.CharField(source="created_by_name", read_only=True)
    harvested_ccpa_category = serializers.CharField(read_only=True, allow_null=True,
                                                    source="harvested_ccpa_category_or_none",
                                                    help_text="What the rules had decided when it was made")
    withdrawn_by = serializers.CharField(source="withdrawn_by_name", read_only=True, allow_null=True)
    replaced_by = serializers.IntegerField(source="replaced_by_id", read_only=True, allow_null=True)

    class Meta:
        model = ClassificationOverride
        fields = ["id", "object", "field", "field_key", "ccpa_category", "sensitive", "reason", "status",
                  "created_by", "created_at", "harvested_ccpa_category", "harvested_sensitive", "withdrawn_at",
                  "withdrawn_by", "withdrawal_reason", "replaced_by"]
        read_only_fields = fields


class OverrideRequestSerializer(serializers.Serializer[Any]):
    object = serializers.CharField(max_length=255, help_text="The object's API name, e.g. Contact")
    field = serializers.CharField(max_length=255, help_text="The field's API name, e.g. Tax_Id__c")
    ccpa_category = serializers.ChoiceField(choices=CATEGORY_CHOICES, required=False, allow_blank=True,
                                            help_text="The category to put in force (not_personal: none); left "
                                                      "out or blank keeps the harvested one")
    sensitive = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text="Sensitive or not; left out or null keeps the harvested value")
    reason = serializers.CharField(max_length=services.MAX_REASON_LENGTH, help_text="Why, in your words")


class WithdrawalSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=services.MAX_REASON_LENGTH, help_text="Why it is withdrawn")


ALIAS = OpenApiParameter("alias", OpenApiTypes.STR, OpenApiParameter.PATH, description="The org's alias")
ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The override's id")
CONFLICT = OpenApiResponse(ProblemSerializer, description="It is withdrawn or replaced already, or the field was "
                                                          "overridden by someone else at the same moment")


class OverrideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet[ClassificationOverride]):
    """An org's classification overrides, newest first: live ones and past ones (withdrawn or replaced)."""

    api_area = "catalog"
    serializer_class = OverrideSerializer
    filterset_class = OverrideFilterSet

    def get_queryset(self) -> QuerySet[ClassificationOverride]:
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without an org
            return ClassificationOverride.objects.none()
        return services.overrides_of(self.kwargs["alias"])

    def get_object(self) -> ClassificationOverride:
        given = str(self.kwargs["pk"])
        if not (given.isascii() and given.isdigit()):
            raise NotFound(f"The org {self.kwargs['alias']!r} has no classification override {given!r}.")
        return services.override_in(self.kwargs["alias"], int(given))

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotInCatalogError):
            exc = NotFound(str(exc))
        elif isinstance(exc, services.OverrideInputError):
            exc = ValidationError({exc.field: [str(exc)]})
        return super().handle_exception(exc)

    @extend_schema(parameters=[ALIAS])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[ALIAS, ID])
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(parameters=[ALIAS], request=OverrideRequestSerializer, responses={
        201: OverrideSerializer, (409, PROBLEM_CONTENT_TYPE): CONFLICT})
    def create(self, request: Request, alias: str) -> Response:
        """Override a live field's category and/or sensitivity, with a reason (replaces its live override)."""
        given = OverrideRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        try:
            made = services.override_field(
                alias, values["object"], values["field"], ccpa_category=values.get("ccpa_category", ""),
                sensitive=values["sensitive"], reason=values["reason"], actor=request.user,
                token=token_of(request.auth))
        except services.OverrideConflictError as error:
            return _conflict(str(error))
        return Response(OverrideSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ALIAS, ID], request=WithdrawalSerializer, responses={
        200: OverrideSerializer, (409, PROBLEM_CONTENT_TYPE): CONFLICT})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, alias: str, pk: str) -> Response:
        """Withdraw a live override, with a reason: the harvested classification is in force again."""
        override = self.get_object()
        given = WithdrawalSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            ended = services.withdraw_override(override, reason=given.validated_data["reason"], actor=request.user,
                                               token=token_of(request.auth))
        except services.OverrideConflictError as error:
            return _conflict(str(error))
        return Response(OverrideSerializer(ended).data)


def _conflict(detail: str) -> Response:
    return problem_response(status.HTTP_409_CONFLICT, detail)
