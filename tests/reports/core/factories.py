"""One-line builders for report inputs (no database).

Score histories are made the way the service makes them: a definition with the chosen
subscales, stored means per administration, and ``app.scoring.score_history``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.instruments.checks import parse_definition
from app.reports.core.inputs import AgreementInput, FlagInput, PartnerInput, ReportInput, SessionInput
from app.scoring import Reliability, ScoreHistory, Submitted, score_history

A, B = "Partner A", "Partner B"
CLIENT_IDS = {A: 1, B: 2, "Client": 1}
START = datetime(2025, 1, 6, 17, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SubscaleSpec:
    """A 1..5 subscale with SD 0.7, r 0.8 by default."""

    id: str
    label: str
    reference_sd: float = 0.7
    reliability: float = 0.8
    reliability_source: str = "definition"
    higher_is_better: bool = True


@dataclass(frozen=True)
class Assessment:
    partner_label: str
    submitted_at: datetime
    means: dict[str, float | None] = field(default_factory=dict)


def subscale(id: str = "transparency", label: str | None = None, **kw: Any) -> SubscaleSpec:
    return SubscaleSpec(id=id, label=label or id.capitalize(), **kw)


def _definition(specs: Sequence[SubscaleSpec], gap_threshold: float = 1.0) -> Any:
    bands = [{"min": 1.0, "max": 5.0, "label": "Any"}]
    return parse_definition({
        "id": "trust-test", "version": 1, "title": "Trust Rebuilding Inventory", "kind": "assessment",
        "description": "For report tests.", "gap_threshold": gap_threshold,
        "scales": {"five": {"min": 1, "max": 5, "labels": ["1", "2", "3", "4", "5"]}},
        "sections": [{"id": "main", "title": "Main", "items": [
            {"id": f"{s.id}_1", "type": "scale", "scale": "five", "text": s.label} for s in specs]}],
        "subscales": {s.id: {"label": s.label, "items": [f"{s.id}_1"], "reference_mean": 3.0,
                             "reference_sd": s.reference_sd, "reliability": s.reliability,
                             "higher_is_better": s.higher_is_better, "bands": bands} for s in specs},
    })


def history(specs: Sequence[SubscaleSpec], assessments: Sequence[Assessment],
            partners: Sequence[str] = (A, B)) -> ScoreHistory:
    """The score history the report would be given for these subscales and administrations."""
    definition = _definition(specs)
    reliabilities = {s.id: Reliability(s.reliability, s.reliability_source, 0) for s in specs}
    submitted = [Submitted(i + 1, CLIENT_IDS[a.partner_label], a.submitted_at, a.means)
                 for i, a in enumerate(assessments)]
    return score_history(definition, reliabilities, [CLIENT_IDS[p] for p in partners], submitted)


def session(
    day: int,
    minutes: int = 50,
    modality: str = "in_person",
    status: str = "held",
    attendees: tuple[str, ...] = (A, B),
) -> SessionInput:
    """A session ``day`` days after START."""
    return SessionInput(
        start=START + timedelta(days=day),
        duration_minutes=minutes,
        modality=modality,
        attendees=attendees,
        status=status,
    )


def assessment(partner: str, day: int, **means: float | None) -> Assessment:
    """An administration ``day`` days after START with the given subscale means."""
    return Assessment(partner, START + timedelta(days=day), means)


def report_input(*, subscales: Sequence[SubscaleSpec] = (), assessments: Sequence[Assessment] = (),
                 **kw: Any) -> ReportInput:
    """A couple's report for Q1 2025 with nothing in it; override any field. ``subscales`` and
    ``assessments`` become the report's score history (none without subscales)."""
    base = ReportInput(
        practice_name="Harbour Counselling",
        counselor_name="Dr Ruth Okafor",
        subject_kind="couple",
        subject_name="Alex & Sam Rivera",
        partners=(PartnerInput(A, "Alex Rivera"), PartnerInput(B, "Sam Rivera")),
        breach_type="emotional_affair",
        disclosed_on=date(2024, 11, 2),
        period_start=date(2025, 1, 1),
        period_end=date(2025, 3, 31),
        generated_at=datetime(2025, 4, 2, 9, 30, tzinfo=UTC),
    )
    data = replace(base, **kw)
    if subscales:
        labels = [p.label for p in data.partners]
        data = replace(data, scores=(history(subscales, assessments, labels),))
    return data


SIX = (
    subscale("transparency"),
    subscale("accountability"),
    subscale("communication"),
    subscale("empathy"),
    subscale("safety", "Emotional safety", reliability=0.86, reliability_source="practice"),
    subscale("hypervigilance", "Hypervigilance", higher_is_better=False),
)


def year_report(paper: str = "A4") -> ReportInput:
    """A realistic year: 52 sessions, 12 assessments per partner, 6 subscales, 8 agreements."""
    modalities = ("in_person", "video", "in_person", "phone")
    sessions = [
        session(
            7 * i,
            50 + 10 * (i % 2),
            modalities[i % 4],
            status="cancelled" if i % 17 == 16 else "held",
        )
        for i in range(52)
    ]
    assessments = []
    for k in range(12):
        day = 30 * k + 2
        for partner, lift in ((A, 0.17), (B, 0.08)):
            means: dict[str, float | None] = {}
            for j, info in enumerate(SIX):
                wobble = 0.25 * math.sin(k + j) + 0.1 * j
                jump = 1.0 if (partner == A and k >= 4) else (-1.2 if k == 7 else 0.0)
                start = 1.8 if partner == A else 1.5 + 0.15 * j
                value = start + lift * k + wobble + jump * (j % 2)
                if not info.higher_is_better:
                    value = 6.0 - value
                means[info.id] = round(min(max(value, 1.0), 5.0), 2)
            assessments.append(assessment(partner, day, **means))
    agreements = [
        AgreementInput(
            kind=kind,
            title=title,
            status=status,
            checkins=["kept", "kept", "partly", "not_kept", "kept"][: 2 + i % 4] * 3,
        )
        for i, (kind, title, status) in enumerate(
            [
                ("boundary", "No contact with the affair partner", "active"),
                ("transparency", "Phones open to each other on request", "active"),
                ("rule", "Weekly 30-minute check-in on Sunday evening", "kept"),
                ("amend", "Alex writes a letter of accountability", "kept"),
                ("transparency", "Shared calendar for evenings out", "active"),
                ("boundary", "No alcohol at work events", "broken"),
                ("rule", "Time-out word during arguments", "active"),
                ("amend", "Plan a weekend away together", "retired"),
            ]
        )
    ]
    return report_input(
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        generated_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        paper=paper,
        sessions=sessions,
        assessments=assessments,
        subscales=SIX,
        agreements=agreements,
        flags=[
            FlagInput(B, datetime(2025, 3, 3, 12, tzinfo=UTC), "medium", "Reports difficulty sleeping"),
            FlagInput(A, datetime(2025, 2, 1, 12, tzinfo=UTC), "high", "Felt unsafe during an argument"),
        ],
        intake_highlights=[
            ("What brings you to counselling?", "We want to find out if we can trust again."),
            ("What would be different if things improved?", "Evenings without questions."),
        ],
        summary="Steady work this year.\nBoth partners keep most agreements.",
    )
