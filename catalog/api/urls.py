from rest_framework.routers import DefaultRouter

from catalog.api.views import HarvestRunViewSet, OrgConnectionViewSet

router = DefaultRouter()
router.register("orgs", OrgConnectionViewSet, basename="org")
router.register("harvest-runs", HarvestRunViewSet, basename="harvest-run")

urlpatterns = router.urls
