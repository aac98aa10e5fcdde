"""The suggested-referrals list (people who meet the hospital-use trigger) as a sortable,
paged table with a CSV download (peerway/core/lists.py)."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from peerway.core.lists import ListFilterSet, ListTable
from peerway.core.models import Team
from peerway.support.lists import person_cell, person_value


class SuggestionFilter(ListFilterSet):
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.none(), label=_("Team"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["team"].queryset = Team.objects.filter(
            pk__in=self.queryset.values("team_id")
        ).order_by("name")


class SuggestionTable(ListTable):
    code = tables.Column(verbose_name=_("Person"))
    team = tables.Column(verbose_name=_("Team"), accessor="team__name")
    admissions = tables.Column(verbose_name=_("Admissions"))
    emergency_visits = tables.Column(verbose_name=_("Emergency visits"))
    last_event = tables.DateColumn(verbose_name=_("Last event"), format="Y-m-d")
    refer = tables.Column(
        verbose_name=_("Action"), orderable=False, empty_values=(), exclude_from_export=True
    )

    class Meta(ListTable.Meta):
        empty_text = _("Nobody meets the trigger without an open referral or a peer worker.")

    def __init__(self, *args, organization, named=None, **kwargs):
        self.organization = organization
        self.named = named or set()
        super().__init__(*args, caption=_("People who meet the trigger"), **kwargs)

    def render_code(self, record):
        return person_cell(record, self.named)

    def value_code(self, record):
        return person_value(record, self.named)

    def render_team(self, record):
        return f"{record.team.name} ({record.team.site.name})"

    def value_team(self, record):
        return record.team.name

    def render_refer(self, record):
        url = reverse("hospital:refer", args=[self.organization.slug, record.pk])
        return format_html(
            '<a class="btn btn-sm btn-primary" href="{}" aria-label="{}">{}</a>',
            url,
            _("Refer %(code)s") % {"code": record.code},
            _("Refer"),
        )
