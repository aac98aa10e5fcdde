from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peerway.core.forms import BootstrapMixin
from peerway.core.models import Organization, Site, Team
from peerway.core.permissions import roles_over

from .periods import PeriodError, parse_period
from .permissions import READER_ROLES

PERIOD_HELP = _("A quarter (2026Q3), a month (2026-07) or a year (2026).")


def default_period() -> str:
    today = timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def reader_places(user, organization: Organization) -> list[tuple[str, str]]:
    """Places ('org', 'site:ID', 'team:ID') over which the user is manager or evaluator."""
    wanted = set(READER_ROLES)
    choices: list[tuple[str, str]] = []
    if roles_over(user, organization) & wanted:
        choices.append(("org", _("Whole organization: %(name)s") % {"name": organization}))
    for site in Site.objects.filter(organization=organization).order_by("name"):
        if roles_over(user, site) & wanted:
            choices.append((f"site:{site.pk}", _("Site: %(name)s") % {"name": site}))
    teams = Team.objects.filter(site__organization=organization).select_related("site")
    for team in teams.order_by("site__name", "name"):
        if roles_over(user, team) & wanted:
            choices.append(
                (
                    f"team:{team.pk}",
                    _("Team: %(team)s (%(site)s)") % {"team": team, "site": team.site},
                )
            )
    return choices


def resolve(value: str, organization: Organization) -> tuple[Site | None, Team | None]:
    kind, _sep, raw = value.partition(":")
    if kind == "site":
        return Site.objects.get(pk=int(raw), organization=organization), None
    if kind == "team":
        return None, Team.objects.select_related("site").get(
            pk=int(raw), site__organization=organization
        )
    return None, None


class PeriodField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(label=_("Period"), max_length=10, help_text=PERIOD_HELP, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_period(value)
        except PeriodError:
            raise forms.ValidationError(
                _("Not a period. Write a quarter (2026Q3), a month (2026-07) or a year (2026).")
            ) from None


class FilterForm(BootstrapMixin, forms.Form):
    period = PeriodField()
    place = forms.ChoiceField(label=_("Where"))

    def __init__(self, *args, user, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = reader_places(user, organization)
        self.fields["period"].initial = default_period()
        self._style()


class ReportForm(FilterForm):
    language = forms.ChoiceField(
        label=_("Language of the report"), choices=[("en", "English"), ("fr", "Français")]
    )


def outcome_instrument_choices(lang: str) -> list[tuple[str, str]]:
    """Questionnaires given to people supported (not the staff surveys' group-level ones)."""
    from peerway.instruments.engine.model import text_in
    from peerway.instruments.library import current_library

    library = current_library()
    return sorted(
        (
            (code, text_in(inst.name, lang) or code)
            for code, inst in library.items()
            if not inst.group_level
        ),
        key=lambda pair: pair[1],
    )


class ReliabilityForm(BootstrapMixin, forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"))
    test_retest = forms.DecimalField(
        label=_("Test–retest reliability"),
        min_value=Decimal("0.01"),
        max_value=Decimal("0.999"),
        max_digits=4,
        decimal_places=3,
        help_text=_(
            "Between 0 and 1, for example 0.84: the correlation between two "
            "administrations to the same people when nothing changed."
        ),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=400,
        help_text=_("The study or manual the value comes from (authors, year, journal)."),
    )

    def __init__(self, *args, lang: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = outcome_instrument_choices(lang)
