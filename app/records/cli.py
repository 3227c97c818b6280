"""``mend export`` and ``mend import`` (registered in ``app.cli``, one line each).

The CLI runs with the server's access, so it names the actor: ``--as EMAIL`` (the caseload and
role checks then apply as in the web app), else the record's own counselor, or for ``--practice``
the practice's owner.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.errors import DomainError, InvalidField, NotFound
from app.practice.models import Practice


def _session() -> Session:
    from app.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def _actor(session: Session, *, as_email: str | None, couple: int | None, client: int | None,
           practice: int | None) -> Counselor:
    if as_email is not None:
        found = session.exec(select(Counselor).where(Counselor.email == as_email.strip().lower(),
                                                     col(Counselor.active))).first()
        if found is None:
            raise InvalidField("as", f"No active counselor with email {as_email}")
        return found
    if couple is not None or client is not None:
        row = session.get(Couple, couple) if couple is not None else session.get(Client, client)
        if row is None:
            raise NotFound("Couple" if couple is not None else "Client")
        counselor = session.get(Counselor, row.counselor_id)
        assert counselor is not None
        return counselor
    practices = session.exec(select(Practice).order_by(col(Practice.id))).all()
    if practice is None and len(practices) != 1:
        raise InvalidField("practice_id", f"This database holds {len(practices)} practices: "
                           "name one with --practice-id or --as OWNER_EMAIL")
    practice_id = practice if practice is not None else practices[0].id
    owner = session.exec(select(Counselor).where(Counselor.practice_id == practice_id, Counselor.role == "owner",
                                                 col(Counselor.active)).order_by(col(Counselor.id))).first()
    if owner is None:
        raise NotFound("Practice")
    return owner


def export(
    couple: Annotated[int | None, typer.Option("--couple", help="A couple's record (couple id)")] = None,
    client: Annotated[int | None, typer.Option("--client", help="A client's record (client id)")] = None,
    practice: Annotated[bool, typer.Option("--practice", help="The whole practice, for `mend import`")] = False,
    practice_id: Annotated[int | None, typer.Option("--practice-id", help="--practice: which one, if several")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Zip file to write (default: a dated name here)")]
    = None,
    as_email: Annotated[str | None, typer.Option("--as", help="Export as this counselor (their caseload)")] = None,
) -> None:
    """Export a couple's or a client's record (JSON, report PDFs, FHIR bundle), or the whole practice, as a zip."""
    from app.records.export import export_practice, export_record

    if sum((couple is not None, client is not None, practice)) != 1:
        _fail("Use exactly one of --couple ID, --client ID or --practice")
    started = time.perf_counter()
    with _session() as session:
        try:
            actor = _actor(session, as_email=as_email, couple=couple, client=client, practice=practice_id)
            if practice:
                made = export_practice(session, actor=actor, via="cli")
            else:
                made = export_record(session, actor=actor, couple_id=couple, client_id=client, via="cli")
        except DomainError as exc:
            _fail(_message(exc, couple=couple, client=client))
        target = out or Path(made.filename)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(made.data)
        session.commit()  # the audit event, once the file is written
    rows = sum(made.counts.values())
    typer.echo(f"Wrote {target} ({len(made.data):,} bytes, {rows:,} records, {time.perf_counter() - started:.1f} s)")


def _message(exc: DomainError, *, couple: int | None, client: int | None) -> str:
    if isinstance(exc, NotFound) and (couple is not None or client is not None):
        what, number = ("couple", couple) if couple is not None else ("client", client)
        return f"No {what} with id {number} in this caseload"
    return exc.message


def import_(
    file: Annotated[Path, typer.Argument(help="A practice export (mend export --practice)", exists=True,
                                         dir_okay=False, readable=True)],
) -> None:
    """Restore a practice export into this (empty, migrated) database: all of it or nothing."""
    from app.migrate import upgrade
    from app.records.importer import import_practice

    upgrade()
    started = time.perf_counter()
    with _session() as session:
        try:
            done = import_practice(session, file.read_bytes())
            session.commit()
        except DomainError as exc:
            session.rollback()
            _fail(f"{exc.message}. Nothing was imported.")
        except Exception:
            session.rollback()
            typer.echo("Error: the import failed and was rolled back: nothing was imported.", err=True)
            raise
    typer.echo(f"Imported practice {done.practice_name!r} (id {done.practice_id}): "
               f"{sum(done.counts.values()):,} rows in {time.perf_counter() - started:.1f} s. "
               "Everyone signs in again; API tokens must be issued again.")
