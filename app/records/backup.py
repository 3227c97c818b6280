"""`mend backup`: one consistent copy of the whole database in one sealed file (sealed.py).

SQLite: the online backup API (`sqlite3.Connection.backup`, in one step) copies the database as
of one moment while the server keeps reading and writing (WAL). PostgreSQL: `pg_dump -Fc` of
Mend's schema, in a snapshot exported from a REPEATABLE READ transaction. Either way the row
counts and the Alembic revision go into the header, read *inside that same snapshot* (from the
copy; in the exported snapshot), so a restore can check it got exactly what was backed up.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.records.sealed import BackupError, open_sealed, seal

NAME = re.compile(r"^mend-(\d{8}T\d{6}Z)(?:-(\d+))?\.backup$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    sha256: str  # of the whole file, as in its .sha256 sidecar (`sha256sum -c`)
    engine: str
    revision: str | None
    row_counts: dict[str, int]
    encrypted: bool
    seconds: float
    removed: list[Path] = field(default_factory=list)


def engine_of(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Mend backs up SQLite and PostgreSQL only, not {url.split(':', 1)[0]}")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database can't be backed up or restored")
    return Path(database)


@dataclass(frozen=True)
class PgTarget:
    """How pg_dump, pg_restore and psql reach the database: a libpq connection string without
    the password (argv is visible to every user), the password in PGPASSWORD, and the schema."""

    conninfo: str
    env: dict[str, str]
    schema: str


def pg_target(url: str) -> PgTarget:
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    query = {k: (v if isinstance(v, str) else v[-1]) for k, v in parsed.query.items()}
    schema = _schema_of(query.pop("options", ""))
    params = {"host": parsed.host, "port": parsed.port, "user": parsed.username, "dbname": parsed.database}
    conninfo = make_conninfo(**{k: str(v) for k, v in {**params, **query}.items() if v is not None})
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = parsed.password
    return PgTarget(conninfo=conninfo, env=env, schema=schema)


def _schema_of(options: str) -> str:
    """The schema Mend's tables live in: the first entry of a ``-csearch_path=…`` option (as the
    tests' URLs carry), else ``public``."""
    parts = options.replace("-c ", "-c").split()
    for part in parts:
        if part.startswith("-csearch_path="):
            first = part.split("=", 1)[1].split(",")[0].strip().strip('"')
            if first and first != "$user":
                return first
    return "public"


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools (Debian: "
                          "apt-get install postgresql-client), the same major version as the server or newer")
    return found


def backup(directory: Path, *, url: str, passphrase: str | None = None, keep: int | None = None,
           now: datetime | None = None) -> BackupResult:
    """Write one new sealed backup of the database at ``url`` into ``directory``."""
    started = time.perf_counter()
    engine = engine_of(url)
    directory.mkdir(parents=True, exist_ok=True)
    created = (now or datetime.now(UTC)).astimezone(UTC)
    work = Path(tempfile.mkdtemp(dir=directory, prefix=".mend-backup-"))
    try:
        payload = work / "payload"
        facts = sqlite_snapshot(sqlite_path(url), payload) if engine == "sqlite" else pg_snapshot(url, payload)
        header = {"engine": engine, "created": created.isoformat(timespec="seconds"),
                  "mend_version": _mend_version(), **facts}
        sealed_tmp = seal(payload, directory, header, passphrase)
        final = _claim_name(sealed_tmp, directory, created)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    whole = hashlib.sha256()
    checked = open_sealed(final, on_chunk=whole.update)  # read back what is on the disk
    sidecar = final.with_name(final.name + ".sha256")
    sidecar.write_text(f"{whole.hexdigest()}  {final.name}\n")
    removed = rotate(directory, keep) if keep else []
    return BackupResult(path=final, size=final.stat().st_size, sha256=whole.hexdigest(), engine=engine,
                        revision=facts["alembic_revision"], row_counts=facts["row_counts"],
                        encrypted=checked.encrypted, seconds=time.perf_counter() - started, removed=removed)


def _claim_name(tmp: Path, directory: Path, created: datetime) -> Path:
    """Give the sealed file its timestamped name, never replacing a file that is there."""
    stamp = created.strftime("%Y%m%dT%H%M%SZ")
    for n in range(1000):
        final = directory / (f"mend-{stamp}.backup" if n == 0 else f"mend-{stamp}-{n}.backup")
        try:
            os.link(tmp, final)  # fails if the name is taken: atomic, no overwrite
        except FileExistsError:
            continue
        tmp.unlink()
        _fsync_dir(directory)
        return final
    tmp.unlink()
    raise BackupError(f"Too many backups named mend-{stamp}*.backup in {directory}")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups (and their sidecars) in ``directory``; only
    files named as `mend backup` names them are ever touched."""
    found = []
    for path in directory.iterdir():
        match = NAME.match(path.name)
        if match:
            found.append(((match.group(1), int(match.group(2) or 0)), path))
    old = [path for _, path in sorted(found)[:-keep]] if keep > 0 else []
    for path in old:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".sha256").unlink(missing_ok=True)
    return old


def _mend_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mend")
    except PackageNotFoundError:
        return "unknown"


def sqlite_snapshot(source: Path, dest: Path) -> dict[str, Any]:
    """Copy the live database with SQLite's online backup API in one step (a read transaction on
    the source, so the copy is the database as of one commit; writers go on in WAL mode), then
    read the revision and row counts from the copy, and check its integrity."""
    if not source.exists():
        raise BackupError(f"There is no database at {source}")
    live = sqlite3.connect(source, timeout=30)
    try:
        live.execute("PRAGMA query_only=ON")
        copy = sqlite3.connect(dest)
        try:
            live.backup(copy, pages=-1)
            facts = sqlite_facts(copy)
            check = copy.execute("PRAGMA integrity_check").fetchall()
        finally:
            copy.close()
    finally:
        live.close()
    if check != [("ok",)]:
        raise BackupError(f"The database fails SQLite's integrity check ({check[0][0]}); no backup written")
    return facts


def sqlite_facts(conn: sqlite3.Connection) -> dict[str, Any]:
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    counts = {t: conn.execute(f"SELECT count(*) FROM {quote(t)}").fetchone()[0] for t in tables}  # noqa: S608
    revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or [None])[0] \
        if "alembic_version" in tables else None
    return {"alembic_revision": revision, "row_counts": counts}


def pg_snapshot(url: str, dest: Path) -> dict[str, Any]:
    """pg_dump in the snapshot of a REPEATABLE READ transaction that also counts the rows, so
    the counts in the header are exactly the dump's."""
    pg_dump = pg_tool("pg_dump")
    target = pg_target(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            args = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                    f"--schema={quote(target.schema)}", f"--file={dest}", f"--dbname={target.conninfo}"]
            done = subprocess.run(args, env=target.env, capture_output=True, text=True, check=False)  # noqa: S603
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            facts = pg_facts(conn, target.schema)
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            conn.rollback()
    finally:
        engine.dispose()
    if facts["alembic_revision"] is None:
        raise BackupError(f"Schema {target.schema} holds no Mend database (no alembic_version); no backup written")
    return {**facts, "schema": target.schema, "server_version": server}


def pg_facts(conn: Any, schema: str) -> dict[str, Any]:
    tables = [r[0] for r in conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = %(s)s ORDER BY tablename", {"s": schema})]
    counts = {t: conn.exec_driver_sql(f"SELECT count(*) FROM {quote(schema)}.{quote(t)}").scalar()  # noqa: S608
              for t in tables}
    revision = None
    if "alembic_version" in tables:
        revision = conn.exec_driver_sql(f"SELECT version_num FROM {quote(schema)}.alembic_version").scalar()  # noqa: S608
    return {"alembic_revision": revision, "row_counts": counts}
