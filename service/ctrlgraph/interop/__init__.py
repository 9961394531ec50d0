"""Interoperability: OSCAL, SSSOM, spreadsheets and CISO Assistant libraries.

One package per format (``oscal``, ``sssom``, ``spreadsheet``,
``ciso_assistant``), each with a ``reader`` (file -> the import model of
:mod:`ctrlgraph.interop.model`) and a ``writer`` (graph -> file; the graph is
read through :mod:`ctrlgraph.interop.data`), as sssom-py keeps its parsers and
writers apart. Imports parse a file into a draft, then
:mod:`ctrlgraph.interop.importer` checks it, builds the graph in the ctrlgraph
vocabulary, validates it with SHACL and writes it atomically as new named
graphs — or refuses with the row/line and reason, leaving the store unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from ctrlgraph.interop.importer import ImportResult, build_import, remove_import, run_import
from ctrlgraph.interop.model import FORMATS, ImportDraft, ImportRefused, Problem, Where

Parser = Callable[..., ImportDraft]


def parser(fmt: str) -> Parser:
    """The parse function of an import format (see :data:`FORMATS`)."""
    from ctrlgraph.interop import ciso_assistant, oscal, spreadsheet, sssom

    parsers: dict[str, Parser] = {
        "oscal-catalog": oscal.parse_catalog,
        "oscal-mapping": oscal.parse_mapping,
        "sssom": sssom.parse,
        "csv": spreadsheet.parse_csv,
        "xlsx": spreadsheet.parse_xlsx,
        "ciso-assistant": ciso_assistant.parse,
        "crosswalk": spreadsheet.parse_crosswalk,
    }
    if fmt not in parsers:
        raise KeyError(f"unknown import format {fmt!r}; use one of: {', '.join(FORMATS)}")
    return parsers[fmt]


def parse(
    fmt: str,
    data: bytes,
    source_name: str,
    framework_id: str | None = None,
    equivalent_to: str | None = None,
    columns: object | None = None,
) -> ImportDraft:
    """Parse a file of the given format (raises :class:`ImportRefused`, naming
    the file). ``equivalent_to``: a shipped framework the file's one framework
    is declared to be (its requirements are matched to ours by notation).
    ``columns``: for ``crosswalk``, a
    :class:`~ctrlgraph.interop.spreadsheet.CrosswalkColumns`."""
    from ctrlgraph.interop import spreadsheet

    try:
        if fmt == "crosswalk":
            if columns is not None and not isinstance(columns, spreadsheet.CrosswalkColumns):
                raise TypeError("columns must be a CrosswalkColumns")
            draft = spreadsheet.parse_crosswalk(data, source_name, columns)
        else:
            draft = parser(fmt)(data, source_name, framework_id)
    except ImportRefused as exc:
        raise exc.in_file(source_name) from None
    if equivalent_to is not None:
        if len(draft.frameworks) != 1:
            raise ImportRefused(
                [Problem(Where(), f"an equivalence needs exactly one framework in the file ({len(draft.frameworks)})")]
            ).in_file(source_name)
        draft.frameworks[0].equivalent_to = equivalent_to
    return draft


__all__ = [
    "FORMATS",
    "ImportDraft",
    "ImportRefused",
    "ImportResult",
    "Problem",
    "Where",
    "build_import",
    "parse",
    "parser",
    "remove_import",
    "run_import",
]
