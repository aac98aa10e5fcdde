"""Every URL pattern must declare who may use it."""

from django.urls import URLPattern, URLResolver, get_resolver

from peerway.core.access import PUBLIC_REASONS

# The only views anyone may reach without a declared permission, and why.
# "survey": the anonymous readiness-survey pages, which by design need no account.
# "capability": the FHIR CapabilityStatement and CodeSystems (they describe the interface
# and its codes, never a record).
ALLOWED_PUBLIC = {
    "sign-in",
    "static",
    "health",
    "language",
    "invitation",
    "survey",
    "capability",
}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_every_view_declares_a_permission():
    missing = []
    for route, pattern in walk(get_resolver().url_patterns):
        callback = pattern.callback
        perm = getattr(callback, "peerway_permission", None)
        reason = getattr(callback, "peerway_public", None)
        if perm:
            continue
        if reason in ALLOWED_PUBLIC:
            continue
        missing.append(f"{route} ({pattern.name})")
    assert not missing, "Views without a declared permission:\n" + "\n".join(missing)


def test_public_reasons_are_the_documented_allow_list():
    assert PUBLIC_REASONS == ALLOWED_PUBLIC


def test_public_views_are_few_and_named():
    public = sorted(
        pattern.name or route
        for route, pattern in walk(get_resolver().url_patterns)
        if getattr(pattern.callback, "peerway_public", None)
    )
    assert "health" in public
    assert "account_login" in public
    # Nothing of the application itself is public besides the invitation link, the
    # readiness survey pages, the one-time outcome measure page ("answer") and the FHIR
    # interface's description of itself (metadata, CodeSystem).
    assert [n for n in public if not n.startswith(("account_", "mfa_"))] == [
        "accept_invitation",
        "answer",
        "codesystem_read",
        "codesystem_search",
        "done",
        "enter_code",
        "health",
        "metadata",
        "page",
        "set_language",
        "start",
    ]


def test_survey_pages_are_the_only_public_pages_under_s():
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("s/"):
            assert getattr(pattern.callback, "peerway_public", None) == "survey", route


def test_one_time_outcome_pages_are_the_only_public_pages_under_m():
    routes = [route for route, _p in walk(get_resolver().url_patterns) if route.startswith("m/")]
    assert routes
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("m/"):
            assert getattr(pattern.callback, "peerway_public", None) == "survey", route


def record_parameters(route):
    """Path parameters that name a record (everything but the organization's slug)."""
    import re

    return [name for name in re.findall(r"<(?:\w+:)?(\w+)>", route) if name != "slug"]


def test_every_view_that_opens_a_record_declares_how_its_reads_are_audited():
    """A view reached with a record's id either audits its reads (``audit_read``) or says,
    with a reason, that it shows no protected record (``no_record``)."""
    undeclared = []
    for route, pattern in walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not getattr(callback, "peerway_requires", False):
            continue  # third-party views marked with access.mark (sign-in, system admin)
        if not record_parameters(route):
            continue
        if callback.peerway_audit_read or callback.peerway_no_record:
            continue
        undeclared.append(f"{route} ({pattern.name})")
    assert not undeclared, (
        "Views that open a record without declaring audit_read or no_record:\n"
        + "\n".join(undeclared)
    )


# The pages the security probe found showing a record without an audit event, and the
# person pages audited before: they must audit their reads, never claim to show no record.
MUST_AUDIT_READS = {
    "peerway.contacts.views.edit_contact": "contacts.contact_edit_viewed",
    "peerway.workforce.views.supervision_session": "workforce.supervision_notes_viewed",
    "peerway.workforce.views.employment": "workforce.employment_viewed",
    "peerway.workforce.views.training": "workforce.training_viewed",
    "peerway.core.views.person": "core.member_viewed",
    "peerway.support.views.person_edit": "support.person_edit_viewed",
    "peerway.outcomes.views.give": "outcomes.form_viewed",
    "peerway.support.views.person_detail": "support.person_viewed",
    "peerway.support.views.referral_detail": "support.referral_viewed",
    "peerway.contacts.views.contact_detail": "contacts.contact_viewed",
    "peerway.contacts.views.person_history": "contacts.history_viewed",
    "peerway.workforce.views.profile": "workforce.profile_viewed",
    "peerway.outcomes.views.person": "outcomes.person_viewed",
    "peerway.outcomes.views.administration": "outcomes.administration_viewed",
    "peerway.outcomes.views.safety_task": "outcomes.safety_task_viewed",
    "peerway.recovery.views.plan_detail": "recovery.plan_viewed",
    "peerway.recovery.views.event_detail": "recovery.event_viewed",
}


def test_pages_showing_a_persons_record_audit_their_reads():
    declared = {
        f"{p.callback.__module__}.{p.callback.__name__}": getattr(
            p.callback, "peerway_audit_read", None
        )
        for _route, p in walk(get_resolver().url_patterns)
    }
    for view, action in MUST_AUDIT_READS.items():
        assert view in declared, f"{view} is no longer routed"
        assert declared[view] == action, f"{view} must declare audit_read={action!r}"


def test_every_declared_permission_is_a_rule():
    """A declared permission is a `rules` predicate (nothing falls back to Django's own
    permission rows or to the superuser flag). The two marks are not checked by Peerway:
    allauth's own-account pages require sign-in, and the system admin site checks its
    superusers and their second factor itself (peerway.core.system_admin)."""
    from rules.permissions import permissions

    marks = {"account.own", "admin.site"}
    unknown = sorted(
        {
            getattr(pattern.callback, "peerway_permission", None)
            for _route, pattern in walk(get_resolver().url_patterns)
        }
        - {None}
        - marks
        - set(permissions)
    )
    assert not unknown, unknown


def test_fhir_public_views_are_only_its_description():
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("fhir/"):
            reason = getattr(pattern.callback, "peerway_public", None)
            if route in (
                "fhir/r4/metadata",
                "fhir/r4/CodeSystem",
                "fhir/r4/CodeSystem/<str:ident>",
            ):
                assert reason == "capability", route
            else:
                assert reason is None and pattern.callback.peerway_permission == "fhir.use", route
