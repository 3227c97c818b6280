"""`mend import`: a practice export restored whole into an empty database, or refused with the
database untouched (not empty, a damaged or altered zip, a row that fails half-way)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from typer.testing import CliRunner

from app.cli import app
from app.db import get_engine, metadata
from app.records.archive import ArchiveRefused, write_archive
from app.records.export import export_practice
from app.records.importer import NotEmpty, import_practice
from app.records.rows import NOT_DATA, NOT_EXPORTED, SchemaMismatch
from tests.conftest import empty_all_tables
from tests.records.export_seed import Seeded, seed, unzip

runner = CliRunner()


@pytest.fixture
def seeded(factory, db: Session) -> Seeded:  # type: ignore[no-untyped-def]
    return seed(factory, db)


def _counts() -> dict[str, int]:
    with get_engine().connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def _export(db: Session, seeded: Seeded) -> bytes:
    made = export_practice(db, actor=seeded.owner)
    db.commit()
    return made.data


def _import(data: bytes) -> None:
    with Session(get_engine()) as session:
        try:
            import_practice(session, data)
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _rezip(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The same export with practice.json changed, and a manifest that matches it again."""
    files = unzip(data)
    manifest = json.loads(files.pop("manifest.json"))
    document = json.loads(files["practice.json"])
    change(document)
    files["practice.json"] = json.dumps(document).encode()
    return write_archive(files, kind="practice", format_version=manifest["format_version"], counts={})


def test_every_table_is_exported_or_named_as_not_travelling(db: Session, seeded: Seeded) -> None:
    document = json.loads(unzip(_export(db, seeded))["practice.json"])
    with get_engine().connect() as conn:
        in_database = set(inspect(conn).get_table_names()) - NOT_DATA
    assert in_database == {t.name for t in metadata.sorted_tables}
    assert set(document["tables"]) == in_database - set(NOT_EXPORTED)
    for table in metadata.sorted_tables:  # every column of every row, from the metadata
        for row in document["tables"].get(table.name, []):
            assert set(row) == set(table.c.keys())
    practice = seeded.owner.practice_id
    ours = {name: len(rows) for name, rows in document["tables"].items()}
    with get_engine().connect() as conn:
        for name in ("client", "therapy_session", "response", "score", "administration_flag", "flag_review"):
            table = metadata.tables[name]
            assert ours[name] == conn.execute(select(func.count()).select_from(table)
                                              .where(table.c.practice_id == practice)).scalar_one() > 0
    assert ours["report_file"] == 4 and ours["note_addendum"] == 1 and ours["agreement_checkin"] == 1


def test_a_table_or_column_the_export_does_not_know_is_refused(db: Session, seeded: Seeded) -> None:
    with get_engine().begin() as conn:
        conn.execute(text("CREATE TABLE mystery_notes (id INTEGER PRIMARY KEY, body TEXT)"))
    try:
        with pytest.raises(SchemaMismatch, match="mystery_notes"):
            export_practice(db, actor=seeded.owner)
    finally:
        db.rollback()
        with get_engine().begin() as conn:
            conn.execute(text("DROP TABLE mystery_notes"))


def test_an_export_restores_into_an_empty_database_with_every_reference(db: Session, seeded: Seeded,
                                                                         tmp_path: Path) -> None:
    data = _export(db, seeded)
    before = json.loads(unzip(data)["practice.json"])["tables"]
    empty_all_tables()
    out = tmp_path / "practice.zip"
    out.write_bytes(data)
    done = runner.invoke(app, ["import", str(out)])
    assert done.exit_code == 0, done.output
    assert "Imported practice" in done.output and "signs in again" in done.output
    again = export_practice(db, actor=seeded.owner)  # the same ids: every reference holds
    db.rollback()
    after = json.loads(unzip(again.data)["practice.json"])["tables"]
    imported = [e for e in after["audit_event"] if e["action"] == "import"]
    after["audit_event"] = [e for e in after["audit_event"] if e["action"] != "import"]
    assert after == before
    assert len(imported) == 1 and imported[0]["actor_kind"] == "system" and imported[0]["entity"] == "practice"
    assert set(imported[0]["detail"]) == {"rows", "tables", "exported_at", "from_revision", "revision"}
    assert _counts()["access_token"] == 0


def test_new_rows_after_an_import_take_new_ids(db: Session, seeded: Seeded, factory) -> None:  # type: ignore[no-untyped-def]
    data = _export(db, seeded)
    largest = max(row["id"] for row in json.loads(unzip(data)["practice.json"])["tables"]["client"])
    empty_all_tables()
    _import(data)
    counselor = db.get(type(seeded.counselor), seeded.counselor.id)
    assert factory.client(counselor).id > largest  # PostgreSQL's sequences moved past the kept ids


def test_a_database_with_rows_is_refused_and_untouched(db: Session, seeded: Seeded) -> None:
    data = _export(db, seeded)
    before = _counts()
    with pytest.raises(NotEmpty, match="already holds a practice"):
        _import(data)
    assert _counts() == before


def test_a_database_with_only_other_rows_is_refused_too(db: Session, seeded: Seeded) -> None:
    data = _export(db, seeded)
    empty_all_tables()
    with get_engine().begin() as conn:
        conn.execute(metadata.tables["login_failure"].insert().values(key="x", failed_at=seeded.a.created_at))
    with pytest.raises(NotEmpty, match="login_failure"):
        _import(data)


@pytest.mark.parametrize("damage", ["flip", "truncate", "extra", "missing"])
def test_a_damaged_or_altered_zip_is_refused_and_nothing_is_written(db: Session, seeded: Seeded, damage: str,
                                                                   tmp_path: Path) -> None:
    data = _export(db, seeded)
    empty_all_tables()
    if damage == "flip":  # one byte of practice.json changed, the manifest left as it was
        files = unzip(data)
        files["practice.json"] = files["practice.json"].replace(b'"Ana"', b'"Anb"', 1)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    elif damage == "truncate":
        data = data[: len(data) // 2]
    else:
        files = unzip(data)
        if damage == "extra":
            files["files/extra.bin"] = b"not listed"
        else:
            files.pop(next(name for name in files if name.startswith("files/report_file/")))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in files.items():
                archive.writestr(name, content)
        data = buffer.getvalue()
    with pytest.raises(ArchiveRefused):
        _import(data)
    assert not any(_counts().values())
    out = tmp_path / "bad.zip"
    out.write_bytes(data)
    done = runner.invoke(app, ["import", str(out)])
    assert done.exit_code == 2 and "Nothing was imported" in done.output
    assert not any(_counts().values())


def test_an_error_half_way_rolls_everything_back(db: Session, seeded: Seeded) -> None:
    data = _export(db, seeded)
    empty_all_tables()

    def break_a_late_row(document: dict) -> None:  # type: ignore[type-arg]
        document["tables"]["score"][-1]["administration_id"] = 987_654  # no such administration

    with pytest.raises(IntegrityError):  # the database's own check, half-way through
        _import(_rezip(data, break_a_late_row))
    assert not any(_counts().values())


def test_a_practice_export_is_not_a_record_export(db: Session, seeded: Seeded) -> None:
    from app.records.export import export_record

    record = export_record(db, actor=seeded.counselor, couple_id=seeded.couple.id).data
    db.rollback()
    empty_all_tables()
    with pytest.raises(ArchiveRefused, match="not a Mend practice export"):
        _import(record)
    with pytest.raises(ArchiveRefused, match="not a readable"):
        _import(b"PK\x03\x04 not a zip at all")
