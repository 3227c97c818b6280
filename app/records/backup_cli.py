"""`mend backup DIR` and `mend restore FILE` (each registered in app.cli in one line).

The passphrase comes from a file (--passphrase-file) or MEND_BACKUP_PASSPHRASE, never from the
command line (every user on the machine can read another's argv)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PASSPHRASE_ENV = "MEND_BACKUP_PASSPHRASE"  # noqa: S105 (a variable's name, not a secret)

PassphraseFile = Annotated[Path | None, typer.Option(
    "--passphrase-file", help=f"File holding the passphrase (or set {PASSPHRASE_ENV})", dir_okay=False)]
# Only ever filled from the environment: hidden, so no one is tempted to type a passphrase into argv.
PassphraseEnv = Annotated[str | None, typer.Option("--passphrase-from-env", hidden=True, envvar=PASSPHRASE_ENV,
                                                   show_envvar=False)]


def _passphrase(file: Path | None, from_env: str | None) -> str | None:
    if file is None:
        return from_env or None
    try:
        text = file.read_text()
    except OSError as exc:
        _fail(f"Can't read the passphrase file {file}: {exc.strerror}")
    if file.stat().st_mode & 0o077:
        typer.echo(f"Warning: {file} can be read by other users (chmod 600 it)", err=True)
    return text.rstrip("\r\n")


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def _database_url() -> str:
    from app.config import get_settings

    return get_settings().database_url


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def backup(
    directory: Annotated[Path, typer.Argument(help="Folder for the backup file (created if missing)", file_okay=False)],
    passphrase_file: PassphraseFile = None,
    keep: Annotated[int | None, typer.Option(min=1, help="Then delete all but the newest N backups in DIR")] = None,
    passphrase_from_env: PassphraseEnv = None,
) -> None:
    """Write a consistent, checksummed (optionally encrypted) backup of the whole database into DIR.

    Safe while mend serve runs: SQLite is copied with its online backup API, PostgreSQL with pg_dump, each
    as of one moment. The file is named mend-<UTC time>.backup (never overwriting one), with a .sha256 beside it.
    """
    from app.records.backup import backup as make
    from app.records.sealed import BackupError

    passphrase = _passphrase(passphrase_file, passphrase_from_env)
    try:
        made = make(directory, url=_database_url(), passphrase=passphrase, keep=keep)
    except BackupError as exc:
        _fail(exc.message)
    rows = sum(made.row_counts.values())
    typer.echo(f"Wrote {made.path} ({made.size:,} bytes, {'encrypted' if made.encrypted else 'NOT encrypted'}) "
               f"in {made.seconds:.1f} s")
    typer.echo(f"SHA-256 {made.sha256} (also in {made.path.name}.sha256)")
    typer.echo(f"{made.engine} database at revision {made.revision}: {len(made.row_counts)} tables, {rows:,} rows")
    if made.removed:
        typer.echo(f"Removed {len(made.removed)} older backups (keeping {keep})")
    if not made.encrypted:
        typer.echo(f"Warning: not encrypted, so anyone with the file can read every record; give --passphrase-file "
                   f"or {PASSPHRASE_ENV}", err=True)


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by mend backup", dir_okay=False)],
    passphrase_file: PassphraseFile = None,
    yes: Annotated[bool, typer.Option("--yes", help="Don't ask before replacing the database")] = False,
    passphrase_from_env: PassphraseEnv = None,
) -> None:
    """Replace the whole database with a backup, or change nothing.

    Refuses a damaged, truncated or altered file, a wrong passphrase, a backup of the other engine or of a
    newer schema than this Mend knows. Stop mend serve and mend worker first (on SQLite a database in use
    is refused).
    """
    from app.records.restore import check
    from app.records.restore import restore as put_back
    from app.records.sealed import BackupError

    url = _database_url()
    passphrase = _passphrase(passphrase_file, passphrase_from_env)
    try:
        header = check(file, url=url).header
    except BackupError as exc:
        _fail(exc.message)
    if header.get("encrypted") and passphrase is None:
        _fail(f"{file} is encrypted: give its passphrase (--passphrase-file FILE or {PASSPHRASE_ENV})")
    counts = header["row_counts"]
    typer.echo(f"{file}: {header['engine']} backup made {header['created']} by Mend {header.get('mend_version')}, "
               f"revision {header['alembic_revision']}, {sum(counts.values()):,} rows in {len(counts)} tables"
               f"{', encrypted' if header.get('encrypted') else ''}; checksum verified")
    if not yes:
        typer.confirm(f"Replace everything in {_shown(url)} with this backup?", abort=True)
    try:
        done = put_back(file, url=url, passphrase=passphrase)
    except BackupError as exc:
        _fail(exc.message)
    typer.echo(f"Restored {_shown(url)} from {file} in {done.seconds:.1f} s (integrity, revision and row counts "
               "checked)")
    if done.needs_migrate:
        typer.echo(f"The backup is at revision {done.revision}, this Mend at {done.head}: run mend migrate "
                   "(mend serve does it when it starts)")
