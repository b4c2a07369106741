"""Plotly figures, and the tables that carry the same numbers, built from attainment results.

Every chart is a ``Chart``: a Plotly figure as a plain dict (handed to the page with
``json_script`` and drawn by ``static/js/charts.js``) and a ``Table`` of exactly the numbers the
figure shows, which the page prints beside it and ``chart_csv`` downloads. All text is built
here, in Vietnamese notation (98,5%; rates rounded down), so templates never compute anything.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from fractions import Fraction

from django.http import HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indicators.attainment import Result, Status, status_for
from indicators.formatting import floor_decimal, format_number
from targets.models import Target

STATUS_COLOURS = {
    Status.MET: "#1b7f3b",
    Status.NEAR: "#b7791f",
    Status.MISSED: "#b42318",
    Status.NO_DATA: "#8a94a0",
}
# "%(n)s" is Plotly's %{x} (the count), filled in by the browser.
STATUS_COUNT_HOVER = {
    Status.MET: _("%(n)s chỉ tiêu đạt"),
    Status.NEAR: _("%(n)s chỉ tiêu gần đạt"),
    Status.MISSED: _("%(n)s chỉ tiêu chưa đạt"),
    Status.NO_DATA: _("%(n)s chỉ tiêu chưa có số liệu"),
}
STATUS_SYMBOLS = {Status.MET: "✔", Status.NEAR: "▲", Status.MISSED: "✖", Status.NO_DATA: "–"}
# worst first: missed, near, met, then no data (listed apart)
STATUS_RANK = {Status.MISSED: 0, Status.NEAR: 1, Status.MET: 2, Status.NO_DATA: 3}
INK = "#1d2733"


# --- Tables ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    status: str = ""  # a Status value: the cell is coloured *and* says the status in words
    href: str = ""
    num: bool = False
    header: bool = False  # the row's header cell (th scope="row")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Chart:
    id: str  # also the ``csv=`` value that downloads its table
    title: str
    table: Table
    figure: dict | None = None
    demo: bool = False
    note: str = ""

    @property
    def data_id(self) -> str:
        return f"fig-{self.id}"


# A cell a spreadsheet would read as a formula (OWASP "CSV injection"): =, +, -, @, tab, CR, LF.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain number as we write it (−1.234,5; 98,5%; +3): left alone, so it stays a number.
PLAIN_NUMBER = re.compile(r"[+-]?\d{1,3}(\.\d{3})*(,\d+)?%?|[+-]?\d+(,\d+)?%?")


def csv_cell(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a cell starting with ``=``, ``+``, ``-``, ``@``,
    a tab or a line break gets a leading apostrophe, so that it is shown as text and never run
    as a formula (agency and target names are typed by people in the admin, so any cell may
    start so). A plain number in our notation ("-5", "+3", "-1.234,5", "98,5%") is left as it is
    and stays a number: it cannot call anything."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def chart_csv(chart: Chart, filename: str) -> HttpResponse:
    """The chart's table as CSV (UTF-8 with BOM, so spreadsheet programs read the accents),
    every cell escaped against formulas (``csv_cell``), headers included."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{chart.id}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(str(column)) for column in chart.table.columns])
    for row in chart.table.rows:
        writer.writerow([csv_cell(cell.text) for cell in row])
    if chart.demo:
        writer.writerow([gettext("Số liệu minh họa")])
    return response


# --- Labels and values ----------------------------------------------------------------------


def target_label(target: Target) -> str:
    """A short name for charts (see ``Target.short_label``)."""
    return target.short_label


def wrap(text: str, width: int = 26) -> str:
    """Break a long axis label into lines (<br>) so charts stay readable on a phone."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def plot_value(result: Result) -> float | None:
    """The value to plot: a rate rounded down to 2 decimals, or a rank."""
    if result.value is None:
        return None
    return float(floor_decimal(result.value, 2))


def status_cell(result: Result) -> Cell:
    return Cell(result.status.label, status=result.status.value)


def completeness_text(result: Result) -> str:
    """The reporting count and what the result leaves out, e.g. "166/187 · 21 đơn vị thiếu
    số liệu Quý IV/2021"."""
    text = f"{result.reported}/{result.expected}"
    coverage = result.coverage_text
    return f"{text} · {coverage}" if coverage else text


def hover_text(label: str, result: Result, goal: str | None = None) -> str:
    """``goal``: the target's ``goal_text``, when the caller already has it."""
    parts = [f"<b>{label}</b>", f"{result.actual_text} · {result.status.label}"]
    parts.append(goal_text(result.target) if goal is None else goal)
    if result.counts_text:
        parts.append(result.counts_text)
    coverage = result.coverage_text
    if coverage:
        parts.append(coverage)
    return "<br>".join(parts)


def result_text(result: Result) -> str:
    """The value, with what it leaves out: "98,2% (Số liệu đến Quý III/2021)"."""
    coverage = result.coverage_text
    return f"{result.actual_text} ({coverage})" if coverage else result.actual_text


def goal_text(target: Target) -> str:
    return gettext("Mục tiêu: %(goal)s") % {"goal": target.goal_text}


def base_layout(**extra) -> dict:
    layout = {
        "separators": ",.",
        "font": {"family": "Segoe UI, Noto Sans, DejaVu Sans, Arial, sans-serif", "size": 13},
        "margin": {"l": 10, "r": 20, "t": 36, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"align": "left"},
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "autosize": True,
    }
    layout.update(extra)
    return layout


# --- Bars against the threshold -------------------------------------------------------------


def attainment_chart(
    chart_id: str,
    title: str,
    rows: list[tuple[str, str, Result]],
    *,
    first_column: str = "",
    demo: bool = False,
    note: str = "",
) -> Chart:
    """Horizontal bars of each row's value, coloured *and* labelled by status, with the
    threshold marked on each row. ``rows`` are (label, link, result)."""
    first_column = first_column or gettext("Chỉ tiêu")
    is_rank = bool(rows) and rows[0][2].is_rank
    labels = [wrap(label) for label, _, _ in rows]
    values = [plot_value(r) for _, _, r in rows]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": gettext("Kết quả"),
        "y": labels,
        "x": [v if v is not None else 0 for v in values],
        "text": [f"{r.actual_text} · {r.status.label}" for _, _, r in rows],
        "textposition": "auto",
        "insidetextanchor": "end",
        "marker": {"color": [STATUS_COLOURS[r.status] for _, _, r in rows]},
        "hovertext": [hover_text(label, r) for label, _, r in rows],
        "hovertemplate": "%{hovertext}<extra></extra>",
        "cliponaxis": False,
    }
    goals = {
        "type": "scatter",
        "mode": "markers",
        "name": gettext("Mục tiêu"),
        "y": labels,
        "x": [float(r.threshold) for _, _, r in rows],
        "marker": {
            "symbol": "line-ns-open",
            "size": 26,
            "color": INK,
            "line": {"width": 3, "color": INK},
        },
        "hovertext": [goal_text(r.target) for _, _, r in rows],
        "hovertemplate": "%{hovertext}<extra></extra>",
    }
    axis = (
        {
            "title": {"text": gettext("Thứ hạng trong 63 tỉnh, thành (càng nhỏ càng tốt)")},
            "range": [0, 64],
        }
        if is_rank
        else {"title": {"text": gettext("Tỷ lệ (%)")}, "range": [0, 105], "ticksuffix": "%"}
    )
    short = [wrap(label, 14) for label, _, _ in rows]
    figure = {
        # on a phone (see charts.js) labels wrap tighter and bars carry the value only
        "compact": {
            "data": [{"y": short, "text": [r.actual_text for _, _, r in rows]}, {"y": short}],
            "layout": {"font": {"size": 11}},
        },
        "data": [bars, goals],
        "layout": base_layout(
            height=max(220, 90 + 44 * len(rows)),
            xaxis={**axis, "gridcolor": "#e5e9ee", "zeroline": False, "fixedrange": True},
            yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
            bargap=0.3,
        ),
    }
    table = Table(
        [
            first_column,
            gettext("Kết quả"),
            gettext("Mục tiêu"),
            gettext("Trạng thái"),
            gettext("Chênh lệch"),
            gettext("Số liệu"),
            gettext("Đã báo cáo"),
        ]
    )
    for label, href, r in rows:
        table.rows.append(
            [
                Cell(label, href=href, header=True),
                Cell(r.actual_text, num=True),
                Cell(r.target.goal_text, num=True),
                status_cell(r),
                Cell(r.gap_text, num=True),
                Cell(r.counts_text, num=True),
                Cell(completeness_text(r), num=True),
            ]
        )
    return Chart(chart_id, title, table, figure if rows else None, demo, note)


# --- Trends ---------------------------------------------------------------------------------


def trend_chart(
    target: Target,
    cumulative: list[Result],
    per_quarter: list[Result],
    *,
    demo: bool = False,
) -> Chart:
    """The year's quarters: the cumulative value and each quarter alone, against the
    threshold line."""
    x = [r.period.label for r in cumulative]
    data = []
    for name, results, dash in (
        (gettext("Lũy kế từ đầu năm"), cumulative, "solid"),
        (gettext("Từng quý"), per_quarter, "dot"),
    ):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": x,
                "y": [plot_value(r) for r in results],
                "line": {"dash": dash, "width": 3},
                "hovertext": [hover_text(f"{r.period.label} – {name}", r) for r in results],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": gettext("Mục tiêu %(goal)s") % {"goal": target.goal_text},
            "x": x,
            "y": [float(target.threshold)] * len(x),
            "line": {"dash": "dash", "color": INK, "width": 2},
            "hoverinfo": "skip",
        }
    )
    values = [v for r in cumulative + per_quarter if (v := plot_value(r)) is not None]
    low = min(values + [float(target.threshold)]) if values else 0
    figure = {
        "data": data,
        "layout": base_layout(
            height=320,
            yaxis={
                "range": [max(0, int(low) - 5), 101],
                "ticksuffix": "%",
                "automargin": True,
                "gridcolor": "#e5e9ee",
                "fixedrange": True,
            },
            xaxis={"fixedrange": True},
        ),
    }
    table = Table(
        [
            gettext("Kỳ"),
            gettext("Lũy kế"),
            gettext("Số liệu lũy kế"),
            gettext("Từng quý"),
            gettext("Số liệu của quý"),
            gettext("Trạng thái"),
        ]
    )
    for cum, one in zip(cumulative, per_quarter, strict=True):
        table.rows.append(
            [
                Cell(cum.period.label, header=True),
                Cell(cum.actual_text, num=True),
                Cell(cum.counts_text, num=True),
                Cell(one.actual_text, num=True),
                Cell(one.counts_text, num=True),
                status_cell(cum),
            ]
        )
    return Chart("xu-huong", gettext("Diễn biến theo quý"), table, figure if x else None, demo)


def rank_history_chart(target: Target, history: list[tuple[int, int, object]], *, demo=False):
    """An index's rank by year (1 is best, so the axis runs downwards), with the goal line.
    ``history`` is (year, rank, score)."""
    years = [str(year) for year, _, _ in history]
    figure = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers+text",
                "name": gettext("Thứ hạng"),
                "x": years,
                "y": [rank for _, rank, _ in history],
                "text": [f"{rank}/63" for _, rank, _ in history],
                "textposition": "top center",
                "line": {"width": 3},
                "hovertemplate": gettext("Năm %(year)s: hạng %(rank)s/63")
                % {"year": "%{x}", "rank": "%{y}"}
                + "<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": goal_text(target),
                "x": years,
                "y": [float(target.threshold)] * len(years),
                "line": {"dash": "dash", "color": INK},
                "hoverinfo": "skip",
            },
        ],
        "layout": base_layout(
            height=300,
            yaxis={
                "range": [
                    max([rank for _, rank, _ in history] + [int(target.threshold)]) + 5,
                    0,
                ],
                "title": {"text": gettext("Thứ hạng (1 là cao nhất)")},
                "automargin": True,
                "fixedrange": True,
            },
            xaxis={"type": "category", "fixedrange": True},
        ),
    }
    table = Table([gettext("Năm"), gettext("Thứ hạng"), gettext("Điểm số"), gettext("Trạng thái")])
    for year, rank, score in history:
        table.rows.append(
            [
                Cell(gettext("Năm %(year)s") % {"year": year}, header=True),
                Cell(f"{rank}/63", num=True),
                Cell(format_number(score, 2) if score is not None else "–", num=True),
                Cell(*_rank_status(target, rank)),
            ]
        )
    title = gettext("Lịch sử xếp hạng")
    return Chart("lich-su-xep-hang", title, table, figure if history else None, demo)


def _rank_status(target: Target, rank: int) -> tuple[str, str]:
    status = status_for(rank, target)
    return status.label, status.value


# --- Agencies × targets ---------------------------------------------------------------------


def heatmap_chart(
    chart_id: str,
    title: str,
    agencies: list[tuple[str, str]],
    targets: list[Target],
    results: dict[tuple[int, int], Result],
    agency_ids: list[int],
    *,
    demo: bool = False,
) -> Chart:
    """Agencies (rows) × targets (columns), each cell coloured by status and showing the
    value with the status symbol; empty where the target does not apply. ``agencies`` are
    (name, link), in the order of ``agency_ids``."""
    status_z = {Status.NO_DATA: 0, Status.MISSED: 1, Status.NEAR: 2, Status.MET: 3}
    z, text, hover = [], [], []
    table = Table(
        [gettext("Đơn vị"), gettext("Số chỉ tiêu chưa đạt")] + [target_label(t) for t in targets]
    )
    # per target, computed once for all rows
    labels = {t.pk: target_label(t) for t in targets}
    goals = {t.pk: goal_text(t) for t in targets}
    status_labels = {s: s.label for s in Status}
    partial = False
    for (name, href), agency_id in zip(agencies, agency_ids, strict=True):
        row_z, row_text, row_hover = [], [], []
        cells = [Cell(name, href=href, header=True)]
        missed = 0
        for target in targets:
            result = results.get((target.pk, agency_id))
            if result is None:
                row_z.append(None)
                row_text.append("")
                row_hover.append("")
                cells.append(Cell(gettext("Không áp dụng")))
                continue
            status = result.status
            actual = result.actual_text
            missed += status == Status.MISSED
            row_z.append(status_z[status])
            mark = "*" if result.partial else ""
            partial = partial or result.partial
            row_text.append(f"{STATUS_SYMBOLS[status]} {actual}{mark}")
            row_hover.append(
                hover_text(f"{name} – {labels[target.pk]}", result, goal=goals[target.pk])
            )
            words = f"{actual} · {status_labels[status]}"
            if mark:
                words += f" · {result.coverage_text}"
            cells.append(Cell(words, status=status.value))
        cells.insert(1, Cell(str(missed), num=True))
        z.append(row_z)
        text.append(row_text)
        hover.append(row_hover)
        table.rows.append(cells)
    c = STATUS_COLOURS
    colours = [c[Status.NO_DATA], c[Status.MISSED], c[Status.NEAR], c[Status.MET]]
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / 4, colour], [(i + 1) / 4, colour]]
    figure = {
        "data": [
            {
                "type": "heatmap",
                "z": z,
                "x": [wrap(target_label(t), 10) for t in targets],
                "y": [name for name, _ in agencies],
                "text": text,
                "texttemplate": "%{text}",
                "textfont": {"color": "#ffffff", "size": 11},
                "hovertext": hover,
                "hovertemplate": "%{hovertext}<extra></extra>",
                "zmin": -0.5,
                "zmax": 3.5,
                "colorscale": scale,
                "showscale": False,
                "xgap": 2,
                "ygap": 2,
            }
        ],
        "layout": base_layout(
            height=max(260, 140 + 26 * len(agencies)),
            xaxis={
                "side": "top",
                "automargin": True,
                "fixedrange": True,
                "tickangle": 0,
                # about 70 px a column: short lines at a smaller size, so labels never overlap
                "tickfont": {"size": 10},
                "showgrid": False,
            },
            yaxis={
                "autorange": "reversed",
                "automargin": True,
                "fixedrange": True,
                "showgrid": False,
            },
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
        ),
        # narrower screens scroll sideways instead of squeezing the cells (charts.js)
        "min_width": 220 + 90 * len(targets),
    }
    note = gettext("* Kết quả chưa đủ các quý của kỳ: đơn vị chưa gửi một số quý (xem bảng).")
    return Chart(
        chart_id,
        title,
        table,
        figure if agencies and targets else None,
        demo,
        note if partial else "",
    )


def status_count_chart(
    chart_id: str, title: str, rows: list[tuple[str, str, dict]], *, demo: bool = False
) -> Chart:
    """Per agency, how many targets are met, near, missed or without data: stacked bars.
    ``rows`` are (name, link, counts by Status)."""
    names = [wrap(name, 22) for name, _, _ in rows]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": status.label,
            "y": names,
            "x": [counts[status] for _, _, counts in rows],
            "marker": {"color": STATUS_COLOURS[status]},
            "hovertemplate": "%{y}: "
            + str(STATUS_COUNT_HOVER[status]) % {"n": "%{x}"}
            + "<extra></extra>",
        }
        for status in (Status.MET, Status.NEAR, Status.MISSED, Status.NO_DATA)
    ]
    figure = {
        "data": data,
        "layout": base_layout(
            barmode="stack",
            height=max(240, 100 + 30 * len(rows)),
            xaxis={"title": {"text": gettext("Số chỉ tiêu")}, "dtick": 1, "fixedrange": True},
            yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
        ),
    }
    table = Table(
        [gettext("Đơn vị")]
        + [s.label for s in (Status.MET, Status.NEAR, Status.MISSED, Status.NO_DATA)]
    )
    for name, href, counts in rows:
        table.rows.append(
            [Cell(name, href=href, header=True)]
            + [
                Cell(str(counts[s]), num=True)
                for s in (Status.MET, Status.NEAR, Status.MISSED, Status.NO_DATA)
            ]
        )
    return Chart(chart_id, title, table, figure if rows else None, demo)


# --- Small trend line on the overview cards (inline SVG, no Plotly needed) ------------------


@dataclass(frozen=True)
class Sparkline:
    # coordinates as text with a decimal point: templates would localise floats to "12,5"
    points: str  # SVG polyline points
    dots: list[tuple[str, str]]
    threshold_y: str
    description: str  # the same values in words, for screen readers


def sparkline(results: list[Result], width: int = 120, height: int = 36) -> Sparkline | None:
    """The year's quarters as a small line, scaled between the lowest value (or the
    threshold) and 100%; None for ranks or without any value."""
    if not results or results[0].is_rank:
        return None
    values = [r.value for r in results]
    known = [v for v in values if v is not None]
    if not known:
        return None
    threshold = Fraction(results[0].threshold)
    low = min(known + [threshold]) - 2
    span = Fraction(100) - low or Fraction(1)

    def y(value: Fraction) -> str:
        return f"{float(height - 4 - (value - low) / span * (height - 8)):.1f}"

    step = (width - 8) / 3
    dots = [(f"{4 + i * step:.1f}", y(v)) for i, v in enumerate(values) if v is not None]
    description = "; ".join(f"{r.period.label}: {r.actual_text}" for r in results)
    return Sparkline(" ".join(f"{x},{yy}" for x, yy in dots), dots, y(threshold), description)
