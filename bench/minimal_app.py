"""The benchmark's second yardstick: Mend's benchmarked endpoints as someone would write them by hand.

FastAPI + SQLAlchemy Core on the same database (``MEND_DATABASE_URL``), the same queries as Mend
and equivalent JSON, but no authentication, no audit and no scoping beyond what each query needs
(the practice is ``MINIMAL_PRACTICE_ID``). Sync routes: FastAPI runs them in its threadpool.
"""

from __future__ import annotations

import os
import unicodedata
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field
from sqlalchemy import MetaData, create_engine, event, func, insert, select

URL = os.environ["MEND_DATABASE_URL"]
PRACTICE_ID = int(os.environ.get("MINIMAL_PRACTICE_ID", "1"))
SQLITE = URL.startswith("sqlite")


def _engines() -> tuple[Any, Any]:
    """(reader, writer). On PostgreSQL one engine does both; on SQLite the writer opens
    BEGIN IMMEDIATE (a deferred transaction fails when concurrent writers upgrade their read
    locks) and the reader keeps pysqlite's default, where a SELECT starts no transaction."""
    if not SQLITE:
        engine = create_engine(URL, pool_size=10, max_overflow=20)
        return engine, engine

    def pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=15000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    def no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

    args = {"connect_args": {"check_same_thread": False}, "pool_size": 10, "max_overflow": 20}
    reader, writer = create_engine(URL, **args), create_engine(URL, **args)
    event.listen(reader, "connect", pragmas)
    event.listen(writer, "connect", pragmas)
    event.listen(writer, "connect", no_driver_transactions)
    event.listen(writer, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
    return reader, writer


reader, writer = _engines()
_tables = MetaData()
_tables.reflect(bind=reader, only=["client", "couple", "therapy_session"])
client, couple, therapy_session = (_tables.tables[n] for n in ("client", "couple", "therapy_session"))

CLIENT_COLUMNS = [client.c[n] for n in (
    "id", "counselor_id", "first_name", "last_name", "preferred_name", "pronouns", "email", "phone",
    "date_of_birth", "status", "discharged_at", "created_at")]
COUPLE_COLUMNS = [couple.c[n] for n in (
    "id", "counselor_id", "partner_a_id", "partner_b_id", "breach_type", "breach_summary",
    "disclosed_on", "started_on", "status", "created_at")]
SUMMARY_COLUMNS = [therapy_session.c[n] for n in (
    "id", "counselor_id", "couple_id", "client_id", "starts_at", "duration_minutes", "modality",
    "attendee_ids", "status", "signed_at")]

app = FastAPI()


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name, as stored in client.search_name."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def as_json(row: Any) -> dict[str, Any]:
    """A row as a dict; the columns hold naive UTC, the API speaks aware UTC. The keys are made
    plain ``str``: a row's keys are SQLAlchemy's ``quoted_name`` (a str subclass), which pydantic's
    serializer of ``dict[str, Any]`` handles ~60 times slower (4 ms on a page of 50 clients)."""
    return {str(k): v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for k, v in row._mapping.items()}


def public_client(row: Any) -> dict[str, Any]:
    person = as_json(row)
    person["display_name"] = f"{person['preferred_name'] or person['first_name']} {person['last_name']}"
    return person


def page(rows: list[Any], offset: int, limit: int, count_query: Any, to_json: Any) -> dict[str, Any]:
    """Rows selected with a trailing ``COUNT(*) OVER ()`` column as one page with its total."""
    if rows:
        total = rows[0].total
    elif offset == 0:
        total = 0
    else:  # past the end: the window had no row to ride on
        with reader.connect() as conn:
            total = conn.execute(select(func.count()).select_from(count_query.subquery())).scalar_one()
    items = [to_json(row) for row in rows]
    for item in items:
        item.pop("total", None)
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/minimal/clients")
def search_clients(
    q: str | None = Query(default=None, max_length=100),
    offset: int = Query(default=0, ge=0), limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    query = select(*CLIENT_COLUMNS).where(client.c.practice_id == PRACTICE_ID)
    if q and q.strip():
        query = query.where(client.c.search_name.like(f"%{fold(q.strip())}%"))
    with reader.connect() as conn:
        rows = conn.execute(
            query.add_columns(func.count().over().label("total"))
            .order_by(client.c.last_name, client.c.first_name, client.c.id).offset(offset).limit(limit)
        ).all()
    return page(rows, offset, limit, query, public_client)


@app.get("/minimal/couples/{couple_id}")
def get_couple(couple_id: int) -> dict[str, Any]:
    with reader.connect() as conn:
        found = conn.execute(select(*COUPLE_COLUMNS).where(couple.c.id == couple_id)).first()
        if found is None:
            raise HTTPException(404, "Couple not found")
        ids = (found.partner_a_id, found.partner_b_id)
        people = {r.id: public_client(r) for r in conn.execute(select(*CLIENT_COLUMNS).where(client.c.id.in_(ids)))}
    result = as_json(found)
    a, b = people[result.pop("partner_a_id")], people[result.pop("partner_b_id")]
    return {**result, "partner_a": a, "partner_b": b, "name": f"{a['display_name']} & {b['display_name']}"}


@app.get("/minimal/couples/{couple_id}/sessions")
def couple_sessions(
    couple_id: int, offset: int = Query(default=0, ge=0), limit: int = Query(default=50, ge=1, le=200),
) -> dict[str, Any]:
    query = select(*SUMMARY_COLUMNS).where(therapy_session.c.couple_id == couple_id)
    with reader.connect() as conn:
        rows = conn.execute(
            query.add_columns(func.count().over().label("total"))
            .order_by(therapy_session.c.starts_at.desc(), therapy_session.c.id.desc()).offset(offset).limit(limit)
        ).all()
    return page(rows, offset, limit, query, as_json)


class NewSession(BaseModel):
    couple_id: int
    starts_at: datetime
    duration_minutes: int = Field(default=50, ge=5, le=600)
    modality: Literal["in_person", "video", "phone"] = "in_person"
    note_data: str = Field(default="", max_length=20_000)


@app.post("/minimal/sessions", status_code=201)
def create_session(body: NewSession) -> dict[str, Any]:
    starts = body.starts_at if body.starts_at.tzinfo else body.starts_at.replace(tzinfo=UTC)
    now = datetime.now(UTC).replace(tzinfo=None)
    with writer.begin() as conn:
        found = conn.execute(
            select(couple.c.practice_id, couple.c.counselor_id, couple.c.partner_a_id, couple.c.partner_b_id)
            .where(couple.c.id == body.couple_id)
        ).first()
        if found is None:
            raise HTTPException(404, "Couple not found")
        row = conn.execute(insert(therapy_session).values(
            practice_id=found.practice_id, counselor_id=found.counselor_id, couple_id=body.couple_id,
            starts_at=starts.astimezone(UTC).replace(tzinfo=None), duration_minutes=body.duration_minutes,
            modality=body.modality, attendee_ids=[found.partner_a_id, found.partner_b_id],
            note_data=body.note_data, note_assessment="", note_plan="", status="draft",
            created_at=now, updated_at=now,
        ).returning(*SUMMARY_COLUMNS, *(therapy_session.c[n] for n in (
            "note_data", "note_assessment", "note_plan", "signed_by_id", "created_at", "updated_at")))).one()
    return {**as_json(row), "addenda": []}
