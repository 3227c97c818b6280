"""A demo practice: an owner, two counselors, six couples with months of history."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from app.auth.models import Counselor
from app.auth.schemas import CounselorCreate
from app.auth.service import create_counselor
from app.clients.schemas import ClientCreate, CoupleCreate
from app.clients.service import create_client, create_couple
from app.db import utcnow
from app.demo.assessments import add_assessments
from app.demo.loop import add_schedules, start_loop
from app.practice.models import Practice
from app.practice.service import create_practice
from app.sessions import agreements, service
from app.sessions.schemas import AgreementCreate, AgreementUpdate, Attendance, CheckInCreate, SessionCreate

DEMO_PRACTICE = "Harbour Lane Counselling (demo)"
DEMO_LOGINS = [
    ("owner@harbourlane-demo.com", "demo-owner-pass", "owner"),
    ("sam@harbourlane-demo.com", "demo-counselor-pass", "counselor"),
    ("ines@harbourlane-demo.com", "demo-counselor-pass", "counselor"),
]
_STAFF_NAMES = {"owner": "Ruth Mensah", "sam": "Sam Okonjo", "ines": "Inês Carvalho"}
_NAMES = [
    ("Maya", "Okafor"), ("Daniel", "Okafor"), ("Zoë", "Ågren"), ("Lukas", "Ågren"),
    ("Priya", "Raman"), ("Arjun", "Raman"), ("Hana", "Sato"), ("Kenji", "Sato"),
    ("Fatima", "Haddad"), ("Omar", "Haddad"), ("Claire", "Dubois"), ("Julien", "Martin"),
]
_BREACHES = ["infidelity", "emotional_affair", "financial_betrayal", "deception",
             "addiction", "infidelity"]
_AGREEMENTS = [
    ("boundary", "No contact with the affair partner", "Any contact attempt is shared the same day."),
    ("transparency_practice", "Phones open to each other", "Either partner may look on request."),
    ("rule", "Weekly check-in on Sunday evening", "Thirty minutes, phones away."),
    ("amend", "Write a letter of acknowledgement", "Read aloud in session."),
]


def ensure_demo(session: Session, *, seed: int = 7) -> bool:
    """Create the demo practice unless it exists; return True if it was created."""
    if session.exec(select(Practice).where(Practice.name == DEMO_PRACTICE)).first():
        return False
    rng = random.Random(seed)
    practice = create_practice(session, name=DEMO_PRACTICE, timezone="Europe/London")
    staff = [_counselor(session, practice.id, email, pw, role) for email, pw, role in DEMO_LOGINS]
    for index in range(6):
        counselor = staff[1 + index % 2]
        _couple_with_history(session, counselor, index, rng)
    start_loop(session, practice)
    return True


def _counselor(session: Session, practice_id: int, email: str, password: str, role: str) -> Counselor:
    name = _STAFF_NAMES[email.split("@")[0]]
    data = CounselorCreate(email=email, full_name=name, password=password, role=role)
    return create_counselor(session, practice_id=practice_id, data=data, actor=None)


def _couple_with_history(session: Session, counselor: Counselor, index: int, rng: random.Random) -> None:
    (fa, la), (fb, lb) = _NAMES[2 * index], _NAMES[2 * index + 1]
    a = create_client(session, actor=counselor, data=ClientCreate(first_name=fa, last_name=la))
    b = create_client(session, actor=counselor, data=ClientCreate(first_name=fb, last_name=lb))
    months = 3 + index % 4
    start = (utcnow() - timedelta(days=30 * months)).date()
    couple = create_couple(session, actor=counselor, data=CoupleCreate(
        partner_a_id=a.id, partner_b_id=b.id, breach_type=_BREACHES[index],
        disclosed_on=start - timedelta(days=20 + index * 9), started_on=start,
    ))
    made = [agreements.create_agreement(session, actor=counselor, couple_id=couple.id,
                                        data=AgreementCreate(kind=k, title=t, details=d))
            for k, t, d in _AGREEMENTS[: 2 + index % 3]]
    sessions = _weekly_sessions(session, counselor, couple.id, start, months, rng)
    _planned_and_missed(session, counselor, couple.id, index, sessions)
    add_assessments(session, counselor=counselor, couple=couple, index=index, start=start,
                    months=months, rng=rng)
    add_schedules(session, couple=couple, index=index)
    completed = made[-1] if index % 3 == 0 and len(made) > 1 else None
    for therapy in sessions[1:]:
        for agreement in made:
            # The agreement later marked "kept" was, believably, kept along the way.
            weights = [9, 1, 0] if agreement is completed else [6, 2, 1]
            outcome = rng.choices(["kept", "partly", "not_kept"], weights=weights)[0]
            agreements.record_checkin(session, actor=counselor, agreement_id=agreement.id,
                                      data=CheckInCreate(session_id=therapy.id, outcome=outcome))
    if completed is not None:
        agreements.update_agreement(session, actor=counselor, agreement_id=completed.id,
                                    data=AgreementUpdate(status="kept", note="Completed in session"))


def _weekly_sessions(session: Session, counselor: Counselor, couple_id: int, start: date,
                     months: int, rng: random.Random) -> list:
    out = []
    for week in range(months * 4):
        day = start + timedelta(days=7 * week + rng.randint(0, 2))
        when = datetime.combine(day, time(9 + rng.randint(0, 8), 0))
        if when > utcnow().replace(tzinfo=None):
            break
        therapy = service.create_session(session, actor=counselor, data=SessionCreate(
            couple_id=couple_id, starts_at=when, duration_minutes=rng.choice([50, 60, 80]),
            modality=rng.choices(["in_person", "video", "phone"], weights=[6, 3, 1])[0],
            note_data=f"Week {week + 1}: both partners present; reviewed the week's agreements.",
            note_assessment="Engaged; some defensiveness when discussing the disclosure.",
            note_plan="Continue structured disclosure work; practise the weekly check-in.",
        ))
        out.append(therapy)
    for therapy in out[:-1]:  # the latest note stays a draft, as it would in real life
        service.sign_session(session, actor=counselor, session_id=therapy.id)
    return out


#: Two couples have a session that didn't take place (between two held ones, half way through).
_MISSED: dict[int, tuple[Attendance, str]] = {
    1: ("cancelled", "Called the evening before to cancel: a child was ill. Rebooked."),
    4: ("no_show", "Neither partner came; left a voicemail and sent the next date."),
}


def _planned_and_missed(session: Session, counselor: Counselor, couple_id: int, index: int,
                        held: list) -> None:
    """The next session, planned 1 to 6 days ahead; for two couples, a past one cancelled or missed.
    No random draws here, so the rest of the demo is the same as before."""
    ahead = (utcnow() + timedelta(days=1 + index)).date()
    service.create_session(session, actor=counselor, data=SessionCreate(
        couple_id=couple_id, starts_at=datetime.combine(ahead, time(9 + (3 * index) % 8, 0)),
        duration_minutes=50, modality=("in_person", "video")[index % 2], attendance="planned",
    ))
    if index in _MISSED and len(held) > 2:
        attendance, line = _MISSED[index]
        service.create_session(session, actor=counselor, data=SessionCreate(
            couple_id=couple_id, starts_at=held[len(held) // 2].starts_at + timedelta(days=3),
            duration_minutes=50, attendance=attendance, note_data=line,
        ))
