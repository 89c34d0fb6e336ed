"""API shapes. Org credentials never appear in any of them: the serializers name their fields explicitly."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection


class OrgConnectionSerializer(serializers.ModelSerializer[OrgConnection]):
    class Meta:
        model = OrgConnection
        fields = ["alias", "login_url", "instance_url", "api_version", "auth_flow", "username", "client_id",
                  "org_id", "edition", "harvest_every_minutes", "manifest_dir", "created_at", "updated_at"]
        read_only_fields = fields


class HarvestRunSerializer(serializers.ModelSerializer[HarvestRun]):
    org: serializers.SlugRelatedField[OrgConnection] = serializers.SlugRelatedField(slug_field="alias", read_only=True)
    run_id = serializers.UUIDField(source="uid", read_only=True)
    api_calls = serializers.IntegerField(read_only=True, allow_null=True,
                                         help_text="Salesforce API calls the run spent, by Salesforce's own counter")
    api_daily_limit = serializers.IntegerField(read_only=True, allow_null=True,
                                               help_text="The org's daily API request limit (DailyApiRequests Max)")
    api_remaining_before = serializers.IntegerField(read_only=True, allow_null=True,
                                                    help_text="DailyApiRequests Remaining when the run started")
    api_remaining_after = serializers.IntegerField(read_only=True, allow_null=True,
                                                   help_text="DailyApiRequests Remaining after the run's last call")
    regenerated_record = serializers.UUIDField(
        source="regenerated_record.id", read_only=True, allow_null=True,
        help_text="The record of processing stored, signed, after the run (/api/v1/processing-activities/snapshots/"
                  "{id}/); null when none was (the run did not succeed, or its warnings say why)")

    class Meta:
        model = HarvestRun
        fields = ["id", "run_id", "org", "full", "sources", "status", "reason", "created_at", "started_at",
                  "finished_at", "chunks_done", "chunks_total", "counts", "api_calls", "api_daily_limit",
                  "api_remaining_before", "api_remaining_after", "errors", "warnings", "regenerated_record"]
        read_only_fields = fields


class ProblemSerializer(serializers.Serializer[Any]):
    """RFC 9457 problem details, the body of every API error (catalog.api.errors)."""

    type = serializers.CharField(read_only=True, help_text="about:blank")
    status = serializers.IntegerField(read_only=True, help_text="The HTTP status code")
    title = serializers.CharField(read_only=True, help_text="The status's phrase, e.g. Bad Request")
    detail = serializers.CharField(read_only=True, help_text="What happened, in words")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), read_only=True,  # type: ignore[assignment]
                                   help_text='Messages by field name, e.g. {"page_size": ["A whole number …"]}')


class HarvestRunConflictSerializer(ProblemSerializer):
    """The answer to a harvest request while the org's previous run has not finished (HTTP 409)."""

    running_run = HarvestRunSerializer(read_only=True)


class HarvestRequestSerializer(serializers.Serializer[dict[str, Any]]):
    org = serializers.SlugRelatedField(slug_field="alias", queryset=OrgConnection.objects.all())
    full = serializers.BooleanField(default=False)
    sources = serializers.ListField(child=serializers.CharField(), required=False, allow_empty=False)

    def validate_sources(self, sources: list[str]) -> list[str]:
        unknown = sorted(set(sources) - set(runs.all_sources()))
        if unknown:
            raise serializers.ValidationError(
                f"unknown sources: {', '.join(unknown)}; known: {', '.join(runs.all_sources())}")
        return sources


class OpenLineageIngestSerializer(serializers.Serializer[Any]):
    """What one ingested OpenLineage RunEvent wrote (the event itself is validated by harvesters.openlineage)."""

    run_id = serializers.CharField(read_only=True, help_text="The graph's run_id: openlineage:<runId>")
    org_key = serializers.CharField(read_only=True, help_text="org:<org id>, or org:openlineage without ?org")
    integration_key = serializers.CharField(read_only=True)
    nodes = serializers.IntegerField(read_only=True)
    edges = serializers.IntegerField(read_only=True)
    written = serializers.IntegerField(read_only=True)
    skipped = serializers.IntegerField(read_only=True,
                                      help_text="Edges to SObjects or Fields not in the graph (harvest the schema)")
