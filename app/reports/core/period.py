"""The report's default period (pure): from the start of counselling up to the chosen end.

A progress report is read against the whole of the work, so when the counselor leaves the start
empty it is the first of: the counselling start date on the record, the first session held
(or, if none was held, the first one booked), and ``DEFAULT_PERIOD_DAYS`` before the end. A
start after the period's end (a record started later than the period asked for) is skipped.
"""

from __future__ import annotations

from datetime import date, timedelta

DEFAULT_PERIOD_DAYS = 90

FROM_START = "start of counselling"
FROM_FIRST_SESSION = "first session"
FROM_DAYS = f"last {DEFAULT_PERIOD_DAYS} days"


def default_start(end: date, *, started_on: date | None = None,
                  first_session: date | None = None) -> tuple[date, str]:
    """(start, what it is) for a period ending on ``end``."""
    for day, what in ((started_on, FROM_START), (first_session, FROM_FIRST_SESSION)):
        if day is not None and day <= end:
            return day, what
    return end - timedelta(days=DEFAULT_PERIOD_DAYS), FROM_DAYS
