"""Read-only helpers the pages share: couples with partner names, and what the
questionnaire service knows about a client, a couple or the whole caseload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.auth.models import Counselor
from app.clients import service as clients
from app.clients.models import Couple
from app.clients.service import couples_public
from app.db import utcnow
from app.questionnaires.administrations import service as questionnaires
from app.questionnaires.schemas import AdministrationPublic, FlagPublic
from app.questionnaires.submission import flags as flag_service
from app.sessions.models import TherapySession

OVERDUE_DAYS = 7          # a link still unanswered after a week needs a nudge
EXPIRING_DAYS = 3         # ... and one about to expire needs a resend
OPEN_STATUSES = ("pending", "in_progress")


def session_names(session: Session, rows: Sequence[TherapySession]) -> dict[int, str]:
    """Who each session was with (couple or client name), in two queries for any number of rows.

    ``rows`` come from the sessions service, already scoped to the counselor."""
    couple_ids = {r.couple_id for r in rows if r.couple_id}
    couples = list(session.exec(select(Couple).where(col(Couple.id).in_(couple_ids))).all()) if couple_ids else []
    couple_names = {c.id: c.name for c in couples_public(session, couples)}
    client_names = clients.display_names(session, [r.client_id for r in rows if r.client_id])
    return {r.id: couple_names.get(r.couple_id, "") if r.couple_id else client_names.get(r.client_id, "")
            for r in rows if r.id is not None}


def client_administrations(session: Session, me: Counselor, client_id: int) -> list[AdministrationPublic]:
    """Questionnaires given to one client, newest first."""
    rows = questionnaires.list_client_administrations(session, actor=me, client_id=client_id)
    return questionnaires.public_list(session, rows)


def couple_questionnaires(session: Session, me: Counselor, couple_id: int) -> list[AdministrationPublic]:
    """Questionnaires given in this couple's context (both partners), newest first."""
    rows = questionnaires.list_couple_administrations(session, actor=me, couple_id=couple_id)
    return questionnaires.public_list(session, rows)


def open_flags(session: Session, me: Counselor, *, couple_id: int | None = None) -> list[FlagPublic]:
    """Open flags in the caseload (or one couple's), most severe first."""
    return flag_service.list_flags(session, actor=me, status="open", couple_id=couple_id)


@dataclass(frozen=True)
class Waiting:
    """A questionnaire link still not submitted, and why it is on the dashboard."""

    administration: AdministrationPublic
    client_name: str
    reason: str


def _waiting_reason(a: AdministrationPublic, now: datetime) -> str | None:
    if a.status not in OPEN_STATUSES or a.mode != "link":
        return None
    if a.expires_at is not None and a.expires_at - now <= timedelta(days=EXPIRING_DAYS):
        return "expires soon"
    if now - a.created_at >= timedelta(days=OVERDUE_DAYS):
        return "overdue"
    return "waiting"


def waiting_questionnaires(session: Session, me: Counselor) -> list[Waiting]:
    """Unsubmitted links across the caseload: expiring soon first, then overdue, then the rest."""
    now = utcnow()
    rows = questionnaires.public_list(session, questionnaires.list_open_links(session, actor=me))
    names = clients.display_names(session, [a.client_id for a in rows])
    out = []
    for a in rows:
        reason = _waiting_reason(a, now)
        if reason:
            out.append(Waiting(a, names.get(a.client_id, ""), reason))
    order = {"expires soon": 0, "overdue": 1, "waiting": 2}
    return sorted(out, key=lambda w: (order[w.reason], w.administration.created_at))
