"""Storage backends. Every backend speaks SPARQL 1.1; the rest of ctrlgraph
talks to :class:`~ctrlgraph.store.base.GraphStore` only."""

from ctrlgraph.store.base import GraphStore, QueryTimeout, Row, StoreError
from ctrlgraph.store.oxigraph import OxigraphStore

__all__ = ["GraphStore", "OxigraphStore", "QueryTimeout", "Row", "StoreError"]
