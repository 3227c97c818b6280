"""Read one couple's or client's records into a ``ReportInput``.

Every section is one query (or two) over the whole period, using ``IN`` and
grouping, so a report costs the same number of queries whether the couple has
3 sessions or 300. Times are read in the practice's time zone, so "the period"
and "the day of a session" mean what the counselor means by them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, func, select

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.clients.service import get_client, get_couple
from app.db import utcnow
from app.errors import InvalidField
from app.practice.models import Practice
from app.questionnaires.models import AdministrationFlag
from app.reports.gather_scores import assessments_and_subscales, intake_highlights
from app.reports.inputs import (
    AgreementInput,
    FlagInput,
    Paper,
    PartnerInput,
    ReportInput,
    SessionInput,
)
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, TherapySession

DEFAULT_PERIOD_DAYS = 90
PARTNER_LABELS = ("Partner A", "Partner B")
CLIENT_LABEL = "Client"


@dataclass(frozen=True)
class Subject:
    """Who a report is about, already checked against the actor's practice and caseload."""

    kind: Literal["couple", "client"]
    practice: Practice
    counselor: Counselor  # the couple's (or client's) counselor, named on the report
    couple: Couple | None
    client: Client | None
    people: tuple[Client, ...]  # partner A then B, or the one client
    labels: dict[int, str]  # client id -> "Partner A" / "Partner B" / "Client"
    zone: ZoneInfo

    @property
    def subject_id(self) -> int:
        """The couple's or client's id."""
        row = self.couple if self.couple is not None else self.client
        assert row is not None and row.id is not None
        return row.id

    @property
    def client_ids(self) -> list[int]:
        """Ids of everyone in the report."""
        return [p.id for p in self.people if p.id is not None]

    @property
    def name(self) -> str:
        """"Maya & Daniel Okafor" when partners share a surname, else both full names."""
        if self.kind == "client":
            return self.people[0].display_name
        a, b = self.people
        if a.last_name == b.last_name:
            return f"{a.preferred_name or a.first_name} & {b.display_name}"
        return f"{a.display_name} & {b.display_name}"

    @property
    def slug(self) -> str:
        """ASCII file-name part: the shared surname, both surnames, or the client's name."""
        if self.kind == "client":
            words = [self.people[0].last_name, self.people[0].first_name]
        else:
            words = list(dict.fromkeys(p.last_name for p in self.people))
        return ascii_slug(" ".join(words)) or f"{self.kind}-{self.subject_id}"


def ascii_slug(text: str) -> str:
    """``Zoë Ågren`` -> ``zoe-agren``; letters outside ASCII without a base letter are dropped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c.lower() if c.isalnum() else " " for c in plain).split()
    return "-".join(words)[:60].strip("-")


def report_filename(subject: Subject, period_end: date) -> str:
    """E.g. ``mend-report-okafor-2026-11-25.pdf``."""
    return f"mend-report-{subject.slug}-{period_end.isoformat()}.pdf"


# --- subject and period ----------------------------------------------------------


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def load_subject(
    session: Session, *, actor: Counselor, couple_id: int | None, client_id: int | None
) -> Subject:
    """The couple or client, scoped to the actor (another practice's is a NotFound)."""
    if (couple_id is None) == (client_id is None):
        raise ValueError("give exactly one of couple_id and client_id")
    if couple_id is not None:
        couple = get_couple(session, actor=actor, couple_id=couple_id)
        ids = (couple.partner_a_id, couple.partner_b_id)
        found = {c.id: c for c in session.exec(select(Client).where(col(Client.id).in_(ids))).all()}
        people = tuple(found[i] for i in ids)
        labels = dict(zip(ids, PARTNER_LABELS, strict=True))
        owner_id, practice_id, client = couple.counselor_id, couple.practice_id, None
    else:
        assert client_id is not None
        client = get_client(session, actor=actor, client_id=client_id)
        people, labels, couple = (client,), {client_id: CLIENT_LABEL}, None
        owner_id, practice_id = client.counselor_id, client.practice_id
    practice = session.get(Practice, practice_id)
    counselor = actor if actor.id == owner_id else session.get(Counselor, owner_id)
    assert practice is not None and counselor is not None  # foreign keys
    return Subject(
        kind="couple" if couple is not None else "client", practice=practice,
        counselor=counselor, couple=couple, client=client, people=people, labels=labels,
        zone=_zone(practice.timezone),
    )


def resolve_period(
    period_start: date | None, period_end: date | None, *, today: date
) -> tuple[date, date]:
    """Fill the default period (90 days up to today); a future end is clamped to today."""
    if period_start is not None and period_start > today:
        raise InvalidField("period_start", "The period cannot start in the future")
    end = min(period_end, today) if period_end is not None else today
    start = period_start if period_start is not None else end - timedelta(days=DEFAULT_PERIOD_DAYS)
    if period_end is not None and period_end < start:
        raise InvalidField("period_end", "The period must end on or after its start date")
    if start.year < 1900:
        raise InvalidField("period_start", "The period start looks wrong")
    return start, end


def _utc_bounds(zone: ZoneInfo, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the practice's zone, as UTC instants."""
    lo = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return lo, hi


# --- sections --------------------------------------------------------------------


def _sessions(session: Session, subject: Subject, lo: datetime, hi: datetime) -> list[SessionInput]:
    owner = (
        TherapySession.couple_id == subject.subject_id
        if subject.kind == "couple"
        else TherapySession.client_id == subject.subject_id
    )
    rows = session.exec(
        select(TherapySession)
        .where(owner, col(TherapySession.starts_at) >= lo, col(TherapySession.starts_at) < hi)
        .order_by(col(TherapySession.starts_at))
    ).all()
    return [
        SessionInput(
            start=row.starts_at.astimezone(subject.zone),
            duration_minutes=row.duration_minutes,
            modality=row.modality,
            attendees=tuple(subject.labels[i] for i in row.attendee_ids if i in subject.labels),
            status=row.status,
        )
        for row in rows
    ]


def _agreements(
    session: Session, subject: Subject, lo: datetime, hi: datetime
) -> list[AgreementInput]:
    """Agreements that mattered in the period: active ones, ones checked in on, ones that changed."""
    if subject.couple is None:
        return []  # agreements belong to couples
    rows = session.exec(
        select(Agreement)
        .where(Agreement.couple_id == subject.subject_id, col(Agreement.created_at) < hi)
        .order_by(col(Agreement.created_at), col(Agreement.id))
    ).all()
    ids = [row.id for row in rows]
    if not ids:
        return []
    checkins: dict[int, list[str]] = {i: [] for i in ids if i is not None}
    for agreement_id, outcome in session.exec(
        select(AgreementCheckIn.agreement_id, AgreementCheckIn.outcome)
        .join(TherapySession, col(TherapySession.id) == AgreementCheckIn.session_id)
        .where(col(AgreementCheckIn.agreement_id).in_(ids))
        .where(col(TherapySession.starts_at) >= lo, col(TherapySession.starts_at) < hi)
        .order_by(col(TherapySession.starts_at))
    ):
        checkins[agreement_id].append(outcome)
    last_change = dict(session.exec(
        select(AgreementStatusChange.agreement_id, func.max(AgreementStatusChange.changed_at))
        .where(col(AgreementStatusChange.agreement_id).in_(ids))
        .group_by(col(AgreementStatusChange.agreement_id))
    ).all())
    return [
        AgreementInput(kind=row.kind, title=row.title, status=row.status, checkins=checkins[row.id])
        for row in rows
        if row.id is not None and _relevant(row, checkins[row.id], last_change.get(row.id), lo)
    ]


def _relevant(row: Agreement, checkins: Sequence[str], changed: datetime | None, lo: datetime) -> bool:
    if row.status == "active" or checkins:
        return True
    # Closed before the period began and not touched since: belongs to an older report.
    return changed is not None and _aware(changed) >= lo


def _aware(value: datetime) -> datetime:
    # func.max() returns the column's raw value, which bypasses UTCDateTime on some drivers.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _flags(session: Session, subject: Subject) -> list[FlagInput]:
    """Every open flag of these clients: a safety concern is shown whatever period is asked for."""
    rows = session.exec(
        select(AdministrationFlag).where(
            col(AdministrationFlag.client_id).in_(subject.client_ids),
            col(AdministrationFlag.resolved_at).is_(None),
        )
    ).all()
    return [
        FlagInput(
            partner_label=subject.labels[row.client_id],
            raised_at=row.raised_at.astimezone(subject.zone),
            severity=row.severity,
            message=row.message,
        )
        for row in rows
    ]


# --- the whole input -------------------------------------------------------------


def gather_report(
    session: Session,
    *,
    actor: Counselor,
    couple_id: int | None = None,
    client_id: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    summary: str | None = None,
    paper: Paper = "A4",
    now: datetime | None = None,
) -> tuple[Subject, ReportInput]:
    """Load everything one report shows; the subject says whose records these are."""
    subject = load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    generated_at = (now or utcnow()).astimezone(subject.zone)
    start, end = resolve_period(period_start, period_end, today=generated_at.date())
    lo, hi = _utc_bounds(subject.zone, start, end)
    assessments, subscales = assessments_and_subscales(
        session, subject=subject, before=hi, zone=subject.zone
    )
    couple = subject.couple
    data = ReportInput(
        practice_name=subject.practice.name,
        counselor_name=subject.counselor.full_name,
        generated_by=actor.full_name,
        subject_kind=subject.kind,
        subject_name=subject.name,
        partners=tuple(PartnerInput(subject.labels[p.id], p.display_name) for p in subject.people),
        period_start=start,
        period_end=end,
        generated_at=generated_at,
        breach_type=couple.breach_type if couple else None,
        disclosed_on=couple.disclosed_on if couple else None,
        sessions=_sessions(session, subject, lo, hi),
        assessments=assessments,
        subscales=subscales,
        agreements=_agreements(session, subject, lo, hi),
        flags=_flags(session, subject),
        intake_highlights=intake_highlights(session, subject=subject),
        summary=(summary or "").strip() or None,
        paper=paper,
    )
    return subject, data
