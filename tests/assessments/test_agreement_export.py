"""Reliability and agreement as a CSV, with a data dictionary naming each ICC(1) convention."""

from __future__ import annotations

import csv
import io
import random

import pytest

from peerway.assessments import reports
from peerway.assessments.analysis.export import AGREEMENT_COLUMNS, CSV_COLUMNS, DICTIONARY
from peerway.assessments.models import Response
from peerway.core.models import AuditEvent
from peerway.instruments.engine import group as stats
from peerway.instruments.engine import score
from peerway.instruments.library import current_library

from .test_results_pages import closed
from .test_waves import make_wave


def rows_of(response):
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def wave(world):
    reports._MEMO.clear()
    w = make_wave(
        world,
        instrument_codes=["oric"],
        teams=[world.team_a, world.team_c],
        audiences=["staff"],
        **closed(),
    )
    oric = current_library()["oric"]
    rng = random.Random(7)
    # Unequal teams (11 and 6), so the two ICC(1) conventions differ.
    for team, size, centre in ((world.team_a, 11, 3), (world.team_c, 6, 4)):
        Response.objects.bulk_create(
            Response(
                wave=w,
                team=team,
                audience="staff",
                submitted_on=w.opens_on,
                answers={
                    "oric": {
                        i.id: min(5, max(1, centre + rng.choice((-1, 0, 0, 1)))) for i in oric.items
                    }
                },
                versions={"oric": oric.version},
            )
            for _ in range(size)
        )
    yield w
    reports._MEMO.clear()


def test_agreement_csv_gives_both_icc1_conventions_and_is_audited(world, login, wave):
    client = login(world.evaluator)
    rows = rows_of(client.get(f"/o/{world.org.slug}/surveys/{wave.pk}/agreement.csv"))
    assert tuple(rows[0].keys()) == AGREEMENT_COLUMNS
    results = reports.wave_results(wave)
    agreement = reports.wave_agreement(wave)
    with_icc = [r for r in rows if r["icc1"]]
    assert with_icc, "ORIC is a group-level questionnaire: two shown teams give an ICC"
    for row in with_icc:
        icc = agreement.icc_for(row["instrument"], row["scale"])
        assert row["n_teams"] == "2" and int(row["n"]) == 17
        assert float(row["icc1"]) == pytest.approx(icc.icc1, abs=5e-4)
        assert float(row["icc1_n0"]) == pytest.approx(icc.icc1_n0, abs=5e-4)
        assert icc.icc1 != pytest.approx(icc.icc1_n0)
    # The figures are the engine's, on the scores of the shown teams.
    scale = results.scales["oric"][0]
    oric = current_library()["oric"]
    by_team = [
        [
            score(oric, r.answers["oric"]).scales[scale].score
            for r in Response.objects.filter(wave=wave, team=team)
        ]
        for team in (world.team_a, world.team_c)
    ]
    assert agreement.icc_for("oric", scale).icc1 == pytest.approx(stats.icc1_icc2(by_team)["icc1"])
    assert AuditEvent.objects.filter(action="wave.agreement_exported").count() == 1


def test_data_dictionary_describes_every_column_of_both_files_in_both_languages(world, login, wave):
    client = login(world.evaluator)
    url = f"/o/{world.org.slug}/surveys/{wave.pk}/data-dictionary.csv"
    rows = rows_of(client.get(url))
    by_file = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row["column"])
    assert tuple(by_file["results.csv"]) == CSV_COLUMNS
    assert tuple(by_file["agreement.csv"]) == AGREEMENT_COLUMNS
    icc1 = next(r for r in rows if r["column"] == "icc1")["description"]
    n0 = next(r for r in rows if r["column"] == "icc1_n0")["description"]
    assert "mean team size" in icc1 and "multilevel" in icc1
    assert "n₀" in n0 and "McGraw" in n0
    client.post("/i18n/setlang/", {"language": "fr-ca", "next": "/"})
    fr = rows_of(client.get(url))
    assert len(fr) == len(rows)
    assert next(r for r in fr if r["column"] == "mean")["header"] == "Moyenne"
    assert (
        "taille moyenne des équipes" in next(r for r in fr if r["column"] == "icc1")["description"]
    )
    for file, columns in DICTIONARY.items():
        for _column, _kind, text in columns:
            assert text["en"] and text["fr"], file


def test_agreement_files_are_denied_like_the_results(world, login, wave):
    for who in ("supervisor", "peer_a", "clinician", "site_manager", "admin"):
        client = login(getattr(world, who))
        for name in ("agreement.csv", "data-dictionary.csv"):
            url = f"/o/{world.org.slug}/surveys/{wave.pk}/{name}"
            assert client.get(url).status_code == 403, (who, name)
    outsider = login(world.outsider)
    assert outsider.get(f"/o/{world.org.slug}/surveys/{wave.pk}/agreement.csv").status_code == 404
