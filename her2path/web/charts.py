"""The LVEF trend chart as inline SVG (no script, readable by screen readers via its table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from her2path.domain.patient import LVEFReading


@dataclass(frozen=True)
class Threshold:
    """A horizontal line drawn on the chart, e.g. a drug's LVEF limit from the knowledge base."""

    percent: float
    label: str


W, H = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 32


def lvef_chart(
    readings: list[LVEFReading], thresholds: list[Threshold], due: date | None = None
) -> Markup:
    if not readings:
        return Markup('<p class="muted">No LVEF readings yet.</p>')
    pts = sorted(readings, key=lambda r: r.date)
    days = [d.date for d in pts] + ([due] if due else [])
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    values = [r.percent for r in pts] + [t.percent for t in thresholds]
    lo = max(0.0, (min(values) // 10) * 10 - 5)
    hi = min(100.0, (max(values) // 10) * 10 + 10)

    def x(d: date) -> float:
        return LEFT + (W - LEFT - RIGHT) * (d - first).days / span

    def y(v: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (hi - v) / (hi - lo)

    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" '
        f'aria-label="LVEF trend, {len(pts)} readings" xmlns="http://www.w3.org/2000/svg">'
    ]
    tick = lo
    while tick <= hi:
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" '
            f'y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">'
            f"{tick:.0f}%</text>"
        )
        tick += 10
    for t in thresholds:
        parts.append(
            f'<line class="threshold" x1="{LEFT}" x2="{W - RIGHT}" '
            f'y1="{y(t.percent):.1f}" y2="{y(t.percent):.1f}"/>'
            f'<text class="threshold-label" x="{W - RIGHT - 4}" y="{y(t.percent) - 4:.1f}" '
            f'text-anchor="end">{escape(t.label)}</text>'
        )
    lln = [(r.date, r.lln) for r in pts if r.lln is not None]
    for d, v in lln:
        assert v is not None
        parts.append(
            f'<line class="lln" x1="{x(d) - 7:.1f}" x2="{x(d) + 7:.1f}" '
            f'y1="{y(v):.1f}" y2="{y(v):.1f}"><title>LLN {v:g}% on {d.isoformat()}</title></line>'
        )
    line = " ".join(f"{x(r.date):.1f},{y(r.percent):.1f}" for r in pts)
    parts.append(f'<polyline class="trend" points="{line}"/>')
    for r in pts:
        parts.append(
            f'<circle class="point" cx="{x(r.date):.1f}" cy="{y(r.percent):.1f}" r="5">'
            f"<title>{r.date.isoformat()}: {r.percent:g}%</title></circle>"
            f'<text class="value" x="{x(r.date):.1f}" y="{y(r.percent) - 10:.1f}" '
            f'text-anchor="middle">{r.percent:g}</text>'
        )
    if due is not None:
        parts.append(
            f'<line class="due" x1="{x(due):.1f}" x2="{x(due):.1f}" y1="{TOP}" y2="{H - BOTTOM}"/>'
            f'<text class="due-label" x="{x(due) - 4:.1f}" y="{H - BOTTOM - 6}" '
            f'text-anchor="end">next due {due.isoformat()}</text>'
        )
    parts.append(
        f'<text class="axis" x="{LEFT}" y="{H - 8}">{first.isoformat()}</text>'
        f'<text class="axis" x="{W - RIGHT}" y="{H - 8}" '
        f'text-anchor="end">{last.isoformat()}</text>'
    )
    if lln:
        parts.append(
            f'<line class="lln" x1="{LEFT + 8}" x2="{LEFT + 22}" y1="{TOP + 2}" y2="{TOP + 2}"/>'
            f'<text class="axis" x="{LEFT + 26}" y="{TOP + 6}">lower limit of normal</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
