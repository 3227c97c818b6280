"""Administrations as counselors handle them: give, revoke, resend, list.

Scoping: an administration is visible when its client is (owner: the practice; counselor:
their caseload, see ``client_visible``). Anything else is a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import Session, col, func, select

from app.audit.service import record
from app.auth.models import Counselor
from app.clients.models import Client
from app.clients.service import client_visible, get_client, get_couple
from app.clients.subjects import Subject
from app.db import utcnow
from app.errors import Conflict, InvalidField, NotFound
from app.instruments.catalog import default_catalog
from app.instruments.models import Definition
from app.practice.models import Practice
from app.questionnaires.administrations import passcodes
from app.questionnaires.administrations.links import issue_link
from app.questionnaires.administrations.openings import opened_in_browsers
from app.questionnaires.administrations.state import definition_for, effective_status, lock_administration
from app.questionnaires.models import Administration, Response
from app.questionnaires.schemas import (
    AdministrationCreate,
    AdministrationPublic,
    InstrumentPublic,
    SubscaleInfo,
)

ENTITY = "administration"
OPEN = ("pending", "in_progress")


class LinkAlreadyOpen(InvalidField):
    """The person already holds a working link to this questionnaire in this context (a 409
    naming ``client_id``): nobody holds two at once, whether sent by hand or by a schedule."""

    status_code = 409


def list_instruments() -> list[InstrumentPublic]:
    """Every questionnaire's latest version, for the counselor's "give a questionnaire" list."""
    catalog = default_catalog()
    return [
        InstrumentPublic(
            id=d.id, version=d.version, versions=catalog.versions(d.id), title=d.title, kind=d.kind,
            description=d.description, item_count=len(d.items),
            subscales=[SubscaleInfo(id=sid, label=s.label, items=list(s.items))
                       for sid, s in d.subscales.items()],
        )
        for d in catalog.all()
    ]


def administration_visible(actor: Counselor) -> ColumnElement[bool]:
    """SQL condition: the actor may see this administration (through its client)."""
    clients = select(Client.id).where(client_visible(actor))
    return and_(col(Administration.practice_id) == actor.practice_id,
                col(Administration.client_id).in_(clients))


def own_context(subject: Subject, *, strict: bool = False) -> ColumnElement[bool]:
    """SQL condition: administrations that belong with this couple or client.

    For a couple, both partners' administrations given in the couple's context or to the
    person alone (``couple_id`` NULL); for a client on their own, all of theirs. ``strict``
    keeps to the couple's own context (what a partner wrote there, never in individual work).
    """
    in_scope = col(Administration.client_id).in_(subject.client_ids)
    if subject.couple is None:
        return in_scope
    if strict:
        return in_scope & (col(Administration.couple_id) == subject.id)
    return in_scope & or_(col(Administration.couple_id) == subject.id, col(Administration.couple_id).is_(None))


def last_given(session: Session, *, actor: Counselor, subject: Subject) -> str | None:
    """The questionnaire most recently given to this couple or client, else the one this
    counselor gave last to anyone: what a counselor usually sends again. None at first."""
    newest = (col(Administration.created_at).desc(), col(Administration.id).desc())
    for condition in (own_context(subject), and_(col(Administration.practice_id) == actor.practice_id,
                                                 col(Administration.counselor_id) == actor.id)):
        found = session.exec(select(Administration.instrument_id).where(condition).order_by(*newest).limit(1)).first()
        if found is not None:
            return found
    return None


def get_administration(session: Session, *, actor: Counselor, administration_id: int) -> Administration:
    found = session.exec(
        select(Administration).where(Administration.id == administration_id, administration_visible(actor))
    ).first()
    if found is None:
        raise NotFound("Questionnaire")
    return found


def _definition(data: AdministrationCreate) -> Definition:
    catalog = default_catalog()
    if not catalog.versions(data.instrument_id):
        raise InvalidField("instrument_id", f"No questionnaire '{data.instrument_id}'")
    if data.version is None:
        return catalog.latest(data.instrument_id)
    if data.version not in catalog.versions(data.instrument_id):
        known = ", ".join(map(str, catalog.versions(data.instrument_id)))
        raise InvalidField("version", f"'{data.instrument_id}' has no version {data.version} (known: {known})")
    return catalog.get(data.instrument_id, data.version)


def _check_recipient(session: Session, *, actor: Counselor, data: AdministrationCreate) -> Client:
    """The client must be in the caller's caseload, active, and a partner of the couple given."""
    try:
        client = get_client(session, actor=actor, client_id=data.client_id)
    except NotFound:
        raise InvalidField("client_id", f"No client with id {data.client_id} in your caseload") from None
    if client.status != "active":
        raise InvalidField("client_id", "This client is discharged; reopen their file first")
    if data.couple_id is None:
        return client
    try:
        couple = get_couple(session, actor=actor, couple_id=data.couple_id)
    except NotFound:
        raise InvalidField("couple_id", f"No couple with id {data.couple_id} in your caseload") from None
    if data.client_id not in (couple.partner_a_id, couple.partner_b_id):
        raise InvalidField("couple_id", f"Client {data.client_id} is not a partner in couple {data.couple_id}")
    return client


def open_link_of(session: Session, *, client_id: int, instrument_id: str, couple_id: int | None,
                 now: datetime | None = None, other_than: int | None = None) -> Administration | None:
    """The person's working link to this questionnaire in this context (the couple's, or their
    own work alone), if any: not submitted, revoked or expired. The rule the measurement loop
    keeps (``outreach.sending._has_open_link``); in-session entry is not a link."""
    found = session.exec(select(Administration).where(
        Administration.client_id == client_id, Administration.instrument_id == instrument_id,
        Administration.couple_id == couple_id if couple_id is not None else col(Administration.couple_id).is_(None),
        Administration.mode == "link", col(Administration.status).in_(OPEN),
        col(Administration.id) != other_than if other_than is not None else true(),
    ).order_by(col(Administration.created_at).desc(), col(Administration.id).desc())).all()
    now = now or utcnow()
    return next((a for a in found if effective_status(a, now) in OPEN), None)


def _sent_when(session: Session, actor: Counselor, administration: Administration) -> str:
    """When a link was sent, in the practice's time zone: "5 Mar 2025, 14:05"."""
    practice = session.get(Practice, actor.practice_id)
    try:
        zone = ZoneInfo(practice.timezone if practice and practice.timezone else "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = administration.created_at.astimezone(zone)
    return f"{local.day} {local.strftime('%b %Y')}, {local.strftime('%H:%M')}"


def _refuse_second_link(session: Session, *, actor: Counselor, client: Client, instrument_id: str,
                        couple_id: int | None, other_than: int | None = None) -> None:
    """Nobody holds two working links to one questionnaire in one context: refuse, saying
    who, which questionnaire, when the open one was sent and what to do instead."""
    held = open_link_of(session, client_id=client.id or 0, instrument_id=instrument_id, couple_id=couple_id,
                        other_than=other_than)
    if held is None:
        return
    title = definition_for(held).title
    where = "the couple's page" if couple_id is not None else f"{client.display_name}'s page"
    raise LinkAlreadyOpen("client_id", (
        f"{client.display_name} already has an open link to \u201c{title}\u201d, sent "
        f"{_sent_when(session, actor, held)}. To send it again, use \u201cNew link\u201d on {where} "
        "(the old link then stops working), or revoke that link first."))


def practice_link_days(session: Session, actor: Counselor) -> int:
    """How long a link works unless the send says otherwise: the practice's setting."""
    practice = session.get(Practice, actor.practice_id)
    assert practice is not None
    return practice.link_days


def create_administration(
    session: Session, *, actor: Counselor, data: AdministrationCreate
) -> tuple[Administration, str | None]:
    """Give a questionnaire; returns the administration and, in link mode, the link (shown once).

    A link is refused (``LinkAlreadyOpen``, 409) while the person already holds a working link
    to the same questionnaire in the same context; in-session entry is not a link and is never
    refused. The client's row is locked first, so two sends at once can't both pass the check.
    """
    definition = _definition(data)
    client = _check_recipient(session, actor=actor, data=data)
    if data.mode == "in_session" and data.expires_in_days is not None:
        raise InvalidField("expires_in_days", "Only links expire; leave this out for in-session entry")
    if data.mode == "link":
        session.exec(select(Client.id).where(Client.id == data.client_id).with_for_update()).first()
        _refuse_second_link(session, actor=actor, client=client, instrument_id=definition.id,
                            couple_id=data.couple_id)
    administration = Administration(
        practice_id=actor.practice_id, client_id=data.client_id, couple_id=data.couple_id,
        counselor_id=actor.id, instrument_id=definition.id, instrument_version=definition.version,
        definition_checksum=definition.checksum, mode=data.mode,
    )
    days = data.expires_in_days or practice_link_days(session, actor)
    link = issue_link(administration, days=days) if data.mode == "link" else None
    session.add(administration)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="create", entity=ENTITY,
           entity_id=administration.id,
           detail={"instrument": definition.label, "mode": data.mode, "client_id": data.client_id})
    return administration, link


def revoke_administration(session: Session, *, actor: Counselor, administration_id: int) -> Administration:
    """Stop a link (or in-session entry) for good; answers saved so far are kept."""
    get_administration(session, actor=actor, administration_id=administration_id)
    administration = lock_administration(session, administration_id)
    assert administration is not None
    if administration.status in ("submitted", "revoked"):
        raise Conflict(f"This questionnaire is already {administration.status}")
    administration.status, administration.revoked_at = "revoked", utcnow()
    session.add(administration)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="revoke", entity=ENTITY,
           entity_id=administration.id)
    return administration


def resend_link(
    session: Session, *, actor: Counselor, administration_id: int, expires_in_days: int | None = None,
    reset_passcode: bool | None = None,
) -> tuple[Administration, str, str | None]:
    """A new link for a not-yet-submitted administration; the old link stops working at once.

    Also reopens an expired or revoked one, keeping the answers saved so far. The passcode
    stays unless it is reset (``reset_passcode``; by default only a locked link is): then the
    client chooses a new one, and if answers are saved they also need the one-time code
    returned here, which the counselor gives them in person or by phone, never with the link.
    Returns ``(administration, link, code or None)``.
    """
    get_administration(session, actor=actor, administration_id=administration_id)
    administration = lock_administration(session, administration_id)
    assert administration is not None
    if administration.status == "submitted":
        raise Conflict("This questionnaire is already submitted; give a new one instead")
    if administration.mode != "link":
        raise Conflict("This questionnaire is being entered in session; it has no link")
    if effective_status(administration) not in OPEN:  # reopening: not while another link is open
        client = session.get(Client, administration.client_id)
        assert client is not None
        _refuse_second_link(session, actor=actor, client=client, instrument_id=administration.instrument_id,
                            couple_id=administration.couple_id, other_than=administration.id)
    link = issue_link(administration, days=expires_in_days or practice_link_days(session, actor))
    answered = session.exec(select(func.count()).select_from(Response).where(
        Response.administration_id == administration.id)).one()
    if administration.status == "revoked":
        administration.status = "in_progress" if answered else "pending"
        administration.revoked_at = None
    reset = administration.locked_at is not None if reset_passcode is None else reset_passcode
    code = passcodes.reset_passcode(administration, answered=bool(answered)) if reset else None
    session.add(administration)
    session.flush()
    record(session, actor=actor, practice_id=actor.practice_id, action="resend", entity=ENTITY,
           entity_id=administration.id, detail={"passcode_reset": reset, "with_code": code is not None})
    return administration, link, code


def list_client_administrations(session: Session, *, actor: Counselor, client_id: int) -> list[Administration]:
    get_client(session, actor=actor, client_id=client_id)
    return _listed(session, actor, col(Administration.client_id) == client_id)


def list_couple_administrations(session: Session, *, actor: Counselor, couple_id: int) -> list[Administration]:
    """Administrations given in this couple's context (both partners)."""
    get_couple(session, actor=actor, couple_id=couple_id)
    return _listed(session, actor, col(Administration.couple_id) == couple_id)


def list_open_links(session: Session, *, actor: Counselor, limit: int = 500) -> list[Administration]:
    """Link administrations not yet submitted, across the caller's caseload, in one query."""
    condition = and_(col(Administration.mode) == "link", col(Administration.status).in_(("pending", "in_progress")))
    return _listed(session, actor, condition)[:limit]


def _listed(session: Session, actor: Counselor, condition: ColumnElement[bool]) -> list[Administration]:
    query = select(Administration).where(condition, administration_visible(actor))
    order = (col(Administration.created_at).desc(), col(Administration.id).desc())
    return list(session.exec(query.order_by(*order)).all())


# --- reading ------------------------------------------------------------------------


def answered_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """How many items each administration has answers for (one query for a whole list)."""
    if not ids:
        return {}
    rows = session.exec(
        select(Response.administration_id, func.count())
        .where(col(Response.administration_id).in_(ids))
        .group_by(Response.administration_id)
    ).all()
    return {administration_id: count for administration_id, count in rows}


_NOT_SHOWN = {"token_hash", "passcode_hash", "reset_code_hash", "passcode_failures", "status", "practice_id",
              "definition_checksum", "link_nonce"}


def to_public(administration: Administration, *, answered: int, browsers: int = 0) -> AdministrationPublic:
    """What a counselor may see of an administration: never a token or passcode hash."""
    definition = definition_for(administration)
    data = administration.model_dump(exclude=_NOT_SHOWN)
    return AdministrationPublic(
        **data, status=effective_status(administration), title=definition.title,  # type: ignore[arg-type]
        answered=answered, total_items=len(definition.items), locked=administration.locked_at is not None,
        failed_passcodes=administration.passcode_failures, opened_in_browsers=browsers,
        passcode_set=administration.passcode_hash is not None,
    )


def public_list(session: Session, administrations: Sequence[Administration]) -> list[AdministrationPublic]:
    """Administrations as counselors see them, in two queries for any number of rows."""
    ids = [a.id for a in administrations if a.id is not None]
    counts = answered_counts(session, ids)
    links = [a.id for a in administrations if a.id is not None and a.mode == "link"]
    browsers = opened_in_browsers(session, links)
    return [to_public(a, answered=counts.get(a.id or 0, 0), browsers=browsers.get(a.id or 0, 0))
            for a in administrations]
