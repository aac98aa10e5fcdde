"""Demo hospital events: only when people supported exist, and only once."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

from peerway.hospital import demo, selectors
from peerway.hospital.models import HospitalEvent
from peerway.support.models import Person


def test_the_demo_waits_for_people_supported(world):
    demo.seed(SimpleNamespace(organization=world.org))
    assert not HospitalEvent.objects.exists()


def test_the_demo_adds_readmissions_once(world):
    for _ in range(8):
        Person.objects.create(organization=world.org, team=world.team_a)
    region = SimpleNamespace(organization=world.org)
    demo.seed(region)
    count = HospitalEvent.objects.count()
    assert count > 0
    demo.seed(region)
    assert HospitalEvent.objects.count() == count
    # Counted as hospital episodes (transfers merged), as the readmission statistics do.
    stays = selectors.hospital_episodes_of(world.org, evaluation_consent_only=False)
    stays_per_person = Counter(s.person_id for s in stays)
    readmitted = [p for p, n in stays_per_person.items() if n > 1]
    assert len(readmitted) >= 4
    assert len(list(selectors.suggestions_for(world.manager, world.org))) >= 4
    first = Person.objects.order_by("created_at", "pk").first()
    assert first.hospital_id_index == Person.hospital_id_lookup("LH-100001")
