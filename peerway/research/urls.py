"""De-identified export screens (namespace "research")."""

from django.urls import path

from . import views

app_name = "research"

urlpatterns = [
    path("o/<slug:slug>/research/exports/", views.export_list, name="exports"),
    path("o/<slug:slug>/research/exports/new/", views.request_export, name="request"),
    path("o/<slug:slug>/research/exports/<int:pk>/download/", views.download, name="download"),
]
