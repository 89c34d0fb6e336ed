"""The records' export routes: the API's `GET /api/v1/processing-activities/export/` and the POST form on an org's
record page; a snapshot's `GET /api/v1/processing-activities/snapshots/{id}/download/` (its page's form is in
`views`). All need a role that may export (privacy officer, auditor); the API also the catalog:read scope.

A missing org or reason, a format not offered or an as-of date that is not one is a 400 naming each (the API) or
the form again with its errors (the page); an org or a snapshot not there a 404, a snapshot not as it was signed a
409. The file is streamed from a temporary file: JSON with its signature inside, any other format in a zip beside its
`.sig.json`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.accounts import roles
from catalog.accounts.tokens import token_of
from catalog.api.errors import PROBLEM_CONTENT_TYPE, problem_response
from catalog.api.serializers import ProblemSerializer
from catalog.exports.api import REASON, AcceptOnlyNegotiation, ExportSchema
from catalog.exports.forms import ExportReasonForm
from catalog.exports.services import REASON_PATTERN, Exporter, ReasonError, stated_reason
from catalog.exports.views import WEB_PAGE, may_export
from catalog.inventory.services import NotInCatalogError
from catalog.pages import found, may_view
from catalog.records import exports, snapshots
from catalog.records.api import AS_OF, as_of_asked
from catalog.records.services import record_of
from catalog.records.snapshot_api import SNAPSHOT

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


SNAPSHOT_FORMAT = OpenApiParameter("format", {"type": "string", "enum": list(exports.FORMATS), "default": exports.JSON},
                                   OpenApiParameter.QUERY, description="json (left out: json): the file signed when "
                                   "the record was frozen; pdf, xlsx, csv, ico: written from the frozen record (never "
                                   "the graph now), a zip of the file and its <file>.sig.json naming the snapshot")
NOT_INTACT = OpenApiResponse(ProblemSerializer, description="The snapshot is not as it was signed: it is not exported")
SIGNED_FILES = {(200, "application/zip"): OpenApiResponse(
    OpenApiTypes.BINARY, description="pdf, xlsx, csv, ico: the file and its signature document")}


class RecordExportSchema(ExportSchema):
    def _error_codes(self) -> list[int]:
        return [*super()._error_codes(), 400, 404]  # a parameter missing or wrong; an org or a snapshot not there


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


class _SignedExportView(APIView):
    read_permission = roles.EXPORT_CATALOG
    renderer_classes = [JSONRenderer, ZipRenderer]
    content_negotiation_class = AcceptOnlyNegotiation
    schema = RecordExportSchema()

    def exporter(self, request: Request) -> Exporter:
        return Exporter(actor=request.user, reason=str(request.query_params.get("reason", "")), origin=API,
                        token=token_of(request.auth))


class RecordExportView(_SignedExportView):
    """One org's record of processing activities as of a date, exported for auditors, signed and audited."""

    @extend_schema(operation_id="export_processing_activities",
                   parameters=[EXPORT_ORG, EXPORT_FORMAT, AS_OF, REASON],
                   responses={**SIGNED_FILES, (200, "application/json"): OpenApiResponse(
                       OpenApiTypes.OBJECT, description="json: the record, every statement's evidence, and its "
                                                        "signature in ropa_signature")})
    def get(self, request: Request) -> FileResponse:
        alias, kind, as_of = _asked(request.query_params)
        try:
            return download(exports.export_record(alias, kind, self.exporter(request), as_of))
        except NotInCatalogError as error:
            raise NotFound(str(error)) from None


class SnapshotExportSchema(RecordExportSchema):
    def _error_codes(self) -> list[int]:
        return [*super()._error_codes(), 409]  # a snapshot not as it was signed


class SnapshotExportView(_SignedExportView):
    """A frozen snapshot of an org's record exported for auditors: the record it froze, signed naming the snapshot,
    audited."""

    schema = SnapshotExportSchema()

    @extend_schema(operation_id="export_record_snapshot", parameters=[SNAPSHOT, SNAPSHOT_FORMAT, REASON],
                   responses={**SIGNED_FILES, (200, "application/json"): OpenApiResponse(
                       OpenApiTypes.OBJECT, description="json: the record as frozen, every statement's evidence, "
                                                        "and the signature made when it was frozen in ropa_signature"),
                       (409, PROBLEM_CONTENT_TYPE): NOT_INTACT})
    def get(self, request: Request, pk: str) -> FileResponse | Response:
        errors: dict[str, list[str]] = {}
        kind = _format_asked(request.query_params, errors, default=exports.JSON)
        _reason_asked(request.query_params, errors)
        if errors:
            raise ValidationError(errors)
        try:
            return download(snapshots.export_snapshot(snapshots.snapshot_named(pk), kind, self.exporter(request)))
        except NotInCatalogError as error:
            raise NotFound(str(error)) from None
        except snapshots.SnapshotNotIntactError as error:
            return problem_response(status.HTTP_409_CONFLICT, str(error))


def _asked(params: Any) -> tuple[str, str, Any]:
    """The org, the format and the as-of date asked for; a 400 naming every one missing or wrong, and the reason."""
    errors: dict[str, list[str]] = {}
    alias = str(params.get("org") or "").strip()
    if not alias:
        errors["org"] = ["The alias of the org whose record to export."]
    kind, as_of = _format_asked(params, errors), None
    _reason_asked(params, errors)
    try:
        as_of = as_of_asked(params)
    except ValidationError as error:
        errors["as_of"] = [str(message) for message in error.detail["as_of"]]  # type: ignore[call-overload]
    if errors:
        raise ValidationError(errors)
    return alias, kind, as_of


def _format_asked(params: Any, errors: dict[str, list[str]], default: str | None = None) -> str:
    """The format asked for (`default` when left out); one not offered is put in `errors`."""
    try:
        return exports.checked_format(params.get("format") or default)
    except exports.ExportFormatError as error:
        errors["format"] = [str(error)]
        return ""


def _reason_asked(params: Any, errors: dict[str, list[str]]) -> None:
    try:
        stated_reason(params.get("reason"))
    except ReasonError as error:
        errors["reason"] = [str(error)]


# --- the page's form ---------------------------------------------------------------------------------------------


class SnapshotExportForm(ExportReasonForm):
    format = forms.ChoiceField(label="Format", choices=list(FORMAT_LABELS.items()), initial=exports.PDF)
    field_order = ["format", "reason"]  # as the record page's export form asks them

    def __init__(self, data: QueryDict | None = None) -> None:
        super().__init__(data)
        self.fields["reason"].label = "Why are you exporting it?"
        self.fields["reason"].help_text = ("The audit log keeps it with your name, the time and the format, e.g. "
                                           "“Year-end audit file, ticket 207”")


class RecordExportForm(SnapshotExportForm):
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


__all__ = ["RecordExportForm", "RecordExportView", "SnapshotExportForm", "SnapshotExportView", "download",
           "record_export"]
