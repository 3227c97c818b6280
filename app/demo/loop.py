"""The demo's measurement loop: schedules already running, so the outbox has messages to pass on."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.clients.models import Couple
from app.db import utcnow
from app.outreach.models import Schedule
from app.outreach.sending import sweep
from app.practice.models import Practice

#: Plain words for the subject line: the practice's name says "Counselling", which a shared inbox must not show.
DEMO_MAIL_NAME = "Harbour Lane (demo)"


def add_schedules(session: Session, *, couple: Couple, index: int) -> None:
    """Every couple: the trust inventory every 3 weeks, and a check-in a day before each planned session.

    Start dates are staggered so that on the day the demo is made some inventories are due
    (in the outbox at once), some next week, and the check-ins follow the planned sessions.
    """
    today = utcnow().date()
    common = {"practice_id": couple.practice_id, "counselor_id": couple.counselor_id, "couple_id": couple.id}
    session.add(Schedule(**common, instrument_id="trust-rebuilding", rule="every_weeks", every=3,
                         starts_on=today - timedelta(days=7 * (index % 3))))
    session.add(Schedule(**common, instrument_id="session-checkin", rule="before_session", days_before=1,
                         starts_on=today))
    session.flush()


def start_loop(session: Session, practice: Practice) -> None:
    """Give the practice a plain mail name and run the first sweep, as the worker would."""
    practice.mail_name = DEMO_MAIL_NAME
    session.add(practice)
    session.flush()
    sweep(session)
