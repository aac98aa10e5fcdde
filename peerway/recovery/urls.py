"""Recovery plans and boundary and risk events (namespace "recovery")."""

from django.urls import path

from . import views

app_name = "recovery"

P = "o/<slug:slug>/recovery/people/<int:pk>/"

urlpatterns = [
    path("o/<slug:slug>/recovery/plans/", views.plan_list, name="plans"),
    path(P + "plan/", views.plan_detail, name="plan"),
    path(P + "plan/print/", views.plan_print, name="plan_print"),
    path(P + "plan/start/", views.plan_start, name="plan_start"),
    path(P + "plan/co-produced/", views.plan_co_produced, name="plan_co_produced"),
    path(P + "plan/goals/new/", views.goal_form, name="goal_new"),
    path(P + "plan/goals/<int:goal_pk>/edit/", views.goal_form, name="goal_edit"),
    path(P + "plan/goals/<int:goal_pk>/steps/new/", views.step_add, name="step_add"),
    path(P + "plan/steps/<int:step_pk>/toggle/", views.step_toggle, name="step_toggle"),
    path(P + "plan/goals/<int:goal_pk>/progress/new/", views.progress_add, name="progress_add"),
    path(P + "events/new/<slug:kind>/", views.event_new, name="event_new"),
    path("o/<slug:slug>/recovery/events/", views.events, name="events"),
    path("o/<slug:slug>/recovery/events/review/", views.events_review, name="events_review"),
    path("o/<slug:slug>/recovery/events/<int:pk>/", views.event_detail, name="event"),
    path(
        "o/<slug:slug>/recovery/events/<int:pk>/follow-up/",
        views.event_follow_up,
        name="event_follow_up",
    ),
    path("o/<slug:slug>/recovery/events/<int:pk>/review/", views.event_review, name="event_review"),
]
