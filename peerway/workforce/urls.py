"""Workforce screens (namespace "workforce")."""

from django.urls import path

from . import views

app_name = "workforce"

urlpatterns = [
    path("o/<slug:slug>/workforce/", views.overview, name="overview"),
    path("o/<slug:slug>/workforce/me/", views.my_profile, name="me"),
    path("o/<slug:slug>/workforce/me/disclosure/", views.disclosure, name="disclosure"),
    path("o/<slug:slug>/workforce/me/wellbeing/", views.wellbeing, name="wellbeing"),
    path("o/<slug:slug>/workforce/me/wellbeing/check-in/", views.checkin, name="checkin"),
    path(
        "o/<slug:slug>/workforce/me/wellbeing/conversation/",
        views.request_conversation,
        name="request_conversation",
    ),
    path(
        "o/<slug:slug>/workforce/wellbeing-resources/",
        views.support_resources,
        name="support_resources",
    ),
    path(
        "o/<slug:slug>/workforce/me/accommodations/new/",
        views.accommodation_request,
        name="accommodation_request",
    ),
    path("o/<slug:slug>/workforce/people/<int:pk>/", views.profile, name="profile"),
    path(
        "o/<slug:slug>/workforce/people/<int:pk>/employment/",
        views.employment,
        name="employment",
    ),
    path(
        "o/<slug:slug>/workforce/people/<int:pk>/supervision/new/",
        views.log_supervision,
        name="log_supervision",
    ),
    path(
        "o/<slug:slug>/workforce/people/<int:pk>/accommodations/<int:accommodation_pk>/",
        views.accommodation_edit,
        name="accommodation_edit",
    ),
    path("o/<slug:slug>/workforce/teams/<int:pk>/", views.team, name="team"),
    path("o/<slug:slug>/workforce/supervision/", views.supervision, name="supervision"),
    path(
        "o/<slug:slug>/workforce/supervision/<int:pk>/",
        views.supervision_session,
        name="supervision_session",
    ),
    path(
        "o/<slug:slug>/workforce/supervisor-settings/",
        views.supervisor_settings,
        name="supervisor_settings",
    ),
    path("o/<slug:slug>/workforce/staff/<int:pk>/training/", views.training, name="training"),
    path(
        "o/<slug:slug>/workforce/staff/<int:pk>/training/new/",
        views.training_add,
        name="training_add",
    ),
    path(
        "o/<slug:slug>/workforce/staff/<int:pk>/training/<int:record_pk>/delete/",
        views.training_delete,
        name="training_delete",
    ),
    path(
        "o/<slug:slug>/workforce/teams/<int:pk>/compliance/",
        views.compliance,
        name="compliance",
    ),
    path("o/<slug:slug>/workforce/notifications/", views.notifications, name="notifications"),
    path("o/<slug:slug>/workforce/network/", views.network, name="network"),
    path("o/<slug:slug>/workforce/network/new/", views.network_event, name="network_new"),
    path("o/<slug:slug>/workforce/network/<int:pk>/", views.network_event, name="network_event"),
]
