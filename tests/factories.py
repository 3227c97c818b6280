"""One-line builders of practices, counselors, clients, couples and sessions for tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from app.auth.models import Counselor
from app.auth.security import hash_password
from app.auth.service import issue_token
from app.clients.models import Client, Couple
from app.practice.models import Practice
from app.sessions.models import Agreement, TherapySession

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@lru_cache
def _password_hash() -> str:
    # Hash once per run: argon2 is slow on purpose, and tests make many counselors.
    return hash_password(PASSWORD)


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _save(self, row: Any) -> Any:
        self.session.add(row)
        self.session.commit()
        return row

    def practice(self, name: str = "Test Practice") -> Practice:
        return self._save(Practice(name=f"{name} {next(_seq)}"))

    def counselor(self, practice: Practice | None = None, *, role: str = "counselor",
                  email: str | None = None, name: str = "Casey Counselor") -> Counselor:
        practice = practice or self.practice()
        n = next(_seq)
        return self._save(Counselor(
            practice_id=practice.id, email=email or f"c{n}@example.test", full_name=name,
            role=role, password_hash=_password_hash(),
        ))

    def owner(self, practice: Practice | None = None) -> Counselor:
        return self.counselor(practice, role="owner", name="Olive Owner")

    def token(self, counselor: Counselor) -> str:
        token = issue_token(self.session, counselor=counselor, kind="api")
        self.session.commit()
        return token

    def headers(self, counselor: Counselor) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(counselor)}"}

    def client(self, counselor: Counselor, *, first: str = "Alex", last: str = "Rivera",
               **extra: Any) -> Client:
        return self._save(Client(practice_id=counselor.practice_id, counselor_id=counselor.id,
                                 first_name=first, last_name=last, **extra))

    def couple(self, counselor: Counselor, *, names: tuple[str, str] = ("Jamie", "Robin"),
               **extra: Any) -> Couple:
        a = self.client(counselor, first=names[0], last="Lee")
        b = self.client(counselor, first=names[1], last="Lee")
        return self._save(Couple(practice_id=counselor.practice_id, counselor_id=counselor.id,
                                 partner_a_id=a.id, partner_b_id=b.id,
                                 breach_type=extra.pop("breach_type", "infidelity"), **extra))

    def therapy_session(self, couple: Couple, *, days_ago: int = 7, status: str = "draft",
                        **extra: Any) -> TherapySession:
        return self._save(TherapySession(
            practice_id=couple.practice_id, counselor_id=couple.counselor_id, couple_id=couple.id,
            starts_at=datetime.now(UTC) - timedelta(days=days_ago),
            attendee_ids=[couple.partner_a_id, couple.partner_b_id],
            note_data=extra.pop("note_data", "Discussed the week."), status=status, **extra,
        ))

    def planned_session(self, couple: Couple, at: datetime, **extra: Any) -> TherapySession:
        """A planned session stored directly (its time may already have passed)."""
        return self._save(TherapySession(
            practice_id=couple.practice_id, counselor_id=couple.counselor_id, couple_id=couple.id, starts_at=at,
            attendee_ids=[couple.partner_a_id, couple.partner_b_id], attendance="planned", **extra,
        ))

    def agreement(self, couple: Couple, *, title: str = "No contact", kind: str = "boundary") -> Agreement:
        return self._save(Agreement(practice_id=couple.practice_id, couple_id=couple.id, kind=kind,
                                    title=title, created_by_id=couple.counselor_id))
