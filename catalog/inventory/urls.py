"""The inventory's routes: its API, mounted under /api/v1/ by catalog.api.urls, and its pages under /catalog/."""

from django.urls import path

from catalog.inventory import views
from catalog.inventory.api import FieldViewSet, ObjectViewSet

api_urlpatterns = [
    path("orgs/<str:alias>/objects/", ObjectViewSet.as_view({"get": "list"}), name="inventory-object-list"),
    path("orgs/<str:alias>/objects/<str:name>/", ObjectViewSet.as_view({"get": "retrieve"}),
         name="inventory-object-detail"),
    path("orgs/<str:alias>/fields/", FieldViewSet.as_view({"get": "list"}), name="inventory-field-list"),
    path("orgs/<str:alias>/objects/<str:name>/fields/<str:field>/", FieldViewSet.as_view({"get": "retrieve"}),
         name="inventory-field-detail"),
]

urlpatterns = [  # the pages, mounted under /catalog/ by catalog.urls
    path("", views.catalog_index, name="catalog-index"),
    path("<str:alias>/", views.catalog_org, name="catalog-org"),
    path("<str:alias>/fields/", views.catalog_fields, name="catalog-fields"),
    path("<str:alias>/objects/<str:name>/", views.catalog_object, name="catalog-object"),
    path("<str:alias>/objects/<str:name>/fields/<str:field>/", views.catalog_field, name="catalog-field"),
]
