"""Hospital events screens (namespace "hospital")."""

from django.urls import path

from . import views

app_name = "hospital"

urlpatterns = [
    path("o/<slug:slug>/hospital/import/", views.upload, name="import"),
    path("o/<slug:slug>/hospital/import/<int:pk>/", views.import_job, name="import_job"),
    path("o/<slug:slug>/hospital/trigger/", views.trigger_settings, name="trigger"),
    path("o/<slug:slug>/hospital/suggestions/", views.suggestions, name="suggestions"),
    path(
        "o/<slug:slug>/hospital/suggestions/<int:pk>/refer/",
        views.refer,
        name="refer",
    ),
    path(
        "o/<slug:slug>/hospital/people/<int:pk>/hospital-id/",
        views.hospital_id,
        name="hospital_id",
    ),
]
