"""Every API route declares its permission and how its reads are audited; the schema and
the browsable docs are served from the project's own static files."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import get_resolver
from ninja import NinjaAPI, Router

from peerway.api.v1 import api as api_module
from peerway.api.v1.access import requires

from ..core.test_url_permissions import walk


def api_operations():
    patterns, _app, _ns = api_module.urls()
    done = set()
    for pattern in patterns:
        for operation in api_module.operations(pattern):
            for method in operation.methods:
                route = f"{method} /api/v1/{pattern.pattern}"
                if route not in done:
                    done.add(route)
                    yield route, operation.view_func


def test_every_api_operation_declares_a_permission_and_its_read_audit():
    seen = list(api_operations())
    assert len(seen) >= 10
    missing = [route for route, view in seen if not getattr(view, "peerway_permission", None)]
    assert not missing, "API operations without a declared permission:\n" + "\n".join(missing)
    for route, view in seen:
        assert bool(view.peerway_audit_read) != bool(view.peerway_no_record), route
        # A GET of one record (an id or a code in the path) audits the read.
        if route.startswith("GET") and re.search(r"<(?!slug)\w+>$|<(?!slug)[\w:]+>$", route):
            assert view.peerway_audit_read, route


def test_the_url_walk_sees_the_api_routes_with_their_permissions():
    routes = {
        route: pattern.callback
        for route, pattern in walk(get_resolver().url_patterns)
        if route.startswith("api/v1/")
    }
    assert "api/v1/o/<slug>/people" in routes
    assert "api/v1/openapi.json" in routes and "api/v1/docs" in routes
    for route, callback in routes.items():
        assert getattr(callback, "peerway_permission", None), route


def test_an_undeclared_operation_leaves_its_url_unmarked():
    """The marking the URL walk relies on fails closed: one undeclared method is enough."""
    probe = NinjaAPI(urls_namespace="probe-api")
    router = Router()

    @router.get("/x")
    @requires("core.view_home", no_record="probe")
    def declared(request):
        return {}

    @router.post("/x")
    def undeclared(request):
        return {}

    probe.add_router("", router)
    patterns, _app, _ns = probe.urls
    for pattern in [p for p in patterns if api_module.operations(p)]:
        marked = api_module._declared(pattern).callback
        assert not getattr(marked, "peerway_permission", None)


def test_requires_insists_on_an_audit_declaration():
    with pytest.raises(ValueError):
        requires("core.view_home")


def test_openapi_schema_is_served_at_a_stable_url(world, login):
    client = login(world.peer_a)
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/o/{slug}/people" in schema["paths"]
    assert "/api/v1/o/{slug}/referrals/{referral_id}" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"]["scheme"] == "bearer"
    # Every operation documents the error body.
    assert Client().get("/api/v1/openapi.json").status_code == 302  # sign in first


def test_docs_page_uses_only_local_static_files_and_no_inline_script(world, login):
    response = login(world.peer_a).get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/ninja/") for s in sources), sources
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    # The only <script> without src is the JSON settings block (data, never executed).
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
        assert "src=" not in attrs or not body.strip()
    assert "style=" not in html and "<style" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert Client().get(f"/static/ninja/{name}").status_code == 200


def test_every_operation_declares_its_error_answers(world, login):
    schema = login(world.manager).get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for status in ("401", "403", "404", "422", "429"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"]["$ref"].endswith("/ErrorOut"), (path, method, status)
            checked += 1
    assert checked >= 15
    error = schema["components"]["schemas"]["ErrorItem"]
    assert set(error["properties"]) == {"field", "message"}
