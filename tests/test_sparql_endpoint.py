"""The SPARQL 1.1 Protocol endpoint: forms, negotiation, refusals, timeout."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from ctrlgraph.sparql.negotiation import ALIASES, choose, parse_accept

pytestmark = pytest.mark.api

PREFIXES = "PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
SELECT = PREFIXES + "SELECT ?id WHERE { ?f a cg:Framework ; dcterms:identifier ?id } ORDER BY ?id"
CONSTRUCT = PREFIXES + 'CONSTRUCT { ?f dcterms:title ?t } WHERE { ?f dcterms:identifier "iso-hs" ; dcterms:title ?t }'
IDS = ["eu-ai-act-2024", "iso-hs", "iso27001-2022", "iso42001-2023", "iso9001-2015"]
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def ids_from_json(body: bytes) -> list[str]:
    return [b["id"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_three_ways_to_send_a_query(client: TestClient) -> None:
    by_get = client.get("/sparql", params={"query": SELECT})
    by_form = client.post("/sparql", data={"query": SELECT})
    by_body = client.post("/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert ids_from_json(response.content) == IDS


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_result_formats(client: TestClient, accept: str, media_type: str) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    text = response.text
    if media_type == "text/csv":
        assert [r["id"] for r in csv.DictReader(io.StringIO(text))] == IDS
    elif media_type == "text/tab-separated-values":
        assert [line.strip('"') for line in text.splitlines()[1:]] == IDS
    elif media_type.endswith("xml"):
        assert all(f"<literal>{i}</literal>" in text for i in IDS)
    else:
        assert ids_from_json(response.content) == IDS


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_result_formats(client: TestClient, accept: str, rdflib_format: str) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 1
    assert "Harmoni" in str(next(iter(graph))[2])


def test_ask(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": PREFIXES + "ASK { ?f a cg:Framework }"})
    assert json.loads(response.content)["boolean"] is True


def test_unacceptable_accept_is_406(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_wrong_content_type_is_415(client: TestClient) -> None:
    response = client.post("/sparql", content=SELECT, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_syntax_error_is_400_with_the_parser_message(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELEC ?x WHERE { ?x ?p ?o }"})
    assert response.status_code == 400
    assert "error at 1:" in response.text


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", content="DROP ALL", headers={"Content-Type": "application/sparql-update"}),
        lambda c: c.post("/sparql", data={"update": "DROP ALL"}),
        lambda c: c.get("/sparql", params={"update": "DROP ALL"}),
        lambda c: c.get("/sparql", params={"query": "DROP ALL"}),
        lambda c: c.post("/sparql", content="CLEAR DEFAULT", headers={"Content-Type": "application/sparql-query"}),
        lambda c: c.get("/sparql", params={"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}),
    ],
)
def test_updates_are_refused_and_change_nothing(client: TestClient, send) -> None:  # type: ignore[no-untyped-def]
    before = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    response = send(client)
    assert response.status_code in (400, 403)
    after = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}).json()
    assert before == after


def test_service_is_refused(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
    assert response.status_code == 400 and "SERVICE" in response.text
    # ...but the word inside a literal is fine.
    ok = client.get("/sparql", params={"query": 'SELECT * WHERE { BIND("SERVICE" AS ?x) }'})
    assert ok.status_code == 200


def test_dataset_parameters(client: TestClient) -> None:
    hs = "https://w3id.org/ctrlgraph/graph/mappings/frameworks/iso-hs"
    query = PREFIXES + "SELECT ?id WHERE { ?f a cg:Framework ; dcterms:identifier ?id }"
    response = client.get("/sparql", params={"query": query, "default-graph-uri": hs})
    assert ids_from_json(response.content) == ["iso-hs"]
    # FROM in the query is honoured the same way.
    from_query = PREFIXES + f"SELECT ?id FROM <{hs}> WHERE {{ ?f a cg:Framework ; dcterms:identifier ?id }}"
    assert ids_from_json(client.get("/sparql", params={"query": from_query}).content) == ["iso-hs"]
    # named-graph-uri limits GRAPH ?g.
    named = client.get(
        "/sparql",
        params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": hs},
    )
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [hs]
    # A graph that is not part of the readable dataset is an empty graph (no 403: no existence oracle).
    other = client.get("/sparql", params={"query": query, "default-graph-uri": "https://example.org/secret"})
    assert other.status_code == 200 and ids_from_json(other.content) == []


def test_timeout_stops_the_query_and_the_server_stays_responsive(client: TestClient) -> None:
    started = time.monotonic()
    response = client.get("/sparql", params={"query": SLOW})
    elapsed = time.monotonic() - started
    assert response.status_code == 504 and "limit" in response.text
    assert elapsed < 3.0 + 5  # the 3 s limit of the fixture, plus worker restart slack
    # Both workers can be hit by runaway queries in a row, and the service answers right after.
    for _ in range(2):
        assert client.get("/sparql", params={"query": SLOW}).status_code == 504
    assert client.get("/sparql", params={"query": SELECT}).status_code == 200
    assert client.get("/v1/frameworks").status_code == 200


def test_negotiation_unit() -> None:
    offered = ["application/sparql-results+json", "text/csv"]
    assert choose(parse_accept("text/csv, */*;q=0.1"), offered) == "text/csv"
    assert choose(parse_accept("text/*;q=0.2, application/*;q=0.1"), offered) == "text/csv"
    assert choose(parse_accept("application/json", ALIASES), offered) == "application/sparql-results+json"
    assert choose(parse_accept("text/csv;q=0"), offered) is None
    assert choose(parse_accept(None), offered) == "application/sparql-results+json"
