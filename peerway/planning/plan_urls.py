"""Screens of the peer role definition and the capacity planner (namespace "planning")."""

from django.urls import path

from . import capacity_views
from .plan import views as plan_views
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
    # Implementation plan and readiness gate
    path("o/<slug:slug>/plan/", plan_views.plan_overview, name="plan"),
    path("o/<slug:slug>/plan/start/", plan_views.plan_start, name="plan_start"),
    path("o/<slug:slug>/plan/phases/new/", plan_views.phase_add, name="plan_phase_add"),
    path("o/<slug:slug>/plan/actions/new/", plan_views.action_new, name="plan_action_new"),
    path(
        "o/<slug:slug>/plan/actions/recommended/",
        plan_views.add_recommended,
        name="plan_add_recommended",
    ),
    path("o/<slug:slug>/plan/actions/<int:pk>/", plan_views.action_detail, name="plan_action"),
    path(
        "o/<slug:slug>/plan/actions/<int:pk>/edit/",
        plan_views.action_edit,
        name="plan_action_edit",
    ),
    path(
        "o/<slug:slug>/plan/actions/<int:pk>/progress/",
        plan_views.action_progress,
        name="plan_action_progress",
    ),
    path("o/<slug:slug>/plan/milestones/new/", plan_views.milestone_new, name="plan_milestone_new"),
    path(
        "o/<slug:slug>/plan/milestones/<int:pk>/",
        plan_views.milestone_edit,
        name="plan_milestone_edit",
    ),
    path("o/<slug:slug>/plan/history/", plan_views.plan_history, name="plan_history"),
    path("o/<slug:slug>/plan/export.csv", plan_views.export_csv, name="plan_csv"),
    path("o/<slug:slug>/plan/export.pdf", plan_views.export_pdf, name="plan_pdf"),
    path("o/<slug:slug>/readiness-gate/", plan_views.readiness_gate, name="plan_gate"),
    path(
        "o/<slug:slug>/readiness-gate/criteria/",
        plan_views.gate_settings,
        name="plan_gate_settings",
    ),
    path(
        "o/<slug:slug>/readiness-gate/leadership/",
        plan_views.leadership,
        name="plan_leadership",
    ),
]
