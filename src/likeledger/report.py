"""A self-contained HTML report (inline SVG and CSS, no scripts, no network): each creator's
like count over time, daily losses stacked by cause, impressions, ranking-version markers."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

from .narrative import CAUSE_TEXT
from .times import format_ts

DAY_MS = 86_400_000
COLOURS = {
    "integrity_flag": "#d62728",
    "moderation_remove": "#ff7f0e",
    "account_deactivated": "#9467bd",
    "account_suspended": "#8c564b",
    "account_banned": "#7f7f7f",
    "account_deleted": "#17becf",
    "block": "#e377c2",
    "unlike": "#bcbd22",
    "video_deleted": "#1f77b4",
    "repair": "#000000",
}


@dataclass
class Section:
    """One creator's story: the text lines and the daily series to draw."""

    title: str
    lines: list[str]
    first_day: int
    days: int
    daily: list[tuple[int, str, int]]  # (day, cause, delta)
    impressions: dict[int, int]
    versions: list[tuple[int, str]]  # (ts, version)
    totals: list[int] = field(default_factory=list)


def render(title: str, intro: list[str], sections: list[Section]) -> str:
    body = "".join(_section(s) for s in sections)
    intro_html = f"<p>{html.escape(intro[0])}</p><pre>{html.escape(chr(10).join(intro[1:]))}</pre>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title><style>
body{{font:15px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222}}
pre{{background:#f6f6f6;padding:.8em;overflow:auto}} h2{{margin-top:2em}}
.legend span{{display:inline-block;margin-right:1em}} .legend i{{display:inline-block;width:.9em;
height:.9em;margin-right:.3em;vertical-align:middle}}</style></head><body>
<h1>{html.escape(title)}</h1>{intro_html}{body}</body></html>"""


def _section(s: Section) -> str:
    causes = sorted({c for _, c, d in s.daily if d < 0})
    legend = "".join(
        f'<span><i style="background:{COLOURS.get(c, "#444")}"></i>{html.escape(c)}: '
        f"{html.escape(CAUSE_TEXT.get(c, ''))}</span>"
        for c in causes
    )
    text = html.escape("\n".join(s.lines))
    return (
        f"<h2>{html.escape(s.title)}</h2>{_chart(s, causes)}"
        f'<div class="legend">{legend}</div><pre>{text}</pre>'
    )


def _chart(s: Section, causes: list[str]) -> str:
    width, left, panel = 900, 60, 140
    days = max(s.days, 1)

    def x(day: float) -> float:
        return left + (day - s.first_day + 0.5) * (width - left - 10) / days

    span = list(range(s.first_day, s.first_day + days))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{3 * panel + 60}">']
    totals = _cumulative(s)
    parts += _line(totals, span, x, 10, panel, "#2ca02c", "profile total")
    losses: dict[int, dict[str, int]] = {}
    for day, cause, delta in s.daily:
        if delta < 0:
            losses.setdefault(day, {})[cause] = losses.get(day, {}).get(cause, 0) - delta
    parts += _stacks(losses, causes, x, 20 + panel, panel, (width - left) / days * 0.7)
    series = [s.impressions.get(day, 0) for day in span]
    parts += _line(series, span, x, 30 + 2 * panel, panel, "#1f77b4", "impressions")
    for ts, version in s.versions:
        vx = x(ts / DAY_MS - 0.5)
        parts.append(
            f'<line x1="{vx:.1f}" x2="{vx:.1f}" y1="5" y2="{3 * panel + 30}" stroke="#555" '
            f'stroke-dasharray="4 3"/><text x="{vx + 3:.1f}" y="{3 * panel + 48}" '
            f'font-size="11">{html.escape(version)} ({format_ts(ts)[:10]})</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _cumulative(s: Section) -> list[int]:
    per_day: dict[int, int] = {}
    before = 0
    for day, _, delta in s.daily:
        if day < s.first_day:
            before += delta
        else:
            per_day[day] = per_day.get(day, 0) + delta
    out, running = [], before
    for day in range(s.first_day, s.first_day + s.days):
        running += per_day.get(day, 0)
        out.append(running)
    return out


def _line(
    values: list[int],
    days: list[int],
    x: Callable[[float], float],
    top: int,
    height: int,
    colour: str,
    label: str,
) -> list[str]:
    peak = max([*values, 1])
    points = " ".join(
        f"{x(day):.1f},{top + height - height * v / peak:.1f}"
        for day, v in zip(days, values, strict=True)
    )
    return [
        f'<text x="4" y="{top + 12}" font-size="11">{label}</text>',
        f'<text x="4" y="{top + 26}" font-size="11">max {peak:,}</text>',
        f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>',
    ]


def _stacks(
    losses: dict[int, dict[str, int]],
    causes: list[str],
    x: Callable[[float], float],
    top: int,
    height: int,
    bar: float,
) -> list[str]:
    peak = max([sum(d.values()) for d in losses.values()] + [1])
    parts = [
        f'<text x="4" y="{top + 12}" font-size="11">likes lost</text>',
        f'<text x="4" y="{top + 26}" font-size="11">max {peak:,}/day</text>',
    ]
    for day, by_cause in losses.items():
        y: float = top
        for cause in causes:
            amount = by_cause.get(cause, 0)
            if amount:
                h = height * amount / peak
                parts.append(
                    f'<rect x="{x(day) - bar / 2:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{COLOURS.get(cause, "#444")}"><title>{cause}: '
                    f"-{amount}</title></rect>"
                )
                y += h
    return parts
