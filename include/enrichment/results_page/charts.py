"""Charts as inline SVG text: no script, nothing fetched, drawn on the server.

Scores are 0..1 (Comprehend's confidences), so every chart has a fixed vertical scale
and charts of different companies compare by eye. A date without a score breaks the
line rather than joining its neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

# One colour per score and per sentiment label, the same in every chart and legend.
COLOURS = {
    "positive": "#2f9e44",
    "negative": "#e03131",
    "neutral": "#868e96",
    "mixed": "#f08c00",
    "POSITIVE": "#2f9e44",
    "NEGATIVE": "#e03131",
    "NEUTRAL": "#868e96",
    "MIXED": "#f08c00",
    "none": "#dee2e6",
}


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points; None ends a run."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """SVG path data joining each run of two or more points (a lone point is a dot)."""
    runs = [run for run in _segments(points) if len(run) > 1]
    return " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in runs)


def _x(index: int, count: int, left: float, width: float) -> float:
    return left + (width * index / (count - 1) if count > 1 else width / 2)


def sparkline(
    series: dict[str, Sequence[float | None]], width: int = 160, height: int = 32
) -> Markup:
    """A small chart of a few score series (name -> one value or None per date); a lone
    point is a dot."""
    pad = 2.0
    shapes = []
    for name, values in series.items():
        colour = COLOURS[name]
        points = [
            None
            if value is None
            else (
                _x(i, len(values), pad, width - 2 * pad),
                pad + (1 - value) * (height - 2 * pad),
            )
            for i, value in enumerate(values)
        ]
        for run in _segments(points):
            if len(run) == 1:
                (x, y) = run[0]
                shapes.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="{colour}"/>')
        if any(len(run) > 1 for run in _segments(points)):
            shapes.append(
                f'<path d="{_path(points)}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
    return Markup(
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="scores over time">'
        f'<rect width="{width}" height="{height}" fill="#f8f9fa"/>{"".join(shapes)}</svg>'
    )


def score_chart(
    dates: Sequence[str],
    series: dict[str, Sequence[float | None]],
    width: int = 720,
    height: int = 220,
) -> Markup:
    """A company's scores over ``dates``: one line per score, axes, a dot per value
    with the date and value as its tooltip."""
    left, right, top, bottom = 36.0, 12.0, 10.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    shapes = []
    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = top + (1 - tick) * plot_h
        shapes.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e9ecef"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    step = max(1, len(dates) // 8)  # at most about 8 date labels
    for i, ds in enumerate(dates):
        if i % step == 0 or i == len(dates) - 1:
            x = _x(i, len(dates), left, plot_w)
            shapes.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
                f"{escape(ds[5:])}</text>"
            )
    for name, values in series.items():
        colour = COLOURS[name]
        points = [
            None
            if value is None
            else (_x(i, len(values), left, plot_w), top + (1 - value) * plot_h)
            for i, value in enumerate(values)
        ]
        shapes.append(f'<path d="{_path(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for ds, value, point in zip(dates, values, points, strict=True):
            if point is not None:
                shapes.append(
                    f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(ds)} {name} {value:.2f}</title></circle>"
                )
    legend = "".join(
        f'<rect x="{left + 110 * i}" y="{height - 12}" width="10" height="10" '
        f'fill="{COLOURS[name]}"/><text x="{left + 110 * i + 14}" y="{height - 3}">{name}</text>'
        for i, name in enumerate(series)
    )
    return Markup(
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="scores over time" font-size="11" fill="#495057">'
        f"{''.join(shapes)}{legend}</svg>"
    )


def label_bars(
    counts: Sequence[tuple[str, dict[str, int]]], width: int = 720, height: int = 120
) -> Markup:
    """Companies per sentiment label on each date, as stacked bars (tooltips give the
    counts)."""
    if not counts:
        return Markup("")
    left, bottom = 4.0, 18.0
    plot_h = height - bottom - 4
    most = max(sum(per_label.values()) for _, per_label in counts) or 1
    slot = (width - left) / len(counts)
    bar = max(2.0, slot * 0.8)
    shapes = []
    step = max(1, len(counts) // 8)
    for i, (ds, per_label) in enumerate(counts):
        x = left + i * slot
        y = 4 + plot_h
        for label, count in per_label.items():
            if count:
                h = plot_h * count / most
                y -= h
                shapes.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[label]}"><title>{escape(ds)} {label}: {count}</title></rect>'
                )
        if i % step == 0 or i == len(counts) - 1:
            shapes.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 4}" text-anchor="middle">'
                f"{escape(ds[5:])}</text>"
            )
    return Markup(
        f'<svg class="bars" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="companies per sentiment and date" font-size="10" '
        f'fill="#495057">{"".join(shapes)}</svg>'
    )
