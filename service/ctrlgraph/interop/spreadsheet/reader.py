"""Reading spreadsheet files into the import model (see the package docstring)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from ctrlgraph.interop.model import (
    REQUIREMENT_TYPES,
    FrameworkDraft,
    ImportDraft,
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
            values = dict(zip(header, cells, strict=False))
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
