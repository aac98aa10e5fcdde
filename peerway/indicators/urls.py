from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("o/<slug:slug>/dashboards/", views.index, name="index"),
    path(
        "o/<slug:slug>/dashboards/organization/",
        views.organization_dashboard,
        name="organization",
    ),
    path("o/<slug:slug>/dashboards/sites/<int:pk>/", views.site_dashboard, name="site"),
    path("o/<slug:slug>/dashboards/teams/<int:pk>/", views.team_dashboard, name="team"),
    path("o/<slug:slug>/dashboards/me/", views.my_dashboard, name="me"),
    path("o/<slug:slug>/dashboards/workers/<int:pk>/", views.worker_dashboard, name="worker"),
    path("o/<slug:slug>/dashboards/supervision/", views.supervision, name="supervision"),
    path("o/<slug:slug>/dashboards/definitions/", views.definitions, name="definitions"),
]
