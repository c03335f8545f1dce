"""Small SVG charts drawn on the server: success rates with interval whiskers, and success over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from markupsafe import Markup

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True)
class Bar:
    label: str
    rate: float
    low: float
    high: float
    attempts: int


@dataclass(frozen=True)
class Point:
    time: datetime
    rate: float
    low: float
    high: float
    attempts: int


@dataclass(frozen=True)
class Marker:
    time: datetime
    label: str


def _axis_y(x0: float, y0: float, height: float, width: float) -> str:
    parts = []
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y0 + height * (1 - tick)
        parts.append(f'<line x1="{x0}" x2="{x0 + width}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick:.0%}</text>')
    return "".join(parts)


def interval_bars(bars: list[Bar], title: str, width: int = 420, row: int = 26) -> Markup:
    """One row per label: a bar at the rate and a whisker from the low to the high end of the interval."""
    left, top, plot_w = 110, 24, width - 130
    height = top + row * max(len(bars), 1) + 24
    out = [
        f'<svg class="chart bars" role="img" aria-label="{escape(title)}" width="{width}" height="{height}">'
    ]
    out.append(f'<text x="4" y="14" class="title">{escape(title)}</text>')
    if not bars:
        out.append(f'<text x="{left}" y="{top + 16}" class="empty">no grasps in this window</text>')
    for i, bar in enumerate(bars):
        y = top + i * row
        x_rate, x_lo, x_hi = (left + plot_w * v for v in (bar.rate, bar.low, bar.high))
        tip = f"{bar.label}: {bar.rate:.1%} [{bar.low:.1%}, {bar.high:.1%}] n={bar.attempts}"
        out.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-n="{bar.attempts}">'
            f"<title>{escape(tip)}</title>"
        )
        out.append(
            f'<text x="{left - 6}" y="{y + 15}" class="label" text-anchor="end">'
            f"{escape(bar.label[:16])}</text>"
        )
        out.append(
            f'<rect x="{left}" y="{y + 4}" width="{x_rate - left:.1f}" height="{row - 10}" class="rate"/>'
        )
        out.append(
            f'<line x1="{x_lo:.1f}" x2="{x_hi:.1f}" y1="{y + row / 2:.1f}" '
            f'y2="{y + row / 2:.1f}" class="ci"/>'
        )
        for x in (x_lo, x_hi):
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 6}" y2="{y + row - 6}" class="ci"/>')
        out.append(f'<text x="{left + plot_w + 4}" y="{y + 15}" class="value">{bar.rate:.0%}</text></g>')
    axis_y = top + row * max(len(bars), 1) + 14
    for tick in (0.0, 0.5, 1.0):
        out.append(
            f'<text x="{left + plot_w * tick:.1f}" y="{axis_y}" class="tick" '
            f'text-anchor="middle">{tick:.0%}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def time_series(
    series: dict[str, list[Point]], markers: list[Marker], since: datetime, until: datetime, title: str
) -> Markup:
    """Success over time, one line per policy with its 95% band; promotions as labelled vertical lines."""
    width, height, left, top, plot_w, plot_h = 720, 260, 48, 24, 560, 200
    span = max((until - since).total_seconds(), 1.0)

    def x(t: datetime) -> float:
        return left + plot_w * min(max((t - since).total_seconds() / span, 0.0), 1.0)

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    out = [
        f'<svg class="chart series" role="img" aria-label="{escape(title)}" '
        f'width="{width}" height="{height + 20}">'
    ]
    out.append(f'<text x="4" y="14" class="title">{escape(title)}</text>')
    out.append(_axis_y(left, top, plot_h, plot_w))
    for i, (name, points) in enumerate(sorted(series.items())):
        colour = PALETTE[i % len(PALETTE)]
        if points:
            band = [f"{x(p.time):.1f},{y(p.high):.1f}" for p in points]
            band += [f"{x(p.time):.1f},{y(p.low):.1f}" for p in reversed(points)]
            line = " ".join(f"{x(p.time):.1f},{y(p.rate):.1f}" for p in points)
            out.append(f'<g class="policy" data-policy="{escape(name)}" data-points="{len(points)}">')
            out.append(f'<polygon points="{" ".join(band)}" fill="{colour}" class="band"/>')
            out.append(f'<polyline points="{line}" stroke="{colour}" class="line"/>')
            for p in points:
                out.append(
                    f'<circle cx="{x(p.time):.1f}" cy="{y(p.rate):.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(name)} {p.time:%H:%M}: {p.rate:.1%} n={p.attempts}</title></circle>"
                )
            out.append("</g>")
        out.append(
            f'<text x="{left + plot_w + 8}" y="{top + 14 * (i + 1)}" fill="{colour}" class="legend">'
            f"{escape(name[:18])}</text>"
        )
    for marker in markers:
        if since <= marker.time <= until:
            mx = x(marker.time)
            near_right = mx > left + 0.8 * plot_w  # label on the line's left, clear of the legend
            tx, anchor = (mx - 3, "end") if near_right else (mx + 3, "start")
            out.append(
                f'<g class="promotion"><line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}"/>'
                f'<text x="{tx:.1f}" y="{top + 10}" text-anchor="{anchor}">'
                f"{escape(marker.label[:24])}</text></g>"
            )
    out.append(f'<text x="{left}" y="{top + plot_h + 16}" class="tick">{since:%Y-%m-%d %H:%M} UTC</text>')
    out.append(
        f'<text x="{left + plot_w}" y="{top + plot_h + 16}" class="tick" '
        f'text-anchor="end">{until:%H:%M}</text>'
    )
    out.append("</svg>")
    return Markup("".join(out))
