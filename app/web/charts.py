"""Small inline SVG score trajectories for the couple page (no script, no external files).

The report's charts take the report's own data types; the page has the questionnaire
service's ``SubscaleHistory``, so it draws its own simpler chart. Partners differ by
colour *and* by line style and marker (A: solid + circles, B: dashed + squares).
Every text is escaped; the table next to the chart carries the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from app.questionnaires.catalog import default_catalog
from app.questionnaires.schemas import CoupleScoreHistory, PartnerSeries, SubscaleHistory

W, H = 320.0, 150.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 12.0, 12.0, 26.0
STYLES = {"a": ("#1d4e89", "", "circle"), "b": ("#9a4a00", "5 3", "square")}
INK, GRID = "#1f2328", "#d0d7de"


@dataclass(frozen=True)
class Frame:
    """Maps (time, score) to chart coordinates."""

    lo: float
    hi: float
    first: datetime | None
    last: datetime | None

    @property
    def one_day(self) -> bool:
        """All points within a day: drawn at one x, labelled with one date."""
        return self.first is None or self.last is None or (self.last - self.first).days < 1

    def x(self, at: datetime) -> float:
        width = W - LEFT - RIGHT
        if self.one_day:
            return LEFT + width / 2
        assert self.first is not None and self.last is not None
        return LEFT + width * (at - self.first).total_seconds() / (self.last - self.first).total_seconds()

    def y(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5
        return TOP + (H - TOP - BOTTOM) * (1 - min(max(share, 0.0), 1.0))


def scale_range(history: CoupleScoreHistory, subscale: str) -> tuple[float, float]:
    """The answer scale's min and max for a subscale's items (1-5 if unknown)."""
    definition = default_catalog().latest(history.instrument_id)
    items = definition.subscales[subscale].items if subscale in definition.subscales else []
    if not items:
        return 1.0, 5.0
    scale = definition.scale_for(items[0])
    return float(scale.min), float(scale.max)


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    return (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="1.6"/>')


def _series(series: PartnerSeries, frame: Frame) -> list[str]:
    colour, dash, shape = STYLES[series.role]
    points = [(frame.x(p.submitted_at), frame.y(p.mean)) for p in series.points if p.mean is not None]
    parts = []
    if len(points) > 1:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
    parts.extend(_marker(shape, x, y, colour) for x, y in points)
    return parts


def _axes(frame: Frame) -> list[str]:
    parts = []
    for tick in range(int(frame.lo), int(frame.hi) + 1):
        y = frame.y(tick)
        parts.append(f'<line x1="{LEFT:.1f}" y1="{y:.1f}" x2="{W - RIGHT:.1f}" y2="{y:.1f}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6:.1f}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                     f'fill="{INK}">{tick}</text>')
    ends = [(frame.first, "middle")] if frame.one_day else [(frame.first, "start"), (frame.last, "end")]
    for at, anchor in ends:
        if at is None:
            continue
        x = frame.x(at) if not frame.one_day else (W + LEFT - RIGHT) / 2
        label = escape(at.strftime("%d %b %Y"))
        parts.append(f'<text x="{x:.1f}" y="{H - 8:.1f}" font-size="11" text-anchor="{anchor}" '
                     f'fill="{INK}">{label}</text>')
    return parts


def trajectory(history: CoupleScoreHistory, sub: SubscaleHistory) -> Markup:
    """Both partners' means on one subscale over time, as an accessible inline SVG."""
    lo, hi = scale_range(history, sub.subscale)
    times = [p.submitted_at for s in (sub.partner_a, sub.partner_b) for p in s.points if p.mean is not None]
    frame = Frame(lo, hi, min(times, default=None), max(times, default=None))
    names = f"{sub.partner_a.first_name} and {sub.partner_b.first_name}"
    label = escape(f"{sub.label}: scores over time for {names}")
    body = _axes(frame) + _series(sub.partner_a, frame) + _series(sub.partner_b, frame)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
           f'viewBox="0 0 {W:.0f} {H:.0f}" width="{W:.0f}" height="{H:.0f}" font-family="sans-serif">'
           f'<title>{label}</title>{"".join(body)}</svg>')
    return Markup(svg)  # noqa: S704  # every text above is escaped; the rest are numbers we made


def swatch(role: str) -> Markup:
    """A legend sample of a partner's line style and marker."""
    colour, dash, shape = STYLES[role]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    return Markup(  # noqa: S704  # constants only
        f'<svg xmlns="http://www.w3.org/2000/svg" width="30" height="12" viewBox="0 0 30 12" aria-hidden="true">'
        f'<line x1="1" y1="6" x2="29" y2="6" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        f'{_marker(shape, 15, 6, colour)}</svg>'
    )
