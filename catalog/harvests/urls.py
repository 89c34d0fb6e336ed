from django.urls import path

from catalog.harvests import views

urlpatterns = [
    path("", views.harvest_list, name="harvest-list"),
    path("start/", views.harvest_start, name="harvest-start"),
    path("<int:pk>/", views.harvest_detail, name="harvest-detail"),
]
