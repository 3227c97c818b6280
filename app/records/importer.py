"""Restore a practice export (``records.export.export_practice``) into an empty database.

The zip is checked first (every file against the manifest's SHA-256, ``records.archive``), then
the database must hold no rows at all. The rows go in table by table in the metadata's dependency
order, in **one transaction**: any error rolls all of it back, so an import is whole or nothing.

Ids are kept as they were. Nothing else could make every reference hold: besides the foreign
keys, ids live inside values — the attendees of a session (a JSON list of client ids), the audit
trail's ``entity_id`` and details, and a message's idempotency key (``s<schedule>:…:c<client>``),
which the sweep looks up to never send an invitation twice. The database is empty, so kept ids
never collide; on PostgreSQL each id sequence is then moved past the largest id.

What travels and what doesn't (README, "Export and import"): password hashes, link token hashes,
passcode hashes and link nonces travel (counselors keep their passwords; a link keeps working when
the new system has the same ``MEND_SECRET_KEY``, else the counselor sends a new one); browser
sessions, API tokens and sign-in throttling don't (``rows.NOT_EXPORTED``). The import adds one
``import`` audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, false, func, insert, select, text
from sqlmodel import Session

from app.audit.service import record
from app.errors import Conflict
from app.records.archive import ArchiveRefused, read_archive
from app.records.export import PRACTICE_FORMAT_VERSION, schema_revision
from app.records.rows import NOT_EXPORTED, check_schema_known, from_json, primary_key, tables

BATCH = 500


class NotEmpty(Conflict):
    pass


@dataclass(frozen=True)
class Imported:
    practice_id: int
    practice_name: str
    counts: dict[str, int]


def ensure_empty(session: Session) -> None:
    """Refuse a database that holds a practice, or any row in any table."""
    conn = session.connection()
    full = [t.name for t in tables() if conn.execute(select(func.count()).select_from(t)).scalar()]
    if full:
        held = "a practice" if "practice" in full else "rows"
        raise NotEmpty(f"This database already holds {held} ({', '.join(full[:5])}"
                       f"{', …' if len(full) > 5 else ''}): import only into an empty database "
                       "(a new file, or a new PostgreSQL database, after `mend migrate`)")


def import_practice(session: Session, data: bytes) -> Imported:
    """Check the zip, refuse a non-empty database, insert every row, audit; the caller commits
    (and rolls back on any error, which leaves the database as it was)."""
    archive = read_archive(data, kind="practice")
    if archive.manifest.get("format_version") != PRACTICE_FORMAT_VERSION or "practice.json" not in archive.files:
        raise ArchiveRefused(f"This export's format version ({archive.manifest.get('format_version')}) "
                             f"isn't one this Mend reads ({PRACTICE_FORMAT_VERSION})")
    document = archive.json("practice.json")
    conn = session.connection()
    check_schema_known(conn)
    ensure_empty(session)
    known = {t.name: t for t in tables()}
    unknown = sorted(set(document["tables"]) - set(known))
    if unknown:
        raise ArchiveRefused(f"The export has tables this Mend doesn't know ({', '.join(unknown)}): upgrade "
                             "Mend here first")

    def blob(path: str) -> bytes:
        if path not in archive.files:
            raise ArchiveRefused(f"The export names a file it doesn't hold ({path})")
        return archive.files[path]

    counts: dict[str, int] = {}
    for table in tables():
        rows = document["tables"].get(table.name, [])
        if table.name in NOT_EXPORTED and rows:
            raise ArchiveRefused(f"The export holds {table.name} rows, which never travel")
        values = [from_json(table, row, blob=blob) for row in rows]
        for start in range(0, len(values), BATCH):
            conn.execute(insert(table), values[start:start + BATCH])
        counts[table.name] = len(values)
    _move_sequences(session)
    practices = document["tables"].get("practice", [])
    if len(practices) != 1:
        raise ArchiveRefused("A practice export holds exactly one practice")
    practice = practices[0]
    record(session, actor=None, actor_kind="system", practice_id=practice["id"], action="import",
           entity="practice", entity_id=practice["id"],
           detail={"rows": sum(counts.values()), "tables": len(counts),
                   "exported_at": archive.manifest.get("created_at"),
                   "from_revision": document.get("schema_revision"), "revision": schema_revision(session)})
    session.flush()
    return Imported(practice["id"], practice["name"], counts)


def _move_sequences(session: Session) -> None:
    """PostgreSQL: every serial id's sequence past the largest kept id (SQLite needs nothing)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        keys = primary_key(table)
        if len(keys) != 1 or not isinstance(table.c[keys[0]].type, Integer) or table.c[keys[0]].foreign_keys:
            continue
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": keys[0]}).scalar()
        if sequence is None:
            continue
        largest = select(func.max(table.c[keys[0]])).scalar_subquery()
        conn.execute(select(func.setval(sequence, func.coalesce(largest, 0) + 1, false())))


def read_only_summary(data: bytes) -> dict[str, Any]:
    """What an export holds (manifest counts), checked, without touching any database."""
    archive = read_archive(data, kind="practice")
    return {"created_at": archive.manifest.get("created_at"), "counts": archive.manifest.get("counts", {})}
