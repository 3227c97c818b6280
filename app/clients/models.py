"""Clients (one person) and couples (two clients working on a breach)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import CheckConstraint, event
from sqlmodel import Column, Field, SQLModel

from app.db import UTCDateTime, utcnow

CLIENT_STATUSES = ("active", "discharged")
#: How Mend may reach a client with a questionnaire link: by email, or only through the counselor
#: (the outbox, copied by hand or given in session).
CONTACT_PREFERENCES = ("email", "counselor")
#: Whether email is safe for this client: "yes" and "no" come from the counselor or the intake's
#: safety answers; "unknown" until either says. Mend emails only on "yes".
EMAIL_SAFETY = ("unknown", "yes", "no")
COUPLE_STATUSES = ("active", "paused", "discharged")
BREACH_TYPES = (
    "infidelity",
    "emotional_affair",
    "deception",
    "financial_betrayal",
    "neglect",
    "manipulation",
    "addiction",
    "other",
)


class Client(SQLModel, table=True):
    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    preferred_name: str | None = Field(default=None, max_length=100)
    pronouns: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    date_of_birth: date | None = None
    search_name: str = Field(default="", max_length=320)
    status: str = Field(default="active", max_length=20)
    discharged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    contact_preference: str = Field(default="email", max_length=12, sa_column_kwargs={"server_default": "email"})
    email_safe: str = Field(default="unknown", max_length=8, sa_column_kwargs={"server_default": "unknown"})
    # "counselor" once a counselor set it (the intake never overrides them), "intake" when read from answers.
    email_safe_source: str | None = Field(default=None, max_length=12)
    # Set when the record was erased (a mistaken entry) or purged past retention (app.records.retention):
    # the row stays as "Erased client #N" with no name, contact or birth date, so references resolve.
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.first_name
        return f"{first} {self.last_name}"


def couple_name(a: Client, b: Client) -> str:
    """"Maya & Daniel Okafor" when the partners share a surname, else both full names."""
    if a.last_name == b.last_name:
        return f"{a.preferred_name or a.first_name} & {b.display_name}"
    return f"{a.display_name} & {b.display_name}"


def search_key(text: str) -> str:
    """Case- and accent-insensitive form of a name, so "zoe" finds "Zoë" on every database."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def client_search_name(first: str, preferred: str | None, last: str) -> str:
    return search_key(" ".join(part for part in (first, preferred, last) if part))


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _keep_search_name(_mapper: object, _connection: object, client: Client) -> None:
    client.search_name = client_search_name(client.first_name, client.preferred_name, client.last_name)


class Couple(SQLModel, table=True):
    __tablename__ = "couple"
    __table_args__ = (CheckConstraint("partner_a_id <> partner_b_id", name="distinct_partners"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int = Field(foreign_key="counselor.id", index=True)
    partner_a_id: int = Field(foreign_key="client.id", index=True)
    partner_b_id: int = Field(foreign_key="client.id", index=True)
    breach_type: str = Field(max_length=30)
    breach_summary: str | None = Field(default=None, max_length=2000)
    disclosed_on: date | None = None
    started_on: date | None = None
    status: str = Field(default="active", max_length=20)
    erased_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))  # as Client's
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
