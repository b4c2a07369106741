"""The report's table of targets as an Excel workbook."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from indicators.formatting import floor_decimal
from indicators.report import Report
from indicators.workbooks import append_row

HEADERS = [
    "STT",
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Mục tiêu",
    "Tử số",
    "Mẫu số",
    "Kết quả",
    "Đánh giá",
    "Chênh lệch",
    "Đơn vị đã báo cáo",
    "Đơn vị phải báo cáo",
]


def report_workbook(report: Report) -> bytes:
    """One sheet: title lines, then one row per target. Rates are numbers (percent, rounded
    down to 2 decimals) so they can be reused; the text columns say them as printed."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    append_row(ws, [f"Kết quả thực hiện các chỉ tiêu CCHC theo Kế hoạch số {report.plan.number}"])
    append_row(
        ws,
        [
            f"Kỳ: {report.period.label}; phạm vi: {report.scope.label}; số liệu tính đến "
            f"{report.taken_at:%H:%M %d/%m/%Y}"
        ],
    )
    if report.has_demo:
        append_row(ws, ["SỐ LIỆU MINH HỌA – không phải số liệu chính thức"])
    append_row(ws, [])
    append_row(ws, HEADERS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for n, r in enumerate(report.applicable, start=1):
        if r.is_rank:
            actual = r.rank
        else:
            actual = None if r.value is None else float(floor_decimal(r.value, 2))
        gap = None if r.gap is None else float(floor_decimal(r.gap, 2))
        append_row(
            ws,
            [
                n,
                r.target.code,
                r.target.name,
                r.target.goal_text,
                r.numerator,
                r.denominator,
                actual,
                r.status.label,
                gap,
                r.reported,
                r.expected,
            ],
        )
        if not r.is_rank:
            ws.cell(ws.max_row, 7).number_format = '0.00"%"'
    ws.cell(1, 1).font = Font(bold=True, size=13)
    for col, width in enumerate([5, 24, 60, 12, 12, 12, 10, 16, 11, 10, 10], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in ws.iter_rows(min_row=header_row):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
