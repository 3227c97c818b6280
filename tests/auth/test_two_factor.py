"""Two-factor sign-in: codes and their steps, recovery codes, throttling, the token endpoint,
the practice's requirement, and a counselor's own tokens."""

from __future__ import annotations

import pyotp
import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.auth import two_factor
from app.auth.models import AccessToken, Counselor, RecoveryCode
from app.db import utcnow
from tests.factories import PASSWORD

NOW = 1_900_000_000.0  # a fixed clock, so no test runs across a 30-second step


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(two_factor, "_now", lambda: NOW)


def enable(db, counselor: Counselor) -> str:
    """Two-factor on for ``counselor``; returns the secret."""
    counselor.totp_secret = pyotp.random_base32()
    counselor.totp_enabled_at = utcnow()
    db.add(counselor)
    db.commit()
    return counselor.totp_secret


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(NOW + 30 * offset_steps)


def wrong_code(secret: str) -> str:
    return "000000" if code_at(secret) != "000000" else "111111"


def token_request(client, counselor, password=PASSWORD, **extra):
    return client.post("/api/v1/auth/token", data={"username": counselor.email, "password": password, **extra})


def actions(db, counselor) -> list[str]:
    db.rollback()  # a fresh snapshot
    db.expire_all()
    return [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.entity_id == counselor.id)
                                      .order_by(AuditEvent.id)).all()]


def test_enrolment_confirms_with_a_current_code_and_makes_ten_hashed_recovery_codes(db, factory):
    counselor = factory.counselor()
    two_factor.start_enrolment(db, counselor=counselor)
    assert counselor.totp_secret and not two_factor.is_enabled(counselor)
    secret = counselor.totp_secret
    assert two_factor.confirm_enrolment(db, counselor=counselor, code=wrong_code(secret)) is None
    codes = two_factor.confirm_enrolment(db, counselor=counselor, code=pyotp.TOTP(secret).at(NOW))
    db.commit()
    assert codes is not None and len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.is_enabled(counselor)
    stored = db.exec(select(RecoveryCode).where(RecoveryCode.counselor_id == counselor.id)).all()
    assert len(stored) == 10
    hashes = {row.code_hash for row in stored}
    assert not any(code in h or code.replace("-", "") in h for code in codes for h in hashes)
    assert "two_factor_enabled" in actions(db, counselor)


def test_the_token_endpoint_needs_the_code_once_two_factor_is_on(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    missing = token_request(client, counselor)
    assert missing.status_code == 401 and "totp_code" in missing.json()["detail"]
    wrong = token_request(client, counselor, totp_code=wrong_code(secret))
    assert wrong.status_code == 401 and "wrong or was already used" in wrong.json()["detail"]
    right = token_request(client, counselor, totp_code=code_at(secret))
    assert right.status_code == 200, right.text
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {right.json()['access_token']}"})
    assert me.status_code == 200
    events = actions(db, counselor)
    assert "two_factor_failed" in events and events[-1] == "login"
    failed = db.exec(select(AuditEvent).where(AuditEvent.action == "two_factor_failed")).all()
    assert all(code_at(secret) not in str(e.detail) for e in failed)


def test_without_two_factor_the_token_endpoint_is_unchanged(client, factory):
    counselor = factory.counselor()
    assert token_request(client, counselor).status_code == 200
    assert token_request(client, counselor, totp_code="123456").status_code == 200


def test_a_code_is_used_once_and_an_earlier_step_after_it_is_refused(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    assert token_request(client, counselor, totp_code=code_at(secret)).status_code == 200
    assert token_request(client, counselor, totp_code=code_at(secret)).status_code == 401  # same step
    assert token_request(client, counselor, totp_code=code_at(secret, -1)).status_code == 401  # earlier step


@pytest.mark.parametrize("offset", [-1, 1])
def test_one_step_of_clock_drift_is_accepted(client, db, factory, offset):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    assert token_request(client, counselor, totp_code=code_at(secret, offset)).status_code == 200


@pytest.mark.parametrize("offset", [-2, 2])
def test_two_steps_off_is_refused(client, db, factory, offset):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    assert token_request(client, counselor, totp_code=code_at(secret, offset)).status_code == 401


def test_a_recovery_code_works_once(client, db, factory):
    counselor = factory.counselor()
    enable(db, counselor)
    codes = two_factor.regenerate_recovery_codes(db, counselor=counselor)
    db.commit()
    typed = codes[0].lower().replace("-", " ")  # typed loosely still works
    assert token_request(client, counselor, totp_code=typed).status_code == 200
    assert token_request(client, counselor, totp_code=codes[0]).status_code == 401
    assert token_request(client, counselor, totp_code=codes[1]).status_code == 200
    db.rollback()  # a fresh snapshot
    db.expire_all()
    used = db.exec(select(RecoveryCode).where(RecoveryCode.counselor_id == counselor.id,
                                              RecoveryCode.used_at.is_not(None))).all()  # type: ignore[union-attr]
    assert len(used) == 2
    assert actions(db, counselor).count("recovery_code_used") == 2


def test_wrong_codes_are_throttled_like_passwords(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    bad = wrong_code(secret)
    for _ in range(5):
        assert token_request(client, counselor, totp_code=bad).status_code == 401
    blocked = token_request(client, counselor, totp_code=code_at(secret))
    assert blocked.status_code == 429
    assert "retry-after" in {k.lower() for k in blocked.headers}


def test_a_right_password_does_not_reset_the_count_of_wrong_codes(client, db, factory):
    counselor = factory.counselor()
    secret = enable(db, counselor)
    bad = wrong_code(secret)
    for _ in range(4):
        assert token_request(client, counselor, totp_code=bad).status_code == 401
    assert token_request(client, counselor).status_code == 401  # right password, no code
    assert token_request(client, counselor, totp_code=bad).status_code == 401
    assert token_request(client, counselor, totp_code=code_at(secret)).status_code == 429


def test_a_practice_that_requires_two_factor_refuses_tokens_to_counselors_without_it(client, db, factory):
    practice = factory.practice()
    owner, counselor = factory.owner(practice), factory.counselor(practice)
    old_token = factory.token(counselor)
    changed = client.patch("/api/v1/practice", json={"require_two_factor": True}, headers=factory.headers(owner))
    assert changed.status_code == 200 and changed.json()["require_two_factor"] is True
    refused = token_request(client, counselor)
    assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]
    # the token they had before the requirement no longer works
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old_token}"}).status_code == 401
    secret = enable(db, counselor)
    assert token_request(client, counselor, totp_code=code_at(secret)).status_code == 200


def test_a_counselor_lists_and_ends_only_their_own_tokens(client, db, factory):
    counselor = factory.counselor()
    other = factory.counselor()
    mine = factory.token(counselor)
    spare = factory.token(counselor)
    theirs = factory.token(other)
    headers = {"Authorization": f"Bearer {mine}"}
    listed = client.get("/api/v1/me/tokens", headers=headers)
    assert listed.status_code == 200
    rows = listed.json()
    assert len(rows) == 2 and sum(r["current"] for r in rows) == 1
    their_row = db.exec(select(AccessToken).where(AccessToken.counselor_id == other.id)).one()
    assert client.delete(f"/api/v1/me/tokens/{their_row.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200
    spare_row = next(r for r in rows if not r["current"])
    assert client.delete(f"/api/v1/me/tokens/{spare_row['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {spare}"}).status_code == 401
    assert len(client.get("/api/v1/me/tokens", headers=headers).json()) == 1
