from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("o/<slug:slug>/caseload/", views.caseload, name="caseload"),
    path("o/<slug:slug>/contacts/log/<int:team_pk>/", views.log_contact, name="log"),
    path("o/<slug:slug>/contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("o/<slug:slug>/contacts/<int:pk>/edit/", views.edit_contact, name="edit"),
    path("o/<slug:slug>/contacts/<int:pk>/delete/", views.delete_contact, name="delete"),
    path(
        "o/<slug:slug>/contacts/people/<int:person_pk>/",
        views.person_history,
        name="history",
    ),
]
