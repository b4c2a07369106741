"""Importing figures from CSV and Excel (indicators/imports.py and ``import_measurements``):
every row is checked first, one bad row and nothing is written, the same file twice changes
nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from indicators import roles, workflow
from indicators.imports import (
    COLUMNS,
    ImportFileError,
    ImportPlan,
    RowError,
    apply_import,
    plan_import,
    read_table,
)
from indicators.models import Agency, Measurement, Period
from targets.models import Indicator
from tests.conftest import make_user

HEADER = [*COLUMNS, "score"]

GOOD_ROWS = [
    # period, agency_code, indicator_code, numerator, denominator, value, note, score
    ["2021-Q1", "STP", "ho_so_dung_han", "1.234", "1.300", "", "", ""],
    ["2021-Q1", "30280", "van_ban_tren_mang", "55", "100", "", "Mạng chậm", ""],
    ["2021-Q2", "STP", "dvc_muc_do_4", "0", "0", "", "Không phát sinh", ""],
    ["2021", "89", "par_index", "", "", "12", "", "81,54"],
]


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    lines = [",".join(header)] + [",".join(f'"{v}"' if "," in v else v for v in r) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path, rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


IMPORTER = "nguoinhap"


@pytest.fixture
def importer(db):
    """The staff member the command runs as: sending figures takes a person."""
    return _importer()


def _importer():
    from django.contrib.auth.models import User

    return User.objects.filter(username=IMPORTER).first() or make_user(IMPORTER, roles.STAFF)


def _as_importer(args) -> tuple:
    if "--user" in args:
        return args
    _importer()
    return (*args, "--user", IMPORTER)


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_measurements", str(path), *_as_importer(args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path, *args):
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_measurements", str(path), *_as_importer(args), stdout=io.StringIO(), stderr=err
        )
    return str(excinfo.value), err.getvalue()


def figures():
    """Every stored figure, as comparable tuples."""
    return {
        (m.indicator.code, m.agency.code, m.period.code): (
            m.numerator,
            m.denominator,
            m.rank,
            m.score,
            m.note,
            m.status,
            m.version,
        )
        for m in Measurement.objects.select_related("indicator", "agency", "period")
    }


EXPECTED_GOOD = {
    ("ho_so_dung_han", "STP", "2021-Q1"): (1234, 1300, None, None, "", "submitted", 1),
    ("van_ban_tren_mang", "30280", "2021-Q1"): (55, 100, None, None, "Mạng chậm", "submitted", 1),
    ("dvc_muc_do_4", "STP", "2021-Q2"): (0, 0, None, None, "Không phát sinh", "submitted", 1),
    ("par_index", "89", "2021"): (None, None, 12, Decimal("81.540"), "", "submitted", 1),
}


# --- Good files ---------------------------------------------------------------------------------


def test_a_good_csv_file_imports(db, tmp_path):
    out, err = run(write_csv(tmp_path / "so-lieu.csv", GOOD_ROWS))
    assert figures() == EXPECTED_GOOD
    assert (
        "Đã nhập 4 số liệu thay đổi (4 đã gửi, trong đó 0 số đã gửi được sửa và gửi lại; "
        "0 nháp); 0 dòng không thay đổi." in out
    )
    assert err == ""
    assert Measurement.history.count() == 4
    assert not Measurement.objects.filter(is_demo=True).exists()


def test_a_good_xlsx_file_imports(db, tmp_path):
    rows = [
        ["2021-Q1", "STP", "ho_so_dung_han", 1234, 1300, None, None, None],
        ["2021-Q1", 30280, "van_ban_tren_mang", 55, 100, None, "Mạng chậm", None],
        ["2021-Q2", "STP", "dvc_muc_do_4", 0, 0, None, "Không phát sinh", None],
        [2021, 89, "par_index", None, None, 12, None, 81.54],
    ]
    out, _ = run(write_xlsx(tmp_path / "so-lieu.xlsx", rows))
    assert figures() == EXPECTED_GOOD
    assert "Đã nhập 4 số liệu thay đổi" in out


def test_csv_with_bom_blank_lines_and_without_score_column(db, tmp_path):
    path = tmp_path / "excel-export.csv"
    text = (
        ",".join(COLUMNS)
        + "\n2021-Q1,STP,ho_so_dung_han,98,100,,\n\n"
        + "2021-Q1,SNV,ho_so_dung_han,abc,100,,\n"
    )
    path.write_bytes(text.encode("utf-8-sig"))
    message, err = run_failing(path)
    # Row numbers are the file's own lines: the blank line 3 still counts.
    assert err.splitlines() == [
        "Dòng 4: tử số: Chỉ nhập số nguyên (0, 1, 2, …), không nhập chữ, số thập phân hay số âm."
    ]
    path.write_bytes(text.replace("abc", "97").encode("utf-8-sig"))
    run(path)
    assert Measurement.objects.count() == 2


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_status_option(db, tmp_path, status):
    run(write_csv(tmp_path / "a.csv", GOOD_ROWS), "--status", status)
    assert set(Measurement.objects.values_list("status", flat=True)) == {status}


@pytest.mark.parametrize("status", ["approved", "returned", "x"])
def test_status_option_refuses_anything_else(db, tmp_path, status):
    """Approving takes an approver, in the application: no flag skips the review."""
    with pytest.raises(CommandError):
        call_command(
            "import_measurements", str(write_csv(tmp_path / "a.csv", GOOD_ROWS)), "--status", status
        )
    assert not Measurement.objects.exists()


# --- Bad files: nothing is imported -------------------------------------------------------------


BAD_ROWS = [
    ["2021-Q1", "STP", "ho_so_dung_han", "98", "100", "", "", ""],  # row 2: fine
    ["2021-Q1", "SNV", "ho_so_dung_han", "101", "100", "", "", ""],  # row 3
    ["2021-Q1", "XYZ", "ho_so_dung_han", "1", "2", "", "", ""],  # row 4
    ["2021-Q1", "30280", "dvc_muc_do_4", "1", "2", "", "", ""],  # row 5
    ["2021", "89", "papi", "", "", "64", "", ""],  # row 6
    ["2021-Q1", "SKHDT", "ho_so_dung_han", "12,5", "-3", "", "", ""],  # row 7
    ["2021-Q2", "89", "pci", "", "", "10", "", ""],  # row 8
    ["2021-Q1", "STP", "ho_so_dung_han", "97", "100", "", "", ""],  # row 9: duplicate of 2
    ["2021-Q9", "STP", "khong_co", "1", "2", "", "", ""],  # row 10
]
BAD_MESSAGES = [
    "Dòng 3: tử số: Tử số không được lớn hơn mẫu số.",
    "Dòng 4: không có đơn vị mã “XYZ”.",
    "Dòng 5: đơn vị: Chỉ tiêu này không áp dụng cho đơn vị “Phường Mỹ Bình” (Cấp xã).",
    "Dòng 6: thứ hạng (value): Thứ hạng phải là số nguyên từ 1 đến 63.",
    "Dòng 7: tử số: Chỉ nhập số nguyên (0, 1, 2, …), không nhập chữ, số thập phân hay số âm.",
    "Dòng 7: mẫu số: Chỉ nhập số nguyên (0, 1, 2, …), không nhập chữ, số thập phân hay số âm.",
    "Dòng 8: kỳ báo cáo: Chỉ số xếp hạng chỉ nhập cho kỳ cả năm, không nhập theo quý.",
    "Dòng 9: trùng với dòng 2 (cùng kỳ, đơn vị và chỉ số).",
    "Dòng 10: không có kỳ báo cáo mã “2021-Q9”.",
    "Dòng 10: không có chỉ số mã “khong_co”.",
]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_one_bad_row_and_nothing_is_imported(db, tmp_path, measure, writer):
    measure("hai_long_ket_qua", "STP", "2021-Q1", 9, 10)
    before = figures()
    suffix = ".csv" if writer is write_csv else ".xlsx"
    message, err = run_failing(writer(tmp_path / f"bad{suffix}", BAD_ROWS))
    assert err.splitlines() == BAD_MESSAGES
    assert message == f"{len(BAD_MESSAGES)} lỗi; chưa nhập dòng nào."
    assert figures() == before
    assert Measurement.history.count() == 1


def test_a_single_bad_row_blocks_every_good_one(db, tmp_path):
    rows = [*GOOD_ROWS, ["2021-Q1", "SNV", "ho_so_dung_han", "101", "100", "", "", ""]]
    message, err = run_failing(write_csv(tmp_path / "a.csv", rows))
    assert err.splitlines() == ["Dòng 6: tử số: Tử số không được lớn hơn mẫu số."]
    assert message == "1 lỗi; chưa nhập dòng nào."
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.txt", b"period\n", "Chỉ nhận tệp .csv hoặc .xlsx."),
        ("a.csv", b"period,agency_code\n2021-Q1,STP\n", "Thiếu cột: indicator_code, numerator"),
        ("a.csv", b"", "Tệp rỗng."),
        ("a.csv", b"period\n", "Thiếu cột: agency_code"),
        # neither UTF-8 nor Windows-1258 (0x81 is unassigned in both)
        ("a.csv", ",".join(COLUMNS).encode() + b"\n\x81\xe0 N\xe3ng,STP\n", "UTF-8"),
        ("a.xlsx", b"not a workbook", "Không đọc được tệp Excel"),
    ],
)
def test_unreadable_files(db, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    text, _ = run_failing(path)
    assert message in text
    assert not Measurement.objects.exists()


def test_a_missing_file(db, tmp_path):
    text, _ = run_failing(tmp_path / "khong-co.csv")
    assert "Không tìm thấy tệp" in text


def test_too_many_rows(db):
    data = (",".join(COLUMNS) + "\n" + "2021-Q1,STP,ho_so_dung_han,1,2,,\n" * 3).encode()
    assert len(list(read_table(data, "a.csv", 3))) == 3
    with pytest.raises(ImportFileError, match="tối đa 2 dòng"):
        list(read_table(data, "a.csv", 2))


def test_apply_import_refuses_a_plan_with_errors(db):
    with pytest.raises(ValueError):
        apply_import(ImportPlan(errors=[RowError(2, "x")]))


# --- Importing again ----------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [write_csv, write_xlsx], ids=["csv", "xlsx"])
def test_importing_the_same_file_twice_changes_nothing(db, tmp_path, writer):
    path = writer(tmp_path / ("a.csv" if writer is write_csv else "a.xlsx"), GOOD_ROWS)
    run(path)
    before, history = figures(), Measurement.history.count()
    out, _ = run(path)
    assert "Đã nhập 0 số liệu thay đổi" in out and "4 dòng không thay đổi." in out
    assert figures() == before
    assert Measurement.history.count() == history == 4
    # ... even with another status: a figure keeps its status unless its value changes.
    run(path, "--status", "draft")
    assert figures() == before


def test_a_changed_row_makes_a_new_version(db, tmp_path):
    run(write_csv(tmp_path / "a.csv", GOOD_ROWS))
    Measurement.objects.filter(indicator__code="par_index").update(status="approved")
    changed = [list(r) for r in GOOD_ROWS]
    changed[0][3] = "1.299"
    out, _ = run(write_csv(tmp_path / "b.csv", changed), "--status", "draft")
    assert (
        "Đã nhập 1 số liệu thay đổi (1 đã gửi, trong đó 1 số đã gửi được sửa và gửi lại; "
        "0 nháp); 3 dòng không thay đổi." in out
    )
    after = figures()
    assert after[("ho_so_dung_han", "STP", "2021-Q1")] == (
        1299,
        1300,
        None,
        None,
        "",
        "submitted",
        2,
    )
    assert after[("par_index", "89", "2021")][5:] == ("approved", 1)
    assert Measurement.history.count() == 5


def test_an_import_over_a_demo_figure_makes_it_real_only_where_it_changes(db, tmp_path, measure):
    """A changed demo figure becomes real (regenerating the demo figures keeps it); one whose
    values the file repeats is not written at all, so it stays demo, with its status."""
    demo = measure("ho_so_dung_han", "STP", "2021-Q1", 1234, 1300)
    other = measure("hai_long_ket_qua", "STP", "2021-Q1", 5, 10)
    Measurement.objects.filter(pk__in=[demo.pk, other.pk]).update(is_demo=True)
    rows = [
        GOOD_ROWS[0],  # the same numbers as the demo figure
        ["2021-Q1", "STP", "hai_long_ket_qua", "9", "10", "", "", ""],
    ]
    out, _ = run(write_csv(tmp_path / "a.csv", rows), "--status", "draft")
    assert "Đã nhập 1 số liệu thay đổi" in out and "1 dòng không thay đổi" in out
    demo.refresh_from_db()
    other.refresh_from_db()
    assert (demo.is_demo, demo.version, demo.status) == (True, 1, "submitted")
    assert (other.numerator, other.is_demo, other.status) == (9, False, "submitted")
    call_command("seed_demo", "--reset", stdout=io.StringIO())
    other.refresh_from_db()
    assert (other.numerator, other.is_demo) == (9, False)


@pytest.mark.parametrize("submit", [False, True], ids=["drafts", "sent"])
def test_planning_an_import_takes_a_fixed_number_of_queries(db, submit, staff):
    """Sent figures are also compared with the previous quarter's (one more query), and a user's
    rows with the agencies they may enter (one more)."""
    communes = list(Agency.objects.filter(level="xa").values_list("code", flat=True))
    for code in communes:
        Measurement.objects.create(
            indicator=Indicator.objects.get(code="ho_so_dung_han"),
            agency=Agency.objects.get(code=code),
            period=Period.objects.get(code="2021-Q1"),
            numerator=1,
            denominator=2,
        )

    def queries(n_rows):
        rows = [
            (
                number,
                {
                    **dict.fromkeys(COLUMNS),
                    "period": "2021-Q2",
                    "agency_code": code,
                    "indicator_code": "ho_so_dung_han",
                    "numerator": "1",
                    "denominator": "3",
                },
            )
            for number, code in enumerate(communes[:n_rows], start=2)
        ]
        with CaptureQueriesContext(connection) as ctx:
            plan = plan_import(rows, submit=submit, user=staff)
        assert plan.ok and len(plan.changes) == n_rows
        return len(ctx.captured_queries)

    queries(1)  # the user's permissions are read once and kept on the user
    assert queries(3) == queries(60)


def test_plan_import_does_not_write(db):
    rows = [(2, dict(zip(HEADER, GOOD_ROWS[0], strict=True)))]
    plan = plan_import(rows)
    assert len(plan.changes) == 1 and plan.changes[0].old is None
    assert plan.changes[0].indicator == Indicator.objects.get(code="ho_so_dung_han")
    assert plan.changes[0].period == Period.objects.get(code="2021-Q1")
    assert not Measurement.objects.exists()


def test_new_figures_get_their_first_history_row(db, tmp_path, staff):
    """New figures are written with COPY: each has one "+" history row with its values, the
    importing user and the same moment; a later change through the ORM adds a "~" row."""
    plan = plan_import(
        read_table(write_csv(tmp_path / "a.csv", GOOD_ROWS).read_bytes(), "a.csv", 10), submit=True
    )
    assert apply_import(plan, user=staff) == 4
    history = list(Measurement.history.order_by("history_id"))
    assert [h.history_type for h in history] == ["+"] * 4
    for h in history:
        m = Measurement.objects.get(pk=h.id)
        assert (h.numerator, h.denominator, h.rank, h.score, h.note, h.status, h.version) == (
            m.numerator,
            m.denominator,
            m.rank,
            m.score,
            m.note,
            m.status,
            m.version,
        )
        assert h.history_user == staff and m.entered_by == staff
        assert h.history_date == history[0].history_date == m.entered_at
    m = Measurement.objects.get(agency__code="STP", period__code="2021-Q1")
    m.numerator = 1000
    m.save()
    assert list(m.history.values_list("history_type", flat=True)) == ["~", "+"]
    # the sequence was advanced: a figure created afterwards gets a fresh id
    again = Measurement.objects.create(
        indicator=m.indicator,
        agency=Agency.objects.get(code="SNV"),
        period=m.period,
        numerator=1,
        denominator=1,
    )
    assert again.pk > max(h.id for h in history)


# --- The command obeys the browser's locks, workflow and permissions ----------------------------


def test_the_command_refuses_locked_periods_and_approved_figures(db, tmp_path, measure):
    """The same refusals as the upload page, as row errors: nothing is imported, the good rows
    neither. A row equal to an approved figure changes nothing and is not an error."""
    approved = measure("ho_so_dung_han", "STP", "2021-Q1", 1000, 1300, status="approved")
    equal = measure("hai_long_ket_qua", "STP", "2021-Q1", 9, 10, status="approved")
    Period.objects.filter(code="2021-Q2").update(locked=True)
    before, history = figures(), Measurement.history.count()
    rows = [
        GOOD_ROWS[0],  # row 2: changes the approved figure
        GOOD_ROWS[1],  # row 3: fine
        GOOD_ROWS[2],  # row 4: a new figure in the locked Q2
        ["2021-Q1", "STP", "hai_long_ket_qua", "9", "10", "", "", ""],  # row 5: unchanged
    ]
    message, err = run_failing(write_csv(tmp_path / "a.csv", rows))
    assert err.splitlines() == [
        "Dòng 2: Số liệu đã được duyệt và đang khóa; Sở Nội vụ có thể mở lại kèm lý do.",
        "Dòng 4: Kỳ Quý II/2021 đã khóa sổ, không thể nhập hoặc sửa số liệu.",
    ]
    assert message == "2 lỗi; chưa nhập dòng nào."
    assert figures() == before and Measurement.history.count() == history
    approved.refresh_from_db()
    equal.refresh_from_db()
    assert (approved.numerator, approved.status, equal.status) == (1000, "approved", "approved")


def test_the_command_follows_the_workflow_for_sent_figures(db, tmp_path, measure):
    sent = measure("ho_so_dung_han", "STP", "2021-Q1", 1000, 1300, status="submitted")
    draft = measure("hai_long_ket_qua", "STP", "2021-Q1", 1, 10, status="returned")
    rows = [GOOD_ROWS[0], ["2021-Q1", "STP", "hai_long_ket_qua", "9", "10", "", "", ""]]
    out, _ = run(write_csv(tmp_path / "a.csv", rows), "--status", "draft")
    sent.refresh_from_db()
    draft.refresh_from_db()
    assert (sent.numerator, sent.status) == (1234, "submitted")  # a correction, sent again
    assert (draft.numerator, draft.status) == (9, "draft")
    assert "trong đó 1 số đã gửi được sửa và gửi lại; 1 nháp" in out


def test_the_command_asks_for_a_note_on_a_sharp_change_sent(db, tmp_path, measure):
    measure("ho_so_dung_han", "STP", "2021-Q1", 1300, 1300)
    row = ["2021-Q2", "STP", "ho_so_dung_han", "100", "1300", "", "", ""]
    _, err = run_failing(write_csv(tmp_path / "a.csv", [row]))
    assert err.strip() == (
        "Dòng 2: giải trình: Số liệu thay đổi hơn 30 điểm phần trăm so với kỳ trước: vui lòng "
        "ghi giải trình trước khi gửi."
    )
    run(write_csv(tmp_path / "b.csv", [[*row[:6], "Thiếu cán bộ", ""]]))
    assert Measurement.objects.filter(period__code="2021-Q2").exists()


def test_the_command_as_a_user_checks_every_row_and_records_who(db, tmp_path, officer_a, measure):
    other = measure("van_ban_tren_mang", "30280", "2021-Q1", 55, 100, note="Mạng chậm")
    message, err = run_failing(write_csv(tmp_path / "a.csv", GOOD_ROWS), "--user", "canbo.stp")
    # Rows 3 and 5 are other agencies'; row 3 equals the stored figure and is refused as well.
    assert err.splitlines() == [
        "Dòng 3: bạn không có quyền nhập số liệu cho đơn vị “30280”.",
        "Dòng 5: bạn không có quyền nhập số liệu cho đơn vị “89”.",
    ]
    assert Measurement.objects.get() == other
    run(write_csv(tmp_path / "b.csv", [GOOD_ROWS[0], GOOD_ROWS[2]]), "--user", "canbo.stp")
    mine = Measurement.objects.filter(agency__code="STP")
    assert mine.count() == 2 and {m.entered_by for m in mine} == {officer_a}
    assert {h.history_user for h in Measurement.history.filter(agency__code="STP")} == {officer_a}


@pytest.mark.parametrize("username", ["khong.co.ai", "lanhdao"])
def test_the_command_refuses_an_unknown_user_or_one_who_may_not_enter(
    db, tmp_path, leader, username
):
    message, _ = run_failing(write_csv(tmp_path / "a.csv", GOOD_ROWS), "--user", username)
    assert username in message
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_benchmark_files_import_with_the_benchmarks_options(
    db, tmp_path, measure, suffix, staff
):
    """bench/import_timing.py writes its files and command line as here: every row new and
    sent; generated rates jump between quarters, and the notes it writes explain them."""
    from bench import import_timing

    measure("ho_so_dung_han", "STP", "2021-Q1", 20, 100)
    rows = [
        (0, "2021-Q2", "STP", "ho_so_dung_han", 90, 100),
        (0, "2021-Q2", "SNV", "dvc_tich_hop", 3, 5),
    ]
    path = tmp_path / f"import-2{suffix}"
    import_timing._write(rows, path)
    command = import_timing.import_command(path)
    assert command[1:3] == ["manage.py", "import_measurements"]
    out = io.StringIO()
    call_command(*command[2:], stdout=out, stderr=io.StringIO())
    assert "Đã nhập 2 số liệu thay đổi (2 đã gửi" in out.getvalue()
    assert set(
        Measurement.objects.filter(period__code="2021-Q2").values_list("status", flat=True)
    ) == {"submitted"}


@pytest.mark.parametrize("submit", [False, True])
@pytest.mark.parametrize("stored", ["submitted", "approved"])
def test_no_import_takes_a_counted_figure_out(db, measure, stored, submit):
    """A counted figure changed by a file stays counted (a correction of a sent one is sent
    again) or is refused (an approved one is locked), whether or not the file is sent."""
    measure("ho_so_dung_han", "STP", "2021-Q1", 1000, 1300, status=stored)
    row = {**dict(zip(HEADER, GOOD_ROWS[0], strict=True)), "numerator": "1001", "note": "x"}
    plan = plan_import([(2, row)], submit=submit)
    assert not any(change.withdraws for change in plan.changes)
    assert [c.status for c in plan.changes] == ([] if stored == "approved" else ["submitted"])


def test_apply_import_refuses_a_plan_that_takes_a_counted_figure_out(db, measure):
    """The guard behind that rule: such a plan is refused whole, nothing written."""
    sent = measure("ho_so_dung_han", "STP", "2021-Q1", 1000, 1300)
    row = {**dict(zip(HEADER, GOOD_ROWS[0], strict=True)), "numerator": "1001", "note": "x"}
    plan = plan_import([(2, row)])
    plan.changes[0].status = "draft"
    with pytest.raises(ValueError, match="counted figures"):
        apply_import(plan)
    sent.refresh_from_db()
    assert (sent.numerator, sent.status) == (1000, "submitted")


def test_sending_by_command_takes_a_person(db, tmp_path):
    """Without --user the command only loads drafts: a sent figure needs a sender, who then may
    not approve it."""
    path = write_csv(tmp_path / "a.csv", [GOOD_ROWS[0]])
    with pytest.raises(CommandError, match="Gửi số liệu cần người gửi"):
        call_command("import_measurements", str(path), stdout=io.StringIO())
    assert not Measurement.objects.exists()
    call_command("import_measurements", str(path), "--status", "draft", stdout=io.StringIO())
    m = Measurement.objects.get()
    assert (m.status, m.entered_by) == ("draft", None)


def test_who_sent_by_command_does_not_approve(tmp_path, importer):
    run(write_csv(tmp_path / "a.csv", [GOOD_ROWS[0]]))
    m = Measurement.objects.get()
    assert m.status == "submitted"
    with pytest.raises(workflow.SelfApproval):
        workflow.measurement_approve(measurement=m, version=m.version, user=importer)
