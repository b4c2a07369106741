"""Reading an import file (CSV or XLSX) without trusting it. The browser upload and the command
line share this reader; each refusal is one Vietnamese sentence (``ImportFileError``).

Rules:
- Size: at most ``settings.IMPORT_MAX_BYTES`` bytes, checked before anything is parsed.
- Rows: at most ``max_rows`` data rows. Rows are read one at a time and reading stops at the
  first row over the limit, so a file of a million rows is refused without being held in memory.
- Columns and cells: at most ``MAX_COLUMNS`` columns (our template has 13), and at most
  ``(max_rows + 1) × MAX_COLUMNS`` cells in all. A workbook is counted while it is read: each
  worksheet part goes, once, through a second streaming XML parser (expat, nothing kept) as
  openpyxl first reads it (``_CappedZip``), which stops at the first cell past column
  ``MAX_COLUMNS`` (empty or not: openpyxl builds a whole row before it hands it over, so one
  row of millions of cells exhausted a worker) or past the cell cap, before openpyxl has
  parsed it. The sheet's stated dimension is not trusted either (``_xlsx_rows``). A CSV line of more
  fields than ``MAX_COLUMNS`` is refused too (the 10 MB cap already bounds its parse).
- Time: with a ``deadline`` (``time.monotonic()``, the browser passes
  ``settings.IMPORT_MAX_SECONDS``), reading stops once it has passed, with a message.
- CSV encodings: UTF-8, with or without a byte order mark; otherwise Windows-1258 (the
  Vietnamese Windows code page, Python's ``cp1258``), and only if the text it gives is
  plausibly Vietnamese: after NFC, every non-ASCII character must be a letter of the
  Vietnamese alphabet (a, ă, â, … ư, y with their tones, đ) or common punctuation (“ ” – … ₫
  and a few more, ``CP1258_PUNCTUATION``). Any bytes decode as cp1258 except nine; a file in
  another code page (Shift-JIS, say) turns into letters like “ƒ”, “Œ”, “Ä” or tone marks on
  consonants, which are refused with the line number, never imported as mojibake. (Very
  short foreign text can still look Vietnamese: 日本 in Shift-JIS reads “ú–{.) Windows-1252
  is not tried: the two share their letters and digits, and cp1258 is what a Vietnamese
  Excel saves. UTF-16 and UTF-32 (Excel's "Unicode Text": a byte order mark, or NUL bytes
  in a quarter or more of the first 4 KB, where ASCII text in UTF-16 is half NULs) are
  refused with a message saying to save as “CSV UTF-8”, not read as missing columns.
- CSV syntax: the delimiter is a comma or a semicolon, whichever the header line holds more
  of (Excel in Vietnamese saves with ``;``). Quotes are read strictly: an unclosed quote, or
  text after a closing quote, is refused with the row number, not read as one odd cell.
- XLSX: it must be a zip archive holding a workbook (``[Content_Types].xml`` and
  ``xl/workbook.xml``). Macros (``.xlsm``, a ``vbaProject.bin`` member) are refused. Against zip
  bombs the directory is checked before extraction (total uncompressed size at most
  ``MAX_UNZIPPED_BYTES``, each large member compressed at most ``MAX_RATIO`` times). A directory
  that lies is harmless: Python's ``zipfile`` (which openpyxl uses) never yields more than a
  member's declared size and fails on the checksum. openpyxl reads in read-only (streaming)
  mode.
- Formulas: a cell holding a formula is refused with its address. We never evaluate formulas,
  and we do not use the value Excel cached beside them either: a file written by another
  program may carry none or a stale one, and a figure must be what the file shows as typed.
- Text is put in Unicode NFC (cp1258 and some Mac programs use combining diacritics), and
  surrounding spaces are removed, before codes are matched.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext
from openpyxl.utils.cell import column_index_from_string, get_column_letter

from indicators.formatting import format_number
from indicators.text_input import normalize

COLUMNS = ["period", "agency_code", "indicator_code", "numerator", "denominator", "value", "note"]
OPTIONAL_COLUMNS = ["score"]

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # real sheets compress 5–30 times; a zip bomb thousands of times
RATIO_CHECKED_ABOVE = 1024 * 1024  # tiny members (styles, rels) may compress oddly well
CHUNK = 1024 * 1024
MAX_COLUMNS = 50
# Rows read between two looks at the clock.
CLOCK_EVERY = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, missing columns, too many rows)."""


def _size(source: BinaryIO) -> int:
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def _megabytes(limit: int) -> str:
    return format_number(max(1, limit // (1024 * 1024)))


class _Limits:
    """The caps of one reading: cells in all, and the time it may take."""

    def __init__(self, max_rows: int, deadline: float | None):
        self.max_cells = (max_rows + 1) * MAX_COLUMNS
        self.deadline = deadline

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ImportFileError(
                gettext(
                    "Đã dừng đọc tệp vì quá %(s)s giây: tệp quá lớn hoặc bất thường. Hãy chia "
                    "nhỏ tệp, hoặc chỉ giữ các cột của tệp mẫu, rồi tải lên lại."
                )
                % {"s": format_number(settings.IMPORT_MAX_SECONDS)}
            )

    def too_many_cells(self) -> ImportFileError:
        return ImportFileError(
            gettext("Tệp có quá nhiều ô (tối đa %(n)s ô): hãy xóa các dòng, cột thừa.")
            % {"n": format_number(self.max_cells)}
        )


def _too_many_columns(cell: str | None = None) -> ImportFileError:
    last = get_column_letter(MAX_COLUMNS)
    if cell:
        return ImportFileError(
            gettext(
                "Tệp có quá nhiều cột: ô %(cell)s nằm sau cột %(last)s (tối đa %(n)s cột). "
                "Hãy xóa các cột thừa (kể cả ô chỉ được tô màu hay kẻ khung) rồi lưu lại."
            )
            % {"cell": cell, "last": last, "n": MAX_COLUMNS}
        )
    return ImportFileError(
        gettext("Tệp có quá nhiều cột (tối đa %(n)s cột): hãy xóa các cột thừa rồi lưu lại.")
        % {"n": MAX_COLUMNS}
    )


def read_table(
    source: bytes | BinaryIO,
    filename: str,
    max_rows: int,
    max_bytes: int | None = None,
    deadline: float | None = None,
) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {column: value}) from a CSV or XLSX file (bytes or a binary file
    opened for reading). Row numbers are the file's own (the header is row 1). ``deadline``:
    a ``time.monotonic()`` after which reading stops (``ImportFileError``)."""
    if isinstance(source, bytes | bytearray):
        source = io.BytesIO(source)
    max_bytes = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    size = _size(source)
    if size > max_bytes:
        raise ImportFileError(
            gettext("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": _megabytes(max_bytes)}
        )
    if size == 0:
        raise ImportFileError(gettext("Tệp rỗng."))
    limits = _Limits(max_rows, deadline)
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(source, limits)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(source, limits)
    elif suffix in (".xlsm", ".xltm"):
        raise ImportFileError(_macro_message())
    else:
        raise ImportFileError(gettext("Chỉ nhận tệp .csv hoặc .xlsx."))
    yield from _records(rows, max_rows, limits)


def _records(rows: Iterable[list], max_rows: int, limits: _Limits) -> Iterator[tuple[int, dict]]:
    iterator = iter(rows)
    header = [_text(c).lower() if c is not None else "" for c in next(iterator, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            gettext("Thiếu cột: %(missing)s. Cần các cột: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
        )
    limits.check_time()
    count = 0
    for number, values in enumerate(iterator, start=2):
        if number % CLOCK_EVERY == 0:
            limits.check_time()
        values = [_text(v) if isinstance(v, str) else v for v in values]
        if all(v in (None, "") for v in values):
            continue
        count += 1
        if count > max_rows:
            raise ImportFileError(
                gettext("Tệp có quá nhiều dòng (tối đa %(n)s dòng).")
                % {"n": format_number(max_rows)}
            )
        yield (
            number,
            {name: values[i] if i < len(values) else None for i, name in enumerate(header) if name},
        )


def _text(value) -> str:
    return normalize(str(value).strip())


# --- CSV ----------------------------------------------------------------------------------------


def _vietnamese_letters() -> str:
    """Every letter of the Vietnamese alphabet, precomposed (NFC), both cases."""
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    letters = {"đ", "Đ"}
    for vowel in "aăâeêioôơuưy":
        for tone in tones:
            letter = unicodedata.normalize("NFC", vowel + tone)
            letters |= {letter, letter.upper()}
    return "".join(sorted(letters))


# Punctuation Vietnamese text typed in Windows may hold (cp1258 has them all).
CP1258_PUNCTUATION = "\u00a0‘’“”–—…•«»°·§±×÷²³½₫€"
# A character cp1258 gave that Vietnamese text does not hold (checked after NFC).
NOT_VIETNAMESE = re.compile(
    "[^\x00-\x7f" + re.escape(_vietnamese_letters() + CP1258_PUNCTUATION) + "]"
)


def _save_as_csv_utf8() -> str:
    return gettext(
        "Trong Excel, chọn Tệp › Lưu thành (Save As), kiểu tệp “CSV UTF-8 (Comma delimited) "
        "(*.csv)”, rồi tải tệp đó lên."
    )


def _encoding(source: BinaryIO) -> str:
    """'utf-8-sig' if the whole file is valid UTF-8 (read in chunks, nothing kept), else
    'cp1258' if it decodes as Windows-1258 into plausible Vietnamese (``NOT_VIETNAMESE``, read
    line by line); otherwise ``ImportFileError`` naming the first line that does not."""
    source.seek(0)
    head = source.read(4096)
    source.seek(0)
    nuls = head.count(b"\x00")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or nuls * 4 >= len(head):
        raise ImportFileError(
            gettext(
                "Tệp CSV được lưu bằng bảng mã UTF-16 (Excel gọi là “Unicode Text”); hệ thống "
                "chỉ đọc CSV bằng bảng mã UTF-8 hoặc Windows-1258."
            )
            + " "
            + _save_as_csv_utf8()
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while chunk := source.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        pass
    else:
        source.seek(0)
        return "utf-8-sig"
    source.seek(0)
    for number, line in enumerate(iter(source.readline, b""), start=1):
        try:
            text = unicodedata.normalize("NFC", line.decode("cp1258"))
        except UnicodeDecodeError:
            text = None
        if text is None or NOT_VIETNAMESE.search(text):
            raise ImportFileError(
                gettext(
                    "Không đọc được tệp CSV (dòng %(row)s): tệp không phải bảng mã UTF-8, cũng "
                    "không phải Windows-1258 (bảng mã tiếng Việt của Windows)."
                )
                % {"row": format_number(number)}
                + " "
                + _save_as_csv_utf8()
            )
    source.seek(0)
    return "cp1258"


def _csv_rows(source: BinaryIO, limits: _Limits) -> Iterator[list]:
    text = io.TextIOWrapper(source, encoding=_encoding(source), newline="")
    header = text.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    record = 0  # records read so far; the header is record 1, as rows are numbered
    cells = 0
    try:
        for values in csv.reader(_lines(header, text), delimiter=delimiter, strict=True):
            record += 1
            if len(values) > MAX_COLUMNS:
                raise _too_many_columns()
            cells += len(values)
            if cells > limits.max_cells:
                raise limits.too_many_cells()
            if record % CLOCK_EVERY == 0:
                limits.check_time()
            yield values
    except csv.Error as exc:
        if "field limit" in str(exc):
            message = gettext("Tệp CSV sai định dạng ở dòng %(row)s: một ô quá dài.")
        else:
            message = gettext(
                "Tệp CSV sai định dạng ở dòng %(row)s: dấu ngoặc kép mở mà không đóng, hoặc có "
                "chữ ngay sau dấu ngoặc kép đóng. Một ô có dấu ngoặc kép phải nằm trọn trong "
                'cặp ngoặc kép, và dấu ngoặc kép bên trong ô được viết hai lần ("").'
            )
        raise ImportFileError(message % {"row": format_number(record + 1)}) from exc
    finally:
        with contextlib.suppress(ValueError):  # already closed by its owner
            text.detach()  # the caller owns the file: do not close it with the wrapper


def _lines(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


# --- XLSX ---------------------------------------------------------------------------------------


def _macro_message() -> str:
    return gettext(
        "Tệp có macro (VBA) không được nhận: hãy lưu lại thành sổ làm việc Excel (.xlsx)."
    )


def _broken_message() -> str:
    return gettext("Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không phải tệp Excel.")


def check_workbook_archive(source: BinaryIO) -> None:
    """Refuse what is not a plain workbook, before openpyxl opens it: not a zip, a damaged
    zip, a zip without a workbook, a workbook with macros, and zip bombs."""
    source.seek(0)
    if source.read(4) != b"PK\x03\x04":
        raise ImportFileError(_broken_message())
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(_broken_message()) from exc
    names = {m.filename.lower() for m in members}
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportFileError(_broken_message())
    if any(name.endswith("vbaproject.bin") for name in names):
        raise ImportFileError(_macro_message())
    too_big = gettext(
        "Tệp Excel bất thường: dữ liệu sau khi giải nén quá lớn (tệp nén kiểu “zip bomb”?)."
    )
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise ImportFileError(too_big)
    for m in members:
        if m.file_size > RATIO_CHECKED_ABOVE and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ImportFileError(too_big)
    source.seek(0)


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CELL_TAG = f"{SHEET_NS} c"
ROW_TAG = f"{SHEET_NS} row"
# The columns we read, by their letters: one dictionary look-up per cell (most of the cost of
# counting is this handler, run for every element of the sheet).
COLUMN_NUMBERS = {get_column_letter(n): n for n in range(1, MAX_COLUMNS + 1)}
LETTERS = re.compile(r"[A-Z]{1,3}")


class _CellCounter:
    """Counts the cells of one worksheet part as its XML goes by (expat, nothing kept) and
    refuses, at the first one over a cap, a cell past column ``MAX_COLUMNS`` (by its
    reference, else its position in the row), a row of more than ``MAX_COLUMNS`` cells, or
    more cells in all than ``limits.max_cells``."""

    def __init__(self, limits: _Limits):
        self.limits = limits
        self.cells = 0
        self.in_row = 0
        self.column = 0
        self.row = 0
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start

    def start(self, name: str, attrs: dict) -> None:
        if name == CELL_TAG:
            self.cells += 1
            self.in_row += 1
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                column = COLUMN_NUMBERS.get(letters) or self._column_of(letters.upper())
            else:
                column = self.column + 1
            self.column = column
            if column > MAX_COLUMNS:
                raise _too_many_columns(
                    reference or f"{get_column_letter(min(column, 16384))}{self.row}"
                )
            if self.in_row > MAX_COLUMNS:  # cells repeating references
                raise _too_many_columns()
            if self.cells > self.limits.max_cells:
                raise self.limits.too_many_cells()
        elif name == ROW_TAG:
            self.in_row = self.column = 0
            number = attrs.get("r", "")
            self.row = int(number) if number.isascii() and number.isdigit() else self.row + 1

    def _column_of(self, letters: str) -> int:
        if LETTERS.fullmatch(letters):
            return column_index_from_string(letters)
        return self.column + 1  # not a reference openpyxl reads either: refused as broken

    def feed(self, data: bytes) -> None:
        try:
            self.parser.Parse(data, False)
        except expat.ExpatError as exc:
            raise ImportFileError(_broken_message()) from exc


class _CountedMember(io.RawIOBase):
    """A zip member as openpyxl reads it: the clock is checked at each chunk, and each chunk
    is seen by a ``_CellCounter`` first (``counter``; None for a member already counted).
    Closed before its end (openpyxl's sizing scan stops at the sheet's stated dimension), the
    rest is counted then: a member is counted whole, once."""

    def __init__(self, member, counter: _CellCounter | None, guard: _CappedZip):
        self.member = member
        self.counter = counter
        self.guard = guard

    def readable(self) -> bool:
        return True

    def _count(self, data: bytes) -> None:
        try:
            self.guard.limits.check_time()
            if self.counter is not None:
                self.counter.feed(data)
        except ImportFileError as exc:
            self.guard.refused = exc  # openpyxl may wrap it in an error of its own
            raise

    def read(self, size: int = -1) -> bytes:
        data = self.member.read(size)
        self._count(data)
        return data

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self.counter is not None:
                while data := self.member.read(CHUNK):
                    self._count(data)
                self.guard.counted.add(self.member.name)
        finally:
            self.counter = None
            self.member.close()
            super().close()


class _CappedZip(zipfile.ZipFile):
    """The workbook's archive as openpyxl opens it: every member read goes through a
    ``_CellCounter``, first in the sizing scan openpyxl makes of every sheet as it loads the
    workbook (which reads a whole sheet when the sheet states no dimension: files written by
    openpyxl's write-only mode, say). So a sheet over a cap is refused before its rows are
    read, and a member counted once is not counted again when its rows are read."""

    def __init__(self, source, limits: _Limits):
        super().__init__(source)
        self.limits = limits
        self.refused: ImportFileError | None = None
        self.counted: set[str] = set()

    def open(self, name, mode="r", pwd=None, **kwargs):
        member = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return member
        counter = None if member.name in self.counted else _CellCounter(self.limits)
        return _CountedMember(member, counter, self)


def _open_workbook(source: BinaryIO, limits: _Limits):
    """openpyxl's read-only workbook over a ``_CappedZip`` of ``source``."""
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(source, read_only=True, data_only=False, keep_links=False)
    archive = _CappedZip(source, limits)
    reader.archive = archive
    try:
        reader.read()
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise archive.refused or ImportFileError(_broken_message()) from exc
    return reader.wb, archive


def _xlsx_rows(source: BinaryIO, limits: _Limits) -> Iterator[list]:
    check_workbook_archive(source)
    workbook, archive = _open_workbook(source, limits)
    try:
        sheet = workbook.worksheets[0]
        # A sheet's stated size is not trusted: openpyxl would stop at a stated last row
        # (dropping the rows after it) and pad every row to a stated last column.
        sheet.reset_dimensions()
        for row in sheet.iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    raise ImportFileError(
                        gettext(
                            "Ô %(cell)s chứa công thức: chỉ nhận giá trị nhập trực tiếp, "
                            "hãy dán giá trị (Paste Values) thay cho công thức."
                        )
                        % {"cell": cell.coordinate}
                    )
                values.append(cell.value)
            yield values
    except ImportFileError:
        raise
    except Exception as exc:  # a damaged sheet can fail while its rows are read
        raise archive.refused or ImportFileError(_broken_message()) from exc
    finally:
        workbook.close()
