"""Inline SVG charts: deterministic, escaped, readable in greyscale, fine with 0/1 points."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from markupsafe import Markup

from app.reports.core.charts import date_ticks, gap_chart, label_width, legend_swatch, thin_labels, trajectory_chart
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


def test_date_ticks_one_per_measurement_day_in_order() -> None:
    first = datetime(2026, 1, 5, 10, tzinfo=UTC)
    later = first + timedelta(days=37)
    same_day = first + timedelta(hours=6)
    ticks = date_ticks([later, first, same_day, first + timedelta(days=120)])
    # One tick a day (the day's first time), oldest first, whatever order the times come in.
    assert ticks == [(first, "5 Jan 26"), (later, "11 Feb 26"), (first + timedelta(days=120), "5 May 26")]


def test_date_ticks_are_days_in_the_practices_zone() -> None:
    # 23:30 UTC on 31 Jan is already 1 Feb in Auckland (UTC+13).
    late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    assert date_ticks([late, late + timedelta(days=2)], "Pacific/Auckland") == [
        (late, "1 Feb 26"), (late + timedelta(days=2), "3 Feb 26")]
    assert [t for _, t in date_ticks([late, late + timedelta(days=2)])] == ["31 Jan 26", "2 Feb 26"]
    # 10:00 and 14:00 UTC on 1 Feb are two days in Auckland (23:00 on 1 Feb, 03:00 on 2 Feb).
    morning = datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert [t for _, t in date_ticks([morning, morning + timedelta(hours=4)], "Pacific/Auckland")] == [
        "1 Feb 26", "2 Feb 26"]


def test_date_ticks_never_repeat_a_day_and_need_a_time() -> None:
    at = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert date_ticks([at, at + timedelta(hours=5)]) == [(at, "1 Mar 26")]
    assert date_ticks([]) == []


def test_label_width_is_per_character() -> None:
    # 8 characters x 0.62 em x 8.5 units = 42.16 units.
    assert label_width("5 Mar 25") == pytest.approx(42.16)
    assert label_width("15 Mar 25") == pytest.approx(47.43)


def axis(root: ET.Element) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The time axis of a parsed chart: (x, text, anchor) of each date label, and the x of each
    tick mark (the short dark lines below the plot, y 114 to 117)."""
    labels = [(t.get("x"), t.text, t.get("text-anchor")) for t in root.findall(f"{SVG}text")
              if t.get("y") == "132.0"]
    ticks = [ln.get("x1") for ln in root.findall(f"{SVG}line")
             if ln.get("y1") == "114.0" and ln.get("y2") == "117.0"]
    return labels, ticks  # type: ignore[return-value]


def test_three_dates_sit_where_the_geometry_puts_them() -> None:
    # The plot runs from x 30 (LEFT) to 328 (340 - RIGHT 12): 298 units for 30 days.
    # Day 0 -> 30.0; day 10 -> 30 + 298 * 10 / 30 = 129.33; day 30 -> 328.0.
    section = sections([assessment(A, 0, transparency=2.0), assessment(A, 10, transparency=2.5),
                        assessment(B, 30, transparency=3.0)])[0]
    labels, ticks = axis(parse(chart(section)))
    assert ticks == ["30.0", "129.3", "328.0"]
    # START is 6 Jan 2025. A label is 0.62 x 8.5 = 5.27 units a character: the first starts at
    # its tick, the last ends at its own; 30..72.2, 105.6..153.0 and 285.8..328 never touch.
    assert labels == [("30.0", "6 Jan 25", "start"), ("129.3", "16 Jan 25", "middle"),
                      ("328.0", "5 Feb 25", "end")]


def test_twelve_weekly_dates_are_thinned_so_labels_never_overlap() -> None:
    # 11 weeks over 298 units: a tick every 27.09 units (30.0, 57.1, 84.2, ... 328.0).
    # Labels of 9 characters are 47.43 units wide. Every 2nd label fails: the first
    # (start-anchored) spans 30..72.2 and the third, centred on 84.2, starts at 60.5. Every 3rd
    # fits: weeks 0, 3, 6 (30.0, 111.3, 192.5) and the last (328.0, end-anchored, 280.6..328);
    # week 9 (273.8, 250.1..297.5) would crowd the last, so it is left out.
    section = sections([assessment(A, 7 * w, transparency=2.0 + w / 10) for w in range(12)])[0]
    labels, ticks = axis(parse(chart(section)))
    assert len(ticks) == 12  # a tick for every date, labelled or not
    assert ticks[:4] == ["30.0", "57.1", "84.2", "111.3"] and ticks[-1] == "328.0"
    assert [(x, text) for x, text, _ in labels] == [
        ("30.0", "6 Jan 25"), ("111.3", "27 Jan 25"), ("192.5", "17 Feb 25"), ("328.0", "24 Mar 25")]
    spans = [_span(float(x), text, anchor) for x, text, anchor in labels]
    assert all(nxt[0] - prev[1] >= 4.0 for prev, nxt in pairwise(spans))


def _span(x: float, text: str, anchor: str) -> tuple[float, float]:
    width = label_width(text)
    return {"start": (x, x + width), "end": (x - width, x)}.get(anchor, (x - width / 2, x + width / 2))


def test_thinning_keeps_first_and_last_and_never_overlaps() -> None:
    assert thin_labels([]) == []
    assert thin_labels([(30.0, "6 Jan 25", "start"), (328.0, "5 Feb 25", "end")]) == [0, 1]
    for n in range(3, 60):  # any number of evenly spaced dates
        spots = [(30 + 298 * i / (n - 1), "16 Jan 25", "start" if i == 0 else "end" if i == n - 1 else "middle")
                 for i in range(n)]
        kept = thin_labels(spots)
        assert kept[0] == 0 and kept[-1] == n - 1
        spans = [_span(*spots[i]) for i in kept]
        assert all(nxt[0] - prev[1] >= 4.0 for prev, nxt in pairwise(spans)), n
    # Crowded days at the start: the close ones lose their labels, the ticks stay.
    crowded = [(30.0, "6 Jan 25", "start"), (39.9, "7 Jan 25", "middle"), (49.9, "8 Jan 25", "middle"),
               (328.0, "5 Feb 25", "end")]
    assert thin_labels(crowded) == [0, 3]


def test_one_day_of_scores_has_one_centred_label() -> None:
    section = sections([assessment(A, 3, transparency=2.0), assessment(B, 3, transparency=3.0)])[0]
    labels, ticks = axis(parse(chart(section)))
    assert ticks == ["179.0"] and labels == [("179.0", "9 Jan 25", "middle")]  # 30 + 298 / 2


def test_chart_describes_each_persons_dated_scores() -> None:
    section = sections([assessment(A, 0, transparency=2.0), assessment(A, 40, transparency=3.5),
                        assessment(B, 40, transparency=2.5)])[0]
    root = parse(chart(section))
    assert root.find(f"{SVG}title").text == "Transparency: scores over time for Alex Rivera and Sam Rivera"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == (  # type: ignore[union-attr]
        "Alex Rivera: 2.00 on 6 Jan 2025, 3.50 on 15 Feb 2025. Sam Rivera: 2.50 on 15 Feb 2025.")


def test_a_version_break_is_marked_on_the_chart() -> None:
    info = sections([assessment(A, 2, transparency=2.0), assessment(A, 40, transparency=3.5)])[0].info
    t = info.trajectories[0]
    broken = replace(info, trajectories=(replace(t, points=(t.points[0], replace(t.points[1], version_break=True,
                                                                                   from_baseline=None,
                                                                                   from_previous=None))),
                                         info.trajectories[1]))
    assert "new version: not compared" in "".join(parse(trajectory_chart(broken, ["Alex", "Sam"])).itertext())
    assert "new version" not in str(trajectory_chart(info, ["Alex", "Sam"]))


def test_scores_days_apart_sit_around_the_middle_of_a_week() -> None:
    # Under MIN_SPAN (7 days) the axis spans a week centred on the scores: 3 days apart leaves
    # 2 days each side, so x = 30 + 298 * 2/7 = 115.1 and 30 + 298 * 5/7 = 242.9.
    section = sections([assessment(A, 3, transparency=2.0), assessment(B, 6, transparency=3.0)])[0]
    _, ticks = axis(parse(chart(section)))
    assert ticks == ["115.1", "242.9"]
