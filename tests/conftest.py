"""Test set-up: one migrated database per run (SQLite, or PostgreSQL when
MEND_TEST_DATABASE_URL is set), emptied after every test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="mend-test-"))
_PG_SCHEMA = f"mend_test_{uuid.uuid4().hex[:10]}"


def _database_url() -> str:
    url = os.environ.get("MEND_TEST_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{_TMP / 'mend.db'}"
    # A schema of our own per run, so parallel runs on one server never collide.
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{_PG_SCHEMA}"


# Settings are read once and cached, so the environment is set before any app import.
os.environ["MEND_DATABASE_URL"] = _database_url()
os.environ["MEND_ENVIRONMENT"] = "test"
os.environ["MEND_DATA_DIR"] = str(_TMP)
os.environ["MEND_SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ["MEND_BASE_URL"] = "http://testserver"
os.environ.setdefault("MEND_HASH_CONCURRENCY", "4")

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app import models  # noqa: E402, F401
from app.db import get_engine, make_engine, metadata  # noqa: E402
from app.migrate import upgrade  # noqa: E402

IS_POSTGRES = os.environ["MEND_DATABASE_URL"].startswith("postgresql")


def _create_pg_schema() -> None:
    from sqlalchemy import create_engine

    admin = create_engine(os.environ["MEND_TEST_DATABASE_URL"])
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{_PG_SCHEMA}"'))
    admin.dispose()


def _drop_pg_schema() -> None:
    from sqlalchemy import create_engine

    admin = create_engine(os.environ["MEND_TEST_DATABASE_URL"])
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{_PG_SCHEMA}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[None]:
    """Build the schema through the real migrations, once per run."""
    if IS_POSTGRES:
        _create_pg_schema()
    upgrade()
    yield
    get_engine().dispose()
    if IS_POSTGRES:
        _drop_pg_schema()


def empty_all_tables() -> None:
    engine = get_engine()
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if IS_POSTGRES:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def clean_database() -> Iterator[None]:
    yield
    empty_all_tables()


_inspection_engine = make_engine(os.environ["MEND_DATABASE_URL"], immediate=False)


@pytest.fixture
def db() -> Iterator[Session]:
    """A session for the test itself (factories, checking rows)."""
    with Session(_inspection_engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def client() -> Iterator:
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def factory(db: Session):
    from tests.factories import Factory

    return Factory(db)
