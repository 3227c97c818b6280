"""The one formatter: numbers and dates read the same on a page and in a PDF, in the practice's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from jinja2 import Environment

from app.reports.core import formatting as fmt

# 02:30 UTC on 5 March is still 4 March in New York (UTC-5) and already 5 March in Tokyo.
LATE = datetime(2025, 3, 5, 2, 30, tzinfo=UTC)


def test_dates_and_times_are_shown_in_the_practice_zone() -> None:
    assert fmt.day(LATE, "America/New_York") == "4 Mar 2025"
    assert fmt.moment(LATE, "America/New_York") == "4 Mar 2025, 21:30"
    assert fmt.moment(LATE, "Asia/Tokyo", seconds=True) == "5 Mar 2025, 11:30:00"
    assert fmt.short_day(LATE, "America/New_York") == "4 Mar 25"
    assert fmt.day(date(2025, 3, 5), "America/New_York") == "5 Mar 2025"  # a date has no zone
    assert fmt.day(LATE) == "5 Mar 2025"  # no zone named: the time's own (UTC)
    assert fmt.day(LATE, "Not/AZone") == "5 Mar 2025"  # an unknown zone falls back to UTC


def test_template_filters_read_the_zone_from_the_template() -> None:
    env = Environment(autoescape=True)
    env.filters.update(fmt.FILTERS)
    page = env.from_string("{{ t|day }} · {{ t|local }} · {{ t|short_day }} · {{ (t, t)|day_pair }}")
    assert page.render(t=LATE, timezone="America/New_York") == "4 Mar 2025 · 4 Mar 2025, 21:30 · 4 Mar 25 · 4 Mar 2025"


def test_numbers_have_one_form() -> None:
    assert (fmt.score(3.5), fmt.score(-1.494), fmt.score(None)) == ("3.50", "\u22121.49", "\u2014")
    assert (fmt.signed(0.25), fmt.signed(-0.25)) == ("+0.25", "\u22120.25")
    assert (fmt.percent(0.625), fmt.hours(1.5), fmt.hours(2.0)) == ("62%", "1.5", "2")
    assert fmt.label("in_person") == "In person" and fmt.label("no_show") == "No-show"
    assert fmt.day_pair(LATE, datetime(2025, 3, 7, tzinfo=UTC)) == "5 Mar 2025 and 7 Mar 2025"
