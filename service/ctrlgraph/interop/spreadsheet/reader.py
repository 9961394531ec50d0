"""Reading spreadsheet files into the import model (see the package docstring)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ctrlgraph.cells import from_csv
from ctrlgraph.interop.model import (
    REQUIREMENT_TYPES,
    FrameworkDraft,
    ImportDraft,
    LinkDraft,
    MappingDraft,
    Problems,
    RequirementDraft,
    Where,
    clean_text,
    parse_bool,
    parse_relationship,
    parse_strength,
    refuse,
    relationship_choices,
)
from ctrlgraph.interop.spreadsheet.writer import (
    _MAPPING_FIELDS,
    _REQUIREMENT_FIELDS,
    _TYPE_LABELS,
    REQUIRED,
    TEMPLATE,
)

# --------------------------------------------------------------------------
# Import from the template
# --------------------------------------------------------------------------
CellRow = tuple[Where, dict[str, object], dict[str, str]]


def parse_csv(data: bytes | str, source_name: str = "import.csv", framework_id: str | None = None) -> ImportDraft:
    """A CSV file in the import template (comma, semicolon or tab separated)."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise refuse(Where(), f"the file is not UTF-8 text: {exc}") from exc
    if not text.strip():
        raise refuse(Where(row=1), "the file is empty")
    first_line = text.splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise refuse(Where(row=1), f"malformed CSV: {exc}") from exc
    _check_header(header, Where(row=1))
    rows: list[CellRow] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                raise refuse(Where(row=number), f"the row has {len(cells)} cells but the header only {len(header)}")
            values = dict(zip(header, (from_csv(c) for c in cells), strict=False))  # our exports escape formulas
            rows.append((Where(row=number), values, {h: h for h in header}))
    except csv.Error as exc:
        raise refuse(Where(row=reader.line_num), f"malformed CSV: {exc}") from exc
    return _draft("csv", source_name, rows, framework_id)


def parse_xlsx(data: bytes, source_name: str = "import.xlsx", framework_id: str | None = None) -> ImportDraft:
    """An XLSX workbook in the import template: every sheet whose first row
    holds the template's columns is read (other sheets, e.g. notes, are skipped)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from ctrlgraph.bounds import check_xlsx

    check_xlsx(data)  # before openpyxl pads sheets to their declared size or unzips a bomb
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise refuse(Where(), f"not an XLSX workbook: {exc}") from exc
    rows: list[CellRow] = []
    used = 0
    try:
        for sheet in book.worksheets:
            iterator = sheet.iter_rows(values_only=True)
            first = next(iterator, None)
            if first is None:
                continue
            header = [str(h).strip().lower() if h is not None else "" for h in first]
            if "ref" not in header or "framework" not in header:
                continue
            _check_header(header, Where(sheet=sheet.title, row=1))
            used += 1
            letters = {h: f"{get_column_letter(i)} ({h})" for i, h in enumerate(header, start=1) if h}
            for number, cells in enumerate(iterator, start=2):
                if cells is None or all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                values = {h: v for h, v in zip(header, cells, strict=False) if h}
                rows.append((Where(sheet=sheet.title, row=number), values, letters))
    finally:
        book.close()
    if not used:
        raise refuse(Where(row=1), "no sheet has the import template's header (framework, ref, title, …)")
    return _draft("xlsx", source_name, rows, framework_id)


def _check_header(header: list[str], where: Where) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise refuse(where, f"the header lacks the template column(s): {', '.join(missing)}")
    unknown = [h for h in header if h and h not in TEMPLATE]
    if unknown:
        raise refuse(where, f"unknown column(s) {', '.join(unknown)}; the template has {', '.join(TEMPLATE)}")
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise refuse(where, f"column(s) {', '.join(dupes)} appear twice")


def _text(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)


def _draft(fmt: str, source_name: str, rows: list[CellRow], rename: str | None) -> ImportDraft:
    problems = Problems()
    frameworks: dict[str, FrameworkDraft] = {}
    requirements: dict[tuple[str, str], tuple[RequirementDraft, dict[str, object]]] = {}
    draft = ImportDraft(fmt, source_name)
    meta_where: dict[tuple[str, str], Where] = {}
    if rename is not None:
        ids = {_text(v.get("framework")) for _, v, _ in rows} - {None}
        if len(ids) > 1:
            raise refuse(Where(row=1), f"the file holds {len(ids)} frameworks; a new id can only be given for one")
    for where, values, letters in rows:

        def at(column: str, where: Where = where, letters: dict[str, str] = letters) -> Where:
            return where.at(letters.get(column, column))

        fid = rename or _text(values.get("framework"))
        ref = _text(values.get("ref"))
        if not fid:
            problems.add(at("framework"), "the framework id is empty")
            continue
        if not ref:
            problems.add(at("ref"), "the ref (notation) is empty")
            continue
        fw = frameworks.get(fid)
        if fw is None:
            fw = frameworks[fid] = FrameworkDraft(id=fid, title=fid, where=where)
            draft.frameworks.append(fw)
        for name, attr in (("framework_title", "title"), ("publisher", "publisher"), ("version", "version")):
            value = _text(values.get(name))
            if value is None:
                continue
            first_set = meta_where.get((fid, name))
            if first_set is not None and getattr(fw, attr) != value:
                problems.add(at(name), f"{name} {value!r} differs from {getattr(fw, attr)!r} given at {first_set}")
                continue
            setattr(fw, attr, value)
            meta_where[(fid, name)] = where
        key = (fid, ref)
        has_mapping = any(_text(values.get(c)) is not None for c in _MAPPING_FIELDS)
        if key in requirements:
            first, first_values = requirements[key]
            for column in _REQUIREMENT_FIELDS:
                value = _text(values.get(column))
                if value is not None and value != _text(first_values.get(column)):
                    problems.add(
                        at(column),
                        f"duplicate ref {ref!r}: {column} {value!r} differs from the row that defines it "
                        f"({first.where}) — repeat a ref only to add another mapping",
                    )
                    break
            else:
                if not has_mapping:
                    problems.add(at("ref"), f"duplicate ref {ref!r} (first at {first.where}) without a mapping")
        else:
            requirement = _requirement(ref, values, where, at, problems)
            if requirement is None:
                continue
            requirements[key] = (requirement, values)
            fw.requirements.append(requirement)
        if has_mapping:
            mapping = _mapping(fid, ref, values, where, at, source_name, problems)
            if mapping is not None:
                draft.mappings.append(mapping)
    if not rows:
        problems.add(Where(row=2), "the file has a header but no rows")
    problems.raise_if_any(f"{fmt.upper()} import refused")
    return draft


def _requirement(
    ref: str, values: dict[str, object], where: Where, at: Any, problems: Problems
) -> RequirementDraft | None:
    title = _text(values.get("title"))
    if not title:
        problems.add(at("title"), f"requirement {ref!r} has no title (the first row of a ref defines it)")
        return None
    assessable = parse_bool(values.get("assessable"))
    if isinstance(assessable, str):
        problems.add(at("assessable"), assessable)
        return None
    kind = _text(values.get("type"))
    if kind is not None and kind.lower() not in REQUIREMENT_TYPES:
        problems.add(at("type"), f"unknown requirement type {kind!r}; use one of: {', '.join(_TYPE_LABELS.values())}")
        return None
    applicable = _text(values.get("applicable_from"))
    if hasattr(values.get("applicable_from"), "isoformat"):
        applicable = values["applicable_from"].isoformat()[:10]  # type: ignore[union-attr]
    if applicable and not re.match(r"^\d{4}-\d{2}-\d{2}$", applicable):
        problems.add(at("applicable_from"), f"{applicable!r} is not a date (YYYY-MM-DD)")
        return None
    return RequirementDraft(
        notation=ref,
        title=title,
        where=where,
        parent=_text(values.get("parent")),
        assessable=assessable,
        type=kind,
        definition=_text(values.get("description")),
        legal_text=_text(values.get("legal_text")),
        applicable_from=applicable,
        roles=(_text(values.get("roles")) or "").split(),
        risk_categories=(_text(values.get("risk_categories")) or "").split(),
        exact_match=(_text(values.get("exact_match")) or "").split(),
    )


def _mapping(
    fid: str, ref: str, values: dict[str, object], where: Where, at: Any, source_name: str, problems: Problems
) -> MappingDraft | None:
    raw = _text(values.get("relationship"))
    relationship = parse_relationship(raw)
    if relationship is None:
        problems.add(
            at("relationship"),
            f"{'missing' if raw is None else 'bad'} relationship{'' if raw is None else f' {raw!r}'}; "
            f"use one of: {relationship_choices()}",
        )
        return None
    rationale = (_text(values.get("rationale")) or "").lower()
    if rationale not in ("syntactic", "semantic", "functional"):
        problems.add(
            at("rationale"),
            f"{'missing' if not rationale else 'bad'} rationale{f' {rationale!r}' if rationale else ''}; "
            "use syntactic, semantic or functional",
        )
        return None
    strength = parse_strength(values.get("strength"))
    if isinstance(strength, str):
        problems.add(at("strength"), f"strength {strength}")
        return None
    explanation = _text(values.get("explanation"))
    if not explanation:
        problems.add(at("explanation"), "the mapping needs a one-line explanation")
        return None
    return MappingDraft(
        framework=fid,
        ref=ref,
        control=_text(values.get("control")),
        relationship=relationship,
        rationale=rationale,
        strength=strength,
        explanation=explanation,
        source=_text(values.get("source")) or f"spreadsheet import ({source_name})",
        where=where,
    )


# --------------------------------------------------------------------------
# Any crosswalk workbook, by naming its columns
# --------------------------------------------------------------------------
@dataclass
class CrosswalkColumns:
    """Where a crosswalk sheet keeps what: columns by letter (``A``) or header
    text (``NIST SP 800-53 CONTROLS``, any case), the two frameworks by id or
    URN, and the relationship when the sheet has no column for it. Given as
    options (``--source-col`` …) or a small YAML file with these keys."""

    source_col: str
    target_col: str
    source_framework: str
    target_framework: str
    relationship_col: str | None = None
    #: The relationship of every row without a relationship column (crosswalk
    #: workbooks list what relates to what, rarely how): intersects with.
    relationship: str = "intersects with"
    rationale: str | None = None
    #: One sheet (name or 1-based number); default: every sheet that has the columns.
    sheet: str | None = None

    @classmethod
    def from_yaml(cls, text: str, **overrides: Any) -> CrosswalkColumns:
        import yaml

        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise refuse(Where(line=1), "the column file must be a YAML mapping")
        data = {str(k).replace("-", "_"): v for k, v in data.items()}
        data.update({k: v for k, v in overrides.items() if v is not None})
        allowed = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise refuse(
                Where(path=unknown[0]), f"unknown key(s) {', '.join(unknown)}; use {', '.join(sorted(allowed))}"
            )
        missing = [k for k in ("source_col", "target_col", "source_framework", "target_framework") if not data.get(k)]
        if missing:
            raise refuse(Where(path=missing[0]), f"the crosswalk needs {', '.join(missing)}")
        return cls(**{k: str(v) for k, v in data.items() if v is not None})


#: What separates several references in one cell: commas, semicolons, new lines.
_SPLIT = re.compile(r"[,;\n]+")
#: A cell's reference: its first token (``ID.AM-1: Physical devices …`` -> ``ID.AM-1``).
_REF = re.compile(r"^\s*([^\s:]+)")


def _refs(value: object) -> list[tuple[str, bool]]:
    """The references in a cell, each with whether it was starred (NIST marks a
    partial match with ``*``); ``None``, ``N/A`` and dashes mean none."""
    text = _text(value)
    if not text:
        return []
    found = []
    for piece in _SPLIT.split(text):
        match = _REF.match(piece)
        if not match:
            continue
        ref = match.group(1)
        starred = ref.endswith("*")
        ref = ref.rstrip("*").strip()
        if ref and ref.lower() not in ("none", "n/a", "na", "-", "—"):
            found.append((ref, starred))
    return found


def _column(header: Sequence[object], wanted: str) -> int | None:
    """0-based index of a column named by its header (exactly, any case), by
    letter (``C``), or by part of its header."""
    from openpyxl.utils import column_index_from_string

    key = wanted.strip().lower()
    cells = [str(c).strip().lower() if c is not None else "" for c in header]
    if key in cells:
        return cells.index(key)
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted.strip()):
        try:
            return column_index_from_string(wanted.strip().upper()) - 1
        except ValueError:
            return None
    return next((i for i, cell in enumerate(cells) if cell and key in cell), None)


def parse_crosswalk(
    data: bytes, source_name: str = "crosswalk.xlsx", columns: CrosswalkColumns | None = None
) -> ImportDraft:
    """Any crosswalk workbook (XLSX) or CSV: each row's source reference(s) ->
    target reference(s) as direct requirement mappings between the two named
    frameworks. A cell may list several references; the header row is the
    first row holding the named columns (letters: the first row)."""
    if columns is None:
        raise refuse(Where(), "name the columns: --source-col, --target-col, --source-framework, --target-framework")
    rows = _sheet_rows(data, source_name, columns)
    draft = ImportDraft("crosswalk", source_name)
    problems = Problems()
    used = False
    for sheet, table in rows:
        header_at = next(
            (
                i
                for i, row in enumerate(table[:30])
                if _column(row, columns.source_col) is not None
                and _column(row, columns.target_col) is not None
                and not (re.fullmatch(r"[A-Za-z]{1,3}", columns.source_col) and i > 0)
            ),
            None,
        )
        if header_at is None:
            continue
        header = table[header_at]
        src, tgt = _column(header, columns.source_col), _column(header, columns.target_col)
        rel = _column(header, columns.relationship_col) if columns.relationship_col else None
        if columns.relationship_col and rel is None:
            problems.add(Where(sheet=sheet, row=header_at + 1), f"no column {columns.relationship_col!r}")
            continue
        assert src is not None and tgt is not None
        used = True
        last_source: list[tuple[str, bool]] = []
        for number, row in enumerate(table[header_at + 1 :], start=header_at + 2):
            cells = list(row) + [None] * (max(src, tgt, rel or 0) + 1 - len(row))
            sources = _refs(cells[src]) or (last_source if _refs(cells[tgt]) else [])
            if _refs(cells[src]):
                last_source = sources
            targets = _refs(cells[tgt])
            if not sources or not targets:
                continue
            where = Where(sheet=sheet, row=number)
            relationship = columns.relationship
            if rel is not None and _text(cells[rel]):
                parsed = parse_relationship(cells[rel])
                if parsed is None:
                    problems.add(
                        where.at(str(header[rel] or columns.relationship_col)),
                        f"bad relationship {cells[rel]!r}; use one of: {relationship_choices()}",
                    )
                    continue
                relationship = parsed
            for source, _ in sources:
                for target, starred in targets:
                    draft.links.append(
                        LinkDraft(
                            source_framework=columns.source_framework,
                            source_ref=source,
                            target_framework=columns.target_framework,
                            target_ref=target,
                            relationship=relationship,
                            where=where,
                            source=f"crosswalk sheet {source_name}" + (f" ({sheet})" if sheet else ""),
                            rationale=columns.rationale,
                            explanation="marked * (partial) in the sheet" if starred else None,
                        )
                    )
    if not used:
        problems.add(
            Where(row=1),
            f"no sheet has both columns {columns.source_col!r} and {columns.target_col!r} in its first 30 rows",
        )
    if not draft.links and not problems:
        problems.add(Where(row=1), "the sheet has no row with both a source and a target reference")
    problems.raise_if_any("crosswalk sheet refused")
    return draft


def _sheet_rows(data: bytes, source_name: str, columns: CrosswalkColumns) -> list[tuple[str | None, list[tuple]]]:
    """The rows of each sheet (XLSX) or of the file (CSV), as tuples of cells."""
    if data[:2] != b"PK":  # not a zip: CSV
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise refuse(Where(), f"the file is neither XLSX nor UTF-8 CSV: {exc}") from exc
        delimiter = max(",;\t", key=text.splitlines()[0].count) if text.strip() else ","
        return [(None, [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)])]
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise refuse(Where(), f"not an XLSX workbook: {exc}") from exc
    out: list[tuple[str | None, list[tuple]]] = []
    try:
        for number, sheet in enumerate(book.worksheets, start=1):
            if columns.sheet is not None and columns.sheet not in (sheet.title, str(number)):
                continue
            table = []
            blank = 0
            for row in sheet.iter_rows(values_only=True):
                # openpyxl pads a sheet to its declared dimension: stop after many empty rows.
                if row is None or all(c is None for c in row):
                    blank += 1
                    if blank > 1000:
                        break
                    continue
                blank = 0
                table.append(tuple(row))
            out.append((sheet.title, table))
    finally:
        book.close()
    if columns.sheet is not None and not out:
        raise refuse(Where(sheet=columns.sheet), f"no sheet {columns.sheet!r} in {source_name}")
    return out
