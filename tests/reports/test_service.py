"""The report service reads the right rows, in a fixed number of queries, scoped to the practice."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.config import get_settings
from app.errors import InvalidField, NotFound
from app.questionnaires.scores.reliability import take_snapshots
from app.reports.core.formatting import zone
from app.reports.gather import ascii_slug, resolve_period
from app.reports.models import Report
from app.reports.service import build_report_input, generate_report, preview_html
from app.sessions.service import as_utc
from tests.factories import Factory
from tests.reports.db_factories import (
    SUBSCALES,
    days_ago,
    keyed_answers,
    realistic_couple,
    same_everywhere,
    set_status,
    submit,
)

NOW = datetime.now(UTC)


@contextmanager
def counted(db: Session) -> Iterator[list[str]]:
    """Collect the SELECT statements the block runs (BEGIN differs with the session state)."""
    statements: list[str] = []

    def remember(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", remember)


def test_input_holds_partners_sessions_scores_agreements_flags_and_intake(
    db: Session, factory: Factory
) -> None:
    s = realistic_couple(db, factory)
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert data.subject_kind == "couple"
    assert data.subject_name == "Maya & Daniel Okafor"
    assert [(p.label, p.name) for p in data.partners] == [
        ("Partner A", "Maya Okafor"), ("Partner B", "Daniel Okafor")]
    assert data.counselor_name == "Dr Ruth Mensah"
    # No counselling start date on the record: the period starts at the first session (80 days ago).
    first = min(x.starts_at for x in s.sessions)
    assert data.period_end == NOW.date() and data.period_start == as_utc(first).astimezone(zone(data.timezone)).date()
    assert data.period_from == "first session"
    assert len(data.sessions) == 12
    assert all(set(x.attendees) == {"Partner A", "Partner B"} for x in data.sessions)
    # The assessment before the period stays in: it is each partner's baseline.
    [trust] = data.scores
    assert trust.instrument_id == "trust-rebuilding" and trust.administrations == 6
    assert tuple(i.id for i in trust.subscales) == SUBSCALES
    assert all(i.reliability.source == "definition" for i in trust.subscales)
    assert {a.title: len(a.checkins) for a in data.agreements} == {
        "No contact with the affair partner": 12, "Phones open on request": 6}
    assert [(f.partner_label, f.severity) for f in data.flags] == [("Partner B", "high")]
    questions = " ".join(q for q, _ in data.intake_highlights)
    assert "Maya Okafor: What would you like counseling" in questions
    assert "afraid" not in questions  # safety answers never appear raw
    assert ("Maya Okafor: Right now, how hopeful are you about your relationship?",
            "Quite hopeful") in data.intake_highlights


def test_stored_means_are_passed_through_unchanged(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory)
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    engine = s.latest["Partner B"].subscales
    [trust] = data.scores
    latest_b = {sub.id: sub.trajectories[1].points[-1].mean for sub in trust.subscales}
    assert latest_b == {k: v.mean for k, v in engine.items()}


def test_query_count_does_not_grow_with_the_record(db: Session, factory: Factory) -> None:
    small = realistic_couple(db, factory, weeks=3)
    big = realistic_couple(db, factory, small.counselor, names=("Zoë", "Lukas"), last="Ågren", weeks=30)
    build_report_input(db, actor=small.counselor, couple_id=small.couple.id, now=NOW)  # warm the reliability cache
    with counted(db) as few:
        build_report_input(db, actor=small.counselor, couple_id=small.couple.id, now=NOW)
    with counted(db) as many:
        build_report_input(db, actor=big.counselor, couple_id=big.couple.id, period_start=date(2020, 1, 1),
                           now=NOW)
    assert len(few) == len(many) <= 16


def test_practice_snapshot_is_named_beside_changes_and_other_submissions_move_no_verdict(
    db: Session, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "reliability_min_clients", 2)
    monkeypatch.setattr(get_settings(), "reliability_min_alpha", -10.0)
    s = realistic_couple(db, factory, weeks=1)
    take_snapshots(db, practice_id=s.counselor.practice_id, refresh=True, now=days_ago(400))
    first = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    changes = [p.from_baseline for sub in first.scores[0].subscales for t in sub.trajectories for p in t.points]
    assert all(c.basis.startswith("practice data, n = 2 clients") for c in changes if c is not None)
    html = preview_html(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert "judged on practice data, n = 2 clients" in html
    # Another couple submits and a new snapshot is taken: this couple's verdicts stay as they were.
    other = realistic_couple(db, factory, s.counselor, names=("Ana", "Ben"), last="Silva", weeks=1)
    take_snapshots(db, practice_id=s.counselor.practice_id, refresh=True)
    submit(db, other.a, couple=other.couple, when=days_ago(1), answers=keyed_answers(same_everywhere((5, 1, 5, 1, 5))))
    again = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert [p.from_baseline for sub in again.scores[0].subscales for t in sub.trajectories for p in t.points] == changes


def test_assessments_after_the_period_are_left_for_the_next_report(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory, weeks=2)
    everything = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW).scores[0]
    earlier = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW,
                                 period_end=(NOW - timedelta(days=20)).date()).scores[0]
    assert earlier.administrations < everything.administrations
    cut = datetime.combine((NOW - timedelta(days=19)).date(), datetime.min.time(), tzinfo=UTC)
    assert all(p.at < cut for sub in earlier.subscales for t in sub.trajectories for p in t.points)


def test_agreement_closed_before_the_period_is_left_out(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory, weeks=2)
    old = factory.agreement(s.couple, title="Old rule", kind="rule")
    set_status(db, old, "retired", days_ago(200))
    fresh = factory.agreement(s.couple, title="Recently kept", kind="amend")
    set_status(db, fresh, "kept", days_ago(5))
    titles = [a.title for a in build_report_input(db, actor=s.counselor, couple_id=s.couple.id).agreements]
    assert "Old rule" not in titles and "Recently kept" in titles


def test_other_practice_is_not_found(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory, weeks=1)
    stranger = factory.owner()
    with pytest.raises(NotFound):
        build_report_input(db, actor=stranger, couple_id=s.couple.id)
    with pytest.raises(NotFound):
        build_report_input(db, actor=stranger, client_id=s.a.id)


def test_period_rules() -> None:
    today = date(2026, 11, 25)
    assert resolve_period(None, None, today=today) == (date(2026, 8, 27), today, "last 90 days")
    assert resolve_period(None, date(2027, 1, 1), today=today) == (date(2026, 8, 27), today, "last 90 days")
    assert resolve_period(None, None, today=today, started_on=date(2026, 2, 2), first_session=date(2026, 2, 9)) == (
        date(2026, 2, 2), today, "start of counselling")
    assert resolve_period(None, None, today=today, first_session=date(2026, 2, 9)) == (
        date(2026, 2, 9), today, "first session")
    assert resolve_period(date(2026, 10, 1), None, today=today, started_on=date(2026, 2, 2)) == (
        date(2026, 10, 1), today, None)  # the counselor's own start wins
    with pytest.raises(InvalidField) as caught:
        resolve_period(date(2026, 5, 1), date(2026, 4, 1), today=today)
    assert caught.value.field == "period_end"
    with pytest.raises(InvalidField) as caught:
        resolve_period(date(2027, 5, 1), None, today=today)
    assert caught.value.field == "period_start"


def test_generate_records_report_and_audit_and_preview_matches(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory, weeks=4)
    made = generate_report(db, actor=s.counselor, couple_id=s.couple.id, summary="Good month.", now=NOW)
    db.commit()
    assert made.pdf.startswith(b"%PDF")
    assert made.filename == f"mend-report-okafor-{NOW.date().isoformat()}.pdf"
    row = db.exec(select(Report)).one()
    assert (row.size_bytes, row.couple_id, row.generated_by_id) == (len(made.pdf), s.couple.id, s.counselor.id)
    assert len(row.checksum) == 64
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "generate_report")).all()
    assert [(e.entity, e.entity_id, e.detail["report_id"]) for e in events] == [("couple", s.couple.id, row.id)]
    html = preview_html(db, actor=s.counselor, couple_id=s.couple.id, summary="Good month.", now=NOW)
    db.commit()
    assert html == made.html
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "preview_report")).one()
    assert len(db.exec(select(Report)).all()) == 1


def test_client_report_has_one_person(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory, weeks=1)
    data = build_report_input(db, actor=s.counselor, client_id=s.b.id, now=NOW)
    assert data.subject_kind == "client" and data.subject_name == "Daniel Okafor"
    assert [p.label for p in data.partners] == ["Client"]
    assert data.sessions == [] and data.agreements == []  # couple sessions belong to the couple
    [trust] = data.scores
    assert trust.client_ids == (s.b.id,) and all(len(sub.trajectories) == 1 for sub in trust.subscales)
    made = generate_report(db, actor=s.counselor, client_id=s.b.id, now=NOW)
    assert made.filename.startswith("mend-report-okafor-daniel-")


def test_ascii_slug() -> None:
    assert ascii_slug("Zoë Ågren") == "zoe-agren"
    assert ascii_slug("佐藤") == ""
    assert ascii_slug("O'Brien-Smith  Jr.") == "o-brien-smith-jr"


def test_default_period_starts_at_the_start_of_counselling(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory)
    s.couple.started_on = (NOW - timedelta(days=200)).date()
    db.add(s.couple)
    db.flush()
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert (data.period_start, data.period_from) == ((NOW - timedelta(days=200)).date(), "start of counselling")
    assert len(data.sessions) == 12


def _intakes(db: Session, s, roles: tuple[object, object], when: float = 160) -> None:  # type: ignore[no-untyped-def]
    for person, role in zip((s.a, s.b), roles, strict=True):
        submit(db, person, couple=s.couple, instrument="couples-intake", when=days_ago(when),
               answers={"my_role": role} if role is not None else {"hope_now": 3})


def test_roles_come_from_each_partners_latest_intake_in_this_couple(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory)
    _intakes(db, s, ("hurt", "involved"))
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert [(p.name, p.role) for p in data.partners] == [("Maya Okafor", "hurt"), ("Daniel Okafor", "involved")]
    # A later intake of Maya's without a role answer is her latest: her role is no longer known.
    submit(db, s.a, couple=s.couple, instrument="couples-intake", when=days_ago(5), answers={"hope_now": 3})
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert [p.role for p in data.partners] == [None, "involved"]


def test_no_roles_when_both_chose_both_or_unsure(db: Session, factory: Factory) -> None:
    s = realistic_couple(db, factory)
    _intakes(db, s, ("both", "unsure"))
    data = build_report_input(db, actor=s.counselor, couple_id=s.couple.id, now=NOW)
    assert [p.role for p in data.partners] == [None, None]
    html = preview_html(db, actor=s.counselor, couple_id=s.couple.id)
    assert "hurt partner" not in html and "broke trust" not in html
