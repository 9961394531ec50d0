"""Workbooks an auditor can open: one sheet per table, a bold frozen header
row with an autofilter, column widths fitted to the content (capped, with
wrapped text for long cells)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ctrlgraph.cells import keep_text

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_WIDTH = 60
MIN_WIDTH = 8
_INVALID_TITLE = str.maketrans({c: "-" for c in "[]:*?/\\"})


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _title(name: str, used: set[str]) -> str:
    base = name.translate(_INVALID_TITLE)[:31] or "Sheet"
    title, n = base, 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as an XLSX file."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    used: set[str] = set()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for sheet in sheets:
        ws = book.create_sheet(_title(sheet.title, used))
        ws.append(list(sheet.header))
        for cell in ws[1]:
            cell.font = bold
            cell.fill = fill
        widths = [len(str(h)) for h in sheet.header]
        for row in sheet.rows:
            values = [_cell(v) for v in row]
            ws.append(values)
            for i, v in enumerate(values):
                longest = max((len(line) for line in str(v).splitlines()), default=0)
                widths[i] = max(widths[i], longest)
        for i, width in enumerate(widths, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, width + 2))
            alignment = wrap if width > MAX_WIDTH else top
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = alignment
        keep_text(ws)  # a title beginning with "=" stays text, never a formula
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(sheet.header)))}{max(1, ws.max_row)}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
