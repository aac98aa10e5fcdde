from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("account/api-tokens/", views.tokens, name="tokens"),
    path("account/api-tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
    path("o/<slug:slug>/api/service-accounts/", views.service_accounts, name="service_accounts"),
]
