"""Rendered PDFs say what a counselor looks for, in any script, on any paper."""

from __future__ import annotations

import pytest

from app.reports.core import formatting as fmt
from app.reports.core.context import ReportContext, build_report_context
from app.reports.core.inputs import PartnerInput
from app.reports.render import render_html, render_pdf, render_report
from tests.reports import pdf_helpers
from tests.reports.core.factories import A, B, assessment, report_input, subscale, year_report


def render(**kw: object) -> tuple[ReportContext, str]:
    """Build, render and read back a report's PDF text."""
    ctx = build_report_context(report_input(**kw))
    _, pdf = render_report(ctx)
    return ctx, pdf_helpers.text(pdf)


def test_full_report_shows_names_period_scores_and_words(
    year_context: ReportContext, year_rendered: tuple[str, bytes]
) -> None:
    _, pdf = year_rendered
    text = pdf_helpers.text(pdf)
    for needed in (
        "Alex Rivera",
        "Sam Rivera",
        "Harbour Counselling",
        "Dr Ruth Okafor",
        "1 Jan 2025 \u2013 31 Dec 2025",
        "reliable improvement",
        "no reliable change",
        "Confidential",
        "No contact with the affair partner",
        "Felt unsafe",
    ):
        assert needed in text
    for section in year_context.subscales:
        assert section.info.label in text
        for row in section.partners:
            assert fmt.score(row.latest.mean) in text  # as the scoring engine computed it


def test_every_page_has_page_x_of_y_and_confidential(year_rendered: tuple[str, bytes]) -> None:
    pages = pdf_helpers.page_texts(year_rendered[1])
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Confidential" in page


def test_page_one_is_the_summary(
    year_context: ReportContext, year_rendered: tuple[str, bytes]
) -> None:
    first = pdf_helpers.page_texts(year_rendered[1])[0]
    assert year_context.headline.title in first
    assert "Latest scores" in first
    assert "open flags (1 high)" in first
    # The counselor's summary is on page 1, with the safety alert above it.
    summary = "Counselor\u2019s summary"
    assert f"{summary} Steady work this year. Both partners keep most agreements." in first
    assert first.index("Safety first") < first.index(summary) < first.index("Latest scores")
    assert "Partners differ most on" in first
    # Every change on page 1 says what it rests on: the footnote, on page 1 too.
    for basis in year_context.change_bases:
        assert basis in first
    assert "Getting better" not in first and "Getting worse" not in first


def test_html_is_the_same_for_preview_and_pdf(year_context: ReportContext) -> None:
    html = render_html(year_context)
    assert html == render_html(year_context)  # deterministic
    assert '<html lang="en">' in html
    assert "<title>Progress report — Alex &amp; Sam Rivera</title>" in html


def test_no_assessments_says_so() -> None:
    _, text = render(subscales=[subscale()])
    assert "No assessments yet" in text


def test_one_partner_only_and_single_assessment() -> None:
    _, text = render(subscales=[subscale()], assessments=[assessment(A, 3, transparency=2.75)])
    assert "2.75" in text
    assert "Alex Rivera: one assessment so far (9 Jan 2025): change can be measured from the next one." in text
    assert "Sam Rivera: no assessments yet." in text
    assert "Too early to tell" in text


def test_first_assessments_read_in_one_line_per_partner_with_no_chart() -> None:
    six = [subscale(f"s{i}", f"Subscale {i}") for i in range(6)]
    means = {f"s{i}": 2.0 + i / 4 for i in range(6)}
    ctx = build_report_context(report_input(
        subscales=six, assessments=[assessment(A, 3, **means), assessment(B, 4, **means)],
        summary="First meeting: both hope to stay together."))
    html, pdf = render_report(ctx)
    pages = pdf_helpers.page_texts(pdf)
    text = " ".join(pages)
    assert "First meeting: both hope to stay together." in pages[0]
    assert "no change yet" not in text.lower()
    assert text.count("one assessment so far") == 4  # per partner: page 1's headline, the scores section
    assert "Alex Rivera: one assessment so far (9 Jan 2025)" in pages[0]
    assert "Sam Rivera: one assessment so far (10 Jan 2025)" in pages[0]
    # No chart of single dots, and no reliable-change footnote where no change is shown.
    assert "scores over time for" not in html  # no trajectory chart
    assert "Gap between partners per subscale" not in html  # nor gap bars of one pair (first = latest)
    assert "Judged on" not in text and "|RCI|" not in text
    assert "2.25" in pages[0]  # the scores themselves, on page 1


def test_a_change_shows_its_basis_beside_it() -> None:
    _, text = render(subscales=[subscale()], assessments=[
        assessment(A, 3, transparency=2.0), assessment(A, 40, transparency=3.5)])
    basis = "reference values from the questionnaire definition"
    assert f"Since first: +1.50, reliable improvement (RCI 3.39; judged on {basis})" in text
    assert f"Judged on 1 {basis}, as in force when the later assessment was submitted" in text


def test_roles_on_page_one_only_when_known() -> None:
    roles = (PartnerInput(A, "Alex Rivera", role="hurt"), PartnerInput(B, "Sam Rivera", role="involved"))
    kw = {"subscales": [subscale()], "assessments": [assessment(A, 3, transparency=2.0),
                                                     assessment(B, 4, transparency=3.2)]}
    ctx = build_report_context(report_input(partners=roles, **kw))
    first = pdf_helpers.page_texts(render_report(ctx)[1])[0]
    assert "Alex Rivera (hurt partner)" in first and "Sam Rivera (partner who broke trust)" in first
    assert ("the hurt partner (Alex Rivera) scores 1.20 lower than the partner who broke trust (Sam Rivera)"
            in first)
    _, plain = render(**kw)
    assert "hurt partner" not in plain and "broke trust" not in plain
    assert "Sam Rivera scores 1.20 higher than Alex Rivera" in plain


def test_unscored_subscale_says_why() -> None:
    _, text = render(
        subscales=[subscale(), subscale("empathy")],
        assessments=[
            assessment(A, 3, transparency=2.0, empathy=None),
            assessment(B, 3, transparency=3.0, empathy=4.0),
        ],
    )
    assert "not scored — too many items unanswered" in text.lower()


def test_individual_client_report() -> None:
    _, text = render(
        subject_kind="client",
        subject_name="Jordan Lee",
        partners=[PartnerInput("Client", "Jordan Lee")],
        breach_type=None,
        subscales=[subscale()],
        assessments=[
            assessment("Client", 2, transparency=2.0),
            assessment("Client", 40, transparency=3.5),
        ],
    )
    assert "Jordan Lee" in text
    assert "reliable improvement" in text
    assert "Gap between partners" not in text


@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_paper_size(paper: str, size: tuple[int, int]) -> None:
    pdf = render_pdf(render_html(build_report_context(report_input(paper=paper))))
    box = pdf_helpers.reader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_pdf_is_tagged_with_language_and_title(
    year_context: ReportContext, year_rendered: tuple[str, bytes]
) -> None:
    doc = pdf_helpers.reader(year_rendered[1])
    root = doc.trailer["/Root"].get_object()
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en"
    assert doc.metadata.title == year_context.title


def test_names_in_other_scripts_render_with_real_fonts() -> None:
    names = ("Zoë Ågren", "王小明", "فاطمة")
    ctx = build_report_context(
        report_input(
            subject_name="Zoë Ågren & 王小明",
            partners=[PartnerInput(A, names[0] + " " + names[1]), PartnerInput(B, names[2])],
            summary="Note: " + " / ".join(names),
        )
    )
    _, pdf = render_report(ctx)
    text = pdf_helpers.text(pdf)
    assert names[0] in text and names[1] in text
    # Arabic is stored in visual order; accept either reading direction.
    assert names[2] in text or names[2][::-1] in text
    # Text extraction alone can't tell real glyphs from empty boxes (a font without the glyph still extracts):
    # each script must have been set in an embedded font that has its glyphs.
    embedded = pdf_helpers.embedded_families(pdf)
    assert any(name.startswith("notosanscjk") for name in embedded)
    for name in names:
        assert embedded & pdf_helpers.families_covering(name), name


def test_realistic_year_fits_a_few_pages(year_rendered: tuple[str, bytes]) -> None:
    pages = pdf_helpers.reader(year_rendered[1]).pages
    assert 3 <= len(pages) <= 8
    assert year_report().sessions  # factory sanity: the year is not empty
