"""The SPARQL endpoint describes itself (Service Description, VoID, example
queries) and speaks HTTP as clients expect (@prefix in Turtle, gzip, HEAD,
CORS, format=). Run against the real app over a real store; every example
query file is run through /sparql and its answer checked."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.namespace import RDF, VOID

from ctrlgraph.api.describe import EXAMPLES_DIR, VOCABULARIES, examples, parse_example
from ctrlgraph.loader import reference_graphs
from ctrlgraph.store import OxigraphStore
from tests import backends

pytestmark = pytest.mark.api

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
CG = rdflib.Namespace("https://w3id.org/ctrlgraph/ns#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")
YASGUI = "https://yasgui.example.org"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with CORS for one origin and a query time limit that leaves
    room for the heavier examples on a busy machine."""
    from ctrlgraph.api.app import create_app

    settings = backends.api_settings(
        tmp_path_factory.mktemp("describe-store"), query_timeout=30.0, sparql_workers=2, cors_origins=(YASGUI,)
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def graphs_of(client: TestClient) -> set[str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    return set(reference_graphs(store))


def parse(body: str, media_type: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=media_type)


# --------------------------------------------------------------------------
# Service Description
# --------------------------------------------------------------------------
def test_get_sparql_without_query_is_the_service_description(client: TestClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    assert "@prefix sd: <http://www.w3.org/ns/sparql-service-description#>" in response.text
    g = parse(response.text)
    service = rdflib.URIRef("http://testserver/sparql")
    assert (service, RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_CSV, FORMATS.Turtle, FORMATS["JSON-LD"]} <= formats
    dataset = g.value(service, SD.defaultDataset)
    names = {str(g.value(n, SD.name)) for n in g.objects(dataset, SD.namedGraph)}
    assert names == graphs_of(client) | {"https://w3id.org/ctrlgraph/graph/meta"}
    # each framework graph's size is the number of triples it holds
    store = client.app.state.store  # type: ignore[attr-defined]
    for named in g.objects(dataset, SD.namedGraph):
        name = str(g.value(named, SD.name))
        if "frameworks/" in name:
            counted = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")[0]["n"]
            assert int(g.value(g.value(named, SD.graph), VOID.triples)) == int(counted)


def test_service_description_in_json_ld_and_html_goes_to_the_console(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    g = parse(response.text, "json-ld")
    assert (rdflib.URIRef("http://testserver/sparql"), RDF.type, SD.Service) in g
    browser = client.get(
        "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, follow_redirects=False
    )
    assert browser.status_code == 303 and browser.headers["location"].endswith("/#/sparql")
    assert client.get("/sparql", headers={"Accept": "image/png"}).status_code == 406


# --------------------------------------------------------------------------
# VoID
# --------------------------------------------------------------------------
def test_void_has_one_dataset_per_framework_graph(client: TestClient, ref_store: OxigraphStore) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and "@prefix void: <http://rdfs.org/ns/void#>" in response.text
    g = parse(response.text)
    root = rdflib.URIRef("http://testserver/.well-known/void#ctrlgraph")
    assert (root, VOID.sparqlEndpoint, rdflib.URIRef("http://testserver/sparql")) in g
    framework_graphs = {
        str(r["g"]): str(r["id"])
        for r in ref_store.select(
            "SELECT ?g ?id WHERE { GRAPH ?g { ?f a <https://w3id.org/ctrlgraph/ns#Framework> ; "
            "<http://purl.org/dc/terms/identifier> ?id } }"
        )
    }
    subsets = set(g.objects(root, VOID.subset))
    assert {str(s) for s in subsets} == set(framework_graphs) and len(subsets) >= 5
    for subset in subsets:
        graph = str(subset)
        assert (subset, RDF.type, VOID.Dataset) in g
        assert (subset, VOID.sparqlEndpoint, rdflib.URIRef("http://testserver/sparql")) in g
        triples = ref_store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
        assert int(g.value(subset, VOID.triples)) == int(triples) > 0
        example = g.value(subset, VOID.exampleResource)
        assert example is not None, graph
        assert ref_store.select(
            f"SELECT * WHERE {{ GRAPH <{graph}> {{ <{example}> a <https://w3id.org/ctrlgraph/ns#Requirement> }} }}"
        )
        # the vocabularies listed are the ones the graph uses (besides rdf:)
        used = {
            re.match(r"(.*[#/])", str(r["p"])).group(1)  # type: ignore[union-attr]
            for r in ref_store.select(
                f"SELECT DISTINCT ?p WHERE {{ GRAPH <{graph}> {{ {{ ?s ?p ?o }} UNION {{ ?s a ?p }} }} }}"
            )
        } - {str(RDF)}
        assert used == {str(v) for v in g.objects(subset, VOID.vocabulary)} == set(VOCABULARIES)


def test_void_in_other_formats(client: TestClient) -> None:
    as_jsonld = client.get("/.well-known/void", params={"format": "jsonld"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(parse(as_jsonld.text, "json-ld")) == len(parse(client.get("/.well-known/void").text))
    assert client.get("/.well-known/void", headers={"Accept": "application/rdf+xml"}).text.startswith("<?xml")


# --------------------------------------------------------------------------
# Example queries
# --------------------------------------------------------------------------
def test_examples_are_listed_with_what_they_answer(client: TestClient) -> None:
    listed = client.get("/v1/queries/examples").json()
    files = sorted(EXAMPLES_DIR.glob("*.rq"))
    assert len(listed) == len(files) >= 15
    assert [e["id"] for e in listed] == [f.stem for f in files]
    for e in listed:
        assert e["title"] and e["description"] and e["query"].startswith("# ")
    forms = {e["form"] for e in listed}
    assert {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"} <= forms
    # the roll-ups use MINUS, not FILTER NOT EXISTS
    rollups = [e for e in listed if "broader*" in e["query"]]
    assert rollups and any("MINUS" in e["query"] for e in rollups)
    assert not any("NOT EXISTS" in e["query"] for e in rollups)
    one = client.get(f"/v1/queries/examples/{listed[1]['id']}")
    assert one.headers["content-type"].startswith("application/sparql-query") and one.text == listed[1]["query"]
    missing = client.get("/v1/queries/examples/nope")
    assert missing.status_code == 404 and listed[0]["id"] in missing.text


def test_an_example_file_without_its_comment_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "bare.rq"
    bare.write_text("SELECT * WHERE { ?s ?p ?o }", encoding="utf-8")
    with pytest.raises(ValueError, match="comment"):
        parse_example(bare)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.id)
def test_every_example_query_answers(client: TestClient, example: object) -> None:
    from ctrlgraph.api.describe import ExampleQuery

    assert isinstance(example, ExampleQuery)
    response = client.post(
        "/sparql",
        content=example.query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json, text/turtle"},
    )
    assert response.status_code == 200, response.text
    if example.form == "SELECT":
        body = response.json()
        assert body["results"]["bindings"], f"{example.id} found nothing"
    elif example.form == "ASK":
        assert isinstance(response.json()["boolean"], bool)
    else:
        assert response.headers["content-type"].startswith("text/turtle")
        assert "@prefix" in response.text
        assert len(parse(response.text)) > 0, f"{example.id} constructed nothing"


# --------------------------------------------------------------------------
# cg:ControlFrameworkCoverage: the vocabulary and the data agree
# --------------------------------------------------------------------------
def test_control_framework_coverage_is_computed_not_stored(client: TestClient, ref_store: OxigraphStore) -> None:
    from ctrlgraph.paths import ontology_dir

    ontology = rdflib.Graph().parse(ontology_dir() / "ctrlgraph.ttl")
    comment = str(ontology.value(CG.ControlFrameworkCoverage, rdflib.RDFS.comment))
    assert "never stored" in comment and "15-control-framework-coverage.rq" in comment
    stored = ref_store.select(
        "SELECT (COUNT(?x) AS ?n) WHERE { ?x a <https://w3id.org/ctrlgraph/ns#ControlFrameworkCoverage> }",
        union_default=True,
    )
    assert int(stored[0]["n"]) == 0
    query = (EXAMPLES_DIR / "15-control-framework-coverage.rq").read_text(encoding="utf-8")
    response = client.post(
        "/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"}
    )
    g = parse(response.text)
    nodes = set(g.subjects(RDF.type, CG.ControlFrameworkCoverage))
    assert nodes
    # every property on a coverage node is one the ontology gives that domain (or a count it shares)
    declared = {p for p in ontology.subjects(rdflib.RDFS.domain, CG.ControlFrameworkCoverage)} | {CG.requirementCount}
    used = {p for n in nodes for p in g.predicates(n)} - {RDF.type}
    assert used == declared
    # checked against the mappings: MON-03's coverage of ISO/IEC 42001
    mon03 = rdflib.URIRef("https://w3id.org/ctrlgraph/id/control/MON-03/coverage/iso42001-2023")
    expected = client.get("/v1/controls/MON-03").json()["serves"]["iso42001-2023"]
    counted = {r["notation"] for r in expected if r["relationship"] != "no relationship"}
    assert int(g.value(mon03, CG.requirementCount)) == len(counted)
    assert int(g.value(mon03, CG.maxStrength)) == max(r["strength"] for r in expected)


# --------------------------------------------------------------------------
# HTTP: @prefix, format=, gzip, HEAD, CORS
# --------------------------------------------------------------------------
CONSTRUCT = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "CONSTRUCT { ?c skos:prefLabel ?t } WHERE { ?c a <https://w3id.org/ctrlgraph/ns#Control> ; skos:prefLabel ?t }"
)
SELECT = (
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?id WHERE { ?f a <https://w3id.org/ctrlgraph/ns#Framework> ; dcterms:identifier ?id } ORDER BY ?id"
)


@pytest.mark.parametrize(("accept", "declaration"), [("text/turtle", "@prefix"), ("application/trig", "@prefix")])
def test_turtle_and_trig_answers_declare_prefixes(client: TestClient, accept: str, declaration: str) -> None:
    response = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    assert f"{declaration} skos: <http://www.w3.org/2004/02/skos/core#> ." in response.text
    assert "skos:prefLabel" in response.text  # the prefix is used, not just declared
    g = (
        rdflib.Dataset().parse(data=response.text, format="trig")
        if accept == "application/trig"
        else parse(response.text)
    )
    # one triple per control: as many as the same pattern counts
    count = client.get(
        "/sparql",
        params={"query": CONSTRUCT.replace("CONSTRUCT { ?c skos:prefLabel ?t }", "SELECT (COUNT(*) AS ?n)")},
        headers={"Accept": "text/csv"},
    )
    assert len(g) == int(count.text.splitlines()[1]) > 100


def test_format_parameter_for_clients_that_cannot_set_accept(client: TestClient) -> None:
    as_csv = client.get("/sparql", params={"query": SELECT, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert [r["id"] for r in csv.DictReader(io.StringIO(as_csv.text))][:2] == ["eu-ai-act-2024", "iso-hs"]
    # pandas.read_csv(url) is exactly this: a GET with no useful Accept
    pandas = pytest.importorskip("pandas")
    assert "iso42001-2023" in set(pandas.read_csv(io.StringIO(as_csv.text))["id"])
    as_json = client.get("/sparql", params={"query": SELECT, "format": "json"}, headers={"Accept": "text/csv"})
    assert as_json.headers["content-type"].startswith("application/sparql-results+json")
    graph = client.get("/sparql", params={"query": CONSTRUCT, "format": "json"})
    assert graph.headers["content-type"].startswith("application/ld+json")
    bad = client.get("/sparql", params={"query": SELECT, "format": "xlsx"})
    assert bad.status_code == 400 and "'format'" in bad.text and "xlsx" in bad.text


def test_large_answers_are_gzipped(client: TestClient) -> None:
    params = {"source": "iso42001-2023", "target": "iso27001-2022"}
    plain = client.get("/v1/crosswalk", params=params, headers={"Accept-Encoding": "identity"})
    zipped = client.get("/v1/crosswalk", params=params, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
    assert zipped.json() == plain.json()
    # small answers are left alone
    small = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    # SPARQL answers too, decoded to the same bytes
    zipped_sparql = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept-Encoding": "gzip"})
    plain_sparql = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept-Encoding": "identity"})
    assert zipped_sparql.headers["content-encoding"] == "gzip"
    assert zipped_sparql.content == plain_sparql.content


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/v1/frameworks",
        "/v1/requirements?framework=iso42001-2023&notation=9.2",
        "/.well-known/void",
        "/sparql?query=ASK%7B%7D",
    ],
)
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path, headers={"Accept-Encoding": "identity"})
    head = client.head(path, headers={"Accept-Encoding": "identity"})
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_cors_for_the_configured_origin_only(client: TestClient) -> None:
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": YASGUI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == YASGUI
    answer = client.get("/sparql", params={"query": SELECT}, headers={"Origin": YASGUI})
    assert answer.headers["access-control-allow-origin"] == YASGUI
    other = client.get("/sparql", params={"query": SELECT}, headers={"Origin": "https://elsewhere.example"})
    assert other.status_code == 200 and "access-control-allow-origin" not in other.headers
    refused = client.options(
        "/sparql", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    )
    assert refused.status_code == 400


def test_no_cors_headers_unless_configured(tmp_path: Path) -> None:
    from ctrlgraph.api.app import create_app

    with TestClient(create_app(backends.api_settings(tmp_path / "s", sparql_workers=1))) as plain:
        response = plain.get("/healthz", headers={"Origin": YASGUI})
        assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def test_cors_origins_pass_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ctrlgraph serve --cors-origin` hands its settings to uvicorn through CTRLGRAPH_* variables."""
    from ctrlgraph.api.settings import Settings

    env = Settings(cors_origins=("https://a.example", "https://b.example")).to_env()
    assert env["CTRLGRAPH_CORS_ORIGIN"] == "https://a.example,https://b.example"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env().cors_origins == ("https://a.example", "https://b.example")
    monkeypatch.setenv("CTRLGRAPH_CORS_ORIGIN", "")
    assert Settings.from_env().cors_origins == ()
    assert "CTRLGRAPH_DATA_DIR" in os.environ
