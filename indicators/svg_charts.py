"""Charts for the printed report, drawn as inline SVG on the server.

Print needs no JavaScript: the same vector charts appear in the browser's print and in the PDF
(WeasyPrint), sized to the page, and readable in black and white: bars carry their value and
status in words, and statuses differ by fill pattern, not only by colour.
"""

from __future__ import annotations

from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from indicators.attainment import Result, Status
from indicators.formatting import format_percent

FILLS = {
    Status.MET: "#3d3d3d",
    Status.NEAR: "url(#hatch)",
    Status.MISSED: "#ffffff",
    Status.NO_DATA: "#ffffff",
}
DEFS = (
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#3d3d3d" stroke-width="2.5"/></pattern></defs>'
)


# Advance widths of a Times-like serif, in thousandths of the font size, for the characters of
# a value label ("96,6%"); anything else counts as a digit.
SERIF_WIDTHS = {",": 250, ".": 250, "%": 833, "-": 333, "−": 564, "–": 500, " ": 250}


def label_width(text: str, font_size: float) -> float:
    """The width of ``text`` in a Times-like serif (an estimate, a little generous)."""
    return sum(SERIF_WIDTHS.get(ch, 500) for ch in text) * font_size / 1000


def value_label(
    x: float, y: float, text: str, font_size: float = 10, within: tuple[float, float] | None = None
) -> str:
    """A value written above a point, on a white patch that hides the lines behind it; moved
    sideways as far as needed to stay between ``within`` (the plot's left and right edges).

    The patch is a rectangle drawn before the text, not a white stroke under the glyphs
    (``paint-order="stroke"``): WeasyPrint ignores ``paint-order`` and paints the stroke over
    the fill, which left the PDF's labels white on white while browsers showed them."""
    width = label_width(text, font_size) + 3
    height = font_size + 1
    if within is not None:
        x = min(max(x, within[0] + width / 2 + 1), within[1] - width / 2 - 1)
    return (
        f'<rect x="{x - width / 2:.1f}" y="{y - font_size * 0.8 - 0.5:.1f}" width="{width:.1f}" '
        f'height="{height:.1f}" fill="#fff"/>'
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" fill="#000">{escape(text)}</text>'
    )


def _pct(value: Fraction | None) -> float:
    return 0.0 if value is None else float(min(max(value, 0), 100))


def attainment_bars(results: list[Result], width: int = 640) -> SafeString:
    """One horizontal bar per rate target: the actual rate on a 0–100% scale, the threshold as a
    vertical tick, and the value and status written beside the bar."""
    rows = [r for r in results if not r.is_rank]
    label_w, bar_w, row_h, top = 200, width - 200 - 150, 26, 22
    height = top + row_h * len(rows) + 24
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-attainment-title" '
        f'class="report-chart">',
        DEFS,
        '<title id="chart-attainment-title">Kết quả so với mục tiêu của các chỉ tiêu tỷ lệ</title>',
        '<g font-family="Liberation Serif, Times New Roman, serif" font-size="11">',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + bar_w * tick / 100
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" '
            'stroke="#bbb" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick}%</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        name = escape(r.target.short_label)
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{name}</text>')
        w = bar_w * _pct(r.value) / 100
        out.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
            f'fill="{FILLS[r.status]}" stroke="#000" stroke-width="0.8"/>'
        )
        tx = label_w + bar_w * float(r.threshold) / 100
        out.append(
            f'<line x1="{tx:.1f}" y1="{y}" x2="{tx:.1f}" y2="{y + row_h - 2}" '
            'stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>'
        )
        text = f"{r.actual_text} – {r.status.label}" if r.value is not None else r.status.label
        out.append(f'<text x="{label_w + bar_w + 6}" y="{y + 15}">{escape(text)}</text>')
    out.append(
        f'<text x="{label_w}" y="12">Vạch đứt: mục tiêu. Nền đặc: đạt; gạch chéo: '
        "gần đạt; nền trắng: chưa đạt.</text>"
    )
    out.append("</g></svg>")
    return mark_safe("".join(out))


def trend_grid(trend: dict[int, list[Result]], columns: int = 2, width: int = 640) -> SafeString:
    """Small multiples: each rate target's cumulative result per quarter, with its threshold
    as a dashed line; every point is labelled with its value."""
    series = [rs for rs in trend.values() if rs and not rs[0].is_rank]
    cell_w, cell_h = width / columns, 120
    rows = (len(series) + columns - 1) // columns
    height = rows * cell_h
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-trend-title" class="report-chart">',
        '<title id="chart-trend-title">Diễn biến lũy kế theo quý của các chỉ tiêu tỷ lệ</title>',
        '<g font-family="Liberation Serif, Times New Roman, serif" font-size="10">',
    ]
    for n, results in enumerate(series):
        ox, oy = (n % columns) * cell_w, (n // columns) * cell_h
        target = results[0].target
        values = [r.value for r in results]
        known = [v for v in values if v is not None] + [Fraction(target.threshold)]
        low = max(0, float(min(known)) - 5)
        high = min(100, float(max(known)) + 3)
        span = max(high - low, 1)
        px0, px1, py0, py1 = ox + 36, ox + cell_w - 16, oy + 26, oy + cell_h - 22

        def x(i, px0=px0, px1=px1):
            return px0 + (px1 - px0) * i / 3

        def y(v, py0=py0, py1=py1, low=low, span=span):
            return py1 - (py1 - py0) * (float(v) - low) / span

        out.append(
            f'<text x="{ox + 4}" y="{oy + 14}" font-weight="bold">'
            f"{escape(target.short_label)} ({escape(target.goal_text)})</text>"
        )
        out.append(
            f'<rect x="{px0}" y="{py0}" width="{px1 - px0:.1f}" height="{py1 - py0}" '
            'fill="none" stroke="#999" stroke-width="0.5"/>'
        )
        ty = y(target.threshold)
        out.append(
            f'<line x1="{px0}" y1="{ty:.1f}" x2="{px1}" y2="{ty:.1f}" stroke="#000" '
            'stroke-dasharray="4,3"/>'
        )
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="#000" stroke-width="1.5"/>')
        for i, (v, r) in enumerate(zip(values, results, strict=True)):
            out.append(
                f'<text x="{x(i):.1f}" y="{py1 + 14}" text-anchor="middle">Q{r.period.quarter}</text>'
            )
            if v is not None:
                out.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="#000"/>')
                out.append(value_label(x(i), y(v) - 5, format_percent(v), within=(px0, px1)))
    out.append("</g></svg>")
    return mark_safe("".join(out))
