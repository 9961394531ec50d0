"""Namespaces and the IRI conventions of mappings/README.md, in one place."""

from __future__ import annotations

import re

CG = "https://w3id.org/ctrlgraph/ns#"
ID = "https://w3id.org/ctrlgraph/id/"
GRAPH = "https://w3id.org/ctrlgraph/graph/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"
PROV = "http://www.w3.org/ns/prov#"

OWL = "http://www.w3.org/2002/07/owl#"
VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
SSSOM = "https://w3id.org/sssom/"
SEMAPV = "https://w3id.org/semapv/vocab/"

#: The namespaces Turtle, TriG and RDF/XML answers declare (``@prefix``). Not
#: ID or GRAPH: their local names hold slashes, which Turtle would escape.
KNOWN_PREFIXES = {
    "cg": CG,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "sh": SH,
    "prov": PROV,
    "void": VOID,
    "sd": SD,
    "sssom": SSSOM,
    "semapv": SEMAPV,
}

#: Named graph that records which reference files are loaded (with checksums).
META_GRAPH = GRAPH + "meta"
#: Named graph holding aggregates precomputed at load time from the mappings.
DERIVED_GRAPH = GRAPH + "derived"
#: Prefix of every organization's evidence graph.
ORG_GRAPH_PREFIX = GRAPH + "org/"
#: Organizations and API keys (hashes); tenant data, never in a reference dataset.
SYSTEM_GRAPH = GRAPH + "system"
#: Cross-process locks on a remote store.
LEASE_GRAPH = GRAPH + "leases"


def is_tenant_graph(iri: str) -> bool:
    """Graphs written on behalf of organizations (evidence, validation reports,
    audit trail, snapshots) or holding keys: never part of a reference answer."""
    return iri.startswith(ORG_GRAPH_PREFIX) or iri in (SYSTEM_GRAPH, LEASE_GRAPH)


def mentions_tenant_graph(text: str) -> bool:
    """Whether a query or update names a tenant graph (as an IRI in <…>)."""
    return f"<{ORG_GRAPH_PREFIX}" in text or f"<{SYSTEM_GRAPH}>" in text or f"<{LEASE_GRAPH}>" in text


#: PREFIX lines shared by every query file.
SPARQL_PREFIXES = f"""PREFIX cg: <{CG}>
PREFIX skos: <{SKOS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
PREFIX prov: <{PROV}>
"""

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slug(notation: str) -> str:
    """IRI-safe local name of a notation: ``Art. 9(2)(a)`` -> ``art-9-2-a``."""
    return _NON_SLUG.sub("-", notation.lower()).strip("-")


def framework_iri(framework_id: str) -> str:
    return ID + framework_id


def requirement_iri(framework_id: str, notation: str) -> str:
    return f"{ID}{framework_id}/{slug(notation)}"


def control_iri(notation: str) -> str:
    return f"{ID}control/{notation}"
