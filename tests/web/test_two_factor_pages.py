"""Two-factor sign-in in the browser: enrolment with a server-drawn QR code, the second sign-in
step, recovery codes shown once, the practice's requirement, and ending one's own sessions."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlmodel import select

from app.auth import two_factor
from app.auth.models import AccessToken, Counselor
from app.db import utcnow
from tests.factories import PASSWORD
from tests.web.conftest import Browser, csrf_of

NOW = 1_900_000_000.0
PENDING = re.compile(r'name="pending" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: NOW)


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(NOW + 30 * offset_steps)


def enable(db, counselor: Counselor) -> str:
    counselor.totp_secret = pyotp.random_base32()
    counselor.totp_enabled_at = utcnow()
    db.add(counselor)
    db.commit()
    return counselor.totp_secret


def password_step(client, counselor):
    client.cookies.clear()
    page = client.get("/login")
    return client.post("/login", data={"email": counselor.email, "password": PASSWORD,
                                       "csrf_token": csrf_of(page.text), "next": "/couples"})


def code_step(client, page, code: str):
    pending = PENDING.search(page.text)
    assert pending, page.text[:500]
    return client.post("/login/code", data={"csrf_token": csrf_of(page.text), "next": "/couples",
                                            "pending": pending.group(1), "code": code})


def test_enrolment_shows_an_inline_qr_code_and_confirms_with_a_code(client, db, factory):
    counselor = factory.counselor()
    browser = Browser(client, counselor)
    account = browser.get("/account")
    assert account.status_code == 200 and 'href="/account/two-factor"' in account.text
    assert 'href="/account"' in account.text  # the header's name leads here
    start = browser.get("/account/two-factor")
    assert "Set up two-factor sign-in" in start.text
    page = browser.post("/account/two-factor/start")
    assert page.status_code == 200
    assert "<svg" in page.text and "qr-code" in page.text
    assert "<img" not in page.text.split("<main", 1)[1]  # nothing fetched from elsewhere
    db.rollback()  # a fresh snapshot
    db.expire_all()
    secret = db.get(Counselor, counselor.id).totp_secret
    assert secret and " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp
    wrong = browser.post("/account/two-factor/confirm", data={"code": "000000" if code_at(secret) != "000000"
                                                              else "111111"})
    assert wrong.status_code == 422
    codes_page = browser.post("/account/two-factor/confirm", data={"code": code_at(secret)})
    assert codes_page.status_code == 200 and str(codes_page.url).endswith("/account/two-factor/recovery-codes")
    shown = re.findall(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", codes_page.text)
    assert len(shown) == 10
    assert "I've saved them" in codes_page.text
    saved = browser.post("/account/two-factor/recovery-codes/saved")
    assert saved.status_code == 200 and "Two-factor sign-in is on" in saved.text
    assert not re.findall(r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}", browser.get(
        "/account/two-factor/recovery-codes").text)  # shown once


def test_sign_in_asks_for_the_code_and_makes_no_session_before_it(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    page = password_step(client, counselor)
    assert page.status_code == 200 and 'name="code"' in page.text
    assert "mend_session" not in client.cookies
    assert db.exec(select(AccessToken).where(AccessToken.counselor_id == counselor.id)).first() is None
    assert client.get("/dashboard", follow_redirects=False).status_code == 303  # not signed in
    bad = code_step(client, page, "000000" if code_at(secret) != "000000" else "111111")
    assert bad.status_code == 401 and "That code didn&#39;t work" in bad.text
    done = code_step(client, bad, code_at(secret))
    assert done.status_code == 200 and str(done.url).endswith("/couples")
    # the same code again, from another sign-in, is refused
    again = code_step(client, password_step(client, counselor), code_at(secret))
    assert again.status_code == 401


def test_a_recovery_code_signs_in_once(client, db, factory):
    counselor = factory.counselor()
    enable(db, counselor)
    codes = two_factor.regenerate_recovery_codes(db, counselor=counselor)
    db.commit()
    assert str(code_step(client, password_step(client, counselor), codes[3]).url).endswith("/couples")
    assert code_step(client, password_step(client, counselor), codes[3]).status_code == 401


def test_wrong_codes_lock_the_second_step_like_passwords(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    page = password_step(client, counselor)
    for _ in range(5):
        page = code_step(client, page, "000000" if code_at(secret) != "000000" else "111111")
        assert page.status_code == 401
    blocked = code_step(client, page, code_at(secret))
    assert blocked.status_code == 429 and "Too many failed" in blocked.text


def test_a_forged_or_stale_pending_value_signs_no_one_in(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    page = password_step(client, counselor)
    forged = page.text.replace(PENDING.search(page.text).group(1), f"{counselor.id}.9999999999.abc")
    assert code_step(client, type("P", (), {"text": forged})(), code_at(secret)).status_code == 401
    # a password change voids the pending value
    page = password_step(client, counselor)
    counselor.password_hash = counselor.password_hash + "x"
    db.add(counselor)
    db.commit()
    assert code_step(client, page, code_at(secret)).status_code == 401


def test_a_practice_that_requires_two_factor_leads_to_enrolment(client, db, factory):
    practice = factory.practice()
    owner, counselor = factory.owner(practice), factory.counselor(practice)
    already = Browser(client, counselor)  # signed in before the requirement
    cookies = dict(client.cookies)
    as_owner = Browser(client, owner)
    settings = as_owner.get("/settings")
    assert 'name="require_two_factor"' in settings.text
    form = {"name": practice.name, "timezone": "UTC", "link_days": "14", "retention_years": "7",
            "require_two_factor": "on"}
    saved = as_owner.post("/settings", data=form)
    assert saved.status_code == 200, saved.text[:300]
    db.rollback()  # a fresh snapshot
    db.expire_all()
    assert db.get(type(practice), practice.id).require_two_factor is True
    # the owner (not enrolled either) is now led to enrol
    assert str(as_owner.get("/dashboard").url).endswith("/account/two-factor")
    # the counselor's open browser session: the next page leads to enrolment
    client.cookies.clear()
    client.cookies.update(cookies)
    led = already.get("/couples")
    assert str(led.url).endswith("/account/two-factor") and "requires two-factor" in led.text
    # a fresh sign-in goes straight to enrolment, which works
    page = password_step(client, counselor)
    assert str(page.url).endswith("/account/two-factor")
    token = csrf_of(client.get("/account").text)
    started = client.post("/account/two-factor/start", data={"csrf_token": token})
    assert started.status_code == 200, started.text[:2000]
    db.rollback()  # a fresh snapshot
    db.expire_all()
    secret = db.get(Counselor, counselor.id).totp_secret
    client.post("/account/two-factor/confirm", data={"csrf_token": token, "code": code_at(secret)})
    assert client.get("/couples").status_code == 200


def test_turning_two_factor_off_needs_a_code_or_the_password(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    page = password_step(client, counselor)
    code_step(client, page, code_at(secret))
    token = csrf_of(client.get("/account/two-factor").text)
    refused = client.post("/account/two-factor/disable", data={"csrf_token": token, "password": "not it at all"})
    assert refused.status_code == 422
    off = client.post("/account/two-factor/disable", data={"csrf_token": token, "password": PASSWORD})
    assert off.status_code == 200 and "Two-factor sign-in is off" in off.text
    db.rollback()  # a fresh snapshot
    db.expire_all()
    assert not two_factor.is_enabled(db.get(Counselor, counselor.id))


def test_counselors_see_and_end_their_own_sessions_only(client, db, factory):
    counselor = factory.counselor()
    other = factory.counselor()
    api_token = factory.token(counselor)
    theirs = factory.token(other)
    browser = Browser(client, counselor)
    page = browser.get("/account")
    assert "(this browser)" in page.text and "API token" in page.text
    their_row = db.exec(select(AccessToken).where(AccessToken.counselor_id == other.id)).one()
    assert browser.post(f"/account/sessions/{their_row.id}/end").status_code == 404
    api_row = db.exec(select(AccessToken).where(AccessToken.counselor_id == counselor.id,
                                                AccessToken.kind == "api")).one()
    ended = browser.post(f"/account/sessions/{api_row.id}/end")
    assert ended.status_code == 200 and "That session has ended" in ended.text
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 401
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200
    web_row = db.exec(select(AccessToken).where(AccessToken.counselor_id == counselor.id,
                                                AccessToken.kind == "web")).one()
    out = browser.post(f"/account/sessions/{web_row.id}/end")
    assert str(out.url).endswith("/login?notice=signed-out")
    assert browser.get("/dashboard", follow_redirects=False).status_code == 303
