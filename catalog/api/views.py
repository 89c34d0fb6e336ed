"""Thin API views: reading is declared; starting a harvest goes through harvesters' own service functions."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.accounts import roles
from catalog.accounts.tokens import token_of
from catalog.api.errors import PROBLEM_CONTENT_TYPE, problem_response
from catalog.api.serializers import (
    HarvestRequestSerializer,
    HarvestRunConflictSerializer,
    HarvestRunSerializer,
    OpenLineageIngestSerializer,
    OrgConnectionSerializer,
    ProblemSerializer,
)
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection
from harvesters.openlineage import OpenLineageEventError, ingest_openlineage_event


class OrgConnectionViewSet(viewsets.ReadOnlyModelViewSet[OrgConnection]):
    """Registered Salesforce orgs (credentials are never returned)."""

    queryset = OrgConnection.objects.all()
    serializer_class = OrgConnectionSerializer
    lookup_field = "alias"


class HarvestRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[HarvestRun]):
    """Harvest runs with their progress, counts, API calls spent and errors; POST starts one."""

    serializer_class = HarvestRunSerializer
    action_permissions = {"create": roles.RUN_HARVESTS}

    def get_queryset(self) -> QuerySet[HarvestRun]:
        queryset = HarvestRun.objects.select_related("org", "regenerated_record")
        alias = self.request.query_params.get("org")
        if alias and "\x00" in alias:  # as every form's text refuses it, and the schema says
            raise ValidationError({"org": ["Null characters are not allowed."]})
        return queryset.filter(org__alias=alias) if alias else queryset

    @extend_schema(parameters=[OpenApiParameter("org", str, description="only the runs of this org alias")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=HarvestRequestSerializer, responses={
        202: HarvestRunSerializer,
        (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(HarvestRunConflictSerializer,
                                                     description="The org has a run that has not finished"),
    })
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        from harvesters.tasks import queue_harvest

        given = HarvestRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            run = queue_harvest(given.validated_data["org"], full=given.validated_data["full"],
                                       sources=given.validated_data.get("sources"), requested_by=request.user,
                                       origin=_origin_of(request))
        except runs.RunInProgressError as error:
            return problem_response(status.HTTP_409_CONFLICT, str(error),
                                    running_run=HarvestRunSerializer(error.running).data)
        return Response(HarvestRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def _origin_of(request: Request) -> str:
    """How an API request was made, for the audit log: with which token, or the pages' session."""
    token = token_of(request.auth)
    return f"api (token {token.token_key})" if token is not None else "api (session)"


OPENLINEAGE_EXAMPLE = {
    "eventType": "COMPLETE", "eventTime": "2026-11-20T02:15:07.412Z",
    "producer": "https://github.com/apache/airflow/tree/providers-openlineage/2.0.0",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "01935c55-8f3e-7a8b-9d3c-2b1e0c4f5a6d"},
    "job": {"namespace": "airflow-prod", "name": "nightly_loans.export_contacts"},
    "inputs": [{"namespace": "salesforce://00D8d0GoldPoppyECB", "name": "Contact", "facets": {"schema": {
        "_producer": "https://github.com/apache/airflow", "_schemaURL":
            "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet",
        "fields": [{"name": "Email", "type": "email"}]}}}],
    "outputs": [{"namespace": "postgres://warehouse.example.com:5432", "name": "analytics.public.contacts"}],
}


class OpenLineageEventView(APIView):
    """Receives OpenLineage run events (Airflow, dbt, Spark …) and adds their lineage to the graph."""

    parser_classes = [JSONParser]
    write_permission = roles.RUN_HARVESTS

    @extend_schema(
        operation_id="lineage_openlineage_create",
        summary="Add lineage from an OpenLineage RunEvent",
        description=(
            "An OpenLineage 2-0 RunEvent. A dataset whose namespace is salesforce://<org id, instance host or "
            "My Domain host> of the `org` given is that org's object (name = object API name; schema and "
            "columnLineage columns are its fields); any other dataset is a System keyed by its namespace's "
            "host. A `recordkeeperPrivacy` job or run facet with consentChecked / optOutChecked marks the "
            "flows as consent- or opt-out-checked (false otherwise). Posting the same event again changes nothing."
        ),
        parameters=[OpenApiParameter("org", str, description="the alias of the Salesforce org the event is about")],
        request={"application/json": OpenApiTypes.OBJECT},
        examples=[OpenApiExample("Airflow task exporting contacts", value=OPENLINEAGE_EXAMPLE, request_only=True)],
        responses={
            201: OpenLineageIngestSerializer,
            (400, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=(
                'Problems by field path in `errors`, e.g. {"job.name": ["This field is required."]}; also more '
                'datasets, fields or edges than the OPENLINEAGE_MAX_* settings allow')),
            (413, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer,
                                                         description="A body over OPENLINEAGE_MAX_BODY_BYTES"),
            (503, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer,
                                                         description="The lineage graph is unavailable; retry"),
        },
    )
    def post(self, request: Request) -> Response:
        too_big = _oversized_body(request)
        if too_big is not None:
            return too_big
        if not isinstance(request.data, dict):
            return problem_response(status.HTTP_400_BAD_REQUEST, "The body is not an OpenLineage RunEvent.",
                                    {"(event)": ["Expected an object (an OpenLineage RunEvent)."]})
        try:
            result = ingest_openlineage_event(request.data, request.query_params.get("org"))
        except OpenLineageEventError as error:
            return problem_response(status.HTTP_400_BAD_REQUEST,
                                    f"The event is not valid: {', '.join(sorted(error.problems))}.", error.problems)
        except (ServiceUnavailable, SessionExpired, TransientError):
            return problem_response(status.HTTP_503_SERVICE_UNAVAILABLE, "The lineage graph is unavailable; retry.")
        return Response(OpenLineageIngestSerializer(result).data, status=status.HTTP_201_CREATED)


def _oversized_body(request: Request) -> Response | None:
    """A 413 for a body over OPENLINEAGE_MAX_BODY_BYTES, told by its length before it is read or parsed."""
    limit: int = settings.OPENLINEAGE_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    size = int(declared) if declared.isdigit() else 0
    if size <= limit:
        size = len(request.body)  # no or a wrong length header: Django caps what it reads into memory
    if size <= limit:
        return None
    return problem_response(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                            f"The body is {size} bytes; at most {limit} are accepted (split the event).",
                            {"(event)": [f"The body is {size} bytes; at most {limit} are accepted."]})
