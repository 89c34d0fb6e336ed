"""The records' routes: their API, mounted under /api/v1/ by catalog.api.urls, and their pages under /records/."""

from django.urls import path

from catalog.records import export_views, regulator_views, views
from catalog.records.api import OrgRecordViewSet, ProcessingActivityViewSet
from catalog.records.regulator_api import RegulatorsViewSet
from catalog.records.snapshot_api import RecordDiffViewSet, SnapshotViewSet

api_urlpatterns = [
    path("processing-activities/", ProcessingActivityViewSet.as_view({"get": "list"}),
         name="processing-activity-list"),
    path("processing-activities/export/", export_views.RecordExportView.as_view(), name="processing-activity-export"),
    path("processing-activities/ico-coverage/", RegulatorsViewSet.as_view({"get": "ico_coverage"}),
         name="processing-activity-ico-coverage"),
    path("processing-activities/ccpa-disclosures/", RegulatorsViewSet.as_view({"get": "ccpa_disclosures"}),
         name="processing-activity-ccpa-disclosures"),
    path("processing-activities/diff/", RecordDiffViewSet.as_view({"get": "diff"}), name="processing-activity-diff"),
    path("processing-activities/snapshots/", SnapshotViewSet.as_view({"get": "list", "post": "create"}),
         name="record-snapshot-list"),
    path("processing-activities/snapshots/<str:pk>/", SnapshotViewSet.as_view({"get": "retrieve"}),
         name="record-snapshot-detail"),
    path("processing-activities/snapshots/<str:pk>/download/", export_views.SnapshotExportView.as_view(),
         name="record-snapshot-download"),
    path("processing-activities/<str:alias>/<str:key>/",
         ProcessingActivityViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="processing-activity-detail"),
    path("orgs/<str:alias>/record/", OrgRecordViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="org-record"),
]

urlpatterns = [  # the pages, mounted under /records/ by catalog.urls
    path("", views.record_index, name="record-index"),
    path("<str:alias>/", views.record_org, name="record-org"),
    path("<str:alias>/edit/", views.record_org_edit, name="record-org-edit"),
    path("<str:alias>/export/", export_views.record_export, name="record-export"),  # before an activity named so
    path("<str:alias>/ico-coverage/", regulator_views.ico_coverage_page, name="record-ico-coverage"),
    path("<str:alias>/ccpa-disclosures/", regulator_views.ccpa_disclosures_page, name="record-ccpa-disclosures"),
    path("<str:alias>/changes/", views.record_changes, name="record-changes"),
    path("<str:alias>/snapshots/", views.record_snapshot_take, name="record-snapshot-take"),
    path("<str:alias>/snapshots/<str:pk>/", views.record_snapshot, name="record-snapshot"),
    path("<str:alias>/snapshots/<str:pk>/download/", views.record_snapshot_download,
         name="record-snapshot-page-download"),
    path("<str:alias>/<str:key>/", views.record_activity, name="record-activity"),
    path("<str:alias>/<str:key>/edit/", views.record_activity_edit, name="record-activity-edit"),
]
