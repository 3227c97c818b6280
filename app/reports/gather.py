"""Read one couple's or client's records into a ``ReportInput``, through the domain services.

Each section comes from its own package's read function (sessions, agreements, flags, score
histories, intake answers and roles), each one query or two over the whole record, so a report
costs the same number of queries whether the couple has 3 sessions or 300. Sessions are read
once up to the period's end: the first one held gives the default period's start when the
record has no counselling start date (``core.period``). Times are read in the
practice's time zone, so "the period" and "the day of a session" mean what the counselor
means by them.

The audience is checked against the subject here (a couple's copy needs a couple, a partner's
copy one of its people) and then applied by the pure ``core.audience.for_audience``: what
leaves this module is only what that reader may see.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.auth.service import get_counselor
from app.clients.subjects import Subject, load_subject
from app.db import utcnow
from app.errors import InvalidField
from app.instruments.answers import answer_text
from app.instruments.catalog import default_catalog
from app.practice.service import get_practice
from app.questionnaires.administrations.service import own_context
from app.questionnaires.administrations.state import definition_for
from app.questionnaires.models import Administration
from app.questionnaires.scores.history import score_histories
from app.questionnaires.submission.flags import open_flags_of
from app.questionnaires.submission.results import latest_answers, latest_safety
from app.reports.core.audience import AudienceChoice, for_audience
from app.reports.core.formatting import zone as zone_of
from app.reports.core.inputs import (
    AgreementInput,
    Audience,
    FlagInput,
    Paper,
    PartnerInput,
    ReportInput,
    SafetyInput,
    SessionInput,
)
from app.reports.core.period import default_start
from app.reports.core.roles import ROLE_ITEM, intake_roles
from app.scoring.history import ScoreHistory
from app.sessions.agreements import AgreementRecord, agreement_records
from app.sessions.models import TherapySession
from app.sessions.service import as_utc, sessions_between

PARTNER_LABELS = ("Partner A", "Partner B")
CLIENT_LABEL = "Client"
#: Intake answers shown on the report: what each person hopes for. Only these items, so
#: safety answers never appear raw (their flags cover them).
HIGHLIGHT_ITEMS = ("goals", "goals_in_words", "hope_now")
#: The intake item where each partner says which side of the breach is theirs
#: (``app.reports.core.roles`` reads it). Asked in the same query as the highlights.
MAX_ANSWER_CHARS = 600
#: A supervision copy with shifted dates moves them back by a secret number of days in this range.
SHIFT_DAYS = (30, 400)
#: The start of "every session so far" (a report's first query reads them all up to its end).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def labels(subject: Subject) -> dict[int, str]:
    """Client id -> "Partner A" / "Partner B", or "Client"."""
    if subject.couple is None:
        return {subject.client_ids[0]: CLIENT_LABEL}
    return dict(zip(subject.client_ids, PARTNER_LABELS, strict=True))


def ascii_slug(text: str) -> str:
    """``Zoë Ågren`` -> ``zoe-agren``; letters outside ASCII without a base letter are dropped."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c.lower() if c.isalnum() else " " for c in plain).split()
    return "-".join(words)[:60].strip("-")


def report_filename(
    subject: Subject, period_end: date, *, audience: Audience = "clinical", partner_id: int | None = None,
    dates_shifted: bool = False,
) -> str:
    """E.g. ``mend-report-okafor-2026-11-25.pdf``: the shared surname, both, or the client's name;
    ``mend-report-okafor-couple-…`` for the couple's copy, the person's name for a partner's
    copy, and no name at all (``mend-report-supervision-…``) for supervision. ``period_end``
    is the copy's own; a copy with shifted dates carries no date at all (a shifted date next to
    the day it was made would give the offset away)."""
    if audience == "supervision":
        return "mend-report-supervision.pdf" if dates_shifted else f"mend-report-supervision-{period_end}.pdf"
    person = next((p for p in subject.people if p.id == partner_id), None) if audience == "partner" else None
    if person is None and subject.couple is None:
        person = subject.people[0]
    if person is not None:
        words = [person.last_name, person.first_name]
    else:
        words = [*dict.fromkeys(p.last_name for p in subject.people), *(["couple"] if audience == "couple" else [])]
    slug = ascii_slug(" ".join(words)) or f"{subject.kind}-{subject.id}"
    return f"mend-report-{slug}-{period_end.isoformat()}.pdf"


# --- audience ----------------------------------------------------------------------


def audience_choice(
    subject: Subject, audience: Audience, partner_id: int | None, dates_shifted: bool
) -> tuple[AudienceChoice, int | None]:
    """The pure core's choice for this subject, and the partner's client id (a partner copy).
    Every combination a counselor can get wrong is an ``InvalidField`` naming the field."""
    if audience == "couple" and subject.couple is None:
        raise InvalidField("audience", "A copy for the couple needs a couple; for one client choose "
                                       "their own copy, the clinical record or supervision")
    if audience != "partner" and partner_id is not None:
        raise InvalidField("partner_id", "Choose a partner only for one partner's own copy")
    if dates_shifted and audience != "supervision":
        raise InvalidField("dates_shifted", "Only a supervision copy can have its dates shifted")
    if audience == "partner":
        if partner_id is None and subject.couple is None:
            partner_id = subject.id
        if partner_id is None:
            raise InvalidField("partner_id", "Choose which partner this copy is for")
        if partner_id not in subject.client_ids:
            raise InvalidField("partner_id", "That person is not a partner in this couple" if subject.couple
                               else "A client's own copy is for that client")
    shift = SHIFT_DAYS[0] + secrets.randbelow(SHIFT_DAYS[1] - SHIFT_DAYS[0] + 1) if dates_shifted else 0
    partner_label = labels(subject)[partner_id] if partner_id is not None else None
    return AudienceChoice(audience, partner_label, shift), partner_id


def _shared(session: Session, subject: Subject) -> frozenset[int]:
    """Administrations here whose person agreed to share their scores with the couple (one query;
    the core keeps those that are in the score histories)."""
    return frozenset(i for i in session.exec(select(Administration.id).where(
        own_context(subject, strict=True), col(Administration.share_scores).is_(True),
        Administration.status == "submitted",
    )).all() if i is not None)


# --- period ----------------------------------------------------------------------


def resolve_period(
    period_start: date | None, period_end: date | None, *, today: date,
    started_on: date | None = None, first_session: date | None = None,
) -> tuple[date, date, str | None]:
    """(start, end, what the start is): a future end is clamped to today; an empty start is
    the start of counselling, else the first session, else 90 days before the end
    (``core.period.default_start``; None when the counselor chose it)."""
    if period_start is not None and period_start > today:
        raise InvalidField("period_start", "The period cannot start in the future")
    end = min(period_end, today) if period_end is not None else today
    start, since = (period_start, None) if period_start is not None else default_start(
        end, started_on=started_on, first_session=first_session)
    if period_end is not None and period_end < start:
        raise InvalidField("period_end", "The period must end on or after its start date")
    if start.year < 1900:
        raise InvalidField("period_start", "The period start looks wrong")
    return start, end, since


def _utc_bounds(zone: ZoneInfo, start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the practice's zone, as UTC instants."""
    lo = datetime.combine(start, time(), tzinfo=zone).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    return lo, hi


# --- sections --------------------------------------------------------------------


def _all_sessions(session: Session, subject: Subject, hi: datetime) -> list[TherapySession]:
    """Every session before ``hi``, oldest first, in one query: the first gives the default
    period's start, the rest are filtered to the period here."""
    return sessions_between(session, subject=subject, start=EARLIEST, end=hi)


def _first_session(rows: list[TherapySession], zone: ZoneInfo) -> date | None:
    """The day of the first session held (or, with none held yet, the first one booked)."""
    first = next((r for r in rows if r.attendance == "held"), rows[0] if rows else None)
    return as_utc(first.starts_at).astimezone(zone).date() if first is not None else None


def _sessions(rows: list[TherapySession], subject: Subject, lo: datetime, hi: datetime,
              zone: ZoneInfo) -> list[SessionInput]:
    """The period's sessions that happened or were due to (held, cancelled, no-show), each
    with its attendance as the status; planned ones haven't happened and are not attendance."""
    named = labels(subject)
    return [
        SessionInput(
            start=row.starts_at.astimezone(zone), duration_minutes=row.duration_minutes, modality=row.modality,
            attendees=tuple(named[i] for i in row.attendee_ids if i in named), status=row.attendance,
        )
        for row in rows if lo <= as_utc(row.starts_at) < hi and row.attendance != "planned"
    ]


def _agreements(session: Session, subject: Subject, lo: datetime, hi: datetime) -> list[AgreementInput]:
    """Agreements that mattered in the period: active ones, ones checked in on, ones that changed."""
    out = []
    for record in agreement_records(session, subject=subject, created_before=hi):
        outcomes = [checkin.outcome for checkin, at in record.checkins if lo <= at < hi]
        if _relevant(record, outcomes, lo):
            a = record.agreement
            out.append(AgreementInput(kind=a.kind, title=a.title, status=a.status, checkins=outcomes))
    return out


def _relevant(record: AgreementRecord, outcomes: list[str], lo: datetime) -> bool:
    if record.agreement.status == "active" or outcomes:
        return True
    # Closed before the period began and not touched since: belongs to an older report.
    return any(change.changed_at >= lo for change in record.history)


def _flags(session: Session, subject: Subject, zone: ZoneInfo) -> list[FlagInput]:
    """Every open flag of these clients: a safety concern is shown whatever period is asked for."""
    named = labels(subject)
    return [
        FlagInput(partner_label=named[row.client_id], raised_at=row.raised_at.astimezone(zone),
                  severity=row.severity, message=row.message)
        for row in open_flags_of(session, subject=subject)
    ]


def _safety(session: Session, subject: Subject, zone: ZoneInfo) -> list[SafetyInput]:
    """Each person's latest safety reading (the indicator items, never averaged), whatever the period."""
    named = labels(subject)
    return [
        SafetyInput(partner_label=named[r.client_id], label=r.result.label, text=r.result.text,
                    concern=r.result.status == "concern", at=r.submitted_at.astimezone(zone))
        for r in latest_safety(session, subject=subject)
    ]


def _intake(session: Session, subject: Subject) -> tuple[list[tuple[str, str]], tuple[str | None, ...]]:
    """From each person's latest submitted intake in this couple's (or client's) own context, in
    one read: a few answers (goals and hopes) and each partner's side of the breach."""
    intakes = [d.id for d in default_catalog().of_kind("intake")]
    found = latest_answers(session, subject=subject, instrument_ids=intakes,
                           item_ids=(*HIGHLIGHT_ITEMS, ROLE_ITEM))
    lines = []
    for person in subject.people:
        if person.id in found:
            administration, answers = found[person.id]
            lines += _person_lines(subject, person.display_name, administration, answers)
    return lines, intake_roles(found, subject.client_ids)  # a client alone: no partner, no roles


def _guarded(histories: list[ScoreHistory]) -> frozenset[tuple[str, str]]:
    """(questionnaire, subscale) pairs that never read as reassuring beside an open high flag,
    as each questionnaire's definition says (``Definition.guarded_subscales``)."""
    catalog = default_catalog()
    out: set[tuple[str, str]] = set()
    for h in histories:
        definition = catalog.find(h.instrument_id, h.version)
        if definition is not None:
            out.update((h.instrument_id, sid) for sid in definition.guarded_subscales())
    return frozenset(out)


def _person_lines(
    subject: Subject, name: str, administration: Administration, answers: dict[str, object]
) -> list[tuple[str, str]]:
    definition = definition_for(administration)
    lines = []
    for item_id in HIGHLIGHT_ITEMS:
        value = answers.get(item_id)
        if value in (None, "", []):
            continue
        try:
            item = definition.item(item_id)
        except KeyError:
            continue  # a later intake version may drop an item
        question = item.text if subject.couple is None else f"{name}: {item.text}"
        text = answer_text(definition, item, value, with_point=False, limit=MAX_ANSWER_CHARS)
        lines.append((question, text or ""))
    return lines


# --- the whole input -------------------------------------------------------------


@dataclass(frozen=True)
class GatheredReport:
    """One copy's input and what its record keeps: ``data`` is only what the audience may see
    (its dates shifted, when they are); the period is the real one, for the Report row."""

    subject: Subject
    data: ReportInput
    generated_at: datetime
    period_start: date
    period_end: date
    audience: Audience
    partner_id: int | None
    dates_shifted: bool
    filename: str


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
    audience: Audience = "clinical",
    partner_id: int | None = None,
    dates_shifted: bool = False,
) -> GatheredReport:
    """Load what one copy of a report shows; the subject says whose records these are."""
    subject = load_subject(session, actor=actor, couple_id=couple_id, client_id=client_id)
    choice, partner_id = audience_choice(subject, audience, partner_id, dates_shifted)
    practice = get_practice(session, actor=actor)
    counselor = actor if actor.id == subject.counselor_id else get_counselor(
        session, actor=actor, counselor_id=subject.counselor_id)
    zone = zone_of(practice.timezone)
    generated_at = (now or utcnow()).astimezone(zone)
    today = generated_at.date()
    end = min(period_end, today) if period_end is not None else today
    _, hi = _utc_bounds(zone, end, end)
    rows = _all_sessions(session, subject, hi)
    couple = subject.couple
    start, end, since = resolve_period(period_start, period_end, today=today,
                                       started_on=couple.started_on if couple else None,
                                       first_session=_first_session(rows, zone))
    lo, hi = _utc_bounds(zone, start, end)
    named = labels(subject)
    highlights, roles = _intake(session, subject)
    # Every submission up to the period's end: earlier ones give each person's baseline.
    scores: list[ScoreHistory] = score_histories(session, subject=subject, before=hi)
    data = ReportInput(
        practice_name=practice.name,
        counselor_name=counselor.full_name,
        generated_by=actor.full_name,
        subject_kind=subject.kind,
        subject_name=subject.name,
        partners=tuple(PartnerInput(named[p.id], p.display_name, p.preferred_name or p.first_name, role=role)
                       for p, role in zip(subject.people, roles, strict=True) if p.id is not None),
        period_start=start,
        period_end=end,
        period_from=since,
        generated_at=generated_at,
        timezone=practice.timezone,
        breach_type=couple.breach_type if couple else None,
        disclosed_on=couple.disclosed_on if couple else None,
        sessions=_sessions(rows, subject, lo, hi, zone),
        scores=scores,
        safety_subscales=_guarded(scores),
        agreements=_agreements(session, subject, lo, hi),
        flags=_flags(session, subject, zone),
        safety=_safety(session, subject, zone),
        intake_highlights=highlights,
        summary=(summary or "").strip() or None,
        paper=paper,
        shared_administration_ids=_shared(session, subject) if audience == "couple" else frozenset(),
    )
    seen = for_audience(data, choice)
    return GatheredReport(
        subject=subject, data=seen, generated_at=generated_at, period_start=start, period_end=end, audience=audience,
        partner_id=partner_id, dates_shifted=seen.dates_shifted,
        filename=report_filename(subject, seen.period_end, audience=audience, partner_id=partner_id,
                                 dates_shifted=seen.dates_shifted),
    )
