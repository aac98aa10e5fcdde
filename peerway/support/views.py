"""Screens of the peer support service: people, consent, referrals, matching and offers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import audit, lists
from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.idempotency import once_per_token
from peerway.core.models import Team, User
from peerway.core.permissions import team_filter_for
from peerway.core.roles import Role

from . import lists as support_lists
from . import matching, matching_service, selectors, services
from .forms import (
    ConsentForm,
    PersonForm,
    ReasonForm,
    ReferralConsentForm,
    ReferralForm,
    ResponseTargetsForm,
    target_text,
)
from .models import (
    OPEN_STATES,
    TRANSITIONS,
    ConsentPurpose,
    Match,
    MatchStatus,
    Person,
    ReferralSource,
    ReferralState,
    Urgency,
)


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _person(request, slug, pk, **kwargs):
    org = core_selectors.get_organization(request.user, slug)
    return selectors.get_person(request.user, org, pk)


def _referral(request, slug, pk, **kwargs):
    org = core_selectors.get_organization(request.user, slug)
    return selectors.get_referral(request.user, org, pk)


def _match(request, slug, pk, **kwargs):
    org = core_selectors.get_organization(request.user, slug)
    match = (
        Match.objects.select_related("referral__person", "referral__team__site", "worker")
        .filter(pk=pk, referral__person__organization=org)
        .first()
    )
    if match is None:
        raise Http404
    return match


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _errors_to_form(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# --- people -----------------------------------------------------------------------------


@requires("support.use_service", obj=_org)
def people(request, slug):
    """People the user may see, filtered, sorted and paged through the address; the same
    rows as CSV (docs/service.md, "Lists")."""
    org = request.permission_object
    scoped = selectors.people_for(request.user, org)
    may_search_names = selectors.names_visible_q_exists(request.user, org)
    filterset = support_lists.PeopleFilter(
        request.GET or None,
        queryset=scoped.order_by("team__name", "code"),
        request=request,
        organization=org,
        may_search_names=may_search_names,
    )
    found = filterset.qs
    named = selectors.named_ids(request.user, found) if may_search_names else None
    table = lists.build(request, support_lists.PeopleTable(found, organization=org, named=named))
    query = (request.GET.get("q") or "").strip()
    if query:
        audit.record(
            actor=request.user,
            action="support.people_searched",
            obj=org,
            details={"by": filterset.searched_by or "code", "found": found.count()},
        )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"people-{org.slug}.csv",
            action="support.people_exported",
            obj=org,
            filterset=filterset,
        )
    return render(
        request,
        "support/people.html",
        {
            "organization": org,
            "filterset": filterset,
            "table": table,
            "csv_query": lists.csv_query(request),
            "can_refer": bool(referral_teams(request.user, org)),
        },
    )


@requires("support.view_person", obj=_person, audit_read="support.person_viewed")
def person_detail(request, slug, pk):
    person = request.permission_object
    audit.record(actor=request.user, action="support.person_viewed", obj=person)
    consents = selectors.current_consents(person)
    referrals = list(
        person.referrals.select_related("team", "referred_by").prefetch_related("events")
    )
    return render(
        request,
        "support/person.html",
        {
            "organization": person.organization,
            "person": person,
            "consents": [
                (purpose, label, consents[purpose]) for purpose, label in _consent_choices()
            ],
            "consent_history": list(person.consents.select_related("recorded_by")),
            "preferences": _preference_rows(person),
            "may_see_name": request.user.has_perm("support.see_names", person),
            "actions": _person_actions(request.user, person),
            "referrals": referrals,
            "relationships": list(person.relationships.select_related("worker")),
            "can_change": request.user.has_perm("support.change_person", person),
            "consent_form": ConsentForm(),
            "can_manage_conflicts": request.user.has_perm("support.manage_conflicts", person),
            "conflicts": list(person.conflicts.select_related("worker"))
            if request.user.has_perm("support.manage_conflicts", person)
            else [],
            "conflict_candidates": _peer_workers(person.organization)
            if request.user.has_perm("support.manage_conflicts", person)
            else [],
            # The person's records kept by other parts of the service, where the reader
            # may open them.
            "links": {
                "contacts": request.user.has_perm("contacts.view_history", person),
                "outcomes": request.user.has_perm("outcomes.view_scores", person),
                "recovery": request.user.has_perm("recovery.view_plan", person),
                "hospital": request.user.has_perm("hospital.set_hospital_id", person),
            },
        },
    )


def _preference_rows(person) -> list[tuple[str, str, str]]:
    """Each preference as (kind, value, strength) in words, never codes."""
    from .forms import PREFERENCE_VALUES

    rows = []
    for p in person.preferences.all():
        values = dict(PREFERENCE_VALUES.get(p.attribute, []))
        rows.append(
            (p.get_attribute_display(), str(values.get(p.value, p.value)), p.get_strength_display())
        )
    return rows


def _person_actions(user, person) -> dict[str, bool]:
    """The actions on the person's page the user may take (each checked with the permission
    of the page it opens)."""
    from peerway.contacts.selectors import caseload_people

    return {
        "log_contact": user.has_perm("contacts.log_contact", person.team)
        and caseload_people(user, person.team).filter(pk=person.pk).exists(),
        "record_outcome": user.has_perm("outcomes.administer", person),
        "recovery_plan": user.has_perm("recovery.view_plan", person),
    }


def _peer_workers(organization):
    ids = organization.memberships.filter(role=Role.PEER_WORKER, user__is_active=True).values_list(
        "user_id", flat=True
    )
    return list(User.objects.filter(pk__in=ids).order_by("display_name"))


@require_POST
@requires(
    "support.manage_conflicts",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def conflict_add(request, slug, pk):
    person = request.permission_object
    worker = User.objects.filter(pk=request.POST.get("worker") or 0).first()
    if worker is None:
        messages.error(request, _("Peer worker: choose a peer worker of this organization."))
    else:
        try:
            services.declare_conflict(
                actor=request.user,
                person=person,
                worker=worker,
                reason=request.POST.get("reason", ""),
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for e in errors:
                    messages.error(request, e)
        else:
            messages.success(
                request,
                _("%(name)s will not be proposed for this person.") % {"name": worker.display_name},
            )
    return redirect("support:person", slug=slug, pk=person.pk)


def _consent_choices():
    from .models import ConsentPurpose

    return ConsentPurpose.choices


@requires("support.change_person", obj=_person, audit_read="support.person_edit_viewed")
def person_edit(request, slug, pk):
    person = request.permission_object
    may_see_name = request.user.has_perm("support.see_names", person)
    initial = {
        "name": person.name if may_see_name else "",
        "year_of_birth": person.year_of_birth,
        "language": person.language,
        **PersonForm.preference_initial(person),
    }
    form = PersonForm(request.POST or None, initial=initial)
    if not may_see_name:
        # A role that does not see names neither reads nor changes one.
        del form.fields["name"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_person(
                actor=request.user,
                person=person,
                name=data["name"] if may_see_name else None,
                year_of_birth=data.get("year_of_birth"),
                language=data["language"],
                preferences=data["preferences"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("support:person", slug=slug, pk=person.pk)
    return render(
        request,
        "support/person_form.html",
        {"organization": person.organization, "person": person, "form": form},
    )


@require_POST
@requires(
    "support.change_person",
    obj=_person,
    no_record="POST only: an action; its write is audited by the service",
)
def consent(request, slug, pk):
    person = request.permission_object
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.record_consent(
            actor=request.user,
            person=person,
            purpose=form.cleaned_data["purpose"],
            given=form.cleaned_data["given"] == "yes",
            decided_on=form.cleaned_data["decided_on"],
        )
        messages.success(request, _("The consent decision was recorded."))
    else:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else e)
    return redirect("support:person", slug=slug, pk=person.pk)


# --- referrals --------------------------------------------------------------------------


def referral_teams(user, organization) -> list[Team]:
    roles = {Role.CLINICIAN, Role.PEER_WORKER, Role.MANAGER, Role.SUPERVISOR}
    return list(
        Team.objects.filter(team_filter_for(user, roles), site__organization=organization)
        .select_related("site")
        .order_by("site__name", "name")
    )


def _sources_for(user, organization) -> list[str]:
    held = core_selectors_roles(user, organization)
    sources = []
    if held & {Role.CLINICIAN, Role.MANAGER, Role.SUPERVISOR}:
        sources.append(ReferralSource.CLINICIAN)
    if held & {Role.PEER_WORKER, Role.MANAGER, Role.SUPERVISOR}:
        sources += [ReferralSource.SELF, ReferralSource.FAMILY]
    return sources


def core_selectors_roles(user, organization) -> set[str]:
    from peerway.core.permissions import roles_anywhere_in

    return roles_anywhere_in(user, organization)


@requires("support.use_service", obj=_org)
@once_per_token
def refer(request, slug):
    """A clinician refers in under a minute; peer workers record self and family referrals."""
    org = request.permission_object
    teams = referral_teams(request.user, org)
    sources = _sources_for(request.user, org)
    if not teams or not sources:
        raise PermissionDenied
    form = ReferralForm(
        request.POST or None,
        teams=teams,
        sources=sources,
        target_hours=selectors.target_hours(org),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = next(t for t in teams if str(t.pk) == data["team"])
        try:
            referral = services.create_referral(
                actor=request.user,
                team=team,
                source=data["source"],
                reason=data["reason"],
                urgency=data["urgency"],
                name=data["name"],
                year_of_birth=data.get("year_of_birth"),
                language=data["language"],
                preferences=data["preferences"],
                consent_given=data["consent_given"],
                consent_decided_on=data.get("consent_decided_on"),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Referral sent for %(code)s to %(team)s.")
                % {"code": referral.person.code, "team": team.name},
            )
            if referral.awaiting_consent:
                messages.warning(
                    request,
                    _(
                        "The person has not agreed to be contacted yet: the referral waits for "
                        "consent and cannot be matched or offered until it is recorded."
                    ),
                )
            return redirect("support:referral", slug=slug, pk=referral.pk)
    return render(request, "support/refer.html", {"organization": org, "form": form})


@requires("support.use_service", obj=_org)
def referrals(request, slug):
    """Referrals still waiting for a first contact first, most urgent and earliest due at
    the top (overdue ones flagged); then the others, newest first. Any column sorts;
    filters stay in the address; the same rows as CSV."""
    org = request.permission_object
    scoped = support_lists.referral_default_order(
        selectors.referrals_for(request.user, org).annotate(
            urgency_order=support_lists.urgency_order()
        )
    )
    filterset = support_lists.ReferralFilter(
        request.GET or None, queryset=scoped, request=request, organization=org
    )
    named = selectors.named_ids(
        request.user, Person.objects.filter(pk__in=filterset.qs.values("person_id"))
    )
    table = lists.build(
        request, support_lists.ReferralTable(filterset.qs, organization=org, named=named)
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"referrals-{org.slug}.csv",
            action="support.referrals_exported",
            obj=org,
            filterset=filterset,
        )
    return render(
        request,
        "support/referrals.html",
        {
            "organization": org,
            "filterset": filterset,
            "table": table,
            "csv_query": lists.csv_query(request),
            "can_manage_response_targets": request.user.has_perm("support.manage_settings", org),
        },
    )


@requires("support.view_referral", obj=_referral, audit_read="support.referral_viewed")
def referral_detail(request, slug, pk):
    referral = request.permission_object
    can_manage = request.user.has_perm("support.manage_referrals", referral)
    audit.record(actor=request.user, action="support.referral_viewed", obj=referral)
    lang = _lang()
    matches = []
    for m in referral.matches.select_related("worker", "decided_by"):
        matches.append((m, matching.explain_all(m.reasons, lang)))
    org = referral.person.organization
    targets = selectors.response_targets(org)
    selectors.with_due_times([referral], targets)
    consent = selectors.current_consents(referral.person)[ConsentPurpose.PEER_SUPPORT]
    can_record_consent = request.user.has_perm("support.change_person", referral.person)
    return render(
        request,
        "support/referral.html",
        {
            "organization": org,
            "referral": referral,
            "target": target_text(int(targets[referral.urgency].total_seconds() // 3600)),
            "consent": consent,
            "can_record_consent": can_record_consent and referral.awaiting_consent,
            "consent_form": ReferralConsentForm(),
            "events": list(referral.events.select_related("actor")),
            "matches": matches,
            "can_manage": can_manage,
            "can_see_reason": can_manage or referral.referred_by_id == request.user.pk,
            "moves": [
                (s, ReferralState(s).label)
                for s in TRANSITIONS.get(referral.state, ())
                if s
                not in (
                    ReferralState.OFFERED,
                    ReferralState.ACCEPTED,
                    ReferralState.FIRST_CONTACT,
                    ReferralState.ACTIVE,
                )
            ]
            if can_manage
            else [],
            "reason_form": ReasonForm(),
            "open": referral.state in OPEN_STATES,
        },
    )


@require_POST
@requires(
    "support.view_referral",
    obj=_referral,
    no_record="POST only: an action; its write is audited by the service",
)
def referral_consent(request, slug, pk):
    """The person agreed to be contacted: record it (dated, with who recorded it)."""
    referral = request.permission_object
    if not request.user.has_perm("support.change_person", referral.person):
        raise PermissionDenied
    form = ReferralConsentForm(request.POST)
    if form.is_valid():
        try:
            services.record_referral_consent(
                actor=request.user, referral=referral, decided_on=form.cleaned_data["decided_on"]
            )
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for e in errors:
                    messages.error(request, e)
        else:
            messages.success(
                request,
                _("Consent recorded: the referral can now be matched and offered."),
            )
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, f"{form.fields['decided_on'].label}: {e}")
    return redirect("support:referral", slug=slug, pk=referral.pk)


@require_POST
@requires(
    "support.manage_referrals",
    obj=_referral,
    no_record="POST only: an action; its write is audited by the service",
)
def referral_move(request, slug, pk):
    referral = request.permission_object
    try:
        services.move_referral(
            actor=request.user,
            referral=referral,
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, ValueError) as exc:
        for errors in getattr(exc, "message_dict", {"": [str(exc)]}).values():
            for e in errors:
                messages.error(request, e)
    else:
        messages.success(request, _("The referral was updated."))
    return redirect("support:referral", slug=slug, pk=referral.pk)


# --- matching ---------------------------------------------------------------------------


def _lead_teams(user, org):
    return Team.objects.filter(
        team_filter_for(user, {Role.MANAGER, Role.SUPERVISOR}), site__organization=org
    )


@requires("support.use_matching", obj=_org)
def matching_queue(request, slug):
    """Open referrals of the teams the user leads, with proposals to decide."""
    org = request.permission_object
    teams = _lead_teams(request.user, org)
    if not teams.exists():
        raise PermissionDenied
    targets = selectors.response_targets(org)
    led = selectors.referrals_for(request.user, org).filter(team__in=teams)
    open_referrals = selectors.with_due_times(
        selectors.by_urgency(led.filter(state__in=OPEN_STATES)), targets
    )
    waiting_consent = selectors.with_due_times(
        selectors.by_urgency(led.filter(state=ReferralState.AWAITING_CONSENT)), targets
    )
    unassigned = {}
    if request.method == "POST":
        # A referral waiting for consent sent here anyway goes to the service, which
        # refuses it with the reason.
        ticked = request.POST.getlist("referral")
        chosen = [r for r in open_referrals + waiting_consent if str(r.pk) in ticked]
        if not chosen:
            messages.error(request, _("Tick at least one referral to match."))
        else:
            try:
                proposal = matching_service.propose(
                    actor=request.user, organization=org, referrals=chosen
                )
            except ValidationError as exc:
                for errors in exc.message_dict.values():
                    for e in errors:
                        messages.error(request, e)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s proposal to review.",
                        "%(n)s proposals to review.",
                        len(proposal.matches),
                    )
                    % {"n": len(proposal.matches)},
                )
                request.session["pw_unassigned"] = {
                    str(r.pk): reasons for r, reasons in proposal.unassigned
                }
                return redirect("support:matching", slug=slug)
    unassigned = request.session.pop("pw_unassigned", {}) if request.method == "GET" else {}
    lang = _lang()
    proposals = {
        m.referral_id: m
        for m in Match.objects.filter(
            referral__in=open_referrals, status=MatchStatus.PROPOSED
        ).select_related("worker")
    }
    rows = []
    for r in open_referrals:
        m = proposals.get(r.pk)
        rows.append(
            {
                "referral": r,
                "match": m,
                "reasons": matching.explain_all(m.reasons, lang) if m else [],
                "unassigned": matching.explain_all(unassigned.get(str(r.pk), []), lang),
                "workers": matching_service.eligible_workers(r) if m else [],
            }
        )
    return render(
        request,
        "support/matching.html",
        {
            "organization": org,
            "rows": rows,
            "waiting_consent": waiting_consent,
            "overdue": sum(1 for r in open_referrals + waiting_consent if r.is_overdue),
            "reason_form": ReasonForm(),
        },
    )


@requires("support.manage_settings", obj=_org)
def response_targets(request, slug):
    """How soon a referral of each urgency must reach a first contact."""
    org = request.permission_object
    current = selectors.target_hours(org)
    form = ResponseTargetsForm(
        request.POST or None,
        initial={
            "urgent_hours": current[Urgency.URGENT],
            "soon_hours": current[Urgency.SOON],
            "routine_hours": current[Urgency.ROUTINE],
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_response_targets(
                actor=request.user, organization=org, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The response targets were saved."))
            return redirect("support:response_targets", slug=slug)
    return render(request, "support/response_targets.html", {"organization": org, "form": form})


@require_POST
@requires(
    "support.use_service",
    obj=_match,
    no_record="POST only: an action; its write is audited by the service",
)
def match_decide(request, slug, pk):
    match = request.permission_object
    if not request.user.has_perm("support.manage_referrals", match.referral):
        raise PermissionDenied
    decision = request.POST.get("decision")
    reason = request.POST.get("reason", "")
    try:
        if decision == "approve":
            worker = None
            if request.POST.get("worker"):
                worker = User.objects.filter(pk=int(request.POST["worker"])).first()
                if worker is None:
                    raise ValidationError(
                        {"worker": _("Choose a peer worker of this team or site.")}
                    )
            matching_service.approve(actor=request.user, match=match, worker=worker, reason=reason)
            messages.success(
                request, _("Match approved: the person can now be offered peer support.")
            )
        elif decision == "reject":
            matching_service.reject(actor=request.user, match=match, reason=reason)
            messages.success(request, _("Proposal rejected."))
        else:
            raise ValidationError({"decision": _("Choose approve or reject.")})
    except (ValidationError, ValueError) as exc:
        for errors in getattr(exc, "message_dict", {"": [str(exc)]}).values():
            for e in errors:
                messages.error(request, e)
    return redirect("support:matching", slug=slug)


@requires("support.use_service", obj=_org)
def offers(request, slug):
    org = request.permission_object
    mine = [
        m
        for m in matching_service.offers_for(request.user)
        if m.referral.person.organization_id == org.pk
    ]
    lang = _lang()
    return render(
        request,
        "support/offers.html",
        {
            "organization": org,
            "offers": [(m, matching.explain_all(m.reasons, lang)) for m in mine],
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@requires(
    "support.use_service",
    obj=_match,
    no_record="POST only: an action; its write is audited by the service",
)
def offer_answer(request, slug, pk):
    match = request.permission_object
    if match.worker_id != request.user.pk:
        raise PermissionDenied
    try:
        if request.POST.get("answer") == "accept":
            matching_service.accept(actor=request.user, match=match)
            messages.success(
                request,
                _("%(code)s is now in your caseload.") % {"code": match.referral.person.code},
            )
        else:
            matching_service.decline(
                actor=request.user, match=match, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The offer was declined."))
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    return redirect("support:offers", slug=slug)
