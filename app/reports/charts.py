"""Inline SVG charts for the report, built as strings by our own code.

Every piece of text that reaches the SVG goes through ``markupsafe.escape``.
Partners differ by line style *and* marker shape (A: solid + circles,
B: dashed + squares) so the charts still read when printed in greyscale.
Output is deterministic: same context, same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

from app.reports import formatting as fmt
from app.reports.inputs import SubscaleInfo
from app.reports.scores import PartnerScore, SubscaleSection
from app.scoring import Gap

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


def _svg(width: float, height: float, label: str, body: Sequence[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(label)}" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="{FONT}">'
        f"<title>{escape(label)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704  # every part escaped above


def _ticks(lo: float, hi: float) -> list[float]:
    """Whole-number ticks for short scales, five even ticks otherwise."""
    if hi - lo <= 10 and float(lo).is_integer() and float(hi).is_integer():
        return [float(v) for v in range(int(lo), int(hi) + 1)]
    return [lo + (hi - lo) * i / 4 for i in range(5)]


class _Frame:
    """Maps dates and scores to chart coordinates."""

    def __init__(self, info: SubscaleInfo, days: Sequence[date]) -> None:
        self.lo, self.hi = info.scale_min, info.scale_max
        self.first = min(days) if days else None
        self.span = (max(days) - self.first).days if days else 0

    def x(self, on: date) -> float:
        width = W - LEFT - RIGHT
        if not self.span or self.first is None:
            return LEFT + width / 2
        return LEFT + width * (on - self.first).days / self.span

    def y(self, value: float) -> float:
        height = H - TOP - BOTTOM
        share = (value - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5
        return TOP + height * (1 - min(max(share, 0.0), 1.0))


def _axes(frame: _Frame, days: Sequence[date]) -> list[str]:
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
    labelled = sorted(set(days))
    if len(labelled) > 2:
        labelled = [labelled[0], labelled[-1]]
    for on in labelled:
        anchor = "middle" if len(labelled) == 1 else ("start" if on == labelled[0] else "end")
        parts.append(_text(frame.x(on), H - 8, fmt.short_day(on), anchor=anchor))
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


def _series(row: PartnerScore, frame: _Frame, style: tuple[str, str, str]) -> list[str]:
    colour, dash, shape = style
    coords = [(frame.x(p.on), frame.y(p.value)) for p in row.points]
    parts = []
    if len(coords) > 1:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="1.6"{dash_attr}/>'
        )
    for point, (x, y) in zip(row.points, coords, strict=True):
        parts.append(_marker(shape, x, y, colour))
        change = point.from_previous
        if change is not None and change.reliable:
            parts.append(_reliable_mark(change.direction, x, y, colour))
    return parts


def trajectory_chart(section: SubscaleSection) -> Markup:
    """Line chart of each partner's scores on one subscale over time."""
    info = section.info
    names = " and ".join(p.partner_name for p in section.partners)
    label = f"{info.label}: scores over time for {names}"
    days = [p.on for row in section.partners for p in row.points]
    frame = _Frame(info, days)
    body = _axes(frame, days)
    if not days:
        mid = (TOP + H - BOTTOM) / 2
        # A white patch so the message doesn't sit on a grid line.
        body.append(
            f'<rect x="{_n(W / 2 - 45)}" y="{_n(mid - 11)}" width="90" height="16" fill="#ffffff"/>'
        )
        body.append(_text(W / 2, mid + 1, "No scores yet", size=10))
    for row, style in zip(section.partners, STYLES, strict=False):
        body.extend(_series(row, frame, style))
    return _svg(W, H, label, body)


def legend_swatch(position: int) -> Markup:
    """A small line + marker sample for the legend of partner ``position`` (0 or 1)."""
    colour, dash, shape = STYLES[min(position, len(STYLES) - 1)]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    body = [
        f'<line x1="1" y1="6" x2="27" y2="6" stroke="{colour}" stroke-width="1.6"{dash_attr}/>',
        _marker(shape, 14, 6, colour),
    ]
    return _svg(28, 12, "line style", body)


def _truncate(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(gap: Gap | None) -> float | None:
    return gap.size if gap is not None else None


GAP_W, GAP_LABEL_W, GAP_VALUE_W, GAP_ROW_H, GAP_LEGEND_H = 480.0, 150.0, 70.0, 30.0, 18.0
GAP_BAR_W = GAP_W - GAP_LABEL_W - GAP_VALUE_W
BASELINE_FILL, LATEST_FILL = "#b8c4d6", "#1d4e89"


def _gap_legend() -> list[str]:
    x = GAP_LABEL_W
    return [
        f'<rect x="{_n(x)}" y="4" width="10" height="6" fill="{BASELINE_FILL}"/>',
        _text(x + 14, 10, "first assessments", anchor="start", size=8),
        f'<rect x="{_n(x + 110)}" y="4" width="10" height="6" fill="{LATEST_FILL}"/>',
        _text(x + 124, 10, "latest", anchor="start", size=8),
        f'<line x1="{_n(x + 170)}" y1="2" x2="{_n(x + 170)}" y2="12" '
        f'stroke="{INK}" stroke-dasharray="2 2"/>',
        _text(x + 174, 10, "large-gap threshold", anchor="start", size=8),
    ]


def _gap_row(section: SubscaleSection, top: float, span: float) -> list[str]:
    """Label, baseline bar above latest bar, the threshold tick and "then → now"."""
    parts = [_text(GAP_LABEL_W - 6, top + 16, _truncate(section.info.label), anchor="end", size=9)]
    then, now = _size(section.gap_baseline), _size(section.gap_now)
    for offset, size, fill in ((4, then, BASELINE_FILL), (14, now, LATEST_FILL)):
        if size is not None:
            length = GAP_BAR_W * min(size / span, 1.0)
            parts.append(
                f'<rect x="{_n(GAP_LABEL_W)}" y="{_n(top + offset)}" '
                f'width="{_n(length)}" height="8" fill="{fill}"/>'
            )
    x = GAP_LABEL_W + GAP_BAR_W * min(section.info.gap_threshold / span, 1.0)
    parts.append(
        f'<line x1="{_n(x)}" y1="{_n(top + 1)}" x2="{_n(x)}" y2="{_n(top + 25)}" '
        f'stroke="{INK}" stroke-dasharray="2 2"/>'
    )
    parts.append(
        _text(GAP_W - 4, top + 21, f"{fmt.score(then)} → {fmt.score(now)}", anchor="end", size=8.5)
    )
    return parts


def gap_chart(sections: Sequence[SubscaleSection]) -> Markup:
    """Bars of the partner gap |A - B| per subscale: baseline (light) above latest (dark)."""
    rows = [
        s for s in sections if _size(s.gap_now) is not None or _size(s.gap_baseline) is not None
    ]
    height = GAP_LEGEND_H + GAP_ROW_H * max(len(rows), 1) + 4
    # One shared scale so bars compare across subscales; it reaches just past the largest
    # gap or threshold (not the whole scale range), so typical gaps of 0.2-1.0 stay visible.
    full = max((s.info.scale_max - s.info.scale_min for s in rows), default=1.0) or 1.0
    largest = max((g for s in rows for g in (_size(s.gap_now), _size(s.gap_baseline)) if g is not None),
                  default=0.0)
    threshold = max((s.info.gap_threshold for s in rows), default=1.0)
    span = min(full, max(largest, threshold) * 1.5)
    body = _gap_legend()
    if not rows:
        body.append(_text(GAP_W / 2, GAP_LEGEND_H + 16, "No gap to show yet", size=10))
    for i, section in enumerate(rows):
        body.extend(_gap_row(section, GAP_LEGEND_H + i * GAP_ROW_H, span))
    return _svg(GAP_W, height, "Gap between partners per subscale, first and latest", body)
