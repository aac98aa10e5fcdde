from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("o/<slug:slug>/evaluation/", views.outcomes, name="outcomes"),
    path("o/<slug:slug>/evaluation/reports/", views.reports, name="reports"),
    path("o/<slug:slug>/evaluation/reliability/", views.reliability, name="reliability"),
    path("o/<slug:slug>/evaluation/reports/<int:pk>/pdf/", views.download, name="download"),
]
