"""Saving answers and submitting once: the one path shared by the public link and in-session entry.

Concurrency: every write first locks the administration row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers), then re-reads its
status. Submission itself is a conditional ``UPDATE ... WHERE status NOT IN
('submitted', 'revoked')`` so two submits can never both score (DESIGN §9).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.db import utcnow
from app.errors import Conflict, InvalidField
from app.questionnaires.answers import missing_required
from app.questionnaires.catalog import default_catalog
from app.questionnaires.definitions import Definition
from app.questionnaires.models import Administration, AdministrationFlag, Response, Score
from app.scoring import ScoreResult, score_administration

REVIEW_STEP = "_review"  # current_section once every page is saved; never a section id
CLOSED = ("submitted", "revoked")


class AnswersInvalid(InvalidField):
    """Some answers are invalid or missing; ``errors`` maps each item id to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        listed = "; ".join(f"{item_id}: {message}" for item_id, message in self.errors.items())
        super().__init__("answers", f"Check these answers: {listed}")


def definition_for(administration: Administration) -> Definition:
    """The exact version the administration was given with (old ones keep their text)."""
    return default_catalog().get(administration.instrument_id, administration.instrument_version)


def effective_status(administration: Administration, now: datetime | None = None) -> str:
    """Status as of now: an open link past its ``expires_at`` reads as expired."""
    if administration.status in CLOSED or administration.expires_at is None:
        return administration.status
    if (now or utcnow()) >= administration.expires_at:
        return "expired"
    return administration.status


def accepts_answers(administration: Administration) -> bool:
    return effective_status(administration) in ("pending", "in_progress")


def lock_administration(session: Session, administration_id: int) -> Administration | None:
    """Re-read the row under a write lock so status checks and writes see the latest commit."""
    statement = (
        select(Administration)
        .where(Administration.id == administration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(statement).first()


def load_answers(session: Session, administration_id: int) -> dict[str, Any]:
    """Stored answers of one administration: ``{item_id: value}``."""
    rows = session.exec(select(Response).where(Response.administration_id == administration_id))
    return {row.item_id: row.value for row in rows if row.value is not None}


def store_answers(
    session: Session, *, administration: Administration, values: Mapping[str, Any],
    next_section: str | None = None,
) -> None:
    """Upsert answers (``None`` removes one) on a locked, open administration.

    The caller must hold the row lock (``lock_administration``) and have checked
    ``accepts_answers``; that lock is what makes the upsert free of duplicate rows.
    """
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
    if next_section is not None:
        administration.current_section = next_section
    session.add(administration)
    session.flush()


def _mark_submitted(session: Session, administration: Administration) -> bool:
    """The single-use guard: a conditional UPDATE that only one submit can win."""
    now = utcnow()
    result = session.exec(  # type: ignore[call-overload]
        update(Administration)
        .where(col(Administration.id) == administration.id, col(Administration.status).not_in(CLOSED))
        .values(status="submitted", submitted_at=now, current_section=None)
    )
    if result.rowcount != 1:
        return False
    administration.status, administration.submitted_at = "submitted", now
    administration.current_section = None
    return True


def _store_result(session: Session, administration: Administration, result: ScoreResult) -> None:
    for score in result.subscales.values():
        session.add(Score(
            practice_id=administration.practice_id, administration_id=administration.id,
            subscale=score.subscale, mean=score.mean, raw=score.raw, answered=score.answered,
            total=score.total, prorated=score.prorated, scored=score.scored, band=score.band,
        ))
    for flag in result.flags:
        session.add(AdministrationFlag(
            practice_id=administration.practice_id, administration_id=administration.id,
            client_id=administration.client_id, couple_id=administration.couple_id,
            item_id=flag.item_id, severity=flag.severity, message=flag.message,
        ))


def submit_locked(
    session: Session, *, administration_id: int, actor: Counselor | None
) -> tuple[Administration, bool]:
    """Validate, mark submitted, score and store, all in the caller's transaction.

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
    if not _mark_submitted(session, administration):
        return administration, False
    _store_result(session, administration, score_administration(definition, answers))
    record(session, actor=actor, practice_id=administration.practice_id, action="submit",
           entity="administration", entity_id=administration.id,
           detail={"mode": administration.mode})
    session.flush()
    return administration, True
