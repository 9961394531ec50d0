"""`ctrlgraph doctor`: find what an existing store lets organizations change in
the reference answers, and repair it.

What it looks for:

* **tenant graphs in the reference dataset**: on the embedded store, an
  organization's graph (evidence, report, history, snapshot) or the system
  graph inside the reference store (a store written before reference and
  tenant data were kept apart); on any store, a tenant graph recorded as a
  reference graph in the meta graph. Either would make it part of every
  reference answer.
* **tenant-stated reference triples**: triples in an organization's current
  evidence that the evidence allow-list (:mod:`ctrlgraph.evidence.integrity`)
  refuses today — statements about requirements, frameworks, controls,
  mappings, ontology terms or other organizations. History snapshots holding
  such triples are reported too; they are the audit trail and are never read
  by reference answers, so they are kept as they are.

``repair`` moves tenant graphs out of the reference store, drops tenant graphs
from the meta graph's reference list, and writes each affected organization's
evidence again without the refused triples — as a new version in its audit
trail (kind "repair", changed by "doctor"), so the change is visible and can
be undone by restoring the version before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ctrlgraph.evidence import repository, tenants
from ctrlgraph.evidence.integrity import trespasses
from ctrlgraph.iri import CG, META_GRAPH, is_tenant_graph
from ctrlgraph.store.base import GraphStore, sparql_iri
from ctrlgraph.store.oxigraph import OxigraphStore
from ctrlgraph.store.readable import ReadableStore


@dataclass
class Finding:
    kind: str  # "tenant graph in reference store" | "tenant graph listed as reference" | "evidence" | "snapshot"
    graph: str
    count: int
    examples: list[str] = field(default_factory=list)
    #: Whether ``repair`` changes it (snapshots are reported only).
    repairable: bool = True

    def __str__(self) -> str:
        more = "".join(f"\n    {e}" for e in self.examples)
        return f"{self.kind}: <{self.graph}> ({self.count}){'' if self.repairable else ' [kept: audit trail]'}{more}"


def _reference_store_tenant_graphs(store: GraphStore) -> list[str]:
    if not isinstance(store, OxigraphStore):
        return []
    return sorted(g.value for g in store.raw.named_graphs() if isinstance(g, ox.NamedNode) and is_tenant_graph(g.value))


def _listed_as_reference(store: GraphStore) -> list[str]:
    rows = store.select(f"SELECT ?g WHERE {{ GRAPH <{META_GRAPH}> {{ ?g a <{CG}ReferenceGraph> }} }}")
    return sorted(str(r["g"]) for r in rows if is_tenant_graph(str(r["g"])))


def _trespasses_in(store: GraphStore, graph: str, org: str) -> tuple[list[str], int]:
    text = store.graph_ntriples(graph)
    if not text.strip():
        return [], 0
    triples = [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)]
    return trespasses(triples, org, limit=5)


def diagnose(store: GraphStore, *, snapshots: bool = True, moved: list[str] | None = None) -> list[Finding]:
    """Everything found, most serious first (nothing is changed). ``moved``:
    the tenant graphs the embedded store moved when it opened (default: the store's own record)."""
    if moved is None:
        moved = getattr(store, "moved_tenant_graphs", [])  # the embedded store moves them when it opens
    findings = (
        [Finding("tenant graph moved out of the reference store on opening", g, 1) for g in moved]
        + [Finding("tenant graph in reference store", g, 1) for g in _reference_store_tenant_graphs(store)]
        + [Finding("tenant graph listed as reference", g, 1) for g in _listed_as_reference(store)]
    )
    for org in (o["id"] for o in tenants.list_orgs(store)):
        examples, count = _trespasses_in(store, repository.evidence_graph(org), org)
        if count:
            findings.append(Finding("evidence", repository.evidence_graph(org), count, examples))
        if snapshots:
            for version in repository.history(store, org):
                graph = repository.snapshot_graph(org, version.number)
                examples, count = _trespasses_in(store, graph, org)
                if count:
                    findings.append(Finding("snapshot", graph, count, examples, repairable=False))
    return findings


def diagnose_copy(copy: ReadableStore, moved: list[str], snapshots: bool = False) -> list[Finding]:
    """:func:`diagnose` on a read-only copy of the store: the service's
    start-up check, run in a bounded worker process (ctrlgraph.work) so that
    reading every organization's evidence never holds the serving process."""
    store = copy.open()
    try:
        return diagnose(store, snapshots=snapshots, moved=moved)
    finally:
        store.close()


def repair(store: GraphStore) -> list[Finding]:
    """Repair what :func:`diagnose` finds; returns what was repaired."""
    repaired: list[Finding] = []
    if isinstance(store, OxigraphStore):
        repaired += [Finding("tenant graph in reference store", g, 1) for g in store.separate_tenant_graphs()]
    listed = _listed_as_reference(store)
    if listed:
        update = " ;\n".join(f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {sparql_iri(g)} ?p ?o }} }}" for g in listed)
        # The embedded store refuses an update naming both kinds of graph: this one goes to its reference store.
        store.update_reference(update) if isinstance(store, OxigraphStore) else store.update(update)
        repaired += [Finding("tenant graph listed as reference", g, 1) for g in listed]
    for org in (o["id"] for o in tenants.list_orgs(store)):
        graph = repository.evidence_graph(org)
        examples, count = _trespasses_in(store, graph, org)
        if count:
            repository.remove_trespasses(store, org)
            repaired.append(Finding("evidence", graph, count, examples))
    store.flush()
    return repaired
