"""The embedded store: Oxigraph (pyoxigraph), on disk or in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from ctrlgraph.store.base import Row, StoreError, combine_updates, literal_value, sparql_iri


def term_value(term: object) -> str | int | float | bool:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value if term.datatype else None)
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def _graphs(iris: Sequence[str] | None) -> list[ox.NamedNode] | None:
    return None if iris is None else [ox.NamedNode(i) for i in iris]


def replacement_update(graphs: Mapping[str, str], extra_update: str = "", *, blank_nodes_in_data: bool = True) -> str:
    """One SPARQL update that replaces each graph by its N-Triples, then runs
    ``extra_update`` (empty text: nothing to do). Without
    ``blank_nodes_in_data`` (a server refusing blank nodes in INSERT DATA), a
    graph holding blank nodes is written by INSERT { … } WHERE { }, which
    means the same: fresh blank nodes, shared within the template."""
    operations: list[str] = []
    for index, (graph, ntriples) in enumerate(graphs.items()):
        iri = sparql_iri(graph)
        operations.append(f"DROP SILENT GRAPH {iri}")
        if ntriples.strip():
            if "_:" in ntriples:
                ntriples = _own_blank_nodes(ntriples, index)
                if not blank_nodes_in_data:
                    operations.append(f"INSERT {{ GRAPH {iri} {{\n{ntriples}\n}} }} WHERE {{ }}")
                    continue
            operations.append(f"INSERT DATA {{ GRAPH {iri} {{\n{ntriples}\n}} }}")
    if extra_update.strip():
        operations.append(extra_update)
    return combine_updates(operations) if operations else ""


def _own_blank_nodes(ntriples: str, block: int) -> str:
    """Suffix blank-node labels with the block number: one update request may
    not share a blank node between two INSERT DATA blocks."""

    def rename(term: object) -> object:
        return ox.BlankNode(f"{term.value}x{block}") if isinstance(term, ox.BlankNode) else term  # type: ignore[attr-defined]

    triples = [
        ox.Triple(rename(t.subject), t.predicate, rename(t.object))  # type: ignore[arg-type]
        for t in (q.triple for q in ox.parse(ntriples.encode(), format=ox.RdfFormat.N_TRIPLES))
    ]
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


class OxigraphStore:
    """A :class:`~ctrlgraph.store.base.GraphStore` over a pyoxigraph ``Store``.

    ``path=None`` keeps everything in memory (tests, benchmarks); otherwise
    the RocksDB-backed store in that folder is opened (and created if absent).
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        if path is None:
            self._store = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(path))
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store, for bulk loading and pySHACL."""
        return self._store

    def _query(
        self,
        query: str,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        union_default: bool = False,
    ) -> object:
        try:
            if union_default:
                return self._store.query(query, use_default_graph_as_union=True)
            return self._store.query(
                query,
                default_graph=_graphs(default_graphs),
                named_graphs=_graphs(named_graphs),
            )
        except OSError as exc:  # pragma: no cover - disk failure
            raise StoreError(str(exc)) from exc

    def select(
        self,
        query: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        union_default: bool = False,
    ) -> list[Row]:
        solutions = self._query(query, default_graphs, named_graphs, union_default)
        if not isinstance(solutions, ox.QuerySolutions):
            raise StoreError("select() needs a SELECT query")
        names = [v.value for v in solutions.variables]
        rows: list[Row] = []
        for solution in solutions:
            row: Row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = term_value(term)
            rows.append(row)
        return rows

    def update(self, update: str) -> None:
        try:
            self._store.update(update)
        except OSError as exc:  # pragma: no cover - disk failure
            raise StoreError(str(exc)) from exc

    def replace_graphs(self, graphs: Mapping[str, str], *, extra_update: str = "") -> None:
        """Replace named graphs in one SPARQL update, which Oxigraph applies
        as a single transaction: either every graph changes or none does."""
        update = replacement_update(graphs, extra_update)
        if update:
            self.update(update)

    def graph_ntriples(self, graph: str) -> str:
        """The graph as sorted N-Triples: byte-identical for identical graphs."""
        quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        lines = sorted((text or b"").decode("utf-8").splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    def close(self) -> None:
        if self.path is not None:
            try:
                self._store.flush()
            except (OSError, RuntimeError):  # read-only stores cannot flush
                pass
        del self._store
