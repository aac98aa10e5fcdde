"""Screens of the peer role definition and the capacity planner (namespace "planning")."""

from django.urls import path

from . import capacity_views
from .roles import views as role_views

app_name = "planning"

urlpatterns = [
    # Peer role definitions (versioned, co-produced)
    path("o/<slug:slug>/role-definitions/", role_views.role_list, name="role_list"),
    path("o/<slug:slug>/role-definitions/new/", role_views.role_create, name="role_create"),
    path(
        "o/<slug:slug>/role-definitions/<int:pk>/",
        role_views.role_definition,
        name="role_definition",
    ),
    path(
        "o/<slug:slug>/role-definitions/<int:pk>/new-draft/",
        role_views.role_new_draft,
        name="role_new_draft",
    ),
    path(
        "o/<slug:slug>/role-definitions/<int:pk>/compare/",
        role_views.role_compare,
        name="role_compare",
    ),
    path("o/<slug:slug>/role-versions/<int:pk>/", role_views.role_version, name="role_version"),
    path(
        "o/<slug:slug>/role-versions/<int:pk>/edit/",
        role_views.role_version_edit,
        name="role_version_edit",
    ),
    path(
        "o/<slug:slug>/role-versions/<int:pk>/approve/",
        role_views.role_version_approve,
        name="role_version_approve",
    ),
    path(
        "o/<slug:slug>/role-versions/<int:pk>/print/",
        role_views.role_version_print,
        name="role_version_print",
    ),
    # Capacity planner
    path("o/<slug:slug>/capacity/", capacity_views.scenario_list, name="capacity_scenarios"),
    path("o/<slug:slug>/capacity/new/", capacity_views.scenario_create, name="capacity_create"),
    path(
        "o/<slug:slug>/capacity/compare/",
        capacity_views.scenario_compare,
        name="capacity_compare",
    ),
    path(
        "o/<slug:slug>/capacity/<int:pk>/",
        capacity_views.scenario_detail,
        name="capacity_scenario",
    ),
    path(
        "o/<slug:slug>/capacity/<int:pk>/edit/",
        capacity_views.scenario_edit,
        name="capacity_edit",
    ),
    path(
        "o/<slug:slug>/capacity/<int:pk>/delete/",
        capacity_views.scenario_delete,
        name="capacity_delete",
    ),
]
