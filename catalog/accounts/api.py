"""The audit log's API: privacy officers list and filter events; nobody changes them (read-only viewset)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers, viewsets

from catalog.accounts import roles
from catalog.accounts.models import AuditAction, AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor_name", read_only=True,
                                  help_text="The username, or the part of the system that acted")
    token = serializers.CharField(source="token_key", read_only=True,
                                  help_text="The public key of the API token used, if any")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "token", "action", "object_type", "object_key", "reason", "details"]
        read_only_fields = fields


class StrictIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time; given empty (`since=`) it is an error rather than no filter."""

    empty_values = [None]


class StrictIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


class AuditEventFilterSet(django_filters.FilterSet):
    """The filters of the audit log, for the API and the page alike."""

    action = django_filters.MultipleChoiceFilter(choices=AuditAction.choices)
    actor = django_filters.CharFilter(field_name="actor_name", help_text="The exact username")
    token = django_filters.CharFilter(field_name="token_key", help_text="The API token's public key")
    object_type = django_filters.CharFilter()
    object_key = django_filters.CharFilter()
    since = StrictIsoDateTimeFilter(field_name="at", lookup_expr="gte",
                                    help_text="Events at or after this ISO 8601 time")
    until = StrictIsoDateTimeFilter(field_name="at", lookup_expr="lt", help_text="Events before this ISO 8601 time")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "token", "object_type", "object_key", "since", "until"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet[AuditEvent]):
    """The audit log, newest first: logins, tokens issued and revoked, harvests started, overrides, exports."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    read_permission = roles.VIEW_AUDIT_LOG

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.all()
