"""Running the query files against the reference graph.

Reference queries run over the union of the store's graphs: with hundreds of
framework graphs, an explicit list of graphs makes every triple pattern a
union of per-graph lookups, while the union is one index scan. This is safe
because the query files only match reference vocabulary, and evidence uploads
may not use it (evidence graphs are checked against a closed vocabulary
before they are stored). User SPARQL on /sparql never gets the union: it gets
an explicit list of the graphs its caller may read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ctrlgraph import queries
from ctrlgraph.store.base import GraphStore, Iri, Row, bind, sparql_iri


@dataclass(frozen=True)
class Rows:
    """The rows of a ``VALUES (?a ?b …) { {{name}} }`` block: tuples of IRIs
    and integers, written as ``(<iri> 3) (<iri> 4)``. A query can then carry
    a small number along with each IRI (and return the number instead of the
    IRI, which saves decoding the IRI on every result row)."""

    rows: Sequence[tuple[Iri | int, ...]]

    def sparql(self) -> str:
        def term(value: Iri | int) -> str:
            if isinstance(value, Iri):
                return sparql_iri(value.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            raise TypeError(f"a VALUES row holds IRIs and integers only, not {value!r}")

        return " ".join("(" + " ".join(term(v) for v in row) + ")" for row in self.rows)


def select(store: GraphStore, name: str, /, **params: object) -> list[Row]:
    """Run ``queries/<name>.rq`` with ``{{param}}`` placeholders bound
    (:class:`Rows` values as VALUES rows, everything else by :func:`bind`)."""
    text = queries.load(name)
    rows = {key: value for key, value in params.items() if isinstance(value, Rows)}
    for key, value in rows.items():
        placeholder = "{{" + key + "}}"
        if placeholder not in text:
            raise KeyError(f"query parameters not in the query: [{key!r}]")
        # IRIs and integers hold no braces, so bind() below cannot mistake a row for a placeholder
        text = text.replace(placeholder, value.sparql())
    scalar = {key: value for key, value in params.items() if key not in rows}
    return store.select(bind(text, scalar), union_default=True)
