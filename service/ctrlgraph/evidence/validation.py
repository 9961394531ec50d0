"""Validate evidence against shapes/evidence.ttl with pySHACL.

Violations make an upload fail; warnings (missing or stale evidence) are kept
and reported. Date bounds marked ``cgsh:asOfBound`` are set to the validation
date, so evidence can be checked as of today or as of an audit date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import pyshacl
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

from ctrlgraph.paths import shapes_dir

SH = Namespace("http://www.w3.org/ns/shacl#")
CGSH = Namespace("https://w3id.org/ctrlgraph/shapes#")


@dataclass(frozen=True)
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str | None


@dataclass
class EvidenceReport:
    as_of: date
    findings: list[Finding]
    report: Graph

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        return not self.violations


@cache
def _shapes() -> Graph:
    return Graph().parse(shapes_dir() / "evidence.ttl", format="turtle")


def shapes_as_of(as_of: date) -> Graph:
    """The evidence shapes with every as-of bound set to ``as_of``."""
    shapes = Graph()
    for triple in _shapes():
        shapes.add(triple)
    bound = Literal(as_of.isoformat(), datatype=XSD.date)
    for shape in list(shapes.subjects(CGSH.asOfBound, Literal(True))):
        shapes.set((shape, SH.minInclusive, bound))
    return shapes


def findings_of(report: Graph) -> list[Finding]:
    found: list[Finding] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):

        def one(prop: URIRef, node: object = result) -> str | None:
            value = report.value(node, prop)  # type: ignore[arg-type]
            return None if value is None else str(value)

        found.append(
            Finding(
                severity=(one(SH.resultSeverity) or "").rsplit("#", 1)[-1],
                focus=one(SH.focusNode) or "",
                path=one(SH.resultPath),
                value=one(SH.value),
                message=one(SH.resultMessage) or "",
                shape=one(SH.sourceShape),
            )
        )
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return sorted(found, key=lambda f: (order.get(f.severity, 3), f.focus, f.path or "", f.message))


def validate_evidence(data: Graph, as_of: date | None = None) -> EvidenceReport:
    as_of = as_of or date.today()
    _, report, text = pyshacl.validate(
        data,
        shacl_graph=shapes_as_of(as_of),
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # the data graph is ours and inference is off: skip pySHACL's copy
    )
    if not isinstance(report, Graph):  # pySHACL reports a broken shapes graph this way
        raise RuntimeError(f"the evidence shapes could not be applied: {text}")
    return EvidenceReport(as_of, findings_of(report), report)


def graph_from_ntriples(ntriples: str) -> Graph:
    graph = Graph()
    if ntriples.strip():
        graph.parse(data=ntriples, format="nt")
    return graph


# --------------------------------------------------------------------------
# Validation off the serving process: pySHACL is pure Python, and a large
# upload would hold the server's GIL for seconds, stalling every other request.
# The service validates in a bounded worker (ctrlgraph.work); the result is the same.
# --------------------------------------------------------------------------
def _validate_ntriples(ntriples: str, as_of: date) -> tuple[str, str, list[Finding]]:
    report = validate_evidence(graph_from_ntriples(ntriples), as_of)
    return report.as_of.isoformat(), report.report.serialize(format="nt"), report.findings


def validate_ntriples(
    ntriples: str, as_of: date | None = None, *, separate_process: bool = True, tenant: str = ""
) -> EvidenceReport:
    """Validate N-Triples, in a bounded worker process unless told otherwise
    (one job per ``tenant`` at a time; see ctrlgraph.work)."""
    as_of = as_of or date.today()
    if not separate_process:
        return validate_evidence(graph_from_ntriples(ntriples), as_of)
    from ctrlgraph import work

    day, report_nt, findings = work.pool().run(tenant, _validate_ntriples, ntriples, as_of)
    return EvidenceReport(date.fromisoformat(day), findings, graph_from_ntriples(report_nt))
