"""Workforce fixtures on top of the shared world.

Pat (peer_a, team A) discloses one secret per visibility; the secrets are distinctive
words so a test can search any output for them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from peerway.workforce import selectors, services
from peerway.workforce.models import Visibility

PRIVATE_SECRET = "Zanzibarian heritage and a long story"
MATCHING_SECRET = "Quokkaland community"
TEAM_AGE = "45 to 54"


def worker(world, user):
    return selectors.load_worker(user, world.org)


def disclose(world, **attributes):
    services.set_disclosure(
        actor=world.peer_a, worker=worker(world, world.peer_a), attributes=attributes
    )


@pytest.fixture
def disclosed(world):
    """Pat's attributes: two private, two matching-only, one shared with the team."""
    disclose(
        world,
        self_described=(PRIVATE_SECRET, Visibility.PRIVATE),
        lgbtq=("yes", Visibility.PRIVATE),
        cultural_community=(MATCHING_SECRET, Visibility.MATCHING),
        experience=(["substance_use"], Visibility.MATCHING),
        age_band=("45-54", Visibility.TEAM),
    )
    return worker(world, world.peer_a)


@pytest.fixture
def employed(world):
    """Pat and Quinn have employment details; Sam supervises Pat."""
    for user, fte in ((world.peer_a, "0.8"), (world.peer_b, "0.5")):
        services.update_employment(
            actor=world.manager,
            worker=worker(world, user),
            employment=services.Employment(
                fte=Decimal(fte),
                contract_type="term",
                pay_band="PSW-2",
                languages="English, French",
                supervisors=(world.supervisor,) if user == world.peer_a else (),
            ),
        )
    return world


@pytest.fixture
def hr(world):
    """Harper, human resources for the whole region."""
    from peerway.core.roles import Role

    from ..conftest import grant, make_user

    user = make_user("hr@northwind.test", "Harper HR")
    grant(user, Role.HR, world.org)
    return user
