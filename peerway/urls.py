from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from peerway.api.v1.api import urls as api_v1_urls
from peerway.assessments.urls import survey_patterns
from peerway.core import views as core_views
from peerway.core.access import mark
from peerway.outcomes.urls import measure_patterns

# The system admin (peerway.core.system_admin) has no sign-in form of its own: it sends
# people to the allauth form (same lockout and two-factor rules) and requires a second
# factor in the session.

# allauth views anyone may reach while signing in; every other allauth view is for the
# signed-in user's own account (allauth itself requires sign-in for those).
SIGN_IN_VIEWS = {
    "account_login",
    "account_logout",
    "account_signup",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_email_verification_sent",
    "mfa_authenticate",
    "account_login_code_confirm",
    "account_request_login_code",
    "account_confirm_login_code",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "mfa_trust",
}


def _marked(patterns, *, perm=None, public_names=frozenset(), replace=None):
    replace = replace or {}
    result = []
    for p in patterns:
        if isinstance(p, URLResolver):
            result.append(
                URLResolver(
                    p.pattern,
                    _marked(p.url_patterns, perm=perm, public_names=public_names, replace=replace),
                    p.default_kwargs,
                    p.app_name,
                    p.namespace,
                )
            )
        elif isinstance(p, URLPattern):
            view = replace.get(p.name, p.callback)
            if p.name in public_names:
                callback = mark(view, public_reason="sign-in")
            else:
                callback = mark(view, perm=perm)
            result.append(URLPattern(p.pattern, callback, p.default_args, p.name))
    return result


def _allauth_patterns():
    from allauth import urls as allauth_urls

    from peerway.core.email_change import email_change

    return _marked(
        allauth_urls.urlpatterns,
        perm="account.own",
        public_names=SIGN_IN_VIEWS,
        # The sign-in address changes only through the link sent to the new address.
        replace={"account_email": email_change},
    )


def _admin_patterns():
    urls, app_name, namespace = admin.site.urls
    return (_marked(urls, perm="admin.site"), app_name, namespace)


urlpatterns = [
    path("health", core_views.health, name="health"),
    path("accounts/", include(_allauth_patterns())),
    path("i18n/setlang/", mark(set_language, public_reason="language"), name="set_language"),
    path("system-admin/", _admin_patterns()),
    path("api/v1/", api_v1_urls()),
    path("s/", include(survey_patterns)),
    path("m/", include(measure_patterns)),
    path("fhir/r4/", include("peerway.fhir.urls")),
    path("", include("peerway.assessments.urls")),
    path("", include("peerway.planning.plan_urls")),
    path("", include("peerway.planning.library_urls")),
    path("", include("peerway.workforce.urls")),
    path("", include("peerway.support.urls")),
    path("", include("peerway.contacts.urls")),
    path("", include("peerway.recovery.urls")),
    path("", include("peerway.outcomes.urls")),
    path("", include("peerway.hospital.urls")),
    path("", include("peerway.indicators.urls")),
    path("", include("peerway.evaluation.urls")),
    path("", include("peerway.research.urls")),
    path("", include("peerway.api.urls")),
    path("", include("peerway.core.urls")),
]
