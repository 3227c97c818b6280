"""Export a client's or a couple's record, or a whole practice, as one zip (audited).

A record export (``export_record``) is for handing a record over: ``record.json``
(``records.document``), the kept report PDFs, ``fhir-bundle.json`` (``records.fhir``) and a
manifest with each file's SHA-256. A practice export (``export_practice``) is for moving the
practice to another machine or engine: ``practice.json`` holds every row of every table of the
practice, all columns, read from the SQLAlchemy metadata in dependency order (``records.rows``),
with binary columns (the report PDFs) as files beside it; ``records.importer`` reads it back.

Both flush an ``export`` audit event naming what was exported and how many of each, never any
clinical content; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Table, inspect, select, text
from sqlmodel import Session, col

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.subjects import load_subject
from app.errors import Forbidden
from app.practice.models import Practice
from app.questionnaires.models import Administration
from app.records.archive import as_json, write_archive
from app.records.document import FORMAT_VERSION, build_record
from app.records.rows import NOT_EXPORTED, SchemaMismatch, check_schema_known, primary_key, tables, to_json

PRACTICE_FORMAT_VERSION = 1
Via = Literal["cli", "web"]


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    counts: dict[str, int]


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


# --- one record ------------------------------------------------------------------------


def fhir_bundle(session: Session, administration_ids: list[int]) -> dict[str, Any]:
    """The FHIR R4 Bundle of the submitted administrations (``app.records.fhir.bundle_for``).

    Until that module lands the bundle is an empty collection, so the zip's shape never changes.
    """
    try:
        from app.records.fhir import bundle_for  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # the FHIR part of issue 14, written beside this one
        return {"resourceType": "Bundle", "type": "collection", "entry": []}
    found = session.scalars(select(Administration).where(col(Administration.id).in_(administration_ids))
                            .order_by(col(Administration.id))).all()
    return bundle_for(session, administrations=list(found))  # type: ignore[no-any-return]


README = """This is the record of {name} from {practice}, exported by {by} on {when} (UTC).

record.json       every record: {kinds}
fhir-bundle.json  the questionnaires and submitted answers as a FHIR R4 Bundle
reports/          the progress report PDFs kept when they were made
manifest.json     the format version, counts and the SHA-256 of every file

{scope}
"""
SCOPE = {
    "couple": "A couple's record holds what was done with the two of them: neither partner's individual work.",
    "client": "A client's record holds their own work and their own part of any couple work: never their "
              "partner's answers, scores, flags or contact details, nor the couple's reports.",
}


def export_record(session: Session, *, actor: Counselor, couple_id: int | None = None,
                  client_id: int | None = None, via: Via = "cli") -> Export:
    """The zip of one couple's or client's record, in the actor's caseload (else ``NotFound``)."""
    subject = load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    built = build_record(session.connection(), subject)
    practice = session.get(Practice, subject.practice_id)
    assert practice is not None
    exported_at = datetime.now(UTC)
    built.document["exported_at"] = exported_at.isoformat()
    built.document["exported_by"] = {"id": actor.id, "full_name": actor.full_name}
    built.document["practice"] = {"id": practice.id, "name": practice.name, "timezone": practice.timezone}
    counts = built.counts
    kinds = ", ".join(f"{key.replace('_', ' ')} ({n})" for key, n in sorted(counts.items()) if key != "report_files")
    readme = README.format(name=subject.name, practice=practice.name, by=actor.full_name,
                           when=exported_at.strftime("%Y-%m-%d %H:%M"), kinds=kinds, scope=SCOPE[subject.kind])
    files = {"record.json": as_json(built.document), "README.txt": readme.encode(),
             "fhir-bundle.json": as_json(fhir_bundle(session, built.administration_ids)), **built.pdfs}
    data = write_archive(files, kind="record", format_version=FORMAT_VERSION, counts=counts,
                         extra={"record": {"kind": subject.kind, "id": subject.id}})
    record(session, actor=actor, practice_id=subject.practice_id, action="export", entity=subject.kind,
           entity_id=subject.id, detail={"via": via, "format": "zip", "counts": counts, "bytes": len(data)})
    return Export(data, f"mend-{subject.kind}-{subject.id}-{_stamp()}.zip", counts)


# --- a whole practice ------------------------------------------------------------------


def practice_scope(table: Table, practice_id: int, *, _seen: frozenset[str] = frozenset()) -> ColumnElement[bool]:
    """Which rows of ``table`` are the practice's: its ``practice_id``, else through a foreign key
    to a table that has one. A table tied to no practice must be named in ``NOT_EXPORTED``."""
    if table.name == "practice":
        return table.c.id == practice_id
    if "practice_id" in table.c:
        return table.c.practice_id == practice_id
    for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name):
        parent = fk.column.table
        if parent.name not in _seen:
            inner = practice_scope(parent, practice_id, _seen=_seen | {table.name})
            return fk.parent.in_(select(fk.column).where(inner))
    raise SchemaMismatch(f"Table {table.name!r} belongs to no practice: give it a practice_id or name it in "
                         "records.rows.NOT_EXPORTED")


def schema_revision(session: Session) -> str | None:
    conn = session.connection()
    if not inspect(conn).has_table("alembic_version"):
        return None  # a database made without Alembic
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump_practice(session: Session, practice_id: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """``practice.json``'s document and the binary files beside it."""
    conn = session.connection()
    check_schema_known(conn)
    blobs: dict[str, bytes] = {}
    dumped: dict[str, list[dict[str, Any]]] = {}
    for table in tables():
        if table.name in NOT_EXPORTED:
            continue
        keys = primary_key(table)
        rows = conn.execute(select(table).where(practice_scope(table, practice_id))
                            .order_by(*(table.c[k] for k in keys)))
        out = []
        for row in rows:
            stem = "-".join(str(row._mapping[k]) for k in keys)

            def blob(column: str, data: bytes, _table: str = table.name, _stem: str = stem) -> str:
                path = f"files/{_table}/{_stem}.{column}"
                blobs[path] = data
                return path

            out.append(to_json(table, row, blob=blob))
        dumped[table.name] = out
    document = {"format": "mend-practice", "format_version": PRACTICE_FORMAT_VERSION,
                "schema_revision": schema_revision(session), "practice_id": practice_id,
                "tables": dumped, "not_exported": NOT_EXPORTED}
    return document, blobs


def export_practice(session: Session, *, actor: Counselor, via: Via = "cli") -> Export:
    """The owner's whole practice, every table, for moving systems (``mend import``)."""
    if not actor.is_owner:
        raise Forbidden("Only the practice owner can export the whole practice")
    document, blobs = dump_practice(session, actor.practice_id)
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    data = write_archive({"practice.json": as_json(document), **blobs}, kind="practice",
                         format_version=PRACTICE_FORMAT_VERSION, counts=counts,
                         extra={"schema_revision": document["schema_revision"]})
    record(session, actor=actor, practice_id=actor.practice_id, action="export", entity="practice",
           entity_id=actor.practice_id, detail={"via": via, "format": "zip", "tables": len(counts),
                                                "rows": sum(counts.values()), "bytes": len(data)})
    return Export(data, f"mend-practice-{actor.practice_id}-{_stamp()}.zip", counts)
