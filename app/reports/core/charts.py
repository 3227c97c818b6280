"""Inline SVG charts of score histories, built as strings by our own code.

The one chart module: the couple page and the PDF draw the same SVG from the same
``app.scoring.history`` types. Each SVG has a ``viewBox`` and no fixed size, so CSS decides
how large it is on a screen or a page. Every piece of text that reaches the SVG goes
through ``markupsafe.escape``. Partners differ by line style *and* marker shape (A: solid +
circles, B: dashed + squares) so the charts still read when printed in greyscale. Output is
deterministic: same history, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

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


def _svg(width: float, height: float, label: str, body: Sequence[str], css_class: str = "chart",
         description: str = "") -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {_n(width)} {_n(height)}" font-family="{FONT}">'
        f"<title>{escape(label)}</title>"
        + (f"<desc>{escape(description)}</desc>" if description else "")
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
        """Time to x. Scores less than ``MIN_SPAN`` apart sit around the middle in proportion to
        that span, so two partners answering minutes apart are not drawn at opposite ends."""
        width = W - LEFT - RIGHT
        if self.first is None:
            return LEFT + width / 2
        span = max(self.seconds, MIN_SPAN.total_seconds())
        offset = (span - self.seconds) / 2
        return LEFT + width * (offset + (at - self.first).total_seconds()) / span

    def y(self, value: float) -> float:
        height = H - TOP - BOTTOM
        share = (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5
        return TOP + height * (1 - min(max(share, 0.0), 1.0))


#: The shortest stretch of time the x axis spans (see ``_Frame.x``).
MIN_SPAN = timedelta(days=7)

#: Date labels on the time axis: ``TICK_SIZE`` font units, and a label is taken to be
#: ``TICK_CHAR_EM`` of the font size per character (DejaVu Sans digits are 0.64 em, its
#: letters and spaces narrower, so this errs wide). Two labels keep ``TICK_GAP`` apart.
TICK_SIZE, TICK_CHAR_EM, TICK_GAP = 8.5, 0.62, 4.0


@dataclass(frozen=True)
class DateTick:
    """A tick on the time axis at ``x`` (viewBox units) for the day ``on``; ``label`` is its
    text, or ``None`` where it was thinned out so that labels never overlap."""

    x: float
    on: date
    label: str | None
    anchor: str = "middle"


def date_ticks(times: Sequence[datetime], zone: str | None = None) -> list[tuple[datetime, str]]:
    """One tick per day that has a measurement, in the practice's zone: the day's first time
    and its label (``5 Mar 25``, the chart format of ``formatting.short_day``), oldest first."""
    out: list[tuple[datetime, str]] = []
    seen: set[date] = set()
    for at in sorted(times):
        on = _local_day(at, zone)
        if on not in seen:
            seen.add(on)
            out.append((at, fmt.short_day(at, zone)))
    return out


def label_width(text: str, size: float = TICK_SIZE) -> float:
    """How wide a label is taken to be, in viewBox units."""
    return len(text) * TICK_CHAR_EM * size


def _extent(x: float, text: str, anchor: str) -> tuple[float, float]:
    width = label_width(text)
    if anchor == "start":
        return x, x + width
    if anchor == "end":
        return x - width, x
    return x - width / 2, x + width / 2


def _fits(spots: Sequence[tuple[float, str, str]], chosen: Sequence[int]) -> bool:
    extents = [_extent(*spots[i]) for i in chosen]
    return all(nxt[0] >= prev[1] + TICK_GAP for prev, nxt in pairwise(extents))


def thin_labels(spots: Sequence[tuple[float, str, str]]) -> list[int]:
    """Which of the ``(x, text, anchor)`` labels (left to right) to print: the first and the
    last always, and between them every k-th, for the smallest k at which no two labels come
    closer than ``TICK_GAP`` (one next to the last that would crowd it is left out)."""
    n = len(spots)
    if n <= 2:
        return list(range(n))
    last = n - 1
    right_edge = _extent(*spots[last])[0] - TICK_GAP
    for stride in range(1, n):
        chosen = [i for i in range(0, last, stride)
                  if i == 0 or _extent(*spots[i])[1] <= right_edge] + [last]
        if _fits(spots, chosen):
            return chosen
    return [0, last]


def axis_ticks(times: Sequence[datetime], x: Callable[[datetime], float],
               zone: str | None = None) -> list[DateTick]:
    """Every measurement day's tick at ``x`` of its first time, with labels thinned
    (``thin_labels``); the first label starts at its tick and the last ends at its own, so
    neither runs off the plot."""
    days = date_ticks(times, zone)
    if len(days) == 1:
        at, text = days[0]
        return [DateTick(x(at), _local_day(at, zone), text)]
    anchors = ["start"] + ["middle"] * (len(days) - 2) + ["end"] if days else []
    spots = [(x(at), text, anchor) for (at, text), anchor in zip(days, anchors, strict=True)]
    keep = set(thin_labels(spots))
    return [DateTick(px, _local_day(at, zone), text if i in keep else None, anchor)
            for i, ((at, _), (px, text, anchor)) in enumerate(zip(days, spots, strict=True))]


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
    base = H - BOTTOM
    for tick in axis_ticks(times, frame.x, zone):
        x = _n(tick.x)
        if tick.label is not None:  # a faint line up the plot from each labelled day
            parts.append(f'<line x1="{x}" y1="{_n(TOP)}" x2="{x}" y2="{_n(base)}" '
                         f'stroke="{GRID}" stroke-width="0.4"/>')
        parts.append(f'<line x1="{x}" y1="{_n(base)}" x2="{x}" y2="{_n(base + 3)}" '
                     f'stroke="{INK}" stroke-width="0.6"/>')
        if tick.label is not None:
            parts.append(_text(tick.x, H - 8, tick.label, anchor=tick.anchor, size=TICK_SIZE))
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
    return _svg(W, H, label, body, description=_described(history, names, zone))


def _described(history: SubscaleHistory, names: Sequence[str], zone: str | None) -> str:
    """What the chart shows, in words, for a screen reader: each person's scores with their
    dates (``Alex: 2.00 on 6 Jan 2025, 3.50 on 15 Feb 2025. Sam: no scores.``)."""
    parts = []
    for trajectory, name in zip(history.trajectories, names, strict=False):
        points = [f"{fmt.score(p.mean)} on {fmt.day(p.at, zone)}" for p in trajectory.scored if p.mean is not None]
        parts.append(f"{name}: {', '.join(points) if points else 'no scores'}.")
    return " ".join(parts)


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
