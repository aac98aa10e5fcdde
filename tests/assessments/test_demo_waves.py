from peerway.assessments import reports
from peerway.assessments.models import Wave
from peerway.core import demo


def test_demo_has_two_waves_with_barriers_that_change(demo_region):
    region = demo_region
    demo.seed()  # idempotent
    baseline, followup = Wave.objects.filter(organization=region.organization).order_by("opens_on")
    assert Wave.objects.count() == 2
    assert (followup.opens_on - baseline.opens_on).days >= 180
    unit3b = region.teams["unit3b"].pk
    crisis = region.teams["crisis"].pk
    before = reports.wave_barriers(baseline)
    after = reports.wave_barriers(followup)
    assert "role_clarity" in {f.factor for f in before.for_team(unit3b).barriers()}
    assert "role_clarity" not in {f.factor for f in after.for_team(unit3b).barriers()}
    assert after.for_team(crisis).barriers(), "the crisis team still shows barriers"
    # Peer workers are few on every team: their groups are never shown.
    results = reports.wave_results(baseline)
    assert all(
        c.reason != None or c.n >= baseline.k  # noqa: E711
        for c in results.select(audience="peer_workers")
    )
    assert any(c.suppressed for c in results.select(audience="peer_workers", level="team"))
