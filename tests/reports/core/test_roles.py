"""Roles from the intake: who is the hurt partner, and gaps read in those terms."""

from __future__ import annotations

from dataclasses import replace

from app.reports.core.audience import AudienceChoice, for_audience
from app.reports.core.context import build_report_context
from app.reports.core.inputs import PartnerInput
from app.reports.core.roles import couple_roles, gap_sentence, with_role
from tests.reports.core.factories import A, B, assessment, report_input, subscale

HURT = PartnerInput(A, "Alex Rivera", role="hurt")
INVOLVED = PartnerInput(B, "Sam Rivera", role="involved")


def test_roles_only_where_the_answers_give_a_clear_reading() -> None:
    assert couple_roles(["hurt", "involved"]) == ("hurt", "involved")
    assert couple_roles(["involved", None]) == ("involved", None)  # one partner's own answer
    assert couple_roles(["both", "both"]) == (None, None)
    assert couple_roles(["unsure", "prefer_not"]) == (None, None)
    assert couple_roles(["hurt", "hurt"]) == (None, None)  # they disagree: the report doesn't choose
    assert couple_roles(["involved", "involved"]) == (None, None)
    assert couple_roles([None, None]) == (None, None)
    assert couple_roles([["hurt"], 3]) == (None, None)  # not an answer of that item
    assert couple_roles(["hurt"]) == (None,)  # one client alone: no partner to read against


def test_gap_sentences_read_from_the_hurt_partners_side() -> None:
    # difference is A - B
    assert gap_sentence([HURT, INVOLVED], -1.2, "1.20") == (
        "the hurt partner (Alex Rivera) scores 1.20 lower than the partner who broke trust (Sam Rivera)")
    # Partner A broke trust and scores lower: still read from the hurt partner's side.
    assert gap_sentence([INVOLVED, HURT], -1.2, "1.20") == (
        "the hurt partner (Alex Rivera) scores 1.20 higher than the partner who broke trust (Sam Rivera)")
    only_involved = [PartnerInput(A, "Alex Rivera"), PartnerInput(B, "Sam Rivera", role="involved")]
    assert gap_sentence(only_involved, 0.5, "0.50") == (
        "the partner who broke trust (Sam Rivera) scores 0.50 lower than Alex Rivera")
    plain = [PartnerInput(A, "Alex Rivera"), PartnerInput(B, "Sam Rivera")]
    assert gap_sentence(plain, -0.5, "0.50") == "Sam Rivera scores 0.50 higher than Alex Rivera"
    assert with_role(HURT) == "Alex Rivera (hurt partner)" and with_role(plain[0]) == "Alex Rivera"


def _record(partners: tuple[PartnerInput, ...]):
    return report_input(
        partners=partners,
        subscales=[subscale()],
        assessments=[assessment(A, 2, transparency=2.0), assessment(B, 3, transparency=3.2)],
    )


def test_clinical_copy_names_with_role_and_gaps_in_those_terms() -> None:
    ctx = build_report_context(_record((HURT, INVOLVED)))
    assert ctx.roles_known
    assert [t.who for t in ctx.tallies] == ["Alex Rivera (hurt partner)", "Sam Rivera (partner who broke trust)"]
    assert ctx.largest_gaps[0].sentence == (
        "the hurt partner (Alex Rivera) scores 1.20 lower than the partner who broke trust (Sam Rivera)")
    assert ctx.subscales[0].gap_sentence.startswith("The hurt partner (Alex Rivera) scores 1.20 lower")
    assert ctx.largest_gaps[0].first_size is None  # one pair: no "first paired" beside it


def test_no_roles_no_role_words() -> None:
    for partners in ((PartnerInput(A, "Alex Rivera"), PartnerInput(B, "Sam Rivera")),
                     (replace(HURT, role=None), replace(INVOLVED, role=None))):
        ctx = build_report_context(_record(partners))
        assert not ctx.roles_known
        assert ctx.largest_gaps[0].sentence == "Sam Rivera scores 1.20 higher than Alex Rivera"
        assert "partner" not in " ".join(t.who for t in ctx.tallies)


def test_supervision_keeps_roles_beside_labels_and_no_name() -> None:
    view = for_audience(_record((HURT, INVOLVED)), AudienceChoice("supervision"))
    assert [(p.name, p.role) for p in view.partners] == [(A, "hurt"), (B, "involved")]
    ctx = build_report_context(view)
    assert ctx.largest_gaps[0].sentence == (
        "the hurt partner (Partner A) scores 1.20 lower than the partner who broke trust (Partner B)")
    assert "Alex" not in repr(view) and "Sam" not in repr(view)


def test_couple_and_partner_copies_carry_no_role() -> None:
    record = replace(_record((HURT, INVOLVED)), shared_administration_ids=frozenset({1, 2}))
    couple = for_audience(record, AudienceChoice("couple"))
    assert [p.role for p in couple.partners] == [None, None]
    assert not build_report_context(couple).roles_known
    mine = for_audience(record, AudienceChoice("partner", partner_label=A))
    assert [p.role for p in mine.partners] == [None]
