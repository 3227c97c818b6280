"""`mend backup`: one sealed, checksummed, optionally encrypted file per run (both engines).

The helpers here (the database's fingerprint, fresh targets, re-sealing) serve the restore and
writer tests too."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from app.cli import app
from app.records.backup import backup, pg_target
from app.records.restore import known_revisions
from app.records.sealed import open_sealed, seal, unseal
from tests.conftest import IS_POSTGRES

URL = os.environ["MEND_DATABASE_URL"]
PASSPHRASE = "correct horse battery staple"
runner = CliRunner()


def require_pg_tools() -> None:
    """On PostgreSQL the tools must be there; on CI a missing one fails, never skips."""
    missing = [t for t in ("pg_dump", "pg_restore", "psql") if shutil.which(t) is None]
    if IS_POSTGRES and missing:
        message = f"{', '.join(missing)} not installed (postgresql-client; .ci/setup installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows (sorted): equal fingerprints, equal data."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' "
                                          "AND name NOT LIKE 'sqlite_%'")).scalars().all()
            else:
                names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))\
                    .scalars().all()
            result = {}
            for name in sorted(names):
                rows = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
                result[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return result
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A database that does not exist yet: a new SQLite file, or a new PostgreSQL schema."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'restored' / 'mend.db'}"
        return
    schema = f"mend_restore_{uuid.uuid4().hex[:10]}"
    yield f"{os.environ['MEND_TEST_DATABASE_URL']}?options=-csearch_path%3D{schema}"
    admin = create_engine(os.environ["MEND_TEST_DATABASE_URL"], poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def reseal(source: Path, out_dir: Path, passphrase: str | None = None, **changes: Any) -> Path:
    """The same payload under a changed (but correctly checksummed) header."""
    sealed = open_sealed(source)
    payload = out_dir / "payload.tmp"
    with payload.open("wb") as out:
        unseal(sealed, passphrase, out)
    header = {k: v for k, v in sealed.header.items() if k not in {"encryption", "payload_size"}}
    made = seal(payload, out_dir, {**header, **changes}, passphrase)
    payload.unlink()
    return made.rename(out_dir / f"resealed-{uuid.uuid4().hex[:6]}.backup")


def seed(factory: Any, name: str = "Quiet Harbour Practice") -> None:
    owner = factory.owner(factory.practice(name))
    couple = factory.couple(owner)
    factory.therapy_session(couple)
    factory.agreement(couple)


def test_backup_writes_one_sealed_file_with_its_header_checksum_and_sidecar(factory, tmp_path):
    require_pg_tools()
    seed(factory)
    before = fingerprint(URL)
    r = runner.invoke(app, ["backup", str(tmp_path / "nightly")])
    assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "nightly").iterdir())
    assert len(files) == 2
    made, sidecar = files
    assert re.fullmatch(r"mend-\d{8}T\d{6}Z\.backup", made.name)
    digest = hashlib.sha256(made.read_bytes()).hexdigest()
    assert sidecar.read_text() == f"{digest}  {made.name}\n"  # `sha256sum -c` reads it
    assert str(made) in r.output and f"{made.stat().st_size:,} bytes" in r.output and digest in r.output
    assert "not encrypted" in r.output
    assert made.stat().st_mode & 0o077 == 0  # private to its owner
    header = open_sealed(made).header
    assert header["engine"] == ("postgresql" if IS_POSTGRES else "sqlite")
    assert header["alembic_revision"] == known_revisions()[1]
    assert (header["format"], header["encrypted"]) == (1, False)
    assert header["row_counts"] == {t: n for t, (n, _) in before.items()}
    assert datetime.fromisoformat(header["created"]).tzinfo is not None
    assert fingerprint(URL) == before  # a backup changes nothing


def test_a_second_backup_in_the_same_second_gets_its_own_name(factory, tmp_path):
    require_pg_tools()
    seed(factory)
    now = datetime(2026, 3, 5, 2, 30, tzinfo=UTC)
    first = backup(tmp_path, url=URL, now=now)
    kept = first.path.read_bytes()
    second = backup(tmp_path, url=URL, now=now)
    assert first.path.name == "mend-20260305T023000Z.backup"
    assert second.path.name == "mend-20260305T023000Z-1.backup"
    assert first.path.read_bytes() == kept
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_an_encrypted_backup_shows_nothing_of_the_records(factory, tmp_path, monkeypatch):
    require_pg_tools()
    seed(factory, name="Zebrafinch Counselling")
    monkeypatch.setenv("MEND_BACKUP_PASSPHRASE", PASSPHRASE)
    r = runner.invoke(app, ["backup", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "encrypted" in r.output and "not encrypted" not in r.output
    made = next(tmp_path.glob("*.backup"))
    sealed = open_sealed(made)
    assert sealed.encrypted
    assert sealed.header["encryption"]["cipher"] == "AES-256-GCM"
    body = made.read_bytes()
    assert b"Zebrafinch" not in body and b"SQLite format 3" not in body and b"PGDMP" not in body
    if not IS_POSTGRES:  # the plain copy is the database file itself (pg_dump compresses its data)
        plain = backup(tmp_path / "plain", url=URL)
        assert b"Zebrafinch" in plain.path.read_bytes()


def test_a_short_passphrase_is_refused_and_nothing_is_written(factory, tmp_path):
    seed(factory)
    secret = tmp_path / "passphrase"
    secret.write_text("too short\n")
    secret.chmod(0o600)
    r = runner.invoke(app, ["backup", str(tmp_path / "out"), "--passphrase-file", str(secret)])
    assert r.exit_code == 2
    assert "at least 12 characters" in r.output
    assert list((tmp_path / "out").iterdir()) == []


def test_keep_deletes_only_the_oldest_backups_named_by_mend(factory, tmp_path):
    require_pg_tools()
    seed(factory)
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "mend-important.backup").write_text("not ours")
    for day in (1, 2, 3):
        made = backup(tmp_path, url=URL, keep=2, now=datetime(2026, 3, day, 2, 30, tzinfo=UTC))
    assert [p.name for p in made.removed] == ["mend-20260301T023000Z.backup"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mend-20260302T023000Z.backup", "mend-20260302T023000Z.backup.sha256",
        "mend-20260303T023000Z.backup", "mend-20260303T023000Z.backup.sha256",
        "mend-important.backup", "notes.txt"]


def test_pg_arguments_keep_the_password_out_of_argv_and_name_the_schema():
    target = pg_target("postgresql+psycopg://mend:p%40ss%20w%27rd@db.example:5433/clinic"
                       "?options=-csearch_path%3Dpractice_one&sslmode=require")
    assert target.schema == "practice_one"
    assert "p@ss" not in target.conninfo and "password" not in target.conninfo
    assert target.env["PGPASSWORD"] == "p@ss w'rd"
    assert {"host=db.example", "port=5433", "user=mend", "dbname=clinic", "sslmode=require"} <= set(
        target.conninfo.split())
    assert pg_target("postgresql+psycopg://postgres@127.0.0.1/test").schema == "public"
    assert pg_target("postgresql+psycopg://u@h/d?options=-c%20search_path%3Done,public").schema == "one"


def test_the_header_is_one_json_line_after_the_checksum(factory, tmp_path):
    require_pg_tools()
    seed(factory)
    made = backup(tmp_path, url=URL, passphrase=PASSPHRASE)
    with made.path.open("rb") as f:
        assert f.readline() == b"MEND-BACKUP\n"
        assert re.fullmatch(rb"[0-9a-f]{64}\n", f.readline())
        header = json.loads(f.readline())
    assert header["encryption"]["kdf"] == "scrypt" and header["mend_version"]
    assert made.path.stat().st_size == len(b"MEND-BACKUP\n") + 65 + len(json.dumps(
        header, sort_keys=True, separators=(",", ":"))) + 1 + header["payload_size"]
