"""The default period: from the start of counselling, else the first session, else 90 days."""

from __future__ import annotations

from datetime import date

from app.reports.core.period import FROM_DAYS, FROM_FIRST_SESSION, FROM_START, default_start

END = date(2026, 12, 1)


def test_counselling_start_date_comes_first() -> None:
    assert default_start(END, started_on=date(2026, 3, 2), first_session=date(2026, 2, 20)) == (
        date(2026, 3, 2), FROM_START)


def test_first_session_without_a_start_date() -> None:
    assert default_start(END, first_session=date(2026, 2, 20)) == (date(2026, 2, 20), FROM_FIRST_SESSION)


def test_ninety_days_with_neither() -> None:
    # 1 Dec 2026 - 90 days = 2 Sep 2026 (30 Nov, 31 Oct, 30 Sep: 1 + 31 + 30 + 28 = 90)
    assert default_start(END) == (date(2026, 9, 2), FROM_DAYS)
    assert FROM_DAYS == "last 90 days"


def test_a_start_after_the_period_end_is_skipped() -> None:
    later = date(2026, 12, 5)
    assert default_start(END, started_on=later, first_session=date(2026, 10, 1)) == (
        date(2026, 10, 1), FROM_FIRST_SESSION)
    assert default_start(END, started_on=later, first_session=later) == (date(2026, 9, 2), FROM_DAYS)
    assert default_start(END, started_on=END) == (END, FROM_START)  # the same day is a one-day period
