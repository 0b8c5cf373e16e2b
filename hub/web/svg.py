"""Tiny inline SVG charts for the room page: no JavaScript, no chart library."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT, PAD = 300, 80, 4


def battery_plot(samples: list[tuple[float, int]], start: float, end: float,
                 low_mv: int) -> str:
    """Battery millivolts over [start, end] as a polyline, with the low-battery line dashed."""
    if not samples:
        return '<p class="muted">no battery reports in the last 30 days</p>'
    values = [mv for _, mv in samples]
    lo = min(min(values), low_mv) - 50
    hi = max(max(values), low_mv) + 50
    span_t = max(end - start, 1.0)

    def x(ts: float) -> float:
        return PAD + (ts - start) / span_t * (WIDTH - 2 * PAD)

    def y(mv: float) -> float:
        return PAD + (hi - mv) / (hi - lo) * (HEIGHT - 2 * PAD)

    points = " ".join(f"{x(ts):.1f},{y(mv):.1f}" for ts, mv in samples)
    last = samples[-1][1]
    title = (f"battery: {min(values) / 1000:.2f}-{max(values) / 1000:.2f} V over 30 days, "
             f"now {last / 1000:.2f} V")
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
            f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(low_mv):.1f}" y2="{y(low_mv):.1f}" '
            'class="low"/>'
            f'<polyline points="{points}" class="line"/></svg>'
            f'<p class="muted">{min(values) / 1000:.2f}–{max(values) / 1000:.2f} V, now '
            f'{last / 1000:.2f} V; dashed: low-battery mark {low_mv / 1000:.2f} V</p>')


def bars(values: list[int], label: str) -> str:
    """One bar per day, tallest = the largest value."""
    if not values or max(values) == 0:
        return f'<p class="muted">no {escape(label)} recorded</p>'
    top = max(values)
    step = (WIDTH - 2 * PAD) / len(values)
    rects = "".join(
        f'<rect x="{PAD + i * step:.1f}" y="{HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD):.1f}" '
        f'width="{max(step - 1, 1):.1f}" height="{v / top * (HEIGHT - 2 * PAD):.1f}"/>'
        for i, v in enumerate(values))
    average = sum(values) / len(values)
    return (f'<svg class="chart bars" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-label="{escape(label)}"><title>{escape(label)}</title>{rects}</svg>'
            f'<p class="muted">{len(values)} days · most {top:,} · average {average:,.0f}</p>')
