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
    from app.questionnaires.definitions import default_catalog

    definition = default_catalog().get("trust-rebuilding", 1)
    answers = {}
    for subscale in definition.subscales.values():
        for item_id in subscale.items:
            item = definition.item(item_id)
            keyed = min(5, max(1, round(level + rng.uniform(-0.9, 0.9))))
            answers[item_id] = 6 - keyed if item.reverse else keyed
    return answers


def _assessment(session, rng, person, couple, when: datetime, level: float) -> None:  # type: ignore[no-untyped-def]
    from app.questionnaires.definitions import default_catalog
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
    a = Client(practice_id=counselor.practice_id, counselor_id=counselor.id, first_name="Maya", last_name=f"Okafor{n}")
    b = Client(practice_id=counselor.practice_id, counselor_id=counselor.id, first_name="Daniel", last_name=f"Okafor{n}")
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
    return couple.id  # type: ignore[return-value]


def seed(light_couples: int) -> tuple[int, int, list[int]]:
    """(counselor id, the year couple's id, the light couples' ids)."""
    from sqlmodel import Session

    from app.auth.models import Counselor
    from app.db import get_engine
    from app.practice.models import Practice

    rng = random.Random(11)
    with Session(get_engine(), expire_on_commit=False) as session:
        practice = Practice(name="Harbour Lane Counselling", timezone="Europe/London")
        session.add(practice)
        session.flush()
        counselor = Counselor(practice_id=practice.id, email="ruth@bench.test", full_name="Dr Ruth Mensah",
                              role="owner", password_hash="x")
        session.add(counselor)
        session.flush()
        year = seed_couple(session, rng, counselor, 0, weeks=52, assessments=12, agreements=6)
        light = [seed_couple(session, rng, counselor, n, weeks=12, assessments=3, agreements=2)
                 for n in range(1, light_couples + 1)]
        session.commit()
    return counselor.id, year, light  # type: ignore[return-value]


# --- measuring --------------------------------------------------------------------


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def single_report(counselor_id: int, couple_id: int, repeat: int) -> dict[str, float]:
    """Bare WeasyPrint on Mend's HTML versus Mend's whole path from database to PDF bytes."""
    import weasyprint
    from sqlmodel import Session

    from app.auth.models import Counselor
    from app.db import get_engine
    from app.reports.context import build_report_context
    from app.reports.render import render_html
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
    bare = median_seconds(lambda: weasyprint.HTML(string=html).write_pdf(), repeat)
    whole = median_seconds(full, repeat)
    return {"bare": bare, "full": whole, "ratio": whole / bare, "pages": pages}


def batch(couple_ids: list[int], workers: int, out_dir: Path) -> float:
    """Reports per second for the batch path `mend report --all` uses."""
    from app.reports.batch import BatchJob, generate_all

    result = generate_all(BatchJob(out_dir / f"w{workers}"), workers=workers, couple_ids=couple_ids)
    if result.failed:
        print(f"  {len(result.failed)} failed, e.g. {next(iter(result.failed.values()))}")
    return len(result.written) / result.seconds


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
    single = single_report(counselor_id, year, args.repeat)
    print(f"Year report ({single['pages']:.0f} pages), median of {args.repeat}:")
    print(f"  bare WeasyPrint write_pdf  {single['bare']:.3f} s")
    print(f"  Mend DB -> PDF bytes       {single['full']:.3f} s   ratio {single['ratio']:.2f} (target <= 1.15)")
    rates = {w: batch(light, w, work) for w in (1, 2)}
    speedup = rates[2] / rates[1]
    print(f"Batch of {len(light)}: {rates[1]:.2f} reports/s with 1 worker, {rates[2]:.2f} with 2 "
          f"-> speed-up {speedup:.2f}x (target >= 1.8x)")
    print()
    print(f"{'measure':<34}{'value':>10}{'target':>10}")
    print(f"{'bare write_pdf (s)':<34}{single['bare']:>10.3f}{'':>10}")
    print(f"{'Mend full path (s)':<34}{single['full']:>10.3f}{'':>10}")
    print(f"{'full / bare':<34}{single['ratio']:>10.2f}{'<= 1.15':>10}")
    print(f"{'batch, 1 worker (reports/s)':<34}{rates[1]:>10.2f}{'':>10}")
    print(f"{'batch, 2 workers (reports/s)':<34}{rates[2]:>10.2f}{'':>10}")
    print(f"{'speed-up':<34}{speedup:>10.2f}{'>= 1.8':>10}")


if __name__ == "__main__":
    main()
