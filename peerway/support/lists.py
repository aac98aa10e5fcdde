"""The people and referral lists: filters, tables and their CSV (peerway/core/lists.py)."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peerway.core.lists import ListFilterSet, ListTable
from peerway.core.models import Team

from . import selectors
from .models import (
    URGENCY_RANK,
    WAITING_STATES,
    PersonStatus,
    ReferralSource,
    ReferralState,
    Urgency,
)


def looks_like_code(text: str) -> bool:
    return text.strip().upper().startswith("P-")


# --- people -------------------------------------------------------------------------------


class PeopleFilter(ListFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Code or name"))
    status = django_filters.ChoiceFilter(choices=PersonStatus.choices, label=_("Status"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.none(), label=_("Team"))

    def __init__(self, *args, organization=None, may_search_names=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_search_names = may_search_names
        self.searched_by = ""
        field = self.form.fields["q"]
        if may_search_names:
            field.label = _("Code or name")
            field.help_text = _(
                "A code (P-…), part of one, or any part of a name (capitals and accents do "
                "not matter)."
            )
        else:
            field.label = _("Code")
            field.help_text = _("A code (P-…) or part of one. Your role searches by code only.")
        field.widget.attrs["aria-describedby"] = "id_q-help"
        # Only the teams of people the user may see (never other teams' names).
        self.form.fields["team"].queryset = Team.objects.filter(
            pk__in=self.queryset.values("team_id")
        ).order_by("name")

    def search(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        code = text.upper()
        if looks_like_code(text) or not self.may_search_names:
            # Users without names search by code only: a name typed here matches no code,
            # so it finds nobody, whether or not someone has that name.
            self.searched_by = "code"
            return queryset.filter(code__contains=code)
        self.searched_by = "name"
        by_code = queryset.filter(code__contains=code) if len(code) >= 3 else queryset.none()
        by_name = selectors.search_by_partial_name(self.request.user, queryset, text)
        return queryset.filter(Q(pk__in=by_code.values("pk")) | Q(pk__in=by_name.values("pk")))


class PeopleTable(ListTable):
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(verbose_name=_("Name"), orderable=False, empty_values=())
    team = tables.Column(verbose_name=_("Team"), accessor="team__name")
    site = tables.Column(verbose_name=_("Site"), accessor="team__site__name")
    status = tables.Column(verbose_name=_("Status"))
    language = tables.Column(verbose_name=_("Preferred language"))
    created_at = tables.DateColumn(verbose_name=_("Since"), format="Y-m-d")

    class Meta(ListTable.Meta):
        empty_text = _("Nobody found.")
        sequence = ("code", "name", "team", "site", "status", "language", "created_at")

    def __init__(self, *args, organization, named: set[int] | None = None, **kwargs):
        self.organization = organization
        self.named = named
        super().__init__(
            *args,
            caption=_("People supported"),
            exclude=() if named is not None else ("name",),
            **kwargs,
        )

    def render_code(self, record):
        url = reverse("support:person", args=[self.organization.slug, record.pk])
        return format_html('<a href="{}">{}</a>', url, record.code)

    def value_code(self, record):
        return record.code

    def render_name(self, record):
        return record.name if self.named and record.pk in self.named and record.name else "—"

    def value_name(self, record):
        return record.name if self.named and record.pk in self.named else ""

    def render_status(self, record):
        return record.get_status_display()

    def render_language(self, record):
        return record.get_language_display()


# --- referrals ----------------------------------------------------------------------------


class ReferralFilter(ListFilterSet):
    state = django_filters.ChoiceFilter(choices=ReferralState.choices, label=_("State"))
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, label=_("Urgency"))
    source = django_filters.ChoiceFilter(choices=ReferralSource.choices, label=_("Source"))
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.none(), label=_("Team"))
    mine = django_filters.BooleanFilter(
        method="only_mine",
        label=_("Only the referrals I made"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )
    overdue = django_filters.BooleanFilter(
        method="only_overdue",
        label=_("Only overdue referrals"),
        widget=django_filters.widgets.forms.CheckboxInput,
    )

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.form.fields["team"].queryset = Team.objects.filter(
            pk__in=self.queryset.values("team_id")
        ).order_by("name")

    def only_mine(self, queryset, name, value):
        return queryset.filter(referred_by=self.request.user) if value else queryset

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(selectors.overdue_q(selectors.response_targets(self.organization)))


def referral_default_order(referrals):
    """Those still waiting for a first contact first, most urgent and earliest due at the
    top; then the others, newest first (the order of the list before any sort is chosen)."""
    waiting = Q(state__in=WAITING_STATES)
    return referrals.annotate(
        waiting_rank=Case(When(waiting, then=Value(0)), default=Value(1)),
        urgency_rank=Case(
            *[When(waiting & Q(urgency=u), then=Value(r)) for u, r in URGENCY_RANK.items()],
            default=Value(0),
            output_field=IntegerField(),
        ),
        waiting_since=Case(
            When(waiting, then=F("created_at")), default=None, output_field=DateTimeField()
        ),
    ).order_by("waiting_rank", "urgency_rank", "waiting_since", "-created_at", "-pk")


class ReferralTable(ListTable):
    created_at = tables.Column(verbose_name=_("Referred on"))
    person = tables.Column(verbose_name=_("Person"), accessor="person__code")
    team = tables.Column(verbose_name=_("Team"), accessor="team__name")
    source = tables.Column(verbose_name=_("Source"))
    urgency = tables.Column(
        verbose_name=_("Urgency"), order_by=("urgency_order", "created_at"), empty_values=()
    )
    due = tables.Column(verbose_name=_("Due by"), orderable=False, empty_values=())
    state = tables.Column(verbose_name=_("State"))

    class Meta(ListTable.Meta):
        empty_text = _("No referral.")

    def __init__(self, *args, organization, named=None, **kwargs):
        self.organization = organization
        self.named = named or set()
        self.targets = selectors.response_targets(organization)
        self.now = timezone.now()
        super().__init__(*args, caption=_("Referrals"), **kwargs)

    def _due(self, record):
        due = selectors.due_at(record, self.targets)
        waiting = record.state in WAITING_STATES
        return due, waiting, waiting and due < self.now

    def render_created_at(self, record):
        url = reverse("support:referral", args=[self.organization.slug, record.pk])
        return format_html('<a href="{}">{}</a>', url, date_format(record.created_at, "Y-m-d"))

    def value_created_at(self, record):
        return timezone.localtime(record.created_at).strftime("%Y-%m-%d %H:%M")

    def render_person(self, record):
        return person_cell(record.person, self.named)

    def value_person(self, record):
        return person_value(record.person, self.named)

    def render_source(self, record):
        return record.get_source_display()

    def render_urgency(self, record):
        return record.get_urgency_display()

    def render_state(self, record):
        return record.get_state_display()

    def render_due(self, record):
        due, waiting, overdue = self._due(record)
        when = date_format(timezone.localtime(due), "Y-m-d H:i")
        if overdue:
            return format_html(
                '<span class="badge text-bg-danger">{}</span> <span class="small">{}</span>',
                _("Overdue"),
                _("was due %(due)s") % {"due": when},
            )
        if waiting:
            return format_html('<span class="small">{}</span>', _("due %(due)s") % {"due": when})
        return "—"

    def value_due(self, record):
        due, waiting, overdue = self._due(record)
        return timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if waiting else ""


def urgency_order():
    return Case(
        *[When(urgency=u, then=Value(r)) for u, r in URGENCY_RANK.items()],
        default=Value(len(URGENCY_RANK)),
        output_field=IntegerField(),
    )


# --- a person in any list -------------------------------------------------------------------


def person_cell(person, named: set[int] | None):
    """The code, and the name where the user may see it."""
    if named and person.pk in named and person.name:
        return format_html(
            '{} <span class="text-body-secondary">{}</span>', person.code, person.name
        )
    return person.code


def person_value(person, named: set[int] | None) -> str:
    if named and person.pk in named and person.name:
        return f"{person.code} {person.name}"
    return person.code
