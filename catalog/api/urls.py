"""Everything under /api/: version 1's router, the OpenAPI schema and its two viewers, and a 404 for the rest."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from catalog.accounts.api import AuditEventViewSet
from catalog.api.docs import RedocView, SwaggerView
from catalog.api.errors import api_not_found
from catalog.api.views import HarvestRunViewSet, OpenLineageEventView, OrgConnectionViewSet
from catalog.classification.urls import api_urlpatterns as classification_api
from catalog.datamaps.urls import api_urlpatterns as datamaps_api
from catalog.explorer.urls import api_urlpatterns as explorer_api
from catalog.exports.urls import api_urlpatterns as exports_api
from catalog.findings.urls import api_urlpatterns as findings_api
from catalog.inventory.urls import api_urlpatterns as inventory_api
from catalog.records.urls import api_urlpatterns as records_api
from catalog.systems.urls import api_urlpatterns as systems_api

router = DefaultRouter()
router.include_root_view = False  # the docs list the endpoints; the root view would be one more page to guard
router.register("orgs", OrgConnectionViewSet, basename="org")
router.register("harvest-runs", HarvestRunViewSet, basename="harvest-run")
router.register("audit-events", AuditEventViewSet, basename="audit-event")

v1 = [*exports_api, *router.urls, *inventory_api, *classification_api,
      *explorer_api, *systems_api, *records_api, *datamaps_api, *findings_api,
      path("lineage/openlineage", OpenLineageEventView.as_view(), name="lineage-openlineage")]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    re_path(r"^", api_not_found, name="api-not-found"),
]
