"""The migrated schema equals the models (no pending autogenerate difference)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.db import get_engine, metadata


def test_migrations_match_models():
    with get_engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


def test_every_table_was_created_by_migrations():
    names = set(inspect(get_engine()).get_table_names())
    assert set(metadata.tables) <= names
    assert "alembic_version" in names
