"""A whole clinical record, dated in the past, for the retention and erasure tests.

Every free-text field holds a marker (``SECRET…``), so a test can prove no clinical text reaches
an audit entry."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from app.clients.models import Client, Couple
from app.outreach.models import Message, Schedule
from app.questionnaires.models import (
    Administration,
    AdministrationFlag,
    FlagReview,
    LinkEvent,
    Response,
    Score,
)
from app.reports.models import Report, ReportFile
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, NoteAddendum, TherapySession

DISCHARGED = datetime(2020, 3, 10, 12, 0, tzinfo=UTC)
SECRETS = ("SECRET-NOTE", "SECRET-ADDENDUM", "SECRET-ANSWER", "SECRET-FLAG", "SECRET-REVIEW", "SECRET-AGREEMENT",
           "SECRET-CHECKIN", "SECRET-BREACH", "Jamie", "Robin", "Alex", "Rivera", "jamie@example.test")
MODELS = (TherapySession, NoteAddendum, Agreement, AgreementStatusChange, AgreementCheckIn, Administration,
          Response, Score, AdministrationFlag, FlagReview, LinkEvent, Message, Schedule, Report, ReportFile)


def at(y: int, m: int, d: int, h: int = 12, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=UTC)


def _add(db: Session, *rows):  # type: ignore[no-untyped-def]
    for row in rows:
        db.add(row)
    db.flush()
    return rows[0] if len(rows) == 1 else rows


def discharge(db: Session, client_id: int, when: datetime = DISCHARGED) -> Client:
    person = db.get(Client, client_id)
    person.status, person.discharged_at = "discharged", when
    db.add(person)
    db.commit()
    return person


def questionnaire(db: Session, counselor, *, client_id: int, couple_id: int | None, when: datetime,
                  n: int = 1) -> Administration:
    p = counselor.practice_id
    admin = _add(db, Administration(
        practice_id=p, client_id=client_id, couple_id=couple_id, counselor_id=counselor.id,
        instrument_id="trust-rebuilding", instrument_version=1, definition_checksum="x" * 64, mode="in_session",
        status="submitted", created_at=when, submitted_at=when))
    _add(db, Response(practice_id=p, administration_id=admin.id, item_id="t1", value="SECRET-ANSWER"),
         Score(practice_id=p, administration_id=admin.id, subscale="trust", mean=3.25, scored=True),
         LinkEvent(practice_id=p, administration_id=admin.id, kind="opened", at=when))
    flag = _add(db, AdministrationFlag(practice_id=p, administration_id=admin.id, client_id=client_id,
                                       couple_id=couple_id, item_id="t1", severity="high", message="SECRET-FLAG",
                                       raised_at=when))
    _add(db, FlagReview(practice_id=p, flag_id=flag.id, action="resolved", note="SECRET-REVIEW", by_id=counselor.id,
                        at=when),
         Message(practice_id=p, client_id=client_id, couple_id=couple_id, administration_id=admin.id,
                 key=f"k-{admin.id}-{n}", due_at=when, status="sent"))
    return admin


def full_couple_record(db: Session, factory, counselor, *, discharged: datetime = DISCHARGED) -> Couple:
    year = discharged.year
    """A discharged couple (both partners too) with one of everything, all before ``discharged``."""
    couple = factory.couple(counselor, breach_summary="SECRET-BREACH", disclosed_on=date(year - 1, 1, 2))
    p = counselor.practice_id
    for partner in (couple.partner_a_id, couple.partner_b_id):
        discharge(db, partner, discharged)
    s = _add(db, TherapySession(practice_id=p, counselor_id=counselor.id, couple_id=couple.id,
                                starts_at=at(year, 3, 1), attendee_ids=[couple.partner_a_id, couple.partner_b_id],
                                note_data="SECRET-NOTE", status="signed", signed_by_id=counselor.id,
                                signed_at=at(year, 3, 1, 14), created_at=at(year, 3, 1)))
    _add(db, NoteAddendum(practice_id=p, session_id=s.id, author_id=counselor.id, text="SECRET-ADDENDUM",
                          created_at=at(year, 3, 2)))
    agreement = _add(db, Agreement(practice_id=p, couple_id=couple.id, kind="boundary", title="SECRET-AGREEMENT",
                                   details="SECRET-AGREEMENT", created_by_id=counselor.id, created_at=at(year, 1, 5),
                                   updated_at=at(year, 1, 5)))
    _add(db, AgreementStatusChange(practice_id=p, agreement_id=agreement.id, to_status="active", note="SECRET-CHECKIN",
                                   changed_by_id=counselor.id, changed_at=at(year, 1, 5)),
         AgreementCheckIn(practice_id=p, agreement_id=agreement.id, session_id=s.id, outcome="kept",
                          comment="SECRET-CHECKIN", recorded_by_id=counselor.id, created_at=at(year, 3, 1)))
    for partner in (couple.partner_a_id, couple.partner_b_id):
        questionnaire(db, counselor, client_id=partner, couple_id=couple.id, when=at(year, 2, 1))
    report = _add(db, Report(practice_id=p, couple_id=couple.id, generated_by_id=counselor.id,
                             generated_at=at(year, 3, 3), period_start=date(year, 1, 1), period_end=date(year, 3, 1),
                             checksum="0" * 64, size_bytes=10, filename="r.pdf"))
    _add(db, ReportFile(report_id=report.id, pdf=b"%PDF SECRET-NOTE"),
         Schedule(practice_id=p, counselor_id=counselor.id, couple_id=couple.id, instrument_id="trust-rebuilding",
                  rule="once", starts_on=date(year, 1, 1), status="ended"))
    couple.status, couple.updated_at = "discharged", discharged
    db.add(couple)
    db.commit()
    return couple


def individual_record(db: Session, factory, counselor, *, discharged: datetime = DISCHARGED, **extra) -> Client:
    year = discharged.year
    """A discharged client with a signed individual session and a submitted questionnaire."""
    person = factory.client(counselor, email="alex@example.test", phone="555", date_of_birth=date(1980, 5, 6),
                            **extra)
    _add(db, TherapySession(practice_id=counselor.practice_id, counselor_id=counselor.id, client_id=person.id,
                            starts_at=at(year, 2, 20), attendee_ids=[person.id], note_data="SECRET-NOTE",
                            status="signed", signed_by_id=counselor.id, signed_at=at(year, 2, 20, 14)))
    questionnaire(db, counselor, client_id=person.id, couple_id=None, when=at(year, 2, 1))
    db.commit()
    return discharge(db, person.id, discharged)


def count_rows(db: Session) -> dict[str, int]:
    from sqlmodel import func, select

    db.rollback()
    db.expire_all()
    return {m.__tablename__: db.exec(select(func.count()).select_from(m)).one() for m in MODELS}
