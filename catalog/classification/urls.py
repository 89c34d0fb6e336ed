"""Classification review's routes: its API, mounted under /api/v1/ by catalog.api.urls, and its pages under
/catalog/ (beside the inventory's)."""

from django.urls import path

from catalog.classification import views
from catalog.classification.api import OverrideViewSet

api_urlpatterns = [
    path("orgs/<str:alias>/overrides/", OverrideViewSet.as_view({"get": "list", "post": "create"}),
         name="override-list"),
    # The id is matched as text and parsed by the view: anything not an override's id is a 404 problem naming it.
    path("orgs/<str:alias>/overrides/<str:pk>/", OverrideViewSet.as_view({"get": "retrieve"}),
         name="override-detail"),
    path("orgs/<str:alias>/overrides/<str:pk>/withdraw/", OverrideViewSet.as_view({"post": "withdraw"}),
         name="override-withdraw"),
]

urlpatterns = [  # mounted under /catalog/ by catalog.urls
    path("<str:alias>/review/", views.classification_review, name="classification-review"),
    path("<str:alias>/objects/<str:name>/fields/<str:field>/override/", views.classification_override,
         name="classification-override"),
    path("<str:alias>/overrides/<int:pk>/withdraw/", views.classification_withdraw, name="classification-withdraw"),
]
