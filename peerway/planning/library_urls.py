from django.urls import path

from . import library_views

app_name = "knowledge"

urlpatterns = [
    path("o/<slug:slug>/evidence/", library_views.library, name="library"),
    path("o/<slug:slug>/evidence/frameworks/", library_views.frameworks, name="frameworks"),
    path("o/<slug:slug>/evidence/factors/<slug:code>/", library_views.factor_detail, name="factor"),
    path(
        "o/<slug:slug>/evidence/strategies/<slug:code>/",
        library_views.strategy_detail,
        name="strategy",
    ),
    path(
        "o/<slug:slug>/surveys/<int:pk>/recommendations/",
        library_views.recommendations,
        name="recommendations",
    ),
]
