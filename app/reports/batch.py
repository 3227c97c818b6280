"""Reports for many couples at once, rendered in parallel worker processes.

Rendering is CPU-bound Python (WeasyPrint), so threads would share one core;
separate processes use them all. ``mend report --all`` puts one job per couple on the task
queue (``enqueue_all``) and waits for the queue's workers (``collect``), so the batch runs
wherever the workers run and shows its progress; ``generate_all`` renders in a pool of
*spawned* processes of its own, with no queue (benchmarks compare the two). Either way, per
couple a worker reads in a read-only transaction (no writer lock), renders with no
transaction open, then writes the Report row (and its kept PDF) in a second short transaction, each process with
its own engine. Like the CLI, a batch owns its transactions, so it commits itself.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from app import queue
from app.auth.models import Counselor
from app.clients.models import Couple
from app.errors import InvalidField, NotFound
from app.reports.core.inputs import Audience, Paper
from app.reports.gather import gather_report

if TYPE_CHECKING:
    from app.reports.service import GeneratedReport


@dataclass(frozen=True)
class BatchJob:
    """What every report in a batch shares (a partner's copy needs one partner, so not here)."""

    out_dir: Path
    period_start: date | None = None
    period_end: date | None = None
    paper: Paper = "A4"
    audience: Audience = "clinical"
    dates_shifted: bool = False  # supervision only; each couple's copy gets its own shift

    def as_args(self) -> dict[str, Any]:
        """Plain values for a queued job (the folder absolute: a worker may run elsewhere)."""
        return {"out_dir": str(self.out_dir.resolve()),
                "period_start": self.period_start.isoformat() if self.period_start else None,
                "period_end": self.period_end.isoformat() if self.period_end else None,
                "paper": self.paper, "audience": self.audience, "dates_shifted": self.dates_shifted}

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> BatchJob:
        def day(value: str | None) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(Path(args["out_dir"]), day(args["period_start"]), day(args["period_end"]), args["paper"],
                   audience=args["audience"], dates_shifted=bool(args["dates_shifted"]))


@dataclass
class BatchResult:
    """How a batch went: files written, failures by couple id, wall time."""

    out_dir: Path
    written: list[Path] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0


def _session(*, read: bool = False) -> Session:
    from app.db import get_engine, get_read_engine

    return Session(get_read_engine() if read else get_engine(), expire_on_commit=False)


def active_couple_ids() -> list[int]:
    """Every active couple in every practice, oldest first."""
    with _session() as session:
        ids = session.exec(
            select(Couple.id).where(Couple.status == "active").order_by(col(Couple.id))
        ).all()
    return [i for i in ids if i is not None]


def init_worker() -> None:
    """Run once per worker process: fresh engine, WeasyPrint imported and warm."""
    from app.db import get_engine, get_read_engine

    # Under fork the parent's pooled connections would be shared; never reuse them.
    get_engine.cache_clear()
    get_read_engine.cache_clear()
    import app.reports.render  # noqa: F401  (imports WeasyPrint and its font config once)


def couple_report(couple_id: int, job: BatchJob) -> Path:
    """Generate, write and record one couple's report; the couple's counselor is the actor."""
    from app.reports.service import record_report, render_input

    with _session(read=True) as session:
        couple = session.get(Couple, couple_id)
        if couple is None:
            raise LookupError(f"couple {couple_id} no longer exists")
        actor = session.get(Counselor, couple.counselor_id)
        assert actor is not None  # foreign key
        gathered = gather_report(
            session, actor=actor, couple_id=couple_id, period_start=job.period_start,
            period_end=job.period_end, paper=job.paper, audience=job.audience,
            dates_shifted=job.dates_shifted,
        )
        session.commit()  # ends the read transaction before rendering (rollback would expire rows)
    _html, pdf = render_input(gathered.data)
    # Couples may share a surname; the id keeps every file of one batch apart.
    # A random tag, not the couple's id, keeps supervision copies apart without linking them.
    tag = secrets.token_hex(4) if job.audience == "supervision" else str(couple_id)
    path = job.out_dir / f"{gathered.filename.removesuffix('.pdf')}-{tag}.pdf"
    partial = path.with_suffix(".part")
    job.out_dir.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(pdf)
    with _session() as session:
        record_report(session, actor=actor, gathered=gathered, pdf=pdf, via="cli-batch")
        session.commit()
    os.replace(partial, path)
    return path


def generate_all(
    job: BatchJob,
    *,
    workers: int = 2,
    couple_ids: list[int] | None = None,
    on_progress: Callable[[int, Path | None], None] | None = None,
) -> BatchResult:
    """Reports for every active couple (or ``couple_ids``) using ``workers`` processes."""
    started = time.perf_counter()
    ids = active_couple_ids() if couple_ids is None else couple_ids
    job.out_dir.mkdir(parents=True, exist_ok=True)
    result = BatchResult(out_dir=job.out_dir)
    if ids:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context,
                                 initializer=init_worker) as pool:
            futures = {pool.submit(couple_report, i, job): i for i in ids}
            for future in as_completed(futures):
                couple_id = futures[future]
                try:
                    path: Path | None = future.result()
                    result.written.append(path)  # type: ignore[arg-type]
                except Exception as exc:  # one couple's failure must not stop the batch
                    path = None
                    result.failed[couple_id] = f"{type(exc).__name__}: {exc}"
                if on_progress is not None:
                    on_progress(couple_id, path)
    result.written.sort()
    result.seconds = time.perf_counter() - started
    return result


def enqueue_all(job: BatchJob, couple_ids: list[int]) -> dict[int, Any]:
    """One ``report`` job per couple on the task queue; returns each couple's result handle."""
    job.out_dir.mkdir(parents=True, exist_ok=True)
    args = job.as_args()
    return {couple_id: queue.enqueue("report", couple_id, args) for couple_id in couple_ids}


def collect(
    job: BatchJob,
    handles: dict[int, Any],
    *,
    started: float | None = None,
    on_progress: Callable[[int, Path | None], None] | None = None,
    still_worked_on: Callable[[], str | None] | None = None,
    poll_seconds: float = 0.2,
) -> BatchResult:
    """Wait for the queued reports, calling ``on_progress`` as each one ends.

    Results are read in the order the jobs were queued and a round stops at a few that are not
    ready, so waiting on a batch of hundreds costs a handful of reads per round.
    ``still_worked_on`` is asked between rounds; when it returns a reason (no worker is left),
    the reports not done fail with it.
    """
    started = time.perf_counter() if started is None else started
    result = BatchResult(out_dir=job.out_dir)
    pending = dict(handles)
    try:
        _wait(result, pending, on_progress, still_worked_on, poll_seconds)
    except BaseException:  # Ctrl-C: reports not begun yet are not made for no one to collect
        for handle in pending.values():
            handle.revoke()
        raise
    result.written.sort()
    result.seconds = time.perf_counter() - started
    return result


def _wait(result: BatchResult, pending: dict[int, Any], on_progress: Callable[[int, Path | None], None] | None,
          still_worked_on: Callable[[], str | None] | None, poll_seconds: float) -> None:
    while pending:
        misses = 0
        for couple_id, handle in list(pending.items()):
            try:
                value = handle.get()
            except Exception as exc:  # the job itself failed in the queue (e.g. no handler)
                value = {"error": getattr(exc, "metadata", {}).get("error") or f"{type(exc).__name__}: {exc}"}
            if value is None:
                misses += 1
                if misses >= 4:
                    break
                continue
            del pending[couple_id]
            path = Path(value["path"]) if "path" in value else None
            if path is None:
                result.failed[couple_id] = value.get("error", "failed")
            else:
                result.written.append(path)
            if on_progress is not None:
                on_progress(couple_id, path)
        if pending:
            reason = still_worked_on() if still_worked_on is not None else None
            if reason is not None:  # and no one else makes them later, unasked
                for couple_id, handle in pending.items():
                    result.failed[couple_id] = reason
                    handle.revoke()
                return
            time.sleep(poll_seconds)


def single_report(
    couple_id: int, output: Path, *, as_email: str | None = None, period_start: date | None = None,
    period_end: date | None = None, summary: str | None = None, paper: Paper = "A4",
    audience: Audience = "clinical", partner_id: int | None = None, dates_shifted: bool = False,
) -> GeneratedReport:
    """One couple's report written to ``output``; the actor is ``as_email`` or the couple's counselor."""
    from app.reports.service import generate_report

    with _session() as session:
        actor = _actor(session, couple_id=couple_id, as_email=as_email)
        generated = generate_report(
            session, actor=actor, couple_id=couple_id, period_start=period_start,
            period_end=period_end, summary=summary, paper=paper, via="cli",
            audience=audience, partner_id=partner_id, dates_shifted=dates_shifted,
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(generated.pdf)
        session.commit()
    return generated


def _actor(session: Session, *, couple_id: int, as_email: str | None) -> Counselor:
    if as_email is not None:
        found = session.exec(
            select(Counselor).where(Counselor.email == as_email.strip().lower(), Counselor.active)
        ).first()
        if found is None:
            raise InvalidField("as", f"No active counselor with email {as_email}")
        return found
    couple = session.get(Couple, couple_id)
    if couple is None:
        raise NotFound("Couple")
    counselor = session.get(Counselor, couple.counselor_id)
    assert counselor is not None  # foreign key
    return counselor


def queued_with_progress(job: BatchJob, couple_ids: list[int], *,
                         still_worked_on: Callable[[], str | None] | None = None) -> BatchResult:
    """``enqueue_all`` then ``collect``, with "n of m" on the terminal as reports come back (rich)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    handles = enqueue_all(job, couple_ids)
    columns = (TextColumn("Reports"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as progress:
        task = progress.add_task("reports", total=len(couple_ids))
        return collect(job, handles, started=started, still_worked_on=still_worked_on,
                       on_progress=lambda _id, _path: progress.advance(task))
