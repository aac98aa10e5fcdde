from __future__ import annotations

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from peerway.core.models import Organization

from .models import Response, SurveyLink, Wave


def waves_for(organization: Organization) -> QuerySet[Wave]:
    return Wave.objects.filter(organization=organization).prefetch_related("teams")


def get_wave(organization: Organization, pk: int) -> Wave:
    wave = waves_for(organization).filter(pk=pk).first()
    if wave is None:
        raise Http404
    return wave


def links_with_counts(wave: Wave) -> list[tuple[SurveyLink, int | None]]:
    """Each link with its response count, or None where showing the count could let a
    small group be worked out (the same suppression as the results)."""
    from .analysis import GroupKey, Hierarchy

    counts = {
        (row["team_id"], row["audience"]): row["n"]
        for row in Response.objects.filter(wave=wave)
        .values("team_id", "audience")
        .annotate(n=Count("id"))
    }
    links = list(wave.links.select_related("team__site"))
    hierarchy = Hierarchy(
        {link.team_id: link.team.site_id for link in links}, tuple(wave.audiences)
    )
    reasons = hierarchy.suppress(
        {
            (link.team_id, link.audience): counts.get((link.team_id, link.audience), 0)
            for link in links
        },
        wave.k,
    )
    hidden_by_release: set = set()
    if wave.status() == "closed":
        # Once the wave is closed, a count is also hidden wherever the stored disclosure
        # decision hides that group in any questionnaire, so this page never shows a
        # figure the results pages withhold.
        from .reports import stored_release

        release = stored_release(wave)
        if release is not None:
            hidden_by_release = {
                group
                for pattern in release.patterns.values()
                for hidden in pattern.values()
                for group, why in hidden.items()
                if why != "no_responses"
            }
    result = []
    for link in links:
        n = counts.get((link.team_id, link.audience), 0)
        group = GroupKey("team", link.team_id, link.audience)
        reason = reasons.get(group)
        withheld = reason not in (None, "no_responses") or group in hidden_by_release
        result.append((link, None if withheld else n))
    return result


def find_link(token: str) -> SurveyLink | None:
    return (
        SurveyLink.objects.select_related("wave__organization", "team__site")
        .filter(token=token)
        .first()
    )


def find_link_by_code(code: str) -> SurveyLink | None:
    cleaned = "".join(c for c in code.upper() if c.isalnum())
    return SurveyLink.objects.select_related("wave").filter(short_code=cleaned).first()


def previous_waves(wave: Wave) -> QuerySet[Wave]:
    return (
        Wave.objects.filter(
            organization=wave.organization,
            opens_on__lt=wave.opens_on,
            closes_on__lt=timezone.localdate(),
        )
        .exclude(pk=wave.pk)
        .order_by("-opens_on")
    )
