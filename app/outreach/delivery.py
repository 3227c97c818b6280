"""Delivering one queued email: claim it, check it is still wanted, send, record.

A worker *claims* a message with a conditional UPDATE that sets a lease (``next_attempt_at`` a
little past the SMTP timeout) and commits, then talks to the mail server with no transaction
open, then records the outcome. Two workers given the same message: one claim wins, the other
does nothing. A worker killed mid-send: the lease runs out and the message is sent again, with
the same Message-ID, so the only way a client can get one message twice is a crash between the
mail server's "accepted" and our commit of "sent", which ``mail.send`` makes straight after
the acceptance, before saying goodbye to the server. A failed send waits
``mail_retry_seconds`` doubled per attempt (at most an hour), and after ``mail_max_attempts``
(or a permanent refusal) the message is undeliverable and the counselor sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, or_

from app.audit.service import record
from app.clients.models import Client
from app.config import get_settings
from app.db import get_engine, utcnow
from app.outreach import mail
from app.outreach.contact import hold_reason
from app.outreach.models import Message
from app.outreach.sending import OPEN, zone_of
from app.outreach.wording import Wording, compose
from app.practice.mail_name import sender_name
from app.practice.models import Practice
from app.questionnaires.administrations.links import current_link, quiet_url
from app.questionnaires.administrations.state import effective_status
from app.questionnaires.models import Administration

MAX_BACKOFF_SECONDS = 3600


@dataclass(frozen=True)
class Outcome:
    """What a delivery did; ``retry_in`` seconds when it should be tried again."""

    status: str  # sent | retry | failed | held | cancelled | skipped
    retry_in: float | None = None


def backoff_seconds(attempts: int) -> float:
    return min(get_settings().mail_retry_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def lease_seconds() -> float:
    return get_settings().smtp_timeout_seconds * 2 + 5


def wording_for(session: Session, message: Message, *, now: datetime) -> Wording | None:
    """The message as it reads now, or None when its link no longer works."""
    administration = session.get(Administration, message.administration_id) if message.administration_id else None
    client = session.get(Client, message.client_id)
    practice = session.get(Practice, message.practice_id)
    if administration is None or client is None or practice is None or administration.expires_at is None:
        return None
    link = current_link(administration)
    if link is None or effective_status(administration, now) not in OPEN:
        return None
    if message.kind == "reminder" and administration.reminders_stopped_at is not None:
        return None  # the client asked for no more; the sweep would cancel it, this is sooner
    return compose(kind=message.kind, sender=sender_name(practice.name, practice.mail_name),
                   first_name=client.preferred_name or client.first_name, link=link,
                   expires_at=administration.expires_at, now=now, zone=zone_of(practice),
                   stop_link=quiet_url(administration))


def _claim(message_id: int, now: datetime) -> bool:
    with Session(get_engine()) as session:
        claimed = session.execute(
            update(Message)
            .where(col(Message.id) == message_id, col(Message.status) == "queued",
                   or_(col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now))
            .values(next_attempt_at=now + timedelta(seconds=lease_seconds()), attempts=Message.attempts + 1,
                    updated_at=now)
        ).rowcount
        session.commit()
    return claimed == 1


def _prepare(message_id: int, now: datetime) -> tuple[mail.EmailMessage | None, Outcome | None]:
    """Re-check a claimed message (a flag may have been raised since it was queued)."""
    with Session(get_engine()) as session:
        message = session.get(Message, message_id)
        assert message is not None
        client = session.get(Client, message.client_id)
        assert client is not None
        reason = hold_reason(session, client, message.channel)
        wording = wording_for(session, message, now=now) if reason is None else None
        if reason is not None:
            message.status, message.held_reason, message.next_attempt_at = "held", reason, None
        elif wording is None:
            message.status, message.next_attempt_at = "cancelled", None
        if reason is not None or wording is None:
            session.add(message)
            session.commit()
            return None, Outcome("held" if reason else "cancelled")
        practice = session.get(Practice, message.practice_id)
        assert practice is not None and client.email
        built = mail.build(key=message.key, to=client.email, sender_name=sender_name(practice.name, practice.mail_name),
                           subject=wording.subject, body=wording.body)
        session.commit()
        return built, None


def _record(message_id: int, now: datetime, failure: mail.SendFailed | None) -> Outcome:
    with Session(get_engine()) as session:
        message = session.get(Message, message_id)
        assert message is not None
        if failure is None:
            message.status, message.sent_at, message.last_error, message.next_attempt_at = "sent", now, None, None
            outcome = Outcome("sent")
            record(session, actor=None, actor_kind="system", practice_id=message.practice_id, action="send",
                   entity="message", entity_id=message.id,
                   detail={"kind": message.kind, "channel": "email", "attempts": message.attempts})
        elif failure.permanent or message.attempts >= get_settings().mail_max_attempts:
            message.status, message.last_error, message.next_attempt_at = "failed", failure.reason, None
            outcome = Outcome("failed")
        else:
            wait = backoff_seconds(message.attempts)
            message.last_error, message.next_attempt_at = failure.reason, now + timedelta(seconds=wait)
            outcome = Outcome("retry", retry_in=wait)
        message.updated_at = now
        session.add(message)
        session.commit()
    return outcome


def deliver(message_id: int, *, now: datetime | None = None) -> Outcome:
    """Send one queued email if it is due and no one else holds it (safe to call any number of times)."""
    now = now or utcnow()
    if not _claim(message_id, now):
        return Outcome("skipped")
    built, early = _prepare(message_id, now)
    if early is not None:
        return early
    assert built is not None
    outcome: list[Outcome] = []
    try:
        mail.send(built, accepted=lambda: outcome.append(_record(message_id, utcnow(), None)))
    except mail.SendFailed as failure:
        if outcome:  # accepted and recorded; only the goodbye failed
            return outcome[0]
        return _record(message_id, utcnow(), failure)
    return outcome[0]
