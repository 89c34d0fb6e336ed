"""Thin API views: reading is declared; starting a harvest goes through harvesters' own service functions."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.serializers import HarvestRequestSerializer, HarvestRunSerializer, OrgConnectionSerializer
from harvesters import runs
from harvesters.models import HarvestRun, OrgConnection


class OrgConnectionViewSet(viewsets.ReadOnlyModelViewSet[OrgConnection]):
    """Registered Salesforce orgs (credentials are never returned)."""

    queryset = OrgConnection.objects.all()
    serializer_class = OrgConnectionSerializer
    lookup_field = "alias"


class HarvestRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[HarvestRun]):
    """Harvest runs with their progress, counts, API calls spent and errors; POST starts one."""

    serializer_class = HarvestRunSerializer

    def get_queryset(self) -> QuerySet[HarvestRun]:
        queryset = HarvestRun.objects.select_related("org")
        alias = self.request.query_params.get("org")
        return queryset.filter(org__alias=alias) if alias else queryset

    @extend_schema(parameters=[OpenApiParameter("org", str, description="only the runs of this org alias")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=HarvestRequestSerializer, responses={202: HarvestRunSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        from harvesters.tasks import start_harvest

        given = HarvestRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        run = runs.request_harvest(given.validated_data["org"], full=given.validated_data["full"],
                                   sources=given.validated_data.get("sources"))
        start_harvest.delay(run.pk)
        return Response(HarvestRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
