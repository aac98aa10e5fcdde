"""docs/api.md cannot rot: every `curl` example marked "# expect NNN" is expanded by bash
(so its quoting is what a reader's shell does) and replayed with the test client, in the
page's order, as the role its token variable names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from ..research.conftest import crowd  # noqa: F401 - enough people for a k-anonymous export
from .conftest import issue

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def examples() -> list[tuple[int, str]]:
    found = []
    for block in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        expect = re.search(r"^# expect (\d{3})$", block, re.M)
        if expect and "curl" in block:
            found.append((int(expect.group(1)), block))
    return found


def argv(block: str, env: dict[str, str]) -> list[str]:
    """The arguments bash would give curl for this example."""
    script = "curl() { printf '%s\\0' \"$@\"; }\n" + block
    out = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    return out.split("\0")[:-1]


def request_of(args: list[str]) -> tuple[str, str, dict[str, str], str | None]:
    method, headers, body, url = "GET", {}, None, None
    items = iter(args)
    for arg in items:
        if arg == "-s":
            continue
        if arg == "-o":
            next(items)  # where curl saves the answer
            continue
        if arg == "-X":
            method = next(items)
        elif arg == "-H":
            name, _sep, value = next(items).partition(":")
            headers[name.strip()] = value.strip()
        elif arg in ("--data", "-d"):
            body = next(items)
            method = "POST" if method == "GET" else method
        elif arg.startswith("-"):
            raise AssertionError(f"Unknown curl option in docs/api.md: {arg}")
        else:
            url = arg
    assert url, args
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return method, path, headers, body


def test_the_doc_has_an_example_for_every_endpoint():
    routes = set()
    for _status, block in examples():
        method = re.search(r"-X (\w+)", block)
        url = re.search(r'"\$PEERWAY(/api/v1/[^"?]*)', block).group(1)
        routes.add(f"{method.group(1) if method else 'GET'} {url}")
    from .test_routes import api_operations

    for route, _view in api_operations():
        method, path = route.split(" ", 1)
        pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"$\1", path).replace("$slug", "$ORG")
        wanted = re.sub(r"\$\w+", "$X", f"{method} {pattern}")
        assert wanted in {re.sub(r"\$\w+", "$X", r) for r in routes}, route


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash expands the examples")
def test_every_curl_example_of_the_doc_answers_as_documented(world, people, crowd):  # noqa: F811
    env = {
        "PATH": "/usr/bin:/bin",
        "PEERWAY": "http://testserver",
        "ORG": world.org.slug,
        "TEAM": str(world.team_a.pk),
        "PERSON": people["ana"].code,
        "PEER_TOKEN": issue(world.peer_a),
        "CLINICIAN_TOKEN": issue(world.clinician),
        "SUPERVISOR_TOKEN": issue(world.supervisor),
        "MANAGER_TOKEN": issue(world.manager),
        "EVALUATOR_TOKEN": issue(world.evaluator),
    }
    found = examples()
    assert len(found) >= 12
    for expected, block in found:
        method, path, headers, body = request_of(argv(block, env))
        extra = {"HTTP_AUTHORIZATION": headers.pop("Authorization")}
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = Client().generic(
            method, path, data=body or "", content_type=content_type, **extra
        )
        assert response.status_code == expected, (block, response.content)
        if response["Content-Type"] == "application/zip":
            continue
        payload = response.json()
        if method == "POST" and path.endswith("/exports"):
            env["EXPORT"] = str(payload["id"])
        if method == "POST" and path.endswith("/referrals"):
            env["REFERRAL"] = str(payload["id"])
        if method == "POST" and path.endswith("/contacts"):
            env["CONTACT"] = str(payload["id"])
        if expected >= 400:
            assert payload["detail"][0]["message"]
