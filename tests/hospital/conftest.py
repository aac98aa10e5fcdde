from __future__ import annotations

import io
from datetime import date

import pytest

from peerway.support.models import Person

TODAY = date(2026, 6, 30)
HEADER = "person_code,hospital_id,event,date,admission_date,facility\n"


@pytest.fixture
def people(world):
    """Ada at team A (North), Ben at team C (South), and Cy outside the organization."""
    ada = Person.objects.create(organization=world.org, team=world.team_a, code="P-ADA2345")
    ben = Person.objects.create(organization=world.org, team=world.team_c, code="P-BEN2345")
    other_team = world.outsider.memberships.get().team
    cy = Person.objects.create(organization=world.other_org, team=other_team, code="P-CYY2345")
    Person.objects.filter(pk=ada.pk).update(hospital_id_index=Person.hospital_id_lookup("MRN-001"))
    ada.refresh_from_db()
    return {"ada": ada, "ben": ben, "cy": cy}


def csv_bytes(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO((header + "".join(r + "\n" for r in rows)).encode("utf-8"))
