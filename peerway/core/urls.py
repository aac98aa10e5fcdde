from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("o/<slug:slug>/", views.structure, name="structure"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("o/<slug:slug>/people/", views.people, name="people"),
    path("o/<slug:slug>/people/invite/", views.invite, name="invite"),
    path("o/<slug:slug>/people/<int:pk>/", views.person, name="person"),
    path("o/<slug:slug>/people/<int:pk>/active/", views.set_active, name="set_active"),
    path(
        "o/<slug:slug>/memberships/<int:pk>/revoke/",
        views.revoke_membership,
        name="revoke_membership",
    ),
    path(
        "o/<slug:slug>/invitations/<int:pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("o/<slug:slug>/settings/security/", views.security_settings, name="security"),
    path("o/<slug:slug>/audit/", views.audit_list, name="audit"),
    path("o/<slug:slug>/audit/export.csv", views.audit_export, name="audit_export"),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
