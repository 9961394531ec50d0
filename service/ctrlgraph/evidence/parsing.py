"""Turn an upload (Turtle, JSON-LD, N-Triples, or the XLSX/CSV template) into
N-Triples, with errors that name the line (or sheet, row and column).

RDF is parsed with pyoxigraph, which never fetches remote JSON-LD contexts or
external entities: parsing makes no network request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from ctrlgraph.bounds import BoundExceeded, check_json_depth

RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
ACCEPTED_TYPES = [*RDF_TYPES, XLSX_TYPE, CSV_TYPE]


@dataclass
class ParseProblem(Exception):
    """The body could not be read; ``where`` is "line 3, column 7", "sheet X, row 4, column C"..."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def base_iri(org_id: str) -> str:
    """Relative IRIs in an organization's upload resolve under its own namespace."""
    return f"https://w3id.org/ctrlgraph/org/{org_id}/"


_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def parse_rdf(body: bytes, media_type: str, org_id: str) -> list[ox.Triple]:
    fmt = RDF_TYPES[media_type]
    if fmt == ox.RdfFormat.RDF_XML and _DOCTYPE.search(body):
        # Entity expansion ("billion laughs") would let a few kB of RDF/XML
        # allocate gigabytes inside the parser: DTDs are refused outright.
        raise ParseProblem(
            "", "RDF/XML with a DOCTYPE or ENTITY declaration is not accepted; expand entities before upload"
        )
    if fmt == ox.RdfFormat.JSON_LD:
        check_json_depth(body)  # the parser's cost grows with depth squared, and it crashed at ~5,000
    try:
        quads = list(ox.parse(body, format=fmt, base_iri=base_iri(org_id), rename_blank_nodes=True))
    except MemoryError as exc:
        # Oxigraph's parsers keep one token (a literal, an IRI) in a buffer of at most 16 MiB.
        raise BoundExceeded(
            "max_token_bytes", f"a single literal or IRI is larger than the parser's 16 MiB buffer ({exc})"
        ) from exc
    except SyntaxError as exc:
        where = f"line {exc.lineno}, column {exc.offset}" if exc.lineno else ""
        message = str(exc)
        raise ParseProblem(where, message) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseProblem("", f"not valid {media_type}: {exc}") from exc
    triples: list[ox.Triple] = []
    for quad in quads:
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise ParseProblem("", "named graphs are not accepted: send the evidence as plain triples")
        triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return triples


def to_ntriples(triples: list[ox.Triple]) -> str:
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return (text or b"").decode("utf-8")
