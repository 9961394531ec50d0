"""Build the reference graph in a store from ontology/, mappings/ and shapes/.

Each Turtle file becomes one named graph. Loading is:
* checked first: every changed file is parsed before anything is written, so a
  malformed file stops the load with its name and line and the store is left
  exactly as it was;
* atomic: all changed graphs, their checksums and the derived aggregates are
  written in one SPARQL update (one transaction);
* idempotent: a file whose SHA-256 matches the checksum recorded in the meta
  graph is skipped.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from ctrlgraph import queries
from ctrlgraph.iri import CG, DCTERMS, DERIVED_GRAPH, GRAPH, META_GRAPH, RDF, XSD
from ctrlgraph.paths import data_root, reference_files
from ctrlgraph.store.base import GraphStore, Iri, bind, combine_updates, sparql_iri, sparql_literal
from ctrlgraph.store.oxigraph import OxigraphStore


class LoadError(Exception):
    """A reference file could not be loaded; nothing was written."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    triples: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.loaded or self.removed)


def graph_iri_for(path: Path, root: Path) -> str:
    """``mappings/links/iso42001-2023.ttl`` -> ``…/graph/mappings/links/iso42001-2023``."""
    relative = path.relative_to(root).with_suffix("")
    return GRAPH + relative.as_posix()


def parse_turtle(path: Path) -> str:
    """Parse a Turtle file and return it as N-Triples, or raise LoadError."""
    try:
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except SyntaxError as exc:
        raise LoadError(path, exc.lineno, str(exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, None, str(exc)) from exc
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return (text or b"").decode("utf-8")


def recorded_checksums(store: GraphStore) -> dict[str, str]:
    rows = store.select(f"SELECT ?g ?sha WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{CG}sha256> ?sha }} }}")
    return {str(r["g"]): str(r["sha"]) for r in rows}


def reference_graphs(store: GraphStore) -> list[str]:
    """IRIs of the loaded reference graphs (plus the derived graph): the
    default dataset of every reference query."""
    rows = store.select(f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ ?g a <{CG}ReferenceGraph> }} }}")
    graphs = sorted(str(r["g"]) for r in rows)
    return [*graphs, DERIVED_GRAPH] if graphs else []


def _meta_update(changes: dict[str, tuple[str, str, int]], removed: Sequence[str]) -> str:
    """Rewrite the meta-graph entries of changed and removed graphs."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ops: list[str] = []
    for graph in [*changes, *removed]:
        iri = sparql_iri(graph)
        ops.append(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {iri} ?p ?o }} }}")
    triples: list[str] = []
    for graph, (source, sha, count) in changes.items():
        iri = sparql_iri(graph)
        triples.append(
            f"{iri} <{RDF}type> <{CG}ReferenceGraph> ; <{DCTERMS}source> {sparql_literal(source)} ; "
            f"<{CG}sha256> {sparql_literal(sha)} ; <{CG}tripleCount> {sparql_literal(count)} ; "
            f'<{DCTERMS}modified> "{now}"^^<{XSD}dateTime> .'
        )
    if triples:
        ops.append(f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{\n" + "\n".join(triples) + "\n} }")
    return " ;\n".join(ops)


#: Called after each graph a remote load pushes: (graph IRI, graphs done, graphs to do).
Progress = Callable[[str, int, int], None]


def load_reference(
    store: GraphStore,
    files: Sequence[Path] | None = None,
    *,
    root: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> LoadReport:
    """Load (or refresh) the reference graph; see the module docstring.

    On a remote server (a store speaking the Graph Store Protocol) the graphs
    are pushed one by one instead, each followed by its checksum: a load that
    is interrupted resumes where it stopped, skipping the graphs already there.
    """
    root = root or data_root()
    files = list(files) if files is not None else reference_files(root)
    recorded = {} if force else recorded_checksums(store)
    report = LoadReport()

    new_content: dict[str, str] = {}
    changes: dict[str, tuple[str, str, int]] = {}
    wanted: set[str] = set()
    for path in files:
        graph = graph_iri_for(path, root)
        wanted.add(graph)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if recorded.get(graph) == sha:
            report.unchanged.append(graph)
            continue
        ntriples = parse_turtle(path)  # raises LoadError before any write
        new_content[graph] = ntriples
        changes[graph] = (path.relative_to(root).as_posix(), sha, ntriples.count("\n"))
        report.loaded.append(graph)

    current = recorded if not force else recorded_checksums(store)
    report.removed = sorted(g for g in current if g not in wanted)
    for graph in report.removed:
        new_content[graph] = ""

    remote = getattr(store, "supports_graph_store_protocol", False)
    if remote and (report.changed or force or not _derived_present(store)):
        _push_graphs(store, new_content, changes, progress)
    elif report.changed or force:
        derive = derive_update(store)
        meta = _meta_update(changes, report.removed)
        store.replace_graphs(new_content, extra_update=combine_updates([meta, derive]))
    report.triples = sum(c for _, _, c in changes.values())
    return report


def _derived_present(store: GraphStore) -> bool:
    rows = store.select(f"SELECT ?s WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }} LIMIT 1", union_default=True)
    return bool(rows)


def derive_update(store: GraphStore) -> str:
    """The update that precomputes every control's totals (queries/derive/coverage.ru)
    for ``store``: on the embedded store, whose reference store holds reference
    graphs only, without the graph-name filters a shared remote server needs."""
    text = bind(queries.load("derive/coverage"), {"derived": Iri(DERIVED_GRAPH)})
    if isinstance(store, OxigraphStore):
        text = "\n".join(line for line in text.splitlines() if not line.endswith("# remote only"))
    return text


def _push_graphs(
    store: GraphStore,
    content: dict[str, str],
    changes: dict[str, tuple[str, str, int]],
    progress: Progress | None,
) -> None:
    """Graph by graph through the Graph Store Protocol, each graph's checksum
    recorded right after it lands (so a rerun skips it), derived totals last.
    The derived graph is dropped first: its absence marks a load that has not
    finished, which the next run completes even when every graph is there."""
    put_graph = store.put_graph  # type: ignore[attr-defined]
    store.update(f"DROP SILENT GRAPH <{DERIVED_GRAPH}>")
    total = len(content)
    for done, (graph, ntriples) in enumerate(content.items(), start=1):
        put_graph(graph, ntriples)
        if graph in changes:
            store.update(_meta_update({graph: changes[graph]}, []))
        else:
            store.update(_meta_update({}, [graph]))
        if progress:
            progress(graph, done, total)
    store.update(derive_update(store))
