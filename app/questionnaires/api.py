"""Counselor API for questionnaires: give, follow, enter in session, read answers, scores, flags."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, status

from app.auth.deps import CurrentCounselor
from app.clients.subjects import load_subject
from app.db import SessionDep
from app.questionnaires.administrations import service
from app.questionnaires.models import Administration
from app.questionnaires.schemas import (
    AdministrationCreate,
    AdministrationPublic,
    AdministrationWithLink,
    AnswersPublic,
    AnswersUpdate,
    CoupleScoreHistory,
    FlagPublic,
    FlagReviewRequest,
    InstrumentPublic,
    ResendRequest,
    SubmissionPublic,
    SubmitRequest,
)
from app.questionnaires.scores.history import couple_history_public, score_histories
from app.questionnaires.submission import answering, flags, results
from app.questionnaires.submission.flags import FlagStatus
from app.routing import ApiRouter

router = ApiRouter(prefix="/api/v1", tags=["questionnaires"])


def _with_link(session: SessionDep, found: Administration, link: str | None) -> AdministrationWithLink:
    public = service.public_list(session, [found])[0]
    return AdministrationWithLink(**public.model_dump(), link=link)


@router.get("/instruments", response_model=list[InstrumentPublic])
def list_instruments(counselor: CurrentCounselor) -> list[InstrumentPublic]:
    return service.list_instruments()


@router.post("/administrations", response_model=AdministrationWithLink, status_code=status.HTTP_201_CREATED)
def create_administration(
    data: AdministrationCreate, session: SessionDep, counselor: CurrentCounselor
) -> AdministrationWithLink:
    """Give a questionnaire. In link mode the response holds the private link, shown only this once."""
    administration, link = service.create_administration(session, actor=counselor, data=data)
    return _with_link(session, administration, link)


@router.get("/administrations/{administration_id:id}", response_model=AdministrationPublic)
def get_administration(
    administration_id: int, session: SessionDep, counselor: CurrentCounselor
) -> AdministrationPublic:
    found = service.get_administration(session, actor=counselor, administration_id=administration_id)
    return service.public_list(session, [found])[0]


@router.post("/administrations/{administration_id:id}/revoke", response_model=AdministrationPublic)
def revoke(administration_id: int, session: SessionDep, counselor: CurrentCounselor) -> AdministrationPublic:
    found = service.revoke_administration(session, actor=counselor, administration_id=administration_id)
    return service.public_list(session, [found])[0]


@router.post("/administrations/{administration_id:id}/resend", response_model=AdministrationWithLink)
def resend(
    administration_id: int, session: SessionDep, counselor: CurrentCounselor, data: ResendRequest | None = None
) -> AdministrationWithLink:
    """A new link; the old one stops working immediately. The passcode stays unless reset."""
    found, link, code = service.resend_link(
        session, actor=counselor, administration_id=administration_id,
        expires_in_days=data.expires_in_days if data else None, reset_passcode=data.reset_passcode if data else None,
    )
    return _with_link(session, found, link).model_copy(update={"reset_code": code})


@router.get("/clients/{client_id:id}/administrations", response_model=list[AdministrationPublic])
def client_administrations(
    client_id: int, session: SessionDep, counselor: CurrentCounselor
) -> list[AdministrationPublic]:
    rows = service.list_client_administrations(session, actor=counselor, client_id=client_id)
    return service.public_list(session, rows)


@router.get("/couples/{couple_id:id}/administrations", response_model=list[AdministrationPublic])
def couple_administrations(
    couple_id: int, session: SessionDep, counselor: CurrentCounselor
) -> list[AdministrationPublic]:
    rows = service.list_couple_administrations(session, actor=counselor, couple_id=couple_id)
    return service.public_list(session, rows)


@router.get("/administrations/{administration_id:id}/answers", response_model=AnswersPublic)
def read_answers(administration_id: int, session: SessionDep, counselor: CurrentCounselor) -> AnswersPublic:
    """Answers with item texts, scores and flags. Reading is recorded in the audit trail."""
    return results.read_answers(session, actor=counselor, administration_id=administration_id)


@router.put("/administrations/{administration_id:id}/answers", response_model=AdministrationPublic)
def save_answers(
    administration_id: int, data: AnswersUpdate, session: SessionDep, counselor: CurrentCounselor
) -> AdministrationPublic:
    """Save some answers entered in session (partial is fine; null clears one); a link's: 409."""
    found = answering.save_in_session(session, actor=counselor, administration_id=administration_id,
                                      answers=data.answers)
    return service.public_list(session, [found])[0]


@router.post("/administrations/{administration_id:id}/submit", response_model=SubmissionPublic)
def submit(
    administration_id: int, session: SessionDep, counselor: CurrentCounselor, data: SubmitRequest | None = None
) -> SubmissionPublic:
    """Check required answers, then score; submitting again changes nothing. ``share_scores``
    (default false) is the client's consent to show their scores in reports for the couple."""
    found = answering.submit_in_session(session, actor=counselor, administration_id=administration_id,
                                        share_scores=data.share_scores if data else False)
    return results.submission_public(session, found)


@router.get("/couples/{couple_id:id}/scores", response_model=list[CoupleScoreHistory])
def couple_scores(
    couple_id: int,
    session: SessionDep,
    counselor: CurrentCounselor,
    instrument_id: Annotated[str | None, Query(min_length=1, max_length=60,
                                               description="One questionnaire; default: every scored one")] = None,
) -> list[CoupleScoreHistory]:
    """Both partners' trajectories per subscale, with reliable change and the gaps between them,
    for every scored questionnaire either partner has submitted (or the one asked for)."""
    subject = load_subject(session, actor=counselor, couple_id=couple_id)
    histories = score_histories(session, subject=subject, instrument_id=instrument_id)
    alerted = {f.client_id for f in flags.list_flags(session, actor=counselor, status="open", couple_id=couple_id)
               if f.severity == "high"}
    return [couple_history_public(h, subject, alerted) for h in histories]


@router.get("/flags", response_model=list[FlagPublic])
def list_flags(
    session: SessionDep, counselor: CurrentCounselor, status: Annotated[FlagStatus, Query()] = "open"
) -> list[FlagPublic]:
    return flags.list_flags(session, actor=counselor, status=status)


@router.post("/flags/{flag_id:id}/resolve", response_model=FlagPublic)
def resolve_flag(
    flag_id: int, session: SessionDep, counselor: CurrentCounselor, data: FlagReviewRequest | None = None
) -> FlagPublic:
    """Mark a flag dealt with; ``note`` (1 to 500 characters) is required. 409 when it already is."""
    return flags.resolve_flag(session, actor=counselor, flag_id=flag_id, note=data.note if data else None)


@router.post("/flags/{flag_id:id}/reopen", response_model=FlagPublic)
def reopen_flag(
    flag_id: int, session: SessionDep, counselor: CurrentCounselor, data: FlagReviewRequest | None = None
) -> FlagPublic:
    """Open a flag marked dealt with again; ``note`` is required. 409 when it is open."""
    return flags.reopen_flag(session, actor=counselor, flag_id=flag_id, note=data.note if data else None)
