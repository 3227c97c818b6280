"""build_report_context: numbers checked by hand (no database, no rendering)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.reports.core.context import build_report_context
from app.reports.core.inputs import AgreementInput, FlagInput, PartnerInput
from app.reports.core.scores import (
    LATEST_NOT_SCORED,
    NO_ASSESSMENTS,
    NOT_SCORED,
    ONE_SCORE,
    SEE_SAFETY_ALERT,
    change_basis,
)
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
    assert ctx.largest_gaps[0].first_size == 0.0


def test_headline_counts_each_persons_subscales_and_gives_no_overall_verdict() -> None:
    ctx = two_assessments()
    assert ctx.headline.title == "Change since each person's first assessment" and ctx.headline.counts
    alex, sam = ctx.tallies
    assert (alex.improved, alex.deteriorated, alex.unchanged, alex.too_early) == (("Transparency",), (), (), ())
    assert (sam.improved, sam.unchanged) == ((), ("Transparency",))
    text = " ".join(ctx.headline.lines)
    # A: 3.5, B: 2.5 on 32/33 days: A - B = +1.0, a large gap; no roles, so by name.
    assert "Partners differ most on Transparency (a large gap): Alex Rivera scores 1.00 higher than Sam Rivera." in text
    assert "Getting better" not in text and "Getting" not in ctx.headline.title


def test_headline_counts_match_the_scoring_engine() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY, subscale("empathy")],
            assessments=[
                assessment(A, 2, transparency=2.0, empathy=3.0),
                assessment(A, 40, transparency=3.5, empathy=3.1),
                assessment(B, 2, transparency=4.0, empathy=3.0),
                assessment(B, 40, transparency=2.5, empathy=None),
            ],
        )
    )
    # A: transparency +1.5 (RCI 3.39) better, empathy +0.1 no change;
    # B: transparency -1.5 worse, empathy's latest unscored so its one score is "too early".
    alex, sam = ctx.tallies
    assert (alex.improved, alex.unchanged) == (("Transparency",), ("Empathy",))
    assert (sam.deteriorated, sam.too_early) == (("Transparency",), ("Empathy",))
    engine = ctx.scores[0].history.headline()
    assert (engine[1].improvement, engine[1].no_change, engine[2].deterioration, engine[2].too_early) == (1, 1, 1, 1)


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
    assert ctx.headline.title == "No assessments yet" and not ctx.headline.counts
    # Said once per person, never once per subscale.
    assert [line.text for line in ctx.scores[0].people] == [NO_ASSESSMENTS, NO_ASSESSMENTS]
    assert all(p.note is None for p in ctx.subscales[0].partners)
    assert ctx.change_bases == ()
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
    assert alex.note is None and alex.from_baseline is None and alex.latest.mean == 2.0
    assert sam.note is None and sam.latest is None
    assert [(line.partner.name, line.text, line.single) for line in ctx.scores[0].people] == [
        ("Alex Rivera", "one assessment so far (8 Jan 2025): change can be measured from the next one", True),
        ("Sam Rivera", NO_ASSESSMENTS, False),
    ]
    assert ctx.subscales[0].gap_now is None  # no pair, no gap
    assert ctx.headline.title == "Too early to tell" and not ctx.headline.counts
    assert ctx.headline.lines == (
        "Alex Rivera: one assessment so far (8 Jan 2025): change can be measured from the next one.",
        "Sam Rivera: no assessments yet.",
    )
    assert not ctx.subscales[0].chartable  # one dot is not a chart
    assert ctx.change_bases == ()  # no change shown, so no footnote on reliable change


def test_one_score_on_a_subscale_is_said_there_when_the_person_has_more_assessments() -> None:
    ctx = build_report_context(
        report_input(
            subscales=[TRANSPARENCY, subscale("empathy")],
            assessments=[assessment(A, 2, transparency=2.0, empathy=None),
                         assessment(A, 40, transparency=2.1, empathy=3.0)],
        )
    )
    transparency, empathy = (s.partners[0] for s in ctx.subscales)
    assert transparency.note is None and empathy.note == ONE_SCORE
    assert [line.partner.label for line in ctx.scores[0].people] == [B]  # Sam: none; Alex has two


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


def _with_reliability(data, reliability):
    """The report's one history with every change judged on ``reliability`` (a practice snapshot)."""
    from dataclasses import replace as swap

    from app.scoring import retrace

    h = data.scores[0]
    subscales = tuple(
        swap(s, reliability=reliability, reliabilities=(reliability,), trajectories=tuple(
            swap(t, points=retrace(t.points, higher_is_better=s.higher_is_better, reference_sd=s.reference_sd,
                                   timeline=(reliability,)))
            for t in s.trajectories))
        for s in h.subscales
    )
    return swap(data, scores=(swap(h, subscales=subscales),))


def test_every_change_says_what_it_rests_on_and_the_footnote_lists_it() -> None:
    from app.scoring import Reliability

    snapshot = Reliability(0.81, "practice", 60, n_clients=42, alpha_low=0.74, alpha_high=0.87)
    data = _with_reliability(
        report_input(subscales=[TRANSPARENCY], assessments=[
            assessment(A, 2, transparency=2.0), assessment(A, 32, transparency=3.5),
            assessment(B, 3, transparency=2.0)]),
        snapshot)
    ctx = build_report_context(data)
    alex = ctx.subscales[0].partners[0]
    assert change_basis(alex.from_baseline) == "practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)"
    assert ctx.change_bases == ("practice data, n = 42 clients, \u03b1 = 0.81 (0.74\u20130.87)",)
    assert ctx.basis_mark(alex.from_baseline) == 1
    # The definition's placeholder values say so.
    provisional = _with_reliability(data, Reliability(0.8, "definition", provisional=True))
    assert build_report_context(provisional).change_bases == ("provisional reference values",)


def test_a_guarded_subscale_reads_see_safety_alert_beside_an_open_high_flag() -> None:
    safety = subscale("safety", "Emotional safety")
    flag = FlagInput(A, datetime(2025, 2, 1, 12, tzinfo=UTC), "high", "Says they feel afraid")
    data = report_input(
        subscales=[TRANSPARENCY, safety],
        assessments=[assessment(A, 2, transparency=2.0, safety=2.0), assessment(A, 32, transparency=3.5, safety=4.2),
                     assessment(B, 3, transparency=2.0, safety=2.0), assessment(B, 33, transparency=2.1, safety=4.0)],
        flags=[flag], safety_subscales=frozenset({("trust-test", "safety")}),
    )
    ctx = build_report_context(data)
    alex_safety, sam_safety = ctx.subscales[1].partners
    assert alex_safety.guarded and alex_safety.band == SEE_SAFETY_ALERT
    assert not sam_safety.guarded and sam_safety.band is None  # no flag of Sam's (the factory stores no bands)
    assert not ctx.subscales[0].partners[0].guarded  # transparency is not guarded
    # Alex's 2.0 -> 4.2 is not counted as an improvement while the alert is open.
    assert ctx.tallies[0].improved == ("Transparency",) and ctx.tallies[0].held_back == ("Emotional safety",)
    assert "Alex Rivera: Emotional safety not counted — see safety alert." in ctx.headline.lines
    # A medium flag, or a copy that shows no flags, changes nothing here.
    medium = build_report_context(replace(data, flags=[replace(flag, severity="medium")]))
    assert not medium.subscales[1].partners[0].guarded
    couple = build_report_context(replace(data, audience="couple"))
    assert not couple.subscales[1].partners[0].guarded
