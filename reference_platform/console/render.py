"""Templates (Jinja2, autoescaped, shipped inside this package) and the server-drawn SVG charts.

Charts are inline SVG built here, not a JavaScript library: the pages work with scripts
off, print cleanly, and nothing is fetched from a CDN.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from itertools import pairwise

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from reference_platform.seed.common import LOCAL_TZ

_TEMPLATES = resources.files("reference_platform.console") / "templates"


def when(ts: float | None) -> str:
    return "—" if ts is None else datetime.fromtimestamp(ts, LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


def age(seconds: float | None) -> str:
    """90 -> 1分30秒; None -> 未知 (the kiosk does not report it)."""
    if seconds is None:
        return "未知"
    s = int(seconds)
    if s < 60:
        return f"{s}秒"
    if s < 3600:
        return f"{s // 60}分{s % 60}秒"
    if s < 86400:
        return f"{s // 3600}小时{s % 3600 // 60}分"
    return f"{s // 86400}天{s % 86400 // 3600}小时"


def size(n: int | float | None) -> str:
    if n is None:
        return "未知"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, age=age, size=size)
    return env


def line_chart(points: list[tuple[float, float]], *, title: str, unit: str = "", gaps_over_s: float | None = None,
               width: int = 640, height: int = 160) -> Markup:
    """A small line chart of (time, value); a red band marks each silence longer than ``gaps_over_s``."""
    pad_l, pad_r, pad_t, pad_b = 44, 10, 22, 24
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<text x="{pad_l}" y="14" class="chart-title">{escape(title)}</text>']
    if not points:
        parts.append(f'<text x="{pad_l}" y="{pad_t + h / 2}" class="chart-empty">暂无数据 no data</text></svg>')
        return Markup("".join(parts))
    t0, t1 = points[0][0], points[-1][0]
    span = max(t1 - t0, 1.0)
    top = max(max(v for _, v in points), 1.0)

    def x(t: float) -> float:
        return pad_l + (t - t0) / span * w

    def y(v: float) -> float:
        return pad_t + h - v / top * h

    parts.append(f'<rect x="{pad_l}" y="{pad_t}" width="{w}" height="{h}" class="chart-bg"/>')
    if gaps_over_s:
        for (a, _), (b, _) in pairwise(points):
            if b - a > gaps_over_s:
                parts.append(f'<rect x="{x(a):.1f}" y="{pad_t}" width="{max(x(b) - x(a), 1):.1f}" height="{h}"'
                             ' class="chart-gap"><title>离线 offline</title></rect>')
    path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(v):.1f}" for i, (t, v) in enumerate(points))
    parts.append(f'<path d="{path}" class="chart-line"/>')
    for t, v in points[-60:]:
        parts.append(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2" class="chart-dot"/>')
    parts.append(f'<text x="{pad_l - 4}" y="{pad_t + 4}" class="chart-axis" text-anchor="end">{top:g}{unit}</text>')
    parts.append(f'<text x="{pad_l - 4}" y="{pad_t + h}" class="chart-axis" text-anchor="end">0</text>')
    parts.append(f'<text x="{pad_l}" y="{height - 6}" class="chart-axis">{when(t0)[5:]}</text>')
    parts.append(f'<text x="{pad_l + w}" y="{height - 6}" class="chart-axis" text-anchor="end">{when(t1)[5:]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(bars: list[tuple[str, float]], *, title: str, unit: str = "", width: int = 640) -> Markup:
    """Horizontal bars, one per label (service figures); labels escaped."""
    row, pad_l, pad_t = 22, 170, 24
    height = pad_t + row * max(len(bars), 1) + 8
    top = max([v for _, v in bars] + [1.0])
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
             f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
             f'<text x="4" y="14" class="chart-title">{escape(title)}</text>']
    if not bars:
        parts.append(f'<text x="4" y="{pad_t + 14}" class="chart-empty">暂无数据 no data</text>')
    for i, (label, value) in enumerate(bars):
        y0 = pad_t + i * row
        bw = (width - pad_l - 60) * value / top
        parts.append(f'<text x="{pad_l - 6}" y="{y0 + 14}" class="chart-axis" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{pad_l}" y="{y0 + 3}" width="{bw:.1f}" height="{row - 7}" class="chart-bar"/>'
                     f'<text x="{pad_l + bw + 4}" y="{y0 + 14}" class="chart-axis">{value:g}{escape(unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
