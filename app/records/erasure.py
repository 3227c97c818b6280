"""Removing a record: the purge past retention (`mend purge --due`, the nightly job) and the
owner's erasure of a mistaken entry (the client's page, `mend erase`).

Both remove the same things and leave the same trace (README "Retention and erasure"):

- **Removed** (rows deleted): sessions with their notes, addenda and agreement check-ins;
  agreements with their history; administrations with their answers, scores, flags, flag
  reviews, link events and messages; schedules; reports with their kept PDFs. A couple's purge
  takes its couple-context records (both partners'); a client's takes their own individual
  work and anything else still carrying their id.
- **Anonymised** (row kept): the client as "Erased client #N" (no name, preferred name,
  pronouns, email, phone or birth date; status discharged; ``erased_at`` set), the couple with
  no breach summary or dates and breach type "other". Ids, the counselor, created and
  discharge dates stay, so counts and old audit entries still resolve.
- **Kept**: every audit event (they name ids and fields, never clinical text), the practice's
  reliability snapshots (aggregates of no one in particular).
- **One audit entry per record**: ``purge`` (past retention) or ``erase`` (a mistaken entry),
  entity client or couple, with ids, dates and the number of rows of each kind removed, never
  a name, a note, an answer or a flag's wording.

Each function flushes; the caller commits (the CLI, the job, the request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client, Couple, couple_name, search_key
from app.clients.service import get_client, get_couple
from app.errors import Conflict, Forbidden, InvalidField
from app.outreach.models import Message, Schedule
from app.practice.models import Practice
from app.questionnaires.models import (
    Administration,
    AdministrationFlag,
    FlagReview,
    LinkEvent,
    Response,
    Score,
)
from app.records.retention import (
    DuePlan,
    Standing,
    client_standing,
    couple_standing,
    couples_of,
    due_records,
    today_of,
)
from app.reports.core.formatting import day
from app.reports.models import Report, ReportFile
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, NoteAddendum, TherapySession

ONLY_OWNER = "Only the practice owner can erase a record"


# --- removing rows ------------------------------------------------------------------------------


def _delete(session: Session, model: Any, condition: Any) -> int:
    result = session.exec(delete(model).where(condition))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def _remove(session: Session, *, administrations: Any, flags: Any, messages: Any, schedules: Any,
            sessions: Any, agreements: Any, reports: Any) -> dict[str, int]:
    """Delete every row under the given conditions, children first; the number of each kind."""
    admin_ids = select(Administration.id).where(administrations)
    schedule_ids = select(Schedule.id).where(schedules)
    flag_ids = select(AdministrationFlag.id).where(or_(flags, col(AdministrationFlag.administration_id).in_(admin_ids)))
    session_ids = select(TherapySession.id).where(sessions)
    agreement_ids = select(Agreement.id).where(agreements)
    report_ids = select(Report.id).where(reports)
    done: dict[str, int] = {}
    done["flag_reviews"] = _delete(session, FlagReview, col(FlagReview.flag_id).in_(flag_ids))
    done["flags"] = _delete(session, AdministrationFlag, or_(flags, col(AdministrationFlag.administration_id).in_(
        admin_ids)))
    done["answers"] = _delete(session, Response, col(Response.administration_id).in_(admin_ids))
    done["scores"] = _delete(session, Score, col(Score.administration_id).in_(admin_ids))
    done["link_events"] = _delete(session, LinkEvent, col(LinkEvent.administration_id).in_(admin_ids))
    done["messages"] = _delete(session, Message, or_(messages, col(Message.administration_id).in_(admin_ids),
                                                     col(Message.schedule_id).in_(schedule_ids)))
    done["administrations"] = _delete(session, Administration, or_(administrations,
                                                                   col(Administration.schedule_id).in_(schedule_ids)))
    done["schedules"] = _delete(session, Schedule, schedules)
    done["checkins"] = _delete(session, AgreementCheckIn, or_(col(AgreementCheckIn.agreement_id).in_(agreement_ids),
                                                               col(AgreementCheckIn.session_id).in_(session_ids)))
    done["agreement_changes"] = _delete(session, AgreementStatusChange,
                                        col(AgreementStatusChange.agreement_id).in_(agreement_ids))
    done["agreements"] = _delete(session, Agreement, agreements)
    done["addenda"] = _delete(session, NoteAddendum, col(NoteAddendum.session_id).in_(session_ids))
    done["sessions"] = _delete(session, TherapySession, sessions)
    done["report_files"] = _delete(session, ReportFile, col(ReportFile.report_id).in_(report_ids))
    done["reports"] = _delete(session, Report, reports)
    session.flush()
    session.expire_all()  # the bulk deletes bypassed the identity map
    return {k: v for k, v in done.items() if v}


def _remove_couple(session: Session, couple: Couple) -> dict[str, int]:
    cid = couple.id
    return _remove(
        session,
        administrations=col(Administration.couple_id) == cid, flags=col(AdministrationFlag.couple_id) == cid,
        messages=col(Message.couple_id) == cid, schedules=col(Schedule.couple_id) == cid,
        sessions=col(TherapySession.couple_id) == cid, agreements=col(Agreement.couple_id) == cid,
        reports=col(Report.couple_id) == cid,
    )


def _remove_client(session: Session, client: Client) -> dict[str, int]:
    cid = client.id
    return _remove(
        session,
        administrations=col(Administration.client_id) == cid, flags=col(AdministrationFlag.client_id) == cid,
        messages=col(Message.client_id) == cid, schedules=col(Schedule.client_id) == cid,
        sessions=col(TherapySession.client_id) == cid, agreements=col(Agreement.id).is_(None),
        reports=or_(col(Report.client_id) == cid, col(Report.partner_id) == cid),
    )


def erased_name(client_id: int | None) -> tuple[str, str]:
    return "Erased", f"client #{client_id}"


def _anonymise_client(session: Session, client: Client, now: datetime) -> None:
    client.first_name, client.last_name = erased_name(client.id)
    client.preferred_name = client.pronouns = client.email = client.phone = None
    client.date_of_birth = None
    client.contact_preference, client.email_safe, client.email_safe_source = "counselor", "no", None
    client.status = "discharged"
    client.discharged_at = client.discharged_at or now
    client.erased_at = client.updated_at = now
    session.add(client)
    session.flush()


def _anonymise_couple(session: Session, couple: Couple, now: datetime) -> None:
    couple.breach_type, couple.breach_summary = "other", None
    couple.disclosed_on = couple.started_on = None
    couple.status = "discharged"
    couple.erased_at = couple.updated_at = now
    session.add(couple)
    session.flush()


@dataclass(frozen=True)
class Removed:
    """One record purged or erased: what the audit entry says."""

    kind: str  # "client" or "couple"
    id: int
    action: str  # "purge" (past retention) or "erase" (a mistaken entry)
    removed: dict[str, int] = field(default_factory=dict)


def _retention_detail(standing: Standing) -> dict[str, Any]:
    return {"reason": "retention", "retention_years": standing.years,
            "last_day_of_care": standing.last_day.isoformat() if standing.last_day else None,
            "erasable_from": standing.erasable_from.isoformat() if standing.erasable_from else None}


def _take(session: Session, row: Client | Couple, *, action: str, detail: dict[str, Any], actor: Counselor | None,
          now: datetime) -> Removed:
    """Remove a record's content, anonymise its row, and note it once (no clinical content)."""
    if isinstance(row, Couple):
        kind, removed = "couple", _remove_couple(session, row)
        _anonymise_couple(session, row, now)
        detail = {**detail, "partner_ids": [row.partner_a_id, row.partner_b_id]}
    else:
        kind, removed = "client", _remove_client(session, row)
        _anonymise_client(session, row, now)
    record(session, actor=actor, practice_id=row.practice_id, action=action, entity=kind, entity_id=row.id,
           detail={**detail, "removed": removed}, actor_kind=None if actor else "system")
    return Removed(kind, row.id, action, removed)  # type: ignore[arg-type]


# --- the purge --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeResult:
    plan: DuePlan
    removed: list[Removed]


def purge_practice(session: Session, practice: Practice, *, now: datetime | None = None,
                   dry_run: bool = False, by: str = "mend purge") -> PurgeResult:
    """Remove every record of ``practice`` past retention on its today: couples, then clients.

    Run twice, the second run finds nothing: erased rows are never due again. ``dry_run`` only
    says what would go.
    """
    now = now or datetime.now(UTC)
    plan = due_records(session, practice, now=now)
    if dry_run:
        return PurgeResult(plan, [])
    done = []
    for standing in [*plan.couples, *plan.clients]:
        row = session.get(Couple if standing.kind == "couple" else Client, standing.id)
        assert row is not None
        done.append(_take(session, row, action="purge", detail={**_retention_detail(standing), "by": by},
                          actor=None, now=now))
    return PurgeResult(plan, done)


def practices(session: Session, *, practice_id: int | None = None, automatic_only: bool = False) -> list[Practice]:
    query = select(Practice).order_by(col(Practice.id))
    if practice_id is not None:
        query = query.where(Practice.id == practice_id)
    if automatic_only:
        query = query.where(col(Practice.retention_auto_purge).is_(True))
    return list(session.exec(query).all())


# --- erasure at once, by the owner ----------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether the owner may erase this record now, why, and what to tell them."""

    allowed: bool
    reason: str | None  # "mistaken_entry" or "retention" when allowed
    message: str
    standing: Standing
    couples: list[tuple[int, str]] = field(default_factory=list)  # (id, name) blocking a client


def _names_of(session: Session, couple: Couple) -> str:
    a, b = session.get(Client, couple.partner_a_id), session.get(Client, couple.partner_b_id)
    return couple_name(a, b) if a is not None and b is not None else f"couple #{couple.id}"


def client_verdict(session: Session, *, actor: Counselor, client_id: int, now: datetime | None = None) -> Verdict:
    if not actor.is_owner:
        raise Forbidden(ONLY_OWNER)
    client = get_client(session, actor=actor, client_id=client_id)
    practice = session.get(Practice, client.practice_id)
    assert practice is not None
    standing = client_standing(session, practice, client)
    name, zone = client.display_name, practice.timezone
    if client.erased_at is not None:
        return Verdict(False, None, f"This record was already erased on {day(client.erased_at, zone)}.", standing)
    couples = couples_of(session, client)
    if couples:
        listed = [(c.id, _names_of(session, c)) for c in couples if c.id is not None]
        which = ", ".join(f"{n} (couple #{i})" for i, n in listed)
        return Verdict(False, None, (
            f"{name} is a partner in {which}. A couple's record is erased first: if the couple is a mistaken "
            "entry too, erase the couple, then this client. If the couple is real, this client's record stays "
            "with it; correct their details instead."), standing, listed)
    if not standing.of_record:
        return Verdict(True, "mistaken_entry", (
            f"{name} has no clinical record (no signed note, submitted questionnaire, flag or report). Erasing "
            f"removes everything entered for them and keeps the row as “Erased client #{client.id}”."), standing)
    if standing.past_retention(today_of(practice, now)):
        return Verdict(True, "retention", (
            f"{name}'s record is past the practice's retention period ({standing.when_words(zone)}). Erasing "
            f"removes all of it and keeps the row as “Erased client #{client.id}”."), standing)
    return Verdict(False, None, (
        f"{name} has a clinical record ({standing.facts_words()}), which the practice keeps for "
        f"{standing.years} years after discharge: it can be erased {standing.when_words(zone)}."), standing)


def couple_verdict(session: Session, *, actor: Counselor, couple_id: int, now: datetime | None = None) -> Verdict:
    if not actor.is_owner:
        raise Forbidden(ONLY_OWNER)
    couple = get_couple(session, actor=actor, couple_id=couple_id)
    practice = session.get(Practice, couple.practice_id)
    assert practice is not None
    standing = couple_standing(session, practice, couple)
    name, zone = _names_of(session, couple), practice.timezone
    if couple.erased_at is not None:
        return Verdict(False, None, f"This couple's record was already erased on {day(couple.erased_at, zone)}.",
                       standing)
    if not standing.of_record:
        return Verdict(True, "mistaken_entry", (
            f"{name} (couple #{couple.id}) has no clinical record as a couple (no signed note, submitted "
            "questionnaire, flag, agreement or report). Erasing removes everything entered for the couple; "
            "both partners' own records stay."), standing)
    if standing.past_retention(today_of(practice, now)):
        return Verdict(True, "retention", (
            f"{name}'s couple record is past the practice's retention period ({standing.when_words(zone)})."),
            standing)
    return Verdict(False, None, (
        f"{name} has a clinical record as a couple ({standing.facts_words()}), which the practice keeps for "
        f"{standing.years} years after discharge: it can be erased {standing.when_words(zone)}."), standing)


def name_matches(typed: str | None, expected: str) -> bool:
    return bool(typed) and " ".join(search_key(typed or "").split()) == " ".join(search_key(expected).split())


def confirmation_name(session: Session, row: Client | Couple) -> str:
    """What the owner types to confirm: the client's full name, or the couple's name."""
    if isinstance(row, Client):
        return f"{row.first_name} {row.last_name}"
    return _names_of(session, row)


def _erase(session: Session, verdict: Verdict, row: Client | Couple, *, actor: Counselor, typed: str | None,
           now: datetime | None) -> Removed:
    if not verdict.allowed:
        raise Conflict(verdict.message)
    if not name_matches(typed, confirmation_name(session, row)):
        raise InvalidField("confirm_name", f"Type {confirmation_name(session, row)} exactly to confirm")
    if verdict.reason == "retention":
        action, detail = "purge", {**_retention_detail(verdict.standing), "by": "owner"}
    else:
        action, detail = "erase", {"reason": "mistaken_entry"}
    return _take(session, row, action=action, detail=detail, actor=actor, now=now or datetime.now(UTC))


def erase_client(session: Session, *, actor: Counselor, client_id: int, confirm_name: str | None,
                 now: datetime | None = None) -> Removed:
    """The owner erases a client who never became a client of record, or one past retention, at once.

    Refused (409, naming the date it becomes possible) for a client of record inside retention and
    for a partner in a couple that is not erased; 403 for anyone but the owner; 422 when the typed
    name does not match."""
    verdict = client_verdict(session, actor=actor, client_id=client_id, now=now)
    return _erase(session, verdict, get_client(session, actor=actor, client_id=client_id), actor=actor,
                  typed=confirm_name, now=now)


def erase_couple(session: Session, *, actor: Counselor, couple_id: int, confirm_name: str | None,
                 now: datetime | None = None) -> Removed:
    """As ``erase_client``, for a couple: its couple-context records go, both partners stay."""
    verdict = couple_verdict(session, actor=actor, couple_id=couple_id, now=now)
    return _erase(session, verdict, get_couple(session, actor=actor, couple_id=couple_id), actor=actor,
                  typed=confirm_name, now=now)



def counselor_by_email(session: Session, email: str) -> Counselor:
    """The active counselor a CLI command acts as (`mend erase --as`)."""
    found = session.exec(select(Counselor).where(Counselor.email == email.strip().lower(), Counselor.active)).first()
    if found is None:
        raise InvalidField("as", f"No active counselor with email {email}")
    return found


def plan_lines(session: Session, plan: DuePlan) -> list[str]:
    """What a purge of one practice would remove, one line per record: ids and dates, never a name."""
    practice = session.get(Practice, plan.practice_id)
    zone = practice.timezone if practice is not None else None
    return [f"  {s.kind} #{s.id}: last day of care {day(s.last_day, zone)}, kept until {day(s.kept_until, zone)}"
            for s in [*plan.couples, *plan.clients]]
