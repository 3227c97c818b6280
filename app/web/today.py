"""The dashboard's reading of a counselor's day: today's sessions first (each couple's latest
change and open flags one click away), then what waits on the counselor, each row saying in
words why it is listed.

Everything here reads the actor's caseload (an owner: the practice) in a few queries for the
whole page; the score lines are read per couple, for today's sessions only (a handful).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients.subjects import load_subject
from app.db import utcnow
from app.questionnaires.scores.history import score_histories
from app.reports.core.formatting import day
from app.sessions.models import TherapySession
from app.sessions.service import as_utc, session_visible
from app.web import lookups

#: A draft older than this is listed as "overdue" for signing (notes are best signed the same week).
DRAFT_DAYS_LATE = 7
SHOWN = 50


@dataclass(frozen=True)
class Day:
    """Today in the practice's zone: its midnight-to-midnight window, in UTC-aware datetimes."""

    zone: ZoneInfo
    start: datetime
    end: datetime

    @classmethod
    def of(cls, zone: ZoneInfo, now: datetime | None = None) -> Day:
        local = (now or utcnow()).astimezone(zone)
        start = datetime.combine(local.date(), time(), tzinfo=zone)
        return cls(zone, start, datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=zone))


@dataclass(frozen=True)
class ScoreLine:
    """One partner's latest reading of one questionnaire: counts of subscales by change."""

    name: str
    title: str
    improvement: int
    deterioration: int
    no_change: int
    too_early: int
    held_back: bool

    @property
    def words(self) -> str:
        parts = [f"{n} {w}" for n, w in ((self.improvement, "reliably better"), (self.deterioration, "reliably worse"),
                                         (self.no_change, "no reliable change"), (self.too_early, "too early to tell"))
                 if n]
        text = ", ".join(parts) or "no scores yet"
        return f"{text}; held back: see safety alert" if self.held_back else text


@dataclass(frozen=True)
class TodayRow:
    """A session today, with what the counselor may want before it."""

    session: TherapySession
    name: str
    clock: str  # "14:00", practice zone
    flags: int
    scores: list[ScoreLine]


@dataclass(frozen=True)
class Waiting:
    """A session whose paperwork waits on the counselor, and why in words."""

    session: TherapySession
    name: str
    why: str
    late: bool


def todays_sessions(session: Session, me: Counselor, today: Day) -> list[TodayRow]:
    """Every session starting today, whatever its attendance, earliest first."""
    rows = list(session.exec(
        select(TherapySession)
        .where(session_visible(me), col(TherapySession.starts_at) >= today.start,
               col(TherapySession.starts_at) < today.end)
        .order_by(col(TherapySession.starts_at), col(TherapySession.id)).limit(SHOWN)
    ).all())
    names = lookups.session_names(session, rows)
    return [TodayRow(s, names.get(s.id or 0, ""), as_utc(s.starts_at).astimezone(today.zone).strftime("%H:%M"),
                     *_before_session(session, me, s)) for s in rows]


def weekday_time(value: datetime, zone: ZoneInfo) -> str:
    """``Wed 2 Dec, 10:00``: the week ahead reads by weekday."""
    local = as_utc(value).astimezone(zone)
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}, {local.strftime('%H:%M')}"


def _before_session(session: Session, me: Counselor, s: TherapySession) -> tuple[int, list[ScoreLine]]:
    """Open flags and score lines for a session's couple or client (the couple page's reading)."""
    subject = load_subject(session, actor=me, couple_id=s.couple_id, client_id=s.client_id)
    flags = lookups.subject_flags(session, subject)
    views = lookups.score_views(score_histories(session, subject=subject), flags)
    names = {p.id: p.display_name for p in subject.people}
    lines = []
    for view in views:
        for cid in view.history.client_ids:
            h = view.headline[cid]
            if not (h.total or h.held_back):
                continue  # this partner has not answered this one: nothing to read
            lines.append(ScoreLine(names.get(cid, ""), view.history.title, h.improvement, h.deterioration,
                                   h.no_change, h.too_early, bool(h.held_back)))
    return len(flags), lines


def paperwork(session: Session, me: Counselor, today: Day, now: datetime | None = None) -> list[Waiting]:
    """Held sessions whose note is still a draft, and past planned sessions never marked, oldest first."""
    now = now or utcnow()
    rows = list(session.exec(
        select(TherapySession)
        .where(session_visible(me), col(TherapySession.starts_at) < now,
               ((TherapySession.attendance == "held") & (TherapySession.status == "draft"))
               | ((TherapySession.attendance == "planned") & (col(TherapySession.starts_at) < today.start)))
        .order_by(col(TherapySession.starts_at), col(TherapySession.id)).limit(SHOWN)
    ).all())
    names = lookups.session_names(session, rows)
    return [Waiting(s, names.get(s.id or 0, ""), *_why(s, today, now)) for s in rows]


def _why(s: TherapySession, today: Day, now: datetime) -> tuple[str, bool]:
    started = as_utc(s.starts_at)
    age = (now - started).days
    when = f"{day(started, today.zone.key)}, {_ago(age)}"
    if s.attendance == "planned":
        return f"Planned for {when}, never marked held, cancelled or a no-show", True
    return f"Note unsigned: held {when}", age >= DRAFT_DAYS_LATE


def _ago(days: int) -> str:
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
