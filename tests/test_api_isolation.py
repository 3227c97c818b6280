"""Walks every /api route the app registers: no token → 401; another practice's ids → 404;
lists never show another practice's records."""

from __future__ import annotations

import re

import pytest

from app.main import create_app
from tests.routes import iter_routes

PUBLIC = {("POST", "/api/v1/auth/token")}
MARKER = "Zzyzxmarker"

# A valid body for each write route, so only the foreign id can make the request fail.
SAMPLE_BODIES: dict[tuple[str, str], dict] = {
    ("PATCH", "/api/v1/counselors/{counselor_id}"): {"full_name": "New Name"},
    ("PATCH", "/api/v1/clients/{client_id}"): {"first_name": "New"},
    ("PATCH", "/api/v1/couples/{couple_id}"): {"breach_type": "deception"},
    ("PATCH", "/api/v1/sessions/{session_id}"): {"note_plan": "x"},
    ("POST", "/api/v1/sessions/{session_id}/addenda"): {"text": "x"},
    ("POST", "/api/v1/couples/{couple_id}/agreements"): {"kind": "rule", "title": "x"},
    ("PATCH", "/api/v1/agreements/{agreement_id}"): {"title": "x"},
    ("POST", "/api/v1/agreements/{agreement_id}/checkins"): {"session_id": "{session_id}",
                                                             "outcome": "kept"},
    ("PUT", "/api/v1/administrations/{administration_id}/answers"): {"answers": {}},
    ("POST", "/api/v1/couples/{couple_id}/reports"): {},
    ("POST", "/api/v1/couples/{couple_id}/schedules"): {"instrument_id": "trust-rebuilding", "rule": "once"},
    ("POST", "/api/v1/clients/{client_id}/schedules"): {"instrument_id": "trust-rebuilding", "rule": "once"},
    ("PATCH", "/api/v1/schedules/{schedule_id}"): {"ends_on": None},
    ("POST", "/api/v1/clients/{client_id}/reports"): {},
    ("POST", "/api/v1/couples/{couple_id}/reports/preview"): {},
    ("POST", "/api/v1/clients/{client_id}/reports/preview"): {},
}


def _api_routes():
    app = create_app()
    return sorted(  # convertors dropped: "/clients/{client_id:id}" → "/clients/{client_id}"
        (method, re.sub(r":\w+\}", "}", r.path)) for r in iter_routes(app) if r.path.startswith("/api/")
        for method in r.methods
    )


@pytest.fixture
def foreign(factory):
    """A second practice with one record of every kind, named so leaks are easy to spot."""
    from tests.isolation_records import build_foreign_records

    return build_foreign_records(factory, MARKER)


def _fill(path: str, ids: dict[str, int]) -> str:
    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"no foreign record for path parameter {name!r}: add one"
        return str(ids[name])

    return re.sub(r"\{(\w+)(?::\w+)?\}", sub, path)


def _body(method: str, path: str, ids: dict[str, int]) -> dict | None:
    if method in ("GET", "DELETE"):
        return None
    body = SAMPLE_BODIES.get((method, path), {})
    return {k: ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()}


def test_route_walk_covers_the_api():
    routes = _api_routes()
    assert len(routes) >= 30
    assert ("POST", "/api/v1/sessions/{session_id}/sign") in routes


def test_only_the_login_route_is_public():
    assert set(_api_routes()) >= PUBLIC


@pytest.mark.parametrize(("method", "path"), [r for r in _api_routes() if r not in PUBLIC])
def test_no_token_is_401(client, method, path):
    url = re.sub(r"\{\w+(?::\w+)?\}", "1", path)
    response = client.request(method, url, json={})
    assert response.status_code == 401, f"{method} {path}: {response.status_code}"
    bad = client.request(method, url, json={}, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_other_practices_ids_are_404_everywhere(client, factory, foreign):
    me = factory.owner()
    headers = factory.headers(me)
    checked = 0
    for method, path in _api_routes():
        if "{" not in path:
            continue
        url = _fill(path, foreign.ids)
        response = client.request(method, url, json=_body(method, path, foreign.ids), headers=headers)
        assert response.status_code == 404, f"{method} {url}: {response.status_code} {response.text[:200]}"
        assert MARKER not in response.text
        checked += 1
    assert checked >= 20


def test_lists_never_show_another_practice(client, factory, foreign):
    me = factory.owner()
    headers = factory.headers(me)
    for method, path in _api_routes():
        if method != "GET" or "{" in path:
            continue
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 403), f"{path}: {response.status_code}"
        assert MARKER not in response.text, f"{path} leaked another practice's record"
