"""Reading and writing an organization's evidence graph.

A write is all-or-nothing: the upload is parsed and validated (the merged
graph, for an addition) before anything is stored, and the evidence graph and
its validation report are replaced in one store transaction. Writes to one
organization are serialized so that concurrent additions are never lost.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf, to_ntriples
from ctrlgraph.evidence.tenants import org_iri
from ctrlgraph.evidence.validation import EvidenceReport, graph_from_ntriples, validate_evidence
from ctrlgraph.iri import CG, DCTERMS, ORG_GRAPH_PREFIX, RDF, RDFS
from ctrlgraph.store.base import GraphStore, sparql_literal

_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
_locks_guard = threading.Lock()


def evidence_graph(org_id: str) -> str:
    return ORG_GRAPH_PREFIX + org_id


def report_graph(org_id: str) -> str:
    return ORG_GRAPH_PREFIX + org_id + "/validation"


def org_lock(org_id: str) -> threading.Lock:
    with _locks_guard:
        return _locks[org_id]


class EvidenceRejected(Exception):
    """The evidence does not conform: nothing was stored."""

    def __init__(self, report: EvidenceReport) -> None:
        self.report = report
        super().__init__(f"{len(report.violations)} SHACL violation(s)")


@dataclass
class WriteOutcome:
    triples: int
    report: EvidenceReport


def _with_org_node(ntriples: str, org_id: str, org_name: str) -> str:
    """Evidence always describes its organization; add the node if the upload did not."""
    if f"<{RDF}type> <{CG}Organization>" in ntriples:
        return ntriples
    iri = f"<{org_iri(org_id)}>"
    return ntriples + (
        f"{iri} <{RDF}type> <{CG}Organization> .\n"
        f"{iri} <{DCTERMS}identifier> {sparql_literal(org_id)} .\n"
        f"{iri} <{RDFS}label> {sparql_literal(org_name)} .\n"
    )


def check_org_node(ntriples: str, org_id: str) -> None:
    graph = graph_from_ntriples(ntriples)
    from rdflib import URIRef

    orgs = set(graph.subjects(URIRef(RDF + "type"), URIRef(CG + "Organization")))
    ids = {str(graph.value(o, URIRef(DCTERMS + "identifier"))) for o in orgs}
    if len(orgs) != 1 or ids != {org_id}:
        raise ParseProblem(
            "",
            f'the evidence must describe exactly one cg:Organization, with dcterms:identifier "{org_id}" '
            f"(found {len(orgs)}: {', '.join(sorted(ids)) or 'none'})",
        )


def read_evidence(store: GraphStore, org_id: str) -> str:
    return store.graph_ntriples(evidence_graph(org_id))


def read_report(store: GraphStore, org_id: str) -> str:
    return store.graph_ntriples(report_graph(org_id))


def write_evidence(
    store: GraphStore,
    org_id: str,
    org_name: str,
    body: bytes,
    media_type: str,
    mode: Literal["replace", "add"],
    as_of: date | None = None,
) -> WriteOutcome:
    """Parse, validate and store; raises ParseProblem (400) or EvidenceRejected (422)."""
    if media_type in ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        from ctrlgraph.evidence.template import template_to_ntriples

        new = template_to_ntriples(body, media_type, org_id)
    else:
        new = to_ntriples(parse_rdf(body, media_type, org_id))
    with org_lock(org_id):
        existing = read_evidence(store, org_id) if mode == "add" else ""
        merged = _with_org_node(existing + new, org_id, org_name)
        check_org_node(merged, org_id)
        graph = graph_from_ntriples(merged)
        report = validate_evidence(graph, as_of)
        if not report.conforms:
            raise EvidenceRejected(report)
        store.replace_graphs(
            {
                evidence_graph(org_id): merged,
                report_graph(org_id): report.report.serialize(format="nt"),
            }
        )
        return WriteOutcome(len(graph), report)
