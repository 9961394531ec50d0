"""The embedded store: Oxigraph (pyoxigraph), on disk or in memory."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from ctrlgraph.iri import GRAPH, is_tenant_graph, mentions_tenant_graph
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


#: Folder, inside the store's folder, of the tenant store (see OxigraphStore).
TENANT_DIR = "tenants"
#: Folder, inside the store's folder, of the per-organization query views.
VIEW_DIR = "views"


#: Loads (graph IRI, N-Triples) parts into the store at a path (see OxigraphStore.reference_view).
ViewFiller = Callable[[str, list[tuple[str, bytes]]], None]


def fill_view(path: str, parts: list[tuple[str, bytes]]) -> None:
    """Load each part into its named graph of the store at ``path`` (a view
    being built), then close it.

    Deliberately not flushed: the organization's triples stay in the view's
    write-ahead log, which a query worker replays into memory when it opens
    the view read-only. Flushed, they became one small extra table file per
    index that every range scan of every query had to seek in as well: the
    README query took 16-20 % longer on such a view than on the reference
    store at full scale, against 2 % with the triples in memory
    (bench/README.md). Evidence too large for one memory table is flushed by
    the store on its own, and reads as it did before."""
    view = ox.Store(path)
    for graph, data in parts:
        if data:
            view.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
    del view


class MixedDatasetError(StoreError):
    """One request named reference graphs and tenant graphs together."""


class OxigraphStore:
    """A :class:`~ctrlgraph.store.base.GraphStore` over pyoxigraph, in two stores.

    The *reference store* holds the shipped and imported reference graphs, the
    meta graph and the derived graph, and nothing else: its union of graphs is
    the reference dataset, so reference queries (``union_default=True``) read
    it at full speed and no organization can add to what they see. The *tenant
    store* (``<path>/tenants``) holds everything written for organizations:
    evidence, validation reports, the audit trail, snapshots, and the system
    graph of organizations and keys. Requests are routed by the graph IRIs they
    name (:func:`ctrlgraph.iri.is_tenant_graph`); one request naming both is
    refused (:class:`MixedDatasetError`): join the two in Python.

    ``path=None`` keeps both in memory (tests, benchmarks); otherwise the
    RocksDB-backed stores in that folder are opened (and created if absent).
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        #: writes to the reference store through this object (reference.reference_version's memo key)
        self.reference_writes = 0
        #: writes to the tenant store through this object (tenants.known_principal's memo key:
        #: a key revocation is one)
        self.tenant_writes = 0
        if path is None:
            self._store = ox.Store()
            self._tenants = ox.Store()
        elif read_only:
            self._store = ox.Store.read_only(str(path))
            tenant_path = path / TENANT_DIR
            self._tenants = ox.Store.read_only(str(tenant_path)) if tenant_path.exists() else ox.Store()
        else:
            path.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))
            self._tenants = ox.Store(str(path / TENANT_DIR))
            self.moved_tenant_graphs = self.separate_tenant_graphs()

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph reference store, for bulk loading and pySHACL."""
        return self._store

    @property
    def raw_tenants(self) -> ox.Store:
        """The pyoxigraph tenant store."""
        return self._tenants

    def separate_tenant_graphs(self) -> list[str]:
        """Move tenant graphs found in the reference store (a store written by
        an earlier version kept everything in one) into the tenant store."""
        found = [g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode) and is_tenant_graph(g.value)]
        for graph in found:
            if self._tenants.contains_named_graph(graph):
                self._tenants.remove_graph(graph)
            self._tenants.extend(self._store.quads_for_pattern(None, None, None, graph))
            self._store.remove_graph(graph)
        if found:
            self.reference_writes += 1
            self.tenant_writes += 1
            self.flush()
        return sorted(g.value for g in found)

    def _for_text(self, text: str) -> ox.Store:
        return self._tenants if mentions_tenant_graph(text) else self._store

    def _for_graphs(self, graphs: Sequence[str]) -> ox.Store:
        tenant = {is_tenant_graph(g) for g in graphs}
        if tenant == {True, False}:
            raise MixedDatasetError("a request may name reference graphs or tenant graphs, not both")
        return self._tenants if tenant == {True} else self._store

    def _query(
        self,
        query: str,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
        union_default: bool = False,
    ) -> object:
        try:
            if union_default:
                if mentions_tenant_graph(query):
                    raise MixedDatasetError(
                        "a reference query (union_default) may not name tenant graphs: query them apart"
                    )
                return self._store.query(query, use_default_graph_as_union=True)
            if default_graphs is None and named_graphs is None:
                store = self._for_text(query)
            else:
                store = self._for_graphs([*(default_graphs or []), *(named_graphs or [])])
            return store.query(
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
        """Run an update in the store whose graphs it names. An update naming
        no tenant graph goes to the reference store."""
        if mentions_tenant_graph(update) and _names_reference_graph(update):
            raise MixedDatasetError("an update may write reference graphs or tenant graphs, not both")
        target = self._for_text(update)
        try:
            target.update(update)
        except OSError as exc:  # pragma: no cover - disk failure
            raise StoreError(str(exc)) from exc
        finally:
            if target is self._store:
                self.reference_writes += 1
            else:
                self.tenant_writes += 1

    def replace_graphs(self, graphs: Mapping[str, str], *, extra_update: str = "") -> None:
        """Replace named graphs in one SPARQL update, which Oxigraph applies
        as a single transaction: either every graph changes or none does."""
        update = replacement_update(graphs, extra_update)
        if not update:
            return
        store = self._for_graphs(list(graphs)) if graphs else self._for_text(extra_update)
        if extra_update.strip() and self._for_text(extra_update) is not store:
            raise MixedDatasetError("an update may write reference graphs or tenant graphs, not both")
        try:
            store.update(update)
        except OSError as exc:  # pragma: no cover - disk failure
            raise StoreError(str(exc)) from exc
        finally:
            if store is self._store:
                self.reference_writes += 1
            else:
                self.tenant_writes += 1

    def update_reference(self, update: str) -> None:
        """Run an update on the reference store whatever graphs it names (doctor's
        repair of an old store, whose reference store still lists tenant graphs)."""
        try:
            self._store.update(update)
        finally:
            self.reference_writes += 1

    def graph_ntriples(self, graph: str) -> str:
        """The graph as sorted N-Triples: byte-identical for identical graphs."""
        quads = self._for_graphs([graph]).quads_for_pattern(None, None, None, ox.NamedNode(graph))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        lines = sorted((text or b"").decode("utf-8").splitlines())
        return "\n".join(lines) + ("\n" if lines else "")

    def named_graphs(self) -> list[str]:
        graphs = [*self._store.named_graphs(), *self._tenants.named_graphs()]
        return sorted(g.value for g in graphs if isinstance(g, ox.NamedNode))

    def checkpoint(self, target: Path) -> None:
        """A copy of both stores as they are now, at ``target`` (hard links to
        the immutable table files, the memtables flushed first: cheap), for
        another process to read with ``OxigraphStore(target, read_only=True)``
        (opening the live store read-only beside this writer is undefined
        behaviour in pyoxigraph)."""
        if self.path is None:
            raise StoreError("checkpoints need an on-disk store")
        self._store.backup(str(target))
        self._tenants.backup(str(target / TENANT_DIR))

    def reference_view(self, org_graphs: Sequence[str], key: str, *, fill: ViewFiller | None = None) -> Path:
        """An on-disk store holding the reference graphs plus ``org_graphs``
        (copied from the tenant store), for an organization's SPARQL queries:
        its union of graphs is exactly what that organization may read, so
        queries over it run as fast as reference queries. Built once per
        ``key`` (the caller's versions of both sides) as a checkpoint of the
        reference store (hard links, cheap) plus the organization's triples,
        which ``fill`` loads (default :func:`fill_view`, here; the service
        runs it in a bounded worker process so the copy never holds the
        serving process). Taking the checkpoint and dumping the graphs run in
        pyoxigraph without the GIL."""
        if self.path is None:
            raise StoreError("organization views need an on-disk store")
        views = self.path / VIEW_DIR
        target = views / key
        if target.exists():
            return target
        views.mkdir(exist_ok=True)
        staging = views / f".{key}.{os.getpid()}.{threading.get_ident()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            self._store.backup(str(staging))
            parts = [
                (graph, self._tenants.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b"")
                for graph in org_graphs
            ]
            (fill or fill_view)(str(staging), parts)
            staging.rename(target)
        except OSError:
            if not target.exists():
                raise
        finally:  # a failed fill, or built meanwhile by another thread: keep that one
            shutil.rmtree(staging, ignore_errors=True)
        return target

    def drop_views(self, prefix: str = "", keep: str | None = None) -> None:
        """Remove the organization views whose key starts with ``prefix``
        but ``keep`` (a query worker that has one open keeps reading its files)."""
        if self.path is None or not (self.path / VIEW_DIR).exists():
            return
        for view in (self.path / VIEW_DIR).iterdir():
            if view.name.startswith(prefix) and view.name != keep and not view.name.startswith("."):
                shutil.rmtree(view, ignore_errors=True)

    def optimize(self) -> None:
        """Compact the reference store after a bulk change (a load, a pushed
        dataset). At 700 frameworks it takes about 10 s and halves the small
        bound look-ups a point query makes (bench/README.md); reads go on
        meanwhile."""
        self._store.optimize()

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()
            self._tenants.flush()

    def close(self) -> None:
        if self.path is not None:
            for store in (self._store, self._tenants):
                try:
                    store.flush()
                except (OSError, RuntimeError):  # read-only stores cannot flush
                    pass
        del self._store
        del self._tenants


_GRAPH_IRI = re.compile(r"<(https?://[^<>\s]*)>")


def _names_reference_graph(update: str) -> bool:
    """Whether an update names a non-tenant graph of ctrlgraph's own."""
    return any(iri.startswith(GRAPH) and not is_tenant_graph(iri) for iri in _GRAPH_IRI.findall(update))
