"""build_report_context: numbers checked by hand (no database, no rendering)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from app.reports.core.context import build_report_context
from app.reports.core.inputs import AgreementInput, FlagInput, PartnerInput
from app.reports.core.scores import LATEST_NOT_SCORED, NO_ASSESSMENTS, NOT_SCORED, ONE_SCORE
from tests.reports.core.factories import A, B, assessment, report_input, session, subscale

TRANSPARENCY = subscale("transparency")  # sd 0.7, r 0.8, threshold 1.0, scale 1..5


def two_assessments(**kw: object):
    """A: 2.0 -> 3.5, B: 2.0 -> 2.5 on transparency, 30 days apart."""
    return build_report_context(
        report_input(
            subscales=[TRANSPARENCY],
            assessments=[
                assessment(A, 2, transparency=2.0),
                assessment(B, 3, transparency=2.0),
                assessment(A, 32, transparency=3.5),
                assessment(B, 33, transparency=2.5),
            ],
            **kw,
        )
    )


def test_reliable_improvement_from_baseline_is_hand_computed() -> None:
    ctx = two_assessments()
    alex, sam = ctx.subscales[0].partners
    # SEdiff = sqrt(2) * 0.7 * sqrt(1 - 0.8) = 0.4427; RCI = 1.5 / 0.4427 = 3.388 > 1.96
    assert alex.from_baseline is not None
    assert alex.from_baseline.se_diff == pytest.approx(0.4427, abs=1e-4)
    assert alex.from_baseline.rci == pytest.approx(3.388, abs=1e-3)
    assert alex.from_baseline.label == "reliable improvement"
    assert alex.from_baseline.reliability == 0.8
    assert alex.from_baseline.reliability_source == "definition"
    # B: RCI = 0.5 / 0.4427 = 1.129 < 1.96
    assert sam.from_baseline is not None
    assert sam.from_baseline.rci == pytest.approx(1.129, abs=1e-3)
    assert sam.from_baseline.label == "no reliable change"
    # With two scores, previous == baseline, so both changes agree.
    assert alex.from_previous == alex.from_baseline
    assert (alex.baseline.mean, alex.latest.mean) == (2.0, 3.5)
    assert alex.note is None


def test_previous_and_trajectory_points() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY],
            assessments=[
                assessment(A, d, transparency=v) for d, v in ((2, 2.0), (30, 2.2), (60, 3.3))
            ],
        )
    )
    alex = ctx.subscales[0].partners[0]
    assert [p.mean for p in alex.points] == [2.0, 2.2, 3.3]
    assert alex.points[0].from_previous is None
    # 2.0 -> 2.2: RCI 0.45, not reliable; 2.2 -> 3.3: RCI 1.1 / 0.4427 = 2.485, reliable
    assert alex.points[1].from_previous.reliable is False
    assert alex.points[2].from_previous.rci == pytest.approx(2.485, abs=1e-3)
    assert alex.from_previous.label == "reliable improvement"
    assert alex.previous.mean == 2.2
    assert alex.points[2].at.date() == date(2025, 3, 7)


def test_lower_is_better_drop_is_improvement_and_practice_reliability_is_named() -> None:
    vigilance = subscale(
        "hypervigilance", higher_is_better=False, reliability=0.86, reliability_source="practice"
    )
    ctx = build_report_context(
        report_input(
            subscales=[vigilance],
            assessments=[
                assessment(A, 2, hypervigilance=4.5),
                assessment(A, 40, hypervigilance=3.0),
            ],
        )
    )
    change = ctx.subscales[0].partners[0].from_baseline
    # SEdiff = sqrt(2) * 0.7 * sqrt(0.14) = 0.3704; RCI = -1.5 / 0.3704 = -4.050
    assert change.rci == pytest.approx(-4.050, abs=1e-3)
    assert change.label == "reliable improvement"
    assert (change.reliability, change.reliability_source) == (0.86, "practice")


def test_partner_gap_now_and_at_baseline() -> None:
    ctx = two_assessments()
    section = ctx.subscales[0]
    # Pairs: days 2 and 3, then days 32 and 33 (1 day apart each).
    # now |3.5 - 2.5| = 1.0, which reaches the 1.0 threshold; at the first pair |2.0 - 2.0| = 0
    assert section.gap_now.size == pytest.approx(1.0)
    assert section.gap_now.large is True
    assert (section.gap_now.a_at.day, section.gap_now.b_at.day) == (7, 8)  # 7 and 8 Feb 2025
    assert section.gap_first.size == 0.0
    assert section.gap_first.large is False
    assert [g.label for g in ctx.largest_gaps] == ["Transparency"]
    assert ctx.largest_gaps[0].higher == "Alex Rivera"  # difference A - B = +1.0


def test_headline_answers_in_plain_words() -> None:
    ctx = two_assessments()
    assert ctx.headline.verdict == "Getting better"
    text = " ".join(ctx.headline.lines)
    assert "Alex Rivera: reliably better on 1 of 1 measured (Transparency)" in text
    assert "Sam Rivera: reliably better on 0 of 1 measured; reliably worse on 0." in text
    assert "Partners differ most on Transparency: a large gap of 1.00 points." in text
    assert ctx.tallies[0].improved == ("Transparency",)
    assert ctx.tallies[1].unchanged == ("Transparency",)


def test_headline_mixed_and_worse() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY],
            assessments=[
                assessment(A, 2, transparency=2.0),
                assessment(A, 40, transparency=3.5),
                assessment(B, 2, transparency=4.0),
                assessment(B, 40, transparency=2.5),
            ],
        )
    )
    assert ctx.headline.verdict == "Mixed: some scores better, some worse"
    assert ctx.tallies[1].deteriorated == ("Transparency",)


def test_attendance_counts_gaps_and_hours() -> None:
    ctx = build_report_context(
        report_input(
            sessions=[
                session(-10),  # 27 Dec 2024: before the period
                session(0),  # 6 Jan, in person, 50 min
                session(7, modality="video"),  # 13 Jan, 50 min
                session(14, status="cancelled"),  # 20 Jan: not held
                session(28, minutes=60, modality="phone"),  # 3 Feb
                session(70, minutes=90),  # 17 Mar
                session(100),  # 16 Apr: after the period
            ]
        )
    )
    att = ctx.attendance
    assert (att.held, att.not_held) == (4, 1)
    assert dict(att.by_modality) == {"in_person": 2, "video": 1, "phone": 1}
    # 50 + 50 + 60 + 90 = 250 minutes
    assert math.isclose(att.total_hours, 250 / 60)
    # held on day 0, 7, 28, 70: gaps 7, 21, 42
    assert att.longest_gap_days == 42
    # as of 31 Mar (period end, before generation on 2 Apr): 31 Mar - 17 Mar = 14
    assert ctx.as_of == date(2025, 3, 31)
    assert att.days_since_last == 14
    assert len(att.timeline) == 5
    assert att.timeline[0].attendees == "Both partners"


def test_attendance_without_sessions() -> None:
    att = build_report_context(report_input()).attendance
    assert (att.held, att.longest_gap_days, att.days_since_last) == (0, None, None)
    assert att.total_hours == 0


def test_agreement_kept_rate_counts_partly_as_half() -> None:
    ctx = build_report_context(
        report_input(
            agreements=[
                AgreementInput(
                    "boundary", "No contact", "active", ["kept", "partly", "not_kept", "kept"]
                ),
                AgreementInput("rule", "Sunday check-in", "kept", ["kept", "kept"]),
                AgreementInput("amend", "Letter", "active", []),
            ]
        )
    )
    first, second, third = ctx.agreements.rows
    # (1 + 0.5 + 0 + 1) / 4 = 0.625
    assert first.kept_rate == pytest.approx(0.625)
    assert (first.kept, first.partly, first.not_kept) == (2, 1, 1)
    assert second.kept_rate == 1.0
    assert third.kept_rate is None
    # overall (2.5 + 2) / 6 = 0.75
    assert ctx.agreements.overall_kept_rate == pytest.approx(0.75)
    assert dict(ctx.agreements.by_status) == {"active": 2, "kept": 1}


def test_flags_sorted_high_first_then_newest() -> None:
    ctx = build_report_context(
        report_input(
            flags=[
                FlagInput(A, datetime(2025, 3, 1, tzinfo=UTC), "low", "low newest"),
                FlagInput(B, datetime(2025, 1, 1, tzinfo=UTC), "high", "high older"),
                FlagInput(A, datetime(2025, 2, 1, tzinfo=UTC), "medium", "medium"),
                FlagInput(A, datetime(2025, 2, 15, tzinfo=UTC), "high", "high newest"),
            ]
        )
    )
    assert [f.message for f in ctx.open_flags] == [
        "high newest",
        "high older",
        "medium",
        "low newest",
    ]
    assert ctx.open_flags[1].partner == "Sam Rivera"
    assert ctx.high_flags == 2


def test_no_assessments_at_all() -> None:
    ctx = build_report_context(report_input(subscales=[TRANSPARENCY]))
    assert ctx.headline.verdict == "No assessments yet"
    assert all(p.note == NO_ASSESSMENTS for p in ctx.subscales[0].partners)
    assert ctx.subscales[0].gap_now is None
    assert ctx.largest_gaps == ()


def test_one_partner_has_answered() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY],
            assessments=[assessment(A, 2, transparency=2.0)],
        )
    )
    alex, sam = ctx.subscales[0].partners
    assert alex.note == ONE_SCORE and alex.from_baseline is None
    assert sam.note == NO_ASSESSMENTS
    assert ctx.subscales[0].gap_now is None  # no pair, no gap
    assert ctx.headline.verdict == "Too early to tell"


def test_unscored_subscale_is_never_zero() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY, subscale("empathy")],
            assessments=[
                assessment(A, 2, transparency=2.0, empathy=None),
                assessment(A, 40, transparency=None, empathy=None),
            ],
        )
    )
    transparency, empathy = (s.partners[0] for s in ctx.subscales)
    assert transparency.latest.mean == 2.0  # last *scored* value, not the unscored one
    assert transparency.note == LATEST_NOT_SCORED
    assert transparency.latest_unscored.at.date() == date(2025, 2, 15)
    assert empathy.latest is None and empathy.note == NOT_SCORED
    assert empathy.administrations == 2


def test_individual_client_with_one_person() -> None:
    ctx = two_assessments(
        subject_kind="client", subject_name="Zoë Ågren", partners=[PartnerInput(A, "Zoë Ågren")]
    )
    assert len(ctx.subscales[0].partners) == 1
    assert ctx.subscales[0].gap_now is None
    assert len(ctx.tallies) == 1


def test_partners_far_apart_in_time_have_no_gap() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY],
            assessments=[assessment(A, 2, transparency=2.0), assessment(B, 60, transparency=4.0)],
        )
    )
    # 58 days apart: outside the 21-day pairing window, so they are never compared.
    assert ctx.subscales[0].gap_now is None
    assert ctx.largest_gaps == ()


def test_paper_and_period_are_checked() -> None:
    with pytest.raises(ValueError, match="paper"):
        build_report_context(report_input(paper="A5"))
    with pytest.raises(ValueError, match="period_end"):
        build_report_context(report_input(period_end=date(2024, 1, 1)))
    assert build_report_context(report_input(paper="Letter")).page_size == "letter"
