"""Inline SVG charts: deterministic, escaped, readable in greyscale, fine with 0/1 points."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from app.reports.core.charts import gap_chart, legend_swatch, trajectory_chart
from app.reports.core.context import build_report_context
from app.reports.core.inputs import PartnerInput
from tests.reports.core.factories import A, B, assessment, report_input, subscale

SVG = "{http://www.w3.org/2000/svg}"


def sections(assessments: list, **kw: object):
    return build_report_context(
        report_input(
            subscales=[subscale()],
            assessments=assessments,
            **kw,
        )
    ).subscales


def chart(section) -> Markup:
    return trajectory_chart(section.info, [p.partner_name for p in section.partners])


def parse(svg: Markup) -> ET.Element:
    return ET.fromstring(str(svg))  # well-formed XML or this raises


def test_trajectory_has_both_partners_in_distinct_styles() -> None:
    section = sections(
        [
            assessment(A, 2, transparency=2.0),
            assessment(A, 40, transparency=3.5),
            assessment(B, 2, transparency=2.0),
            assessment(B, 40, transparency=2.5),
        ]
    )[0]
    svg = chart(section)
    assert isinstance(svg, Markup)
    root = parse(svg)
    lines = root.findall(f"{SVG}polyline")
    assert len(lines) == 2
    assert "stroke-dasharray" not in lines[0].attrib  # A solid
    assert "stroke-dasharray" in lines[1].attrib  # B dashed
    assert len(root.findall(f"{SVG}circle")) == 2  # A's points
    assert len(root.findall(f"{SVG}rect")) == 2  # B's points
    # A's 2.0 -> 3.5 is reliable (RCI 3.39): one ▲ marker; B's is not.
    assert len(root.findall(f"{SVG}polygon")) == 1
    assert root.get("role") == "img"
    assert svg == chart(section)  # deterministic
    # No fixed size: the page's or the PDF's CSS decides how large it is.
    assert root.get("viewBox") == "0 0 340.0 140.0"
    assert root.get("width") is None and root.get("height") is None


def test_trajectory_with_no_points_or_one_point() -> None:
    empty = parse(chart(sections([])[0]))
    assert "No scores yet" in "".join(empty.itertext())
    one = parse(chart(sections([assessment(A, 2, transparency=3.0)])[0]))
    assert len(one.findall(f"{SVG}circle")) == 1
    assert not one.findall(f"{SVG}polyline")


def test_chart_text_is_escaped() -> None:
    hostile = '</svg><script>alert("x")</script>'
    section = sections(
        [assessment(A, 2, transparency=2.0)],
        partners=[PartnerInput(A, hostile), PartnerInput(B, "Sam")],
    )[0]
    svg = str(chart(section))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    parse(Markup(svg))


def test_gap_chart_bars_and_empty_state() -> None:
    both = sections(
        [
            assessment(A, 2, transparency=2.0),
            assessment(B, 2, transparency=3.0),
            assessment(A, 40, transparency=3.5),
            assessment(B, 40, transparency=2.0),
        ]
    )
    root = parse(gap_chart([s.info for s in both]))
    labels = "".join(root.itertext())
    assert "Transparency" in labels
    assert "1.00 → 1.50" in labels  # first paired gap 1.0, latest gap 1.5
    assert "No gap to show yet" in "".join(parse(gap_chart([s.info for s in sections([])])).itertext())


def test_legend_swatch_is_svg() -> None:
    assert parse(legend_swatch(0)).tag == f"{SVG}svg"
    assert "stroke-dasharray" in str(legend_swatch(1))
