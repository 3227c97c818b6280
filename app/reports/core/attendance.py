"""Attendance, agreements and flags sections of the report context (pure)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.reports.core.inputs import AgreementInput, FlagInput, PartnerInput, SafetyInput, SessionInput
from app.scoring.flags import SEVERITY_ORDER

#: Session statuses (the session's attendance) that mean it did not take place, counted
#: apart. Anything else ("held", "completed", a note's "draft"/"signed") counts as held, so
#: a new status from the sessions package errs towards showing the session.
CANCELLED_STATUSES = frozenset({"cancelled", "canceled"})
NO_SHOW_STATUSES = frozenset({"no_show"})
NOT_HELD_STATUSES = CANCELLED_STATUSES | NO_SHOW_STATUSES
#: Sessions booked ahead that haven't happened: not part of attendance at all (``reports.gather``
#: leaves them out already; a planned session that reaches the core is dropped here too).
NOT_YET_STATUSES = frozenset({"planned", "scheduled"})

MODALITY_ORDER = ("in_person", "video", "phone")

#: A "partly" check-in counts half: the couple tried and partly managed, which
#: a counselor reads as better than not kept and worse than kept.
CHECKIN_WEIGHTS = {"kept": 1.0, "partly": 0.5, "not_kept": 0.0}


@dataclass(frozen=True)
class SessionLine:
    """One session in the timeline."""

    on: date
    modality: str
    duration_minutes: int
    attendees: str
    held: bool
    status: str


@dataclass(frozen=True)
class Attendance:
    """Sessions in the report period."""

    held: int
    not_held: int  # cancelled + no_show
    cancelled: int
    no_show: int
    by_modality: tuple[tuple[str, int], ...]  # (modality, count), fixed order
    total_hours: float
    longest_gap_days: int | None  # None with fewer than two held sessions
    days_since_last: int | None  # as of the report's "as of" date
    last_session_on: date | None
    timeline: tuple[SessionLine, ...]


@dataclass(frozen=True)
class AgreementRow:
    """One agreement with its check-in tally."""

    kind: str
    title: str
    status: str
    kept: int
    partly: int
    not_kept: int
    checkins: int
    kept_rate: float | None  # None when there are no check-ins yet


@dataclass(frozen=True)
class Agreements:
    """All agreements plus counts by status."""

    rows: tuple[AgreementRow, ...]
    by_status: tuple[tuple[str, int], ...]
    overall_kept_rate: float | None


@dataclass(frozen=True)
class FlagRow:
    """An open flag, with the partner's name resolved."""

    partner: str
    raised_on: date
    severity: str
    message: str
    times: int = 1
    first_raised_on: date | None = None


@dataclass(frozen=True)
class SafetyRow:
    """A person's latest safety reading, with their name resolved."""

    partner: str
    label: str
    text: str
    concern: bool
    on: date


def _attendee_text(attendees: Sequence[str], partners: Sequence[PartnerInput]) -> str:
    """Turn partner labels into names; "Both partners" when everyone came."""
    names = {p.label: p.name for p in partners}
    if len(partners) > 1 and set(attendees) >= set(names):
        return "Both partners"
    return ", ".join(names.get(a, a) for a in attendees) or "—"


def build_attendance(
    sessions: Sequence[SessionInput],
    partners: Sequence[PartnerInput],
    *,
    period_start: date,
    period_end: date,
    as_of: date,
) -> Attendance:
    """Count sessions in [period_start, period_end] (held, cancelled, no-show; planned ones are
    left out) and measure the gaps between the held ones."""
    in_period = sorted(
        (s for s in sessions if period_start <= s.start.date() <= period_end and s.status not in NOT_YET_STATUSES),
        key=lambda s: s.start,
    )
    held = [s for s in in_period if s.status not in NOT_HELD_STATUSES]
    counts = {m: 0 for m in MODALITY_ORDER}
    for s in held:
        counts[s.modality] = counts.get(s.modality, 0) + 1
    days = [s.start.date() for s in held]
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    timeline = tuple(
        SessionLine(
            on=s.start.date(),
            modality=s.modality,
            duration_minutes=s.duration_minutes,
            attendees=_attendee_text(s.attendees, partners),
            held=s.status not in NOT_HELD_STATUSES,
            status=s.status,
        )
        for s in in_period
    )
    return Attendance(
        held=len(held),
        not_held=len(in_period) - len(held),
        cancelled=sum(s.status in CANCELLED_STATUSES for s in in_period),
        no_show=sum(s.status in NO_SHOW_STATUSES for s in in_period),
        by_modality=tuple(counts.items()),
        total_hours=sum(s.duration_minutes for s in held) / 60,
        longest_gap_days=max(gaps) if gaps else None,
        days_since_last=(as_of - days[-1]).days if days else None,
        last_session_on=days[-1] if days else None,
        timeline=timeline,
    )


def _agreement_row(agreement: AgreementInput) -> AgreementRow:
    tally = {key: 0 for key in CHECKIN_WEIGHTS}
    for checkin in agreement.checkins:
        if checkin in tally:
            tally[checkin] += 1
    total = sum(tally.values())
    weighted = sum(CHECKIN_WEIGHTS[k] * n for k, n in tally.items())
    return AgreementRow(
        kind=agreement.kind,
        title=agreement.title,
        status=agreement.status,
        kept=tally["kept"],
        partly=tally["partly"],
        not_kept=tally["not_kept"],
        checkins=total,
        kept_rate=weighted / total if total else None,
    )


def build_agreements(agreements: Sequence[AgreementInput]) -> Agreements:
    """Tally check-ins per agreement (kept 1, partly 0.5, not kept 0) and overall."""
    rows = tuple(_agreement_row(a) for a in agreements)
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    total = sum(r.checkins for r in rows)
    weighted = sum(r.kept + 0.5 * r.partly for r in rows)
    return Agreements(
        rows=rows,
        by_status=tuple(by_status.items()),
        overall_kept_rate=weighted / total if total else None,
    )


def build_safety(readings: Sequence[SafetyInput], partners: Sequence[PartnerInput]) -> tuple[SafetyRow, ...]:
    """Each person's latest safety reading, concerns first, with the person's name as shown."""
    names = {p.label: p.name for p in partners}
    rows = [SafetyRow(partner=names.get(r.partner_label, r.partner_label), label=r.label, text=r.text,
                      concern=r.concern, on=r.at.date()) for r in readings]
    return tuple(sorted(rows, key=lambda r: not r.concern))


def build_flags(
    flags: Sequence[FlagInput], partners: Sequence[PartnerInput]
) -> tuple[FlagRow, ...]:
    """Open flags, most severe first, then newest first within a severity.

    The same alert raised again at each assessment is one row with a count, so a
    recurring concern reads as recurring instead of filling a page with copies.
    """
    names = {p.label: p.name for p in partners}
    groups: dict[tuple[str, str, str], list[FlagInput]] = {}
    for flag in flags:
        groups.setdefault((flag.partner_label, flag.severity, flag.message), []).append(flag)
    rows = []
    for (label, severity, message), same in groups.items():
        dates = sorted(f.raised_at for f in same)
        rows.append(FlagRow(
            partner=names.get(label, label), raised_on=dates[-1].date(), severity=severity,
            message=message, times=len(same), first_raised_on=dates[0].date(),
        ))
    rank = {r: SEVERITY_ORDER.get(r.severity, len(SEVERITY_ORDER)) for r in rows}
    return tuple(sorted(rows, key=lambda r: (rank[r], -r.raised_on.toordinal())))
