"""Import a folder of files at once (``ctrlgraph import DIR``): each file's
format is told from its extension and content (or a ``<file>.import.yaml``
beside it), frameworks go in before the mapping files that name them, and
each file is imported on its own — a refused file changes nothing and does
not stop the others."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ctrlgraph.interop.model import ImportRefused
from ctrlgraph.store.base import GraphStore

#: Import options a ``<file>.import.yaml`` may give besides the crosswalk columns.
_OPTIONS = ("format", "framework", "equivalent_to", "replace", "skip_unresolved")
SIDECAR = ".import.yaml"


@dataclass
class Planned:
    path: Path
    format: str | None
    #: 0: defines frameworks; 1: mappings that name frameworks (imported after).
    stage: int
    options: dict[str, Any] = field(default_factory=dict)
    #: Why the file is skipped (no format).
    reason: str | None = None


@dataclass
class Outcome:
    path: Path
    format: str | None
    status: str  # imported | refused | skipped
    frameworks: list[str] = field(default_factory=list)
    requirements: int = 0
    mappings: int = 0
    links: int = 0
    #: Direct mappings kept waiting for a declared framework not imported yet.
    waiting: int = 0
    problems: int = 0
    first_problem: str | None = None
    seconds: float = 0.0


def _head(path: Path, size: int = 65536) -> str:
    with path.open("rb") as handle:
        return handle.read(size).decode("utf-8", errors="replace")


def plan(folder: Path, given: dict[str, dict[str, Any]] | None = None) -> list[Planned]:
    """Every file under ``folder`` with its format and stage, frameworks first.
    ``given``: options by file name (as a ``<file>.import.yaml`` would give them)."""
    planned: list[Planned] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name.endswith(SIDECAR) or path.name.startswith(".") or path.suffix.lower() in (".md", ".txt"):
            continue
        options: dict[str, Any] = {}
        sidecar = path.with_name(path.name + SIDECAR)
        if sidecar.is_file():
            options = yaml.safe_load(sidecar.read_text(encoding="utf-8")) or {}
        options = {**options, **((given or {}).get(path.name) or {})}
        fmt = options.get("format") or _detect(path)
        if fmt is None:
            planned.append(Planned(path, None, 2, reason=_why_not(path)))
            continue
        stage = 1 if fmt in ("oscal-mapping", "sssom", "crosswalk") else 0
        if (
            fmt == "ciso-assistant"
            and "requirement_mapping_set" in _head(path)
            and "requirement_nodes" not in _head(path)
        ):
            stage = 1
        planned.append(Planned(path, fmt, stage, options))
    return sorted(planned, key=lambda p: (p.stage, str(p.path)))


def _detect(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "ciso-assistant" if "objects:" in _head(path) else None
    if suffix == ".json":
        head = _head(path, 4096).lstrip()
        for key, fmt in (('"catalog"', "oscal-catalog"), ('"mapping-collection"', "oscal-mapping")):
            if head.startswith("{") and key in head[:200]:
                return fmt
        return None
    if suffix == ".tsv":
        return "sssom"
    if suffix in (".csv", ".xlsx"):
        return None if _needs_columns(path) else suffix[1:]
    return None


def _needs_columns(path: Path) -> bool:
    """A spreadsheet not in ctrlgraph's import template (e.g. NIST's crosswalk
    workbooks) can only be read with its columns named."""
    if path.suffix.lower() == ".csv":
        first = _head(path, 4096).splitlines()[:1]
        return not first or "framework" not in first[0].lower() or "ref" not in first[0].lower()
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            for sheet in book.worksheets:
                row = next(sheet.iter_rows(values_only=True, max_row=1), ())
                header = {str(c).strip().lower() for c in row if c is not None}
                if {"framework", "ref"} <= header:
                    return False
        finally:
            book.close()
    except Exception:  # not a workbook: the import says why
        return False
    return True


def _why_not(path: Path) -> str:
    if path.suffix.lower() in (".csv", ".xlsx"):
        return f"a crosswalk sheet: name its columns in {path.name}{SIDECAR} (source_col, target_col, …)"
    if path.suffix.lower() == ".json" and '"profile"' in _head(path, 4096)[:200]:
        return "an OSCAL profile (import the resolved catalog instead)"
    return "not a format ctrlgraph imports"


def run(
    store: GraphStore,
    folder: Path,
    *,
    write: bool = True,
    on_file: Callable[[Planned], None] | None = None,
    given: dict[str, dict[str, Any]] | None = None,
) -> list[Outcome]:
    """Import every file of ``folder`` (see :func:`plan`), one transaction each."""
    from ctrlgraph.interop import parse
    from ctrlgraph.interop.importer import run_import
    from ctrlgraph.interop.spreadsheet import CrosswalkColumns

    outcomes: list[Outcome] = []
    for item in plan(folder, given):
        if on_file is not None:
            on_file(item)
        if item.format is None:
            outcomes.append(Outcome(item.path, None, "skipped", first_problem=item.reason))
            continue
        started = time.perf_counter()
        opts = item.options
        try:
            columns = None
            if item.format == "crosswalk":
                extra = {k: v for k, v in opts.items() if k not in _OPTIONS}
                columns = CrosswalkColumns.from_yaml(json.dumps(extra))
            draft = parse(
                item.format,
                item.path.read_bytes(),
                item.path.name,
                opts.get("framework"),
                opts.get("equivalent_to"),
                columns,
            )
            result = run_import(
                store,
                draft,
                write=write,
                replace=bool(opts.get("replace")),
                skip_unresolved=bool(opts.get("skip_unresolved")),
            )
        except ImportRefused as exc:
            first = exc.problems[0] if exc.problems else None
            outcomes.append(
                Outcome(
                    item.path,
                    item.format,
                    "refused",
                    problems=exc.total,
                    first_problem=str(first) if first else exc.summary,
                    seconds=time.perf_counter() - started,
                )
            )
            continue
        outcomes.append(
            Outcome(
                item.path,
                item.format,
                "imported",
                frameworks=result.frameworks,
                requirements=result.requirement_count,
                mappings=result.mapping_count,
                links=result.link_count,
                waiting=result.pending_count,
                seconds=time.perf_counter() - started,
            )
        )
    return outcomes
