"""Broken and hostile import files (issue #8), through the browser upload and the command line
(they share ``indicators.import_files.read_table``): each is refused with a clear Vietnamese
message and nothing is written, or read correctly; memory stays bounded."""

import io
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
    assert "Đã nhập 2 dòng thay đổi" in out and err == ""
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


def test_unclosed_quote_in_csv(db):
    data = (HEADER + '\n2021-Q1,STP,"ho_so_dung_han,1,2,,\n').encode()
    rows = list(read_table(data, "a.csv", 10))  # csv reads to the end: one odd row, no crash
    assert len(rows) == 1


def test_xlsx_note_that_is_a_number_and_notes_too_long(db, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook([[Q2, "STP", "ho_so_dung_han", 95, 100, None, 5, None]]))
    run(path)
    assert Measurement.objects.get().note == "5"
    path.write_bytes(workbook([[Q2, "SNV", "ho_so_dung_han", 95, 100, None, "x" * 2001, None]]))
    _, err = run_failing(path)
    assert err.strip() == "Dòng 2: giải trình dài quá 2.000 ký tự."
    assert Measurement.objects.count() == 1
