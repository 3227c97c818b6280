"""When a schedule's questionnaire is due (pure: plain values in, plain values out, no clock).

A schedule's rule makes *occurrences*, each with a key that names it for good ("w3": the fourth
every-N-weeks date, "s2": after the second block of N held sessions, "p17": before planned
session 17, "once"). Sending is idempotent on that key, so a sweep that runs twice, or after
a crash, makes nothing twice. When several occurrences were missed (a worker down for weeks, a
pause) only the latest is sent: a client gets one questionnaire, never a backlog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: A dated send (once, every N weeks) goes out at this local hour, never at midnight.
SEND_HOUR = 9


@dataclass(frozen=True)
class Rule:
    """A schedule's rule, as plain values."""

    rule: str  # once | every_weeks | every_sessions | before_session
    starts_on: date
    every: int | None = None
    days_before: int | None = None
    ends_on: date | None = None
    skip_before: datetime | None = None
    # When the schedule was set up: a send dated that same day goes at once, not at 09:00, since
    # a counselor who says "once, today" before nine means now.
    created_at: datetime | None = None


@dataclass(frozen=True)
class Occurrence:
    key: str
    due_at: datetime  # UTC
    session_id: int | None = None
    session_starts_at: datetime | None = None


@dataclass(frozen=True)
class NextDue:
    """What the couple page says is due next: a time, or a count of sessions still to hold."""

    at: datetime | None
    sessions_to_go: int | None = None


def _local_send_time(day: date, zone: ZoneInfo, created_at: datetime | None = None) -> datetime:
    at = datetime.combine(day, time(SEND_HOUR), tzinfo=zone).astimezone(UTC)
    if created_at is not None and created_at.astimezone(zone).date() == day:
        return min(at, created_at)
    return at


def _starts(rule: Rule, zone: ZoneInfo) -> datetime:
    return datetime.combine(rule.starts_on, time(0), tzinfo=zone).astimezone(UTC)


def _in_window(rule: Rule, due_at: datetime, zone: ZoneInfo) -> bool:
    if rule.ends_on is not None and due_at.astimezone(zone).date() > rule.ends_on:
        return False
    return rule.skip_before is None or due_at >= rule.skip_before


def occurrences(rule: Rule, *, zone: ZoneInfo, held: Sequence[datetime],
                planned: Sequence[tuple[int, datetime]], until: datetime) -> list[Occurrence]:
    """Every occurrence due at or before ``until``, oldest first.

    ``held`` are the starts of held sessions, ``planned`` (id, start) of planned ones; both may
    include sessions before the schedule starts (they are ignored here).
    """
    found: list[Occurrence] = []
    if rule.rule == "once":
        found = [Occurrence("once", _local_send_time(rule.starts_on, zone, rule.created_at))]
    elif rule.rule == "every_weeks":
        step = timedelta(weeks=max(rule.every or 1, 1))
        k, day = 0, rule.starts_on
        while (due := _local_send_time(day, zone, rule.created_at)) <= until:
            found.append(Occurrence(f"w{k}", due))
            k, day = k + 1, day + step
    elif rule.rule == "every_sessions":
        every = max(rule.every or 1, 1)
        counted = sorted(t for t in held if t >= _starts(rule, zone))
        found = [Occurrence(f"s{n // every}", counted[n - 1]) for n in range(every, len(counted) + 1, every)]
    elif rule.rule == "before_session":
        ahead = timedelta(days=rule.days_before or 0)
        found = sorted((Occurrence(f"p{sid}", starts - ahead, sid, starts) for sid, starts in planned
                        if starts >= _starts(rule, zone)), key=lambda o: o.due_at)
    return [o for o in found if o.due_at <= until and _in_window(rule, o.due_at, zone)]


def due_now(rule: Rule, *, zone: ZoneInfo, held: Sequence[datetime], planned: Sequence[tuple[int, datetime]],
            now: datetime, made: set[str]) -> Occurrence | None:
    """The occurrence to send now, if any: the latest one due, unless it was made already.

    A before-session send whose session has started is never sent late.
    """
    due = occurrences(rule, zone=zone, held=held, planned=planned, until=now)
    if rule.rule == "before_session":
        due = [o for o in due if o.session_starts_at is not None and o.session_starts_at > now]
    if not due or due[-1].key in made:
        return None
    return due[-1]


def next_due(rule: Rule, *, zone: ZoneInfo, held: Sequence[datetime], planned: Sequence[tuple[int, datetime]],
             now: datetime) -> NextDue | None:
    """The first occurrence after ``now``; None when the schedule has nothing more to send."""
    if rule.rule == "every_sessions":
        every = max(rule.every or 1, 1)
        counted = sum(1 for t in held if t >= _starts(rule, zone))
        return NextDue(None, sessions_to_go=every - counted % every)
    start = max(now, _starts(rule, zone))  # a schedule that starts later looks from its start
    horizon = start + timedelta(days=400)
    if rule.rule == "every_weeks" and rule.ends_on is None:
        horizon = start + timedelta(weeks=max(rule.every or 1, 1) + 1)
    later = [o for o in occurrences(rule, zone=zone, held=held, planned=planned, until=horizon) if o.due_at > now]
    return NextDue(later[0].due_at) if later else None


def reminder_times(*, first_sent_at: datetime, expires_at: datetime, after_days: int | None,
                   before_days: int | None, limit: int = 2) -> list[tuple[str, datetime]]:
    """When to remind a client of a link not sent back: (slot, time), at most ``limit``.

    ``after``: N days after the first message; ``before``: N days before the link expires. A
    reminder that would fall before the first message or after expiry is dropped, and two
    within a day of each other are one (the earlier), so a short link never sends two at once.
    """
    slots: list[tuple[str, datetime]] = []
    if after_days:
        slots.append(("after", first_sent_at + timedelta(days=after_days)))
    if before_days:
        slots.append(("before", expires_at - timedelta(days=before_days)))
    kept: list[tuple[str, datetime]] = []
    for slot, at in sorted(slots, key=lambda s: s[1]):
        if at <= first_sent_at or at >= expires_at:
            continue
        if kept and at - kept[-1][1] < timedelta(days=1):
            continue
        kept.append((slot, at))
    return kept[:limit]
