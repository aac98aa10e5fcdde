"""A contact dated year 1 or year 1000 is refused on the form, naming the field, and
nothing is saved (the de-identified export once crashed on such a contact)."""

from __future__ import annotations

import pytest

from peerway.support.models import Contact

from .test_pages import form_data, log_url


@pytest.mark.parametrize("typed", ["0001-01-01", "1000-01-01", "1999-12-31"])
def test_an_absurd_contact_date_is_refused_naming_the_field(world, service, login, typed):
    response = login(world.peer_a).post(
        log_url(world.team_a, service.ana), form_data([service.ana], date=typed)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["The date cannot be before 2000-01-01."]
    page = response.content.decode()
    assert 'href="#id_date">Date: The date cannot be before 2000-01-01.' in page
    assert not Contact.objects.exists()
