"""The inventory's API routes, mounted under /api/v1/ by catalog.api.urls."""

from django.urls import path

from catalog.inventory.api import FieldViewSet, ObjectViewSet

api_urlpatterns = [
    path("orgs/<str:alias>/objects/", ObjectViewSet.as_view({"get": "list"}), name="inventory-object-list"),
    path("orgs/<str:alias>/objects/<str:name>/", ObjectViewSet.as_view({"get": "retrieve"}),
         name="inventory-object-detail"),
    path("orgs/<str:alias>/fields/", FieldViewSet.as_view({"get": "list"}), name="inventory-field-list"),
    path("orgs/<str:alias>/objects/<str:name>/fields/<str:field>/", FieldViewSet.as_view({"get": "retrieve"}),
         name="inventory-field-detail"),
]
