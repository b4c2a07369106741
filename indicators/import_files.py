"""Reading an import file (CSV or XLSX) without trusting it. The browser upload and the command
line share this reader; each refusal is one Vietnamese sentence (``ImportFileError``).

Rules:
- Size: at most ``settings.IMPORT_MAX_BYTES`` bytes, checked before anything is parsed.
- Rows: at most ``max_rows`` data rows. Rows are read one at a time and reading stops at the
  first row over the limit, so a file of a million rows is refused without being held in memory.
- CSV: UTF-8, with or without a byte order mark; otherwise Windows-1258 (the Vietnamese Windows
  code page, Python's ``cp1258``). Windows-1252 is not tried: the two share their letters and
  digits, and cp1258 is what a Vietnamese Excel saves. The delimiter is a comma or a
  semicolon, whichever the header line holds more of (Excel in Vietnamese saves with ``;``).
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
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext

from indicators.formatting import format_number
from indicators.text_input import normalize

COLUMNS = ["period", "agency_code", "indicator_code", "numerator", "denominator", "value", "note"]
OPTIONAL_COLUMNS = ["score"]

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # real sheets compress 5–30 times; a zip bomb thousands of times
RATIO_CHECKED_ABOVE = 1024 * 1024  # tiny members (styles, rels) may compress oddly well
CHUNK = 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong format, missing columns, too many rows)."""


def _size(source: BinaryIO) -> int:
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


def _megabytes(limit: int) -> str:
    return format_number(max(1, limit // (1024 * 1024)))


def read_table(
    source: bytes | BinaryIO, filename: str, max_rows: int, max_bytes: int | None = None
) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {column: value}) from a CSV or XLSX file (bytes or a binary file
    opened for reading). Row numbers are the file's own (the header is row 1)."""
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
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(source)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(source)
    elif suffix in (".xlsm", ".xltm"):
        raise ImportFileError(_macro_message())
    else:
        raise ImportFileError(gettext("Chỉ nhận tệp .csv hoặc .xlsx."))
    yield from _records(rows, max_rows)


def _records(rows: Iterable[list], max_rows: int) -> Iterator[tuple[int, dict]]:
    iterator = iter(rows)
    header = [_text(c).lower() if c is not None else "" for c in next(iterator, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            gettext("Thiếu cột: %(missing)s. Cần các cột: %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
        )
    count = 0
    for number, values in enumerate(iterator, start=2):
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


def _encoding(source: BinaryIO) -> str:
    """'utf-8-sig' if the whole file is valid UTF-8 (read in chunks, nothing kept), else
    'cp1258' if it decodes as Windows-1258."""
    for encoding in ("utf-8-sig", "cp1258"):
        decoder = codecs.getincrementaldecoder(encoding)()
        source.seek(0)
        try:
            while chunk := source.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        source.seek(0)
        return encoding
    raise ImportFileError(
        gettext("Không đọc được tệp CSV: hãy lưu tệp với bảng mã UTF-8 (CSV UTF-8).")
    )


def _csv_rows(source: BinaryIO) -> Iterator[list]:
    text = io.TextIOWrapper(source, encoding=_encoding(source), newline="")
    header = text.readline()
    delimiter = ";" if header.count(";") > header.count(",") else ","
    try:
        yield from csv.reader(_lines(header, text), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(
            gettext("Tệp CSV sai định dạng (dấu ngoặc kép không đóng hoặc một ô quá dài).")
        ) from exc
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


def _xlsx_rows(source: BinaryIO) -> Iterator[list]:
    check_workbook_archive(source)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=False, keep_links=False)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise ImportFileError(_broken_message()) from exc
    try:
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
        raise ImportFileError(_broken_message()) from exc
    finally:
        workbook.close()
