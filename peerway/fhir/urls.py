from django.urls import path

from . import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("CodeSystem", views.code_system_search, name="codesystem_search"),
    path("CodeSystem/<str:ident>", views.code_system_read, name="codesystem_read"),
    path("$export", views.export, name="export"),
    path("bulk/<uuid:job_id>", views.export_status, name="export_status"),
    path("bulk/<uuid:job_id>/<str:resource_type>.ndjson", views.export_file, name="export_file"),
    path("<str:resource_type>", views.search, name="search"),
    path("<str:resource_type>/<str:ident>", views.read, name="read"),
]
