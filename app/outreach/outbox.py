"""The counselor's outbox: messages to pass on by hand, and the messages held for them.

Without a mail server (the embedded default, the demo) or for a client reached only through the
counselor, a message waits here with its full text and live link (built when shown, never
stored: ``delivery.wording_for``). The counselor copies it into their own channel and says "I've
passed it on"; saying it twice changes nothing. A message held because email is unconfirmed,
unsafe or missing can be handed on in person instead (``release``); one held for an open
high-severity flag can't: it waits until the flag is dealt with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client
from app.clients.service import client_visible, display_names
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.instruments.catalog import default_catalog
from app.outreach import sending
from app.outreach.contact import HOLD_REASONS
from app.outreach.delivery import wording_for
from app.outreach.models import Message
from app.outreach.schemas import MessagePublic, OutboxPublic
from app.practice.models import Practice
from app.questionnaires.administrations.links import current_link
from app.questionnaires.models import Administration

ENTITY = "message"
#: Held for these, the counselor may hand the message on in person; a safety flag must be dealt with first.
RELEASABLE = ("email_unconfirmed", "email_unsafe", "no_email")
LIFTED_BY = {
    "safety_flag": "Deal with the open flag first; the message goes once no high-severity flag is open.",
    "email_unsafe": "Email is marked unsafe: hand it on in person, or change “Safe to write to their inbox” on "
                    "the client's page.",
    "email_unconfirmed": "Confirm on the client's page that email is safe, or hand it on in person.",
    "no_email": "Add an email address on the client's page, or hand it on in person.",
}


def _mine(actor: Counselor) -> tuple[ColumnElement[bool], ...]:
    """The messages of clients in the actor's caseload (owner: the practice)."""
    return (col(Message.practice_id) == actor.practice_id,
            col(Message.client_id).in_(select(Client.id).where(client_visible(actor))))


def get_message(session: Session, *, actor: Counselor, message_id: int) -> Message:
    found = session.exec(select(Message).where(Message.id == message_id, *_mine(actor))).first()
    if found is None:
        raise NotFound("Message")
    return found


def _public(session: Session, message: Message, names: dict[int, str], now: datetime) -> MessagePublic:
    administration = session.get(Administration, message.administration_id) if message.administration_id else None
    wording = wording_for(session, message, now=now) if message.status == "outbox" else None
    title = None
    if administration is not None:
        found = default_catalog().find(administration.instrument_id, administration.instrument_version)
        title = found.title if found else administration.instrument_id
    reason = message.held_reason if message.status == "held" else None
    assert message.id is not None
    return MessagePublic(
        id=message.id, client_id=message.client_id, client_name=names.get(message.client_id, ""),
        couple_id=message.couple_id, schedule_id=message.schedule_id,
        administration_id=message.administration_id, kind=message.kind,  # type: ignore[arg-type]
        status=message.status, held_reason=reason, held_reason_text=HOLD_REASONS.get(reason or ""),
        lifted_by=LIFTED_BY.get(reason or ""), can_release=reason in RELEASABLE, title=title,
        subject=wording.subject if wording else None, body=wording.body if wording else None,
        link=current_link(administration) if wording and administration else None,
        expires_at=administration.expires_at if administration else None, due_at=message.due_at,
    )


def message_public(session: Session, message: Message, *, now: datetime | None = None) -> MessagePublic:
    return _public(session, message, display_names(session, [message.client_id]), now or utcnow())


def outbox(session: Session, *, actor: Counselor, now: datetime | None = None) -> OutboxPublic:
    """Messages to pass on (whose link still works) and held ones, in the actor's caseload, oldest first."""
    now = now or utcnow()
    rows = session.exec(select(Message).where(*_mine(actor), col(Message.status).in_(("outbox", "held")))
                        .order_by(col(Message.due_at), col(Message.id))).all()
    names = display_names(session, [m.client_id for m in rows])
    shown = [_public(session, m, names, now) for m in rows]
    record(session, actor=actor, practice_id=actor.practice_id, action="read", entity="outbox", entity_id=None,
           detail={"messages": len(shown)})
    return OutboxPublic(outbox=[m for m in shown if m.status == "outbox" and m.body is not None],
                        held=[m for m in shown if m.status == "held"])


def passed_on(session: Session, *, actor: Counselor, message_id: int, now: datetime | None = None) -> Message:
    """The counselor handed the message on: it counts as sent from now (reminders count from here)."""
    now = now or utcnow()
    message = get_message(session, actor=actor, message_id=message_id)
    if message.status == "sent":
        return message  # said twice (a reload, a second tab): nothing more happens
    if message.status != "outbox":
        raise Conflict("This message is not waiting to be passed on")
    message.status, message.sent_at, message.updated_at = "sent", now, now
    session.add(message)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="send", entity=ENTITY, entity_id=message.id,
           detail={"kind": message.kind, "channel": "outbox"})
    return message


def release(session: Session, *, actor: Counselor, message_id: int, now: datetime | None = None) -> Message:
    """A message held for its email goes to the outbox for the counselor to hand on in person."""
    now = now or utcnow()
    message = get_message(session, actor=actor, message_id=message_id)
    if message.status != "held":
        raise Conflict("This message is not held")
    if message.held_reason not in RELEASABLE:
        raise Conflict("This message waits while a high-severity flag is open for the client; deal with the "
                       "flag first")
    reason = message.held_reason
    message.channel = "outbox"
    practice = session.get(Practice, message.practice_id)
    assert practice is not None
    sending.release(session, message, practice, now)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="release", entity=ENTITY,
           entity_id=message.id, detail={"held_reason": reason, "now": message.status})
    return message
