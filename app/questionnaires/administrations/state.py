"""An administration's state: the definition it was given with, its status as of now, and
the row lock every change to it takes first."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from app.db import utcnow
from app.errors import Conflict
from app.instruments.catalog import default_catalog
from app.instruments.models import Definition
from app.questionnaires.models import Administration

REVIEW_STEP = "_review"  # current_section once every page is saved; never a section id
CLOSED = ("submitted", "revoked")


class QuestionnaireClosed(Conflict):
    """The questionnaire no longer takes answers (submitted, revoked, expired or gone)."""

    def __init__(self, administration: Administration | None) -> None:
        self.administration = administration
        status = effective_status(administration) if administration is not None else "gone"
        super().__init__(f"This questionnaire is {status}; answers can't change")


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


def lock_open(session: Session, administration_id: int) -> Administration:
    """The row under its lock, if it still takes answers; ``QuestionnaireClosed`` otherwise."""
    administration = lock_administration(session, administration_id)
    if administration is None or not accepts_answers(administration):
        raise QuestionnaireClosed(administration)
    return administration


def further(definition: Definition, current: str | None, candidate: str) -> str:
    """Whichever of two resume points is further along (going Back never loses progress)."""
    order = [s.id for s in definition.sections] + [REVIEW_STEP]
    position = {key: index for index, key in enumerate(order)}
    return candidate if position.get(candidate, 0) >= position.get(current or "", 0) else current or candidate
