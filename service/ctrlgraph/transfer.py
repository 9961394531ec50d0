"""Push a whole dataset file (N-Quads or TriG) into a store, graph by graph.

For ``ctrlgraph load --dataset``: imported frameworks exported from another
store, or the benchmark's synthetic graph, sent to a remote server through the
Graph Store Protocol in batches.

* The file is read twice, streaming: first to check it (a syntax error stops
  the push before anything is written, naming the line) and to fingerprint
  each graph (SHA-256 of its quads in file order); then to send it.
* A graph whose fingerprint is recorded in the load-state graph is skipped, so
  a push that was interrupted resumes where it stopped.
* A graph is replaced by its first batch and extended by the next ones; a
  graph holding blank nodes goes in one request (blank node labels are scoped
  to one request).
* Graphs loaded from the shipped files (``ctrlgraph load``, recorded with
  their file's checksum) belong to those files: a push never replaces them.
  Their triples in the dataset are merged in, and a copy holding blank nodes
  (ontology, shapes: always the shipped file itself) is left out, as merging
  would duplicate its blank nodes. The meta graph is merged too, without the
  dataset's records of those graphs.
* Derived totals are recomputed once at the end.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ctrlgraph.iri import CG, DERIVED_GRAPH, GRAPH, META_GRAPH
from ctrlgraph.loader import derive_update, recorded_checksums
from ctrlgraph.store.base import GraphStore, sparql_iri, sparql_literal

#: Where pushed graphs' fingerprints are kept (not part of any query's dataset).
LOAD_STATE_GRAPH = GRAPH + "load-state"

Progress = Callable[[str, int, int], None]


class DatasetError(Exception):
    """The dataset file cannot be pushed; nothing was written."""


@dataclass
class _GraphInfo:
    sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    quads: int = 0
    blank_nodes: bool = False


@dataclass
class PushReport:
    pushed: int = 0
    skipped: int = 0
    triples: int = 0
    #: Shipped graphs (with blank nodes) whose copy in the dataset was left out.
    left_out: list[str] = field(default_factory=list)


def _format(path: Path) -> ox.RdfFormat:
    suffix = path.suffix.lower()
    if suffix in (".nq", ".nquads"):
        return ox.RdfFormat.N_QUADS
    if suffix == ".trig":
        return ox.RdfFormat.TRIG
    raise DatasetError(f"{path}: use an N-Quads (.nq) or TriG (.trig) file")


def _quads(path: Path) -> Iterator[ox.Quad]:
    try:
        yield from ox.parse(path=str(path), format=_format(path))
    except SyntaxError as exc:
        raise DatasetError(f"{path}:{exc.lineno}: {exc}") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: {exc}") from exc


def _kept(quad: ox.Quad, shipped: set[str]) -> bool:
    """Whether a quad of the file is pushed: not the dataset's own record of a shipped graph."""
    graph = quad.graph_name.value  # type: ignore[union-attr]
    return not (graph == META_GRAPH and isinstance(quad.subject, ox.NamedNode) and quad.subject.value in shipped)


def _survey(path: Path, shipped: set[str]) -> dict[str, _GraphInfo]:
    graphs: dict[str, _GraphInfo] = {}
    for quad in _quads(path):
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise DatasetError(f"{path}: a triple outside any named graph ({quad.triple}); every graph must be named")
        if not _kept(quad, shipped):
            continue
        info = graphs.setdefault(quad.graph_name.value, _GraphInfo())
        info.sha.update(str(quad.triple).encode("utf-8") + b"\n")
        info.quads += 1
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            info.blank_nodes = True
    return graphs


def pushed_checksums(store: GraphStore) -> dict[str, str]:
    rows = store.select(f"SELECT ?g ?sha WHERE {{ GRAPH <{LOAD_STATE_GRAPH}> {{ ?g <{CG}pushedSha256> ?sha }} }}")
    return {str(r["g"]): str(r["sha"]) for r in rows}


def _record(store: GraphStore, graph: str, sha: str) -> None:
    iri = sparql_iri(graph)
    store.update(
        f"DELETE WHERE {{ GRAPH <{LOAD_STATE_GRAPH}> {{ {iri} <{CG}pushedSha256> ?old }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{LOAD_STATE_GRAPH}> {{ {iri} <{CG}pushedSha256> {sparql_literal(sha)} }} }}"
    )


def push_dataset(
    store: GraphStore,
    path: Path,
    *,
    batch_triples: int = 50_000,
    force: bool = False,
    progress: Progress | None = None,
) -> PushReport:
    """Push every named graph of ``path``; see the module docstring."""
    if not getattr(store, "supports_graph_store_protocol", False):
        raise DatasetError("--dataset needs a store that speaks the Graph Store Protocol (--store sparql)")
    shipped = set(recorded_checksums(store))
    graphs = _survey(path, shipped)  # raises before any write
    report = PushReport(left_out=sorted(g for g, info in graphs.items() if g in shipped and info.blank_nodes))
    for graph in report.left_out:
        del graphs[graph]
    done = {} if force else pushed_checksums(store)
    todo = {g: info for g, info in graphs.items() if done.get(g) != info.sha.hexdigest()}
    report.skipped = len(graphs) - len(todo)
    if not todo:
        return report
    put_graph = store.put_graph  # type: ignore[attr-defined]
    post_graph = store.post_graph  # type: ignore[attr-defined]
    store.update(f"DROP SILENT GRAPH <{DERIVED_GRAPH}>")  # stale until the derive below

    sent: dict[str, int] = {}
    buffers: dict[str, list[str]] = {}

    def send(graph: str) -> None:
        lines = buffers.pop(graph, [])
        if not lines:
            return
        text = "".join(lines)
        if sent.get(graph, 0) == 0 and graph != META_GRAPH and graph not in shipped:
            put_graph(graph, text)
        else:
            post_graph(graph, text)
        sent[graph] = sent.get(graph, 0) + len(lines)
        if sent[graph] == todo[graph].quads:
            _record(store, graph, todo[graph].sha.hexdigest())
            report.pushed += 1
            if progress:
                progress(graph, report.pushed, len(todo))

    for quad in _quads(path):
        graph = quad.graph_name.value  # type: ignore[union-attr]
        if graph not in todo or not _kept(quad, shipped):
            continue
        buffer = buffers.setdefault(graph, [])
        buffer.append(str(quad.triple) + " .\n")
        report.triples += 1
        if len(buffer) >= batch_triples and not todo[graph].blank_nodes:
            send(graph)
        elif sent.get(graph, 0) + len(buffer) == todo[graph].quads:
            send(graph)  # the graph's last quad: send it and record its fingerprint
    for graph in list(buffers):
        send(graph)
    store.update(derive_update(store))
    return report
