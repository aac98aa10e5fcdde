"""Every curl example of docs/fhir.md, replayed against the test client with a Bearer
token of Pat (team A) and the records of tests/fhir/conftest.py; each answers the status
the doc announces."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"
BASE = "http://testserver/fhir/r4"


def examples() -> list[tuple[int, str]]:
    """(expected status, curl command) for every example in the doc's bash blocks."""
    found = []
    for block in re.findall(r"```bash\n(.*?)```", DOC.read_text(), flags=re.S):
        expected = None
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if match := re.fullmatch(r"# expect (\d{3})", line):
                expected = int(match.group(1))
            elif line.startswith("curl "):
                assert expected is not None, f"no '# expect' before: {line}"
                found.append((expected, line))
                expected = None
    return found


def parse(command: str, variables: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    method, url, headers = "GET", None, {}
    words = shlex.split(command)[1:]
    i = 0
    while i < len(words):
        word = words[i]
        if word == "-X":
            method, i = words[i + 1], i + 2
            continue
        if word == "-H":
            name, _, value = words[i + 1].partition(":")
            headers[name.strip()] = value.strip()
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        url = word
        i += 1
    assert url is not None, command
    for name, value in variables.items():
        url = url.replace(f"${name}", value)
    url = url.replace("\\$", "$")
    return method, url, headers


def test_the_doc_has_an_example_for_every_endpoint():
    commands = " ".join(command for _status, command in examples())
    for needle in ("/metadata", "/CodeSystem", "/Patient?", "/Patient/", "$export", "DELETE"):
        assert needle in commands, needle


def test_every_example_answers_as_documented(world, records, django_capture_on_commit_callbacks):
    from django.test import Client

    from peerway.api import services

    token = services.create_token(
        actor=world.peer_a, name="docs", expires_in_days=30, mfa_verified=True
    ).secret
    client = Client()  # no session: the token in each example is the only credential
    variables = {"BASE": BASE, "TOKEN": token}
    for expected, command in examples():
        method, url, headers = parse(command, variables)
        assert "$" not in url.replace("/$export", ""), f"unknown variable in {command}"
        meta = {
            f"HTTP_{name.upper().replace('-', '_')}": value.replace("$TOKEN", token)
            for name, value in headers.items()
        }
        path = url.removeprefix("http://testserver")
        with django_capture_on_commit_callbacks(execute=True):
            response = getattr(client, method.lower())(path, **meta)
        assert response.status_code == expected, (command, response.content[:300])
        if response.status_code >= 400:
            assert response.json()["resourceType"] == "OperationOutcome"
        if "Content-Location" in response:
            variables["STATUS"] = response["Content-Location"]
        if response["Content-Type"] == "application/json":  # the export's manifest
            variables["FILE"] = response.json()["output"][0]["url"]
