"""Running the query files against the reference graph.

Reference queries see the union of the reference graphs (and the derived
aggregates) as their default graph — never an organization's evidence.
"""

from __future__ import annotations

from ctrlgraph import queries
from ctrlgraph.loader import reference_graphs
from ctrlgraph.store.base import GraphStore, Row, bind


def select(store: GraphStore, name: str, /, **params: object) -> list[Row]:
    """Run ``queries/<name>.rq`` with ``{{param}}`` placeholders bound."""
    graphs = reference_graphs(store)
    text = bind(queries.load(name), params)
    return store.select(text, default_graphs=graphs, named_graphs=graphs)
