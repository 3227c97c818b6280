"""The demo practice with kept report PDFs moves across engines and back with nothing lost:
export → import into a fresh database on the other engine → export → import into a fresh database
on the first engine → export; the three documents are the same and the PDFs the same bytes.

SQLite → PostgreSQL → SQLite when the suite runs on SQLite, PostgreSQL → SQLite → PostgreSQL when
it runs on PostgreSQL (``MEND_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients.models import Couple
from app.db import make_engine
from app.demo import ensure_demo
from app.migrate import upgrade
from app.records.export import export_practice, export_record
from app.records.importer import import_practice
from app.reports.service import generate_report
from tests.conftest import IS_POSTGRES
from tests.records.export_seed import unzip

PG_URL = os.environ.get("MEND_TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def fresh_database(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """A new, migrated, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"mend_trip_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        admin.dispose()
        # In CI a missing server is a failure, never a skip: the round trip is part of the proof.
        missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
        missing(f"PostgreSQL at {PG_URL} is not reachable for the round trip: {exc}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    try:
        upgrade(url)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _owner(session: Session) -> Counselor:
    return session.exec(select(Counselor).where(Counselor.role == "owner").order_by(col(Counselor.id))).first()


def _export(engine: Engine) -> bytes:
    with Session(engine, expire_on_commit=False) as session:
        made = export_practice(session, actor=_owner(session))
        session.commit()
    return made.data


def _import(engine: Engine, data: bytes) -> None:
    with Session(engine) as session:
        import_practice(session, data)
        session.commit()


def _content(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The document without the imports' own audit entries, and the files beside it."""
    files = unzip(data)
    tables = json.loads(files.pop("practice.json"))["tables"]
    files.pop("manifest.json")
    tables["audit_event"] = [e for e in tables["audit_event"] if e["action"] != "import"]
    return tables, files


def _couple_record(engine: Engine, couple_id: int) -> dict[str, Any]:
    with Session(engine) as session:
        made = export_record(session, actor=_owner(session), couple_id=couple_id)
        session.rollback()
    record = json.loads(unzip(made.data)["record.json"])
    record.pop("exported_at")
    return record


def test_the_demo_practice_goes_to_the_other_engine_and_back_unchanged(db: Session, tmp_path: Path) -> None:
    from app.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as session:
        ensure_demo(session)
        session.commit()
        owner = _owner(session)
        couples = session.exec(select(Couple).order_by(col(Couple.id))).all()[:2]
        for couple in couples:
            generate_report(session, actor=owner, couple_id=couple.id, via="cli")
            session.commit()
        generate_report(session, actor=owner, couple_id=couples[0].id, via="cli", audience="partner",
                        partner_id=couples[0].partner_a_id)
        session.commit()
    first_kind, other_kind = ("postgresql", "sqlite") if IS_POSTGRES else ("sqlite", "postgresql")
    exported = _export(get_engine())
    record_before = _couple_record(get_engine(), couples[0].id)
    with fresh_database(other_kind, tmp_path) as other:
        _import(other, exported)
        again = _export(other)
    with fresh_database(first_kind, tmp_path) as back:
        _import(back, again)
        last = _export(back)
        record_after = _couple_record(back, couples[0].id)

    first, second, third = _content(exported), _content(again), _content(last)
    tables, files = first
    assert len(tables["report_file"]) == 3 and len(tables["therapy_session"]) > 50
    assert second[0] == tables and third[0] == tables  # every row of every table, ids and all
    assert second[1] == files and third[1] == files  # the PDFs byte for byte
    with get_engine().connect() as conn:
        kept = {f"files/report_file/{row.report_id}.pdf": bytes(row.pdf)
                for row in conn.execute(text("SELECT report_id, pdf FROM report_file"))}
    assert kept == files
    assert record_after == record_before  # a couple's record reads the same after two moves
    imports = [e for e in json.loads(unzip(last)["practice.json"])["tables"]["audit_event"] if e["action"] == "import"]
    assert len(imports) == 2
