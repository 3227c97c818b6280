"""Whom a page, a questionnaire, a session or a report is about: a couple, or one client alone.

One type for every room: the web's shared pages, the sessions service and the reports all
take a ``Subject``. It is only built by ``load_subject``, which looks the record up in the
actor's caseload, so another practice's id is a ``NotFound`` before anything else happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.models import Client, Couple, couple_name
from app.clients.service import couple_and_partners, get_client


@dataclass(frozen=True)
class Subject:
    """A couple (partner A then B) or a single client, already scoped to the actor."""

    couple: Couple | None
    people: tuple[Client, ...]

    @property
    def kind(self) -> Literal["couple", "client"]:
        return "couple" if self.couple is not None else "client"

    @property
    def id(self) -> int:
        """The couple's id, or the client's."""
        row = self.couple if self.couple is not None else self.people[0]
        assert row.id is not None
        return row.id

    @property
    def couple_id(self) -> int | None:
        """The couple context a questionnaire or session is given in (None for a client alone)."""
        return self.couple.id if self.couple is not None else None

    @property
    def practice_id(self) -> int:
        return (self.couple or self.people[0]).practice_id

    @property
    def counselor_id(self) -> int:
        """The counselor who holds this couple or client."""
        return (self.couple or self.people[0]).counselor_id

    @property
    def client_ids(self) -> list[int]:
        return [p.id for p in self.people if p.id is not None]

    @property
    def name(self) -> str:
        if self.couple is None:
            return self.people[0].display_name
        return couple_name(*self.people)


def load_subject(
    session: Session, *, actor: Counselor, couple_id: int | None = None, client_id: int | None = None
) -> Subject:
    """The couple or the client (exactly one id), scoped to the actor: ``NotFound`` otherwise."""
    if (couple_id is None) == (client_id is None):
        raise ValueError("give exactly one of couple_id and client_id")
    if couple_id is not None:
        couple, a, b = couple_and_partners(session, actor=actor, couple_id=couple_id)
        return Subject(couple=couple, people=(a, b))
    assert client_id is not None
    return Subject(couple=None, people=(get_client(session, actor=actor, client_id=client_id),))
