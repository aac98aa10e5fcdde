"""An outcome questionnaire dated year 1 or year 1000 is refused, naming the field."""

from __future__ import annotations

import pytest

from peerway.outcomes.models import Administration

from .conftest import PHQ9_CALM
from .test_views import give_url, post_answers


@pytest.mark.parametrize("typed", ["0001-01-01", "1000-01-01"])
def test_an_absurd_date_given_is_refused_naming_the_field(world, person, login, typed):
    response = login(world.peer_a).post(
        give_url(person), post_answers(PHQ9_CALM, administered_on=typed)
    )
    assert response.status_code == 200
    assert "The date cannot be before 2000-01-01." in response.content.decode()
    assert not Administration.objects.exists()
