from django.urls import path
from rest_framework.routers import DefaultRouter

from catalog.api.views import HarvestRunViewSet, OpenLineageEventView, OrgConnectionViewSet

router = DefaultRouter()
router.register("orgs", OrgConnectionViewSet, basename="org")
router.register("harvest-runs", HarvestRunViewSet, basename="harvest-run")

urlpatterns = router.urls
urlpatterns += [path("lineage/openlineage", OpenLineageEventView.as_view(), name="lineage-openlineage")]
