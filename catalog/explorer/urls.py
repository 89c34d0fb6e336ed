"""The explorer's page (mounted at /lineage/) and its API route (mounted under /api/v1/ by catalog.api.urls)."""

from django.urls import path

from catalog.explorer import views
from catalog.explorer.api import LineageView

urlpatterns = [
    path("", views.lineage_explorer, name="lineage-explorer"),
    path("nodes/", views.node_suggestions, name="lineage-node-suggestions"),
]

api_urlpatterns = [
    path("lineage/", LineageView.as_view(), name="lineage"),
]
