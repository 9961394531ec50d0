"""Formula injection in exported tables (CSV, TSV, XLSX).

A spreadsheet program reads a CSV field beginning with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return, which some strip before looking) as a
formula, so a title or a label someone uploaded could run in an auditor's
spreadsheet. Every tabular writer passes text through here:

* CSV/TSV: such a field gets a leading apostrophe (OWASP's advice), which
  spreadsheets show as text; our own readers take it off again
  (:func:`from_csv`), so exports round-trip.
* XLSX: a string cell is always text in the file format; only openpyxl turns
  a string beginning with ``=`` into a formula cell, so such cells are
  written with the string type instead, keeping the value unchanged.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_csv(value: object) -> object:
    """A CSV/TSV field that no spreadsheet will evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(row: Any) -> list[object]:
    return ["" if v is None else for_csv(v) for v in row]


def from_csv(value: str) -> str:
    """Undo :func:`for_csv` on a field read back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def is_formula_text(value: object) -> bool:
    """A string openpyxl would write as a formula."""
    return isinstance(value, str) and value.startswith("=")


def write_only_row(sheet: Any, values: list[object]) -> list[object]:
    """A row for a write-only openpyxl sheet, with formula-like text kept as text."""
    from openpyxl.cell import WriteOnlyCell

    row: list[object] = []
    for value in values:
        if is_formula_text(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


def keep_text(sheet: Any) -> None:
    """Turn the formula cells openpyxl made from text back into text cells
    (for sheets built in normal mode, after rows were appended)."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
