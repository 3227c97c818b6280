"""Logging in with the OAuth2 password form, tokens expiring and revoked, throttling."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.auth.models import AccessToken
from app.db import utcnow
from tests.factories import PASSWORD


def _login(client, email: str, password: str):
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_login_returns_bearer_token_that_works(client, factory):
    counselor = factory.counselor(email="pat@example.test")
    response = _login(client, "PAT@example.test ", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert len(body["access_token"]) >= 43
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == counselor.email
    assert "password_hash" not in me.json()


def test_token_is_stored_only_as_hash(client, factory, db):
    factory.counselor(email="pat@example.test")
    token = _login(client, "pat@example.test", PASSWORD).json()["access_token"]
    stored = db.exec(select(AccessToken)).all()
    assert len(stored) == 1
    assert token not in stored[0].token_hash
    assert len(stored[0].token_hash) == 64


def test_wrong_password_and_unknown_account_look_the_same(client, factory):
    factory.counselor(email="pat@example.test")
    wrong = _login(client, "pat@example.test", "nope-nope-nope")
    unknown = _login(client, "nobody@example.test", "nope-nope-nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Incorrect email or password"}


def test_logout_revokes_the_token(client, factory):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_expired_token_is_refused(client, factory, db):
    counselor = factory.counselor()
    headers = factory.headers(counselor)
    row = db.exec(select(AccessToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    response = client.get("/api/v1/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_retired_counselor_cannot_use_old_token(client, factory):
    owner = factory.owner()
    practice_id = owner.practice_id
    counselor = factory.counselor(factory.session.get(type(factory.practice()), practice_id))
    their = factory.headers(counselor)
    mine = factory.headers(owner)
    r = client.patch(f"/api/v1/counselors/{counselor.id}", json={"active": False}, headers=mine)
    assert r.status_code == 200
    assert client.get("/api/v1/auth/me", headers=their).status_code == 401


def test_repeated_failures_for_one_account_are_slowed_down(client, factory):
    factory.counselor(email="pat@example.test")
    codes = [_login(client, "pat@example.test", f"guess-{i}").status_code for i in range(5)]
    assert codes == [401] * 5
    blocked = _login(client, "pat@example.test", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "try again later" in blocked.json()["detail"]


def test_failures_from_one_address_across_accounts_are_slowed_down(client, factory):
    factory.counselor(email="pat@example.test")
    for i in range(5):
        assert _login(client, f"someone{i}@example.test", "guess").status_code == 401
    assert _login(client, "pat@example.test", PASSWORD).status_code == 429


def test_a_success_clears_the_account_counter(client, factory):
    factory.counselor(email="pat@example.test")
    for i in range(3):
        _login(client, "pat@example.test", f"guess-{i}")
    assert _login(client, "pat@example.test", PASSWORD).status_code == 200
    # Two more failures for the account: 2 < 5 since the counter was cleared,
    # though the address has now seen 5 failures in total.
    assert _login(client, "pat@example.test", "bad").status_code == 401
