"""The `mend` command: migrate, create-practice, create-counselor, demo, serve, ..."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

import typer
from pydantic import ValidationError
from sqlmodel import Session

from app.audit import cli as audit_cli
from app.config import get_settings
from app.records import backup_cli

app = typer.Typer(help="Mend: practice support for couples counselors.", no_args_is_help=True)
app.command("backup")(backup_cli.backup)
app.command("restore")(backup_cli.restore)
app.add_typer(audit_cli.app, name="audit")  # mend audit verify


def _session() -> Session:
    from app.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest schema."""
    from app.migrate import upgrade

    upgrade()
    typer.echo(f"Database is up to date ({_safe_url()})")


def _safe_url() -> str:
    url = get_settings().database_url
    if "@" in url:  # don't print a password
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


@app.command("create-practice")
def create_practice(
    name: Annotated[str, typer.Option(help="Practice name")],
    owner_email: Annotated[str, typer.Option(help="Owner's login email")],
    owner_name: Annotated[str, typer.Option(help="Owner's full name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    timezone: Annotated[str, typer.Option(help="IANA time zone")] = "UTC",
) -> None:
    """Create a practice and its owner account."""
    from app.auth.schemas import CounselorCreate
    from app.auth.service import create_counselor
    from app.practice.service import create_practice as make

    with _session() as session:
        data = _validated(CounselorCreate, email=owner_email, full_name=owner_name,
                          password=password, role="owner")
        practice = _run(lambda: make(session, name=name, timezone=timezone))
        _run(lambda: create_counselor(session, practice_id=practice.id, data=data, actor=None))
        session.commit()
        typer.echo(f"Created practice {practice.name!r} (id {practice.id}); owner {data.email}")


@app.command("create-counselor")
def create_counselor_cmd(
    practice_id: Annotated[int, typer.Option(help="Practice id")],
    email: Annotated[str, typer.Option()],
    full_name: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[str, typer.Option(help="owner or counselor")] = "counselor",
) -> None:
    """Add a counselor (or another owner) to a practice."""
    from app.auth.schemas import CounselorCreate
    from app.auth.service import create_counselor
    from app.practice.models import Practice

    with _session() as session:
        if session.get(Practice, practice_id) is None:
            _fail(f"No practice with id {practice_id}")
        data = _validated(CounselorCreate, email=email, full_name=full_name, password=password,
                          role=role)
        counselor = _run(lambda: create_counselor(session, practice_id=practice_id, data=data,
                                                  actor=None))
        session.commit()
        typer.echo(f"Created {counselor.role} {counselor.email} (id {counselor.id})")


@app.command()
def demo() -> None:
    """Create (once) a demo practice with couples, sessions, agreements and assessments."""
    from app.demo import DEMO_LOGINS, ensure_demo
    from app.migrate import upgrade

    upgrade()
    with _session() as session:
        created = ensure_demo(session)
        session.commit()
    typer.echo("Demo practice created." if created else "Demo practice already present.")
    base = get_settings().base_url
    typer.echo(f"Open {base}/ and sign in with one of:")
    for email, password, role in DEMO_LOGINS:
        typer.echo(f"  {role:<10} {email}  password: {password}")
    typer.echo(f"API docs: {base}/docs")


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option(help="Web server processes")] = 1,
    migrate_first: Annotated[bool, typer.Option("--migrate/--no-migrate")] = True,
    with_worker: Annotated[bool, typer.Option(
        "--worker/--no-worker", help="Start the task queue's worker beside the server (the embedded default); "
        "--no-worker when `mend worker` runs on its own")] = True,
    queue_workers: Annotated[int, typer.Option(min=1, help="Processes of that worker")] = 2,
) -> None:
    """Run the web server (migrating the database first) and, unless --no-worker, the queue's worker."""
    import signal
    import sys

    from app.serving import run

    # SIGTERM ends the process through Python, so the worker is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if migrate_first:
        migrate()
    child = None
    if with_worker:
        from app.worker import start_child

        child = start_child(workers=queue_workers)
    try:
        run(host=host, port=port, workers=workers)
    finally:
        if child is not None:
            from app.worker import stop_child

            stop_child(child)


@app.command()
def worker(
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (threads with --threads)")] = 2,
    threads: Annotated[bool, typer.Option("--threads", help="Threads in one process instead of processes")] = False,
    parent_pid: Annotated[int | None, typer.Option(hidden=True, help="Stop when this process dies")] = None,
) -> None:
    """Run the task queue's workers: scheduled sends, reminders, retries, nightly snapshots, report batches.

    The queue is MEND_QUEUE_URL (default: a SQLite file in the data folder, for one machine; a
    redis://host:port/db URL for workers on several machines). On start it sweeps once, so what
    came due while no worker ran goes out at once. SIGTERM or Ctrl-C stops it gracefully.
    """
    from app.worker import run

    run(workers=workers, threads=threads, parent_pid=parent_pid)


@app.command("check-assessments")
def check_assessments(
    directory: Annotated[Path | None, typer.Option(help="Folder of definition files")] = None,
) -> None:
    """Validate every questionnaire definition (default: MEND_ASSESSMENTS_DIR); exit 1 naming each problem."""
    from app.instruments.catalog import check_directory

    folder = directory or get_settings().assessments_dir
    problems = check_directory(folder)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo(f"All definitions in {folder} are valid.")


@app.command()
def reliability(
    refresh: Annotated[bool, typer.Option("--refresh", help="Take a snapshot now, whatever the growth")] = False,
    practice: Annotated[int | None, typer.Option("--practice", help="One practice id (default: every one)")] = None,
) -> None:
    """Snapshot the practice's own reliability (alpha, 95% CI, SD) where the data have grown enough.

    The first snapshot of a questionnaire version comes once MEND_RELIABILITY_MIN_CLIENTS distinct
    clients have answered it, a new one when they have grown by 20%; nothing else changes a verdict.
    Safe to run on a schedule (nightly): it does nothing until a snapshot is due.
    """
    from app.questionnaires.scores.reliability import take_snapshots

    with _session() as session:
        taken = take_snapshots(session, practice_id=practice, refresh=refresh)
        session.commit()
    done = [t for t in taken if t.reason is not None]
    for t in done:
        for s in t.snapshots:
            alpha = ("undefined" if s.alpha is None
                     else f"{s.alpha:.2f} (95% CI {s.alpha_low:.2f} to {s.alpha_high:.2f})")
            typer.echo(f"Practice {t.practice_id} {t.instrument_id} v{t.version} {s.subscale}: alpha {alpha}, "
                       f"{s.n_clients} clients, {s.n_administrations} administrations ({t.reason})")
    typer.echo(f"{sum(len(t.snapshots) for t in done)} snapshots taken; "
               f"not due: {len(taken) - len(done)} of {len(taken)} questionnaire versions.")


@app.command()
def purge(
    due: Annotated[bool, typer.Option("--due", help="Records past the practice's retention period")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go; remove nothing")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Purge without asking (needed outside a terminal)")] = False,
    practice: Annotated[int | None, typer.Option("--practice", help="One practice id (default: every one)")] = None,
) -> None:
    """Remove the clinical content of records past retention; keep each row as "Erased client #N".

    Lists what will go first, then asks (in a terminal) or needs --yes. Each record leaves one
    audit entry with ids, dates and counts only. Running it again removes nothing more.
    """
    import sys

    from app.records.erasure import plan_lines, practices, purge_practice
    from app.records.retention import due_records

    if not due:
        _fail("Say what to purge: mend purge --due (records past the retention period; --dry-run to list them)")
    with _session() as session:
        chosen = practices(session, practice_id=practice)
        plans = [due_records(session, p) for p in chosen]
        total = sum(plan.count for plan in plans)
        for p, plan in zip(chosen, plans, strict=True):
            if plan.count:
                typer.echo(f"Practice {p.id}: {plan.count} records kept {p.retention_years} years after "
                           f"discharge are past it on {plan.today.isoformat()}:")
                for line in plan_lines(session, plan):
                    typer.echo(line)
        if not total:
            typer.echo("Nothing is past the retention period.")
            return
        if dry_run:
            typer.echo(f"Dry run: {total} records would be purged; nothing was removed.")
            return
        if not yes:
            if not sys.stdin.isatty():
                _fail(f"{total} records would be purged; nothing was removed. Add --yes to purge them.")
            typer.confirm(f"Remove the clinical content of these {total} records for good?", abort=True)
        gone = 0
        for p in chosen:
            gone += len(purge_practice(session, p, by="mend purge").removed)
            session.commit()
    typer.echo(f"Purged {gone} records; each left one audit entry.")


@app.command()
def erase(
    client: Annotated[int | None, typer.Option("--client", help="Client id")] = None,
    couple: Annotated[int | None, typer.Option("--couple", help="Couple id")] = None,
    as_email: Annotated[str | None, typer.Option("--as", help="The practice owner's email")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without typing the name (needed outside a terminal)")]
    = False,
) -> None:
    """The owner erases a mistaken entry (no signed note, submitted questionnaire, flag or report) at once.

    A client of record can be erased only once past the retention period; the refusal names the
    date. A partner in a couple is erased after the couple. Audited, without clinical content.
    """
    import sys

    from app.records import erasure

    if (client is None) == (couple is None) or not as_email:
        _fail("Use mend erase --client ID --as OWNER_EMAIL, or --couple ID --as OWNER_EMAIL")
    with _session() as session:
        actor = _run(lambda: erasure.counselor_by_email(session, as_email))
        if client is not None:
            verdict = _run(lambda: erasure.client_verdict(session, actor=actor, client_id=client))
        else:
            verdict = _run(lambda: erasure.couple_verdict(session, actor=actor, couple_id=couple))
        if not verdict.allowed:
            _fail(verdict.message)
        typer.echo(verdict.message)
        from app.clients.models import Client, Couple

        row = session.get(Client, client) if client is not None else session.get(Couple, couple)
        expected = erasure.confirmation_name(session, row)
        if yes:
            typed = expected
        elif sys.stdin.isatty():
            typed = typer.prompt(f"Type {expected} to erase this record for good")
        else:
            _fail("Nothing was erased: add --yes to erase outside a terminal")
        if client is not None:
            done = _run(lambda: erasure.erase_client(session, actor=actor, client_id=client, confirm_name=typed))
        else:
            done = _run(lambda: erasure.erase_couple(session, actor=actor, couple_id=couple, confirm_name=typed))
        session.commit()
    removed = ", ".join(f"{k.replace('_', ' ')}: {n}" for k, n in done.removed.items()) or "nothing else"
    typer.echo(f"Erased {done.kind} #{done.id} ({removed}); the audit log has one entry for it.")


@app.command()
def report(
    couple: Annotated[int | None, typer.Option("--couple", help="Couple id")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="PDF file to write")] = None,
    all_couples: Annotated[bool, typer.Option("--all", help="Every active couple")] = False,
    out_dir: Annotated[Path | None, typer.Option(help="Folder for --all")] = None,
    workers: Annotated[int, typer.Option(min=1, help="--all: worker processes to start when no worker runs")] = 2,
    period_from: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"])] = None,
    period_to: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"])] = None,
    summary: Annotated[str | None, typer.Option(help="Counselor's summary (one couple)")] = None,
    paper: Annotated[Literal["A4", "Letter"], typer.Option(help="Paper size")] = "A4",
    as_email: Annotated[str | None, typer.Option("--as", help="Generate as this counselor")] = None,
    audience: Annotated[Literal["clinical", "couple", "partner", "supervision"], typer.Option(
        help="Who the copy is for: clinical (counselor only), couple (shared scores), "
             "partner (one partner's own, with --partner), supervision (pseudonymised)")] = "clinical",
    partner: Annotated[int | None, typer.Option(
        "--partner", help="Client id of the partner (--audience partner)")] = None,
    shift_dates: Annotated[bool, typer.Option("--shift-dates", help="Supervision: move every date back by a "
                                              "secret number of days")] = False,
) -> None:
    """Write a progress report PDF for one couple (--couple, -o) or every active couple (--all).

    --all puts one job per couple on the task queue and shows progress as the reports come back;
    without a running worker it starts one (--workers processes) for the batch.
    """
    from app.reports.batch import BatchJob, BatchResult, active_couple_ids, queued_with_progress, single_report

    start = period_from.date() if period_from else None
    end = period_to.date() if period_to else None
    if all_couples and (audience == "partner" or partner is not None):
        _fail("A partner's own copy is for one couple: use --couple ID -o FILE --partner CLIENT_ID")
    if shift_dates and audience != "supervision":
        _fail("Only a supervision copy can have its dates shifted (--audience supervision)")
    if all_couples and out_dir is not None:
        from app.worker import for_a_batch

        job = BatchJob(out_dir.resolve(), start, end, paper, audience=audience, dates_shifted=shift_dates)
        ids = active_couple_ids()
        result = BatchResult(out_dir=job.out_dir)
        job.out_dir.mkdir(parents=True, exist_ok=True)
        if ids:
            from redis.exceptions import ConnectionError as QueueUnreachable

            try:
                with for_a_batch(workers=workers, echo=lambda line: typer.echo(line, err=True)) as still_worked_on:
                    result = queued_with_progress(job, ids, still_worked_on=still_worked_on)
            except QueueUnreachable:
                _fail(f"The task queue at {get_settings().queue_url} can't be reached: start it, or unset "
                      "MEND_QUEUE_URL to use the embedded queue")
        for couple_id, problem in sorted(result.failed.items()):
            typer.echo(f"Couple {couple_id}: {problem}", err=True)
        typer.echo(f"Wrote {len(result.written)} reports in {result.seconds:.1f} s to {out_dir}")
        if result.failed:
            raise typer.Exit(1)
    elif couple is not None and output is not None and not all_couples:
        made = _run(lambda: single_report(couple, output, as_email=as_email, period_start=start,
                                          period_end=end, summary=summary, paper=paper, audience=audience,
                                          partner_id=partner, dates_shifted=shift_dates))
        typer.echo(f"Wrote {output} ({made.record.size_bytes} bytes, {made.record.period_start} to "
                   f"{made.record.period_end}, {made.record.audience} copy)")
    else:
        _fail("Use --couple ID -o FILE for one couple, or --all --out-dir DIR for every active couple")


from app.records import cli as records_cli  # noqa: E402 - the records room's commands

app.command("export")(records_cli.export)
app.command("import")(records_cli.import_)


def _validated(model, **values):  # type: ignore[no-untyped-def]
    try:
        return model(**values)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


def _run(action):  # type: ignore[no-untyped-def]
    from app.errors import DomainError

    try:
        return action()
    except DomainError as exc:
        _fail(exc.message)


def _fail(message: str) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def main() -> None:
    app()
