"""A person's contacts as a sortable, paged, filtered table with a CSV download
(peerway/core/lists.py). Notes show only to readers allowed each note and never go into the
CSV."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from peerway.core.lists import ListFilterSet, ListTable
from peerway.planning import taxonomy
from peerway.support.models import ChimeDomain, ContactType, Modality


class ContactFilter(ListFilterSet):
    date_from = django_filters.DateFilter(
        field_name="date",
        lookup_expr="gte",
        label=_("From"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="date",
        lookup_expr="lte",
        label=_("To"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    contact_type = django_filters.ChoiceFilter(
        choices=ContactType.choices, label=_("Type of contact")
    )
    modality = django_filters.ChoiceFilter(choices=Modality.choices, label=_("How"))


class ContactTable(ListTable):
    date = tables.Column(verbose_name=_("Date"))
    worker = tables.Column(verbose_name=_("Peer worker"), accessor="worker__display_name")
    contact_type = tables.Column(verbose_name=_("Type of contact"))
    modality = tables.Column(verbose_name=_("How"))
    setting = tables.Column(verbose_name=_("Where"))
    duration_minutes = tables.Column(verbose_name=_("Minutes"))
    activities = tables.Column(verbose_name=_("Activities"), orderable=False, empty_values=())
    chime = tables.Column(
        verbose_name=_("CHIME domains addressed"), orderable=False, empty_values=()
    )
    note = tables.Column(
        verbose_name=_("Note"), orderable=False, empty_values=(), exclude_from_export=True
    )

    class Meta(ListTable.Meta):
        empty_text = _("No contact has been logged yet.")

    def __init__(self, *args, user, organization, lang, out_of_scope, **kwargs):
        self.user = user
        self.organization = organization
        self.lang = lang
        self.out_of_scope = out_of_scope
        self.chime_labels = dict(ChimeDomain.choices)
        super().__init__(*args, caption=_("Contacts"), **kwargs)

    def render_date(self, record):
        day = record.date.isoformat()
        if self.user.has_perm("contacts.view_contact", record):
            url = reverse("contacts:contact", args=[self.organization.slug, record.pk])
            return format_html('<a href="{}">{}</a>', url, day)
        return day

    def value_date(self, record):
        return record.date.isoformat()

    def render_contact_type(self, record):
        label = record.get_contact_type_display()
        if len(record.people.all()) > 1:
            return format_html("{} ({})", label, _("group"))
        return label

    def value_contact_type(self, record):
        return record.get_contact_type_display()

    def render_modality(self, record):
        return record.get_modality_display()

    def render_setting(self, record):
        return record.get_setting_display()

    def render_activities(self, record):
        if not record.activities:
            return "—"
        return format_html_join(
            "; ",
            "{}{}",
            (
                (
                    taxonomy.label(code, self.lang),
                    format_html(
                        ' <span class="badge text-bg-warning">{}</span>', _("outside the role")
                    )
                    if code in self.out_of_scope
                    else "",
                )
                for code in record.activities
            ),
        )

    def value_activities(self, record):
        return "; ".join(taxonomy.label(code, self.lang) for code in record.activities)

    def render_chime(self, record):
        return ", ".join(str(self.chime_labels.get(c, c)) for c in record.chime) or "—"

    def value_chime(self, record):
        return ", ".join(str(self.chime_labels.get(c, c)) for c in record.chime)

    def render_note(self, record):
        if self.user.has_perm("contacts.read_note", record):
            return record.note or "—"
        return format_html("<em>{}</em>", _("Not shown to you."))
