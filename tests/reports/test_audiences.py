"""Reports by audience, read back from the PDF: each copy carries what its reader may see, and
says on every page who it is for.

The couple: Maya shared her first assessment (all 4.00) but not her latest (5.00, emotional
safety 4.80); Daniel shared nothing (2.20/2.40 then 2.60, safety 1.40, which raised a high flag).
Maya also has a flag from another couple's work and one from her individual work, which no
copy of this couple's report may show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.clients.models import Client, Couple
from app.errors import InvalidField
from app.questionnaires.models import Administration, AdministrationFlag
from app.reports import gather
from app.reports.core import formatting as fmt
from app.reports.models import Report
from app.reports.service import GeneratedReport, build_report_input, generate_report, preview_html
from tests.factories import Factory
from tests.reports import pdf_helpers
from tests.reports.db_factories import (
    B_SAFETY_LATEST,
    INTAKE,
    SUBSCALES,
    checkin,
    days_ago,
    keyed_answers,
    same_everywhere,
    submit,
)

SAFETY = "emotional_safety"
INTAKE_WORDS = "Evenings without questions."
OTHER_COUPLE_FLAG = "Raised while working with another partner"
INDIVIDUAL_FLAG = "Raised in individual sessions"
LINES = {
    "clinical": "Clinical record — not for clients",
    "couple": "For the couple",
    "partner": "For Maya only",
    "supervision": "For supervision — pseudonymised",
}


@dataclass
class Couple2:
    counselor: object
    couple: Couple
    maya: Client
    daniel: Client
    maya_means: dict[str, str] = field(default_factory=dict)  # shown score -> which
    daniel_means: set[str] = field(default_factory=set)
    flag_message: str = ""
    shared_ids: list[int] = field(default_factory=list)


def _intake(db: Session, person: Client, couple: Couple | None, words: str, ago: int) -> Administration:
    return submit(db, person, couple=couple, instrument=INTAKE, when=days_ago(ago), answers={
        "preferred_name": person.first_name, "goals": ["rebuild_trust"], "goals_in_words": words,
        "hope_now": 4, "safety_afraid": False, "safety_ok_to_contact": True,
    }).administration


def _flag(db: Session, administration: Administration, message: str) -> None:
    db.add(AdministrationFlag(practice_id=administration.practice_id, administration_id=administration.id,
                              client_id=administration.client_id, couple_id=administration.couple_id,
                              item_id="goals_in_words", severity="high", message=message,
                              raised_at=days_ago(5)))
    db.commit()


def sharing_couple(db: Session, factory: Factory) -> Couple2:
    counselor = factory.counselor(name="Dr Ruth Mensah")
    maya = factory.client(counselor, first="Maya", last="Okafor", date_of_birth=date(1984, 3, 7),
                          email="maya.okafor@example.test", phone="+44 7700 900123")
    daniel = factory.client(counselor, first="Daniel", last="Okafor", date_of_birth=date(1982, 11, 19),
                            email="d.okafor@example.test", phone="+44 7700 900456")
    couple = factory._save(Couple(practice_id=counselor.practice_id, counselor_id=counselor.id,
                                  partner_a_id=maya.id, partner_b_id=daniel.id, breach_type="emotional_affair",
                                  disclosed_on=days_ago(200).date()))
    s = Couple2(counselor, couple, maya, daniel)
    sessions = [factory.therapy_session(couple, days_ago=3 + 7 * week) for week in range(4)]
    agreement = factory.agreement(couple, title="No contact with the affair partner")
    for therapy in sessions:
        checkin(db, agreement, therapy, "kept")
    # Maya: 4.00 everywhere, shared; then 5.00 (safety 4.80), not shared.
    first = submit(db, maya, couple=couple, when=days_ago(40), answers=keyed_answers(same_everywhere((4,) * 5)))
    first.administration.share_scores = True
    db.add(first.administration)
    db.commit()
    s.shared_ids.append(first.administration.id)  # type: ignore[arg-type]
    latest = submit(db, maya, couple=couple, when=days_ago(10), answers=keyed_answers(same_everywhere((5,) * 5)))
    s.maya_means = {fmt.score(first.result.subscales[SAFETY].mean): "shared",
                    fmt.score(latest.result.subscales[SAFETY].mean): "unshared",
                    fmt.score(latest.result.subscales["transparency"].mean): "unshared"}
    # Daniel: never shared; his latest raises the safety flag.
    made = [submit(db, daniel, couple=couple, when=days_ago(38),
                   answers=keyed_answers(same_everywhere((2, 2, 2, 3, 2)))),
            submit(db, daniel, couple=couple, when=days_ago(9), answers=keyed_answers(
                {**same_everywhere((3, 3, 2, 3, 2)), SAFETY: B_SAFETY_LATEST}))]
    s.daniel_means = {fmt.score(m.result.subscales[sub].mean) for m in made for sub in SUBSCALES}
    [raised] = db.exec(select(AdministrationFlag).where(AdministrationFlag.client_id == daniel.id)).all()
    s.flag_message = raised.message
    _intake(db, maya, couple, INTAKE_WORDS, 60)
    # Maya's other work: another couple, and on her own. Their flags belong there.
    jonah = factory.client(counselor, first="Jonah", last="Reyes")
    other = factory._save(Couple(practice_id=counselor.practice_id, counselor_id=counselor.id,
                                 partner_a_id=maya.id, partner_b_id=jonah.id, breach_type="deception"))
    _flag(db, _intake(db, maya, other, "With Jonah", 30), OTHER_COUPLE_FLAG)
    _flag(db, _intake(db, maya, None, "On my own", 20), INDIVIDUAL_FLAG)
    return s


@pytest.fixture
def okafors(db: Session, factory: Factory) -> Couple2:
    return sharing_couple(db, factory)


def copy(db: Session, s: Couple2, audience: str, **kw: object) -> GeneratedReport:
    made = generate_report(db, actor=s.counselor, couple_id=s.couple.id, audience=audience,  # type: ignore[arg-type]
                           summary="Daniel still guarded; see him alone.", **kw)
    db.commit()
    return made


def test_clinical_copy_shows_everything_of_this_couple_and_nothing_of_other_work(db: Session, okafors: Couple2) -> None:
    text = pdf_helpers.text(copy(db, okafors, "clinical").pdf)
    for needed in ("Maya Okafor", "Daniel Okafor", okafors.flag_message, INTAKE_WORDS, "Daniel still guarded",
                   *okafors.maya_means, *okafors.daniel_means):
        assert needed in text, needed  # the other copies' absences below are not for want of data
    assert OTHER_COUPLE_FLAG not in text and INDIVIDUAL_FLAG not in text
    assert "With Jonah" not in text and "On my own" not in text and "Jonah" not in text


def test_couple_copy_has_no_flags_no_intake_and_only_shared_scores(db: Session, okafors: Couple2) -> None:
    made = copy(db, okafors, "couple")
    text = pdf_helpers.text(made.pdf)
    assert okafors.flag_message not in text and "Open flags" not in text and "Safety first" not in text
    assert INTAKE_WORDS not in text and "Intake highlights" not in text
    for mean, which in okafors.maya_means.items():
        assert (mean in text) == (which == "shared"), (mean, which)
    for mean in okafors.daniel_means:
        assert mean not in text, mean  # Daniel did not agree to share
    assert "No shared scores yet" in text
    assert "No contact with the affair partner" in text and "SESSIONS HELD" in text  # agreements, attendance
    assert "Daniel still guarded" in text  # the counselor's own words, written for this copy
    assert made.filename == f"mend-report-okafor-couple-{date.today().isoformat()}.pdf"


def test_partner_copy_has_nothing_of_the_other_partner(db: Session, okafors: Couple2) -> None:
    made = copy(db, okafors, "partner", partner_id=okafors.maya.id)
    text = pdf_helpers.text(made.pdf)
    assert "Daniel" not in text and "Partner B" not in text and "Gap" not in text
    for mean in okafors.daniel_means:
        assert mean not in text, mean
    for mean in okafors.maya_means:
        assert mean in text, mean  # her own, shared or not
    assert okafors.flag_message not in text and INTAKE_WORDS not in text
    assert "No contact with the affair partner" not in text and "guarded" not in text
    assert "Progress report: Maya Okafor" in text
    meta = pdf_helpers.reader(made.pdf).metadata
    assert meta is not None and "Daniel" not in str(dict(meta))
    assert b"Daniel" not in made.pdf
    assert made.filename == f"mend-report-okafor-maya-{date.today().isoformat()}.pdf"


def test_supervision_copy_names_no_one_and_shifted_dates_hide_the_real_ones(
    db: Session, okafors: Couple2, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gather, "SHIFT_DAYS", (143, 143))  # the secret draw, fixed for the test
    made = copy(db, okafors, "supervision", dates_shifted=True)
    text = pdf_helpers.text(made.pdf)
    people = (okafors.maya, okafors.daniel)
    private = [p.first_name for p in people] + ["Okafor"]
    for p in people:
        assert p.date_of_birth is not None and p.email and p.phone
        private += [p.email, p.phone, fmt.day(p.date_of_birth), p.date_of_birth.isoformat()]
    private += ["guarded", INTAKE_WORDS, "No contact with the affair"]  # summary, intake, agreement title
    for secret in private:
        assert secret not in text, secret
    meta = pdf_helpers.reader(made.pdf).metadata
    assert meta is not None and meta.title == "Progress report — Partner A & Partner B"
    xmp = pdf_helpers.reader(made.pdf).trailer["/Root"].get_object()["/Metadata"].get_object().get_data()
    for secret in private:
        assert secret not in str(dict(meta)) and secret.encode() not in xmp and secret.encode() not in made.pdf
    assert "Partner A" in text and "Partner B" in text and "Boundary 1" in text
    assert okafors.flag_message in text  # flags stay, by label: their words are the questionnaire's
    # Dates: none of the real session days; the same days 143 days earlier instead.
    real = [fmt.day(d) for d in (days_ago(3 + 7 * w) for w in range(4))]
    for day in real:
        assert day not in text, day
    assert fmt.day(days_ago(3 + 143)) in text
    assert "dates shifted" in text and "Dates are shifted by a hidden number of days" in text
    # Nothing dated by the day it was made: a shifted date beside that day gives the offset away.
    today = date.today()
    assert made.filename == "mend-report-supervision.pdf"
    assert "/CreationDate" not in meta and "Generated " + fmt.day(today - timedelta(days=143)) not in text
    assert fmt.day(today) not in text
    # The record keeps the real period; the shift is kept nowhere.
    row = db.exec(select(Report)).one()
    assert (row.audience, row.dates_shifted, row.period_end) == ("supervision", True, today)


def test_unshifted_supervision_copy_keeps_real_dates(db: Session, okafors: Couple2) -> None:
    text = pdf_helpers.text(copy(db, okafors, "supervision").pdf)
    assert fmt.day(days_ago(3)) in text and "dates shifted" not in text and "Maya" not in text


@pytest.mark.parametrize("audience", list(LINES))
def test_every_page_says_who_the_copy_is_for(db: Session, okafors: Couple2, audience: str) -> None:
    made = copy(db, okafors, audience, **({"partner_id": okafors.maya.id} if audience == "partner" else {}))
    pages = pdf_helpers.page_texts(made.pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Confidential · {LINES[audience]}" in page, (audience, number)  # the running footer
    assert pages[0].count(LINES[audience]) == 2  # and the line under page 1's header
    others = [line for key, line in LINES.items() if key != audience]
    assert not any(line in " ".join(pages) for line in others)


def test_report_row_and_audit_event_keep_the_audience(db: Session, okafors: Couple2) -> None:
    copy(db, okafors, "partner", partner_id=okafors.daniel.id)
    row = db.exec(select(Report)).one()
    assert (row.audience, row.partner_id, row.dates_shifted) == ("partner", okafors.daniel.id, False)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "generate_report")).one()
    assert event.detail["report_id"] == row.id
    assert (event.detail["audience"], event.detail["partner_id"], event.detail["dates_shifted"]) == (
        "partner", okafors.daniel.id, False)
    preview_html(db, actor=okafors.counselor, couple_id=okafors.couple.id, audience="supervision", dates_shifted=True)
    db.commit()
    seen = db.exec(select(AuditEvent).where(AuditEvent.action == "preview_report")).one()
    assert (seen.detail["audience"], seen.detail["dates_shifted"]) == ("supervision", True)
    assert len(db.exec(select(Report)).all()) == 1


def test_bad_combinations_name_the_field(db: Session, factory: Factory, okafors: Couple2) -> None:
    stranger = factory.client(okafors.counselor, first="Sam", last="Stone")
    cases = [
        ({"client_id": okafors.maya.id, "audience": "couple"}, "audience", "needs a couple"),
        ({"couple_id": okafors.couple.id, "audience": "partner"}, "partner_id", "Choose which partner"),
        ({"couple_id": okafors.couple.id, "audience": "partner", "partner_id": stranger.id}, "partner_id",
         "not a partner in this couple"),
        ({"client_id": okafors.maya.id, "audience": "partner", "partner_id": okafors.daniel.id}, "partner_id",
         "for that client"),
        ({"couple_id": okafors.couple.id, "audience": "clinical", "partner_id": okafors.maya.id}, "partner_id",
         "only for one partner"),
        ({"couple_id": okafors.couple.id, "audience": "couple", "dates_shifted": True}, "dates_shifted",
         "Only a supervision copy"),
    ]
    for options, name, words in cases:
        with pytest.raises(InvalidField) as caught:
            build_report_input(db, actor=okafors.counselor, **options)  # type: ignore[arg-type]
        assert caught.value.field == name and words in caught.value.message, options
    assert db.exec(select(Report)).all() == []


def test_a_client_alone_gets_their_own_copy(db: Session, okafors: Couple2) -> None:
    now = days_ago(0)
    mine = build_report_input(db, actor=okafors.counselor, client_id=okafors.maya.id, audience="partner", now=now)
    same = build_report_input(db, actor=okafors.counselor, client_id=okafors.maya.id, audience="partner",
                              partner_id=okafors.maya.id, now=now)
    assert mine == same and mine.audience_partner == "Client" and mine.flags == ()


def test_couple_copy_reads_shared_administrations_only(db: Session, okafors: Couple2) -> None:
    data = build_report_input(db, actor=okafors.counselor, couple_id=okafors.couple.id, audience="couple")
    shown = {p.administration_id for h in data.scores for s in h.subscales for t in s.trajectories for p in t.points}
    assert shown == set(okafors.shared_ids)


def test_shift_is_drawn_in_range_and_differs() -> None:
    @dataclass
    class Alone:
        couple: None = None
        client_ids: tuple[int, ...] = (7,)
        id: int = 7

    draws = {gather.audience_choice(Alone(), "supervision", None, True)[0].shift_days  # type: ignore[arg-type]
             for _ in range(40)}
    assert all(30 <= d <= 400 for d in draws) and len(draws) > 1


def test_couple_copy_leaves_out_shared_scores_from_individual_work(db: Session, okafors: Couple2) -> None:
    """A score the partner shared in individual work (no couple) belongs to that work, not to
    this couple's copy: it would tell the other partner those sessions exist, and when."""
    alone = submit(db, okafors.daniel, couple=None, when=days_ago(20),
                   answers=keyed_answers(same_everywhere((2,) * 5)))
    alone.administration.share_scores = True
    db.add(alone.administration)
    db.commit()
    data = build_report_input(db, actor=okafors.counselor, couple_id=okafors.couple.id, audience="couple")
    shown = {p.administration_id for h in data.scores for s in h.subscales for t in s.trajectories for p in t.points}
    assert alone.administration.id not in shown and shown == set(okafors.shared_ids)
