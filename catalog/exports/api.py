"""The exports' API: the field list's and the system list's filters, plus the stated `reason`, answered as CSV.

A GET (a download, scope `catalog:read`) by a role that may export; a missing reason or a bad filter is a 400
naming each, an unknown org a 404, all as problem bodies. Each export writes one audit event.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from catalog.accounts import roles
from catalog.accounts.tokens import token_of
from catalog.api.schema import ProblemAutoSchema
from catalog.exports import services
from catalog.exports.services import MAX_REASON_LENGTH, REASON_PATTERN, Exporter, ReasonError
from catalog.exports.views import download
from catalog.inventory.api import ALIAS, FieldFilterSet
from catalog.inventory.services import NotInCatalogError
from catalog.systems.api import SystemFilterSet

API: str = "API"

REASON = OpenApiParameter(
    "reason", {"type": "string", "minLength": 1, "maxLength": MAX_REASON_LENGTH, "pattern": REASON_PATTERN},
    required=True, description="Why you are exporting, kept in the audit log (an email address or phone number "
                               "in it is not kept)")


class CsvRenderer(JSONRenderer):
    """Lets a client ask for `Accept: text/csv`: the file itself bypasses renderers, so only a problem body, which
    keeps its own application/problem+json type, ever comes through here."""

    media_type = "text/csv"
    format = "csv"


def csv_answer(description: str) -> dict[Any, Any]:
    return {(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description=description)}


class _NoFormatParameter:
    URL_FORMAT_OVERRIDE = None


class AcceptOnlyNegotiation(DefaultContentNegotiation):
    """Only Accept picks the answer's type: DRF would read `?format=` too and answer one it lacks with a 404."""

    settings = _NoFormatParameter()  # type: ignore[assignment]  # the one setting it reads


class ExportSchema(ProblemAutoSchema):
    def _get_format_parameters(self) -> list[dict[str, Any]]:
        return []  # `?format=` picks nothing here (AcceptOnlyNegotiation): not a parameter to offer


class _ExportView(APIView):
    read_permission = roles.EXPORT_CATALOG
    renderer_classes = [JSONRenderer, CsvRenderer]
    content_negotiation_class = AcceptOnlyNegotiation
    schema = ExportSchema()

    def exporter(self, request: Request) -> Exporter:
        return Exporter(actor=request.user, reason=str(request.query_params.get("reason", "")), origin=API,
                        token=token_of(request.auth))


def checked(filterset: FieldFilterSet | SystemFilterSet, params: QueryDict) -> None:
    """A 400 naming every bad filter and a missing or bad reason at once."""
    errors: dict[str, Any] = {} if filterset.is_valid() else dict(filterset.errors)
    try:
        services.stated_reason(params.get("reason"))
    except ReasonError as error:
        errors["reason"] = [str(error)]
    if errors:
        raise ValidationError(errors)


class FieldExportView(_ExportView):
    """The org's fields passing the field list's filters, one CSV row each, read from the graph as it is sent."""

    filterset_class = FieldFilterSet  # the schema's 400

    @extend_schema(operation_id="export_fields", parameters=[ALIAS, REASON, *FieldFilterSet.schema_parameters()],
                   responses=csv_answer("One row per field: object, field, label, type, CCPA category and "
                                        "sensitivity in force, the rules that decided them, whether overridden, "
                                        "Salesforce's classification and compliance groups, encryption, custom, "
                                        "namespace, first and last seen"))
    def get(self, request: Request, alias: str) -> StreamingHttpResponse:
        filterset = FieldFilterSet.bound(request.query_params)
        checked(filterset, request.query_params)
        try:
            exported = services.export_fields(alias, filterset.chosen(), filterset.given(), self.exporter(request))
        except NotInCatalogError as error:
            raise NotFound(str(error)) from None
        return download(exported)


class SystemExportView(_ExportView):
    """The systems passing the system list's filters: a row per org and integration reaching each, with the org's
    CCPA role and country and the integration's consent and opt-out checks."""

    filterset_class = SystemFilterSet

    @extend_schema(operation_id="export_systems", parameters=[REASON, *SystemFilterSet.schema_parameters()],
                   responses=csv_answer("One row per system, org and integration: the system, the org's role and "
                                        "country, the integration, its kind, channel and consent and opt-out checks"))
    def get(self, request: Request) -> StreamingHttpResponse:
        filterset = SystemFilterSet(request.query_params)
        checked(filterset, request.query_params)
        return download(services.export_systems(filterset.query(), filterset.given(), self.exporter(request)))
