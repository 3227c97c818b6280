"""`mend restore`: the whole backup or nothing; every refusal leaves the database as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.cli import app
from app.db import get_engine
from app.demo import ensure_demo
from app.migrate import upgrade
from app.records.backup import backup, sqlite_path
from app.records.restore import restore
from app.records.sealed import BackupError
from tests.conftest import IS_POSTGRES
from tests.records.test_backup import (
    PASSPHRASE,
    URL,
    fingerprint,
    fresh_url,  # noqa: F401  (a fixture)
    require_pg_tools,
    reseal,
    runner,
    seed,
)


def _sqlite_files() -> str:
    """SQLite: a digest of the database file and its WAL, byte for byte."""
    if IS_POSTGRES:
        return ""
    path = sqlite_path(URL)
    return "".join(hashlib.sha256(p.read_bytes()).hexdigest() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_an_encrypted_round_trip_into_a_fresh_database_gives_the_same_data(tmp_path, fresh_url):  # noqa: F811
    require_pg_tools()
    with Session(get_engine()) as session:
        ensure_demo(session)
        session.commit()
    made = backup(tmp_path, url=URL, passphrase=PASSPHRASE)
    done = restore(made.path, url=fresh_url, passphrase=PASSPHRASE)
    assert done.row_counts == made.row_counts and sum(made.row_counts.values()) > 1000
    assert fingerprint(fresh_url) == fingerprint(URL)
    if not IS_POSTGRES:
        with sqlite3.connect(sqlite_path(fresh_url)) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert sorted(p.name for p in sqlite_path(fresh_url).parent.iterdir()) == ["mend.db"]  # no temp, no -wal


def test_restore_replaces_an_existing_database_whole(factory, tmp_path, fresh_url, monkeypatch):  # noqa: F811
    require_pg_tools()
    seed(factory)
    first = backup(tmp_path, url=URL)
    wanted = fingerprint(URL)
    seed(factory, name="A Second Practice")
    second = backup(tmp_path, url=URL)
    restore(second.path, url=fresh_url)
    assert fingerprint(fresh_url) != wanted
    live = fingerprint(URL)
    monkeypatch.setattr("app.records.backup_cli._database_url", lambda: fresh_url)
    r = runner.invoke(app, ["restore", str(first.path), "--yes"])
    assert r.exit_code == 0, r.output
    assert "Restored" in r.output and "checksum verified" in r.output
    assert fingerprint(fresh_url) == wanted
    assert fingerprint(URL) == live  # the backup's own source schema came through untouched
    if IS_POSTGRES:
        with get_engine().connect() as conn:
            left = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%_mend_%'")).all()
        assert left == []  # the old schema was dropped, the renamed source put back


def test_without_yes_restore_asks_and_no_changes_nothing(factory, tmp_path):
    require_pg_tools()
    seed(factory)
    made = backup(tmp_path, url=URL)
    before = fingerprint(URL)
    r = runner.invoke(app, ["restore", str(made.path)], input="n\n")
    assert r.exit_code == 1
    assert "Replace everything in" in r.output
    assert fingerprint(URL) == before


def _flip(path: Path, at: int) -> Path:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    out = path.with_name("flipped.backup")
    out.write_bytes(bytes(data))
    return out


CASES = {
    "a flipped byte in the payload": (lambda p, d: _flip(p, p.stat().st_size // 2), "checksum does not match"),
    "a flipped byte in the header": (lambda p, d: _flip(p, 90), "checksum does not match|header is unreadable"),
    "a flipped byte in the checksum": (lambda p, d: _flip(p, 20), "checksum does not match|checksum line"),
    "the last byte (the GCM tag)": (lambda p, d: _flip(p, p.stat().st_size - 1), "checksum does not match"),
    "a truncated file": (lambda p, d: _cut(p, p.stat().st_size - 1000), "is truncated"),
    "only the header": (lambda p, d: _cut(p, 300), "truncated|header is unreadable"),
    "bytes added at the end": (lambda p, d: _append(p), "unexpected bytes follow the payload"),
    "not a backup at all": (lambda p, d: _write(d / "notes.backup", b"hello\n"), "is not a Mend backup"),
    "an empty file": (lambda p, d: _write(d / "empty.backup", b""), "is not a Mend backup"),
    "a backup from the other engine": (
        lambda p, d: reseal(p, d, PASSPHRASE, engine="sqlite" if IS_POSTGRES else "postgresql"),
        "This backup is of a (PostgreSQL|SQLite) database, but this Mend runs on"),
    "a newer schema revision": (lambda p, d: reseal(p, d, PASSPHRASE, alembic_revision="9999_from_the_future"),
                                "newer than this Mend knows"),
    "a newer file format": (lambda p, d: _format2(p, d), "newer than this Mend reads"),
}


def _cut(path: Path, size: int) -> Path:
    return _write(path.with_name("cut.backup"), path.read_bytes()[:size])


def _append(path: Path) -> Path:
    return _write(path.with_name("longer.backup"), path.read_bytes() + b"\x00" * 10)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _format2(path: Path, directory: Path) -> Path:
    import json

    from app.records.sealed import MAGIC

    lines = path.read_bytes().split(b"\n", 3)
    header = json.loads(lines[2])
    header["format"] = 2
    header_line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    digest = hashlib.sha256(header_line + lines[3]).hexdigest().encode()
    return _write(directory / "format2.backup", MAGIC + digest + b"\n" + header_line + lines[3])


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_file_is_refused_with_the_database_untouched(case, factory, tmp_path, monkeypatch):
    require_pg_tools()
    import re

    seed(factory)
    made = backup(tmp_path, url=URL, passphrase=PASSPHRASE)
    damage, message = CASES[case]
    bad = damage(made.path, tmp_path)
    before, files = fingerprint(URL), _sqlite_files()
    monkeypatch.setenv("MEND_BACKUP_PASSPHRASE", PASSPHRASE)
    r = runner.invoke(app, ["restore", str(bad), "--yes"])
    assert r.exit_code == 2, r.output
    assert re.search(message, r.output), r.output
    assert fingerprint(URL) == before and _sqlite_files() == files
    with pytest.raises(BackupError):  # the function refuses as the command does
        restore(bad, url=URL, passphrase=PASSPHRASE)
    assert fingerprint(URL) == before and _sqlite_files() == files


@pytest.mark.parametrize("given", ["a wrong passphrase", "no passphrase"])
def test_a_wrong_or_missing_passphrase_is_refused_with_the_database_untouched(given, factory, tmp_path):
    require_pg_tools()
    seed(factory)
    made = backup(tmp_path, url=URL, passphrase=PASSPHRASE)
    secret = tmp_path / "passphrase"
    secret.write_text("a different long passphrase\n")
    secret.chmod(0o600)
    before, files = fingerprint(URL), _sqlite_files()
    args = ["--passphrase-file", str(secret)] if given == "a wrong passphrase" else []
    r = runner.invoke(app, ["restore", str(made.path), "--yes", *args])
    assert r.exit_code == 2
    assert ("Wrong passphrase" if args else "is encrypted: give its passphrase") in r.output
    assert fingerprint(URL) == before and _sqlite_files() == files


def test_a_copy_that_fails_its_checks_after_loading_is_rolled_back(factory, tmp_path, fresh_url):  # noqa: F811
    """The header's row counts are checked against the loaded copy before it replaces anything:
    on PostgreSQL after the load, inside the one transaction that then rolls back."""
    require_pg_tools()
    seed(factory)
    good = backup(tmp_path, url=URL)
    restore(good.path, url=fresh_url)
    target_before = fingerprint(fresh_url)
    seed(factory, name="More Rows")
    lying = reseal(backup(tmp_path, url=URL).path, tmp_path,
                   row_counts={**good.row_counts, "audit_event": good.row_counts["audit_event"] + 1})
    with pytest.raises(BackupError, match="row count"):
        restore(lying, url=fresh_url)
    assert fingerprint(fresh_url) == target_before
    if IS_POSTGRES:
        with get_engine().connect() as conn:
            assert conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%_mend_%'")).all() == []
    else:
        assert sorted(p.name for p in sqlite_path(fresh_url).parent.iterdir()) == ["mend.db"]


def _sqlite_source(tmp_path: Path) -> str:
    """A migrated SQLite database of its own with one event in it: the SQLite-only behaviours
    below are proven on every run, also when the suite's own database is PostgreSQL."""
    url = f"sqlite:///{tmp_path / 'source' / 'mend.db'}"
    (tmp_path / "source").mkdir()
    upgrade(url)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO practice (name, timezone, link_days, reminder_after_days, "
                             "reminder_before_days, retention_years, retention_auto_purge, require_two_factor, "
                             "created_at) VALUES ('Source', 'UTC', 7, 2, 1, 7, 0, 0, '2026-12-01 10:00:00')")
    engine.dispose()
    return url


def test_sqlite_refuses_a_database_someone_has_open(tmp_path):
    source = _sqlite_source(tmp_path)
    made = backup(tmp_path, url=source)
    target_url = f"sqlite:///{tmp_path / 'target' / 'mend.db'}"
    restore(made.path, url=target_url)
    server = create_engine(target_url, poolclass=NullPool)
    with server.connect() as conn:  # an idle connection in WAL mode, as a running server keeps
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql("SELECT count(*) FROM practice").all()
        conn.commit()
        before = fingerprint(target_url)
        with pytest.raises(BackupError, match="is in use: stop mend serve"):
            restore(made.path, url=target_url)
        assert fingerprint(target_url) == before
    server.dispose()
    restore(made.path, url=target_url)  # once it is closed, the restore goes through
    assert not any(".restore-" in p.name for p in sqlite_path(target_url).parent.iterdir())


def test_restore_into_the_missing_database_file_of_a_new_machine(tmp_path):
    source = _sqlite_source(tmp_path)
    made = backup(tmp_path, url=source)
    target = tmp_path / "new machine" / "data" / "mend.db"
    restore(made.path, url=f"sqlite:///{target}")
    assert fingerprint(f"sqlite:///{target}") == fingerprint(source)
    assert os.stat(target).st_size > 0
