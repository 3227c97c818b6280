"""Rows as JSON and back, driven by the SQLAlchemy metadata (never a hand list of columns).

Every exported table is written column by column from ``metadata``, so a column a migration adds
travels without anyone touching the export. ``check_schema_known`` compares the metadata with the
live database and refuses when the database holds a table or column the metadata doesn't know
(a model module that was never imported, or a migration without its model), so nothing is left
out silently.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, Table, inspect
from sqlalchemy.engine import Connection

from app.db import metadata
from app.errors import DomainError

#: Tables that hold no practice data worth moving, with the reason (README "Export and import").
NOT_EXPORTED = {
    "access_token": "browser sessions and API tokens: everyone signs in again on the new system",
    "login_failure": "sign-in throttling counters, not tied to a practice",
}
#: The tables' bookkeeping, never part of the data.
NOT_DATA = {"alembic_version"}


class SchemaMismatch(DomainError):
    status_code = 409


def tables() -> list[Table]:
    """Every table of the metadata in dependency order (a row's parents come first)."""
    return list(metadata.sorted_tables)


def check_schema_known(conn: Connection) -> None:
    """Refuse when the database has a table or column the metadata (and so the export) lacks."""
    inspector = inspect(conn)
    known = {t.name: t for t in tables()}
    for name in sorted(set(inspector.get_table_names()) - NOT_DATA):
        if name not in known:
            raise SchemaMismatch(f"The database has a table {name!r} this version of Mend doesn't know: "
                                 "upgrade Mend before exporting")
        columns = {c["name"] for c in inspector.get_columns(name)}
        missing = sorted(columns - set(known[name].c.keys()))
        if missing:
            raise SchemaMismatch(f"Table {name!r} has columns this version of Mend doesn't know: "
                                 f"{', '.join(missing)}")


def _is(column_type: Any, kind: type) -> bool:
    impl = getattr(column_type, "impl", None)
    return isinstance(column_type, kind) or (impl is not None and isinstance(impl, kind))


def to_json(table: Table, row: Any, *, blob: Callable[[str, bytes], str] | None = None,
            skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """One row as JSON values: datetimes and dates in ISO 8601 (UTC), bytes handed to ``blob``
    (which stores them and returns a file name), or base64 when there is no ``blob``."""
    out: dict[str, Any] = {}
    mapping = row._mapping
    for column in table.columns:
        if column.name in skip:
            continue
        value = mapping[column.name]
        if value is None:
            out[column.name] = None
        elif isinstance(value, datetime | date):
            out[column.name] = value.isoformat()
        elif isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)
            out[column.name] = {"file": blob(column.name, data)} if blob else {
                "base64": base64.b64encode(data).decode()}
        else:
            out[column.name] = value
    return out


def from_json(table: Table, values: dict[str, Any], *, blob: Callable[[str], bytes]) -> dict[str, Any]:
    """A row for ``insert(table)`` from ``to_json``'s output (``blob`` reads a stored file)."""
    row: dict[str, Any] = {}
    for name, value in values.items():
        if name not in table.c:
            raise SchemaMismatch(f"The export has a column {table.name}.{name} this database doesn't know: "
                                 "upgrade Mend here first")
        column_type = table.c[name].type
        if value is None:
            row[name] = None
        elif _is(column_type, JSON):
            row[name] = value
        elif _is(column_type, DateTime):
            row[name] = datetime.fromisoformat(value)
        elif _is(column_type, Date):
            row[name] = date.fromisoformat(value)
        elif _is(column_type, LargeBinary):
            row[name] = blob(value["file"]) if "file" in value else base64.b64decode(value["base64"])
        else:
            row[name] = value
    return row


def primary_key(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]
