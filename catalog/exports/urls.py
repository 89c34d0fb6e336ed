"""The exports' routes: the pages beside the lists they export (included at the site root, before the systems' own
`systems/<key>/`), and the API's, mounted first under /api/v1/ by catalog.api.urls for the same reason."""

from django.urls import path

from catalog.exports import views
from catalog.exports.api import FieldExportView, SystemExportView

urlpatterns = [
    path("catalog/<str:alias>/fields/export/", views.field_export, name="catalog-fields-export"),
    path("systems/export/", views.system_export, name="system-export"),
]

api_urlpatterns = [
    path("orgs/<str:alias>/fields/export/", FieldExportView.as_view(), name="export-fields-api"),
    path("systems/export/", SystemExportView.as_view(), name="export-systems-api"),
]
