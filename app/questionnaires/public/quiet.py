""""Stop reminders" from a message: ``/q/quiet/<signed token>`` (``links.quiet_token``).

The page names no one and no questionnaire: whoever holds the message can open it. Opening it
(GET) changes nothing, because mail scanners fetch every link in a message; only the button
(POST) stops reminders, and pressing it twice is the same as once. The counselor sees it on the
couple or client page and in their queue; the sweep cancels reminders not yet sent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import update
from sqlmodel import col

from app.audit.service import record
from app.db import SessionDep, utcnow
from app.questionnaires.administrations.links import administration_for_quiet
from app.questionnaires.models import Administration
from app.questionnaires.public.pages import INVALID_STATUS, redirect, render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=200)]


@router.get("/q/quiet/{token}")
def quiet_page(token: Token, request: Request, session: SessionDep) -> Response:
    found = administration_for_quiet(session, token)
    if found is None:
        return render(request, "quiet.html", {"gone": True}, status_code=INVALID_STATUS)
    return render(request, "quiet.html", {"token": token, "done": found.reminders_stopped_at is not None})


@router.post("/q/quiet/{token}")
def stop_reminders(token: Token, request: Request, session: SessionDep) -> Response:
    found = administration_for_quiet(session, token)
    if found is None:
        return render(request, "quiet.html", {"gone": True}, status_code=INVALID_STATUS)
    stopped = session.execute(
        update(Administration)
        .where(col(Administration.id) == found.id, col(Administration.reminders_stopped_at).is_(None))
        .values(reminders_stopped_at=utcnow())
    ).rowcount
    if stopped:
        record(session, actor=None, practice_id=found.practice_id, action="stop_reminders",
               entity="administration", entity_id=found.id)
    return redirect(f"/q/quiet/{token}")  # the page now says they're stopped; a reload posts nothing
