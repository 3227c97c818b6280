"""Saving answers and submitting once: one path shared by the public link and in-session entry.

Concurrency: every write first locks the administration row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), then re-reads its
status. Submission itself is a conditional ``UPDATE ... WHERE status NOT IN
('submitted', 'revoked')`` so two submits can never both score (ARCHITECTURE.md, "A submission").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.db import utcnow
from app.errors import Conflict, InvalidField
from app.instruments.answers import missing_required, parse_answers
from app.questionnaires.administrations.service import get_administration
from app.questionnaires.administrations.state import (
    CLOSED,
    accepts_answers,
    definition_for,
    effective_status,
    further,
    lock_administration,
    lock_open,
)
from app.questionnaires.models import Administration, AdministrationFlag, Response, Score
from app.scoring import ScoreResult, score_administration
from app.scoring.flags import flags_on_save
from app.scoring.types import Flag


class AnswersInvalid(InvalidField):
    """Some answers are invalid or missing; ``errors`` maps each item id to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        listed = "; ".join(f"{item_id}: {message}" for item_id, message in self.errors.items())
        super().__init__("answers", f"Check these answers: {listed}")


def load_answers(session: Session, administration_id: int) -> dict[str, Any]:
    """Stored answers of one administration: ``{item_id: value}``."""
    rows = session.exec(select(Response).where(Response.administration_id == administration_id))
    return {row.item_id: row.value for row in rows if row.value is not None}


def save_answers(
    session: Session, *, administration_id: int, values: Mapping[str, Any], reached: str | None = None
) -> Administration:
    """Lock, check it still takes answers, then store valid answers (``None`` clears one).

    ``reached`` is the page the client may resume at next; progress only moves forward.
    ``QuestionnaireClosed`` when it no longer takes answers (nothing is written then).
    """
    administration = lock_open(session, administration_id)
    _store(session, administration, values)
    _add_flags(session, administration, flags_on_save(definition_for(administration), values))
    if reached is not None:
        administration.current_section = further(
            definition_for(administration), administration.current_section, reached)
    session.add(administration)
    session.flush()
    return administration


def _store(session: Session, administration: Administration, values: Mapping[str, Any]) -> None:
    """Upsert answers on a locked, open administration; the lock makes the upsert free of duplicates."""
    now = utcnow()
    existing = {
        row.item_id: row
        for row in session.exec(select(Response).where(Response.administration_id == administration.id))
    }
    cleared = [item_id for item_id, value in values.items() if value is None and item_id in existing]
    if cleared:
        session.exec(delete(Response).where(  # type: ignore[call-overload]
            col(Response.administration_id) == administration.id, col(Response.item_id).in_(cleared)
        ))
    for item_id, value in values.items():
        if value is None:
            continue
        row = existing.get(item_id)
        if row is None:
            session.add(Response(practice_id=administration.practice_id,
                                 administration_id=administration.id, item_id=item_id, value=value))
        elif row.value != value:
            row.value, row.updated_at = value, now
            session.add(row)
    if administration.status == "pending":
        administration.status = "in_progress"
        administration.started_at = now
    administration.last_saved_at = now


def _entered_by_counselor(session: Session, actor: Counselor, administration_id: int) -> Administration:
    """Only in-session administrations take the counselor's answers: a link's answers are the
    client's until they send them, and answering or sending for them would show what they never
    sent (409). A submitted one passes, so submitting again stays a harmless no-op."""
    administration = get_administration(session, actor=actor, administration_id=administration_id)
    if administration.mode == "link" and administration.status != "submitted":
        raise Conflict("This questionnaire was sent by link; only the client can answer and send it")
    return administration


def save_in_session(
    session: Session, *, actor: Counselor, administration_id: int, answers: Mapping[str, Any]
) -> Administration:
    """The counselor enters answers in session (partial is fine); 422 naming every invalid item."""
    administration = _entered_by_counselor(session, actor, administration_id)
    values, errors = parse_answers(definition_for(administration), answers)
    if errors:
        raise AnswersInvalid(errors)
    return save_answers(session, administration_id=administration_id, values=values)


def submit_in_session(
    session: Session, *, actor: Counselor, administration_id: int, share_scores: bool = False
) -> Administration:
    """Submit in session: the same validation, scoring and single-use guard as the link.

    ``share_scores`` is the client's answer to "may reports for the two of you show your
    scores?", asked aloud; not sharing is the default. Submitting an already submitted
    administration returns it unchanged (idempotent).
    """
    _entered_by_counselor(session, actor, administration_id)
    administration, _ = submit(session, administration_id=administration_id, actor=actor,
                               share_scores=share_scores)
    return administration


def _mark_submitted(session: Session, administration: Administration, share_scores: bool) -> bool:
    """The single-use guard: a conditional UPDATE that only one submit can win."""
    now = utcnow()
    result = session.exec(  # type: ignore[call-overload]
        update(Administration)
        .where(col(Administration.id) == administration.id, col(Administration.status).not_in(CLOSED))
        .values(status="submitted", submitted_at=now, current_section=None, share_scores=share_scores)
    )
    if result.rowcount != 1:
        return False
    administration.status, administration.submitted_at = "submitted", now
    administration.current_section, administration.share_scores = None, share_scores
    return True


def _store_result(session: Session, administration: Administration, result: ScoreResult) -> None:
    for score in result.subscales.values():
        session.add(Score(
            practice_id=administration.practice_id, administration_id=administration.id,
            subscale=score.subscale, mean=score.mean, raw=score.raw, answered=score.answered,
            total=score.total, prorated=score.prorated, scored=score.scored, band=score.band,
        ))
    _add_flags(session, administration, result.flags)


def _add_flags(session: Session, administration: Administration, flags: Sequence[Flag]) -> None:
    """Raise each flag once per administration: a safety answer raised on save isn't raised
    again on submit, and stays raised if the client later changes it (the counselor was told)."""
    if not flags:
        return
    raised = set(session.exec(select(AdministrationFlag.item_id, AdministrationFlag.message).where(
        AdministrationFlag.administration_id == administration.id)).all())
    for flag in flags:
        if (flag.item_id, flag.message) in raised:
            continue
        raised.add((flag.item_id, flag.message))
        session.add(AdministrationFlag(
            practice_id=administration.practice_id, administration_id=administration.id,
            client_id=administration.client_id, couple_id=administration.couple_id,
            item_id=flag.item_id, severity=flag.severity, message=flag.message,
        ))


def submit(
    session: Session, *, administration_id: int, actor: Counselor | None, share_scores: bool = False
) -> tuple[Administration, bool]:
    """Validate, mark submitted, score and store, all in the caller's transaction.

    ``share_scores`` records the client's consent to show their scores in reports for the couple.

    Returns ``(administration, newly_submitted)``; a second submit returns False and
    changes nothing. ``AnswersInvalid`` lists missing required items (nothing written).
    """
    administration = lock_administration(session, administration_id)
    if administration is None:
        raise Conflict("This questionnaire no longer exists")
    if administration.status == "submitted":
        return administration, False
    if not accepts_answers(administration):
        raise Conflict(f"This questionnaire is {effective_status(administration)}; it cannot be submitted")
    definition = definition_for(administration)
    answers = load_answers(session, administration.id)  # type: ignore[arg-type]
    missing = missing_required(definition, answers)
    if missing:
        raise AnswersInvalid(missing)
    if not _mark_submitted(session, administration, share_scores):
        return administration, False
    _store_result(session, administration, score_administration(definition, answers))
    record(session, actor=actor, practice_id=administration.practice_id, action="submit",
           entity="administration", entity_id=administration.id,
           detail={"mode": administration.mode})
    session.flush()
    return administration, True
