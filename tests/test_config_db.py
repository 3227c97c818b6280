"""Settings and database set-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from app.config import Settings
from app.db import get_engine, make_engine
from tests.conftest import IS_POSTGRES


def test_production_refuses_to_start_without_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("MEND_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="MEND_SECRET_KEY must be set"):
        Settings(environment="production", data_dir=tmp_path, secret_key="")


def test_development_generates_and_keeps_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("MEND_SECRET_KEY", raising=False)
    first = Settings(environment="development", data_dir=tmp_path, secret_key="")
    second = Settings(environment="development", data_dir=tmp_path, secret_key="")
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("MEND_DATABASE_URL", raising=False)
    settings = Settings(data_dir=tmp_path, secret_key="x")
    assert settings.database_url == f"sqlite:///{tmp_path / 'mend.db'}"


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    # Its own SQLite file, so this holds on the PostgreSQL run too.
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
    engine.dispose()


def test_the_test_database_is_the_configured_one():
    assert get_engine().dialect.name == ("postgresql" if IS_POSTGRES else "sqlite")


def test_foreign_keys_are_enforced(db):
    from sqlalchemy.exc import IntegrityError

    from app.clients.models import Client

    db.add(Client(practice_id=999, counselor_id=999, first_name="A", last_name="B"))
    with pytest.raises(IntegrityError):
        db.commit()
