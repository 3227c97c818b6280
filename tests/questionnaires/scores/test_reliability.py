"""The practice's own reliability: snapshots of distinct clients, floors, growth, stable verdicts.

Transparency (trust-rebuilding): items tr1..tr5, tr3 and tr5 reverse-keyed (keyed = 6 - answer);
the definition's reference values SD 0.8, r 0.8, provisional, so
SEdiff = sqrt(2) * 0.8 * sqrt(0.2) = 0.505964.
"""

from __future__ import annotations

import math
import statistics
from datetime import timedelta

import pytest
from sqlmodel import select

from app.clients.subjects import load_subject
from app.config import get_settings
from app.db import utcnow
from app.questionnaires.models import ReliabilitySnapshot
from app.questionnaires.scores.history import couple_history_public, score_histories
from app.questionnaires.scores.reliability import practice_reliability, take_snapshots
from app.scoring.reliability import feldt_interval
from tests.questionnaires.helpers import submitted_in_session, trust, uniform_answers


def _answers(person: int) -> dict[str, int]:
    """A consistent respondent: one level per person, small item-to-item wobble, reverse items mirrored."""
    level = 1 + person % 5
    answers = {}
    for index, item in enumerate(trust().items):
        wobble = ((person * 7 + index * 2) % 3) - 1  # -1, 0 or +1
        value = min(5, max(1, level + wobble))
        answers[item.id] = 6 - value if item.reverse else value
    return answers


def _noise(person: int) -> dict[str, int]:
    """Answers that don't hang together: item values unrelated to one another."""
    return {item.id: 1 + (person * 3 + index * index * 7 + person * index) % 5
            for index, item in enumerate(trust().items)}


def _people(db, factory, counselor, count: int, answers=_answers, days_ago: float = 40) -> list[int]:
    ids = []
    for person in range(count):
        someone = factory.client(counselor, first=f"P{person}")
        submitted_in_session(db, counselor, someone.id, answers(person), days_ago=days_ago)
        ids.append(someone.id)
    return ids


def _trust_run(db, counselor, **kw):
    """The run's result for the version being given now (``trust()``)."""
    [taken] = [t for t in take_snapshots(db, practice_id=counselor.practice_id, **kw)
               if (t.instrument_id, t.version) == ("trust-rebuilding", trust().version)]
    return taken


def _keyed(answers: dict[str, int], subscale: str) -> list[int]:
    definition = trust()
    return [6 - answers[i] if definition.item(i).reverse else answers[i] for i in definition.subscales[subscale].items]


def _alpha_by_anova(rows: list[list[int]]) -> float:
    """Outside check: alpha as Hoyt's ANOVA ratio, 1 - MS(residual) / MS(persons), not Cronbach's
    variance formula the app uses (the two are algebraically equal)."""
    n, k = len(rows), len(rows[0])
    grand = sum(map(sum, rows)) / (n * k)
    person_means = [sum(r) / k for r in rows]
    item_means = [sum(r[j] for r in rows) / n for j in range(k)]
    ss_persons = k * sum((m - grand) ** 2 for m in person_means)
    ss_items = n * sum((m - grand) ** 2 for m in item_means)
    ss_total = sum((x - grand) ** 2 for r in rows for x in r)
    ms_persons = ss_persons / (n - 1)
    ms_residual = (ss_total - ss_persons - ss_items) / ((n - 1) * (k - 1))
    return 1 - ms_residual / ms_persons


def test_one_client_answering_forty_times_is_one_client(db, factory):
    counselor = factory.counselor()
    someone = factory.client(counselor)
    for person in range(40):
        submitted_in_session(db, counselor, someone.id, _answers(person))
    taken = _trust_run(db, counselor)
    assert (taken.clients_seen, taken.reason, taken.snapshots) == (1, None, ())
    found = practice_reliability(db, practice_id=counselor.practice_id, definition=trust())
    assert {r.source for r in found.values()} == {"definition"}
    assert found["transparency"].basis == "provisional reference values"
    assert found["transparency"].sd == 0.8 and found["transparency"].value == 0.8


def test_first_snapshot_at_thirty_distinct_clients_matches_an_outside_computation(db, factory):
    counselor = factory.counselor()
    assert get_settings().reliability_min_clients == 30 and get_settings().reliability_min_alpha == 0.6
    people = _people(db, factory, counselor, 29)
    assert all(t.reason is None for t in take_snapshots(db, practice_id=counselor.practice_id))
    # A second answer set of someone already counted adds an administration, not a client.
    submitted_in_session(db, counselor, people[0], _answers(3))
    assert all(t.reason is None for t in take_snapshots(db, practice_id=counselor.practice_id))
    _people(db, factory, counselor, 1)
    taken = _trust_run(db, counselor)
    db.commit()
    assert taken.reason == "floor" and taken.clients_seen == 30
    stored = {s.subscale: s for s in db.exec(select(ReliabilitySnapshot).where(
        ReliabilitySnapshot.practice_id == counselor.practice_id)).all()}
    assert set(stored) == set(trust().subscales)
    # Each client's first answer set, once: person 0's later set is not used.
    first_sets = [_answers(p) for p in range(29)] + [_answers(0)]
    for sid, snapshot in stored.items():
        rows = [_keyed(a, sid) for a in first_sets]
        assert (snapshot.n_clients, snapshot.n_administrations, snapshot.clients_seen) == (30, 31, 30)
        assert snapshot.n_items == len(rows[0])
        assert snapshot.alpha == pytest.approx(_alpha_by_anova(rows), abs=1e-12)
        assert snapshot.sd == pytest.approx(statistics.stdev(sum(r) / len(r) for r in rows), abs=1e-12)
        low, high = feldt_interval(_alpha_by_anova(rows), 30, len(rows[0]))
        assert (snapshot.alpha_low, snapshot.alpha_high) == (pytest.approx(low), pytest.approx(high))
        assert snapshot.alpha_low < snapshot.alpha < snapshot.alpha_high
    now = practice_reliability(db, practice_id=counselor.practice_id, definition=trust())["transparency"]
    t = stored["transparency"]
    assert now.source == "practice" and now.sd == t.sd and now.value == t.alpha and now.n_clients == 30
    assert now.basis == (f"practice data, n = 30 clients, \u03b1 = {t.alpha:.2f} "
                         f"({t.alpha_low:.2f}\u2013{t.alpha_high:.2f})")
    # Other practices don't borrow this practice's data.
    stranger = factory.counselor()
    theirs = practice_reliability(db, practice_id=stranger.practice_id, definition=trust())
    assert {r.source for r in theirs.values()} == {"definition"}


def test_a_new_snapshot_only_after_twenty_percent_more_clients_or_when_asked(db, factory):
    counselor = factory.counselor()
    _people(db, factory, counselor, 30)

    def trust_run(**kw):
        return _trust_run(db, counselor, **kw)

    assert trust_run().reason == "floor"
    _people(db, factory, counselor, 5)  # 35 < 30 * 1.2
    assert trust_run().reason is None
    _people(db, factory, counselor, 1)  # 36 = 30 * 1.2
    assert trust_run().reason == "growth"
    assert trust_run().reason is None  # 36 < 36 * 1.2 = 43.2
    forced = trust_run(refresh=True)
    assert forced.reason == "refresh" and forced.clients_seen == 36
    count = len(db.exec(select(ReliabilitySnapshot).where(
        ReliabilitySnapshot.practice_id == counselor.practice_id,
        ReliabilitySnapshot.instrument_id == "trust-rebuilding")).all())
    assert count == 3 * len(trust().subscales)


def test_an_alpha_below_the_floor_keeps_the_definitions_values(db, factory):
    counselor = factory.counselor()
    _people(db, factory, counselor, 30, answers=_noise)
    take_snapshots(db, practice_id=counselor.practice_id)
    stored = db.exec(select(ReliabilitySnapshot).where(
        ReliabilitySnapshot.practice_id == counselor.practice_id,
        ReliabilitySnapshot.subscale == "transparency")).one()
    assert stored.n_clients == 30 and (stored.alpha is None or stored.alpha < 0.6)
    found = practice_reliability(db, practice_id=counselor.practice_id, definition=trust())["transparency"]
    assert (found.source, found.value, found.sd, found.basis) == ("definition", 0.8, 0.8,
                                                                   "provisional reference values")


def _transparency(mean_answers: tuple[int, int, int, int, int]) -> dict[str, int]:
    answers = uniform_answers(trust(), 3)
    answers.update(dict(zip(["tr1", "tr2", "tr3", "tr4", "tr5"], mean_answers, strict=True)))
    return answers


def _snapshot(practice_id: int, days_ago: float, alpha: float, low: float, high: float, n: int, sd: float):
    return ReliabilitySnapshot(practice_id=practice_id, instrument_id="trust-rebuilding",
                               instrument_version=trust().version, subscale="transparency", alpha=alpha,
                               alpha_low=low, alpha_high=high, n_clients=n, n_administrations=n, clients_seen=n,
                               n_items=5, sd=sd, reason="growth", taken_at=utcnow() - timedelta(days=days_ago))


def _a_points(db, counselor, couple):
    subject = load_subject(db, actor=counselor, couple_id=couple.id)
    [history] = score_histories(db, subject=subject, instrument_id="trust-rebuilding")
    public = couple_history_public(history, subject)
    return next(s for s in public.subscales if s.subscale == "transparency").partner_a.points, public


def test_a_verdict_never_moves_when_others_submit_and_a_later_point_uses_the_new_snapshot(db, factory):
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    a = couple.partner_a_id
    # 30 days ago: 2,2,2,2,2 -> keyed 2,2,4,2,4 -> 2.8. 20 days ago: 4,4,2,3,3 -> keyed 4,4,4,3,3 -> 3.6.
    submitted_in_session(db, counselor, a, _transparency((2, 2, 2, 2, 2)), couple_id=couple.id, days_ago=30)
    submitted_in_session(db, counselor, a, _transparency((4, 4, 2, 3, 3)), couple_id=couple.id, days_ago=20)
    before, _ = _a_points(db, counselor, couple)
    # 2.8 -> 3.6 with the definition's values: 0.8 / 0.505964 = 1.5811 -> no reliable change
    change = before[1].from_baseline
    assert change is not None and change.rci == pytest.approx(1.5811, abs=1e-4)
    assert (change.label, change.basis, change.sd) == ("no reliable change", "provisional reference values", 0.8)

    # Other clients submit, and the practice's data reach a usable snapshot 15 days ago:
    # alpha 0.81 (0.74-0.87), 42 clients, SD 0.5 -> SEdiff = sqrt(2) * 0.5 * sqrt(0.19) = 0.308221.
    _people(db, factory, counselor, 3, days_ago=16)
    db.add(_snapshot(counselor.practice_id, 15, 0.81, 0.74, 0.87, 42, 0.5))
    db.commit()
    # A submits 5 days ago: 4,4,2,3,3 again -> 3.6.
    submitted_in_session(db, counselor, a, _transparency((4, 4, 2, 3, 3)), couple_id=couple.id, days_ago=5)
    after, public = _a_points(db, counselor, couple)
    assert after[1].from_baseline == before[1].from_baseline  # the verdict of 20 days ago, unchanged
    late = after[2].from_baseline
    # 2.8 -> 3.6 again, now 0.8 / 0.308221 = 2.5955 -> reliable improvement, on the practice's data
    assert late is not None and late.rci == pytest.approx(2.5955, abs=1e-4)
    assert late.se_diff == pytest.approx(math.sqrt(2) * 0.5 * math.sqrt(0.19))
    assert late.label == "reliable improvement"
    assert late.basis == "practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)"
    assert after[2].from_previous is not None and after[2].from_previous.rci == pytest.approx(0.0)

    # A newer snapshot (yesterday) and more submissions leave both earlier verdicts as they were.
    _people(db, factory, counselor, 3, days_ago=2)
    db.add(_snapshot(counselor.practice_id, 1, 0.95, 0.9, 0.97, 60, 0.3))
    db.commit()
    again, public = _a_points(db, counselor, couple)
    assert [p.from_baseline for p in again] == [p.from_baseline for p in after]
    transparency = next(s for s in public.subscales if s.subscale == "transparency")
    assert transparency.basis == "practice data, n = 60 clients, \u03b1 = 0.95 (0.90\u20130.97)"
    assert transparency.reliability == 0.95 and transparency.n_clients == 60 and not transparency.provisional
    # The headline: A's transparency counts once, as a reliable improvement (latest point from baseline).
    head_a = public.headline[0]
    assert head_a.client_id == a and head_a.role == "a" and head_a.reliable_improvement == 1
