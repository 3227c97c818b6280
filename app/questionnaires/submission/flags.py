"""Flags raised by answers: the lists counselors see, and marking them dealt with or reopening them.

Every review (dealt with, reopened) needs a short note and is kept: the flag holds its latest
state (``resolved_at``, ``resolved_by_id``, ``resolution_note``), a ``FlagReview`` row holds
each step for the couple's timeline, and the audit trail gets an event without any answer.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client
from app.clients.service import client_visible
from app.clients.subjects import Subject
from app.db import utcnow
from app.errors import Conflict, InvalidField, NotFound
from app.questionnaires.models import Administration, AdministrationFlag, FlagReview
from app.questionnaires.schemas import NOTE_MAX, FlagPublic, FlagReviewPublic
from app.scoring.flags import SEVERITY_ORDER

FlagStatus = Literal["open", "resolved", "all"]
ReviewAction = Literal["resolved", "reopened"]
NOTE_RULE = f"Write a short note (1 to {NOTE_MAX} characters) saying what was done"
REVIEWS_SHOWN = 20


def _public(flag: AdministrationFlag, client: Client, instrument_id: str, resolver: str | None) -> FlagPublic:
    return FlagPublic(
        id=flag.id, administration_id=flag.administration_id, client_id=flag.client_id,  # type: ignore[arg-type]
        client_name=client.display_name, couple_id=flag.couple_id, instrument_id=instrument_id,
        item_id=flag.item_id, severity=flag.severity, message=flag.message, raised_at=flag.raised_at,
        resolved_at=flag.resolved_at, resolved_by_id=flag.resolved_by_id,
        resolved_by_name=resolver if flag.resolved_at is not None else None,
        resolution_note=flag.resolution_note,
    )


def _query(*conditions: ColumnElement[bool]):  # type: ignore[no-untyped-def]
    return (
        select(AdministrationFlag, Client, Administration.instrument_id, Counselor.full_name)
        .join(Client, col(Client.id) == AdministrationFlag.client_id)
        .join(Administration, col(Administration.id) == AdministrationFlag.administration_id)
        .join(Counselor, col(Counselor.id) == AdministrationFlag.resolved_by_id, isouter=True)
        .where(*conditions)
    )


def _rows(session: Session, *conditions: ColumnElement[bool]) -> list[FlagPublic]:
    """Most severe first, then newest first."""
    rows = [_public(f, c, i, r) for f, c, i, r in session.exec(_query(*conditions)).all()]
    rows.sort(key=lambda f: f.raised_at, reverse=True)
    rows.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)))
    return rows


def _status(status: FlagStatus) -> list[ColumnElement[bool]]:
    if status == "open":
        return [col(AdministrationFlag.resolved_at).is_(None)]
    if status == "resolved":
        return [col(AdministrationFlag.resolved_at).is_not(None)]
    return []


def flag_visible(actor: Counselor) -> list[ColumnElement[bool]]:
    """SQL conditions: the actor may see this flag (its client is in their caseload)."""
    return [col(AdministrationFlag.practice_id) == actor.practice_id, client_visible(actor)]


def list_flags(
    session: Session, *, actor: Counselor, status: FlagStatus = "open", couple_id: int | None = None
) -> list[FlagPublic]:
    """Flags of clients in the caller's caseload (owner: whole practice), or raised in one couple's context."""
    conditions = [*flag_visible(actor), *_status(status)]
    if couple_id is not None:
        conditions.append(col(AdministrationFlag.couple_id) == couple_id)
    return _rows(session, *conditions)


def in_context(subject: Subject) -> ColumnElement[bool]:
    """SQL condition: flags raised in this couple's context, or in this client's own work.

    A partner's flag from individual work or from another couple stays out of a couple's
    page and report; a client's individual flags stay out of every couple's.
    """
    if subject.couple is not None:
        return col(AdministrationFlag.couple_id) == subject.id
    return (col(AdministrationFlag.client_id) == subject.id) & col(AdministrationFlag.couple_id).is_(None)


def flags_in_context(session: Session, *, subject: Subject, status: FlagStatus = "open") -> list[FlagPublic]:
    """The couple's or client's page list: flags raised in its own context (``in_context``)."""
    return _rows(session, in_context(subject), *_status(status))


def open_flags_of(session: Session, *, subject: Subject) -> list[AdministrationFlag]:
    """Open flags raised in this couple's or client's own context (``in_context``)."""
    return list(session.exec(select(AdministrationFlag).where(
        in_context(subject), col(AdministrationFlag.resolved_at).is_(None),
    )).all())


def flags_for_administration(session: Session, *, administration_id: int) -> list[FlagPublic]:
    """Flags of one administration (the caller has already checked access to it)."""
    return _rows(session, col(AdministrationFlag.administration_id) == administration_id)


def get_flag(session: Session, *, actor: Counselor, flag_id: int) -> FlagPublic:
    """One flag in the caller's caseload; ``NotFound`` otherwise."""
    found = _rows(session, col(AdministrationFlag.id) == flag_id, *flag_visible(actor))
    if not found:
        raise NotFound("Flag")
    return found[0]


def checked_note(note: str | None) -> str:
    """The review note, trimmed: 1 to 500 characters, else ``InvalidField("note")`` (a 422)."""
    cleaned = (note or "").strip()
    if not cleaned or len(cleaned) > NOTE_MAX:
        raise InvalidField("note", NOTE_RULE)
    return cleaned


def _review(session: Session, *, actor: Counselor, flag_id: int, note: str | None,
            action: ReviewAction) -> FlagPublic:
    """Mark dealt with or reopen: caseload first (404), then state (409), then the note (422).

    The change is a conditional UPDATE on the flag's current state, so of two counselors
    resolving the same flag at once exactly one wins and the other gets the 409.
    """
    flag = get_flag(session, actor=actor, flag_id=flag_id)
    resolving = action == "resolved"
    if (flag.resolved_at is not None) == resolving:
        raise Conflict("This flag is already marked as dealt with" if resolving else "This flag is already open")
    text = checked_note(note)
    now = utcnow()
    values: dict[str, Any] = (
        {"resolved_at": now, "resolved_by_id": actor.id, "resolution_note": text} if resolving
        else {"resolved_at": None, "resolved_by_id": None, "resolution_note": None}
    )
    resolved_at = col(AdministrationFlag.resolved_at)
    state = resolved_at.is_(None) if resolving else resolved_at.is_not(None)
    changed = session.exec(  # type: ignore[call-overload]
        update(AdministrationFlag).where(col(AdministrationFlag.id) == flag_id, state).values(**values)
    )
    if changed.rowcount != 1:
        raise Conflict("Someone else changed this flag just now; reload the page")
    review = FlagReview(practice_id=actor.practice_id, flag_id=flag_id, action=action, note=text,
                        by_id=actor.id, at=now)  # type: ignore[arg-type]
    session.add(review)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id,
           action="resolve" if resolving else "reopen", entity="flag", entity_id=flag_id,
           detail={"review_id": review.id, "administration_id": flag.administration_id})
    return flag.model_copy(update={
        "resolved_at": values["resolved_at"], "resolved_by_id": values["resolved_by_id"],
        "resolved_by_name": actor.full_name if resolving else None, "resolution_note": values["resolution_note"],
    })


def resolve_flag(session: Session, *, actor: Counselor, flag_id: int, note: str | None) -> FlagPublic:
    """Mark a flag as dealt with, with a note; it leaves the open lists but stays in the record."""
    return _review(session, actor=actor, flag_id=flag_id, note=note, action="resolved")


def reopen_flag(session: Session, *, actor: Counselor, flag_id: int, note: str | None) -> FlagPublic:
    """Open a flag marked dealt with again, with a note saying why."""
    return _review(session, actor=actor, flag_id=flag_id, note=note, action="reopened")


def reviews_in_context(session: Session, *, subject: Subject, limit: int = REVIEWS_SHOWN) -> list[FlagReviewPublic]:
    """The latest reviews of flags raised in this couple's (or client's) context, newest first,
    in one query of at most ``limit`` rows."""
    rows = session.exec(
        select(FlagReview, AdministrationFlag, Client, Counselor.full_name)
        .join(AdministrationFlag, col(AdministrationFlag.id) == FlagReview.flag_id)
        .join(Client, col(Client.id) == AdministrationFlag.client_id)
        .join(Counselor, col(Counselor.id) == FlagReview.by_id)
        .where(in_context(subject))
        .order_by(col(FlagReview.at).desc(), col(FlagReview.id).desc())
        .limit(limit)
    ).all()
    return [
        FlagReviewPublic(
            id=review.id, flag_id=review.flag_id, action=review.action, note=review.note,  # type: ignore[arg-type]
            at=review.at, by_id=review.by_id, by_name=by_name, client_id=flag.client_id,
            client_name=client.display_name, administration_id=flag.administration_id,
            severity=flag.severity, message=flag.message, flag_open=flag.resolved_at is None,
        )
        for review, flag, client, by_name in rows
    ]
