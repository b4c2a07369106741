"""Broken and hostile import files (issue #8), through the browser upload and the command line
(they share ``indicators.import_files.read_table``): each is refused with a clear Vietnamese
message and nothing is written, or read correctly; memory stays bounded."""

import io
import time
import tracemalloc
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators.import_files import ImportFileError, read_table
from indicators.models import Measurement
from tests.test_imports import COLUMNS, figures, run, run_failing

Q2 = "2021-Q2"
HEADER = ",".join(COLUMNS)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, content, name="so-lieu.xlsx"):
    return client.post(reverse("excel-upload"), {"file": SimpleUploadedFile(name, content)})


def workbook(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, extra: dict | None = None, drop=()) -> bytes:
    """The workbook ``data`` with members added (name → bytes) or left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename not in drop:
                target.writestr(item, source.read(item.filename), zipfile.ZIP_DEFLATED)
        for name, content in (extra or {}).items():
            target.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


GOOD_XLSX_ROW = [Q2, "STP", "ho_so_dung_han", 95, 100, None, "", None]


# --- Excel files that are not what they say -----------------------------------------------------


def _corrupted() -> bytes:
    data = bytearray(workbook([GOOD_XLSX_ROW]))
    middle = len(data) // 2
    data[middle : middle + 200] = b"\x00" * 200
    return bytes(data)


def _not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "một tệp zip, không phải sổ Excel")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("so-lieu.xlsx", b"%PDF-1.4 a PDF renamed", "tệp hỏng hoặc không phải tệp Excel"),
        ("so-lieu.xlsx", b"period,agency_code\n", "tệp hỏng hoặc không phải tệp Excel"),
        ("so-lieu.xlsx", _corrupted(), "tệp hỏng hoặc không phải tệp Excel"),
        ("so-lieu.xlsx", workbook([GOOD_XLSX_ROW])[:-100], "tệp hỏng hoặc không phải tệp Excel"),
        ("so-lieu.xlsx", _not_a_workbook(), "tệp hỏng hoặc không phải tệp Excel"),
        ("so-lieu.xlsm", workbook([GOOD_XLSX_ROW]), "Tệp có macro (VBA) không được nhận"),
        (
            "so-lieu.xlsx",
            rezip(workbook([GOOD_XLSX_ROW]), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"}),
            "Tệp có macro (VBA) không được nhận",
        ),
    ],
    ids=["pdf", "csv-text", "corrupted", "truncated", "zip-not-workbook", "xlsm", "vba-member"],
)
def test_files_that_are_not_plain_workbooks_are_refused(client, officer_a, name, content, message):
    client.force_login(officer_a)
    response = upload(client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Measurement.objects.exists()


def test_the_command_line_refuses_them_too(db, tmp_path):
    path = tmp_path / "so-lieu.xlsx"
    path.write_bytes(_corrupted())
    message, _ = run_failing(path)
    assert "tệp hỏng hoặc không phải tệp Excel" in message
    path.write_bytes(rezip(workbook([GOOD_XLSX_ROW]), {"xl/vbaProject.bin": b"macro"}))
    assert "macro" in run_failing(path)[0]
    assert not Measurement.objects.exists()


def test_zip_bomb_is_refused_from_the_directory(client, officer_a, monkeypatch):
    """A 30 MB sheet of zeros compresses about a thousand times: refused before extraction."""
    bomb = rezip(
        workbook([GOOD_XLSX_ROW]),
        {"xl/worksheets/sheet9.xml": b"\x00" * (30 * 1024 * 1024)},
    )
    assert len(bomb) < 100_000
    client.force_login(officer_a)
    response = upload(client, bomb)
    assert response.status_code == 400
    assert "zip bomb" in response.content.decode()
    # the total declared size is checked too, whatever the ratio
    monkeypatch.setattr("indicators.import_files.MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(ImportFileError, match="zip bomb"):
        list(read_table(workbook([GOOD_XLSX_ROW]), "a.xlsx", 10))
    assert not Measurement.objects.exists()


def test_a_directory_that_lies_about_sizes_is_refused(db):
    """A member declaring fewer bytes than it holds: zipfile stops at the declared size and
    the checksum fails, so the file is refused as damaged, never read past what was checked."""
    data = bytearray(workbook([GOOD_XLSX_ROW]))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # central directory entries
    while (
        data[entry + 46 : entry + 46 + int.from_bytes(data[entry + 28 : entry + 30], "little")]
        != name
    ):
        entry = data.find(b"PK\x01\x02", entry + 4)
    declared = int.from_bytes(data[entry + 24 : entry + 28], "little")
    data[entry + 24 : entry + 28] = (declared // 10).to_bytes(4, "little")
    with pytest.raises(ImportFileError, match="tệp hỏng"):
        list(read_table(bytes(data), "a.xlsx", 10))


def test_formulas_are_refused_naming_the_cell(client, officer_a, tmp_path):
    content = workbook([[Q2, "STP", "ho_so_dung_han", "=90+5", 100, None, "", None]])
    client.force_login(officer_a)
    response = upload(client, content)
    assert response.status_code == 400
    assert "Ô D2 chứa công thức" in response.content.decode()
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    assert "Ô D2 chứa công thức" in run_failing(path)[0]
    assert not Measurement.objects.exists()


# --- Size and rows ------------------------------------------------------------------------------


def test_a_50_megabyte_upload_is_refused_with_a_message(client, officer_a):
    client.force_login(officer_a)
    big = (HEADER + "\n").encode() + b"2021-Q2,STP,ho_so_dung_han,1,2,,\n" * 1_600_000
    assert len(big) > 50 * 1024 * 1024
    response = upload(client, big, "so-lieu.csv")
    assert response.status_code == 400
    assert "Tệp quá lớn: tối đa 10 MB." in response.content.decode()
    assert not Measurement.objects.exists()


def test_the_command_line_has_the_size_limit_too(db, tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    path = tmp_path / "a.csv"
    path.write_bytes((HEADER + "\n").encode() + b"2021-Q2,STP,ho_so_dung_han,1,2,,\n" * 40_000)
    assert "Tệp quá lớn: tối đa 1 MB." in run_failing(path)[0]


def test_a_million_rows_are_refused_at_the_row_limit_without_reading_them_all(
    db, tmp_path, settings
):
    """The file is written lazily to disk; the command stops at the limit, and the reader's
    peak memory stays far below what a million parsed rows would take (hundreds of MB)."""
    path = tmp_path / "million.csv"
    line = b"2021-Q2,STP,ho_so_dung_han,1,2,,\n"
    with path.open("wb") as handle:
        handle.write((HEADER + "\n").encode())
        for _ in range(100):
            handle.write(line * 10_000)
    settings.IMPORT_MAX_BYTES = 100 * 1024 * 1024
    settings.IMPORT_MAX_ROWS = 5_000
    message, _ = run_failing(path)
    assert message == "Tệp có quá nhiều dòng (tối đa 5.000 dòng)."
    tracemalloc.start()
    with path.open("rb") as handle:
        rows = read_table(handle, path.name, 5_000)
        with pytest.raises(ImportFileError, match="quá nhiều dòng"):
            for _ in rows:
                pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 1024 * 1024
    assert not Measurement.objects.exists()


def test_the_row_limit_counts_data_rows_only(db):
    data = (HEADER + "\n\n\n" + "2021-Q2,STP,ho_so_dung_han,1,2,,\n" * 3).encode()
    assert len(list(read_table(data, "a.csv", 3))) == 3
    with pytest.raises(ImportFileError, match="tối đa 2 dòng"):
        list(read_table(data, "a.csv", 2))


# --- CSV dialects and encodings -----------------------------------------------------------------

ROWS = [
    ("2021-Q1", "STP", "ho_so_dung_han", "1.234", "1.300", "", "Hồ sơ trễ do mất điện"),
    ("2021", "89", "par_index", "", "", "12", ""),
]
EXPECTED = {
    ("ho_so_dung_han", "STP", "2021-Q1"): (
        1234,
        1300,
        None,
        None,
        "Hồ sơ trễ do mất điện",
        "submitted",
        1,
    ),
    ("par_index", "89", "2021"): (None, None, 12, Decimal("81.540"), "", "submitted", 1),
}


def _csv(delimiter=",") -> str:
    lines = [delimiter.join([*COLUMNS, "score"])]
    lines += [delimiter.join([*row, "81,54" if row[2] == "par_index" else ""]) for row in ROWS]
    if delimiter == ",":  # the score's decimal comma must then be quoted
        lines[2] = lines[2].replace("81,54", '"81,54"')
    return "\r\n".join(lines) + "\r\n"


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Text as a Vietnamese Windows program saves it: Windows-1258 has the letters â, ê, ô, ơ,
    ư, ă, đ but not the tones, which follow their letter as combining marks (“ệ” = “ê” + ◌̣)."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out.append((base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: text.encode("utf-8-sig"),
        lambda text: to_cp1258(text),
    ],
    ids=["utf-8", "utf-8-bom", "windows-1258"],
)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_encodings_and_delimiters_are_read_correctly(db, tmp_path, encode, delimiter):
    path = tmp_path / "so-lieu.csv"
    path.write_bytes(encode(_csv(delimiter)))
    out, err = run(path)
    assert "Đã nhập 2 số liệu thay đổi" in out and err == ""
    assert figures() == EXPECTED  # the note is stored precomposed (NFC), whatever the file had


def test_csv_row_with_nul_or_control_characters_is_refused_by_row(db, tmp_path):
    path = tmp_path / "a.csv"
    text = HEADER + "\n2021-Q1,STP,ho_so_dung_han,1,2,,ghi\x00chú\n2021-Q1,SNV\x07,x,1,2,,\n"
    path.write_bytes(text.encode())
    _, err = run_failing(path)
    assert err.splitlines() == [
        "Dòng 2: cột note có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).",
        "Dòng 3: cột agency_code có ký tự điều khiển không hợp lệ (ví dụ ký tự NUL).",
    ]
    assert not Measurement.objects.exists()


@pytest.mark.parametrize(
    ("body", "row"),
    [
        ('2021-Q1,STP,"ho_so_dung_han,1,2,,\n', 2),  # never closed: it would swallow the file
        ('2021-Q1,STP,ho_so_dung_han,1,2,,\n2021-Q1,SNV,"ho_so_dung_han,1,2,,\n2021,89,x\n', 3),
        ('2021-Q1,STP,ho_so_dung_han,1,2,,"ghi" chú\n', 2),  # text after the closing quote
    ],
    ids=["unclosed", "unclosed-later", "after-closing"],
)
def test_bad_quotes_in_csv_are_refused_with_the_row(db, tmp_path, body, row):
    data = (HEADER + "\n" + body).encode()
    with pytest.raises(ImportFileError) as excinfo:
        list(read_table(data, "a.csv", 10))
    assert str(excinfo.value).startswith(f"Tệp CSV sai định dạng ở dòng {row}: dấu ngoặc kép")
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    assert f"dòng {row}" in run_failing(path)[0]
    assert not Measurement.objects.exists()


def test_quotes_used_properly_are_read(db):
    data = (HEADER + '\n2021-Q1,STP,ho_so_dung_han,1,2,,"ghi ""chú"", dài\nhai dòng"\n').encode()
    assert [values["note"] for _, values in read_table(data, "a.csv", 10)] == [
        'ghi "chú", dài\nhai dòng'
    ]


SHIFT_JIS_ROW = "2021-Q2,STP,ho_so_dung_han,1,2,,テストです\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # Shift-JIS: decodes as cp1258 without error ("ƒeƒXƒg‚Å‚·"), but is not Vietnamese
        ((HEADER + "\n" + SHIFT_JIS_ROW).encode("shift_jis"), "Không đọc được tệp CSV (dòng 2)"),
        # a letter cp1258 has and Vietnamese does not, on the third line
        (
            (HEADER + "\n2021-Q2,STP,ho_so_dung_han,1,2,,\n2021-Q2,SNV,x,1,2,,Ärger\n").encode(
                "cp1258"
            ),
            "Không đọc được tệp CSV (dòng 3)",
        ),
        # a tone mark on a consonant: cp1258 bytes, not Vietnamese text
        ((HEADER + "\n2021-Q2,STP,x,1,2,,n").encode() + b"\xec\n", "(dòng 2)"),
        ((HEADER + "\n" + SHIFT_JIS_ROW).encode("utf-16"), "UTF-16"),  # with its BOM
        ((HEADER + "\n" + SHIFT_JIS_ROW).encode("utf-16-be"), "UTF-16"),  # no BOM
        ((HEADER + "\n" + SHIFT_JIS_ROW).encode("utf-16-le"), "UTF-16"),  # no BOM
        ((HEADER + "\n" + SHIFT_JIS_ROW).encode("utf-32"), "UTF-16"),
    ],
    ids=["shift-jis", "latin-letter", "stray-tone", "utf-16", "utf-16-be", "utf-16-le", "utf-32"],
)
def test_csv_that_does_not_decode_cleanly_is_refused_saying_what_is_expected(
    client, officer_a, tmp_path, content, message
):
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    text, _ = run_failing(path)
    assert message in text and "CSV UTF-8" in text and "Thiếu cột" not in text
    client.force_login(officer_a)
    response = upload(client, content, "so-lieu.csv")
    page = response.content.decode()
    assert response.status_code == 400 and message in page and "CSV UTF-8" in page
    assert not Measurement.objects.exists()


def test_windows_1258_with_typographic_punctuation_is_read(db, tmp_path):
    note = "Giải trình: “mất điện” – 2 ngày… phí 5.000₫"
    path = tmp_path / "a.csv"
    path.write_bytes(to_cp1258(HEADER + f"\n2021-Q1,STP,ho_so_dung_han,1,2,,{note}\n"))
    run(path)
    assert Measurement.objects.get().note == note


def test_xlsx_note_that_is_a_number_and_notes_too_long(db, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook([[Q2, "STP", "ho_so_dung_han", 95, 100, None, 5, None]]))
    run(path)
    assert Measurement.objects.get().note == "5"
    path.write_bytes(workbook([[Q2, "SNV", "ho_so_dung_han", 95, 100, None, "x" * 2001, None]]))
    _, err = run_failing(path)
    assert err.strip() == "Dòng 2: giải trình dài quá 2.000 ký tự."
    assert Measurement.objects.count() == 1


# --- Columns, cells and time --------------------------------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"


def _sheet(rows: bytes, dimension: str | None = None) -> bytes:
    """A workbook whose first sheet is ``rows`` (the XML of its ``<row>`` elements) after our
    columns' header, written directly: building millions of cells with openpyxl would take
    minutes, the XML takes a second."""
    header = b"".join(
        b'<c r="%s1" t="inlineStr"><is><t>%s</t></is></c>' % (letter.encode(), name.encode())
        for letter, name in zip("ABCDEFGH", [*COLUMNS, "score"], strict=True)
    )
    xml = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (b'<dimension ref="%s"/>' % dimension.encode() if dimension else b"")
        + b'<sheetData><row r="1">'
        + header
        + b"</row>"
        + rows
        + b"</sheetData></worksheet>"
    )
    return rezip(workbook([GOOD_XLSX_ROW]), {SHEET: xml}, drop=(SHEET,))


def _wide_row(cells: int) -> bytes:
    """One row of ``cells`` numbers, without cell references (openpyxl counts them along), as
    the hostile file had: varied values, so that it compresses like a real sheet (about 8
    times), not like a zip bomb."""
    return b'<row r="2">' + b"".join([b"<c><v>%d</v></c>" % i for i in range(cells)]) + b"</row>"


@pytest.mark.parametrize("dimension", [None, "A1:H2"], ids=["no-dimension", "dimension"])
def test_a_workbook_with_one_very_wide_row_is_refused_at_the_column_cap(
    client, officer_a, tmp_path, dimension
):
    """The file of the report: one row of millions of cells exhausted a worker. Reading stops
    at the first cell past column 50, whether openpyxl meets it while sizing the sheet as it
    loads (no dimension stated) or while reading its rows; memory stays small."""
    content = _sheet(_wide_row(1_000_000), dimension)
    assert len(content) < 5 * 1024 * 1024  # under the upload's size cap: only the cells tell
    tracemalloc.start()
    with pytest.raises(ImportFileError) as excinfo:
        list(read_table(content, "a.xlsx", 20_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(excinfo.value).startswith(
        "Tệp có quá nhiều cột: ô AY2 nằm sau cột AX (tối đa 50 cột)."
    )
    assert peak < 10 * 1024 * 1024
    client.force_login(officer_a)
    response = upload(client, content)
    assert response.status_code == 400 and "Tệp có quá nhiều cột" in response.content.decode()
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    assert "Tệp có quá nhiều cột" in run_failing(path)[0]
    assert not Measurement.objects.exists()


def test_a_value_past_the_last_column_is_refused_naming_its_cell(db):
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(GOOD_XLSX_ROW[:7])
    sheet["AY3"] = "lạc chỗ"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ImportFileError, match="ô AY3 nằm sau cột AX"):
        list(read_table(buffer.getvalue(), "a.xlsx", 10))


def test_fifty_columns_are_read(db):
    header = [*COLUMNS, *[f"thêm {n}" for n in range(50 - len(COLUMNS))]]
    rows = list(read_table(workbook([GOOD_XLSX_ROW[:7] + ["x"] * 43], header), "a.xlsx", 10))
    assert len(rows) == 1 and rows[0][1]["thêm 42"] == "x"


def test_the_cells_in_all_are_capped(db):
    """Rows of empty cells are not data rows (the row cap does not see them); the cell cap,
    (rows + 1) × 50, does."""
    empty = b"".join(
        b'<row r="%d">' % r
        + b"".join(b'<c r="%s%d" s="0"/>' % (c.encode(), r) for c in "ABCDE")
        + b"</row>"
        for r in range(2, 40)
    )
    content = _sheet(empty)
    assert list(read_table(content, "a.xlsx", 10)) == []  # 8 + 38 × 5 = 198 cells ≤ 550
    with pytest.raises(ImportFileError, match=r"Tệp có quá nhiều ô \(tối đa 150 ô\)"):
        list(read_table(content, "a.xlsx", 2))


def test_a_csv_line_of_too_many_fields_is_refused(db):
    data = (HEADER + "\n" + "2021-Q1,STP,ho_so_dung_han,1,2,," + "," * 60 + "\n").encode()
    with pytest.raises(ImportFileError, match="Tệp có quá nhiều cột"):
        list(read_table(data, "a.csv", 10))


def test_a_stated_sheet_size_is_not_trusted(db):
    """A sheet may state a size smaller than its rows (openpyxl would then drop the rows after
    it and cut the header), or far larger (it would pad every row to it)."""
    row = (
        b'<row r="2">'
        + b"".join(
            b'<c r="%s2"%s>%s</c>' % (c.encode(), t, v)
            for c, t, v in [
                ("A", b' t="inlineStr"', b"<is><t>2021-Q2</t></is>"),
                ("B", b' t="inlineStr"', b"<is><t>STP</t></is>"),
                ("C", b' t="inlineStr"', b"<is><t>ho_so_dung_han</t></is>"),
                ("D", b"", b"<v>95</v>"),
                ("E", b"", b"<v>100</v>"),
            ]
        )
        + b"</row>"
    )
    for dimension in ("A1:C1", "A1:XFD1048576"):
        rows = list(read_table(_sheet(row, dimension), "a.xlsx", 10))
        assert [(n, r["agency_code"], r["numerator"]) for n, r in rows] == [(2, "STP", 95)]


def test_reading_stops_at_the_deadline(client, officer_a, settings):
    past = time.monotonic() - 1
    csv_data = (HEADER + "\n2021-Q2,STP,ho_so_dung_han,1,2,,\n").encode()
    for data, name in ((workbook([GOOD_XLSX_ROW]), "a.xlsx"), (csv_data, "a.csv")):
        with pytest.raises(ImportFileError, match="Đã dừng đọc tệp vì quá"):
            list(read_table(data, name, 10, deadline=past))
        assert len(list(read_table(data, name, 10, deadline=time.monotonic() + 60))) == 1
    settings.IMPORT_MAX_SECONDS = 0
    client.force_login(officer_a)
    response = upload(client, workbook([GOOD_XLSX_ROW]))
    assert response.status_code == 400
    assert "Đã dừng đọc tệp vì quá 0 giây" in response.content.decode()
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("write_only", [False, True], ids=["dimension", "no-dimension"])
def test_cells_are_counted_in_one_pass(db, monkeypatch, write_only):
    """openpyxl reads a whole sheet twice when it states no dimension (write-only files): once
    to size it while loading, once for its rows. The cells are counted in the first pass that
    reads the sheet to its end, not again."""
    from indicators import import_files

    seen = []
    start = import_files._CellCounter.start

    def spy(self, name, attrs):
        if name == import_files.CELL_TAG:
            seen.append(attrs.get("r"))
        start(self, name, attrs)

    monkeypatch.setattr(import_files._CellCounter, "start", spy)
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(COLUMNS)
    for _ in range(30):
        sheet.append(GOOD_XLSX_ROW[:7])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert (b"<dimension" in archive.read("xl/worksheets/sheet1.xml")) != write_only
    assert len(list(read_table(buffer.getvalue(), "a.xlsx", 100))) == 30
    assert len(seen) == 7 + 30 * 6  # the empty "value" cells are not written
