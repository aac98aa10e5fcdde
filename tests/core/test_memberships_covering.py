"""``memberships_covering`` groups memberships by the teams they cover: it must agree with
``Membership.covers_team`` for every membership and team, across organizations."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from peerway.core.models import Membership, Organization, Site, Team, memberships_covering


def _places():
    orgs = [Organization(pk=o, name=f"O{o}", slug=f"o{o}") for o in (1, 2)]
    sites = [Site(pk=s, organization=orgs[s % 2], name=f"S{s}") for s in range(1, 6)]
    teams = [Team(pk=t, site=sites[t % 5], name=f"T{t}") for t in range(1, 13)]
    return orgs, sites, teams


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=0, max_value=40))
def test_grouping_agrees_with_covers_team(seed, count):
    rng = random.Random(seed)
    orgs, sites, teams = _places()
    memberships = []
    for i in range(count):
        org = rng.choice(orgs)
        kind = rng.choice(["org", "site", "team", "stray"])
        m = Membership(pk=i + 1, user_id=rng.randint(1, 8), role="peer_worker", organization=org)
        if kind == "site":
            m.site = rng.choice([s for s in sites if s.organization_id == org.pk])
        elif kind == "team":
            m.team = rng.choice([t for t in teams if t.site.organization_id == org.pk])
        elif kind == "stray":  # inconsistent rows must not widen anyone's reach
            m.team = rng.choice(teams)
        memberships.append(m)
    chosen = rng.sample(teams, rng.randint(0, len(teams)))
    got = memberships_covering(memberships, chosen)
    for team in chosen:
        expected = {m.pk for m in memberships if m.covers_team(team)}
        assert {m.pk for m in got[team.pk]} == expected
