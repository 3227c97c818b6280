"""Signing in and out, the session cookie, redirects and login throttling."""

from __future__ import annotations

from app.web.deps import SESSION_COOKIE
from tests.web.conftest import Browser, csrf_of, login


def test_not_signed_in_redirects_to_login_with_next(client):
    response = client.get("/couples?q=lee", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/couples%3Fq%3Dlee"


def test_login_sets_a_safe_cookie_and_goes_to_next(client, factory):
    me = factory.counselor()
    page = client.get("/login?next=/clients")
    response = client.post("/login", data={"email": me.email, "password": "correct horse battery",
                                           "csrf_token": csrf_of(page.text), "next": "/clients"},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/clients"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http base URL in tests; https turns it on


def test_next_must_be_a_local_path(client, factory):
    me = factory.counselor()
    for evil in ("https://evil.test/", "//evil.test/x", "/\\evil.test", "javascript:alert(1)"):
        page = client.get("/login", params={"next": evil})
        assert "evil" not in page.text.split('name="next"')[1][:60] or 'value="/dashboard"' in page.text
        response = client.post("/login", data={"email": me.email, "password": "correct horse battery",
                                               "csrf_token": csrf_of(page.text), "next": evil},
                               follow_redirects=False)
        assert response.headers["location"] == "/dashboard"
        client.cookies.clear()


def test_wrong_password_shows_an_error_and_keeps_the_email(client, factory):
    me = factory.counselor()
    response = login(client, me, password="wrong password here")
    assert response.status_code == 401
    assert "don&#39;t match" in response.text or "don't match" in response.text
    assert f'value="{me.email}"' in response.text


def test_login_is_throttled_with_a_clear_message(client, factory):
    me = factory.counselor()
    for _ in range(5):
        assert login(client, me, password="wrong password here").status_code == 401
    response = login(client, me)  # even the right password waits
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    assert int(response.headers["retry-after"]) > 0


def test_login_without_the_form_token_is_refused(client, factory):
    me = factory.counselor()
    client.get("/login")
    response = client.post("/login", data={"email": me.email, "password": "correct horse battery",
                                           "csrf_token": "forged"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_login_from_another_origin_is_refused(client, factory):
    me = factory.counselor()
    page = client.get("/login")
    response = client.post("/login", headers={"Origin": "https://evil.test"}, data={
        "email": me.email, "password": "correct horse battery", "csrf_token": csrf_of(page.text)})
    assert response.status_code == 403


def test_logout_revokes_the_session_server_side(client, factory):
    browser = Browser(client, factory.counselor())
    saved = client.cookies.get(SESSION_COOKIE)
    assert browser.get("/dashboard").status_code == 200
    response = browser.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert f'{SESSION_COOKIE}=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, saved)  # a copy of the old cookie
    again = client.get("/dashboard", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_logout_needs_the_csrf_token(client, factory):
    browser = Browser(client, factory.counselor())
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert browser.get("/dashboard", follow_redirects=False).status_code == 200


def test_an_api_token_is_not_a_web_session(client, factory):
    me = factory.counselor()
    client.cookies.set(SESSION_COOKIE, factory.token(me))
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_root_goes_to_the_dashboard(client):
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
