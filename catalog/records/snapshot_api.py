"""The records' history in the API: frozen snapshots (take one, list, read one with its integrity checked) under
/api/v1/processing-activities/snapshots/, and what changed between two records
(/api/v1/processing-activities/diff/), each side a date or a snapshot (`snapshot:<id>`).

Reading needs catalog:read and a role that views the catalog; taking a snapshot catalog:write and a role that edits
it (a privacy officer). Downloading one in any format is an export (`export_views.SnapshotExportView`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.accounts.tokens import token_of
from catalog.api.pagination import PageNumberPagination
from catalog.records import services, snapshots
from catalog.records.api import ORG_REQUIRED, RecordsViewSet, as_of_asked
from catalog.records.diff import Comparable, RecordDiff, comparable_record, diff_records
from catalog.records.models import RecordSnapshot

SNAPSHOT_PREFIX = "snapshot:"


class ChangeSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(read_only=True, help_text="The statement kind, e.g. recipients")
    added = serializers.ListField(child=serializers.CharField(), read_only=True)
    removed = serializers.ListField(child=serializers.CharField(), read_only=True)


class ActivityChangesSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    changes = ChangeSerializer(many=True, read_only=True)


class RecordDiffSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(read_only=True, source="alias")
    since = serializers.DateTimeField(read_only=True, source="earlier.as_of")
    until = serializers.DateTimeField(read_only=True, source="later.as_of")
    unchanged = serializers.BooleanField(read_only=True)
    added = serializers.ListField(child=serializers.CharField(), read_only=True,
                                  help_text="Activities only the later record has")
    removed = serializers.ListField(child=serializers.CharField(), read_only=True,
                                    help_text="Activities only the earlier record has")
    changed = ActivityChangesSerializer(many=True, read_only=True)


class SnapshotSerializer(serializers.ModelSerializer[RecordSnapshot]):
    org = serializers.CharField(source="org.alias", read_only=True)
    taken_by = serializers.CharField(source="taken_by_name", read_only=True)
    harvest_run = serializers.IntegerField(source="harvest_run_id", read_only=True, allow_null=True,
                                           help_text="The harvest run after which the record was regenerated "
                                                     "(/api/v1/harvest-runs/{id}/); null when a person froze it")

    class Meta:
        model = RecordSnapshot
        fields = ["id", "org", "taken_at", "as_of", "taken_by", "reason", "activity_count", "sha256", "harvest_run"]
        read_only_fields = fields


class SnapshotDetailSerializer(SnapshotSerializer):
    intact = serializers.SerializerMethodField(help_text="Its digest and signature check out with the trusted keys")
    check = serializers.SerializerMethodField(help_text="What the check found, in words")
    record = serializers.SerializerMethodField(help_text="The frozen record: its JSON export's body")

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "intact", "check", "record"]
        read_only_fields = fields

    def get_intact(self, snapshot: RecordSnapshot) -> bool:
        return snapshots.verification_of(snapshot).valid

    def get_check(self, snapshot: RecordSnapshot) -> str:
        return snapshots.verification_of(snapshot).detail

    def get_record(self, snapshot: RecordSnapshot) -> dict[str, Any]:
        return snapshots.body_of(snapshot)


class SnapshotRequestSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(max_length=100, help_text="The org's alias")
    as_of = serializers.CharField(required=False, allow_blank=True,
                                  help_text="The moment to freeze (a date or date and time); now when left out")
    reason = serializers.CharField(max_length=snapshots.MAX_REASON_LENGTH, help_text="Why it is frozen")


# A side of a diff: a date (the end of that day, UTC) or a snapshot; an ISO date and time is taken too.
_SIDE = {"oneOf": [{"type": "string", "format": "date"},
                   {"type": "string", "pattern": "^snapshot:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                                                 "[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}]}
SINCE = OpenApiParameter("since", _SIDE, OpenApiParameter.QUERY, required=True,
                         description="The earlier record: a date (the end of that day, UTC), a date and time, or "
                                     "snapshot:<id>")
UNTIL = OpenApiParameter("until", _SIDE, OpenApiParameter.QUERY,
                         description="The later record, as `since`; now when left out")
REGENERATED = OpenApiParameter("regenerated", OpenApiTypes.BOOL, OpenApiParameter.QUERY,
                               description="true: only the records regenerated after harvest runs; false: only the "
                                           "snapshots people froze; left out: both")
SNAPSHOT = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The snapshot's id")


def records_compared(params: Any) -> RecordDiff:
    """The diff `org`, `since` and `until` ask for, each side a date or `snapshot:<id>` (`since` may be the later
    one: the diff then reads backwards); a missing or bad one is a 400 naming it, an unknown one a 404."""
    missing = {name: ["Required."] for name in ("org", "since") if not params.get(name)}
    if missing:
        raise ValidationError(missing)
    earlier, later = (_side(params, name) for name in ("since", "until"))
    return diff_records(earlier, later)


def _side(params: Any, name: str) -> Comparable:
    given = str(params.get(name) or "")
    if given.startswith(SNAPSHOT_PREFIX):  # a snapshot the org does not have is a 404 naming it
        return snapshots.comparable(snapshots.snapshot_named(given.removeprefix(SNAPSHOT_PREFIX), params["org"]))
    return comparable_record(services.record_of(params["org"], as_of_asked(params, name)))


class RecordDiffViewSet(RecordsViewSet):
    @extend_schema(parameters=[ORG_REQUIRED, SINCE, UNTIL], responses=RecordDiffSerializer)
    def diff(self, request: Request) -> Response:
        """What changed in the org's record between two dates or snapshots: activities added and removed, and
        within each the regime, categories, sources, recipients, sales or sharing, transfers and profiling added
        and removed."""
        return Response(RecordDiffSerializer(records_compared(request.query_params)).data)


class SnapshotViewSet(RecordsViewSet):
    """Frozen, signed snapshots of an org's record, newest first."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=[ORG_REQUIRED, REGENERATED], responses=SnapshotSerializer(many=True))
    def list(self, request: Request) -> Response:
        alias = request.query_params.get("org")
        if not alias:
            raise ValidationError({"org": ["Required."]})
        listed = snapshots.snapshots_of(alias)
        if (regenerated := regenerated_asked(request.query_params)) is not None:
            listed = listed.filter(harvest_run__isnull=not regenerated)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(listed, request, self)
        return paginator.get_paginated_response(SnapshotSerializer(page, many=True).data)

    @extend_schema(request=SnapshotRequestSerializer, responses={201: SnapshotDetailSerializer})
    def create(self, request: Request) -> Response:
        """Freeze the org's record (as of now, or of `as_of`), signed; audited."""
        given = SnapshotRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        taken = snapshots.take_snapshot(values["org"], reason=values["reason"], actor=request.user,
                                        as_of=as_of_asked(values), token=token_of(request.auth))
        return Response(SnapshotDetailSerializer(taken).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[SNAPSHOT], responses=SnapshotDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(SnapshotDetailSerializer(snapshots.snapshot_named(pk)).data)


def regenerated_asked(params: Any) -> bool | None:
    """The `regenerated` filter: true, false, or None when left out; anything else is a 400 naming it."""
    given = params.get("regenerated") or ""
    if given not in ("", "true", "false"):
        raise ValidationError({"regenerated": ["true or false."]})
    return None if given == "" else given == "true"

