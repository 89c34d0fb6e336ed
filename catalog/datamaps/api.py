"""The data maps' API for DSAR tooling: `POST /api/v1/data-maps/` (one consumer's data map), `.../export/` (their
right-to-know response as JSON or PDF) and `.../deletion-preview/` (§1798.105(c)).

Identifiers travel only in the request's body, never in its URL, and are never logged: the views' variables are
`sensitive_variables` and their POST parameters `sensitive_post_parameters`, so an error report shows neither. Each
answer is `Cache-Control: no-store`. All need the `dsar:read` scope (a look-up reads, by POST) and a role that may look
consumers up; the export also one that may export. A body that names a field it does not know is a 400 naming it;
an identifier that is not one a 400 naming its field (`emails.0`); nobody found a 404 that says nothing of anyone
else; several people a 409 listing what matched each.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.accounts import roles
from catalog.accounts.tokens import DSAR_READ, token_of
from catalog.api.errors import PROBLEM_CONTENT_TYPE, problem_response
from catalog.api.representation import represent
from catalog.api.schema import ProblemAutoSchema
from catalog.api.serializers import ProblemSerializer
from catalog.datamaps import disclosures, exports, services
from catalog.datamaps.lookup import GivenIdentifier
from catalog.records.api import EvidenceSerializer, SystemAsDeclaredSerializer, as_of_asked
from lineage.identifiers import IdentifierKind

Answer = TypeVar("Answer", bound=HttpResponse)
MAX_IDENTIFIERS: Final = 10  # of each kind in one request
FIELD_KINDS: Final = {"emails": IdentifierKind.EMAIL, "phones": IdentifierKind.PHONE,
                      "record_ids": IdentifierKind.RECORD_ID}

# --- the request -------------------------------------------------------------------------------------------------


class ExternalIdSerializer(serializers.Serializer[Any]):
    system = serializers.CharField(max_length=60, help_text="The system it belongs to, e.g. core_banking, mobile_app")
    value = serializers.CharField(max_length=200, help_text="Its id there, e.g. the core-banking customer number")


def _identifiers(max_length: int, help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=max_length), required=False,
                                 max_length=MAX_IDENTIFIERS, help_text=help_text)


class LookupRequestSerializer(serializers.Serializer[Any]):
    emails = _identifiers(320, "Email addresses (any case; Unicode-normalised)")
    phones = _identifiers(40, "Phone numbers in any format: +1 415 555 0100, (415) 555-0100")
    phone_region = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, default="US",
                                          help_text="The country (ISO 3166 alpha-2) of phones given without +country")
    record_ids = _identifiers(18, "Salesforce record ids (15 or 18 characters) of their records")
    external_ids = serializers.ListField(child=ExternalIdSerializer(), required=False, max_length=MAX_IDENTIFIERS,
                                         help_text="Ids in other systems (core banking, the mobile app)")
    reason = serializers.CharField(max_length=services.MAX_REASON_LENGTH, allow_blank=True,
                                   help_text="Why, e.g. the request's ticket; kept in the audit log (an email "
                                             "address or phone number in it is not kept)")
    include_values = serializers.BooleanField(required=False, default=False,
                                              help_text="Read their current values live from Salesforce (the "
                                                        "specific pieces): in this answer only, never stored")
    as_of = serializers.CharField(required=False, allow_blank=True, max_length=40,
                                  help_text="Their map as the graph stood then: a date (the end of that day, UTC) or "
                                            "an ISO 8601 date and time; now when left out or blank")


class ExportRequestSerializer(LookupRequestSerializer):
    format = serializers.ChoiceField(choices=list(exports.FORMATS), help_text="json or pdf")


def given_identifiers(data: dict[str, Any]) -> list[GivenIdentifier]:
    """The identifiers of a valid body, each named by where it stands in it ("emails.0")."""
    region = str(data.get("phone_region") or "US").upper()
    given = [GivenIdentifier(f"{name}.{index}", kind, value, region=region)
             for name, kind in FIELD_KINDS.items() for index, value in enumerate(data.get(name) or [])]
    given += [GivenIdentifier(f"external_ids.{index}", IdentifierKind.EXTERNAL_ID, each["value"], system=each["system"])
              for index, each in enumerate(data.get("external_ids") or [])]
    return given


# --- the answers -------------------------------------------------------------------------------------------------


class CategoryHeldSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(read_only=True)
    sensitive = serializers.BooleanField(read_only=True)
    fields = serializers.ListField(child=serializers.CharField(), read_only=True)  # type: ignore[assignment]
    evidence = EvidenceSerializer(many=True, read_only=True)


class RecordsHeldSerializer(serializers.Serializer[Any]):
    sobject = serializers.CharField(read_only=True)
    org_key = serializers.CharField(read_only=True)
    record_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    categories = CategoryHeldSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(read_only=True)


class RecipientFlowSerializer(SystemAsDeclaredSerializer):
    integration = serializers.CharField(read_only=True)
    integration_kind = serializers.CharField(read_only=True)
    direction = serializers.CharField(read_only=True, help_text="sends: their data leaves to it; receives: it writes "
                                                                "their data into the org")
    purposes = serializers.ListField(child=serializers.CharField(), read_only=True)
    fields = serializers.ListField(  # type: ignore[assignment]  # the field's name, not the serializer's fields
        child=serializers.CharField(), read_only=True, help_text="Object.Field carried")
    consent_checked = serializers.BooleanField(read_only=True)
    opt_out_checked = serializers.BooleanField(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)


class ConsentHeldSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="purpose, or preference (an opt-out checkbox)")
    status = serializers.CharField(read_only=True, help_text="opt_in, opt_out, seen, not_seen")
    channel = serializers.CharField(read_only=True, allow_null=True)
    captured_at = serializers.DateTimeField(read_only=True, allow_null=True)
    effective_from = serializers.DateField(read_only=True, allow_null=True)
    effective_to = serializers.DateField(read_only=True, allow_null=True)
    meaning = serializers.CharField(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(read_only=True)


class RetentionHeldSerializer(serializers.Serializer[Any]):
    system_key = serializers.CharField(read_only=True, allow_null=True)
    system = serializers.CharField(read_only=True)
    period = serializers.CharField(read_only=True, help_text="ISO 8601 duration, e.g. P7Y")
    basis = serializers.CharField(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(read_only=True)


class ReaderSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="user, integration or system")
    name = serializers.CharField(read_only=True)
    sobject = serializers.CharField(read_only=True)
    requests = serializers.IntegerField(read_only=True)
    rows = serializers.IntegerField(read_only=True)
    first_accessed_at = serializers.DateTimeField(read_only=True)
    last_accessed_at = serializers.DateTimeField(read_only=True)
    evidence = EvidenceSerializer(read_only=True)


class GapSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(read_only=True, help_text="flow_against_opt_out, sync_ignores_processing_opt_out, "
                                                           "opt_out_late")
    summary = serializers.CharField(read_only=True)
    integration_key = serializers.CharField(read_only=True, allow_null=True)
    system_key = serializers.CharField(read_only=True, allow_null=True)
    purpose = serializers.CharField(read_only=True, allow_null=True)
    opted_out_at = serializers.DateTimeField(read_only=True, allow_null=True)
    evidence = EvidenceSerializer(many=True, read_only=True)


class FieldValueSerializer(serializers.Serializer[Any]):
    field = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True, allow_null=True)


class RecordValuesSerializer(serializers.Serializer[Any]):
    sobject = serializers.CharField(read_only=True)
    record_id = serializers.CharField(read_only=True)
    values = FieldValueSerializer(many=True, read_only=True)


class NotReadSerializer(serializers.Serializer[Any]):
    sobject = serializers.CharField(read_only=True)
    record_ids = serializers.ListField(child=serializers.CharField(), read_only=True)
    reason = serializers.CharField(read_only=True)


class LiveValuesSerializer(serializers.Serializer[Any]):
    read_at = serializers.DateTimeField(read_only=True)
    api_calls = serializers.IntegerField(read_only=True, help_text="Salesforce API calls spent reading them")
    records = RecordValuesSerializer(many=True, read_only=True)
    not_read = NotReadSerializer(many=True, read_only=True)


class DataMapSerializer(serializers.Serializer[Any]):
    subject_key = serializers.CharField(read_only=True, help_text="The consumer's keyed hash: the audit log's key")
    matched_by = serializers.ListField(child=serializers.CharField(), read_only=True,
                                       help_text="The identifiers (by field) that found them")
    looked_up_at = serializers.DateTimeField(read_only=True)
    as_of = serializers.DateTimeField(read_only=True, source="data_map.as_of")
    categories = serializers.ListField(child=serializers.CharField(), read_only=True, source="data_map.categories")
    sensitive = serializers.BooleanField(read_only=True, source="data_map.sensitive")
    records = RecordsHeldSerializer(many=True, read_only=True, source="data_map.records")
    recipients = RecipientFlowSerializer(many=True, read_only=True, source="data_map.recipients")
    consents = ConsentHeldSerializer(many=True, read_only=True, source="data_map.consents")
    retention = RetentionHeldSerializer(many=True, read_only=True, source="data_map.retention")
    readers = ReaderSerializer(many=True, read_only=True, source="data_map.readers")
    gaps = GapSerializer(many=True, read_only=True, source="data_map.gaps")
    values = LiveValuesSerializer(read_only=True, allow_null=True,
                                  help_text="include_values: their current values, read live; null when not asked")


class HeldInSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="salesforce (an object of theirs) or system")
    name = serializers.CharField(read_only=True)
    detail = serializers.CharField(read_only=True)


class ToTellSerializer(serializers.Serializer[Any]):
    system_key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    host = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True, allow_null=True)
    why = serializers.CharField(read_only=True)
    integrations = serializers.ListField(child=serializers.CharField(), read_only=True)


class DeletionPreviewSerializer(serializers.Serializer[Any]):
    subject_key = serializers.CharField(read_only=True)
    as_of = serializers.DateTimeField(read_only=True)
    held_in = HeldInSerializer(many=True, read_only=True, help_text="Every place holding their data")
    to_tell = ToTellSerializer(many=True, read_only=True,
                               help_text="Service providers, contractors and third parties to tell to delete")
    role_undeclared = ToTellSerializer(many=True, read_only=True,
                                       help_text="Systems receiving it whose role nobody has declared: decide")


class SubjectMatchSerializer(serializers.Serializer[Any]):
    subject_key = serializers.CharField(read_only=True)
    matched_by = serializers.ListField(child=serializers.CharField(), read_only=True)


class AmbiguousSerializer(ProblemSerializer):
    matches = SubjectMatchSerializer(many=True, read_only=True, help_text="Each consumer and what matched them")


# --- the views ---------------------------------------------------------------------------------------------------

AMBIGUOUS = OpenApiResponse(AmbiguousSerializer, description="Several consumers match: each with what matched it")
NOT_FOUND = OpenApiResponse(ProblemSerializer, description="No consumer matches (nothing is said of anyone else)")
UNAVAILABLE = OpenApiResponse(ProblemSerializer, description="The lineage graph is unavailable; retry")


@method_decorator(sensitive_post_parameters(), name="dispatch")
class _LookupView(APIView):
    api_scope = DSAR_READ
    write_permission = roles.LOOKUP_CONSUMER
    renderer_classes = [JSONRenderer]
    schema = ProblemAutoSchema()
    request_serializer: type[LookupRequestSerializer] = LookupRequestSerializer

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.LookupInputError):
            exc = ValidationError({exc.field: [exc.message]})
        elif isinstance(exc, services.ConsumerNotFoundError):
            exc = NotFound(str(exc))
        elif isinstance(exc, services.AmbiguousConsumerError):
            matches = SubjectMatchSerializer(exc.matches, many=True).data
            return _no_store(problem_response(status.HTTP_409_CONFLICT, str(exc), matches=matches))
        return _no_store(super().handle_exception(exc))

    @sensitive_variables()
    def looked_up(self, request: Request, **details: object) -> services.DataMapResult:
        body = self.request_body(request)
        asker = services.Asker(actor=request.user, reason=body["reason"], origin=services.API,
                               token=token_of(request.auth))
        as_of = as_of_asked(body)
        if as_of is not None:
            details = {**details, "as_of": as_of.isoformat()}
        return services.look_up(asker, given_identifiers(body), include_values=body["include_values"], as_of=as_of,
                                details=details)

    @sensitive_variables()
    def request_body(self, request: Request) -> dict[str, Any]:
        """The body checked: a field it does not know is a 400 naming it (a misspelt one is never ignored)."""
        if not isinstance(request.data, dict):
            raise ValidationError({"(body)": ["A JSON object: the identifiers, the reason, include_values."]})
        unknown = sorted(set(request.data) - set(self.request_serializer._declared_fields))
        if unknown:
            raise ValidationError({name: ["Not a field of a look-up."] for name in unknown})
        given = self.request_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        return dict(given.validated_data)


class DataMapView(_LookupView):
    """One consumer's data map, found by any of their identifiers."""

    @extend_schema(operation_id="look_up_data_map", request=LookupRequestSerializer,
                   responses={200: DataMapSerializer, (404, PROBLEM_CONTENT_TYPE): NOT_FOUND,
                              (409, PROBLEM_CONTENT_TYPE): AMBIGUOUS,
                              (503, PROBLEM_CONTENT_TYPE): UNAVAILABLE})
    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> Response:
        """Find one consumer by their emails, phones, Salesforce record ids or external ids, and answer where their
        data lives, where it went and under which consent, with the gaps; audited with the reason."""
        return _no_store(Response(represent(DataMapSerializer, self.looked_up(request))))


class DeletionPreviewView(_LookupView):
    """What deleting one consumer's data involves (§1798.105(c))."""

    @extend_schema(operation_id="preview_data_map_deletion", request=LookupRequestSerializer,
                   responses={200: DeletionPreviewSerializer, (404, PROBLEM_CONTENT_TYPE): NOT_FOUND,
                              (409, PROBLEM_CONTENT_TYPE): AMBIGUOUS,
                              (503, PROBLEM_CONTENT_TYPE): UNAVAILABLE})
    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> Response:
        """Every place holding the consumer's data, and the service providers, contractors and third parties to
        tell to delete it; audited as a look-up."""
        preview = disclosures.deletion_preview(self.looked_up(request, purpose="deletion preview").data_map)
        return _no_store(Response(represent(DeletionPreviewSerializer, preview)))


class PdfRenderer(JSONRenderer):
    """Lets a client send `Accept: application/pdf`: the file bypasses renderers, only a problem body comes here."""

    media_type = "application/pdf"
    format = "pdf"


class DataMapExportView(_LookupView):
    """One consumer's right-to-know response (§1798.110) as a file."""

    request_serializer = ExportRequestSerializer
    renderer_classes = [JSONRenderer, PdfRenderer]

    @extend_schema(operation_id="export_data_map", request=ExportRequestSerializer,
                   responses={(200, "application/json"): OpenApiResponse(
                       OpenApiTypes.OBJECT, description="json: categories collected, sources, purposes, recipients by "
                                                        "category, and the specific pieces when asked"),
                              (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="pdf"),
                              (404, PROBLEM_CONTENT_TYPE): NOT_FOUND, (409, PROBLEM_CONTENT_TYPE): AMBIGUOUS,
                              (503, PROBLEM_CONTENT_TYPE): UNAVAILABLE})
    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> HttpResponse:
        """The consumer's right-to-know response to send them, as JSON or PDF; audited as a look-up."""
        if not roles.can_export(request.user):
            raise PermissionDenied("Your role does not allow this (export catalog).")
        format_name = str(request.data.get("format", "")) if isinstance(request.data, dict) else ""
        result = self.looked_up(request, export=format_name)
        return download(exports.right_to_know_file(disclosures.right_to_know(result), format_name))


def download(file: exports.RightToKnowFile) -> HttpResponse:
    """The file as an attachment, from memory; never cached."""
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return _no_store(response)


def _no_store(response: Answer) -> Answer:
    patch_cache_control(response, no_store=True, private=True)
    return response


__all__ = ["DataMapExportView", "DataMapView", "DeletionPreviewView", "given_identifiers"]
