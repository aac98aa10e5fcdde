"""The safety queue and the measures due, as sortable, paged tables with a CSV download
(peerway/core/lists.py)."""

from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peerway.core.lists import ListTable
from peerway.support.lists import person_cell, person_value


def _when(value) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i") if value else "—"


def _csv_when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class SafetyTaskTable(ListTable):
    created_at = tables.Column(verbose_name=_("Created"))
    risk_type = tables.Column(verbose_name=_("Type of risk"))
    person = tables.Column(verbose_name=_("Person"), accessor="person__code")
    team = tables.Column(verbose_name=_("Team"), accessor="team__name")
    due_at = tables.Column(verbose_name=_("Acknowledge by"), empty_values=())
    status = tables.Column(verbose_name=_("Status"), empty_values=())

    class Meta(ListTable.Meta):
        empty_text = _("No safety task matches.")

    def __init__(self, *args, organization, named=None, **kwargs):
        self.organization = organization
        self.named = named or set()
        self.now = timezone.now()
        super().__init__(*args, caption=_("Safety tasks"), **kwargs)

    def render_created_at(self, record):
        url = reverse("outcomes:safety_task", args=[self.organization.slug, record.pk])
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> · {} · {}</span></a>',
            url,
            _when(record.created_at),
            record.get_risk_type_display(),
            record.person.code,
        )

    def value_created_at(self, record):
        return _csv_when(record.created_at)

    def render_risk_type(self, record):
        return record.get_risk_type_display()

    def render_person(self, record):
        return person_cell(record.person, self.named)

    def value_person(self, record):
        return person_value(record.person, self.named)

    def render_due_at(self, record):
        return _when(record.due_at)

    def value_due_at(self, record):
        return _csv_when(record.due_at)

    def render_status(self, record):
        return render_to_string("outcomes/_task_flags.html", {"t": record})

    def value_status(self, record):
        flags = [record.get_status_display()]
        if record.is_overdue(self.now):
            flags.append(str(_("Overdue")))
        if record.escalated and record.status == "open":
            flags.append(str(_("Escalated")))
        if record.no_supervisor:
            flags.append(str(_("No supervisor found")))
        return " · ".join(flags)


class DueTable(ListTable):
    """Measures due or overdue (rows computed from each person's schedule, sorted and
    paged in memory)."""

    person = tables.Column(verbose_name=_("Person"), accessor="person__code")
    team = tables.Column(verbose_name=_("Team"), accessor="person__team__name")
    time_point = tables.Column(verbose_name=_("Time point"), accessor="window__time_point")
    instruments = tables.Column(verbose_name=_("Questionnaires"), orderable=False)
    due_on = tables.Column(verbose_name=_("Due date"), accessor="window__due_on")
    status = tables.Column(verbose_name=_("Status"))

    class Meta(ListTable.Meta):
        empty_text = _("No outcome measure is due or overdue for the people you support.")

    def __init__(self, *args, organization, names, point_label, named=None, **kwargs):
        self.organization = organization
        self.names = names
        self.point_label = point_label
        self.named = named or set()
        super().__init__(*args, caption=_("Measures due and overdue"), **kwargs)

    def render_person(self, record):
        url = reverse("outcomes:person", args=[self.organization.slug, record.person.pk])
        name = record.person.name if record.person.pk in self.named and record.person.name else ""
        if name:
            return format_html('<a href="{}">{}</a> {}', url, record.person.code, name)
        return format_html('<a href="{}">{}</a>', url, record.person.code)

    def value_person(self, record):
        return person_value(record.person, self.named)

    def render_time_point(self, record):
        return self.point_label(record.window.time_point)

    def value_time_point(self, record):
        return str(self.point_label(record.window.time_point))

    def render_instruments(self, record):
        return ", ".join(str(self.names.get(c, c)) for c in record.instruments)

    def value_instruments(self, record):
        return self.render_instruments(record)

    def render_due_on(self, record):
        return record.window.due_on.isoformat()

    def value_due_on(self, record):
        return record.window.due_on.isoformat()

    def render_status(self, record):
        if record.status == "overdue":
            return format_html('<span class="badge text-bg-warning">{}</span>', _("Overdue"))
        return format_html('<span class="badge text-bg-info">{}</span>', _("Due"))

    def value_status(self, record):
        return str(_("Overdue") if record.status == "overdue" else _("Due"))
