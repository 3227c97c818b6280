"""The practice's own reliability: dated snapshots, taken in batches, read as timelines.

A definition publishes a reliability and an SD per subscale (often provisional placeholders).
A practice's own data replace them only through a ``ReliabilitySnapshot``: Cronbach's alpha of
one questionnaire *version*'s subscale (so the items are the same) over **distinct clients**, one
answer set each (the client's first complete one of that version, nearest to a pre-treatment
reference group), with Feldt's 95% CI and the SD of those clients' subscale means.

Snapshots are taken by ``take_snapshots`` (``mend reliability``), never while a page is read: the
first when ``reliability_min_clients`` distinct clients have submitted that version, a new one
when they have grown by 20% since the last (``--refresh``: now, whatever the growth). Not at
submission: taking one reads every answer of that version in the practice, which would hold the
writer lock inside a client's submit, and the questionnaire rooms' contract keeps submission
from importing scores. Run it on a schedule (nightly is plenty: it does nothing until due).

``reliability_timelines`` turns the stored snapshots into each subscale's timeline: the
definition's values from the start, then each snapshot from its ``taken_at`` (a snapshot below
``reliability_min_clients`` or ``reliability_min_alpha`` puts the definition's values back in
force). The pure ``app.scoring.history`` judges each change with the entry in force when its
later administration was submitted, so no verdict moves when other couples submit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from app.config import get_settings
from app.db import utcnow
from app.instruments.catalog import Catalog, default_catalog
from app.instruments.models import Definition
from app.practice.models import Practice
from app.questionnaires.models import Administration, ReliabilitySnapshot, Response
from app.scoring import SOURCE_PRACTICE, Reliability, definition_reliability, reliability_at
from app.scoring.reliability import estimate_alpha, keyed_rows, snapshot_due, usable_snapshot


@dataclass(frozen=True)
class Taken:
    """What one run did for one questionnaire version of one practice."""

    practice_id: int
    instrument_id: str
    version: int
    clients_seen: int
    reason: str | None  # "floor" | "growth" | "refresh"; None: nothing due
    snapshots: tuple[ReliabilitySnapshot, ...]


def _counts(session: Session, practice_id: int, definition: Definition) -> tuple[int, int]:
    """Distinct clients and administrations submitted of this version (one cheap aggregate)."""
    row = session.exec(select(func.count(func.distinct(Administration.client_id)), func.count()).where(
        Administration.practice_id == practice_id, Administration.instrument_id == definition.id,
        Administration.instrument_version == definition.version, Administration.status == "submitted",
    )).one()
    return int(row[0]), int(row[1])


def _last_clients_seen(session: Session, practice_id: int, definition: Definition) -> int | None:
    return session.exec(select(func.max(ReliabilitySnapshot.clients_seen)).where(
        ReliabilitySnapshot.practice_id == practice_id, ReliabilitySnapshot.instrument_id == definition.id,
        ReliabilitySnapshot.instrument_version == definition.version,
    )).one()


def _answer_sets_by_client(
    session: Session, practice_id: int, definition: Definition
) -> list[tuple[int, list[dict[str, Any]]]]:
    """Per client, their submitted answer sets of this version, oldest first."""
    item_ids = sorted({i for sub in definition.subscales.values() for i in sub.items})
    rows = session.exec(
        select(Administration.client_id, Administration.id, Response.item_id, Response.value)
        .join(Response, col(Response.administration_id) == Administration.id)
        .where(Administration.practice_id == practice_id, Administration.instrument_id == definition.id,
               Administration.instrument_version == definition.version, Administration.status == "submitted",
               col(Response.item_id).in_(item_ids))
        .order_by(col(Administration.client_id), col(Administration.submitted_at), col(Administration.id))
    ).all()
    sets: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for client_id, administration_id, item_id, value in rows:
        # Stored answers are coerced already; anything but an int is left out, never a crash.
        if isinstance(value, int) and not isinstance(value, bool):
            sets[client_id].setdefault(administration_id, {})[item_id] = value
        else:
            sets[client_id].setdefault(administration_id, {})
    return [(client_id, list(by_admin.values())) for client_id, by_admin in sets.items()]


def first_complete_sets(definition: Definition, subscale_id: str,
                        by_client: Sequence[tuple[int, Sequence[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Each client's first answer set with every item of the subscale answered (one per client)."""
    items = definition.subscales[subscale_id].items
    chosen = []
    for _, answer_sets in by_client:
        for answers in answer_sets:
            if all(answers.get(i) is not None for i in items):
                chosen.append(answers)
                break
    return chosen


def snapshot_version(
    session: Session, *, practice_id: int, definition: Definition, refresh: bool = False,
    now: datetime | None = None,
) -> Taken:
    """Take this version's snapshots (every subscale, one ``taken_at``) when due or asked; flushes."""
    clients_seen, administrations = _counts(session, practice_id, definition)
    reason = "refresh" if refresh and clients_seen else snapshot_due(
        clients_seen, _last_clients_seen(session, practice_id, definition),
        min_clients=get_settings().reliability_min_clients)
    if reason is None:
        return Taken(practice_id, definition.id, definition.version, clients_seen, None, ())
    at = now or utcnow()
    by_client = _answer_sets_by_client(session, practice_id, definition)
    made = []
    for sid in definition.subscales:
        found = estimate_alpha(keyed_rows(definition, sid, first_complete_sets(definition, sid, by_client)))
        made.append(ReliabilitySnapshot(
            practice_id=practice_id, instrument_id=definition.id, instrument_version=definition.version,
            subscale=sid, alpha=found.alpha, alpha_low=found.alpha_low, alpha_high=found.alpha_high,
            n_clients=found.n_clients, n_administrations=administrations, clients_seen=clients_seen,
            n_items=found.n_items, sd=found.sd, reason=reason, taken_at=at,
        ))
    session.add_all(made)
    session.flush()
    return Taken(practice_id, definition.id, definition.version, clients_seen, reason, tuple(made))


def take_snapshots(
    session: Session, *, practice_id: int | None = None, refresh: bool = False, catalog: Catalog | None = None,
    now: datetime | None = None,
) -> list[Taken]:
    """Every practice (or one) x every scored questionnaire version: snapshots where due (or all,
    with ``refresh``). The caller (the CLI) commits."""
    catalog = catalog or default_catalog()
    practices = ([practice_id] if practice_id is not None
                 else [p for p in session.exec(select(Practice.id).order_by(col(Practice.id))).all()])
    definitions = [d for d in _every_version(catalog) if d.is_scored]
    return [snapshot_version(session, practice_id=pid, definition=d, refresh=refresh, now=now)
            for pid in practices if pid is not None for d in definitions]


def _every_version(catalog: Catalog) -> Iterable[Definition]:
    for latest in catalog.all():
        for version in catalog.versions(latest.id):
            yield catalog.get(latest.id, version)


# --- reading: each subscale's timeline --------------------------------------------------------------


def as_reliability(snapshot: ReliabilitySnapshot, definition: Definition) -> Reliability:
    """A stored snapshot as the reliability in force from its ``taken_at``: the practice's own
    alpha and SD when they clear the floors, else the definition's values again."""
    settings = get_settings()
    if usable_snapshot(snapshot.alpha, snapshot.n_clients, snapshot.sd, min_clients=settings.reliability_min_clients,
                       min_alpha=settings.reliability_min_alpha):
        assert snapshot.alpha is not None
        return Reliability(snapshot.alpha, SOURCE_PRACTICE, snapshot.n_administrations,
                           n_clients=snapshot.n_clients, alpha_low=snapshot.alpha_low,
                           alpha_high=snapshot.alpha_high, sd=snapshot.sd, version=snapshot.instrument_version,
                           taken_at=snapshot.taken_at)
    fallback = definition_reliability(definition, snapshot.subscale)
    return Reliability(fallback.value, fallback.source, snapshot.n_administrations, sd=fallback.sd,
                       provisional=fallback.provisional, version=definition.version, taken_at=snapshot.taken_at)


def reliability_timelines(
    session: Session, *, practice_id: int, describing: Definition, versions: Iterable[int],
    catalog: Catalog | None = None,
) -> dict[str, tuple[Reliability, ...]]:
    """Per subscale of ``describing``, the timeline over the answered ``versions`` (one query)."""
    catalog = catalog or default_catalog()
    known = {v: d for v in {*versions, describing.version}
             if (d := describing if v == describing.version else catalog.find(describing.id, v)) is not None}
    snapshots = session.exec(select(ReliabilitySnapshot).where(
        ReliabilitySnapshot.practice_id == practice_id, ReliabilitySnapshot.instrument_id == describing.id,
        col(ReliabilitySnapshot.instrument_version).in_(sorted(known)),
    ).order_by(col(ReliabilitySnapshot.taken_at), col(ReliabilitySnapshot.id))).all()
    out: dict[str, tuple[Reliability, ...]] = {}
    for sid in describing.subscales:
        timeline = [definition_reliability(d, sid) for _, d in sorted(known.items()) if sid in d.subscales]
        timeline += [as_reliability(s, known[s.instrument_version]) for s in snapshots
                     if s.subscale == sid and sid in known[s.instrument_version].subscales]
        out[sid] = tuple(timeline)
    return out


def practice_reliability(session: Session, *, practice_id: int, definition: Definition) -> dict[str, Reliability]:
    """Per subscale, the reliability in force now for ``definition``'s version."""
    timelines = reliability_timelines(session, practice_id=practice_id, describing=definition,
                                      versions=[definition.version])
    return {sid: reliability_at(t, None, definition.version) for sid, t in timelines.items()}
