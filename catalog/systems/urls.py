"""The systems pages (included at the site root: /systems/, /integrations/) and their API routes, mounted under
/api/v1/ by catalog.api.urls. Integration keys may hold any character a name does, so they match as paths."""

from django.urls import path

from catalog.systems import views
from catalog.systems.api import IntegrationViewSet, SystemViewSet

urlpatterns = [
    path("systems/", views.system_list, name="system-list"),
    path("systems/<str:key>/", views.system_detail, name="system-detail"),
    path("integrations/", views.integration_list, name="integration-list"),
    path("integrations/<path:key>/", views.integration_detail, name="integration-detail"),
]

api_urlpatterns = [
    path("systems/", SystemViewSet.as_view({"get": "list"}), name="system-api-list"),
    path("systems/<str:key>/", SystemViewSet.as_view({"get": "retrieve"}), name="system-api-detail"),
    path("integrations/", IntegrationViewSet.as_view({"get": "list"}), name="integration-api-list"),
    path("integrations/<path:key>/", IntegrationViewSet.as_view({"get": "retrieve"}), name="integration-api-detail"),
]
