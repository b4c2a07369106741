"""Writing rows into the workbooks we hand out (entry template, completeness, report).

The rule: every string we write is stored as text, never as a formula or an error value.
openpyxl takes a string that starts with ``=`` for a formula (and ``#N/A`` and the like for an
error), so a note typed as ``=HYPERLINK("http://…","x")`` would become a live formula in the
downloaded file, and our own upload would then refuse the file it produced (formulas are
refused on upload). Forcing the cell's type to text keeps ``=``, ``+``, ``-`` and ``@`` literal
and reads back exactly what was typed: no apostrophe is added, since the template comes back
through our importer. We never write formulas on purpose, so no string needs another type.
"""

from __future__ import annotations

from collections.abc import Sequence

TEXT = "s"  # openpyxl's data type of a text cell


def append_row(sheet, values: Sequence) -> None:
    """Append ``values`` as the sheet's next row, every string as a text cell."""
    sheet.append(list(values))
    row = sheet.max_row  # the row just appended: it has a cell for each string in ``values``
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(row, column).data_type = TEXT
