"""Write, filter and list audit events; every service that changes or reads a record calls record().

The audit room sits below every domain package (it imports none of them), so anything can
record an event. The actor is anything with an ``id`` (a counselor) or None (a client
using a link, or the system). Filters that need other rooms' tables (which events are about
a client?) arrive ready-made as id lists or subqueries per entity type (``AuditFilter.about``),
so this room still imports none of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from app.audit import chain  # noqa: F401 - registers the chain's before_flush listener
from app.audit.models import AuditEvent
from app.db import add_when_done
from app.pagination import paged


class Actor(Protocol):
    @property
    def id(self) -> int | None: ...


def record(
    session: Session,
    *,
    actor: Actor | None,
    practice_id: int,
    action: str,
    entity: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> AuditEvent:
    """Note an event; on a read request it is written when the request ends (``add_when_done``).

    ``actor_kind`` defaults to "counselor" with an actor and "client" without one. The event's
    place in the practice's tamper-evident chain (``chain_seq``, ``chain_hash``) is given when
    it is flushed (``app.audit.chain``), under the practice's lock.
    """
    event = AuditEvent(
        practice_id=practice_id,
        actor_id=actor.id if actor else None,
        actor_kind=actor_kind or ("counselor" if actor else "client"),
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail or {},
    )
    add_when_done(session, event)
    return event


@dataclass(frozen=True)
class AuditFilter:
    """Which events to list; every field None (or empty) means "any".

    ``actor_id`` is a counselor; ``actor_kind`` ("client", "system") picks events without one.
    ``since``/``until`` are UTC instants, ``until`` excluded. ``about`` maps an entity type to
    the ids (a collection or a SELECT of ids) of the records a person's events are filed under;
    when given, only events on those records are listed.
    """

    actor_id: int | None = None
    actor_kind: str | None = None
    entity: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    about: Mapping[str, Any] | None = field(default=None)


def _conditions(practice_id: int, wanted: AuditFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [col(AuditEvent.practice_id) == practice_id]
    if wanted.actor_id is not None:
        found.append(col(AuditEvent.actor_id) == wanted.actor_id)
    if wanted.actor_kind:
        found.append(and_(col(AuditEvent.actor_id).is_(None), col(AuditEvent.actor_kind) == wanted.actor_kind))
    if wanted.entity:
        found.append(col(AuditEvent.entity) == wanted.entity)
    if wanted.action:
        found.append(col(AuditEvent.action) == wanted.action)
    if wanted.since is not None:
        found.append(col(AuditEvent.at) >= wanted.since)
    if wanted.until is not None:
        found.append(col(AuditEvent.at) < wanted.until)
    if wanted.about is not None:
        # One (entity, id IN ...) pair per record type; a person with no records matches nothing.
        pairs = [and_(col(AuditEvent.entity) == kind, col(AuditEvent.entity_id).in_(ids))
                 for kind, ids in wanted.about.items()]
        found.append(or_(*pairs) if pairs else false())
    return found


ORDER = (col(AuditEvent.at).desc(), col(AuditEvent.id).desc())


def list_events(
    session: Session,
    *,
    practice_id: int,
    entity: str | None = None,
    entity_id: int | None = None,
    wanted: AuditFilter | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEvent], int]:
    """One page of the practice's events, newest first, and how many match in all."""
    query = select(AuditEvent).where(*_conditions(practice_id, wanted or AuditFilter(entity=entity)))
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    return paged(session, query, order_by=ORDER, offset=offset, limit=limit)


def iter_events(
    session: Session, *, practice_id: int, wanted: AuditFilter, chunk: int = 1000
) -> Iterator[list[AuditEvent]]:
    """Every matching event, newest first, in chunks (keyset paging: no OFFSET rescans)."""
    conditions = _conditions(practice_id, wanted)
    last: AuditEvent | None = None
    while True:
        query = select(AuditEvent).where(*conditions)
        if last is not None:
            query = query.where(or_(col(AuditEvent.at) < last.at,
                                    and_(col(AuditEvent.at) == last.at, col(AuditEvent.id) < last.id)))
        rows = list(session.exec(query.order_by(*ORDER).limit(chunk)).all())
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = rows[-1]


#: Reads that a counselor does many times a day; the log folds runs of them (``fold_reads``).
READ_ACTIONS = frozenset({"read_note", "read_answers", "read", "preview_report"})


@dataclass(frozen=True)
class Fold:
    """One row of the log: one event, or a run of reads of one kind by one counselor on one
    local day (newest first). ``more_newer``/``more_older``: the run goes on past the page's edge."""

    events: tuple[AuditEvent, ...]
    day: date
    more_newer: bool = False
    more_older: bool = False

    @property
    def first(self) -> AuditEvent:
        return self.events[0]

    @property
    def folded(self) -> bool:
        return len(self.events) > 1

    @property
    def records(self) -> tuple[AuditEvent, ...]:
        """One event per record read, in order: what the folded row names."""
        seen: dict[tuple[str, int | None], AuditEvent] = {}
        for event in self.events:
            seen.setdefault((event.entity, event.entity_id), event)
        return tuple(seen.values())


def _fold_key(event: AuditEvent, zone: tzinfo) -> tuple[int, str, date] | None:
    if event.action not in READ_ACTIONS or event.actor_id is None:
        return None
    return event.actor_id, event.action, event.at.astimezone(zone).date()


def fold_reads(
    events: list[AuditEvent], zone: tzinfo, *, newer: AuditEvent | None = None, older: AuditEvent | None = None
) -> list[Fold]:
    """Fold consecutive reads (same counselor, same action, same day in ``zone``) into one row.

    Only *consecutive* events fold, so the log stays in time order and a fold's count is exact
    for the run it shows; ``newer``/``older`` are the events just beyond the page, which tell
    whether a run at the page's edge continues on the next or previous page.
    """
    runs: list[list[AuditEvent]] = []
    keys: list[tuple[int, str, date] | None] = []
    for event in events:
        key = _fold_key(event, zone)
        if runs and key is not None and keys[-1] == key:
            runs[-1].append(event)
        else:
            runs.append([event])
            keys.append(key)
    folds = [Fold(tuple(run), run[0].at.astimezone(zone).date()) for run in runs]
    if folds and keys[0] is not None and newer is not None and _fold_key(newer, zone) == keys[0]:
        folds[0] = Fold(folds[0].events, folds[0].day, True, folds[0].more_older)
    if folds and keys[-1] is not None and older is not None and _fold_key(older, zone) == keys[-1]:
        folds[-1] = Fold(folds[-1].events, folds[-1].day, folds[-1].more_newer, True)
    return folds
