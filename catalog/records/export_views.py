"""The records' export routes: the API's `GET /api/v1/processing-activities/export/` and the POST form on an org's
record page. Both need a role that may export (privacy officer, auditor); the API also the catalog:read scope.

A missing org or reason, a format not offered or an as-of date that is not one is a 400 naming each (the API) or
the form again with its errors (the page); an org not connected a 404. The file is streamed from a temporary file:
JSON with its signature inside, any other format in a zip beside its `.sig.json`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from catalog.accounts import roles
from catalog.accounts.tokens import token_of
from catalog.exports.api import REASON, AcceptOnlyNegotiation, ExportSchema
from catalog.exports.forms import ExportReasonForm
from catalog.exports.services import REASON_PATTERN, Exporter, ReasonError, stated_reason
from catalog.exports.views import WEB_PAGE, may_export
from catalog.inventory.services import NotInCatalogError
from catalog.pages import found, may_view
from catalog.records import exports
from catalog.records.api import AS_OF, as_of_asked
from catalog.records.services import record_of

API = "API"
FORMAT_LABELS = {exports.PDF: "PDF (a zip: the PDF and its signature)",
                 exports.XLSX: "Excel workbook (a zip: the XLSX and its signature)",
                 exports.CSV: "CSV (a zip: the CSV and its signature)",
                 exports.JSON: "JSON (its signature inside)",
                 exports.ICO: "UK ICO template, CSV (a zip: the CSV and its signature)"}

EXPORT_ORG = OpenApiParameter("org", {"type": "string", "minLength": 1, "pattern": REASON_PATTERN},
                              OpenApiParameter.QUERY, required=True, description="The org's alias")
EXPORT_FORMAT = OpenApiParameter("format", {"type": "string", "enum": list(exports.FORMATS)}, OpenApiParameter.QUERY,
                                 required=True, description="json: the whole record with its evidence and its "
                                 "signature embedded; pdf, xlsx, csv, ico (the UK ICO template's columns, CSV): "
                                 "a zip of the file and its <file>.sig.json")


class RecordExportSchema(ExportSchema):
    def _error_codes(self) -> list[int]:
        return [*super()._error_codes(), 400, 404]  # a parameter missing or wrong; an org not connected


class ZipRenderer(JSONRenderer):
    """Lets a client send `Accept: application/zip`: the file bypasses renderers, only a problem body comes here."""

    media_type = "application/zip"
    format = "zip"


def download(exported: exports.RecordExport) -> FileResponse:
    """The signed export as an attachment, streamed from its temporary file; never cached."""
    response = FileResponse(exported.file, as_attachment=True, filename=exported.filename,
                            content_type=exported.content_type)
    response["Cache-Control"] = "no-store"
    response["X-Ropa-Sha256"] = exported.sha256
    return response


class RecordExportView(APIView):
    """One org's record of processing activities as of a date, exported for auditors, signed and audited."""

    read_permission = roles.EXPORT_CATALOG
    renderer_classes = [JSONRenderer, ZipRenderer]
    content_negotiation_class = AcceptOnlyNegotiation
    schema = RecordExportSchema()

    @extend_schema(operation_id="export_processing_activities",
                   parameters=[EXPORT_ORG, EXPORT_FORMAT, AS_OF, REASON],
                   responses={(200, "application/zip"): OpenApiResponse(
                       OpenApiTypes.BINARY, description="pdf, xlsx, csv, ico: the file and its signature document"),
                       (200, "application/json"): OpenApiResponse(
                       OpenApiTypes.OBJECT, description="json: the record, every statement's evidence, and its "
                                                        "signature in ropa_signature")})
    def get(self, request: Request) -> FileResponse:
        alias, kind, as_of = _asked(request.query_params)
        exporter = Exporter(actor=request.user, reason=str(request.query_params.get("reason", "")), origin=API,
                            token=token_of(request.auth))
        try:
            return download(exports.export_record(alias, kind, exporter, as_of))
        except NotInCatalogError as error:
            raise NotFound(str(error)) from None


def _asked(params: Any) -> tuple[str, str, Any]:
    """The org, the format and the as-of date asked for; a 400 naming every one missing or wrong, and the reason."""
    errors: dict[str, list[str]] = {}
    alias = str(params.get("org") or "").strip()
    if not alias:
        errors["org"] = ["The alias of the org whose record to export."]
    kind, as_of = "", None
    try:
        kind = exports.checked_format(params.get("format"))
    except exports.ExportFormatError as error:
        errors["format"] = [str(error)]
    try:
        stated_reason(params.get("reason"))
    except ReasonError as error:
        errors["reason"] = [str(error)]
    try:
        as_of = as_of_asked(params)
    except ValidationError as error:
        errors["as_of"] = [str(message) for message in error.detail["as_of"]]  # type: ignore[call-overload]
    if errors:
        raise ValidationError(errors)
    return alias, kind, as_of


# --- the page's form ---------------------------------------------------------------------------------------------


class RecordExportForm(ExportReasonForm):
    format = forms.ChoiceField(label="Format", choices=list(FORMAT_LABELS.items()), initial=exports.PDF)
    as_of = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_as_of(self) -> Any:
        try:
            return as_of_asked(self.cleaned_data)
        except ValidationError:
            raise forms.ValidationError("As of: a date such as 2026-11-01, or a date and time.") from None


@require_POST
def record_export(request: HttpRequest, alias: str) -> HttpResponse | FileResponse:
    """The org's record in the chosen format once a reason is given; else the form again with its errors."""
    may_view(request)
    may_export(request)
    form = RecordExportForm(request.POST)
    if form.is_valid():
        exporter = Exporter(actor=request.user, reason=form.cleaned_data["reason"], origin=WEB_PAGE)
        return download(found(exports.export_record, alias, form.cleaned_data["format"], exporter,
                              form.cleaned_data["as_of"]))
    record = found(record_of, alias)
    return render(request, "records/export_page.html", {"record": record, "export_form": form}, status=400)


__all__ = ["RecordExportForm", "RecordExportView", "download", "record_export"]
