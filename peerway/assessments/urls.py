from django.urls import path

from . import views

app_name = "assessments"

urlpatterns = [
    path("o/<slug:slug>/surveys/", views.wave_list, name="waves"),
    path("o/<slug:slug>/surveys/new/", views.wave_create, name="wave_create"),
    path("o/<slug:slug>/surveys/<int:pk>/", views.wave_detail, name="wave"),
    path("o/<slug:slug>/surveys/<int:pk>/print/", views.wave_print, name="wave_print"),
    path("o/<slug:slug>/surveys/<int:pk>/close/", views.wave_close, name="wave_close"),
    path("o/<slug:slug>/surveys/<int:pk>/results/", views.wave_results, name="results"),
    path("o/<slug:slug>/surveys/<int:pk>/results.csv", views.wave_results_csv, name="results_csv"),
    path("o/<slug:slug>/surveys/<int:pk>/barriers/", views.wave_barriers, name="barriers"),
    path(
        "o/<slug:slug>/surveys/<int:pk>/agreement.csv",
        views.wave_agreement_csv,
        name="agreement_csv",
    ),
    path(
        "o/<slug:slug>/surveys/<int:pk>/data-dictionary.csv",
        views.wave_dictionary_csv,
        name="dictionary_csv",
    ),
    path("o/<slug:slug>/questionnaires/", views.instrument_library, name="instruments"),
]

survey_patterns = (
    [
        path("", views.enter_code, name="enter_code"),
        path("<str:token>/", views.start, name="start"),
        path("<str:token>/<int:step>/", views.page, name="page"),
        path("<str:token>/done/", views.done, name="done"),
    ],
    "survey",
)
