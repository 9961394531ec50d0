"""What an organization's evidence may state: an allow-list.

Evidence describes the organization's own resources and points at the
reference graph, never the other way round. Every triple must have:

* as subject, one of the organization's own resources: a blank node, the
  organization's node ``…/org/<id>``, or an IRI under its namespace
  ``…/org/<id>/`` (where relative IRIs of an upload land);
* as predicate, a property of the evidence vocabulary (the properties
  declared in ontology/evidence.ttl) or one of a few generic annotation
  properties (rdf:type, rdfs:label, rdfs:comment, dcterms:identifier, …);
* as object, a literal, one of the organization's own resources, an IRI
  outside ctrlgraph's namespaces (a document URL), or a ctrlgraph IRI (a
  control, a requirement, an ontology individual) as the object of an
  evidence-vocabulary property; rdf:type only names an evidence class.

Anything else — a triple about a requirement, a framework, a control, a
mapping, an ontology term, or another organization — is a trespass, named
triple by triple. The check is exact, linear in the size of the upload and
independent of SHACL, so a gap in the shapes cannot reopen it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox

from ctrlgraph.iri import CG, DCTERMS, RDF, RDFS
from ctrlgraph.paths import ontology_dir

#: Where ctrlgraph's own IRIs live (reference data, ontology, organizations).
CTRLGRAPH_NAMESPACE = "https://w3id.org/ctrlgraph/"
ORG_NAMESPACE = CTRLGRAPH_NAMESPACE + "org/"
RDF_TYPE = RDF + "type"
#: Generic properties evidence may use for its own resources (literals or external IRIs only).
GENERIC_PROPERTIES = frozenset(
    {
        RDF_TYPE,
        RDFS + "label",
        RDFS + "comment",
        RDFS + "seeAlso",
        DCTERMS + "identifier",
        DCTERMS + "title",
        DCTERMS + "description",
        DCTERMS + "created",
        DCTERMS + "modified",
        DCTERMS + "source",
    }
)
#: Evidence-vocabulary properties declared in ontology/ctrlgraph.ttl (shared with the reference model).
SHARED_PROPERTIES = frozenset({CG + "documentationTier"})
_PROPERTY_TYPES = {"ObjectProperty", "DatatypeProperty", "AnnotationProperty", "Property"}


@dataclass(frozen=True)
class Vocabulary:
    properties: frozenset[str]
    classes: frozenset[str]


@cache
def evidence_vocabulary() -> Vocabulary:
    """The properties and classes declared in ontology/evidence.ttl."""
    properties: set[str] = set(SHARED_PROPERTIES)
    classes: set[str] = {CG + "Organization"}
    for quad in ox.parse(path=str(ontology_dir() / "evidence.ttl"), format=ox.RdfFormat.TURTLE):
        if quad.predicate.value != RDF_TYPE or not isinstance(quad.subject, ox.NamedNode):
            continue
        kind = quad.object.value.rsplit("#", 1)[-1]
        if kind in _PROPERTY_TYPES:
            properties.add(quad.subject.value)
        elif kind == "Class":
            classes.add(quad.subject.value)
    return Vocabulary(frozenset(properties), frozenset(classes))


def _own(term: object, org_iri: str, namespace: str) -> bool:
    if isinstance(term, ox.BlankNode):
        return True
    return isinstance(term, ox.NamedNode) and (term.value == org_iri or term.value.startswith(namespace))


def _whose(iri: str) -> str:
    if iri.startswith(ORG_NAMESPACE):
        return "another organization's IRI"
    if iri.startswith(CTRLGRAPH_NAMESPACE):
        return "a reference IRI (a framework, requirement, control, mapping or ontology term)"
    return "an IRI outside the organization's namespace"


def trespass(triple: ox.Triple, org_id: str) -> str | None:
    """Why evidence of ``org_id`` may not state this triple, or None."""
    org_iri = ORG_NAMESPACE + org_id
    namespace = org_iri + "/"
    vocabulary = evidence_vocabulary()
    subject, predicate, obj = triple.subject, triple.predicate.value, triple.object
    if not _own(subject, org_iri, namespace):
        return f"its subject is {_whose(subject.value)}, not one of the organization's own resources"
    if predicate not in vocabulary.properties and predicate not in GENERIC_PROPERTIES:
        return "its property is not part of the evidence vocabulary (ontology/evidence.ttl)"
    if isinstance(obj, ox.NamedNode) and not _own(obj, org_iri, namespace):
        if obj.value.startswith(ORG_NAMESPACE):
            return "its object is another organization's IRI"
        if predicate == RDF_TYPE:
            if obj.value not in vocabulary.classes:
                return "rdf:type names a class that is not part of the evidence vocabulary"
        elif obj.value.startswith(CTRLGRAPH_NAMESPACE) and predicate not in vocabulary.properties:
            return "it points at a reference IRI with a property outside the evidence vocabulary"
    return None


def trespasses(triples: list[ox.Triple], org_id: str, *, limit: int = 20) -> tuple[list[str], int]:
    """The triples evidence of ``org_id`` may not state (at most ``limit``,
    each written as N-Triples with the reason), and how many there are."""
    found: list[str] = []
    count = 0
    for triple in triples:
        reason = trespass(triple, org_id)
        if reason is not None:
            count += 1
            if len(found) < limit:
                found.append(f"{triple} . ({reason})")
    return found, count
