"""The audit log in words: what each event did, and who or what it was about, with a link.

Names for a whole page come in a fixed number of queries (one per entity type on the page,
then one for the couples and one for the clients they name), never one per row. A record
that is gone reads "a deleted draft session #12", without a link. Every query is scoped to
the owner's practice, so an id can never name another practice's record.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from app.audit.models import AuditEvent
from app.auth.models import Counselor
from app.clients.models import Client, Couple, couple_name
from app.instruments.catalog import default_catalog
from app.outreach.models import Message, Schedule
from app.practice.models import Practice
from app.questionnaires.models import Administration, AdministrationFlag
from app.reports.core.formatting import day, label
from app.sessions.models import Agreement, NoteAddendum, TherapySession
from app.web.templating import record_page

#: The words for each stored action code; an unknown code reads as a tidy form of itself.
ACTIONS = {
    "login": "Login", "create": "Created", "update": "Changed", "delete": "Deleted",
    "discharge": "Discharged", "sign": "Signed the note", "read_note": "Read note",
    "note_integrity_failed": "Found a signed note changed outside Mend",
    "read_answers": "Read answers", "read": "Opened", "checkin": "Recorded a check-in",
    "revoke": "Revoked the link", "resend": "Sent a new link", "submit": "Submitted",
    "resolve": "Marked dealt with", "reopen": "Reopened", "send": "Sent", "release": "Released to the outbox",
    "pause": "Paused", "resume": "Resumed", "stop": "Stopped", "stop_reminders": "Stopped reminders",
    "link_opened": "Opened the link", "link_passcode_set": "Chose a passcode",
    "link_passcode_ok": "Gave the passcode", "link_passcode_failed": "Gave a wrong passcode",
    "link_locked": "Link locked", "generate_report": "Made a report", "preview_report": "Previewed a report",
    "export": "Exported", "correct": "Corrected", "reassign": "Changed counselor",
    "report_downloaded": "Downloaded a report", "report_download_refused": "Report download refused",
    "import": "Imported the practice", "purge": "Purged after retention", "erase": "Erased a mistaken entry",
}
#: Each entity type's name (the filter's choices, the CSV's column); unknown ones read tidily.
ENTITIES = {
    "client": "Client", "couple": "Couple", "therapy_session": "Session", "note_addendum": "Note addendum",
    "administration": "Questionnaire", "flag": "Flag", "agreement": "Agreement", "schedule": "Schedule",
    "message": "Message", "counselor": "Counselor", "practice": "Practice settings", "outbox": "Outbox",
    "audit_log": "Audit log",
}
# Records without an id: one place each.
FIXED = {"outbox": "/outbox", "audit_log": "/audit", "practice": "/settings"}

_CODE = re.compile(r"[a-z][a-z_]*")


def tidy(code: str) -> str:
    """``link_expired`` -> ``Link expired``; a dash for nothing."""
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "—"


def action_words(code: str) -> str:
    return ACTIONS.get(code) or tidy(code)


def entity_words(code: str) -> str:
    return ENTITIES.get(code) or tidy(code)


def who(event: AuditEvent, counselors: dict[int, str]) -> str:
    """The counselor's name, or who acted without one."""
    if event.actor_id is not None:
        return counselors.get(event.actor_id, f"Counselor #{event.actor_id}")
    return "A client (by link)" if event.actor_kind == "client" else "System"


@dataclass(frozen=True)
class Named:
    text: str
    href: str | None = None


class Names:
    """What each (entity, id) of a page is called; ``of(event)`` never fails."""

    def __init__(self, found: dict[tuple[str, int], Named]) -> None:
        self._found = found

    def of(self, event: AuditEvent) -> Named:
        if event.entity_id is None:
            return Named(entity_words(event.entity), FIXED.get(event.entity))
        found = self._found.get((event.entity, event.entity_id))
        if found is not None:
            return found
        noun = "draft session" if event.entity == "therapy_session" else entity_words(event.entity).lower()
        return Named(f"a deleted {noun} #{event.entity_id}")


def _ids(events: Iterable[AuditEvent]) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.entity_id is not None:
            ids[event.entity].add(event.entity_id)
    return ids


class _Loader:
    """Rows by id, one query per table, only ever from the owner's practice."""

    def __init__(self, session: Session, practice_id: int) -> None:
        self.session, self.practice_id = session, practice_id

    def load(self, model: Any, ids: set[int]) -> dict[int, Any]:
        ids = {i for i in ids if i is not None}
        if not ids:
            return {}
        scope = model.id == self.practice_id if model is Practice else model.practice_id == self.practice_id
        rows: Iterable[SQLModel] = self.session.exec(select(model).where(scope, col(model.id).in_(ids))).all()
        return {row.id: row for row in rows}  # type: ignore[attr-defined]


def _refs(rows: Iterable[Any], name: str) -> set[int]:
    return {getattr(r, name) for r in rows if getattr(r, name, None) is not None}


def name_events(session: Session, *, practice_id: int, events: list[AuditEvent], zone: str) -> Names:
    """Names and links for every record the events are about, in one query per table."""
    ids, load = _ids(events), _Loader(session, practice_id).load
    addenda, flags = load(NoteAddendum, ids["note_addendum"]), load(AdministrationFlag, ids["flag"])
    messages = load(Message, ids["message"])
    sessions = load(TherapySession, ids["therapy_session"] | _refs(addenda.values(), "session_id"))
    administrations = load(Administration, ids["administration"] | _refs(flags.values(), "administration_id")
                           | _refs(messages.values(), "administration_id"))
    agreements, schedules = load(Agreement, ids["agreement"]), load(Schedule, ids["schedule"])
    linked = [*sessions.values(), *administrations.values(), *flags.values(), *agreements.values(),
              *schedules.values(), *messages.values()]
    couples = load(Couple, ids["couple"] | _refs(linked, "couple_id"))
    clients = load(Client, ids["client"] | _refs(linked, "client_id") | _refs(couples.values(), "partner_a_id")
                   | _refs(couples.values(), "partner_b_id"))
    people = _People(clients, couples)
    found: dict[tuple[str, int], Named] = {}
    for key, row in clients.items():
        found["client", key] = Named(row.display_name, f"/clients/{key}")
    for key in couples:
        found["couple", key] = Named(people.couple(key), f"/couples/{key}")
    for key, row in sessions.items():
        found["therapy_session", key] = Named(f"Session {day(row.starts_at, zone)} · {people.of(row)}",
                                              f"/sessions/{key}")
    for key, row in addenda.items():
        parent = found.get(("therapy_session", row.session_id))
        found["note_addendum", key] = Named(f"Addendum to {parent.text if parent else 'a deleted session'}",
                                            f"/sessions/{row.session_id}" if parent else None)
    for key, row in administrations.items():
        found["administration", key] = Named(f"{people.client(row.client_id)} · {_title(row)}",
                                             f"/administrations/{key}")
    for key, row in flags.items():
        source = administrations.get(row.administration_id)
        found["flag", key] = Named(f"Flag · {people.client(row.client_id)} · {_title(source)}",
                                   f"/administrations/{row.administration_id}")
    for key, row in agreements.items():
        found["agreement", key] = Named(f"Agreement “{row.title}” · {people.couple(row.couple_id)}",
                                        f"/agreements/{key}")
    for key, row in schedules.items():
        found["schedule", key] = Named(f"Schedule · {_title(row)} · {people.of(row)}",
                                       record_page(row.couple_id, row.client_id))
    for key, row in messages.items():
        kind = "Reminder" if row.kind == "reminder" else "Message"
        found["message", key] = Named(f"{kind} to {people.client(row.client_id)}",
                                      record_page(row.couple_id, row.client_id))
    _name_staff(found, load(Counselor, ids["counselor"]), load(Practice, ids["practice"]))
    return Names(found)


def _name_staff(found: dict[tuple[str, int], Named], counselors: dict[int, Counselor],
                practices: dict[int, Practice]) -> None:
    for key, counselor in counselors.items():
        found["counselor", key] = Named(counselor.full_name, "/settings/counselors")
    for key, practice in practices.items():
        found["practice", key] = Named(practice.name, "/settings")


def _title(row: Administration | Schedule | None) -> str:
    """A questionnaire's title from the catalog (its id when the definition is gone)."""
    if row is None:
        return "a deleted questionnaire"
    version = getattr(row, "instrument_version", None)
    catalog = default_catalog()
    definition = (catalog.find(row.instrument_id, version) if version
                  else next((d for d in catalog.all() if d.id == row.instrument_id), None))
    return definition.title if definition else row.instrument_id


class _People:
    """Client and couple names from rows already loaded (a missing one reads as deleted)."""

    def __init__(self, clients: dict[int, Client], couples: dict[int, Couple]) -> None:
        self.clients, self.couples = clients, couples

    def client(self, client_id: int | None) -> str:
        found = self.clients.get(client_id) if client_id else None
        return found.display_name if found else f"a deleted client #{client_id}"

    def couple(self, couple_id: int | None) -> str:
        found = self.couples.get(couple_id) if couple_id else None
        if found is None:
            return f"a deleted couple #{couple_id}"
        a, b = self.clients.get(found.partner_a_id), self.clients.get(found.partner_b_id)
        return couple_name(a, b) if a and b else f"couple #{couple_id}"

    def of(self, row: Any) -> str:
        """The couple a row belongs to, else its client."""
        return self.couple(row.couple_id) if row.couple_id else self.client(row.client_id)


def _word(value: Any) -> str:
    """A stored code in words (``in_person`` -> ``In person``); anything else as it is."""
    return label(value) if isinstance(value, str) and _CODE.fullmatch(value) else str(value)


def detail_words(detail: dict[str, Any], counselors: dict[int, str] | None = None) -> str:
    """The event's detail in a line (``Fields: email, phone; Via: web``); audit details hold
    no answers or notes, only codes, ids, flags and field names. A counselor's id reads as
    their name (``From counselor: Dana Diaz``)."""
    parts = []
    for key, value in sorted(detail.items()):
        if key.endswith("counselor_id") and counselors and value in counselors:
            key, value = key.removesuffix("_id"), counselors[value]
        if isinstance(value, list):
            value = ", ".join(tidy(str(v)).lower() for v in value)
        elif isinstance(value, dict):  # a correction's from / to: field names and stored codes in words
            value = ", ".join(f"{tidy(k).lower()} {_word(v)}" for k, v in sorted(value.items()))
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        parts.append(f"{tidy(key)}: {value}")
    return "; ".join(parts)
