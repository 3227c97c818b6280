"""Records the page tests need beyond tests/factories.py (questionnaires, via their service)."""

from __future__ import annotations

from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.models import Couple
from app.questionnaires.administrations import service
from app.questionnaires.models import Administration
from app.questionnaires.schemas import AdministrationCreate
from app.questionnaires.submission import answering

TRUST = "trust-rebuilding"


def send_link(db: Session, counselor: Counselor, couple: Couple, *, client_id: int | None = None,
              instrument_id: str = TRUST) -> tuple[Administration, str]:
    """A link administration for partner A (or ``client_id``), committed."""
    data = AdministrationCreate(client_id=client_id or couple.partner_a_id, couple_id=couple.id,
                                instrument_id=instrument_id)
    administration, link = service.create_administration(db, actor=counselor, data=data)
    db.commit()
    assert link is not None
    return administration, link


def submitted(db: Session, counselor: Counselor, couple: Couple | None, *, client_id: int, value: int = 4
              ) -> Administration:
    """An in-session administration answered with ``value`` everywhere, then submitted
    (in the couple's context, or the client's own when ``couple`` is None)."""
    from app.instruments.catalog import default_catalog

    data = AdministrationCreate(client_id=client_id, couple_id=couple.id if couple else None,
                                instrument_id=TRUST, mode="in_session")
    administration, _ = service.create_administration(db, actor=counselor, data=data)
    definition = default_catalog().latest(TRUST)
    answers = {item.id: value for item in definition.items if item.type == "scale"}
    answering.save_in_session(db, actor=counselor, administration_id=administration.id, answers=answers)
    done = answering.submit_in_session(db, actor=counselor, administration_id=administration.id)
    db.commit()
    return done
