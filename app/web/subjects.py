"""Whom a questionnaire or report page is about: a couple, or one client on their own.

The send and report pages are the same for both; they read the name, the page
addresses and the service arguments from a ``CaseSubject`` instead of a couple.
Building one looks the record up in the counselor's caseload, so another
practice's id is a 404 before anything else happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session

from app.auth.models import Counselor
from app.clients import service as clients
from app.web import lookups


@dataclass(frozen=True)
class Recipient:
    """A person who can receive a questionnaire link."""

    id: int
    display_name: str


@dataclass(frozen=True)
class CaseSubject:
    """A couple or a single client, as the shared pages need it."""

    kind: Literal["couple", "client"]
    id: int
    name: str
    recipients: tuple[Recipient, ...]

    @property
    def url(self) -> str:
        """The couple's or client's own page; the shared pages live under it."""
        return f"/{self.kind}s/{self.id}"

    @property
    def list_url(self) -> str:
        return f"/{self.kind}s"

    @property
    def list_label(self) -> str:
        return "Couples" if self.kind == "couple" else "Clients"

    @property
    def couple_id(self) -> int | None:
        """The couple context an administration is given in (None for a client on their own)."""
        return self.id if self.kind == "couple" else None

    def service_ids(self) -> dict[str, int]:
        """``couple_id=`` or ``client_id=`` for the report service."""
        return {f"{self.kind}_id": self.id}


def couple_subject(session: Session, me: Counselor, couple_id: int) -> CaseSubject:
    """A couple in the caseload (NotFound otherwise), with both partners as recipients."""
    row = lookups.couple_rows(session, [clients.get_couple(session, actor=me, couple_id=couple_id)])[0]
    partners = tuple(Recipient(p.id, p.display_name) for p in (row.partner_a, row.partner_b))
    return CaseSubject(kind="couple", id=row.id, name=row.name, recipients=partners)


def client_subject(session: Session, me: Counselor, client_id: int) -> CaseSubject:
    """A client in the caseload (NotFound otherwise), as the only recipient."""
    client = clients.get_client(session, actor=me, client_id=client_id)
    person = Recipient(client_id, client.display_name)
    return CaseSubject(kind="client", id=client_id, name=client.display_name, recipients=(person,))


def page_of(*, couple_id: int | None, client_id: int) -> str:
    """Where an administration is listed: its couple's page, or its client's."""
    return f"/couples/{couple_id}" if couple_id else f"/clients/{client_id}"
