"""Spreadsheets: crosswalks, shared controls and frameworks (in the import
template) as CSV and XLSX out; frameworks and their mappings in from the
template (docs/import-template.md).

XLSX workbooks have one sheet per framework, a bold frozen header row and an
auto filter. :func:`workbook` and :func:`csv_lines` take any header and rows,
so later tables (gap reports) reuse them.
"""

from __future__ import annotations

from ctrlgraph.interop.spreadsheet.reader import (
    CellRow,
    CrosswalkColumns,
    parse_crosswalk,
    parse_csv,
    parse_xlsx,
)
from ctrlgraph.interop.spreadsheet.writer import (
    CROSSWALK_HEADER,
    OPTIONAL,
    REQUIRED,
    SHARED_FRAMEWORK_HEADER,
    SHARED_HEADER,
    TEMPLATE,
    XLSX_MEDIA_TYPE,
    Row,
    crosswalk_rows,
    crosswalk_sheets,
    csv_lines,
    shared_rows,
    shared_sheets,
    sheet_title,
    template_rows,
    template_sheets,
    workbook,
)

__all__ = [
    "CROSSWALK_HEADER",
    "OPTIONAL",
    "REQUIRED",
    "SHARED_FRAMEWORK_HEADER",
    "SHARED_HEADER",
    "TEMPLATE",
    "XLSX_MEDIA_TYPE",
    "CellRow",
    "CrosswalkColumns",
    "Row",
    "crosswalk_rows",
    "crosswalk_sheets",
    "csv_lines",
    "parse_crosswalk",
    "parse_csv",
    "parse_xlsx",
    "shared_rows",
    "shared_sheets",
    "sheet_title",
    "template_rows",
    "template_sheets",
    "workbook",
]
