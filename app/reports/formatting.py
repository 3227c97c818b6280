"""Display formatting for report numbers and dates.

The context keeps full precision; rounding happens only here, at display time,
so the same numbers can be tested exactly and shown tidily.
"""

from __future__ import annotations

from datetime import date, datetime

DASH = "—"

MODALITY_LABELS = {"in_person": "In person", "video": "Video", "phone": "Phone"}


def score(value: float | None, digits: int = 2) -> str:
    """A subscale mean, e.g. ``3.50``; a dash when there is no value."""
    if value is None:
        return DASH
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 2) -> str:
    """A change with its sign, e.g. ``+1.50`` or ``\u22120.25`` (a true minus sign, U+2212)."""
    if value is None:
        return DASH
    text = f"{value:+.{digits}f}"
    return text.replace("-", "\u2212")


def percent(value: float | None) -> str:
    """A 0..1 rate as a whole percentage, e.g. ``75%``."""
    if value is None:
        return DASH
    return f"{round(value * 100):d}%"


def hours(value: float) -> str:
    """Hours with one decimal, dropping a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def day(value: date | datetime | None) -> str:
    """A date as ``12 Mar 2025`` (unambiguous across US/UK readers)."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {value.strftime('%b %Y')}"


def short_day(value: date | datetime) -> str:
    """A compact date for chart axes, e.g. ``12 Mar 25``."""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {value.strftime('%b %y')}"


def modality(value: str) -> str:
    """Counselor-facing word for a session modality."""
    return MODALITY_LABELS.get(value, value.replace("_", " ").capitalize())


def humanize(value: str | None) -> str:
    """``emotional_affair`` -> ``Emotional affair``; a dash for nothing."""
    if not value:
        return DASH
    return value.replace("_", " ").strip().capitalize()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 session`` / ``3 sessions``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


FILTERS = {
    "score": score,
    "signed": signed,
    "percent": percent,
    "hours": hours,
    "day": day,
    "short_day": short_day,
    "modality": modality,
    "humanize": humanize,
    "plural": plural,
}
