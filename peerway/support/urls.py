"""Screens of the peer support service (namespace "support")."""

from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("o/<slug:slug>/supported/", views.people, name="people"),
    path("o/<slug:slug>/supported/<int:pk>/", views.person_detail, name="person"),
    path("o/<slug:slug>/supported/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("o/<slug:slug>/supported/<int:pk>/consent/", views.consent, name="consent"),
    path("o/<slug:slug>/supported/<int:pk>/conflicts/", views.conflict_add, name="conflict_add"),
    path("o/<slug:slug>/refer/", views.refer, name="refer"),
    path("o/<slug:slug>/referrals/", views.referrals, name="referrals"),
    path("o/<slug:slug>/referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("o/<slug:slug>/referrals/<int:pk>/move/", views.referral_move, name="referral_move"),
    path(
        "o/<slug:slug>/referrals/<int:pk>/consent/",
        views.referral_consent,
        name="referral_consent",
    ),
    path(
        "o/<slug:slug>/referrals/response-targets/",
        views.response_targets,
        name="response_targets",
    ),
    path("o/<slug:slug>/matching/", views.matching_queue, name="matching"),
    path("o/<slug:slug>/matches/<int:pk>/decide/", views.match_decide, name="match_decide"),
    path("o/<slug:slug>/offers/", views.offers, name="offers"),
    path("o/<slug:slug>/matches/<int:pk>/answer/", views.offer_answer, name="offer_answer"),
]
