"""The reliable change index says which reliability it used, and an organization can supply
a test–retest value that replaces the published internal consistency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from peerway.core.models import AuditEvent
from peerway.evaluation import analysis, services
from peerway.evaluation.models import InstrumentReliability
from peerway.evaluation.periods import parse_period
from peerway.insights.stats import paired_change

Q3 = parse_period("2026Q3")


def changes_by_code(world):
    return {c.code: c for c in analysis.outcome_changes(analysis.Scope(world.org), Q3)}


def test_published_value_is_labelled_internal_consistency(world, cohort):
    phq9 = changes_by_code(world)["phq9"]
    assert phq9.reliability == analysis.PUBLISHED_RELIABILITY["phq9"]
    assert phq9.reliability_used.kind == analysis.INTERNAL_CONSISTENCY
    assert "Kroenke" in phq9.reliability_used.source


def test_supplied_test_retest_replaces_the_published_value(world, cohort):
    services.set_reliability(
        actor=world.manager,
        organization=world.org,
        instrument="phq9",
        test_retest=Decimal("0.840"),
        source="Local retest study 2025",
    )
    phq9 = changes_by_code(world)["phq9"]
    assert phq9.reliability == pytest.approx(0.84)
    assert phq9.reliability_used.kind == analysis.TEST_RETEST
    pairs = [cohort.scores[p.pk]["phq9"] for p in cohort.people]
    expected = paired_change(
        [float(a) for a, _ in pairs],
        [float(b) for _, b in pairs],
        reliability=0.84,
        higher_is_better=False,
    )
    assert phq9.result.reliable_change == expected.reliable_change
    # A questionnaire without a published value gets an index once a value is supplied.
    services.set_reliability(
        actor=world.evaluator,
        organization=world.org,
        instrument="qpr15",
        test_retest=Decimal("0.800"),
        source="Retest study",
    )
    assert changes_by_code(world)["qpr15"].result.reliable_change is not None
    assert AuditEvent.objects.filter(action="evaluation.reliability_set").count() == 2


def test_supplied_value_is_per_organization(world, cohort):
    InstrumentReliability.objects.create(
        organization=world.other_org, instrument="phq9", test_retest=Decimal("0.5"), source="x"
    )
    phq9 = changes_by_code(world)["phq9"]
    assert phq9.reliability == analysis.PUBLISHED_RELIABILITY["phq9"]


def test_removing_brings_back_the_published_value(world, cohort):
    services.set_reliability(
        actor=world.manager,
        organization=world.org,
        instrument="phq9",
        test_retest=Decimal("0.7"),
        source="s",
    )
    assert services.remove_reliability(
        actor=world.manager, organization=world.org, instrument="phq9"
    )
    assert changes_by_code(world)["phq9"].reliability_used.kind == analysis.INTERNAL_CONSISTENCY
    assert AuditEvent.objects.filter(action="evaluation.reliability_removed").count() == 1


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "peer_a", "clinician", "admin"])
def test_only_organization_wide_managers_and_evaluators_may_set_it(world, who):
    with pytest.raises(PermissionDenied):
        services.set_reliability(
            actor=getattr(world, who),
            organization=world.org,
            instrument="phq9",
            test_retest=Decimal("0.8"),
            source="s",
        )
    assert not InstrumentReliability.objects.exists()


def reliability_url(world):
    return reverse("evaluation:reliability", args=[world.org.slug])


def test_page_saves_a_value_and_names_a_bad_field(world, login):
    client = login(world.evaluator)
    page = client.get(reliability_url(world))
    assert page.status_code == 200
    assert "Cronbach" in page.content.decode()
    bad = client.post(
        reliability_url(world), {"instrument": "phq9", "test_retest": "1.5", "source": "s"}
    )
    assert bad.status_code == 400
    assert "Test–retest reliability" in bad.content.decode()
    assert not InstrumentReliability.objects.exists()
    good = client.post(
        reliability_url(world),
        {"instrument": "phq9", "test_retest": "0.83", "source": "Retest 2024"},
    )
    assert good.status_code == 302
    row = InstrumentReliability.objects.get()
    assert (row.instrument, row.test_retest, row.updated_by) == (
        "phq9",
        Decimal("0.830"),
        world.evaluator,
    )
    client.post(reliability_url(world), {"remove": "phq9"})
    assert not InstrumentReliability.objects.exists()


@pytest.mark.parametrize("who", ["site_manager", "supervisor", "peer_a", "clinician", "outsider"])
def test_page_is_refused_to_others(world, login, who):
    response = login(getattr(world, who)).get(reliability_url(world))
    assert response.status_code in (403, 404)


def test_outcome_screen_says_which_reliability_it_used(world, cohort, login):
    url = reverse("evaluation:outcomes", args=[world.org.slug]) + "?period=2026Q3&place=org"
    page = login(world.manager).get(url).content.decode()
    assert "published internal consistency" in page
    assert reliability_url(world) in page
    services.set_reliability(
        actor=world.manager,
        organization=world.org,
        instrument="phq9",
        test_retest=Decimal("0.81"),
        source="Retest 2024",
    )
    page = login(world.manager).get(url).content.decode()
    assert "test–retest supplied by the organization (Retest 2024)" in page
