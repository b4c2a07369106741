"""Excel files of the data-entry section (issue #4): the entry template, prefilled with agency
codes and names, indicator labels and existing figures, with the columns of the command-line
import (``indicators.imports.COLUMNS`` + ``score``) first so that it can be uploaded back as is;
and the completeness report."""

from __future__ import annotations

import io

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from indicators.formatting import format_percent
from indicators.imports import COLUMNS, OPTIONAL_COLUMNS
from indicators.models import Measurement, Period
from indicators.workbooks import append_row
from indicators.workflow import Completeness

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INFO_COLUMNS = ["agency_name", "indicator_name", "numerator_label", "denominator_label", "status"]
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")


def _finish(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(period: Period, pairs: list, existing: dict) -> bytes:
    """The entry template: one row per (agency, target) pair, with the saved figure if any
    (``existing`` maps (agency pk, indicator pk) to a Measurement). Columns: the import's,
    then read-only information that the import ignores."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "So lieu"
    append_row(sheet, COLUMNS + OPTIONAL_COLUMNS + INFO_COLUMNS)
    rank_label = gettext("Thứ hạng (cột value, 1–63)")
    score_label = gettext("Điểm số (cột score, nếu có)")
    missing = gettext("Chưa nhập")
    for agency, target in pairs:
        indicator = target.indicator
        m: Measurement | None = existing.get((agency.pk, indicator.pk))
        append_row(
            sheet,
            [
                period.code,
                agency.code,
                indicator.code,
                m.numerator if m else None,
                m.denominator if m else None,
                m.rank if m else None,
                m.note if m else None,
                float(m.score) if m and m.score is not None else None,
                agency.name,
                indicator.name,
                indicator.numerator_label or rank_label,
                indicator.denominator_label or score_label,
                m.get_status_display() if m else missing,
            ],
        )
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=8):
        for cell in row:
            cell.fill = INPUT_FILL
    _finish(sheet, [10, 12, 20, 14, 14, 10, 30, 10, 32, 50, 40, 40, 12])
    guide = workbook.create_sheet("Huong dan")
    for line in (
        [gettext("Mẫu nhập số liệu – Chỉ số CCHC An Giang"), ""],
        [gettext("Kỳ báo cáo"), period.label],
        [
            gettext("Cách nhập"),
            gettext(
                "Điền các ô màu vàng: numerator (tử số), denominator (mẫu số), note (giải trình)."
            ),
        ],
        [
            gettext("Chỉ số xếp hạng"),
            gettext(
                "PAR Index, PAPI, PCI, SIPAS: cột value là thứ hạng (1–63), cột score là điểm số."
            ),
        ],
        [gettext("Không phát sinh"), gettext("Nhập 0 và 0.")],
        [
            gettext("Lưu ý"),
            gettext(
                "Không đổi tên, thứ tự các cột period, agency_code, indicator_code; "
                "các cột sau cột score chỉ để tham khảo."
            ),
        ],
    ):
        append_row(guide, line)
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 100
    return _save(workbook)


def _cell_text(cell) -> str:
    if not cell.state:
        return "–"
    if cell.late:
        return gettext("%(status)s (trễ hạn)") % {"status": cell.label}
    return cell.label


def completeness_workbook(report: Completeness) -> bytes:
    """The completeness page as a workbook: one sheet per agency, one per district."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Don vi"
    append_row(
        sheet,
        [gettext("Mã"), gettext("Đơn vị"), gettext("Cấp"), gettext("Đơn vị cấp trên")]
        + [i.short_name for i in report.indicators]
        + [gettext("Phải báo cáo"), gettext("Đã nhận"), gettext("Đúng hạn")],
    )
    for line in report.lines:
        a = line.agency
        append_row(
            sheet,
            [a.code, a.name, a.get_level_display(), a.parent.name if a.parent else ""]
            + [_cell_text(c) for c in line.cells]
            + [line.tally.expected, line.tally.received, line.tally.on_time],
        )
    _finish(sheet, [10, 32, 12, 24] + [16] * len(report.indicators) + [12, 10, 10])
    summary = workbook.create_sheet("Theo huyen")
    append_row(
        summary,
        [
            gettext("Địa bàn"),
            gettext("Phải báo cáo"),
            gettext("Đã nhận"),
            gettext("Đúng hạn"),
            gettext("Tỷ lệ báo cáo"),
            gettext("Tỷ lệ đúng hạn"),
        ],
    )
    for tally in [*report.districts, report.total]:
        append_row(
            summary,
            [
                tally.name,
                tally.expected,
                tally.received,
                tally.on_time,
                format_percent(tally.rate),
                format_percent(tally.on_time_rate),
            ],
        )
    _finish(summary, [40, 14, 10, 10, 14, 14])
    return _save(workbook)


# --- Uploading figures from the browser ---------------------------------------------------------


FIGURE_COLUMNS = ("numerator", "denominator", "value", "score", "note")


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


def plan_upload(
    data: bytes, filename: str, user, max_rows: int, *, submit: bool = False, deadline=None
):
    """Read and check an uploaded file as the command-line import does (``read_table`` and
    ``plan_import``, which also checks every row against ``user``'s agencies and the locks),
    for the user's choice ``submit`` (send the changed figures, or save them as drafts). Rows
    with no figure and no note are skipped: the template lists every indicator of every agency,
    and a row left blank was not entered. ``deadline`` (``time.monotonic()``) bounds the time
    spent reading. Writes nothing.

    Raises ``ImportFileError`` when the file as a whole cannot be read.
    """
    from indicators.imports import ImportFileError, plan_import, read_table

    try:
        rows = list(read_table(data, filename, max_rows, deadline=deadline))
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged workbook can fail while its rows are read
        raise ImportFileError(gettext("Không đọc được tệp: tệp hỏng hoặc sai định dạng.")) from exc
    rows = [(n, row) for n, row in rows if any(_filled(row.get(c)) for c in FIGURE_COLUMNS)]
    return plan_import(rows, submit=submit, user=user)


def fingerprint(plan) -> list:
    """What a preview showed, to compare with the plan at confirmation: the same rows must
    change from the same versions to the same values and statuses, or the user must look
    again."""
    return [
        [
            c.row,
            c.indicator.pk,
            c.agency.pk,
            c.period.pk,
            c.old.version if c.old else None,
            c.new.numerator,
            c.new.denominator,
            c.new.rank,
            None if c.new.score is None else str(c.new.score),
            c.new.note,
            str(c.status),
        ]
        for c in plan.changes
    ]
