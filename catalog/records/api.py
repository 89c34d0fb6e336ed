"""The records' API: /api/v1/processing-activities/ (list, one activity with its evidence, its human-owned fields
edited) and /api/v1/orgs/{alias}/record/ (the record's own fields: controller, DPO, representative).

Every read takes `?as_of=` (a date: the end of that day, UTC; or an ISO 8601 date and time): the record as the graph
stood then. Reading needs catalog:read and a role that views the catalog; editing needs catalog:write and a role
that edits it (a privacy officer).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.accounts.tokens import token_of
from catalog.api.pagination import PageNumberPagination
from catalog.inventory.services import NotInCatalogError
from catalog.records import regenerated, services
from catalog.records.models import ACTIVITY_FIELDS, MAX_TEXT, ORG_FIELDS
from harvesters.models import OrgConnection

# --- shapes -----------------------------------------------------------------------------------------------------


class EvidenceSerializer(serializers.Serializer[Any]):
    path = serializers.ListField(child=serializers.CharField(), read_only=True,
                                 help_text="Graph node keys and relationship types along the path")
    artefact = serializers.CharField(read_only=True, allow_null=True, help_text="The harvested artefact behind it")


class StatedSerializer(serializers.Serializer[Any]):
    evidence = EvidenceSerializer(many=True, read_only=True)
    reason = serializers.CharField(read_only=True, help_text="Why, in words (empty: the evidence says it)")


class StatedTextSerializer(StatedSerializer):
    value = serializers.CharField(read_only=True)


class StatedBooleanSerializer(StatedSerializer):
    value = serializers.BooleanField(read_only=True)


# A system the data goes to, with the CCPA role and country the org declares for it (records and data maps); a
# comment, not a docstring, which the schema would give every subclass as its description.
class SystemAsDeclaredSerializer(serializers.Serializer[Any]):
    system_key = serializers.CharField(read_only=True)
    host = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, allow_null=True)
    role = serializers.CharField(read_only=True, allow_null=True,
                                 help_text="service_provider, contractor, third_party, first_party; null: undeclared")
    country = serializers.CharField(read_only=True, allow_null=True)


class RecipientSerializer(SystemAsDeclaredSerializer):
    integration = serializers.CharField(read_only=True, help_text="The integration that moves the data there")
    dpa_signed = serializers.BooleanField(read_only=True, allow_null=True, help_text="A contract on file")


class StatedRecipientSerializer(StatedSerializer):
    value = RecipientSerializer(read_only=True)


class RetentionSerializer(serializers.Serializer[Any]):
    system = serializers.CharField(read_only=True)
    period = serializers.CharField(read_only=True, allow_null=True, help_text="ISO 8601 duration, e.g. P7Y")
    basis = serializers.CharField(read_only=True, allow_null=True)


class StatedRetentionSerializer(StatedSerializer):
    value = RetentionSerializer(read_only=True)


class KeptPastRetentionSerializer(serializers.Serializer[Any]):
    sobject = serializers.CharField(read_only=True, help_text="The Salesforce object counted")
    period = serializers.CharField(read_only=True, help_text="ISO 8601 duration counted against: the longest the "
                                                             "activity's manifests state")
    older = serializers.IntegerField(read_only=True, allow_null=True,
                                     help_text="Records created before the cutoff; null: not counted")
    cutoff = serializers.DateTimeField(read_only=True)
    counted_at = serializers.DateTimeField(read_only=True, help_text="When the harvest counted them")
    not_counted = serializers.CharField(read_only=True, allow_null=True,
                                        help_text="Why they were not counted (API budget, a refused query)")
    described = serializers.CharField(read_only=True, help_text="The statement in words")


class StatedKeptPastRetentionSerializer(StatedSerializer):
    value = KeptPastRetentionSerializer(read_only=True)


class SecuritySerializer(serializers.Serializer[Any]):
    sensitive_fields = serializers.IntegerField(read_only=True)
    encrypted_sensitive_fields = serializers.IntegerField(read_only=True)
    encryption_coverage = serializers.FloatField(read_only=True, allow_null=True,
                                                 help_text="Share of sensitive fields with Shield encryption")
    code_without_sharing = serializers.ListField(child=serializers.CharField(), read_only=True)
    code_enforcing_security = serializers.ListField(child=serializers.CharField(), read_only=True)


class StatedSecuritySerializer(StatedSerializer):
    value = SecuritySerializer(read_only=True)


class ShownSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    value = serializers.CharField(read_only=True, allow_null=True)
    answered_by = serializers.ChoiceField(choices=[services.PRIVACY_OFFICER, services.GRAPH, services.NEEDS_INPUT],
                                     read_only=True, help_text="Who says it; needs input: nobody yet")
    evidence = EvidenceSerializer(many=True, read_only=True)


def _values(stated: tuple[Any, ...]) -> list[Any]:
    return [each.value for each in stated]


class ActivitySummarySerializer(serializers.Serializer[Any]):
    org = serializers.CharField(read_only=True)
    key = serializers.CharField(read_only=True, source="activity.key")
    name = serializers.CharField(read_only=True, source="activity.name")
    origin = serializers.CharField(read_only=True, source="activity.origin",
                                   help_text="DataUsePurpose, manifest, or unassigned (fields with no known purpose)")
    regime = serializers.CharField(read_only=True, source="activity.regime.value")
    dpia_indicated = serializers.BooleanField(read_only=True, source="activity.dpia_indicated.value")
    field_count = serializers.IntegerField(read_only=True, source="activity.field_count")
    personal_categories = serializers.SerializerMethodField()
    recipient_count = serializers.SerializerMethodField()
    needs_input = serializers.SerializerMethodField(help_text="Human-owned fields nobody has filled")

    def get_personal_categories(self, record: services.ActivityRecord) -> list[str]:
        return _values(record.activity.personal_categories)

    def get_recipient_count(self, record: services.ActivityRecord) -> int:
        return len({each.value.system_key for each in record.activity.recipients})

    def get_needs_input(self, record: services.ActivityRecord) -> list[str]:
        return [each.name for each in record.needs_input]


class ActivityDetailSerializer(ActivitySummarySerializer):
    as_of = serializers.DateTimeField(read_only=True)
    purposes = StatedTextSerializer(many=True, read_only=True, source="activity.purposes")
    consumer_categories = StatedTextSerializer(many=True, read_only=True, source="activity.consumer_categories")
    personal_information = StatedTextSerializer(many=True, read_only=True, source="activity.personal_categories")
    sensitive_information = StatedTextSerializer(many=True, read_only=True, source="activity.sensitive_categories")
    sources = StatedTextSerializer(many=True, read_only=True, source="activity.sources")
    systems = StatedTextSerializer(many=True, read_only=True, source="activity.systems")
    recipients = StatedRecipientSerializer(many=True, read_only=True, source="activity.recipients")
    sold_or_shared = StatedRecipientSerializer(many=True, read_only=True, source="activity.sold_or_shared")
    transfers = StatedRecipientSerializer(many=True, read_only=True, source="activity.transfers")
    retention_by_system = StatedRetentionSerializer(many=True, read_only=True, source="activity.retention")
    kept_past_retention = StatedKeptPastRetentionSerializer(
        many=True, read_only=True, source="activity.kept_past_retention",
        help_text="Per object, its records older than the activity's retention period, as the latest harvest by the "
                  "as-of date counted them in Salesforce (one COUNT() each; evidence: the query)")
    security = StatedSecuritySerializer(read_only=True, source="activity.security")
    profiling = StatedTextSerializer(many=True, read_only=True, source="activity.profiling")
    dpia = StatedBooleanSerializer(read_only=True, source="activity.dpia_indicated")
    regime_decision = StatedTextSerializer(read_only=True, source="activity.regime")
    owned = ShownSerializer(many=True, read_only=True,
                            help_text="The human-owned fields: a privacy officer's words, else the graph's, else "
                                      "needs input")
    updated_by = serializers.CharField(read_only=True, allow_null=True)
    description = StatedTextSerializer(read_only=True, allow_null=True, source="activity.description",
                                       help_text="What the graph says (the purpose's own description), whatever "
                                                 "a privacy officer wrote over it in owned")
    legal_basis = StatedTextSerializer(read_only=True, allow_null=True, source="activity.legal_basis",
                                       help_text="The legal basis the org records (DataUseLegalBasis), whatever a "
                                                 "privacy officer wrote over it in owned")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class RecordSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(read_only=True, source="alias")
    as_of = serializers.DateTimeField(read_only=True)
    live = serializers.BooleanField(read_only=True, help_text="As of now (false: rebuilt as the graph stood then)")
    harvested = serializers.BooleanField(read_only=True)
    owned = ShownSerializer(many=True, read_only=True)
    activity_count = serializers.SerializerMethodField()
    needs_input_count = serializers.IntegerField(read_only=True)

    def get_activity_count(self, record: services.RecordOfProcessing) -> int:
        return len(record.activities)


class RegeneratedSerializer(serializers.Serializer[Any]):
    snapshot = serializers.UUIDField(source="id", read_only=True,
                                     help_text="The stored record (/api/v1/processing-activities/snapshots/{id}/)")
    harvest_run = serializers.IntegerField(source="harvest_run_id", read_only=True,
                                           help_text="The run it followed (/api/v1/harvest-runs/{id}/)")
    taken_at = serializers.DateTimeField(read_only=True)


class OrgRecordSerializer(RecordSerializer):
    regenerated = serializers.SerializerMethodField(
        help_text="The record stored, signed, after the org's latest successful harvest run; null when none is")

    @extend_schema_field(RegeneratedSerializer(allow_null=True))
    def get_regenerated(self, record: services.RecordOfProcessing) -> dict[str, Any] | None:
        latest = regenerated.regeneration_of(record.alias).latest
        return dict(RegeneratedSerializer(latest).data) if latest is not None else None


def _edit_serializer(name: str, fields: dict[str, str]) -> type[serializers.Serializer[Any]]:
    declared: dict[str, Any] = {
        field: serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT, trim_whitespace=True,
                                     help_text=f"{label}; empty clears it") for field, label in fields.items()}
    declared["reason"] = serializers.CharField(required=False, allow_blank=True,
                                               max_length=services.MAX_REASON_LENGTH, help_text="Why, in your words")
    return type(name, (serializers.Serializer,), declared)


ActivityEditSerializer = _edit_serializer("ActivityEditSerializer", ACTIVITY_FIELDS)
RecordEditSerializer = _edit_serializer("RecordEditSerializer", ORG_FIELDS)
CLOSED_BODIES = ("PatchedActivityEditRequest", "PatchedRecordEditRequest")


def edit_bodies_are_closed(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: an edit names only the fields a privacy officer fills (any other is a 400 naming it,
    so a misspelt field is never silently dropped), and the schema says so."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_BODIES:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    return result


# --- views ------------------------------------------------------------------------------------------------------

# A blank as_of is now: a page's date field left empty sends it so.
AS_OF = OpenApiParameter("as_of", {"oneOf": [{"type": "string", "format": "date"},
                                             {"type": "string", "maxLength": 0}]}, OpenApiParameter.QUERY,
                         description="The record as the graph stood then: a date (the end of that day, UTC), or an "
                                     "ISO 8601 date and time (2026-11-01T09:30:00Z); now when left out")
ORG_REQUIRED = OpenApiParameter("org", {"type": "string", "minLength": 1}, OpenApiParameter.QUERY, required=True,
                                description="The org's alias")
ORG = OpenApiParameter("org", OpenApiTypes.STR, OpenApiParameter.QUERY,
                       description="One org's activities (its alias); every org's when left out")
ALIAS = OpenApiParameter("alias", OpenApiTypes.STR, OpenApiParameter.PATH, description="The org's alias")
KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH,
                       description="The activity's key (its purpose's name, lower case, hyphenated)")


def as_of_asked(params: Any, name: str = "as_of") -> datetime | None:
    """The moment parameter `name` of the query string asks for; not a date or a date and time is a 400 naming it."""
    given = params.get(name)
    if not given:
        return None
    try:
        moment = parse_datetime(given) if "T" in given or " " in given else None
        day = None if moment else parse_date(given)
    except ValueError:  # well formed but no such date or time (2026-02-30, 25:00)
        moment = day = None
    if moment is not None:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if day is None:
        raise ValidationError({name: ["A date (2026-11-01) or an ISO 8601 date and time."]})
    return datetime.combine(day, time.max, tzinfo=UTC)


class RecordsViewSet(viewsets.ViewSet):
    """Reads and edits through the records' services; a name that is not there is a 404 naming it, a bad value a
    400 naming its field."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, NotInCatalogError):
            exc = NotFound(str(exc))
        elif isinstance(exc, services.RecordInputError):
            exc = ValidationError({exc.field: [str(exc)]})
        return super().handle_exception(exc)


class ProcessingActivityViewSet(RecordsViewSet):
    """Processing activities generated from the graph, each statement with its evidence, and the human-owned
    fields beside them."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=[ORG, AS_OF], responses=ActivitySummarySerializer(many=True))
    def list(self, request: Request) -> Response:
        as_of = as_of_asked(request.query_params)
        alias = request.query_params.get("org")
        aliases = [alias] if alias else list(OrgConnection.objects.order_by("alias").values_list("alias", flat=True))
        rows = [each for record in (services.record_of(name, as_of) for name in aliases)
                for each in record.activities]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, self)
        return paginator.get_paginated_response(ActivitySummarySerializer(page, many=True).data)

    @extend_schema(parameters=[ALIAS, KEY, AS_OF], responses=ActivityDetailSerializer)
    def retrieve(self, request: Request, alias: str, key: str) -> Response:
        record = services.activity_of(alias, key, as_of_asked(request.query_params))
        return Response(ActivityDetailSerializer(record).data)

    @extend_schema(parameters=[ALIAS, KEY], request=ActivityEditSerializer, responses=ActivityDetailSerializer)
    def partial_update(self, request: Request, alias: str, key: str) -> Response:
        """Fill or change the activity's human-owned fields (an empty value clears one); audited."""
        values, reason = _edits(ActivityEditSerializer, request)
        record = services.edit_activity(alias, key, values, reason=reason, actor=request.user,
                                        token=token_of(request.auth))
        return Response(ActivityDetailSerializer(record).data)


class OrgRecordViewSet(RecordsViewSet):
    """The record's own fields for one org: controller, DPO, representative, and how much needs input."""

    @extend_schema(parameters=[ALIAS, AS_OF], responses=OrgRecordSerializer)
    def retrieve(self, request: Request, alias: str) -> Response:
        return Response(OrgRecordSerializer(services.record_of(alias, as_of_asked(request.query_params))).data)

    @extend_schema(parameters=[ALIAS], request=RecordEditSerializer, responses=RecordSerializer)
    def partial_update(self, request: Request, alias: str) -> Response:
        """Fill or change the controller, DPO or representative (an empty value clears one); audited."""
        values, reason = _edits(RecordEditSerializer, request)
        services.edit_org_record(alias, values, reason=reason, actor=request.user, token=token_of(request.auth))
        return Response(RecordSerializer(services.record_of(alias)).data)


def _edits(serializer: type[serializers.Serializer[Any]], request: Request) -> tuple[dict[str, str], str]:
    if not isinstance(request.data, dict):
        raise ValidationError({"non_field_errors": ["A JSON object of the fields to change."]})
    unknown = sorted(set(request.data) - set(serializer().fields))
    if unknown:
        raise ValidationError({name: ["Not a field a privacy officer fills here."] for name in unknown})
    given = serializer(data=request.data)
    given.is_valid(raise_exception=True)
    values = dict(given.validated_data)
    return {name: str(value) for name, value in values.items() if name != "reason"}, str(values.get("reason", ""))
