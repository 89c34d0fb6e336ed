"""The findings' routes: the API, mounted under /api/v1/ by catalog.api.urls."""

from django.urls import path

from catalog.findings.api import EvaluationViewSet, FindingViewSet, RuleViewSet

api_urlpatterns = [
    path("findings/", FindingViewSet.as_view({"get": "list"}), name="finding-list"),
    path("findings/rules/", RuleViewSet.as_view({"get": "list"}), name="finding-rule-list"),
    path("findings/evaluations/", EvaluationViewSet.as_view({"get": "list"}), name="finding-evaluation-list"),
    # The id is matched as text and parsed by the view: anything not a finding's id is a 404 problem naming it.
    path("findings/<str:pk>/", FindingViewSet.as_view({"get": "retrieve"}), name="finding-detail"),
    path("findings/<str:pk>/acknowledge/", FindingViewSet.as_view({"post": "acknowledge"}),
         name="finding-acknowledge"),
    path("findings/<str:pk>/accept-risk/", FindingViewSet.as_view({"post": "accept_risk"}),
         name="finding-accept-risk"),
    path("findings/<str:pk>/reopen/", FindingViewSet.as_view({"post": "reopen"}), name="finding-reopen"),
]
