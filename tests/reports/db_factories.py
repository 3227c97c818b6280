"""Database rows for report tests: submitted administrations with real scores, check-ins, flags.

Scores are computed by the scoring engine from chosen answers and stored the
way a submission stores them, so a report's numbers can be checked against
``score_administration`` itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session

from app.auth.models import Counselor
from app.clients.models import Client, Couple
from app.instruments.catalog import default_catalog
from app.instruments.models import Definition
from app.questionnaires.models import Administration, AdministrationFlag, Response, Score
from app.scoring import ScoreResult, score_administration
from app.sessions.models import Agreement, AgreementCheckIn, AgreementStatusChange, TherapySession
from tests.factories import Factory

TRUST = "trust-rebuilding"
INTAKE = "couples-intake"
SUBSCALES = ("transparency", "accountability", "communication", "empathy", "commitment",
             "emotional_safety")


def trust() -> Definition:
    """The trust-rebuilding definition the tests answer."""
    return default_catalog().get(TRUST, 1)


def days_ago(days: float) -> datetime:
    """A moment ``days`` days before now (UTC)."""
    return datetime.now(UTC) - timedelta(days=days)


def keyed_answers(keyed: Mapping[str, Sequence[int]], definition: Definition | None = None) -> dict[str, int]:
    """Raw answers whose *keyed* values per subscale are ``keyed[subscale]`` (reverse items flipped)."""
    definition = definition or trust()
    answers = {}
    for subscale_id, values in keyed.items():
        for item_id, value in zip(definition.subscales[subscale_id].items, values, strict=True):
            item = definition.item(item_id)
            scale = definition.scale_for(item)
            answers[item_id] = scale.min + scale.max - value if item.reverse else value
    return answers


def same_everywhere(values: Sequence[int]) -> dict[str, Sequence[int]]:
    """The same five keyed values on every subscale, except es4 kept at 4 so it raises no flag
    (es4 is reverse-keyed: a keyed 3 or lower is an answer that alerts the counselor)."""
    safety = (*values[:3], 4, *values[4:])
    return {s: safety if s == "emotional_safety" else values for s in SUBSCALES}


@dataclass
class Submitted:
    """One submitted administration and what the scoring engine made of it."""

    administration: Administration
    result: ScoreResult


def submit(
    db: Session, client: Client, *, answers: Mapping[str, Any], when: datetime,
    couple: Couple | None = None, instrument: str = TRUST, status: str = "submitted",
) -> Submitted:
    """Insert a submitted administration with its responses, scores and flags."""
    definition = default_catalog().get(instrument, 1)
    administration = Administration(
        practice_id=client.practice_id, client_id=client.id, couple_id=couple.id if couple else None,
        counselor_id=client.counselor_id, instrument_id=instrument, instrument_version=1,
        definition_checksum=definition.checksum, mode="in_session", status=status,
        created_at=when - timedelta(hours=1), submitted_at=when if status == "submitted" else None,
    )
    db.add(administration)
    db.flush()
    result = score_administration(definition, answers)
    for item_id, value in answers.items():
        db.add(Response(practice_id=client.practice_id, administration_id=administration.id,
                        item_id=item_id, value=value))
    for s in result.subscales.values():
        db.add(Score(practice_id=client.practice_id, administration_id=administration.id,
                     subscale=s.subscale, mean=s.mean, raw=s.raw, answered=s.answered, total=s.total,
                     prorated=s.prorated, scored=s.scored, band=s.band))
    for f in result.flags:
        db.add(AdministrationFlag(practice_id=client.practice_id, administration_id=administration.id,
                                  client_id=client.id, couple_id=couple.id if couple else None,
                                  item_id=f.item_id, severity=f.severity, message=f.message,
                                  raised_at=when))
    db.commit()
    return Submitted(administration, result)


def checkin(db: Session, agreement: Agreement, therapy: TherapySession, outcome: str) -> None:
    """Record whether an agreement was kept, at a session."""
    db.add(AgreementCheckIn(practice_id=agreement.practice_id, agreement_id=agreement.id,
                            session_id=therapy.id, outcome=outcome,
                            recorded_by_id=agreement.created_by_id))
    db.commit()


def set_status(db: Session, agreement: Agreement, status: str, when: datetime) -> None:
    """Change an agreement's status and log the change at ``when``."""
    db.add(AgreementStatusChange(practice_id=agreement.practice_id, agreement_id=agreement.id,
                                 from_status=agreement.status, to_status=status,
                                 changed_by_id=agreement.created_by_id, changed_at=when))
    agreement.status = status
    db.add(agreement)
    db.commit()


# Partner A improves everywhere; B stays put except emotional safety, which falls
# (es4 answered "agree" raises the safety flag).
A_SERIES = ((2, 2, 2, 3, 2), (3, 3, 3, 3, 4), (4, 4, 5, 4, 4))
B_SERIES = ((2, 3, 2, 3, 3), (3, 3, 2, 3, 3), (3, 3, 3, 3, 2))
B_SAFETY_LATEST = (1, 2, 1, 1, 2)
ASSESSED_DAYS_AGO = (150, 60, 10)  # the first is before a 90-day period: the baseline


@dataclass
class Scenario:
    """A couple with sessions, agreements, check-ins, assessments, an intake and a flag."""

    counselor: Counselor
    couple: Couple
    a: Client
    b: Client
    sessions: list[TherapySession] = field(default_factory=list)
    agreements: list[Agreement] = field(default_factory=list)
    latest: dict[str, ScoreResult] = field(default_factory=dict)  # partner label -> latest result


def realistic_couple(
    db: Session, factory: Factory, counselor: Counselor | None = None, *,
    names: tuple[str, str] = ("Maya", "Daniel"), last: str = "Okafor", weeks: int = 12,
    partners_assessed: int = 2, agreement_title: str = "No contact with the affair partner",
) -> Scenario:
    """A couple seen weekly for ``weeks`` weeks, with three assessments per assessed partner."""
    counselor = counselor or factory.counselor(name="Dr Ruth Mensah")
    a = factory.client(counselor, first=names[0], last=last)
    b = factory.client(counselor, first=names[1], last=last)
    couple = factory._save(Couple(
        practice_id=counselor.practice_id, counselor_id=counselor.id, partner_a_id=a.id,
        partner_b_id=b.id, breach_type="emotional_affair",
        disclosed_on=(days_ago(200)).date(),
    ))
    scenario = Scenario(counselor, couple, a, b)
    for week in range(weeks):
        scenario.sessions.append(factory.therapy_session(
            couple, days_ago=3 + 7 * week, duration_minutes=50 + 10 * (week % 2),
            modality=("in_person", "video")[week % 2],
        ))
    scenario.agreements = [
        factory.agreement(couple, title=agreement_title, kind="boundary"),
        factory.agreement(couple, title="Phones open on request", kind="transparency_practice"),
    ]
    outcomes = ("kept", "kept", "partly", "not_kept")
    for i, therapy in enumerate(scenario.sessions):
        checkin(db, scenario.agreements[0], therapy, outcomes[i % 4])
        if i % 2 == 0:
            checkin(db, scenario.agreements[1], therapy, "kept")
    _assess(db, scenario, partners_assessed)
    submit(db, a, couple=couple, instrument=INTAKE, when=days_ago(170), answers={
        "preferred_name": "Maya", "goals": ["rebuild_trust", "communication"],
        "goals_in_words": "Evenings without questions.", "hope_now": 4,
        "safety_afraid": False, "safety_ok_to_contact": True,
    })
    return scenario


def _assess(db: Session, scenario: Scenario, partners_assessed: int) -> None:
    people = (("Partner A", scenario.a, A_SERIES), ("Partner B", scenario.b, B_SERIES))
    for label, person, series in people[:partners_assessed]:
        for k, (ago, values) in enumerate(zip(ASSESSED_DAYS_AGO, series, strict=True)):
            keyed = same_everywhere(values)
            if label == "Partner B" and k == len(series) - 1:
                keyed = {**keyed, "emotional_safety": B_SAFETY_LATEST}
            made = submit(db, person, couple=scenario.couple, answers=keyed_answers(keyed),
                          when=days_ago(ago))
            scenario.latest[label] = made.result
