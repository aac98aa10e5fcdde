from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("o/<slug:slug>/outcomes/", views.due, name="due"),
    path("o/<slug:slug>/outcomes/safety/", views.safety_tasks, name="safety_tasks"),
    path("o/<slug:slug>/outcomes/safety/<int:pk>/", views.safety_task, name="safety_task"),
    path(
        "o/<slug:slug>/outcomes/safety/<int:pk>/acknowledge/",
        views.acknowledge,
        name="safety_acknowledge",
    ),
    path("o/<slug:slug>/outcomes/safety/<int:pk>/close/", views.close, name="safety_close"),
    path(
        "o/<slug:slug>/outcomes/safety/<int:pk>/answer/<str:item>/",
        views.answer_safety_item,
        name="safety_answer_item",
    ),
    path("o/<slug:slug>/outcomes/people/<int:pk>/", views.person, name="person"),
    path(
        "o/<slug:slug>/outcomes/people/<int:pk>/give/<str:code>/<int:time_point>/",
        views.give,
        name="give",
    ),
    path(
        "o/<slug:slug>/outcomes/people/<int:pk>/link/<str:code>/<int:time_point>/",
        views.create_link,
        name="create_link",
    ),
    path("o/<slug:slug>/outcomes/results/<int:pk>/", views.administration, name="administration"),
    path("o/<slug:slug>/outcomes/protocol/", views.protocol, name="protocol"),
    path("o/<slug:slug>/outcomes/schedules/", views.schedules, name="schedules"),
    path(
        "o/<slug:slug>/outcomes/schedules/<int:team_pk>/",
        views.schedule_edit,
        name="schedule_edit",
    ),
]

# The person's own device: one page, no account (public "survey" pages).
measure_patterns = ([path("<str:token>/", views.answer, name="answer")], "measure")
