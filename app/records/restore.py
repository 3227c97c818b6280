"""`mend restore`: put a sealed backup back, whole or not at all.

Every check runs before the database is touched: the file's structure, size and checksum, its
format, engine and schema revision (one this code knows), then the passphrase (the GCM tag).
SQLite: the payload is written to a temporary file next to the database, checked
(`PRAGMA integrity_check`, the revision and every table's row count against the header), and
only then moved over the database with os.replace, under an exclusive lock that also proves
no one else has the database open (leaving WAL mode needs the only connection): the server
must be stopped. PostgreSQL: pg_restore's script runs in *one* psql transaction that renames
the live schema aside, loads the backup, checks revision and row counts, drops the old schema
and commits; any error rolls all of it back.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from app.records.backup import _IDENT, _fsync_dir, engine_of, pg_target, pg_tool, quote, sqlite_facts, sqlite_path
from app.records.sealed import BackupError, Sealed, open_sealed, unseal

ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_REVISION = re.compile(r"^[A-Za-z0-9_]{1,64}$")


@dataclass(frozen=True)
class RestoreResult:
    engine: str
    revision: str
    head: str
    row_counts: dict[str, int]
    seconds: float

    @property
    def needs_migrate(self) -> bool:
        return self.revision != self.head


def known_revisions() -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return {r.revision for r in script.walk_revisions()}, script.get_current_head() or ""


def check(path: Path, *, url: str) -> Sealed:
    """Verify the file and that it fits this database and this code; refuse with BackupError."""
    sealed = open_sealed(path)
    header = sealed.header
    engine = engine_of(url)
    if header.get("engine") != engine:
        made = ENGINES.get(str(header.get("engine")), repr(header.get("engine")))
        raise BackupError(f"This backup is of a {made} database, but this Mend runs on {ENGINES[engine]}: a backup "
                          "goes back to the engine it came from (to change engines, use mend export and import)")
    known, head = known_revisions()
    revision = header.get("alembic_revision")
    if not isinstance(revision, str) or not _REVISION.match(revision):
        raise BackupError("The backup's header names no schema revision; refusing it")
    if revision not in known:
        raise BackupError(f"This backup's schema revision {revision} is newer than this Mend knows (its newest is "
                          f"{head}): install the Mend version that made it ({header.get('mend_version')}) or newer")
    counts = header.get("row_counts")
    if not isinstance(counts, dict) or not all(isinstance(t, str) and _IDENT.match(t) and isinstance(n, int)
                                               for t, n in counts.items()):
        raise BackupError("The backup's header has no usable row counts; refusing it")
    if engine == "postgresql" and not _IDENT.match(str(header.get("schema", ""))):
        raise BackupError("The backup's header names no usable schema; refusing it")
    return sealed


def restore(path: Path, *, url: str, passphrase: str | None = None) -> RestoreResult:
    """Replace the database at ``url`` with the backup at ``path``, or change nothing."""
    started = time.perf_counter()
    sealed = check(path, url=url)
    if engine_of(url) == "sqlite":
        _restore_sqlite(sealed, passphrase, sqlite_path(url))
    else:
        _restore_pg(sealed, passphrase, url)
    _, head = known_revisions()
    return RestoreResult(engine=sealed.header["engine"], revision=sealed.header["alembic_revision"], head=head,
                         row_counts=sealed.header["row_counts"], seconds=time.perf_counter() - started)


def _restore_sqlite(sealed: Sealed, passphrase: str | None, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.restore-")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            unseal(sealed, passphrase, out)
            out.flush()
            os.fsync(out.fileno())
        _verify_sqlite(tmp, sealed.header)
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        with _only_connection(target):
            os.replace(tmp, target)
            _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _verify_sqlite(path: Path, header: dict[str, Any]) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"The restored copy is not a usable SQLite database ({exc}); nothing was changed") \
                from None
        if check != [("ok",)]:
            raise BackupError(f"The restored copy fails SQLite's integrity check ({check[0][0]}); nothing was changed")
        _compare(sqlite_facts(conn), header)
        conn.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it; Mend turns WAL on again
    finally:
        conn.close()


def _compare(facts: dict[str, Any], header: dict[str, Any]) -> None:
    if facts["alembic_revision"] != header["alembic_revision"]:
        raise BackupError(f"The restored copy is at revision {facts['alembic_revision']}, its header says "
                          f"{header['alembic_revision']}; nothing was changed")
    if facts["row_counts"] != header["row_counts"]:
        differ = sorted(t for t in {*facts["row_counts"], *header["row_counts"]}
                        if facts["row_counts"].get(t) != header["row_counts"].get(t))
        raise BackupError(f"The restored copy's row counts differ from its header ({', '.join(differ)}); "
                          "nothing was changed")


@contextmanager
def _only_connection(target: Path) -> Iterator[None]:
    """Hold the database exclusively, proving no one else has it open: leaving WAL mode needs
    the only connection, so a running server (or worker, or shell) makes this fail."""
    if not target.exists():
        yield
        return
    in_use = BackupError(f"The database {target} is in use: stop mend serve and mend worker (and anything else "
                         "that has it open), then restore again; nothing was changed")
    conn = sqlite3.connect(target, timeout=2, isolation_level=None)
    try:
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:
            raise in_use from None
        if mode != "delete" or Path(f"{target}-wal").exists():
            raise in_use
        yield
    finally:
        conn.close()


def _restore_pg(sealed: Sealed, passphrase: str | None, url: str) -> None:
    target = pg_target(url)
    pg_restore, psql = pg_tool("pg_restore"), pg_tool("psql")
    work = Path(tempfile.mkdtemp(prefix="mend-restore-"))  # mode 0700
    try:
        dump = work / "dump"
        with dump.open("wb") as out:
            unseal(sealed, passphrase, out)
        listed = subprocess.run([pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False)  # noqa: S603
        source = sealed.header["schema"]
        if listed.returncode != 0 or f" SCHEMA - {source} " not in listed.stdout:
            raise BackupError(f"The backup's dump is unreadable or lacks schema {source}: "
                              f"{listed.stderr.strip() or 'no schema entry'}; nothing was changed")
        before, after = _swap_script(sealed.header, target.schema, _existing(url, {source, target.schema}))
        _run_in_one_transaction(pg_restore, psql, dump, target, before, after, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _existing(url: str, names: set[str]) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%(n)s)",
                                        {"n": sorted(names)})
            return {r[0] for r in rows}
    finally:
        engine.dispose()


def _swap_script(header: dict[str, Any], dest: str, existing: set[str]) -> tuple[str, str]:
    """SQL before and after pg_restore's script, all in one transaction. The dump creates its own
    schema (``source``); whatever holds that name or the target's is renamed aside first."""
    source, tag = header["schema"], secrets.token_hex(4)
    old, kept = f"{dest[:40]}_mend_old_{tag}", f"{source[:40]}_mend_keep_{tag}"
    before = ["BEGIN;", "SET LOCAL lock_timeout = '15s';"]
    if source != dest and source in existing:
        before.append(f"ALTER SCHEMA {quote(source)} RENAME TO {quote(kept)};")
    if dest in existing:
        before.append(f"ALTER SCHEMA {quote(dest)} RENAME TO {quote(old)};")
    after = ["SET LOCAL lock_timeout = '15s';"]
    if source != dest:
        after.append(f"ALTER SCHEMA {quote(source)} RENAME TO {quote(dest)};")
        if source in existing:
            after.append(f"ALTER SCHEMA {quote(kept)} RENAME TO {quote(source)};")
    checks = [f"IF (SELECT count(*) FROM {quote(dest)}.alembic_version WHERE version_num = "  # noqa: S608
              f"'{header['alembic_revision']}') <> 1 THEN RAISE EXCEPTION 'mend: the revision differs'; END IF;"]
    for table, n in sorted(header["row_counts"].items()):
        checks.append(f"IF (SELECT count(*) FROM {quote(dest)}.{quote(table)}) <> {int(n)} THEN "  # noqa: S608
                      f"RAISE EXCEPTION 'mend: the row count of {table} differs from the backup''s header'; END IF;")
    after.append("DO $mend$ BEGIN " + " ".join(checks) + " END $mend$;")
    if dest in existing:
        after.append(f"DROP SCHEMA {quote(old)} CASCADE;")
    after.append("COMMIT;")
    return "\n".join(before) + "\n", "\n".join(after) + "\n"


def _run_in_one_transaction(pg_restore: str, psql: str, dump: Path, target: Any, before: str, after: str,
                            work: Path) -> None:
    errors = (work / "psql.err").open("w+")
    restore_errors = (work / "pg_restore.err").open("w+")
    args = [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1", f"--dbname={target.conninfo}"]
    writer = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,  # noqa: S603
                              env=target.env)
    reader = subprocess.Popen([pg_restore, "--no-owner", "--no-acl", "--file=-", str(dump)],  # noqa: S603
                              stdout=subprocess.PIPE, stderr=restore_errors)
    assert writer.stdin is not None and reader.stdout is not None
    try:
        writer.stdin.write(before.encode())
        shutil.copyfileobj(reader.stdout, writer.stdin, 1 << 20)
        reader.wait()
        # Only a complete script is committed: a failed pg_restore ends in ROLLBACK instead.
        writer.stdin.write((after if reader.returncode == 0 else "ROLLBACK;\n").encode())
        writer.stdin.close()
    except BrokenPipeError:
        pass  # psql stopped at an error (ON_ERROR_STOP): its transaction is rolled back
    finally:
        reader.stdout.close()
        reader.wait()
        writer.wait()
    if reader.returncode != 0 or writer.returncode != 0:
        raise BackupError("The restore was rolled back and the database is as it was: "
                          f"{_tail(restore_errors) or _tail(errors) or 'psql failed'}")


def _tail(handle: IO[str]) -> str:
    handle.seek(0)
    lines = [line.strip() for line in handle.read().splitlines() if line.strip()]
    return " / ".join(lines[-3:])
