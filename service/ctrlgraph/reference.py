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

from ctrlgraph import queries
from ctrlgraph.store.base import GraphStore, Row, bind


def select(store: GraphStore, name: str, /, **params: object) -> list[Row]:
    """Run ``queries/<name>.rq`` with ``{{param}}`` placeholders bound."""
    return store.select(bind(queries.load(name), params), union_default=True)
