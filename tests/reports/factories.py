"""One-line builders for report inputs (no database)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta

from app.reports.inputs import (
    AgreementInput,
    AssessmentInput,
    FlagInput,
    PartnerInput,
    ReportInput,
    SessionInput,
    SubscaleInfo,
)

A, B = "Partner A", "Partner B"
START = datetime(2025, 1, 6, 17, 0)


def subscale(id: str = "transparency", label: str | None = None, **kw: object) -> SubscaleInfo:
    """A 1..5 subscale with SD 0.7, r 0.8 and a large-gap threshold of 1.0 by default."""
    base = SubscaleInfo(
        id=id,
        label=label or id.capitalize(),
        reference_sd=0.7,
        reliability=0.8,
        reliability_source="definition",
        higher_is_better=True,
        gap_threshold=1.0,
        scale_min=1.0,
        scale_max=5.0,
    )
    return replace(base, **kw)


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


def assessment(partner: str, day: int, **means: float | None) -> AssessmentInput:
    """An administration ``day`` days after START with the given subscale means."""
    return AssessmentInput(
        partner_label=partner,
        submitted_at=START + timedelta(days=day),
        instrument_title="Trust Rebuilding Inventory",
        means=means,
    )


def report_input(**kw: object) -> ReportInput:
    """A couple's report for Q1 2025 with nothing in it; override any field."""
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
        generated_at=datetime(2025, 4, 2, 9, 30),
    )
    return replace(base, **kw)


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
        generated_at=datetime(2026, 1, 5, 10, 0),
        paper=paper,
        sessions=sessions,
        assessments=assessments,
        subscales=SIX,
        agreements=agreements,
        flags=[
            FlagInput(B, datetime(2025, 3, 3, 12), "medium", "Reports difficulty sleeping"),
            FlagInput(A, datetime(2025, 2, 1, 12), "high", "Felt unsafe during an argument"),
        ],
        intake_highlights=[
            ("What brings you to counselling?", "We want to find out if we can trust again."),
            ("What would be different if things improved?", "Evenings without questions."),
        ],
        summary="Steady work this year.\nBoth partners keep most agreements.",
    )
