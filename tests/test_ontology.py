"""The ontology is documented, and consistent under the HermiT reasoner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from ctrlgraph.iri import CG
from ctrlgraph.paths import mappings_dir, ontology_dir

ONTOLOGY = ontology_dir() / "ctrlgraph.ttl"
ONTOLOGY_FILES = sorted(ontology_dir().glob("*.ttl"))


def test_every_term_has_label_and_comment() -> None:
    g = Graph().parse(ONTOLOGY)
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(CG)}
    assert len(terms) > 50
    missing = sorted(str(t) for t in terms if (t, RDFS.label, None) not in g or (t, RDFS.comment, None) not in g)
    assert missing == []


def test_required_terms_exist() -> None:
    g = Graph().parse(ONTOLOGY)
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert (URIRef(CG + "Framework"), RDFS.subClassOf, URIRef(skos + "ConceptScheme")) in g
    assert (URIRef(CG + "Requirement"), RDFS.subClassOf, URIRef(skos + "Concept")) in g
    for name in ("equal", "subsetOf", "supersetOf", "intersectsWith", "noRelationship"):
        assert (URIRef(CG + name), RDF.type, URIRef(CG + "SetTheoryRelationship")) in g
    for name in ("syntactic", "semantic", "functional"):
        assert (URIRef(CG + name), RDF.type, URIRef(CG + "MappingRationale")) in g
    for name in ("requirement", "control", "relationship", "rationale"):
        assert (URIRef(CG + name), RDF.type, OWL.ObjectProperty) in g
    assert (URIRef(CG + "strength"), RDF.type, OWL.DatatypeProperty) in g


def _hermit(tmp_path: Path, files: list[Path]):  # type: ignore[no-untyped-def]
    import owlready2

    merged = Graph()
    for f in files:
        merged.parse(f)
    nt = tmp_path / "merged.nt"
    merged.serialize(nt, format="nt")
    world = owlready2.World()
    onto = world.get_ontology(nt.as_uri()).load()
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return world


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (.ci/run installs it)")
def test_ontology_is_consistent_and_has_no_unsatisfiable_class(tmp_path: Path) -> None:
    world = _hermit(tmp_path, ONTOLOGY_FILES)
    assert list(world.inconsistent_classes()) == []


@pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java (.ci/run installs it)")
def test_ontology_with_controls_and_a_framework_is_consistent(tmp_path: Path) -> None:
    # Instance data typed against the disjoint classes must not contradict them.
    files = [*ONTOLOGY_FILES, mappings_dir() / "controls.ttl", mappings_dir() / "frameworks" / "iso42001-2023.ttl"]
    world = _hermit(tmp_path, files)
    assert list(world.inconsistent_classes()) == []
