"""Contact logging screens (namespace "contacts")."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerway.core import audit, lists
from peerway.core import selectors as core_selectors
from peerway.core.access import requires
from peerway.core.idempotency import once_per_token
from peerway.planning import taxonomy
from peerway.support import selectors as support_selectors
from peerway.support.models import ChimeDomain

from . import lists as contact_lists
from . import selectors, services
from .forms import ContactForm
from .permissions import edit_window

CLEAR_DRAFT = "contacts_clear_draft"


def _lang() -> str:
    return "fr" if (get_language() or "").startswith("fr") else "en"


def _org(request, slug, **kwargs):
    return core_selectors.get_organization(request.user, slug)


def _team(request, slug, team_pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    team = core_selectors.get_team(request.user, team_pk)
    if team.site.organization_id != organization.pk:
        raise Http404
    return team


def _contact(request, slug, pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return selectors.get_contact(request.user, organization, pk)


def _person(request, slug, person_pk, **kwargs):
    organization = core_selectors.get_organization(request.user, slug)
    return support_selectors.get_person(request.user, organization, person_pk)


def _draft_key(user, *parts) -> str:
    return ":".join(["peerway-draft", "contact", str(user.pk), *map(str, parts)])


def _people_choices(user, team):
    return [
        (str(p.pk), f"{p.code} · {p.name}" if p.name else p.code)
        for p in selectors.caseload_people(user, team).order_by("code")
    ]


def _apply_errors(form, exc: ValidationError) -> None:
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _chosen_people(form, team, user):
    ids = {int(pk) for pk in form.cleaned_data["people"]}
    return list(selectors.caseload_people(user, team).filter(pk__in=ids))


def _values(form) -> dict:
    data = form.cleaned_data
    return {
        "date": data["date"],
        "duration_minutes": data["duration_minutes"],
        "modality": data["modality"],
        "setting": data["setting"],
        "contact_type": data["contact_type"],
        "activities": data["activities"],
        "chime": data["chime"],
        "note": data["note"],
    }


@requires("contacts.view_caseload", obj=_org)
def caseload(request, slug):
    organization = request.permission_object
    relationships = list(selectors.caseload(request.user, organization))
    people = [r.person for r in relationships]
    last = selectors.last_contact_dates(request.user, people)
    teams: dict[int, dict] = {}
    for r in relationships:
        entry = teams.setdefault(r.person.team_id, {"team": r.person.team, "rows": []})
        entry["rows"].append({"relationship": r, "person": r.person, "last": last.get(r.person_id)})
    audit.record(
        actor=request.user,
        action="contacts.caseload_viewed",
        obj=organization,
        details={"people": len(people)},
    )
    return render(
        request,
        "contacts/caseload.html",
        {
            "organization": organization,
            "teams": list(teams.values()),
            "clear_draft": request.session.pop(CLEAR_DRAFT, ""),
        },
    )


def _form_page(request, organization, team, form, *, contact=None, draft_key, person_pk=None):
    return render(
        request,
        "contacts/contact_form.html",
        {
            "organization": organization,
            "team": team,
            "form": form,
            "contact": contact,
            "activities": form.activity_groups,
            "draft_key": draft_key,
            "restore_draft": not form.is_bound,
            "person_pk": person_pk,
            "edit_hours": int(edit_window().total_seconds() // 3600),
        },
    )


@requires(
    "contacts.log_contact",
    obj=_team,
    no_record="blank contact form at a team; its people are those of the audited caseload page",
)
@once_per_token
def log_contact(request, slug, team_pk):
    team = request.permission_object
    organization = team.site.organization
    people_choices = _people_choices(request.user, team)
    person_pk = request.GET.get("person", "")
    if person_pk not in {pk for pk, _label in people_choices}:
        person_pk = ""
    draft_key = _draft_key(request.user, team.pk, person_pk or "group")
    activities = selectors.activity_choices(team, _lang())
    if request.method == "POST":
        form = ContactForm(request.POST, people_choices=people_choices, activities=activities)
        if form.is_valid():
            try:
                contact = services.log_contact(
                    actor=request.user,
                    team=team,
                    people=_chosen_people(form, team, request.user),
                    **_values(form),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                request.session[CLEAR_DRAFT] = draft_key
                messages.success(
                    request,
                    _("Contact saved. You can correct it for %(hours)s hours.")
                    % {"hours": int(edit_window().total_seconds() // 3600)},
                )
                return redirect(
                    reverse("contacts:caseload", args=[organization.slug]) + f"?logged={contact.pk}"
                )
    else:
        initial = selectors.form_defaults(request.user)
        if person_pk:
            initial["people"] = [person_pk]
        else:
            initial["contact_type"] = "group"
        form = ContactForm(initial=initial, people_choices=people_choices, activities=activities)
    return _form_page(request, organization, team, form, draft_key=draft_key, person_pk=person_pk)


@requires("contacts.view_contact", obj=_contact, audit_read="contacts.contact_viewed")
def contact_detail(request, slug, pk):
    contact = request.permission_object
    lang = _lang()
    audit.record(actor=request.user, action="contacts.contact_viewed", obj=contact)
    chime_labels = dict(ChimeDomain.choices)
    return render(
        request,
        "contacts/contact_detail.html",
        {
            "organization": contact.organization,
            "contact": contact,
            "people": list(contact.people.all()),
            "activities": [(taxonomy.label(code, lang), code) for code in contact.activities],
            "out_of_scope": _out_of_scope(contact.team),
            "chime": [chime_labels.get(c, c) for c in contact.chime],
            "can_read_note": request.user.has_perm("contacts.read_note", contact),
            "can_change": request.user.has_perm("contacts.change_contact", contact),
            "editable_until": contact.created_at + edit_window(),
            "clear_draft": request.session.pop(CLEAR_DRAFT, ""),
        },
    )


def _out_of_scope(team) -> set[str]:
    from .drift import scope_for

    return set(scope_for(team).out_of_scope)


@requires("contacts.change_contact", obj=_contact, audit_read="contacts.contact_edit_viewed")
def edit_contact(request, slug, pk):
    contact = request.permission_object
    team = contact.team
    people_choices = _people_choices(request.user, team)
    current = [str(p.pk) for p in contact.people.all()]
    # A person who has left the caseload stays listed on their own past contact.
    known = {pk for pk, _label in people_choices}
    people_choices += [
        (pk, p.code) for pk, p in ((str(p.pk), p) for p in contact.people.all()) if pk not in known
    ]
    activities = selectors.activity_choices(team, _lang(), keep=tuple(contact.activities))
    draft_key = _draft_key(request.user, "edit", contact.pk)
    if request.method == "POST":
        form = ContactForm(request.POST, people_choices=people_choices, activities=activities)
        if form.is_valid():
            ids = {int(x) for x in form.cleaned_data["people"]}
            people = [p for p in contact.people.all() if p.pk in ids]
            people += list(
                selectors.caseload_people(request.user, team)
                .filter(pk__in=ids)
                .exclude(pk__in=[p.pk for p in people])
            )
            try:
                changed = services.update_contact(
                    actor=request.user, contact=contact, people=people, **_values(form)
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                request.session[CLEAR_DRAFT] = draft_key
                messages.success(
                    request, _("Contact corrected.") if changed else _("Nothing was changed.")
                )
                return redirect("contacts:contact", contact.organization.slug, contact.pk)
    else:
        initial = {name: getattr(contact, name) for name in services.EDITABLE}
        initial["people"] = current
        form = ContactForm(initial=initial, people_choices=people_choices, activities=activities)
    return _form_page(
        request, contact.organization, team, form, contact=contact, draft_key=draft_key
    )


@require_POST
@requires(
    "contacts.change_contact",
    obj=_contact,
    no_record="POST only: an action; its write is audited by the service",
)
def delete_contact(request, slug, pk):
    contact = request.permission_object
    if services.delete_contact(actor=request.user, contact=contact):
        messages.success(request, _("The contact was deleted."))
    else:
        messages.info(request, _("The contact had already been deleted."))
    return redirect("contacts:caseload", slug)


@requires("contacts.view_history", obj=_person, audit_read="contacts.history_viewed")
def person_history(request, slug, person_pk):
    person = request.permission_object
    filterset = contact_lists.ContactFilter(
        request.GET or None, queryset=selectors.history(person), request=request
    )
    table = lists.build(
        request,
        contact_lists.ContactTable(
            filterset.qs,
            user=request.user,
            organization=person.organization,
            lang=_lang(),
            out_of_scope=_out_of_scope(person.team),
        ),
    )
    if lists.wants_csv(request):
        return lists.csv_response(
            request,
            table,
            filename=f"contacts-{person.code}.csv",
            action="contacts.history_exported",
            obj=person,
            filterset=filterset,
        )
    audit.record(
        actor=request.user,
        action="contacts.history_viewed",
        obj=person,
        details={"contacts": table.paginator.count},
    )
    return render(
        request,
        "contacts/history.html",
        {
            "organization": person.organization,
            "person": person,
            "table": table,
            "filterset": filterset,
            "csv_query": lists.csv_query(request),
            "today": timezone.localdate(),
        },
    )
