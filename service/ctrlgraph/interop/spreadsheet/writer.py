"""Writing spreadsheet files from the graph (see the package docstring)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from ctrlgraph import catalog as ref_catalog
from ctrlgraph.cells import csv_row, write_only_row
from ctrlgraph.interop.data import framework_data, framework_mappings
from ctrlgraph.store.base import GraphStore

#: The import template: required columns, then optional ones.
REQUIRED = ["framework", "ref", "title", "parent", "control", "relationship", "rationale", "strength", "explanation"]
OPTIONAL = [
    "assessable",
    "type",
    "description",
    "legal_text",
    "applicable_from",
    "roles",
    "risk_categories",
    "exact_match",
    "source",
    "framework_title",
    "publisher",
    "version",
]
TEMPLATE = REQUIRED + OPTIONAL
_FRAMEWORK_FIELDS = ("framework_title", "publisher", "version")
_REQUIREMENT_FIELDS = ("title", "parent", "assessable", "type", "description", "legal_text", "applicable_from")
_MAPPING_FIELDS = ("control", "relationship", "rationale", "strength", "explanation")
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPE_LABELS = {
    "ClauseType": "clause",
    "AnnexType": "annex",
    "ControlObjectiveType": "control objective or theme",
    "AnnexControlType": "Annex A control",
    "ChapterType": "chapter",
    "SectionType": "section",
    "ArticleType": "article",
    "ParagraphType": "paragraph",
    "PointType": "point",
}

Row = Sequence[object]


# --------------------------------------------------------------------------
# Writing: CSV and XLSX from any header and rows
# --------------------------------------------------------------------------
def csv_lines(header: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """CSV text, one record at a time (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(csv_row(row))  # no field a spreadsheet would run as a formula
        yield buffer.getvalue()


def sheet_title(name: str, used: set[str]) -> str:
    """An Excel-safe, unique sheet name (31 characters, no []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "sheet"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def workbook(sheets: Iterable[tuple[str, Sequence[str], Iterable[Row]]]) -> IO[bytes]:
    """An XLSX workbook (one sheet per entry: name, header, rows) in a spooled
    temporary file, rewound and ready to stream; rows are written as they come."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    used: set[str] = set()
    count = 0
    for name, header, given in sheets:
        rows = iter(given)
        sheet = book.create_sheet(sheet_title(name, used))
        sheet.freeze_panes = "A2"
        widths = [min(max(len(h) + 2, 10), 60) for h in header]
        cells = []
        for h in header:
            cell = WriteOnlyCell(sheet, value=h)
            cell.font = Font(bold=True)
            cells.append(cell)
        buffered: list[list[object]] = []
        for row in rows:
            values = ["" if v is None else v for v in row]
            for i, v in enumerate(values[: len(widths)]):
                widths[i] = min(max(widths[i], len(str(v)) + 2), 60)
            buffered.append(values)
            if len(buffered) >= 200:  # widths settle on the first rows; keep memory flat after that
                break
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.append(cells)
        total = 1
        for values in buffered:
            sheet.append(write_only_row(sheet, values))  # text stays text, never a formula
            total += 1
        for row in rows:
            sheet.append(write_only_row(sheet, ["" if v is None else v for v in row]))
            total += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(header), 1))}{total}"
        count += 1
    if not count:
        book.create_sheet("empty")
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out


# --------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------
CROSSWALK_HEADER = [
    "source",
    "source_title",
    "target",
    "target_title",
    "relationship",
    "determined",
    "strength",
    "via",
]


def crosswalk_rows(store: GraphStore, source: str, target: str) -> list[list[object]]:
    result = ref_catalog.crosswalk(store, source, target)
    return [
        [
            p.source,
            p.source_title,
            p.target,
            p.target_title,
            p.relationship,
            p.determined,
            p.strength,
            " ".join(x.via for x in p.paths),
        ]
        for p in result.pairs
    ]


def crosswalk_sheets(store: GraphStore, source: str, targets: Sequence[str]) -> Iterator[tuple[str, list[str], Any]]:
    for target in targets:
        yield target, CROSSWALK_HEADER, iter(crosswalk_rows(store, source, target))


SHARED_HEADER = ["control", "title", "frameworks", "requirements", "framework", "notations"]
SHARED_FRAMEWORK_HEADER = ["control", "control_title", "notation", "relationship", "strength"]


def shared_rows(store: GraphStore, frameworks: Sequence[str], min_frameworks: int) -> list[list[object]]:
    result = ref_catalog.shared_controls(store, list(frameworks), min_frameworks)
    return [
        [c.notation, c.title, c.framework_count, c.requirement_count, fw, " ".join(r.notation for r in reqs)]
        for c in result.controls
        for fw, reqs in c.requirements.items()
    ]


def shared_sheets(
    store: GraphStore, frameworks: Sequence[str], min_frameworks: int
) -> Iterator[tuple[str, list[str], Any]]:
    result = ref_catalog.shared_controls(store, list(frameworks), min_frameworks)
    summary = [
        [c.notation, c.title, c.framework_count, c.requirement_count, " ".join(sorted(c.requirements))]
        for c in result.controls
    ]
    yield "shared controls", ["control", "title", "frameworks", "requirements", "framework_ids"], iter(summary)
    for fw in frameworks:
        rows = [
            [c.notation, c.title, r.notation, r.relationship, r.strength]
            for c in result.controls
            for r in c.requirements.get(fw, [])
        ]
        yield fw, SHARED_FRAMEWORK_HEADER, iter(rows)


def template_rows(store: GraphStore, framework_id: str) -> Iterator[list[object]]:
    """A framework and its mappings in the import template: one row per
    mapping, and one row for each requirement without a mapping."""
    fw = framework_data(store, framework_id)
    mappings: dict[str, list[Any]] = {}
    for m in framework_mappings(store, fw.iri):
        mappings.setdefault(m.notation, []).append(m)
    first = True
    for r in fw.requirements:
        requirement = {
            "framework": fw.id,
            "ref": r.notation,
            "title": r.title,
            "parent": r.parent,
            "assessable": "yes" if r.assessable else "no",
            "type": _TYPE_LABELS.get(r.type or "", r.type),
            "description": r.definition,
            "legal_text": r.legal_text,
            "applicable_from": r.applicable_from,
            "roles": " ".join(r.roles),
            "risk_categories": " ".join(r.risk_categories),
            "exact_match": " ".join(r.exact_match),
        }
        if first:
            requirement.update({"framework_title": fw.title, "publisher": fw.publisher, "version": fw.version})
            first = False
        items = mappings.get(r.notation) or [None]
        for index, m in enumerate(items):
            row = dict(requirement) if index == 0 else {"framework": fw.id, "ref": r.notation}
            if m is not None:
                row.update(
                    {
                        "control": m.control,
                        "relationship": m.relationship,
                        "rationale": m.rationale,
                        "strength": m.strength,
                        "explanation": m.explanation,
                        "source": m.source,
                    }
                )
            yield [row.get(c) for c in TEMPLATE]


def template_sheets(store: GraphStore, framework_ids: Sequence[str]) -> Iterator[tuple[str, list[str], Any]]:
    for fid in framework_ids:
        yield fid, TEMPLATE, template_rows(store, fid)
