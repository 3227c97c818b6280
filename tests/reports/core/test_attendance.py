"""Attendance: held, cancelled and no-show counted apart; planned sessions are not attendance."""

from __future__ import annotations

import math
from datetime import date

from app.reports.core.attendance import build_attendance
from app.reports.core.context import build_report_context
from tests.reports.core.factories import report_input, session


def test_held_cancelled_and_no_show_are_counted_apart() -> None:
    # START is Mon 6 Jan 2025; the period is Q1 2025, as of 31 Mar.
    att = build_report_context(report_input(sessions=[
        session(-14, status="no_show"),  # 23 Dec 2024: before the period, not counted
        session(0),  # 6 Jan: held, 50 min
        session(7, status="cancelled"),  # 13 Jan
        session(14, minutes=60, status="held"),  # 20 Jan: held, 60 min
        session(21, status="no_show"),  # 27 Jan
        session(28, status="no_show"),  # 3 Feb
        session(35, minutes=80, modality="video"),  # 10 Feb: held, 80 min
        session(42, status="cancelled"),  # 17 Feb
        session(49, status="cancelled"),  # 24 Feb
        session(56, status="planned"),  # 3 Mar: never marked, so not attendance at all
        session(83, status="planned"),  # 30 Mar: booked ahead, not attendance either
    ])).attendance
    # held: 6 Jan, 20 Jan, 10 Feb = 3; cancelled: 13 Jan, 17 Feb, 24 Feb = 3; no-show: 27 Jan, 3 Feb = 2
    assert (att.held, att.cancelled, att.no_show, att.not_held) == (3, 3, 2, 5)
    # the timeline: 3 held + 5 not held, the two planned ones left out
    assert len(att.timeline) == 8
    assert [line.status for line in att.timeline if not line.held] == [
        "cancelled", "no_show", "no_show", "cancelled", "cancelled"]
    assert all(line.status != "planned" for line in att.timeline)
    # only held sessions count towards time, modality, gaps and "last session":
    # 50 + 60 + 80 = 190 min; gaps 14 (6 -> 20 Jan) and 21 (20 Jan -> 10 Feb) days
    assert math.isclose(att.total_hours, 190 / 60)
    assert dict(att.by_modality) == {"in_person": 2, "video": 1, "phone": 0}
    assert att.longest_gap_days == 21
    assert att.last_session_on == date(2025, 2, 10)
    assert att.days_since_last == 49  # 10 Feb -> 31 Mar


def test_a_period_with_only_planned_sessions_has_no_attendance() -> None:
    att = build_attendance([session(3, status="planned"), session(10, status="scheduled")], (),
                           period_start=date(2025, 1, 1), period_end=date(2025, 3, 31), as_of=date(2025, 3, 31))
    assert (att.held, att.cancelled, att.no_show, att.not_held, att.timeline) == (0, 0, 0, 0, ())
    assert att.last_session_on is None and att.longest_gap_days is None
