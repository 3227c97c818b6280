"""How long a record is kept after discharge, and which records are past it.

The rules (README "Retention and erasure"; the removal itself is ``app.records.erasure``):

- **The period** is the practice's ``retention_years`` (default 7, 1 to 30), counted from the
  *last day of care*: the later of the discharge and the last entry in the record (a session's
  date, a note signed, an addendum, a questionnaire submitted, a report made; for a couple also
  an agreement changed or checked in), in the practice's time zone. A late addendum written
  after discharge restarts the clock: a record is never purged less than N years after anyone
  last wrote in it.
- **The day**: the record is kept through the Nth anniversary of that day and may go from the
  day after (``erasable_from``). Discharged 10 Mar 2020, 7 years: kept until 10 Mar 2027, due on
  11 Mar 2027. A 29 February's anniversary in a common year is 1 March.
- **A couple** is due when the couple is discharged, both partners are discharged, and its
  last day of care (the couple's own discharge, which is its last change, both partners'
  discharges and the couple's last entry) is past the period. A partner still in individual
  work keeps the couple's record.
- **A client** is due when discharged, their own record's last day of care is past the period,
  and every couple they are a partner in is due too (or already erased): a client is never
  purged while a couple they belong to is kept.
- **A client of record** is one with a signed note, a submitted questionnaire, a raised flag or
  a report made about them (a couple: a signed note, a submitted questionnaire, a flag, an
  agreement or a report). Anyone else (a mistaken entry, a duplicate, someone who never came)
  may be erased at once by the owner; draft and planned sessions and unsent answers go with
  them, as a draft session can already be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from app.clients.models import Client, Couple
from app.practice.models import Practice
from app.questionnaires.models import Administration, AdministrationFlag
from app.reports.core.formatting import day, plural
from app.reports.models import Report
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, NoteAddendum, TherapySession

#: Seven years after discharge: the common floor for adult mental-health records (e.g. many US
#: state boards for counselors and MFTs, the APA's record-keeping guidelines, UK professional
#: bodies' six to seven), so a practice that never looks at the setting keeps enough.
DEFAULT_YEARS = 7
#: At least a year: a shorter period is below every rule we know of and is more likely a typo.
MIN_YEARS = 1
#: At most thirty: longer than the longest common rules (records of minors until their mid-20s,
#: some hospital rules of 20 years); a larger number is almost certainly a mistake.
MAX_YEARS = 30


def anniversary(on: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return on.replace(year=on.year + years)
    except ValueError:
        return date(on.year + years, 3, 1)


def erasable_from(last_day: date, years: int) -> date:
    """The first day a record whose care ended on ``last_day`` may be purged (kept through the anniversary)."""
    return anniversary(last_day, years) + timedelta(days=1)


def local_day(moment: datetime, zone: str) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).date()


def today_of(practice: Practice, now: datetime | None = None) -> date:
    return local_day(now or datetime.now(UTC), practice.timezone)


def _latest(session: Session, *queries: Any) -> datetime | None:
    found = [session.exec(q).one() for q in queries]
    moments = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in found if isinstance(m, datetime)]
    return max(moments) if moments else None


_ADDENDUM_SESSION = col(TherapySession.id) == col(NoteAddendum.session_id)


def _client_last_entry(session: Session, client_id: int) -> datetime | None:
    own = col(TherapySession.client_id) == client_id
    return _latest(
        session,
        select(func.max(TherapySession.starts_at)).where(own),
        select(func.max(TherapySession.signed_at)).where(own),
        select(func.max(NoteAddendum.created_at)).join(TherapySession, _ADDENDUM_SESSION).where(own),
        select(func.max(Administration.submitted_at)).where(Administration.client_id == client_id,
                                                             col(Administration.couple_id).is_(None)),
        select(func.max(Report.generated_at)).where(Report.client_id == client_id),
    )


def _couple_last_entry(session: Session, couple_id: int) -> datetime | None:
    theirs = col(TherapySession.couple_id) == couple_id
    agreements = select(Agreement.id).where(Agreement.couple_id == couple_id)
    return _latest(
        session,
        select(func.max(TherapySession.starts_at)).where(theirs),
        select(func.max(TherapySession.signed_at)).where(theirs),
        select(func.max(NoteAddendum.created_at)).join(TherapySession, _ADDENDUM_SESSION).where(theirs),
        select(func.max(Administration.submitted_at)).where(Administration.couple_id == couple_id),
        select(func.max(Report.generated_at)).where(Report.couple_id == couple_id),
        select(func.max(Agreement.updated_at)).where(Agreement.couple_id == couple_id),
        select(func.max(AgreementStatusChange.changed_at)).where(col(AgreementStatusChange.agreement_id).in_(agreements)),
        select(func.max(AgreementCheckIn.created_at)).where(col(AgreementCheckIn.agreement_id).in_(agreements)),
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Standing:
    """Where one client's or couple's record stands against the practice's retention period."""

    kind: str  # "client" or "couple"
    id: int
    years: int
    discharged: bool  # a couple: the couple and both partners
    last_day: date | None  # the last day of care in the practice's zone; None until discharged
    facts: dict[str, int] = field(default_factory=dict)  # what makes them a client of record

    @property
    def of_record(self) -> bool:
        return any(self.facts.values())

    @property
    def erasable_from(self) -> date | None:
        return erasable_from(self.last_day, self.years) if self.last_day is not None else None

    @property
    def kept_until(self) -> date | None:
        start = self.erasable_from
        return start - timedelta(days=1) if start is not None else None

    def past_retention(self, today: date) -> bool:
        start = self.erasable_from
        return self.discharged and start is not None and today >= start

    def facts_words(self) -> str:
        names = {"signed_notes": ("signed note", "signed notes"),
                 "submitted_questionnaires": ("submitted questionnaire", "submitted questionnaires"),
                 "flags": ("flag", "flags"), "agreements": ("agreement", "agreements"),
                 "reports": ("report", "reports")}
        parts = [plural(n, *names[k]) for k, n in self.facts.items() if n]
        return ", ".join(parts)

    def when_words(self, zone: str | None = None) -> str:
        """"from 11 Mar 2027", or when it will be known."""
        if self.erasable_from is None or not self.discharged:
            if self.kind == "couple":
                return (f"once the couple and both partners are discharged, {plural(self.years, 'year')} "
                        "after the last discharge (or the last entry, if later)")
            return f"once discharged, {plural(self.years, 'year')} after discharge (or the last entry, if later)"
        kept = f"kept {plural(self.years, 'year')} after {day(self.last_day, zone)}"
        return f"from {day(self.erasable_from, zone)} ({kept})"


def _count(session: Session, query: Any) -> int:
    return int(session.exec(query).one() or 0)


def client_facts(session: Session, client_id: int) -> dict[str, int]:
    """The client's own clinical records that make them a client of record (couples apart)."""
    return {
        "signed_notes": _count(session, select(func.count()).select_from(TherapySession).where(
            TherapySession.client_id == client_id, TherapySession.status == "signed")),
        "submitted_questionnaires": _count(session, select(func.count()).select_from(Administration).where(
            Administration.client_id == client_id, col(Administration.submitted_at).is_not(None))),
        "flags": _count(session, select(func.count()).select_from(AdministrationFlag).where(
            AdministrationFlag.client_id == client_id)),
        "reports": _count(session, select(func.count()).select_from(Report).where(
            or_(col(Report.client_id) == client_id, col(Report.partner_id) == client_id))),
    }


def couple_facts(session: Session, couple_id: int) -> dict[str, int]:
    return {
        "signed_notes": _count(session, select(func.count()).select_from(TherapySession).where(
            TherapySession.couple_id == couple_id, TherapySession.status == "signed")),
        "submitted_questionnaires": _count(session, select(func.count()).select_from(Administration).where(
            Administration.couple_id == couple_id, col(Administration.submitted_at).is_not(None))),
        "flags": _count(session, select(func.count()).select_from(AdministrationFlag).where(
            or_(col(AdministrationFlag.couple_id) == couple_id,
                col(AdministrationFlag.administration_id).in_(
                    select(Administration.id).where(Administration.couple_id == couple_id))))),
        "agreements": _count(session, select(func.count()).select_from(Agreement).where(
            Agreement.couple_id == couple_id)),
        "reports": _count(session, select(func.count()).select_from(Report).where(Report.couple_id == couple_id)),
    }


def client_standing(session: Session, practice: Practice, client: Client, *, facts: bool = True) -> Standing:
    discharged = client.status == "discharged" and client.discharged_at is not None
    last_day = None
    if discharged:
        moments = [m for m in (_aware(client.discharged_at), _client_last_entry(session, client.id)) if m]
        last_day = local_day(max(moments), practice.timezone)
    return Standing("client", client.id, practice.retention_years, discharged, last_day,
                    client_facts(session, client.id) if facts else {})


def couple_standing(session: Session, practice: Practice, couple: Couple, *, facts: bool = True) -> Standing:
    a, b = session.get(Client, couple.partner_a_id), session.get(Client, couple.partner_b_id)
    partners = [p for p in (a, b) if p is not None]
    discharged = couple.status == "discharged" and len(partners) == 2 and all(
        p.status == "discharged" and p.discharged_at is not None for p in partners)
    last_day = None
    if discharged:
        # The couple's discharge is its last change (``updated_at``, stamped when its status became
        # discharged; a later edit only moves the date later, the safe way).
        moments = [_aware(couple.updated_at), *(_aware(p.discharged_at) for p in partners),
                   _couple_last_entry(session, couple.id)]
        last_day = local_day(max(m for m in moments if m), practice.timezone)
    return Standing("couple", couple.id, practice.retention_years, discharged, last_day,
                    couple_facts(session, couple.id) if facts else {})


def couples_of(session: Session, client: Client) -> list[Couple]:
    """The couples (not erased) the client is a partner in."""
    return list(session.exec(select(Couple).where(
        Couple.practice_id == client.practice_id, col(Couple.erased_at).is_(None),
        or_(col(Couple.partner_a_id) == client.id, col(Couple.partner_b_id) == client.id),
    ).order_by(col(Couple.id))).all())


@dataclass(frozen=True)
class DuePlan:
    """What a purge of one practice would remove today: couples first, then clients."""

    practice_id: int
    today: date
    couples: list[Standing]
    clients: list[Standing]

    @property
    def count(self) -> int:
        return len(self.couples) + len(self.clients)


def due_records(session: Session, practice: Practice, *, now: datetime | None = None) -> DuePlan:
    """The couples and clients of ``practice`` past retention on the practice's today (``now``: the clock)."""
    today = today_of(practice, now)
    couples = session.exec(select(Couple).where(
        Couple.practice_id == practice.id, col(Couple.erased_at).is_(None), Couple.status == "discharged",
    ).order_by(col(Couple.id))).all()
    due_couples = [s for s in (couple_standing(session, practice, c, facts=False) for c in couples)
                   if s.past_retention(today)]
    due_couple_ids = {s.id for s in due_couples}
    clients = session.exec(select(Client).where(
        Client.practice_id == practice.id, col(Client.erased_at).is_(None), Client.status == "discharged",
    ).order_by(col(Client.id))).all()
    due_clients = []
    for client in clients:
        standing = client_standing(session, practice, client, facts=False)
        if standing.past_retention(today) and all(c.id in due_couple_ids for c in couples_of(session, client)):
            due_clients.append(standing)
    return DuePlan(practice.id, today, due_couples, due_clients)  # type: ignore[arg-type]
