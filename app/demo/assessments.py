"""Assessments for the demo practice: an intake and monthly Trust Rebuilding Inventories per
partner, entered in session and dated back, so score trends and reliable change show."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from app.auth.models import Counselor
from app.clients.models import Couple
from app.instruments.catalog import default_catalog
from app.instruments.models import PREFER_NOT, Definition
from app.questionnaires.administrations import service
from app.questionnaires.models import AdministrationFlag
from app.questionnaires.schemas import AdministrationCreate
from app.questionnaires.submission import answering
from app.scoring import evaluate_flags

# How each demo couple's trust moves: (partner A start, end), (partner B start, end).
TRAJECTORIES = [((1.8, 3.9), (2.6, 3.8)), ((2.2, 3.2), (3.0, 3.4)), ((2.5, 2.4), (3.4, 3.1)),
                ((1.6, 3.6), (2.0, 3.9)), ((2.8, 2.0), (3.2, 2.6)), ((2.0, 3.0), (2.4, 3.5))]


def add_assessments(session: Session, *, counselor: Counselor, couple: Couple, index: int,
                    start: date, months: int, rng: random.Random) -> None:
    for partner_id, (first, last) in zip((couple.partner_a_id, couple.partner_b_id),
                                         TRAJECTORIES[index], strict=True):
        _intake(session, counselor, couple, partner_id, start, flagged=index == 4 and partner_id
                == couple.partner_a_id)
        for month in range(months + 1):
            level = first + (last - first) * month / max(months, 1)
            when = start + timedelta(days=30 * month + 2)
            if when > date.today():
                break
            answers = _trust_answers(default_catalog().latest("trust-rebuilding"), level, rng,
                                     decline=month == 0 and partner_id == couple.partner_b_id)
            _entered(session, counselor, couple, partner_id, "trust-rebuilding", answers, when)
    service.create_administration(session, actor=counselor, data=AdministrationCreate(
        client_id=couple.partner_a_id, couple_id=couple.id, instrument_id="session-checkin"))


def _trust_answers(definition: Definition, level: float, rng: random.Random, *,
                   decline: bool = False) -> dict[str, Any]:
    """Answers around ``level``; with ``decline``, one sensitive question answered "Prefer not
    to answer" (a first assessment often holds one back), so the missing-item rule shows."""
    answers: dict[str, Any] = {}
    for item in definition.items:
        if item.type != "scale":
            continue
        value = min(5, max(1, round(level + rng.uniform(-0.9, 0.9))))
        answers[item.id] = _unflagged(definition, item.id, 6 - value if item.reverse else value)
    sensitive = [i.id for i in definition.items if i.prefer_not and not definition.told_on_save(i.id)
                 and any(i.id in s.items for s in definition.subscales.values())]
    if decline and sensitive:
        answers[sensitive[-1]] = PREFER_NOT
    return answers


def _unflagged(definition: Definition, item_id: str, value: int) -> int:
    """The nearest answer that raises no safety flag: demo safety alerts are placed on
    purpose (one intake), not left to chance in the random trust answers."""
    for candidate in sorted(range(1, 6), key=lambda v: abs(v - value)):
        if not evaluate_flags(definition, {item_id: candidate}):
            return candidate
    return value


def _intake(session: Session, counselor: Counselor, couple: Couple, client_id: int, when: date,
            *, flagged: bool) -> None:
    answers = {"preferred_name": "—", "breach_type": couple.breach_type, "living_together": True,
               "goals_in_words": "Understand what happened and decide together how to go on.",
               "support_people": "A close friend and my sister.", "safety_afraid": flagged,
               "safety_hurt_threatened": False, "safety_self_harm": False}
    # The rest of the safety screen (intake v3 and later) answered "no"; kept only where asked.
    answers |= dict.fromkeys(("safety_hurt", "safety_threatened", "safety_choked", "safety_weapon",
                              "safety_threat_kill", "safety_own_hurt", "safety_own_threatened",
                              "safety_own_frightened", "safety_children_worry", "safety_own_alcohol"), False)
    # Each partner's side of the breach, so the couple page and the report read gaps in those terms.
    answers["my_role"] = "hurt" if client_id == couple.partner_a_id else "involved"
    definition = default_catalog().latest("couples-intake")
    answers = {k: v for k, v in answers.items() if _has_item(definition, k)}
    _entered(session, counselor, couple, client_id, "couples-intake", answers, when)


def _has_item(definition: Definition, item_id: str) -> bool:
    return any(item.id == item_id for item in definition.items)


def _entered(session: Session, counselor: Counselor, couple: Couple, client_id: int,
             instrument_id: str, answers: dict[str, Any], when: date) -> None:
    administration, _ = service.create_administration(session, actor=counselor, data=AdministrationCreate(
        client_id=client_id, couple_id=couple.id, instrument_id=instrument_id, mode="in_session"))
    answering.save_in_session(session, actor=counselor, administration_id=administration.id, answers=answers)
    # The demo partners agreed to share their scores, so the couple's own report copy shows them.
    answering.submit_in_session(session, actor=counselor, administration_id=administration.id, share_scores=True)
    moment = datetime.combine(when, time(10, 0))
    for field in ("created_at", "started_at", "last_saved_at", "submitted_at"):
        setattr(administration, field, moment)
    session.add(administration)
    flags = session.exec(select(AdministrationFlag).where(
        AdministrationFlag.administration_id == administration.id)).all()
    for flag in flags:
        flag.raised_at = moment
        session.add(flag)
    session.flush()
