"""The contact write path over the API runs a fixed, small number of queries.

Logging a contact is the busiest write (docs/benchmarks.md, "Contact logging under load"):
the token, the caller's memberships, the people named and the caseload check, then in one
transaction the contact, its attendees, one rollup upsert per table, the referral check,
the dashboards' data version and the audit event with its chain head. The count must not
grow with the number of attendees, of activities, or with whether the day's rollup rows
exist yet.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from peerway.contacts import rollups
from peerway.contacts.models import ContactMonthlyRollup, ContactRollup
from peerway.core import audit
from peerway.support.models import Contact

from .test_endpoints import BASE, CONTACT

# Token, memberships, people, caseload; savepoint (the test's transaction stands for
# BEGIN), contact, attendees, daily upsert, monthly upsert, referrals, the dashboards' data
# version (decision 32, raised once), chain head, event, chain head moved; release (COMMIT).
MAX_QUERIES = 15


def post_counted(api, world, **changes) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = api.post(f"{BASE}/contacts", {"team": world.team_a.pk, **CONTACT, **changes})
    assert response.status_code == 201, response.content
    return len(captured.captured_queries), response.json()


def rollup_rows():
    fields = ("team_id", "worker_id", "activity", "contacts", "minutes", "attendances")
    return (
        sorted(ContactRollup.objects.values_list("day", *fields)),
        sorted(ContactMonthlyRollup.objects.values_list("month", *fields)),
    )


def test_logging_a_contact_runs_a_fixed_number_of_queries(world, people, api_as):
    api = api_as(world.peer_a)
    post_counted(api, world)  # the token's first use also marks it used (once a minute)
    today = timezone.localdate()
    counts = {
        # No rollup row yet for this day, then rows that exist.
        "new day": post_counted(api, world, date=(today - dt.timedelta(days=3)).isoformat()),
        "same day": post_counted(api, world, date=(today - dt.timedelta(days=3)).isoformat()),
        "two people, three activities": post_counted(
            api,
            world,
            people=["P-ANA2345", "P-BEN2345"],
            contact_type="group",
            activities=["advocacy", "clerical_cover", "sharing_recovery_story"],
        ),
    }
    figures = {name: count for name, (count, _body) in counts.items()}
    assert max(figures.values()) <= MAX_QUERIES, figures
    assert len(set(figures.values())) == 1, figures
    # What the fewer queries wrote is still right: the answer, the rollups, the audit.
    assert counts["two people, three activities"][1]["people"] == ["P-ANA2345", "P-BEN2345"]
    assert Contact.objects.count() == 4
    incremental = rollup_rows()
    rollups.rebuild()
    assert rollup_rows() == incremental
    assert audit.verify().ok
