from django.contrib import admin
from django.urls import include, path

from catalog import views
from catalog.accounts import views as account_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("catalog.accounts.urls")),
    path("harvests/", include("catalog.harvests.urls")),
    path("lineage/", include("catalog.explorer.urls")),
    path("catalog/", include("catalog.inventory.urls")),
    path("catalog/", include("catalog.classification.urls")),  # the review page and the field page's override forms
    path("audit/", account_views.audit_log, name="audit-log"),
    path("records/", include("catalog.records.urls")),
    path("data-maps/", include("catalog.datamaps.urls")),
    path("findings/", include("catalog.findings.urls")),  # a look-up is a POST: identifiers never in an address
    path("", include("catalog.exports.urls")),  # before the systems': /systems/export/ is no system's key
    path("", include("catalog.systems.urls")),  # /systems/ and /integrations/
    path("admin/", admin.site.urls),
    path("api/", include("catalog.api.urls")),  # v1, the schema and its docs, and a 404 problem for the rest
]
