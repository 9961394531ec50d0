"""SHACL validation with pySHACL (reference content; evidence comes later)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import Graph

from ctrlgraph.paths import mappings_dir, ontology_dir, shapes_dir


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str | None


@dataclass
class ValidationOutcome:
    conforms: bool
    violations: list[Violation]
    report: Graph


def load_graph(files: Iterable[Path]) -> Graph:
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def violations_of(report: Graph) -> list[Violation]:
    """The validation results of a pySHACL report graph, as plain records."""
    from ctrlgraph.evidence.validation import findings_of

    return [Violation(f.focus, f.path, f.value, f.message, f.severity, f.shape) for f in findings_of(report)]


def validate(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationOutcome:
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    assert isinstance(report, Graph)
    return ValidationOutcome(bool(conforms), violations_of(report), report)


def validate_reference(
    mappings: Path | None = None, progress: Callable[[str], None] | None = None
) -> ValidationOutcome:
    """Validate every file under mappings/ against shapes/reference.ttl;
    ``progress`` is told each step as it starts (validation takes a minute)."""
    step = progress or (lambda _: None)
    files = sorted((mappings or mappings_dir()).rglob("*.ttl"))
    step(f"reading {len(files)} file(s) of mappings/")
    data = load_graph(files)
    step("reading shapes/reference.ttl and the ontology")
    shapes = load_graph([shapes_dir() / "reference.ttl"])
    ontology = load_graph(sorted(ontology_dir().glob("*.ttl")))
    step(f"validating {len(data):,} triples (pyshacl, about a minute)")
    return validate(data, shapes, ontology)
