"""Real SPARQL clients against a real `ctrlgraph serve` process."""

from __future__ import annotations

import subprocess

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, SPARQLWrapper

from tests.conftest import require_tool

pytestmark = pytest.mark.api

QUERY = """PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id WHERE { ?f a cg:Framework ; dcterms:identifier ?id } ORDER BY ?id"""
IDS = ["eu-ai-act-2024", "iso-hs", "iso27001-2022", "iso42001-2023", "iso9001-2015"]


def test_sparqlwrapper_select_csv_construct_and_post(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(JSON)
    result = client.queryAndConvert()
    assert [b["id"]["value"] for b in result["results"]["bindings"]] == IDS  # type: ignore[index]
    client.setReturnFormat(CSV)
    assert client.queryAndConvert().decode().splitlines()[1:] == IDS  # type: ignore[union-attr]
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    assert len(client.queryAndConvert()["results"]["bindings"]) == 5  # type: ignore[index]
    client.setQuery("CONSTRUCT { ?s ?p ?o } WHERE { ?s <http://purl.org/dc/terms/identifier> 'iso-hs' ; ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (URIRef("https://w3id.org/ctrlgraph/id/iso-hs"), None, None) in graph


def test_rdflib_sparqlstore(server: str) -> None:
    store = SPARQLStore(server + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    rows = list(graph.query(QUERY))
    assert [str(r[0]) for r in rows] == IDS
    ask = graph.query("ASK { ?s a <https://w3id.org/ctrlgraph/ns#Framework> }")
    assert ask.askAnswer is True


def test_jena_rsparql(server: str) -> None:
    rsparql = require_tool("rsparql")
    result = subprocess.run(
        [rsparql, "--service", server + "/sparql", "--results=csv", QUERY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["id", *IDS]
    ask = subprocess.run(
        [rsparql, "--service", server + "/sparql", "ASK { ?s a <https://w3id.org/ctrlgraph/ns#Framework> }"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Yes" in ask.stdout
    construct = subprocess.run(
        [
            rsparql,
            "--service",
            server + "/sparql",
            "--results=ntriples",
            "CONSTRUCT { ?f <http://purl.org/dc/terms/identifier> ?id }"
            " WHERE { ?f a <https://w3id.org/ctrlgraph/ns#Framework> ; <http://purl.org/dc/terms/identifier> ?id }",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert construct.returncode == 0, construct.stderr
    assert len(construct.stdout.strip().splitlines()) == 5
