"""The reference graph obeys its own SHACL shapes, and the shapes really bite."""

from __future__ import annotations

import shutil
from pathlib import Path

from rdflib import Graph

from ctrlgraph.paths import mappings_dir, ontology_dir, shapes_dir
from ctrlgraph.validation import load_graph, validate, validate_reference


def test_mappings_conform_to_reference_shapes() -> None:
    outcome = validate_reference()
    assert outcome.violations == []
    assert outcome.conforms


BAD = """
@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <https://example.org/> .
ex:fw a cg:Framework ; dcterms:identifier "x" ; dcterms:title "X" ; dcterms:publisher "P" ; owl:versionInfo "1" .
ex:r1 a cg:Requirement ; skos:inScheme ex:fw ; skos:notation "1" ; skos:prefLabel "One" ;
    cg:assessable true ; cg:requirementType cg:ClauseType ; cg:documentOrder 1 ; skos:topConceptOf ex:fw .
ex:r2 a cg:Requirement ; skos:inScheme ex:fw ; skos:notation "1" ; skos:prefLabel "Dup" ;
    cg:assessable false ; cg:requirementType cg:ClauseType ; cg:documentOrder 2 .
ex:m a cg:Mapping ; cg:requirement ex:r1 ; cg:relationship cg:equal ; cg:rationale cg:semantic ;
    cg:strength 7 ; dcterms:description "d" ; dcterms:source "s" .
"""


def test_shapes_catch_broken_content() -> None:
    data = Graph().parse(data=BAD, format="turtle")
    shapes = load_graph([shapes_dir() / "reference.ttl"])
    outcome = validate(data, shapes, load_graph(sorted(ontology_dir().glob("*.ttl"))))
    assert not outcome.conforms
    messages = " | ".join(v.message for v in outcome.violations)
    assert "more than one requirement" in messages  # duplicate notation
    assert "parent" in messages  # r2 has neither broader nor topConceptOf
    assert "Strength must match" in messages  # equal with strength 7
    assert "exactly one control" in messages  # mapping without control


def test_unmapped_assessable_requirement_is_a_violation(tmp_path: Path) -> None:
    # ISO 9001 with the control set and no mappings (not the whole reference graph:
    # validating all of it is what the test above does, and takes most of a minute)
    copy = tmp_path / "mappings"
    for name in ("controls.ttl", "frameworks/iso9001-2015.ttl"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mappings_dir() / name, copy / name)
    (copy / "links").mkdir()
    (copy / "links" / "iso9001-2015.ttl").write_text("", encoding="utf-8")
    outcome = validate_reference(copy)
    assert not outcome.conforms
    assert any("at least one cg:Mapping" in v.message for v in outcome.violations)
