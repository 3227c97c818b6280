"""A couple ready for the loop, and the settings that turn email on against a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from app.clients.models import Client, Couple
from app.config import get_settings
from app.outreach.models import Schedule
from tests.mail_server import mail_server  # noqa: F401 (a fixture for this package's tests)


@dataclass
class LoopCouple:
    couple: Couple
    a: Client
    b: Client


@pytest.fixture
def loop_couple(db, factory) -> LoopCouple:
    counselor = factory.counselor()
    couple = factory.couple(counselor)
    a, b = db.get(Client, couple.partner_a_id), db.get(Client, couple.partner_b_id)
    for person, email in ((a, "jamie@example.test"), (b, "robin@example.test")):
        person.email, person.email_safe, person.email_safe_source = email, "yes", "counselor"
        db.add(person)
    db.commit()
    return LoopCouple(couple, a, b)


def add_schedule(db, couple: Couple, **fields) -> Schedule:
    values = {"rule": "once", "instrument_id": "trust-rebuilding", "starts_on": date(2026, 3, 2)} | fields
    schedule = Schedule(practice_id=couple.practice_id, counselor_id=couple.counselor_id, couple_id=couple.id,
                        **values)
    db.add(schedule)
    db.commit()
    return schedule


@pytest.fixture
def email_on(monkeypatch) -> Iterator[None]:
    """Email as a practice with a mail server has it (the host itself is set by ``mail_server``)."""
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", settings.smtp_host or "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_tls", "none")
    monkeypatch.setattr(settings, "mail_sender", "hello@harbour.example")
    monkeypatch.setattr(settings, "smtp_timeout_seconds", 2.0)
    yield
