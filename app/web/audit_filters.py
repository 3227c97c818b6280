"""The audit log's filters: read from the query string, checked, and turned into an AuditFilter.

"About a person" is resolved with subqueries per entity type, so nothing new is stored and the
audit room never imports the tables it points at: a client's events are those on their own
record, their questionnaires, flags and messages, and on every couple they are part of with
its sessions (and their addenda), agreements and schedules. A couple's are those on its record
and on everything in its context, not its partners' individual work. A deleted session can no
longer say whose it was, so its events drop out of a person's filter (the unfiltered log keeps them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from app.audit.service import AuditFilter
from app.auth.models import Counselor
from app.clients.models import Client, Couple, couple_name
from app.fields import parse_id
from app.outreach.models import Message, Schedule
from app.questionnaires.models import Administration, AdministrationFlag
from app.reports.core.formatting import zone
from app.sessions.models import Agreement, NoteAddendum, TherapySession

PARAMS = ("person", "counselor", "entity", "action", "from", "to")
_PERSON = re.compile(r"(client|couple)-([0-9]{1,10})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
ACTOR_KINDS = {"client": "A client (by link)", "system": "System"}
LABELS = {"person": "Client or couple", "counselor": "Who", "entity": "Record type", "action": "Action",
          "from": "From", "to": "To", "export": "Export"}


@dataclass
class Filters:
    """What the form shows (``values``), what went wrong (``errors``), and the filter itself."""

    values: dict[str, str]
    wanted: AuditFilter = field(default_factory=AuditFilter)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any(self.values.values())


def read_filters(session: Session, me: Counselor, params: Any, zone_name: str) -> Filters:
    """The filters asked for; each bad value is a message naming its field, never an exception."""
    values = {name: (params.get(name) or "").strip()[:60] for name in PARAMS}
    found = Filters(values)
    wanted: dict[str, Any] = {}
    if values["person"]:
        wanted["about"] = _person(session, me, values["person"], found.errors)
    if values["counselor"]:
        wanted |= _actor(session, me, values["counselor"], found.errors)
    for name in ("entity", "action"):
        if values[name]:
            if _CODE.fullmatch(values[name]):  # an old code not in the list still filters
                wanted[name] = values[name]
            else:
                found.errors[name] = "Choose one from the list"
    since, until = _day(values["from"], "from", found.errors), _day(values["to"], "to", found.errors)
    if since and until and since > until:
        found.errors["from"] = "The first day is after the last day"
    here = zone(zone_name)
    if since:
        wanted["since"] = datetime.combine(since, time(), tzinfo=here).astimezone(UTC)
    if until:  # the whole last day, up to the next local midnight
        wanted["until"] = datetime.combine(until + timedelta(days=1), time(), tzinfo=here).astimezone(UTC)
    found.wanted = AuditFilter(**wanted)
    return found


def _day(raw: str, name: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw) if _DATE.fullmatch(raw) else None
    except ValueError:
        value = None
    if value is None or not 2000 <= value.year <= 2999:
        errors[name] = "Enter a date like 2026-11-28"
        return None
    return value


def _actor(session: Session, me: Counselor, raw: str, errors: dict[str, str]) -> dict[str, Any]:
    if raw in ACTOR_KINDS:
        return {"actor_kind": raw}
    found = session.exec(select(Counselor.id).where(Counselor.practice_id == me.practice_id,
                                                    col(Counselor.id) == (parse_id(raw) or 0))).first()
    if found is None:
        errors["counselor"] = "Choose one from the list"
        return {}
    return {"actor_id": found}


def _person(session: Session, me: Counselor, raw: str, errors: dict[str, str]) -> dict[str, Any] | None:
    match = _PERSON.fullmatch(raw)
    kind, number = (match.group(1), parse_id(match.group(2)) or 0) if match else ("", 0)
    model = Client if kind == "client" else Couple
    exists = match and session.exec(select(model.id).where(model.practice_id == me.practice_id,
                                                           col(model.id) == number)).first()
    if not exists:
        errors["person"] = "Choose one from the list"
        return None
    return about_client(me.practice_id, number) if kind == "client" else about_couple(me.practice_id, number)


def about_couple(practice_id: int, couple_id: int) -> dict[str, Any]:
    """The ids, per entity type, of the records in a couple's context (as subqueries)."""
    sessions = select(TherapySession.id).where(TherapySession.practice_id == practice_id,
                                               TherapySession.couple_id == couple_id)
    scoped = {model: select(model.id).where(model.practice_id == practice_id, model.couple_id == couple_id)
              for model in (Administration, AdministrationFlag, Agreement, Schedule, Message)}
    return {"couple": [couple_id], "therapy_session": sessions,
            "note_addendum": select(NoteAddendum.id).where(col(NoteAddendum.session_id).in_(sessions)),
            "administration": scoped[Administration], "flag": scoped[AdministrationFlag],
            "agreement": scoped[Agreement], "schedule": scoped[Schedule], "message": scoped[Message]}


def about_client(practice_id: int, client_id: int) -> dict[str, Any]:
    """The ids, per entity type, of a client's own records and their couples' (as subqueries)."""
    couples = select(Couple.id).where(Couple.practice_id == practice_id,
                                      or_(Couple.partner_a_id == client_id, Couple.partner_b_id == client_id))
    in_couples = col(TherapySession.couple_id).in_(couples)
    sessions = select(TherapySession.id).where(TherapySession.practice_id == practice_id,
                                               or_(TherapySession.client_id == client_id, in_couples))
    own = {model: select(model.id).where(model.practice_id == practice_id, model.client_id == client_id)
           for model in (Administration, AdministrationFlag, Message)}
    return {"client": [client_id], "couple": couples, "therapy_session": sessions,
            "note_addendum": select(NoteAddendum.id).where(col(NoteAddendum.session_id).in_(sessions)),
            "administration": own[Administration], "flag": own[AdministrationFlag], "message": own[Message],
            "agreement": select(Agreement.id).where(Agreement.practice_id == practice_id,
                                                    col(Agreement.couple_id).in_(couples)),
            "schedule": select(Schedule.id).where(Schedule.practice_id == practice_id,
                                                  or_(Schedule.client_id == client_id,
                                                      col(Schedule.couple_id).in_(couples)))}


def person_options(session: Session, me: Counselor) -> dict[str, list[tuple[str, str]]]:
    """The form's people: couples then clients, by name (two queries for the whole practice)."""
    clients = {c.id: c for c in session.exec(select(Client).where(Client.practice_id == me.practice_id)).all()}
    couples = session.exec(select(Couple).where(Couple.practice_id == me.practice_id)).all()
    couple_rows = [(f"couple-{c.id}", couple_name(clients[c.partner_a_id], clients[c.partner_b_id]))
                   for c in couples if c.partner_a_id in clients and c.partner_b_id in clients]
    client_rows = [(f"client-{key}", c.display_name) for key, c in clients.items()]
    return {"Couples": sorted(couple_rows, key=lambda row: row[1].casefold()),
            "Clients": sorted(client_rows, key=lambda row: row[1].casefold())}
