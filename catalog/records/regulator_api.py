"""The regulators' shapes in the API: /api/v1/processing-activities/ico-coverage/ (the UK ICO template answered per
activity, with its coverage per question) and /api/v1/processing-activities/ccpa-disclosures/ (the CCPA privacy
policy's disclosures over the 12 months before the as-of date), each for one org (`?org=`) as of a date.

Reading needs catalog:read and a role that views the catalog, like every read of the records.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.errors import PROBLEM_CONTENT_TYPE
from catalog.api.serializers import ProblemSerializer
from catalog.records import services
from catalog.records.activities import Evidence
from catalog.records.api import AS_OF, ORG_REQUIRED, EvidenceSerializer, RecordsViewSet, as_of_asked
from catalog.records.disclosures import disclosures_of
from catalog.records.ico import QUESTIONS, STATUSES, Coverage, IcoRow, coverage

EVIDENCE_SHOWN = 25  # per line: the activity's own detail (and the exports) hold every line of its evidence


@extend_schema_field(EvidenceSerializer(many=True))
class BoundedEvidence(serializers.Field):  # type: ignore[type-arg]
    """A line's first EVIDENCE_SHOWN pieces of evidence: a category's can be every field of an org."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: tuple[Evidence, ...]) -> Any:
        return EvidenceSerializer(value[:EVIDENCE_SHOWN], many=True).data


def _evidence_count() -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True,
                                    help_text=f"All of its evidence; `evidence` shows the first {EVIDENCE_SHOWN}")


def _problems(what: str) -> dict[Any, OpenApiResponse]:
    return {
        (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=(
            "`org` missing, or `as_of` not a date or an ISO 8601 date and time; `errors` names it")),
        (404, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=(
            f"No connected org has that alias, so it has no {what}")),
    }


# --- the ICO template and its coverage --------------------------------------------------------------------------


class QuestionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(read_only=True, help_text="The ICO template's question key, e.g. ico_1_1")
    section = serializers.CharField(read_only=True, help_text="The article the question belongs to")
    column = serializers.CharField(read_only=True, help_text="The column's heading")
    answered_from = serializers.CharField(read_only=True, help_text="The part of the record that answers it")
    justification = serializers.CharField(read_only=True, help_text="Why it is answered from there, or cannot be")


class QuestionCoverageSerializer(serializers.Serializer[Any]):
    question = QuestionSerializer(read_only=True)
    answered = serializers.IntegerField(read_only=True, help_text="Activities it is answered for from evidence")
    partly = serializers.IntegerField(read_only=True, help_text="Activities it is partly answered for")
    needs_input = serializers.IntegerField(read_only=True, help_text="Activities nobody has answered it for")


class AnswerSerializer(serializers.Serializer[Any]):
    question = serializers.CharField(read_only=True, help_text="The question's key")
    status = serializers.ChoiceField(choices=list(STATUSES), read_only=True)
    text = serializers.CharField(read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True, help_text=f"The first {EVIDENCE_SHOWN}")
    evidence_count = serializers.IntegerField(read_only=True)


class IcoRowSerializer(serializers.Serializer[Any]):
    activity_key = serializers.CharField(read_only=True)
    activity_name = serializers.CharField(read_only=True)
    answers = serializers.SerializerMethodField(help_text="One per question, in the template's order")

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, row: IcoRow) -> list[dict[str, Any]]:
        return [{"question": question.key, "status": each.status, "text": each.text,
                 "evidence": EvidenceSerializer(each.evidence[:EVIDENCE_SHOWN], many=True).data,
                 "evidence_count": len(each.evidence)}
                for question, each in zip(QUESTIONS, row.answers, strict=True)]


class CoverageTotalsSerializer(serializers.Serializer[Any]):
    answered = serializers.IntegerField(read_only=True)
    partly = serializers.IntegerField(read_only=True)
    needs_input = serializers.IntegerField(read_only=True)
    total = serializers.IntegerField(read_only=True, help_text="Questions times activities")


class CoverageSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(read_only=True)
    as_of = serializers.DateTimeField(read_only=True, source="record.as_of")
    live = serializers.BooleanField(read_only=True, source="record.live")
    activity_count = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    questions = QuestionCoverageSerializer(many=True, read_only=True)
    rows = IcoRowSerializer(many=True, read_only=True, help_text="The template filled in: one row per activity")

    def get_activity_count(self, report: Coverage) -> int:
        return len(report.rows)

    @extend_schema_field(CoverageTotalsSerializer)
    def get_totals(self, report: Coverage) -> dict[str, int]:
        return {"answered": report.answered, "partly": report.partly, "needs_input": report.needs_input,
                "total": report.total}


# --- the CCPA disclosures ---------------------------------------------------------------------------------------


class CategoryLineSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(read_only=True, help_text="The CCPA category (§1798.140(v)(1))")
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    said = serializers.ListField(child=serializers.CharField(), read_only=True,
                                 help_text="Its sources, purposes, retention or uses, as the section asks")
    activities = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = BoundedEvidence(help_text=f"The first {EVIDENCE_SHOWN}")
    evidence_count = _evidence_count()
    glba_only = serializers.BooleanField(read_only=True,
                                         help_text="Every activity behind it is GLBA-exempt (§1798.145(e))")
    needs_input = serializers.CharField(read_only=True, help_text="What a privacy officer must still say")


class RecipientLineSerializer(serializers.Serializer[Any]):
    role = serializers.CharField(read_only=True, help_text="service_provider, contractor, third_party or undeclared")
    role_label = serializers.CharField(read_only=True)
    category = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    recipients = serializers.ListField(child=serializers.CharField(), read_only=True)
    activities = serializers.ListField(child=serializers.CharField(), read_only=True)
    evidence = BoundedEvidence(help_text=f"The first {EVIDENCE_SHOWN}")
    evidence_count = _evidence_count()
    reason = serializers.CharField(read_only=True, help_text="Sold or shared and why; or how the category is known")


class DisclosuresSerializer(serializers.Serializer[Any]):
    org = serializers.CharField(read_only=True)
    as_of = serializers.DateTimeField(read_only=True)
    window_start = serializers.DateTimeField(read_only=True, help_text="12 months before as_of")
    moments = serializers.ListField(child=serializers.DateTimeField(), read_only=True,
                                    help_text="When the record was read to cover the window")
    collected = CategoryLineSerializer(many=True, read_only=True)
    sources = CategoryLineSerializer(many=True, read_only=True)
    purposes = CategoryLineSerializer(many=True, read_only=True)
    disclosed_for_business_purpose = RecipientLineSerializer(many=True, read_only=True)
    sold_or_shared = RecipientLineSerializer(many=True, read_only=True)
    undeclared_recipients = RecipientLineSerializer(many=True, read_only=True)
    retention = CategoryLineSerializer(many=True, read_only=True)
    sensitive = CategoryLineSerializer(many=True, read_only=True)


# --- views ------------------------------------------------------------------------------------------------------


def org_asked(params: Any) -> str:
    alias = params.get("org")
    if not alias:
        raise ValidationError({"org": ["The org's alias is required."]})
    return str(alias)


class RegulatorsViewSet(RecordsViewSet):
    """An org's record in the regulators' shapes; an unknown org is a 404 naming it, a bad parameter a 400."""

    @extend_schema(operation_id="processing_activities_ico_coverage", parameters=[ORG_REQUIRED, AS_OF],
                   responses={200: CoverageSerializer, **_problems("record")})
    def ico_coverage(self, request: Request) -> Response:
        """The UK ICO template filled in from the record, and per question how many activities it answers."""
        alias, as_of = org_asked(request.query_params), as_of_asked(request.query_params)
        return Response(CoverageSerializer(coverage(services.record_of(alias, as_of))).data)

    @extend_schema(operation_id="processing_activities_ccpa_disclosures", parameters=[ORG_REQUIRED, AS_OF],
                   responses={200: DisclosuresSerializer, **_problems("disclosures")})
    def ccpa_disclosures(self, request: Request) -> Response:
        """The CCPA privacy policy's disclosures over the 12 months before as_of, each line with its evidence."""
        alias, as_of = org_asked(request.query_params), as_of_asked(request.query_params)
        return Response(DisclosuresSerializer(disclosures_of(alias, as_of)).data)
