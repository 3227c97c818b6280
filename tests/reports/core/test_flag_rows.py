"""Open flags on a report: the same alert raised again is one row with a count."""

from __future__ import annotations

from datetime import date, datetime

from app.reports.core.attendance import build_flags
from app.reports.core.inputs import FlagInput, PartnerInput

PARTNERS = [PartnerInput("Partner A", "Maya Okafor"), PartnerInput("Partner B", "Daniel Okafor")]


def test_repeated_alert_is_one_row_with_count_and_dates():
    flags = [
        FlagInput("Partner A", datetime(2026, 9, 2, 10), "medium", "Unsure whether safe at home"),
        FlagInput("Partner A", datetime(2026, 10, 27, 10), "medium", "Unsure whether safe at home"),
        FlagInput("Partner A", datetime(2026, 10, 1, 10), "medium", "Unsure whether safe at home"),
        FlagInput("Partner B", datetime(2026, 10, 5, 10), "high", "Afraid of partner"),
        FlagInput("Partner B", datetime(2026, 10, 6, 10), "medium", "Unsure whether safe at home"),
    ]
    rows = build_flags(flags, PARTNERS)
    # High first; then the two medium rows, newest (27 Oct, 3 times) before 6 Oct.
    assert [(r.partner, r.severity, r.times) for r in rows] == [
        ("Daniel Okafor", "high", 1), ("Maya Okafor", "medium", 3), ("Daniel Okafor", "medium", 1)]
    assert rows[1].raised_on == date(2026, 10, 27)
    assert rows[1].first_raised_on == date(2026, 9, 2)
