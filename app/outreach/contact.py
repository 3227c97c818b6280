"""How a client may be reached, and whether a message to them must wait.

Reaching the wrong inbox can hurt someone, so Mend emails a client only when email is known to
be safe: the counselor said so, or the client's own intake did ("is it safe to contact you by
email?" yes, and no answer that their partner checks their phone). Anything else waits for the
counselor, who is told why. While a high-severity flag is open for the client nothing goes out
by any channel: the counselor speaks with them first.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.clients.models import Client
from app.config import get_settings
from app.questionnaires.models import Administration, AdministrationFlag, Response

#: The intake answers that say whether email is safe. Item ids are data (the definitions); these
#: two are read here because no definition field says "contact safety" yet.
SAFE_TO_CONTACT_ITEM = "safety_ok_to_contact"
PARTNER_CHECKS_PHONE_ITEM = "safety_control_phone"

HOLD_REASONS = {
    "safety_flag": "a high-severity flag is open for this client",
    "email_unsafe": "email is marked unsafe for this client",
    "email_unconfirmed": "no one has confirmed that email is safe for this client",
    "no_email": "this client has no email address",
}


def channel_for(client: Client) -> str:
    """"email" when the practice has a mail server and the client prefers email, else "outbox"."""
    if get_settings().mail_enabled and client.contact_preference == "email":
        return "email"
    return "outbox"


def has_open_high_flag(session: Session, client_id: int) -> bool:
    found = session.exec(select(AdministrationFlag.id).where(
        AdministrationFlag.client_id == client_id, col(AdministrationFlag.resolved_at).is_(None),
        AdministrationFlag.severity == "high").limit(1)).first()
    return found is not None


def refresh_from_intake(session: Session, client: Client) -> None:
    """Take "safe to email" from the client's latest submitted answers, unless a counselor set it."""
    if client.email_safe_source == "counselor":
        return
    rows = session.exec(
        select(Response.item_id, Response.value)
        .join(Administration, col(Administration.id) == col(Response.administration_id))
        .where(Administration.client_id == client.id, Administration.status == "submitted",
               col(Response.item_id).in_((SAFE_TO_CONTACT_ITEM, PARTNER_CHECKS_PHONE_ITEM)))
        .order_by(col(Administration.submitted_at).desc())
    ).all()
    latest: dict[str, object] = {}
    for item_id, value in rows:
        latest.setdefault(item_id, value)
    if latest.get(PARTNER_CHECKS_PHONE_ITEM) is True or latest.get(SAFE_TO_CONTACT_ITEM) is False:
        verdict = "no"
    elif latest.get(SAFE_TO_CONTACT_ITEM) is True:
        verdict = "yes"
    else:
        return
    if client.email_safe != verdict or client.email_safe_source != "intake":
        client.email_safe, client.email_safe_source = verdict, "intake"
        session.add(client)


def hold_reason(session: Session, client: Client, channel: str) -> str | None:
    """Why a message to this client must wait (a key of ``HOLD_REASONS``), or None."""
    assert client.id is not None
    if has_open_high_flag(session, client.id):
        return "safety_flag"
    if channel != "email":
        return None
    refresh_from_intake(session, client)
    if client.email_safe == "no":
        return "email_unsafe"
    if not client.email:
        return "no_email"
    if client.email_safe != "yes":
        return "email_unconfirmed"
    return None
