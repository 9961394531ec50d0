"""The storage interface and the helpers every backend shares."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ctrlgraph.iri import XSD

#: A result row: variable name -> Python value (IRI and plain strings as str,
#: xsd:integer as int, xsd:boolean as bool, xsd:decimal/double as float).
Row = dict[str, "str | int | float | bool"]


class StoreError(Exception):
    """A store could not do what was asked (I/O, server error, bad update)."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was stopped."""


@dataclass(frozen=True)
class Iri:
    """Marks a template parameter to be written as an IRI, not a literal."""

    value: str


class GraphStore(Protocol):
    """What ctrlgraph needs from a triple store."""

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default: bool = False,
    ) -> list[Row]:
        """Run a SELECT. The dataset is either explicit (default/named graph
        IRIs) or, with ``union_default``, the union of every graph."""
        ...

    def update(self, update: str) -> None: ...

    def replace_graphs(self, graphs: Mapping[str, str], *, extra_update: str = "") -> None:
        """Atomically replace each named graph by the given N-Triples text."""
        ...

    def graph_ntriples(self, graph: str) -> str: ...

    def flush(self) -> None:
        """Make every write durable (a no-op where the server commits each write)."""
        ...

    def close(self) -> None: ...


_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def sparql_iri(value: str) -> str:
    """Write an IRI for a query, refusing characters IRIs cannot hold."""
    if not value or _IRI_FORBIDDEN.search(value):
        raise ValueError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


def sparql_literal(value: str | int | float | bool) -> str:
    """Write a Python value as a SPARQL literal, escaping what must be escaped."""
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD}boolean>'
    if isinstance(value, int):
        return str(value)  # a bare integer token is an xsd:integer, and LIMIT needs one
    if isinstance(value, float):
        return f'"{value!r}"^^<{XSD}double>'
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )
    return f'"{escaped}"'


_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _term(value: str | int | float | bool | Iri) -> str:
    return sparql_iri(value.value) if isinstance(value, Iri) else sparql_literal(value)


def bind(template: str, params: Mapping[str, object]) -> str:
    """Fill ``{{name}}`` placeholders of a query file with escaped RDF terms.

    A list value becomes a space-separated list of terms, for ``VALUES ?x { {{xs}} }``.
    Every placeholder must be given; an unused parameter is an error too, so a
    typo cannot silently widen a query.
    """
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in params:
            raise KeyError(f"query parameter {{{{{name}}}}} was not given")
        used.add(name)
        value = params[name]
        if isinstance(value, (list, tuple)):
            return " ".join(_term(v) for v in value)
        return _term(value)  # type: ignore[arg-type]

    text = _PLACEHOLDER.sub(replace, template)
    unused = set(params) - used
    if unused:
        raise KeyError(f"query parameters not in the query: {sorted(unused)}")
    return text


_PROLOGUE_LINE = re.compile(r"^\s*(PREFIX\s+[^\n]*|BASE\s+[^\n]*|#[^\n]*)?\s*$", re.IGNORECASE)


def combine_updates(parts: Sequence[str]) -> str:
    """Join SPARQL updates into one request, moving each part's PREFIX/BASE
    lines to the front (some parsers reject a prologue after ';')."""
    prologue: list[str] = []
    bodies: list[str] = []
    for part in parts:
        lines = part.strip().splitlines()
        body_start = 0
        for index, line in enumerate(lines):
            if not _PROLOGUE_LINE.match(line):
                body_start = index
                break
        else:
            body_start = len(lines)
        for line in lines[:body_start]:
            stripped = line.strip()
            if stripped.upper().startswith(("PREFIX", "BASE")) and stripped not in prologue:
                prologue.append(stripped)
        body = "\n".join(lines[body_start:]).strip()
        if body:
            bodies.append(body)
    return "\n".join(prologue) + ("\n" if prologue else "") + " ;\n".join(bodies)


def literal_value(lexical: str, datatype: str | None) -> str | int | float | bool:
    """Convert a literal's lexical form to a Python value by its datatype."""
    if datatype in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
        return int(lexical)
    if datatype == XSD + "boolean":
        return lexical in ("true", "1")
    if datatype in (XSD + "decimal", XSD + "double", XSD + "float"):
        return float(lexical)
    return lexical
