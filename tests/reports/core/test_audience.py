"""Who a copy is for, and what it may show: the pure audience filter, checked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import get_args

import pytest

from app.reports import schemas
from app.reports.core.audience import (
    SECTIONS,
    AudienceChoice,
    audience_line,
    for_audience,
    shared_only,
)
from app.reports.core.context import build_report_context
from app.reports.core.inputs import AUDIENCES, AgreementInput, FlagInput, PartnerInput, ReportInput
from app.reports.core.scores import NOT_SHARED
from tests.reports.core.factories import A, B, assessment, report_input, session, subscale

TRANSPARENCY = subscale("transparency")  # sd 0.7, r 0.8, threshold 1.0, window 21 days
SE_DIFF = 0.4427  # sqrt(2) * 0.7 * sqrt(1 - 0.8)


def couple_record(**kw: object) -> ReportInput:
    """Alex (A) and Sam (B) on one subscale; administration ids are the list positions + 1.

    1 A  2.0 (day 2)    2 B 2.0 (day 3)     -> pair (1, 2): gap 0.0
    3 A  3.5 (day 32)   4 B 2.5 (day 33)    -> pair (3, 4): gap 1.0
    5 A  4.0 (day 62)                          unpaired
    """
    return report_input(
        subscales=[TRANSPARENCY],
        assessments=[
            assessment(A, 2, transparency=2.0),
            assessment(B, 3, transparency=2.0),
            assessment(A, 32, transparency=3.5),
            assessment(B, 33, transparency=2.5),
            assessment(A, 62, transparency=4.0),
        ],
        sessions=[session(10), session(17, attendees=(B,)), session(24, attendees=(A,))],
        agreements=[
            AgreementInput("boundary", "No contact with Jordan", "active", ["kept"]),
            AgreementInput("rule", "Sam checks in at 6", "active", ["partly"]),
            AgreementInput("boundary", "Alex leaves the gym chat", "kept", []),
        ],
        flags=[FlagInput(B, datetime(2025, 2, 1, 12, tzinfo=UTC), "high", "Reports feeling afraid")],
        intake_highlights=[("Alex Rivera: What do you hope for?", "Evenings without questions.")],
        summary="Sam is still guarded.",
        **{"shared_administration_ids": frozenset({1, 2, 4, 5}), **kw},  # Alex did not share 3
    )


def points(view: ReportInput, person: int) -> list[tuple[int, float | None]]:
    [history] = view.scores
    return [(p.administration_id, p.mean) for p in history.subscales[0].trajectories[person].points]


def test_clinical_copy_is_the_whole_record_marked_clinical() -> None:
    record = couple_record()
    view = for_audience(record)
    assert view == replace(record, shared_administration_ids=frozenset())
    assert (view.audience, view.dates_shifted) == ("clinical", False)
    assert audience_line(view) == "Clinical record — not for clients"
    assert build_report_context(view).sections == {"flags", "attendance", "agreements", "intake"}


def test_couple_copy_has_no_flags_no_intake_and_only_shared_scores() -> None:
    view = for_audience(couple_record(), AudienceChoice("couple"))
    assert view.flags == () and view.intake_highlights == ()
    assert points(view, 0) == [(1, 2.0), (5, 4.0)]  # 3 (3.5) was not shared
    assert points(view, 1) == [(2, 2.0), (4, 2.5)]
    assert len(view.agreements) == 3 and len(view.sessions) == 3  # agreements and attendance stay
    assert view.agreements[0].title == "No contact with Jordan"
    assert audience_line(view) == "For the couple"
    assert build_report_context(view).sections == {"attendance", "agreements"}


def test_couple_copy_measures_change_between_shared_scores_only() -> None:
    """With 3 left out, Alex's latest (4.0) is compared with 2.0, not with the unshared 3.5:
    a change of +0.5 from the previous score would give 3.5 away."""
    view = for_audience(couple_record(), AudienceChoice("couple"))
    [history] = view.scores
    latest = history.subscales[0].trajectories[0].points[-1]
    assert (latest.baseline_id, latest.previous_id) == (1, 1)
    assert latest.from_previous is not None and latest.from_baseline is not None
    assert latest.from_previous.delta == pytest.approx(2.0)
    assert latest.from_baseline.rci == pytest.approx(2.0 / SE_DIFF, abs=1e-3)  # 4.518: reliable
    assert latest.from_previous.label == "reliable improvement"
    # In the clinical record the same point is measured from 3.5.
    [clinical] = couple_record().scores
    assert clinical.subscales[0].trajectories[0].points[-1].previous_id == 3


def test_a_gap_needs_both_sides_shared() -> None:
    [clinical] = couple_record().scores
    assert [(g.a_administration_id, g.b_administration_id) for g in clinical.subscales[0].gaps] == [(1, 2), (3, 4)]
    [shared] = for_audience(couple_record(), AudienceChoice("couple")).scores
    assert [(g.a_administration_id, g.b_administration_id) for g in shared.subscales[0].gaps] == [(1, 2)]


def test_nothing_shared_by_one_partner_says_so_and_nothing_at_all_leaves_the_questionnaire_out() -> None:
    only_alex = for_audience(couple_record(shared_administration_ids=frozenset({1, 5})), AudienceChoice("couple"))
    assert points(only_alex, 1) == []
    context = build_report_context(only_alex)
    sam = context.subscales[0].partners[1]
    assert sam.latest is None
    assert [(line.partner.label, line.text) for line in context.scores[0].people] == [(B, NOT_SHARED)]
    assert only_alex.scores[0].subscales[0].gaps == ()
    nothing = for_audience(couple_record(shared_administration_ids=frozenset()), AudienceChoice("couple"))
    assert nothing.scores == ()
    assert build_report_context(nothing).headline.title == "No shared scores yet"


def test_everything_shared_is_the_history_unchanged() -> None:
    record = couple_record()
    assert shared_only(record.scores, frozenset({1, 2, 3, 4, 5})) == tuple(record.scores)


def test_partner_copy_holds_nothing_of_the_other_partner() -> None:
    view = for_audience(couple_record(), AudienceChoice("partner", partner_label=A))
    assert "Sam" not in repr(view) and B not in repr(view)  # no name, label, flag or agreement of Sam's
    assert view.partners == (PartnerInput(A, "Alex Rivera", ""),)
    assert view.subject_name == "Alex Rivera"
    assert points(view, 0) == [(1, 2.0), (3, 3.5), (5, 4.0)]  # their own scores, shared or not
    assert view.scores[0].subscales[0].gaps == () and view.scores[0].client_ids == (1,)
    assert [s.start.date() for s in view.sessions] == [date(2025, 1, 16), date(2025, 1, 30)]  # Alex came
    assert all(s.attendees == (A,) for s in view.sessions)
    assert (view.agreements, view.flags, view.intake_highlights, view.breach_type, view.summary) == (
        (), (), (), None, None)
    assert build_report_context(view).sections == {"attendance"}


def test_partner_copy_is_named_by_first_name() -> None:
    record = couple_record(partners=(PartnerInput(A, "Alex Rivera", "Alex"), PartnerInput(B, "Sam Rivera", "Sam")))
    view = for_audience(record, AudienceChoice("partner", partner_label=B))
    assert audience_line(view) == "For Sam only"
    assert "Alex" not in repr(view)


def test_supervision_copy_uses_labels_and_no_free_text() -> None:
    view = for_audience(couple_record(), AudienceChoice("supervision"))
    text = repr(view)
    for name in ("Alex", "Sam", "Rivera", "Jordan", "Evenings", "guarded"):
        assert name not in text, name
    assert view.subject_name == "Partner A & Partner B"
    assert [p.name for p in view.partners] == [A, B]
    assert [a.title for a in view.agreements] == ["Boundary 1", "Rule 1", "Boundary 2"]
    assert [(f.partner_label, f.message) for f in view.flags] == [(B, "Reports feeling afraid")]  # by label
    assert view.summary is None and view.intake_highlights == ()
    assert points(view, 0) == points(couple_record(), 0)  # every score stays
    assert audience_line(view) == "For supervision — pseudonymised"
    context = build_report_context(view)
    assert context.title == "Progress report — Partner A & Partner B"
    assert context.open_flags[0].partner == B


def test_supervision_of_a_client_calls_them_client() -> None:
    record = report_input(subject_kind="client", subject_name="Alex Rivera",
                          partners=(PartnerInput("Client", "Alex Rivera"),), breach_type=None, disclosed_on=None)
    view = for_audience(record, AudienceChoice("supervision"))
    assert view.subject_name == "Client" and "Alex" not in repr(view)


def _moments(data: ReportInput) -> list[datetime]:
    out = [data.generated_at, *(s.start for s in data.sessions), *(f.raised_at for f in data.flags)]
    for h in data.scores:
        for s in h.subscales:
            out += [p.at for t in s.trajectories for p in t.points]
            out += [at for g in s.gaps for at in (g.a_at, g.b_at)]
    return out


def test_shifted_dates_move_every_date_back_by_the_same_days() -> None:
    record = couple_record(timezone="America/New_York")
    view = for_audience(record, AudienceChoice("supervision", shift_days=123))
    assert view.dates_shifted and audience_line(view) == "For supervision — pseudonymised, dates shifted"
    assert (view.period_start, view.period_end) == (record.period_start - timedelta(days=123),
                                                   record.period_end - timedelta(days=123))
    assert view.disclosed_on == date(2024, 11, 2) - timedelta(days=123)
    before, after = _moments(record), _moments(view)
    assert len(before) == len(after) > 10
    local = view.sessions[0].start.tzinfo
    for real, shifted in zip(before, after, strict=True):
        assert shifted.date() == real.astimezone(local).date() - timedelta(days=123)  # the day shown
    # Intervals are kept: attendance and "days since" read the same.
    ours, theirs = build_report_context(record).attendance, build_report_context(view).attendance
    assert (ours.longest_gap_days, ours.days_since_last, ours.held) == (
        theirs.longest_gap_days, theirs.days_since_last, theirs.held)
    assert build_report_context(view).dates_shifted


@pytest.mark.parametrize(("record", "choice", "words"), [
    (report_input(subject_kind="client", partners=(PartnerInput("Client", "Alex Rivera"),)),
     AudienceChoice("couple"), "needs a couple"),
    (report_input(), AudienceChoice("partner"), "partner_label"),
    (report_input(), AudienceChoice("partner", partner_label="Partner C"), "partner_label"),
    (report_input(), AudienceChoice("clinical", partner_label=A), "only for a partner"),
    (report_input(), AudienceChoice("couple", shift_days=40), "only a supervision copy"),
    (report_input(), AudienceChoice("supervision", shift_days=-3), "only a supervision copy"),
    (report_input(), AudienceChoice("everyone"), "audience must be"),  # type: ignore[arg-type]
])
def test_impossible_choices_are_refused(record: ReportInput, choice: AudienceChoice, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        for_audience(record, choice)


def test_every_audience_has_its_sections_and_the_api_knows_the_same_four() -> None:
    assert set(SECTIONS) == set(AUDIENCES)
    assert get_args(schemas.Audience) == AUDIENCES
