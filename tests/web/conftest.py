"""Helpers for page tests: sign a counselor in through the real login form."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client, counselor, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Sign in through GET+POST /login; returns the response after redirects."""
    page = client.get("/login")
    return client.post("/login", data={
        "email": counselor.email, "password": password, "csrf_token": csrf_of(page.text), "next": "/dashboard",
    })


class Browser:
    """A signed-in TestClient with a helper to post forms with the page's CSRF token."""

    def __init__(self, client, counselor) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.counselor = counselor
        client.cookies.clear()  # one browser, one person
        response = login(client, counselor)
        assert response.status_code == 200, response.text[:500]
        self.token = csrf_of(response.text)

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, **kw):  # type: ignore[no-untyped-def]
        return self.client.post(url, data={"csrf_token": self.token, **(data or {})}, **kw)


@pytest.fixture
def owner(factory):  # type: ignore[no-untyped-def]
    return factory.owner()


@pytest.fixture
def as_owner(client, owner) -> Browser:  # type: ignore[no-untyped-def]
    return Browser(client, owner)
