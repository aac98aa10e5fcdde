"""The evaluator's home shows the exports that exist (not "none yet"), with the files the
evaluator may download; other roles see nothing of the log."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from peerway.research import services
from peerway.research.models import ExportSource

PURPOSE = "Outcome evaluation approved by the ethics board, protocol 2026-04"
NONE_YET = "No aggregate result or de-identified extract is available yet."


def test_evaluator_home_says_none_yet_before_any_export(world, login):
    text = login(world.evaluator).get("/").content.decode()
    assert NONE_YET in text
    assert reverse("research:exports", args=["northwind"]) in text


def test_evaluator_home_lists_the_export_and_its_download(world, crowd, login):
    export = services.create_export(
        actor=world.evaluator,
        organization=world.org,
        purpose=PURPOSE,
        source=ExportSource.SCREEN,
    ).export
    text = login(world.evaluator).get("/").content.decode()
    assert NONE_YET not in text
    table = re.search(r'<table[^>]*id="home-exports".*?</table>', text, re.S).group(0)
    assert f"<td>{export.pk}</td>" in table and "Completed" in table
    assert f"<td>{export.people_exported}</td>" in table and export.people_exported > 0
    assert reverse("research:download", args=["northwind", export.pk]) in table
    # The purpose and the requester stay on the log page, not on the home page.
    assert PURPOSE not in table


def test_home_export_list_follows_the_log_permissions(world, crowd, login, client):
    services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE, source="screen"
    )
    # The evaluation card is the evaluator's; a manager opens the log from its own page.
    manager = login(world.manager).get("/").content.decode()
    assert 'id="home-exports"' not in manager and "/research/exports/1/download/" not in manager
    client.logout()
    peer = login(world.peer_a).get("/").content.decode()
    assert 'id="home-exports"' not in peer
    assert reverse("research:exports", args=["northwind"]) not in peer


def test_evaluator_home_in_french(world, crowd, login):
    services.create_export(
        actor=world.evaluator, organization=world.org, purpose=PURPOSE, source="screen"
    )
    client = login(world.evaluator)
    client.post("/i18n/setlang/", {"language": "fr-ca"})
    text = client.get("/").content.decode()
    assert "Dernières exportations dépersonnalisées" in text
    assert "Journal des exportations" in text


def test_a_refused_export_is_shown_as_refused_not_hidden(world, login):
    from django.core.exceptions import ValidationError

    # Nobody consents yet: the export is refused, recorded and audited.
    with pytest.raises(ValidationError):
        services.create_export(
            actor=world.evaluator, organization=world.org, purpose=PURPOSE, source="screen"
        )
    text = login(world.evaluator).get("/").content.decode()
    table = re.search(r'<table[^>]*id="home-exports".*?</table>', text, re.S).group(0)
    assert "Refused" in table and "/download/" not in table
