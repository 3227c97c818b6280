"""What a submission left: the answers in the client's words, the scores and the flags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.subjects import Subject
from app.instruments.answers import answer_text
from app.instruments.catalog import default_catalog
from app.questionnaires.administrations.service import get_administration, own_context, public_list
from app.questionnaires.administrations.state import definition_for
from app.questionnaires.models import Administration, Response, Score
from app.questionnaires.schemas import (
    ANSWERS_HIDDEN,
    AnswerPublic,
    AnswersPublic,
    IndicatorPublic,
    ScorePublic,
    SubmissionPublic,
)
from app.questionnaires.submission.answering import load_answers
from app.questionnaires.submission.flags import flags_for_administration
from app.scoring.safety import IndicatorResult, score_indicators


def scores_for(session: Session, administration_id: int) -> list[ScorePublic]:
    rows = session.exec(select(Score).where(Score.administration_id == administration_id).order_by(Score.id))
    return [ScorePublic.model_validate(row) for row in rows]


def submission_public(session: Session, administration: Administration) -> SubmissionPublic:
    assert administration.id is not None
    return SubmissionPublic(
        administration=public_list(session, [administration])[0],
        scores=scores_for(session, administration.id),
        flags=flags_for_administration(session, administration_id=administration.id),
    )


def answers_hidden(administration: Administration) -> bool:
    """Unsent means unsent: a link's answers stay the client's until they send them."""
    return administration.mode == "link" and administration.status != "submitted"


def read_answers(session: Session, *, actor: Counselor, administration_id: int) -> AnswersPublic:
    """Every item with its answer (item texts of the version given), scores and flags; audited.

    A link not yet sent by the client shows progress and flags only, never a value or its
    text (``answers_hidden``); what the counselor enters in session always shows. Each read
    is recorded ("read_answers"), hidden or not.
    """
    administration = get_administration(session, actor=actor, administration_id=administration_id)
    hidden = answers_hidden(administration)
    answers: list[AnswerPublic] = []
    if not hidden:
        definition = definition_for(administration)
        stored = load_answers(session, administration_id)
        answers = [
            AnswerPublic(item_id=item.id, section_id=section.id, text=item.text, type=item.type,
                         value=stored.get(item.id), display=answer_text(definition, item, stored.get(item.id)))
            for section in definition.sections for item in section.items
        ]
    record(session, actor=actor, practice_id=actor.practice_id, action="read_answers", entity="administration",
           entity_id=administration_id, detail={"answers_hidden": hidden})
    return AnswersPublic(
        administration=public_list(session, [administration])[0], answers_hidden=hidden,
        message=ANSWERS_HIDDEN if hidden else None, answers=answers,
        scores=scores_for(session, administration_id),
        indicators=[] if hidden else [indicator_public(r) for r in score_indicators(definition, stored).values()],
        flags=flags_for_administration(session, administration_id=administration_id),
    )


def indicator_public(result: IndicatorResult) -> IndicatorPublic:
    return IndicatorPublic(indicator=result.indicator, label=result.label, status=result.status,
                           text=result.text, concern_items=list(result.concerns))


def latest_answers(
    session: Session, *, subject: Subject, instrument_ids: Sequence[str], item_ids: Sequence[str]
) -> dict[int, tuple[Administration, dict[str, Any]]]:
    """Each person's latest submitted administration of these questionnaires given in this
    couple's (or client's) own context, with their answers to these items only, in two
    queries: ``{client_id: (administration, answers)}``."""
    latest: dict[int, Administration] = {}
    for administration in session.exec(
        select(Administration)
        .where(own_context(subject, strict=True), col(Administration.instrument_id).in_(instrument_ids),
               Administration.status == "submitted")
        .order_by(col(Administration.submitted_at).desc(), col(Administration.id).desc())
    ):
        latest.setdefault(administration.client_id, administration)
    answers: dict[int, dict[str, Any]] = {a.id: {} for a in latest.values() if a.id is not None}
    if answers:
        for response in session.exec(select(Response).where(
            col(Response.administration_id).in_(list(answers)), col(Response.item_id).in_(item_ids),
        )):
            answers[response.administration_id][response.item_id] = response.value
    return {client_id: (a, answers[a.id]) for client_id, a in latest.items() if a.id is not None}


@dataclass(frozen=True)
class SafetyReading:
    """One person's latest reading of a safety indicator, and the questionnaire it came from."""

    client_id: int
    instrument_title: str
    submitted_at: datetime
    result: IndicatorResult


def latest_safety(session: Session, *, subject: Subject) -> list[SafetyReading]:
    """Each person's latest submitted reading of every indicator, from the questionnaires that
    have one, given in this couple's (or client's) own context: two queries whatever the record."""
    with_indicators = [d for d in default_catalog().all() if d.indicators]
    if not with_indicators:
        return []
    items = sorted({i for d in with_indicators for ind in d.indicators.values() for i in ind.items})
    found = latest_answers(session, subject=subject, instrument_ids=sorted({d.id for d in with_indicators}),
                           item_ids=items)
    readings = []
    for person in subject.people:
        if person.id not in found:
            continue
        administration, answers = found[person.id]
        definition = definition_for(administration)
        for result in score_indicators(definition, answers).values():
            readings.append(SafetyReading(person.id, definition.title, administration.submitted_at,  # type: ignore[arg-type]
                                          result))
    return readings
