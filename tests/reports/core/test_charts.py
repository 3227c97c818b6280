"""Inline SVG charts: deterministic, escaped, readable in greyscale, fine with 0/1 points."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from app.reports.core.charts import date_ticks, gap_chart, legend_swatch, trajectory_chart
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


def test_date_ticks_first_last_and_evenly_spaced_between() -> None:
    first = datetime(2026, 1, 5, 10, tzinfo=UTC)
    last = first + timedelta(days=120)
    ticks = date_ticks([first, first + timedelta(days=37), last])
    # 5 ticks, 30 days apart: 5 Jan, 4 Feb, 6 Mar, 5 Apr, 5 May 2026
    assert [text for _, text in ticks] == ["5 Jan 26", "4 Feb 26", "6 Mar 26", "5 Apr 26", "5 May 26"]
    assert [at - first for at, _ in ticks] == [timedelta(days=30 * i) for i in range(5)]


def test_date_ticks_are_days_in_the_practices_zone() -> None:
    # 23:30 UTC on 31 Jan is already 1 Feb in Auckland (UTC+13).
    late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert date_ticks([late, late + timedelta(days=2)], "Pacific/Auckland") == [
        (late, "1 Feb 26"), (late + timedelta(days=1), "2 Feb 26"), (late + timedelta(days=2), "3 Feb 26")]
    assert [t for _, t in date_ticks([late, late + timedelta(days=2)])] == ["31 Jan 26", "1 Feb 26", "2 Feb 26"]


def test_date_ticks_never_repeat_a_day_and_need_a_time() -> None:
    at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert date_ticks([at, at + timedelta(hours=5)]) == [(at, "1 Mar 26")]
    assert date_ticks([]) == []


def test_chart_axis_prints_the_dated_ticks() -> None:
    section = sections([assessment(A, d, transparency=2.0 + d / 100) for d in (0, 40, 80, 120)])[0]
    root = parse(chart(section))
    labels = [t.text for t in root.findall(f"{SVG}text")]
    # START is 6 Jan 2025: ticks every 30 days up to 6 May 2025.
    assert [x for x in labels if x and x[-2:] == "25"] == ["6 Jan 25", "5 Feb 25", "7 Mar 25", "6 Apr 25", "6 May 25"]


def test_a_version_break_is_marked_on_the_chart() -> None:
    info = sections([assessment(A, 2, transparency=2.0), assessment(A, 40, transparency=3.5)])[0].info
    t = info.trajectories[0]
    broken = replace(info, trajectories=(replace(t, points=(t.points[0], replace(t.points[1], version_break=True,
                                                                                   from_baseline=None,
                                                                                   from_previous=None))),
                                         info.trajectories[1]))
    assert "new version: not compared" in "".join(parse(trajectory_chart(broken, ["Alex", "Sam"])).itertext())
    assert "new version" not in str(trajectory_chart(info, ["Alex", "Sam"]))
