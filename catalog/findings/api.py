"""The findings' API: `/api/v1/findings/` (filters by org, rule, severity, state, system, object; ranked by
exposure), a finding with its evidence path, its rule and its history, the lifecycle actions (acknowledge, accept the
risk, reopen: scope catalog:write and a role that edits the catalog, so an auditor's is a 403), the rules themselves,
and the evaluations with what each found new, recurring and fixed.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.accounts.tokens import token_of
from catalog.api.errors import PROBLEM_CONTENT_TYPE, problem_response
from catalog.api.serializers import ProblemSerializer
from catalog.findings import services
from catalog.findings.models import Evaluation, Finding, FindingEvent, FindingState
from lineage.rules import Severity, rule_named, rules

# --- the rules ---------------------------------------------------------------------------------------------------


class CitationSerializer(serializers.Serializer[Any]):
    cite = serializers.CharField(read_only=True, help_text="e.g. Cal. Civ. Code §1798.120(a), 11 CCR §7026(f)")
    says = serializers.CharField(read_only=True)


class RuleSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    severity = serializers.CharField(read_only=True)
    citations = CitationSerializer(many=True, read_only=True)
    explanation = serializers.CharField(read_only=True)
    remediation = serializers.CharField(read_only=True)
    evidence = serializers.CharField(read_only=True, help_text="What the evidence path shows")
    audience = serializers.CharField(read_only=True, help_text="Whose data it counts: holders, opted_out, named, "
                                                               "none")
    opt_outs = serializers.ListField(child=serializers.CharField(), read_only=True)
    penalty = serializers.CharField(read_only=True, help_text="administrative, or administrative_and_private_action "
                                                              "(§1798.150 damages should a breach follow)")
    enforcement = serializers.ListField(child=serializers.CharField(), read_only=True)
    why = serializers.CharField(read_only=True, help_text="What it checks and what it deliberately does not")


# --- findings ----------------------------------------------------------------------------------------------------


class StepSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The graph node's key")
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # the node's label, not the field's
    name = serializers.CharField(read_only=True)
    evidence = serializers.CharField(read_only=True, allow_null=True, help_text="The harvested artefact")


class FindingEventSerializer(serializers.ModelSerializer[FindingEvent]):
    actor = serializers.CharField(source="actor_name", read_only=True)
    harvest_run = serializers.IntegerField(source="harvest_run_id", read_only=True, allow_null=True)

    class Meta:
        model = FindingEvent
        fields = ["at", "actor", "from_state", "to_state", "note", "harvest_run"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer[Finding]):
    org = serializers.CharField(source="org.alias", read_only=True)
    rule = serializers.CharField(source="rule_id", read_only=True)
    title = serializers.CharField(read_only=True, help_text="Its rule's title")
    objects = serializers.ListField(source="sobjects", child=serializers.CharField(), read_only=True)
    exposure = serializers.SerializerMethodField()
    resolved_by_run = serializers.IntegerField(source="resolved_by_run_id", read_only=True, allow_null=True)

    class Meta:
        model = Finding
        fields = ["id", "org", "rule", "title", "severity", "state", "target", "target_name", "system", "objects",
                  "knowledge", "detail", "categories", "sensitive_categories", "consumers", "records", "exposure",
                  "first_seen_at", "last_seen_at", "resolved_at", "resolved_by_run", "state_changed_at",
                  "state_changed_by", "risk_owner", "risk_expires_on"]
        read_only_fields = fields

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get_exposure(self, finding: Finding) -> dict[str, Any]:
        return {"estimate": True, "low": str(finding.exposure_low), "high": str(finding.exposure_high),
                "currency": "USD", "basis": "Cal. Civ. Code §1798.155(a): $2,663 per violation, $7,988 per "
                                            "intentional violation (amounts in force from 1 January 2025), one "
                                            "violation per consumer affected, or one when they cannot be counted"}


class FindingDetailSerializer(FindingSerializer):
    path = StepSerializer(many=True, read_only=True, help_text="The evidence: nodes in order, with artefacts")
    fields_involved = serializers.ListField(source="fields", child=serializers.CharField(), read_only=True)
    risk_justification = serializers.CharField(read_only=True)
    rule_detail = serializers.SerializerMethodField()
    events = FindingEventSerializer(many=True, read_only=True)

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "path", "fields_involved", "risk_justification", "rule_detail",
                  "events"]
        read_only_fields = fields

    @extend_schema_field(RuleSerializer(allow_null=True))
    def get_rule_detail(self, finding: Finding) -> dict[str, Any] | None:
        rule = rule_named(finding.rule_id)
        return RuleSerializer(rule).data if rule is not None else None


class FindingFilterSet(django_filters.FilterSet):
    org = django_filters.CharFilter(field_name="org__alias", label="Org", help_text="The org's alias, e.g. demo")
    rule = django_filters.ChoiceFilter(field_name="rule_id", label="Rule", empty_label="Any rule",
                                       choices=[(rule.id, rule.title) for rule in rules()],
                                       help_text="The API takes its id, e.g. opted-out-consumers-moved")
    severity = django_filters.MultipleChoiceFilter(
        label="Severity", choices=[(each.value, each.value.capitalize()) for each in Severity],
        widget=forms.CheckboxSelectMultiple)
    state = django_filters.MultipleChoiceFilter(label="State", choices=FindingState.choices,
                                                widget=forms.CheckboxSelectMultiple)
    system = django_filters.CharFilter(field_name="system", label="Outside system",
                                       help_text="Its key, system: then its host, e.g. "
                                                 "system:api.trading-platform.example.com")
    object = django_filters.CharFilter(method="with_object", label="Salesforce object",
                                       help_text="Its API name, e.g. Contact")

    class Meta:
        model = Finding
        fields = ["org", "rule", "severity", "state", "system", "object"]

    def with_object(self, queryset: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        # A JSON list's text holds each name quoted, matched as Salesforce matches names (case aside): SQLite has no
        # JSON containment, so the same lookup serves it and PostgreSQL.
        return queryset.filter(sobjects__icontains=f'"{value}"') if value else queryset


class LifecycleNoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=services.MAX_NOTE_LENGTH, required=False, allow_blank=True,
                                 help_text="Why (kept with the finding and in the audit log)")


class ReopenSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=services.MAX_NOTE_LENGTH, help_text="Why it is reopened")


class AcceptRiskSerializer(serializers.Serializer[Any]):
    justification = serializers.CharField(max_length=services.MAX_NOTE_LENGTH,
                                          help_text="Why the business accepts the risk (e.g. GLBA-covered data, "
                                                    "§1798.145(e))")
    owner = serializers.CharField(max_length=150, help_text="Who owns the accepted risk")
    expires_on = serializers.DateField(help_text="When it reopens by itself (YYYY-MM-DD, within a year)")


ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The finding's id")
STATE_CONFLICT = OpenApiResponse(ProblemSerializer, description="Its state does not allow this change")


# The id is an integer in the schema, as the changes' ids are: a client (or a generated test) sending text such as
# `rules` would reach another route (`/findings/rules/`).
@extend_schema_view(retrieve=extend_schema(parameters=[ID]))
class FindingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Finding]):
    """Findings, the largest estimated exposure first; each with its evidence path, rule and history."""

    api_area = "catalog"
    filterset_class = FindingFilterSet

    def get_queryset(self) -> QuerySet[Finding]:
        found = services.findings()
        return found.prefetch_related("events") if self.action != "list" else found

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Finding]]:
        return FindingSerializer if self.action == "list" else FindingDetailSerializer

    def get_object(self) -> Finding:
        given = str(self.kwargs["pk"])
        finding = self.get_queryset().filter(pk=int(given)).first() if given.isascii() and given.isdigit() else None
        if finding is None:
            raise NotFound(f"There is no finding {given!r}.")
        return finding

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, services.FindingInputError):
            exc = ValidationError({exc.field: [str(exc)]})
        elif isinstance(exc, services.FindingStateError):
            return problem_response(status.HTTP_409_CONFLICT, str(exc))
        return super().handle_exception(exc)

    @extend_schema(parameters=[ID], request=LifecycleNoteSerializer, responses={
        200: FindingDetailSerializer, (409, PROBLEM_CONTENT_TYPE): STATE_CONFLICT})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """Acknowledge an open finding: seen, its remediation owned; it stays live."""
        finding = self.get_object()
        given = _valid(LifecycleNoteSerializer, request)
        services.acknowledge(finding, actor=request.user, note=given.get("note", ""),  # type: ignore[arg-type]
                            token=token_of(request.auth))
        return Response(FindingDetailSerializer(self.get_object()).data)  # its history read again, with the change

    @extend_schema(parameters=[ID], request=AcceptRiskSerializer, responses={
        200: FindingDetailSerializer, (409, PROBLEM_CONTENT_TYPE): STATE_CONFLICT})
    @action(detail=True, methods=["post"], url_path="accept-risk")
    def accept_risk(self, request: Request, pk: str) -> Response:
        """Accept an open or acknowledged finding's risk, with a justification, an owner and an expiry."""
        finding = self.get_object()
        given = _valid(AcceptRiskSerializer, request)
        services.accept_risk(finding, actor=request.user,  # type: ignore[arg-type]
                             justification=given["justification"], owner=given["owner"],
                             expires_on=given["expires_on"], token=token_of(request.auth))
        return Response(FindingDetailSerializer(self.get_object()).data)  # its history read again, with the change

    @extend_schema(parameters=[ID], request=ReopenSerializer, responses={
        200: FindingDetailSerializer, (409, PROBLEM_CONTENT_TYPE): STATE_CONFLICT})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Reopen an acknowledged finding or an accepted risk (a resolved one reopens when the graph shows it)."""
        finding = self.get_object()
        given = _valid(ReopenSerializer, request)
        services.reopen(finding, actor=request.user, note=given["note"],  # type: ignore[arg-type]
                        token=token_of(request.auth))
        return Response(FindingDetailSerializer(self.get_object()).data)  # its history read again, with the change


class RuleViewSet(viewsets.ViewSet):
    """The compliance rules: what each checks, the law it concerns, and what a Salesforce team does about it."""

    api_area = "catalog"
    pagination_class = None

    @extend_schema(responses={200: RuleSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return Response(RuleSerializer(rules(), many=True).data)


class EvaluationSerializer(serializers.ModelSerializer[Evaluation]):
    org = serializers.CharField(source="org.alias", read_only=True)
    harvest_run = serializers.IntegerField(source="harvest_run_id", read_only=True, allow_null=True)

    class Meta:
        model = Evaluation
        fields = ["id", "org", "harvest_run", "started_at", "finished_at", "rule_seconds", "new", "recurring",
                  "fixed", "reopened"]
        read_only_fields = fields


class EvaluationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Evaluation]):
    """Each evaluation of the rules, newest first: the findings it found new, recurring and fixed."""

    api_area = "catalog"
    serializer_class = EvaluationSerializer
    queryset = Evaluation.objects.select_related("org").order_by("-started_at", "-pk")
    filterset_fields = {"org__alias": ["exact"]}


def _valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    given = serializer_class(data=request.data)
    given.is_valid(raise_exception=True)
    return dict(given.validated_data)
