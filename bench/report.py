"""Benchmark: report generation cost over bare WeasyPrint, and batch throughput.

Run: ``.venv/bin/python bench/report.py [--repeat 7] [--couples 200] [--keep DIR]``

Uses its own temporary SQLite database (migrated with ``app.migrate.upgrade``),
seeded with one couple's year of work (52 weekly sessions, 12 monthly
assessments per partner with real scores, agreements with check-ins) and
``--couples`` lighter couples for the batch. Prints figures; never fails on time.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUBSCALE_SIZE = 5


def configure(data_dir: Path) -> str:
    """Point Mend at a private database; must run before any app module is imported."""
    url = f"sqlite:///{data_dir / 'bench.db'}"
    os.environ["MEND_DATABASE_URL"] = url
    os.environ["MEND_DATA_DIR"] = str(data_dir)
    os.environ["MEND_SECRET_KEY"] = "bench-secret-not-for-production"
    os.environ["MEND_ENVIRONMENT"] = "development"
    sys.path.insert(0, str(ROOT))
    return url


# --- seeding ----------------------------------------------------------------------


def _answers(rng: random.Random, level: float) -> dict[str, int]:
    """Trust-inventory answers around ``level`` (keyed), flipped for reverse items."""
    from app.instruments.catalog import default_catalog

    definition = default_catalog().get("trust-rebuilding", 1)
    answers = {}
    for subscale in definition.subscales.values():
        for item_id in subscale.items:
            item = definition.item(item_id)
            keyed = min(5, max(1, round(level + rng.uniform(-0.9, 0.9))))
            answers[item_id] = 6 - keyed if item.reverse else keyed
    return answers


def _assessment(session, rng, person, couple, when: datetime, level: float) -> None:  # type: ignore[no-untyped-def]
    from app.instruments.catalog import default_catalog
    from app.questionnaires.models import Administration, AdministrationFlag, Response, Score
    from app.scoring import score_administration

    definition = default_catalog().get("trust-rebuilding", 1)
    answers = _answers(rng, level)
    admin = Administration(
        practice_id=person.practice_id, client_id=person.id, couple_id=couple.id,
        counselor_id=couple.counselor_id, instrument_id=definition.id, instrument_version=1,
        definition_checksum=definition.checksum, mode="link", status="submitted",
        created_at=when - timedelta(days=1), submitted_at=when,
    )
    session.add(admin)
    session.flush()
    result = score_administration(definition, answers)
    session.add_all([Response(practice_id=person.practice_id, administration_id=admin.id, item_id=k, value=v)
                     for k, v in answers.items()])
    session.add_all([Score(practice_id=person.practice_id, administration_id=admin.id, subscale=s.subscale,
                           mean=s.mean, raw=s.raw, answered=s.answered, total=s.total, prorated=s.prorated,
                           scored=s.scored, band=s.band) for s in result.subscales.values()])
    session.add_all([AdministrationFlag(practice_id=person.practice_id, administration_id=admin.id,
                                        client_id=person.id, couple_id=couple.id, item_id=f.item_id,
                                        severity=f.severity, message=f.message, raised_at=when)
                     for f in result.flags])


PEOPLE = [(("Maya", "Daniel"), "Okafor"), (("Zoë", "Lukas"), "Ågren"), (("Priya", "Arjun"), "Raman"),
          (("Hana", "Kenji"), "Sato"), (("Fatima", "Omar"), "Haddad"), (("Claire", "Julien"), "Dubois")]
AGREEMENTS = [
    ("boundary", "No contact with the affair partner"),
    ("transparency_practice", "Phones open to each other on request"),
    ("rule", "Weekly 30-minute check-in on Sunday evening"),
    ("amend", "A letter of accountability, read aloud in session"),
    ("transparency_practice", "Shared calendar for evenings out"),
    ("rule", "Time-out word during arguments"),
]


def seed_couple(session, rng, counselor, n: int, *, weeks: int, assessments: int, agreements: int) -> int:  # type: ignore[no-untyped-def]
    """One couple seen weekly for ``weeks`` weeks, assessed every ~4 weeks; returns its id."""
    from app.clients.models import Client, Couple
    from app.sessions.models import Agreement, AgreementCheckIn, TherapySession

    now = datetime.now(UTC)
    (first_a, first_b), last = PEOPLE[n % len(PEOPLE)]
    a = Client(practice_id=counselor.practice_id, counselor_id=counselor.id, first_name=first_a, last_name=last)
    b = Client(practice_id=counselor.practice_id, counselor_id=counselor.id, first_name=first_b, last_name=last)
    session.add_all([a, b])
    session.flush()
    couple = Couple(practice_id=counselor.practice_id, counselor_id=counselor.id, partner_a_id=a.id,
                    partner_b_id=b.id, breach_type="infidelity", disclosed_on=(now - timedelta(weeks=weeks + 4)).date())
    session.add(couple)
    session.flush()
    made = [Agreement(practice_id=couple.practice_id, couple_id=couple.id, kind=k, title=t,
                      created_by_id=counselor.id, created_at=now - timedelta(weeks=weeks))
            for k, t in AGREEMENTS[:agreements]]
    session.add_all(made)
    therapy = [TherapySession(practice_id=couple.practice_id, counselor_id=counselor.id, couple_id=couple.id,
                              starts_at=now - timedelta(weeks=weeks - w, hours=rng.randint(0, 8)),
                              duration_minutes=rng.choice([50, 60, 80]), modality=rng.choice(["in_person", "video"]),
                              attendee_ids=[a.id, b.id], note_data="Reviewed the week.", status="signed")
               for w in range(weeks)]
    session.add_all(therapy)
    session.flush()
    session.add_all([AgreementCheckIn(practice_id=couple.practice_id, agreement_id=ag.id, session_id=t.id,
                                      outcome=rng.choices(["kept", "partly", "not_kept"], [6, 2, 1])[0],
                                      recorded_by_id=counselor.id)
                     for t in therapy[1:] for ag in made])
    for k in range(assessments):
        when = now - timedelta(weeks=weeks) + timedelta(days=2 + k * weeks * 7 // assessments)
        _assessment(session, rng, a, couple, when, 2.0 + 2.0 * k / max(1, assessments - 1))
        _assessment(session, rng, b, couple, when + timedelta(hours=3), 2.4 + 0.6 * k / max(1, assessments - 1))
    _resolve_all_but_latest_flags(session, couple.id, since=when)  # type: ignore[arg-type]
    return couple.id  # type: ignore[return-value]


def _resolve_all_but_latest_flags(session, couple_id: int, *, since: datetime) -> None:  # type: ignore[no-untyped-def]
    """A counselor follows flags up; only those from the latest assessments are still open."""
    from sqlalchemy import update

    from app.questionnaires.models import AdministrationFlag

    session.flush()
    session.exec(update(AdministrationFlag)
                 .where(AdministrationFlag.couple_id == couple_id, AdministrationFlag.raised_at < since)
                 .values(resolved_at=since))


def seed_practice(session, *, name: str = "Harbour Lane Counselling", email: str = "ruth@bench.test",  # type: ignore[no-untyped-def]
                  timezone: str = "Europe/London"):
    """A practice and its owner, flushed (the benchmarks' tenant)."""
    from app.auth.models import Counselor
    from app.practice.models import Practice

    practice = Practice(name=name, timezone=timezone)
    session.add(practice)
    session.flush()
    counselor = Counselor(practice_id=practice.id, email=email, full_name="Dr Ruth Mensah", role="owner",
                          password_hash="x")
    session.add(counselor)
    session.flush()
    return practice, counselor


def seed(light_couples: int) -> tuple[int, int, list[int]]:
    """(counselor id, the year couple's id, the light couples' ids)."""
    from sqlmodel import Session

    from app.db import get_engine

    rng = random.Random(11)
    with Session(get_engine(), expire_on_commit=False) as session:
        _practice, counselor = seed_practice(session)
        year = seed_couple(session, rng, counselor, 0, weeks=52, assessments=12, agreements=6)
        light = [seed_couple(session, rng, counselor, n, weeks=12, assessments=3, agreements=2)
                 for n in range(1, light_couples + 1)]
        session.commit()
    return counselor.id, year, light  # type: ignore[return-value]


# --- measuring --------------------------------------------------------------------


def paired_medians(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each action, run alternately after one warm-up of each.

    Alternating means both see the same machine load; CPU time (this process
    only) is printed too because other processes on a shared machine move wall time.
    """
    first()
    second()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for index, action in enumerate((first, second)):
            started, cpu_started = time.perf_counter(), time.process_time()
            action()
            wall[index].append(time.perf_counter() - started)
            cpu[index].append(time.process_time() - cpu_started)
    return {
        "wall": (statistics.median(wall[0]), statistics.median(wall[1])),
        "cpu": (statistics.median(cpu[0]), statistics.median(cpu[1])),
    }


def single_report(counselor_id: int, couple_id: int, repeat: int) -> dict[str, float]:
    """Bare WeasyPrint on Mend's HTML versus Mend's whole path from database to PDF bytes."""
    import weasyprint
    from sqlmodel import Session

    from app.auth.models import Counselor
    from app.db import get_engine
    from app.reports.core.context import build_report_context
    from app.reports.render import FONT_CONFIG, PDF_OPTIONS, render_html
    from app.reports.service import build_report_input, generate_report

    start = (datetime.now(UTC) - timedelta(days=370)).date()

    def full() -> bytes:
        with Session(get_engine(), expire_on_commit=False) as session:
            actor = session.get(Counselor, counselor_id)
            made = generate_report(session, actor=actor, couple_id=couple_id, period_start=start)  # type: ignore[arg-type]
            session.commit()
            return made.pdf

    with Session(get_engine()) as session:
        actor = session.get(Counselor, counselor_id)
        html = render_html(build_report_context(
            build_report_input(session, actor=actor, couple_id=couple_id, period_start=start)))  # type: ignore[arg-type]
    pages = len(weasyprint.HTML(string=html).render().pages)
    timed = paired_medians(lambda: weasyprint.HTML(string=html).write_pdf(), full, repeat)
    (bare, whole), (bare_cpu, whole_cpu) = timed["wall"], timed["cpu"]
    # The stricter yardstick: WeasyPrint given Mend's own options (one shared font
    # configuration, tagged PDF/UA), so the difference is only Mend's own work.
    same = paired_medians(
        lambda: weasyprint.HTML(string=html).write_pdf(font_config=FONT_CONFIG, **PDF_OPTIONS), full, repeat)
    (same_bare, same_full) = same["wall"]
    return {"bare": bare, "full": whole, "ratio": whole / bare, "pages": pages,
            "bare_cpu": bare_cpu, "full_cpu": whole_cpu, "ratio_cpu": whole_cpu / bare_cpu,
            "same": same_bare, "full_same": same_full, "ratio_same": same_full / same_bare}


def batch(couple_ids: list[int], workers: int, out_dir: Path) -> tuple[float, float]:
    """Reports per second for the batch path `mend report --all` uses, and the cores it kept busy.

    Cores busy = the workers' CPU seconds / wall seconds: near ``workers`` means the
    batch itself scales; a speed-up below that means other processes took the CPU.
    """
    from app.reports.batch import BatchJob, generate_all

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = generate_all(BatchJob(out_dir / f"w{workers}"), workers=workers, couple_ids=couple_ids)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the pool's workers have exited by now
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.failed:
        print(f"  {len(result.failed)} failed, e.g. {next(iter(result.failed.values()))}")
    return len(result.written) / result.seconds, cpu / result.seconds


def _burn(n: int) -> int:
    """Pure-Python CPU work with no I/O: the control for what the machine lets two processes do."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def machine_ceiling(tasks: int = 24, size: int = 2_000_000) -> float:
    """Speed-up of 2 spawned processes over 1 on pure CPU work, measured now.

    On a shared machine other processes take CPU too; a batch speed-up close to
    this ceiling means the batch scales as well as the machine allows.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rates = []
    for workers in (1, 2):
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_burn, [10] * workers))  # start the workers before timing
            started = time.perf_counter()
            list(pool.map(_burn, [size] * tasks))
            rates.append(tasks / (time.perf_counter() - started))
    return rates[1] / rates[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement (median)")
    parser.add_argument("--couples", type=int, default=200, help="couples in the batch")
    parser.add_argument("--keep", type=Path, help="keep the database and PDFs in this folder")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="mend-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    url = configure(work)
    from app.migrate import upgrade

    upgrade(url)
    started = time.perf_counter()
    counselor_id, year, light = seed(args.couples)
    print(f"Seeded 1 year couple + {len(light)} couples in {time.perf_counter() - started:.1f} s ({work})")
    print(f"Load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    single = single_report(counselor_id, year, args.repeat)
    print(f"Year report ({single['pages']:.0f} pages), median of {args.repeat}:")
    print(f"  bare WeasyPrint write_pdf  {single['bare']:.3f} s  (CPU {single['bare_cpu']:.3f} s)")
    print(f"  Mend DB -> PDF bytes       {single['full']:.3f} s  (CPU {single['full_cpu']:.3f} s)")
    ceiling_before = machine_ceiling()
    runs = {w: batch(light, w, work) for w in (1, 2)}
    ceiling = (ceiling_before + machine_ceiling()) / 2
    rates = {w: rate for w, (rate, _) in runs.items()}
    speedup = rates[2] / rates[1]
    print(f"Load average after: {os.getloadavg()[0]:.2f}")
    print()
    rows = [
        ("bare write_pdf, wall (CPU) s", f"{single['bare']:.3f} ({single['bare_cpu']:.3f})", ""),
        ("Mend full path, wall (CPU) s", f"{single['full']:.3f} ({single['full_cpu']:.3f})", ""),
        ("full / bare, wall (CPU)", f"{single['ratio']:.2f} ({single['ratio_cpu']:.2f})", "<= 1.15"),
        ("bare with Mend's options (shared fonts, PDF/UA) s", f"{single['same']:.3f}", ""),
        ("full / bare with Mend's options", f"{single['full_same'] / single['same']:.2f}", "<= 1.15"),
        (f"batch of {len(light)}, 1 worker: reports/s", f"{rates[1]:.2f}", ""),
        (f"batch of {len(light)}, 2 workers: reports/s", f"{rates[2]:.2f}", ""),
        ("cores busy, 1 / 2 workers", f"{runs[1][1]:.2f} / {runs[2][1]:.2f}", ""),
        ("speed-up, 2 workers over 1", f"{speedup:.2f}x", ">= 1.8x"),
        ("machine ceiling (pure CPU, 2 over 1)", f"{ceiling:.2f}x", ""),
    ]
    print(f"{'measure':<50}{'value':>16}{'target':>10}")
    for name, value, target in rows:
        print(f"{name:<50}{value:>16}{target:>10}")

if __name__ == "__main__":
    main()
