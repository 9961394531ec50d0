"""Storage backends. Every backend speaks SPARQL 1.1; the rest of ctrlgraph
talks to :class:`~ctrlgraph.store.base.GraphStore` only.

* :class:`OxigraphStore` — the embedded store (pyoxigraph), on disk or in memory;
* :class:`~ctrlgraph.store.remote.RemoteStore` — a SPARQL 1.1 server (Virtuoso,
  Fuseki, GraphDB, Neptune) over HTTP; server differences in ``dialect.py``.
"""

from ctrlgraph.store.base import GraphStore, QueryTimeout, Row, StoreError
from ctrlgraph.store.oxigraph import OxigraphStore

__all__ = ["GraphStore", "OxigraphStore", "QueryTimeout", "Row", "StoreError"]
