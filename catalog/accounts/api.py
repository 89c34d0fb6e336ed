"""The audit log's API: privacy officers list and filter events; nobody changes them (read-only viewset)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import django_filters
from django import forms
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


DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


class StrictIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time; given empty (`since=`) it is an error rather than no filter."""

    empty_values = [None]
    default_error_messages = {"invalid": "Enter a date like 2026-11-28, or an ISO 8601 time like "
                                         "2026-11-28T09:30:00Z."}


class StrictIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


class UntilDateTimeField(StrictIsoDateTimeField):
    """An ISO 8601 time, or a date meaning the whole of that day (a page's date input sends `2026-11-28`)."""

    def to_python(self, value: Any) -> datetime | None:
        until: datetime | None = super().to_python(value)
        if until is not None and isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            return until + timedelta(days=1)
        return until


class UntilDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UntilDateTimeField


class AuditEventFilterSet(django_filters.FilterSet):
    """The filters of the audit log, for the API and the page alike (the page shows their labels and hints)."""

    action = django_filters.MultipleChoiceFilter(choices=AuditAction.choices, label="What was done",
                                                 widget=forms.CheckboxSelectMultiple, error_messages={
                                                     "invalid_choice": "%(value)s is not an action the audit log "
                                                                       "records."})
    actor = django_filters.CharFilter(field_name="actor_name", label="Who", help_text="The exact username")
    token = django_filters.CharFilter(field_name="token_key", label="API token",
                                      help_text="The API token's public key")
    object_type = django_filters.CharFilter(label="Kind of object", help_text="e.g. harvest_run, field, user")
    object_key = django_filters.CharFilter(label="Object", help_text="The object's exact key")
    reason = django_filters.CharFilter(lookup_expr="icontains", label="Reason contains",
                                       help_text="Words of the stated reason, in any case")
    since = StrictIsoDateTimeFilter(field_name="at", lookup_expr="gte", label="From",
                                    help_text="Events on or after this date (or ISO 8601 time)")
    until = UntilDateTimeFilter(field_name="at", lookup_expr="lt", label="To",
                                help_text="Events up to the end of this date (or before this ISO 8601 time)")

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "token", "object_type", "object_key", "reason", "since", "until"]


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet[AuditEvent]):
    """The audit log, newest first: logins, tokens issued and revoked, harvests started, overrides, exports."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    read_permission = roles.VIEW_AUDIT_LOG

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.all()
