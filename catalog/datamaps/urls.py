"""The data maps' routes: their API, mounted under /api/v1/ by catalog.api.urls, and their pages under /data-maps/.
No route carries an identifier: they travel in POST bodies only."""

from django.urls import path

from catalog.datamaps import views
from catalog.datamaps.api import DataMapExportView, DataMapView, DeletionPreviewView

api_urlpatterns = [
    path("data-maps/", DataMapView.as_view(), name="data-map-lookup"),
    path("data-maps/export/", DataMapExportView.as_view(), name="data-map-export"),
    path("data-maps/deletion-preview/", DeletionPreviewView.as_view(), name="data-map-deletion-preview"),
]

urlpatterns = [  # the pages, mounted under /data-maps/ by catalog.urls
    path("", views.data_map_lookup, name="data-map-page"),
    path("download/", views.data_map_download, name="data-map-download"),
]
