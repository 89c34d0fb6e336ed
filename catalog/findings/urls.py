"""The findings' routes: the API, mounted under /api/v1/ by catalog.api.urls, and the pages under /findings/."""

from django.urls import path

from catalog.findings import views
from catalog.findings.api import EvaluationViewSet, FindingViewSet, RuleViewSet

urlpatterns = [  # mounted under /findings/ by catalog.urls
    path("", views.finding_list, name="finding-list"),
    path("export/", views.finding_export, name="finding-export"),
    path("<int:pk>/", views.finding_detail, name="finding-detail"),
    path("<int:pk>/<str:change>/", views.finding_change, name="finding-change"),
]

api_urlpatterns = [
    path("findings/", FindingViewSet.as_view({"get": "list"}), name="api-finding-list"),
    path("findings/rules/", RuleViewSet.as_view({"get": "list"}), name="api-finding-rule-list"),
    path("findings/evaluations/", EvaluationViewSet.as_view({"get": "list"}), name="api-finding-evaluation-list"),
    # The id is matched as text and parsed by the view: anything not a finding's id is a 404 problem naming it.
    path("findings/<str:pk>/", FindingViewSet.as_view({"get": "retrieve"}), name="api-finding-detail"),
    path("findings/<str:pk>/acknowledge/", FindingViewSet.as_view({"post": "acknowledge"}),
         name="api-finding-acknowledge"),
    path("findings/<str:pk>/accept-risk/", FindingViewSet.as_view({"post": "accept_risk"}),
         name="api-finding-accept-risk"),
    path("findings/<str:pk>/reopen/", FindingViewSet.as_view({"post": "reopen"}), name="api-finding-reopen"),
]
