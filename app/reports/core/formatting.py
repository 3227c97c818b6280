"""How numbers, dates and stored codes read, on a web page and in a PDF alike.

The one formatter: the web's templates and the report's register the same ``FILTERS``.
Data keeps full precision and UTC times; rounding and the practice's time zone are applied
only here, at display time, so the same numbers can be tested exactly and shown tidily.
Date filters read the zone from the template's ``timezone`` variable; the functions take it
as an argument (without one, an aware time is shown in its own zone).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import pass_context
from jinja2.runtime import Context

DASH = "—"

LABELS = {
    "infidelity": "Infidelity",
    "emotional_affair": "Emotional affair",
    "deception": "Deception",
    "financial_betrayal": "Financial betrayal",
    "neglect": "Neglect",
    "manipulation": "Manipulation",
    "addiction": "Addiction",
    "other": "Other",
    "in_person": "In person",
    "video": "Video",
    "phone": "Phone",
    "boundary": "Boundary",
    "rule": "Rule",
    "amend": "Amend",
    "transparency_practice": "Transparency practice",
    "kept": "Kept",
    "partly": "Partly kept",
    "not_kept": "Not kept",
    "broken": "Broken",
    "retired": "Retired",
    "active": "Active",
    "paused": "Paused",
    "discharged": "Discharged",
    "draft": "Draft",
    "signed": "Signed",
    "pending": "Pending",
    "in_progress": "In progress",
    "submitted": "Submitted",
    "expired": "Expired",
    "revoked": "Revoked",
    "owner": "Owner",
    "counselor": "Counselor",
    "held": "Held",
    "cancelled": "Cancelled",
    "no_show": "No-show",
}


def zone(name: str | None) -> ZoneInfo:
    """The named time zone; UTC for none or an unknown name (a page must still render)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(value: date | datetime, zone_name: str | None) -> date | datetime:
    """An aware time in the named zone; without a name (or for a date) the value as it is."""
    if zone_name and isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone(zone_name))
    return value


def score(value: float | None, digits: int = 2) -> str:
    """A subscale mean, e.g. ``3.50`` (a negative one with a true minus); a dash when there is none."""
    if value is None:
        return DASH
    return f"{value:.{digits}f}".replace("-", "\u2212")


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


def day(value: date | datetime | None, zone_name: str | None = None) -> str:
    """A date as ``5 Mar 2025`` (unambiguous across US/UK readers), in the practice's zone."""
    if value is None:
        return DASH
    local = _local(value, zone_name)
    on = local.date() if isinstance(local, datetime) else local
    return f"{on.day} {on.strftime('%b %Y')}"


def day_pair(first: date | datetime, second: date | datetime, zone_name: str | None = None) -> str:
    """Two dates a gap compared: ``3 Nov 2026``, or ``2 Oct 2026 and 4 Oct 2026``."""
    one, other = day(first, zone_name), day(second, zone_name)
    return one if one == other else f"{one} and {other}"


def moment(value: datetime | None, zone_name: str | None = None, *, seconds: bool = False) -> str:
    """A date and time as ``5 Mar 2025, 14:05`` in the practice's zone."""
    if value is None:
        return DASH
    local = _local(value, zone_name)
    assert isinstance(local, datetime)
    return f"{local.day} {local.strftime('%b %Y')}, {local.strftime('%H:%M:%S' if seconds else '%H:%M')}"


def short_day(value: date | datetime, zone_name: str | None = None) -> str:
    """A compact date for chart axes, e.g. ``5 Mar 25``."""
    local = _local(value, zone_name)
    on = local.date() if isinstance(local, datetime) else local
    return f"{on.day} {on.strftime('%b %y')}"


def label(value: object) -> str:
    """The counselor's word for a stored code: ``in_person`` -> ``In person``; a dash for nothing."""
    text = str(value) if value is not None else ""
    if not text:
        return DASH
    return LABELS.get(text, text.replace("_", " ").strip().capitalize())


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 session`` / ``3 sessions``."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


@pass_context
def _day_filter(ctx: Context, value: date | datetime | None) -> str:
    return day(value, ctx.get("timezone"))


@pass_context
def _day_pair_filter(ctx: Context, pair: tuple[date | datetime, date | datetime]) -> str:
    return day_pair(*pair, ctx.get("timezone"))


@pass_context
def _short_day_filter(ctx: Context, value: date | datetime) -> str:
    return short_day(value, ctx.get("timezone"))


@pass_context
def _moment_filter(ctx: Context, value: datetime | None, seconds: bool = False) -> str:
    return moment(value, ctx.get("timezone"), seconds=seconds)


FILTERS = {
    "score": score,
    "signed": signed,
    "percent": percent,
    "hours": hours,
    "day": _day_filter,
    "day_pair": _day_pair_filter,
    "local": _moment_filter,
    "short_day": _short_day_filter,
    "label": label,
    "plural": plural,
}
