"""Bounds on the work one upload or import may cause, checked before a parser
materialises anything (see SECURITY.md, "Bounds").

Parsers have limits of their own, but not the ones a shared server needs:
pyoxigraph's JSON-LD parser crashed the process at ~5,000 levels of nesting
(and takes seconds at 3,000), Python's ``json`` raises RecursionError (a 500)
on deep documents, openpyxl pads a sheet to its declared dimension, and YAML
aliases expand a kilobyte into gigabytes. Each check here is cheap (a scan of
the bytes or of the zip directory) and raises :class:`BoundExceeded`, which
the API answers with 413 naming the bound and its setting.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from ctrlgraph import envconfig


@dataclass(frozen=True)
class Bounds:
    """Every bound, with its default; each is read from ``CTRLGRAPH_<NAME>``."""

    #: Nesting depth of a JSON or JSON-LD document (arrays and objects).
    max_json_depth: int = 256
    #: Cells a worksheet may declare (its <dimension>), rows x columns.
    max_xlsx_cells: int = 1_000_000
    #: Total uncompressed size of an XLSX (zip) upload's parts.
    max_xlsx_unzipped_bytes: int = 100_000_000
    #: Seconds one heavy job (parse, SHACL validation, canonical hash) may run.
    work_timeout: float = 120.0
    #: Address-space limit of each heavy-work process, in MiB (0: none).
    work_memory_mb: int = 3072
    #: Heavy-work processes (one tenant uses at most one at a time).
    work_processes: int = 2
    #: Address-space limit of each SPARQL query worker, in MiB (0: none).
    query_memory_mb: int = 3072

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Bounds:
        return cls(**envconfig.read(cls, os.environ if env is None else env))

    def to_env(self) -> dict[str, str]:
        return envconfig.write(self)


class BoundExceeded(ValueError):
    """An input or a job went past a configured bound; nothing was stored."""

    def __init__(self, bound: str, message: str) -> None:
        self.bound = bound
        super().__init__(f"{message} (bound {bound}, setting CTRLGRAPH_{bound.upper()})")


_configured: Bounds | None = None


def configure(bounds: Bounds | None) -> None:
    """Set the bounds in force in this process (the server's settings)."""
    global _configured
    _configured = bounds


def current() -> Bounds:
    """The bounds in force: as configured, else from the environment."""
    return _configured or Bounds.from_env()


# -- JSON ------------------------------------------------------------------------
# Strings are skipped whole, so brackets inside them do not count.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def check_json_depth(data: bytes | str, limit: int | None = None) -> None:
    """Refuse a JSON text nested deeper than ``limit`` before any parser sees it."""
    limit = current().max_json_depth if limit is None else limit
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    depth = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                line = raw.count(b"\n", 0, match.start()) + 1
                raise BoundExceeded("max_json_depth", f"line {line}: the JSON is nested more than {limit} levels deep")
        elif token in (b"]", b"}"):
            depth -= 1


# -- XLSX ------------------------------------------------------------------------
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?\"")


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def check_xlsx(data: bytes, bounds: Bounds | None = None) -> None:
    """Refuse a workbook whose parts would unzip past the size bound, or whose
    sheets declare more cells than the cell bound, before openpyxl opens it.
    (A file that is not a zip is left to openpyxl's own error.)"""
    bounds = bounds or current()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        total = sum(info.file_size for info in archive.infolist())
        if total > bounds.max_xlsx_unzipped_bytes:
            raise BoundExceeded(
                "max_xlsx_unzipped_bytes",
                f"the workbook unzips to {total} bytes, more than the limit of {bounds.max_xlsx_unzipped_bytes}",
            )
        for info in archive.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            with archive.open(info) as part:
                head = part.read(4096)
            match = _DIMENSION.search(head)
            if match is None or not match.group(3):
                continue
            first_col, first_row = _column_number(match.group(1)), int(match.group(2) or 1)
            last_col, last_row = _column_number(match.group(3)), int(match.group(4))
            cells = max(1, last_col - first_col + 1) * max(1, last_row - first_row + 1)
            if cells > bounds.max_xlsx_cells:
                sheet = info.filename.rsplit("/", 1)[-1]
                raise BoundExceeded(
                    "max_xlsx_cells",
                    f"worksheet {sheet} declares {cells} cells ({match.group(0).decode(errors='replace')}),"
                    f" more than the limit of {bounds.max_xlsx_cells}",
                )


# -- YAML ------------------------------------------------------------------------
class NoAliasSafeLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases (``*name``): each one re-uses a
    node, and nested ones expand a kilobyte into gigabytes. Data files such as
    CISO Assistant libraries and SSSOM metadata do not need them."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"YAML aliases (*{event.anchor}) are not accepted (they can expand without bound)",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` without aliases."""
    return yaml.load(text, Loader=NoAliasSafeLoader)
