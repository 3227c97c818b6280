"""Inline SVG charts of score histories, built as strings by our own code.

The one chart module: the couple page and the PDF draw the same SVG from the same
``app.scoring.history`` types. Each SVG has a ``viewBox`` and no fixed size, so CSS decides
how large it is on a screen or a page. Every piece of text that reaches the SVG goes
through ``markupsafe.escape``. Partners differ by line style *and* marker shape (A: solid +
circles, B: dashed + squares) so the charts still read when printed in greyscale. Output is
deterministic: same history, same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from markupsafe import Markup, escape

from app.reports.core import formatting as fmt
from app.scoring.history import GapPoint, SubscaleHistory, Trajectory

FONT = "DejaVu Sans, Noto Sans, Noto Sans CJK SC, Noto Sans Arabic, sans-serif"
INK = "#222222"
GRID = "#d0d0d0"
STYLES = (  # (stroke colour, dash pattern, marker shape) per partner position
    ("#1d4e89", "", "circle"),
    ("#9a4a00", "5 3", "square"),
)

W, H = 340.0, 140.0
LEFT, RIGHT, TOP, BOTTOM = 30.0, 12.0, 14.0, 26.0


def _n(value: float) -> str:
    """Coordinates with one decimal, so output is stable and compact."""
    return f"{value:.1f}"


def _text(
    x: float, y: float, body: str, *, anchor: str = "middle", size: float = 8.5, extra: str = ""
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}"{extra}>{escape(body)}</text>'
    )


def _svg(width: float, height: float, label: str, body: Sequence[str], css_class: str = "chart") -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {_n(width)} {_n(height)}" font-family="{FONT}">'
        f"<title>{escape(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  # every part escaped above


def _ticks(lo: float, hi: float) -> list[float]:
    """Whole-number ticks for short scales, five even ticks otherwise."""
    if hi - lo <= 10 and float(lo).is_integer() and float(hi).is_integer():
        return [float(v) for v in range(int(lo), int(hi) + 1)]
    return [lo + (hi - lo) * i / 4 for i in range(5)]


class _Frame:
    """Maps times and scores to chart coordinates."""

    def __init__(self, history: SubscaleHistory, times: Sequence[datetime]) -> None:
        self.lo, self.hi = history.scale_min, history.scale_max
        self.first = min(times) if times else None
        self.seconds = (max(times) - self.first).total_seconds() if times and self.first else 0.0

    def x(self, at: datetime) -> float:
        width = W - LEFT - RIGHT
        if not self.seconds or self.first is None:
            return LEFT + width / 2
        return LEFT + width * (at - self.first).total_seconds() / self.seconds

    def y(self, value: float) -> float:
        height = H - TOP - BOTTOM
        share = (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5
        return TOP + height * (1 - min(max(share, 0.0), 1.0))


#: At most this many dated ticks on a chart's time axis (first, last and evenly spaced between).
DATE_TICKS = 5


def date_ticks(times: Sequence[datetime], zone: str | None = None,
               count: int = DATE_TICKS) -> list[tuple[datetime, str]]:
    """Dated ticks for a time axis: the first and last times and up to ``count - 2`` evenly
    spaced between them, each labelled with its day in the practice's zone (``5 Mar 25``).
    Never more ticks than days spanned, and never two ticks with the same label."""
    if not times:
        return []
    first, last = min(times), max(times)
    days = (_local_day(last, zone) - _local_day(first, zone)).days
    n = max(1, min(count, days + 1))
    ticks = [first] if n == 1 else [first + (last - first) * i / (n - 1) for i in range(n)]
    out: list[tuple[datetime, str]] = []
    for at in ticks:
        text = fmt.short_day(at, zone)
        if not out or out[-1][1] != text:
            out.append((at, text))
    return out


def _local_day(at: datetime, zone: str | None) -> date:
    return (at.astimezone(fmt.zone(zone)) if zone and at.tzinfo is not None else at).date()


def _axes(frame: _Frame, times: Sequence[datetime], zone: str | None) -> list[str]:
    parts = []
    for tick in _ticks(frame.lo, frame.hi):
        y = frame.y(tick)
        parts.append(
            f'<line x1="{_n(LEFT)}" y1="{_n(y)}" x2="{_n(W - RIGHT)}" y2="{_n(y)}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
        )
        parts.append(
            _text(LEFT - 4, y + 3, fmt.score(tick, 0 if tick.is_integer() else 1), anchor="end")
        )
    ticks = date_ticks(times, zone)
    base = H - BOTTOM
    for i, (at, text) in enumerate(ticks):
        x = frame.x(at)
        anchor = "middle" if len(ticks) == 1 else ("start" if i == 0 else "end" if i == len(ticks) - 1 else "middle")
        parts.append(f'<line x1="{_n(x)}" y1="{_n(base)}" x2="{_n(x)}" y2="{_n(base + 3)}" '
                     f'stroke="{INK}" stroke-width="0.6"/>')
        parts.append(_text(x, H - 8, text, anchor=anchor))
    return parts


def _version_breaks(history: SubscaleHistory, frame: _Frame) -> list[str]:
    """A dashed line where someone's questionnaire version changed: scores either side of it
    are not compared (``TrajectoryPoint.version_break``)."""
    parts = []
    seen: set[str] = set()
    for t in history.trajectories:
        for p in t.scored:
            x = _n(frame.x(p.at))
            if not p.version_break or x in seen:
                continue
            seen.add(x)
            parts.append(f'<line x1="{x}" y1="{_n(TOP - 4)}" x2="{x}" y2="{_n(H - BOTTOM)}" '
                         f'stroke="{INK}" stroke-width="0.6" stroke-dasharray="1.5 2"/>')
            parts.append(_text(frame.x(p.at) + 2, TOP - 5, "new version: not compared", anchor="start", size=7))
    return parts


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3" fill="{colour}"/>'
    return (
        f'<rect x="{_n(x - 3)}" y="{_n(y - 3)}" width="6" height="6" fill="#ffffff" '
        f'stroke="{colour}" stroke-width="1.4"/>'
    )


def _reliable_mark(direction: str, x: float, y: float, colour: str) -> str:
    """▲ above a reliably improved point, ▼ below a reliably worse one."""
    if direction == "improvement":
        pts = [(x, y - 11), (x - 4, y - 5.5), (x + 4, y - 5.5)]
    else:
        pts = [(x, y + 11), (x - 4, y + 5.5), (x + 4, y + 5.5)]
    coords = " ".join(f"{_n(px)},{_n(py)}" for px, py in pts)
    return f'<polygon points="{coords}" fill="{colour}"/>'


def _series(trajectory: Trajectory, frame: _Frame, style: tuple[str, str, str]) -> list[str]:
    colour, dash, shape = style
    scored = trajectory.scored
    coords = [(frame.x(p.at), frame.y(p.mean)) for p in scored if p.mean is not None]
    parts = []
    if len(coords) > 1:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="1.6"{dash_attr}/>'
        )
    for point, (x, y) in zip(scored, coords, strict=True):
        parts.append(_marker(shape, x, y, colour))
        change = point.from_previous
        if change is not None and change.reliable:
            parts.append(_reliable_mark(change.direction, x, y, colour))
    return parts


def trajectory_chart(history: SubscaleHistory, names: Sequence[str], zone: str | None = None) -> Markup:
    """Line chart of each person's scores on one subscale over time (``names`` in partner order)."""
    label = f"{history.label}: scores over time for {' and '.join(names)}"
    times = [p.at for t in history.trajectories for p in t.scored]
    frame = _Frame(history, times)
    body = _axes(frame, times, zone)
    if not times:
        mid = (TOP + H - BOTTOM) / 2
        # A white patch so the message doesn't sit on a grid line.
        body.append(
            f'<rect x="{_n(W / 2 - 45)}" y="{_n(mid - 11)}" width="90" height="16" fill="#ffffff"/>'
        )
        body.append(_text(W / 2, mid + 1, "No scores yet", size=10))
    body.extend(_version_breaks(history, frame))
    for trajectory, style in zip(history.trajectories, STYLES, strict=False):
        body.extend(_series(trajectory, frame, style))
    return _svg(W, H, label, body)


def legend_swatch(position: int) -> Markup:
    """A small line + marker sample for the legend of partner ``position`` (0 or 1)."""
    colour, dash, shape = STYLES[min(position, len(STYLES) - 1)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    body = [
        f'<line x1="1" y1="6" x2="27" y2="6" stroke="{colour}" stroke-width="1.6"{dash_attr}/>',
        _marker(shape, 14, 6, colour),
    ]
    return _svg(28, 12, "line style", body, css_class="swatch")


def _truncate(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(gap: GapPoint | None) -> float | None:
    return gap.size if gap is not None else None


GAP_W, GAP_LABEL_W, GAP_VALUE_W, GAP_ROW_H, GAP_LEGEND_H = 480.0, 150.0, 70.0, 30.0, 18.0
GAP_BAR_W = GAP_W - GAP_LABEL_W - GAP_VALUE_W
FIRST_FILL, LATEST_FILL = "#b8c4d6", "#1d4e89"


def _gap_legend() -> list[str]:
    x = GAP_LABEL_W
    return [
        f'<rect x="{_n(x)}" y="4" width="10" height="6" fill="{FIRST_FILL}"/>',
        _text(x + 14, 10, "first paired", anchor="start", size=8),
        f'<rect x="{_n(x + 110)}" y="4" width="10" height="6" fill="{LATEST_FILL}"/>',
        _text(x + 124, 10, "latest", anchor="start", size=8),
        f'<line x1="{_n(x + 170)}" y1="2" x2="{_n(x + 170)}" y2="12" '
        f'stroke="{INK}" stroke-dasharray="2 2"/>',
        _text(x + 174, 10, "large-gap threshold", anchor="start", size=8),
    ]


def _gap_row(history: SubscaleHistory, top: float, span: float) -> list[str]:
    """Label, first bar above latest bar, the threshold tick and "then → now"."""
    parts = [_text(GAP_LABEL_W - 6, top + 16, _truncate(history.label), anchor="end", size=9)]
    then, now = _size(history.gap_first), _size(history.gap_now)
    for offset, size, fill in ((4, then, FIRST_FILL), (14, now, LATEST_FILL)):
        if size is not None:
            length = GAP_BAR_W * min(size / span, 1.0)
            parts.append(
                f'<rect x="{_n(GAP_LABEL_W)}" y="{_n(top + offset)}" '
                f'width="{_n(length)}" height="8" fill="{fill}"/>'
            )
    x = GAP_LABEL_W + GAP_BAR_W * min(history.gap_threshold / span, 1.0)
    parts.append(
        f'<line x1="{_n(x)}" y1="{_n(top + 1)}" x2="{_n(x)}" y2="{_n(top + 25)}" '
        f'stroke="{INK}" stroke-dasharray="2 2"/>'
    )
    parts.append(
        _text(GAP_W - 4, top + 21, f"{fmt.score(then)} → {fmt.score(now)}", anchor="end", size=8.5)
    )
    return parts


def gap_chart(histories: Sequence[SubscaleHistory]) -> Markup:
    """Bars of the partner gap |A - B| per subscale: first paired (light) above latest (dark)."""
    rows = [h for h in histories if h.gaps]
    height = GAP_LEGEND_H + GAP_ROW_H * max(len(rows), 1) + 4
    # One shared scale so bars compare across subscales; it reaches just past the largest
    # gap or threshold (not the whole scale range), so typical gaps of 0.2-1.0 stay visible.
    full = max((h.scale_max - h.scale_min for h in rows), default=1.0) or 1.0
    largest = max((g.size for h in rows for g in (h.gap_now, h.gap_first) if g is not None), default=0.0)
    threshold = max((h.gap_threshold for h in rows), default=1.0)
    span = min(full, max(largest, threshold) * 1.5)
    body = _gap_legend()
    if not rows:
        body.append(_text(GAP_W / 2, GAP_LEGEND_H + 16, "No gap to show yet", size=10))
    for i, history in enumerate(rows):
        body.extend(_gap_row(history, GAP_LEGEND_H + i * GAP_ROW_H, span))
    return _svg(GAP_W, height, "Gap between partners per subscale, first paired and latest", body)
