"""The supervision queue (supervisees, last session, next due) as a sortable, paged table
with a CSV download (peerway/core/lists.py)."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peerway.core.lists import ListTable


class SupervisionFilterForm(forms.Form):
    """Filters of the supervision queue, kept in the address."""

    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def apply(self, statuses):
        if self.cleaned_data.get("overdue"):
            return [s for s in statuses if s.overdue]
        return statuses


class SupervisionTable(ListTable):
    name = tables.Column(verbose_name=_("Name"), accessor="worker__user__display_name")
    teams = tables.Column(verbose_name=_("Teams"), orderable=False, empty_values=())
    last = tables.Column(verbose_name=_("Last session"))
    due = tables.Column(verbose_name=_("Next due"))
    action = tables.Column(
        verbose_name=_("Action"), orderable=False, empty_values=(), exclude_from_export=True
    )

    class Meta(ListTable.Meta):
        empty_text = _("No supervisee.")

    def __init__(self, *args, organization, can_log: bool, **kwargs):
        self.organization = organization
        self.can_log = can_log
        super().__init__(*args, caption=_("Supervisees, last session and next due date"), **kwargs)

    def render_name(self, record):
        url = reverse("workforce:profile", args=[self.organization.slug, record.worker.user.pk])
        return format_html('<a href="{}">{}</a>', url, record.worker.user.display_name)

    def value_name(self, record):
        return record.worker.user.display_name

    def render_teams(self, record):
        return ", ".join(t.name for t in record.worker.teams)

    def value_teams(self, record):
        return self.render_teams(record)

    def render_last(self, record):
        return record.last.isoformat()

    def value_last(self, record):
        return record.last.isoformat() if record.last else ""

    def render_due(self, record):
        if record.overdue:
            return format_html(
                '{} <span class="badge text-bg-danger">{}</span>',
                record.due.isoformat(),
                _("Overdue"),
            )
        return record.due.isoformat()

    def value_due(self, record):
        return record.due.isoformat()

    def render_action(self, record):
        if not self.can_log:
            return ""
        url = reverse(
            "workforce:log_supervision", args=[self.organization.slug, record.worker.user.pk]
        )
        return format_html(
            '<a href="{}">{}<span class="visually-hidden"> {}</span></a>',
            url,
            _("Log a session"),
            record.worker.user.display_name,
        )
