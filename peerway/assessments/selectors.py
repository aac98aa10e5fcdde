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
    result = []
    for link in links:
        n = counts.get((link.team_id, link.audience), 0)
        reason = reasons.get(GroupKey("team", link.team_id, link.audience))
        result.append((link, None if reason not in (None, "no_responses") else n))
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
