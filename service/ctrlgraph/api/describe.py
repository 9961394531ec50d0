"""The SPARQL endpoint describes itself: a SPARQL 1.1 Service Description
(``GET /sparql`` without a query), VoID for the dataset
(``/.well-known/void``) and the example queries that ship as files
(``queries/examples/*.rq``, listed at ``/v1/queries/examples``).

The descriptions are RDF built with pyoxigraph and written in the format the
client accepts (Turtle by default, JSON-LD, N-Triples, RDF/XML, TriG)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from ctrlgraph import __version__
from ctrlgraph.iri import CG, DCTERMS, ID, KNOWN_PREFIXES, META_GRAPH, OWL, RDF, RDFS, SD, SKOS, VOID, XSD
from ctrlgraph.paths import QUERIES_DIR
from ctrlgraph.sparql.negotiation import GRAPH_TYPES, choose, parse_accept
from ctrlgraph.store.base import GraphStore

router = APIRouter(tags=["sparql"])

EXAMPLES_DIR = QUERIES_DIR / "examples"
FORMATS = "http://www.w3.org/ns/formats/"
#: The result formats /sparql writes, as W3C format IRIs (https://www.w3.org/ns/formats/).
RESULT_FORMATS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
]
#: Vocabularies whose terms the framework graphs use, besides rdf: (void:vocabulary;
#: tests/test_sparql_describe.py checks them against the graphs).
VOCABULARIES = [CG, SKOS, DCTERMS, OWL]
RDF_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {media_type: {"schema": {"type": "string"}} for media_type in GRAPH_TYPES}},
    406: {"description": "No acceptable RDF format"},
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _lit(value: str | int) -> ox.Literal:
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_n(XSD + "integer"))
    return ox.Literal(value)


def rdf_response(request: Request, triples: list[ox.Triple]) -> Response:
    """Triples in the format the client accepts (406 if none), with @prefix declarations."""
    media_type = choose(parse_accept(request.headers.get("accept")), GRAPH_TYPES)
    if media_type is None:
        return PlainTextResponse(
            "none of the accepted media types can carry RDF; offered: " + ", ".join(GRAPH_TYPES) + "\n",
            status_code=406,
        )
    body = ox.serialize(triples, format=ox.RdfFormat.from_media_type(media_type), prefixes=KNOWN_PREFIXES) or b""
    charset = "; charset=utf-8" if media_type.startswith("text/") or "json" in media_type else ""
    return Response(body, media_type=media_type + charset, headers={"Vary": "Accept"})


def wants_html(request: Request) -> bool:
    """A browser (text/html preferred over every RDF format) rather than a SPARQL client."""
    ranges = parse_accept(request.headers.get("accept"))
    return choose(ranges, ["text/html", *GRAPH_TYPES]) == "text/html" and any(r.subtype == "html" for r in ranges)


# --------------------------------------------------------------------------
# What the store holds: graphs, their sizes, the frameworks in them
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphInfo:
    iri: str
    triples: int | None
    framework_id: str | None = None
    framework_title: str | None = None
    example: str | None = None


def graph_infos(store: GraphStore, graphs: list[str]) -> list[GraphInfo]:
    """Size and framework of each graph. Sizes come from the meta graph (the
    loader records each reference graph's triple count), counted only for the
    few graphs it does not describe; examples are one requirement per
    framework graph."""
    wanted = set(graphs)
    counts = {
        str(r["g"]): int(r["n"])
        for r in store.select(f"SELECT ?g ?n WHERE {{ GRAPH <{META_GRAPH}> {{ ?g <{CG}tripleCount> ?n }} }}")
        if str(r["g"]) in wanted
    }
    for graph in sorted(wanted - set(counts)):
        rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        counts[graph] = int(rows[0]["n"]) if rows else 0
    frameworks: dict[str, tuple[str, str | None]] = {}
    for r in store.select(
        f"SELECT ?g ?id ?title WHERE {{ GRAPH ?g {{ ?f a <{CG}Framework> ; <{DCTERMS}identifier> ?id . "
        f"OPTIONAL {{ ?f <{DCTERMS}title> ?title }} }} }}"
    ):
        if str(r["g"]) in wanted:
            frameworks[str(r["g"])] = (str(r["id"]), str(r["title"]) if "title" in r else None)
    examples: dict[str, str] = {}
    for graph in frameworks:
        # an assessable requirement if there is one (iso-hs has none: then any requirement)
        rows = store.select(
            f"SELECT ?r WHERE {{ GRAPH <{graph}> {{ ?r a <{CG}Requirement> ; <{CG}assessable> true }} }} LIMIT 1"
        ) or store.select(f"SELECT ?r WHERE {{ GRAPH <{graph}> {{ ?r a <{CG}Requirement> }} }} LIMIT 1")
        if rows:
            examples[graph] = str(rows[0]["r"])
    return [
        GraphInfo(g, counts.get(g), *frameworks.get(g, (None, None)), examples.get(g))  # type: ignore[arg-type]
        for g in graphs
    ]


def _anonymous_graphs(request: Request) -> list[str]:
    from ctrlgraph.api.sparql import readable_graphs

    return readable_graphs(request, None)


# --------------------------------------------------------------------------
# SPARQL 1.1 Service Description
# --------------------------------------------------------------------------
def service_description(endpoint: str, void_url: str, console_url: str, infos: list[GraphInfo]) -> list[ox.Triple]:
    """The Service Description of /sparql (https://www.w3.org/TR/sparql11-service-description/)."""
    service, dataset, default_graph = _n(endpoint), _n(endpoint + "#dataset"), _n(endpoint + "#default-graph")
    a = _n(RDF + "type")
    out = [
        ox.Triple(service, a, _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), service),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        # the default graph is the union of the named graphs the caller may read
        ox.Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        # no sd:DereferencesURIs: FROM <iri> names a graph of the store, it never fetches from the web
        ox.Triple(service, _n(SD + "defaultEntailmentRegime"), _n("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, _n(DCTERMS + "title"), _lit("ctrlgraph SPARQL endpoint (read-only)")),
        ox.Triple(
            service,
            _n(DCTERMS + "description"),
            _lit(
                "ISO/IEC 42001, 27001, 9001, the ISO Harmonized Structure and the EU AI Act as one graph of "
                "requirements mapped onto common controls. Read-only: SPARQL Update and SERVICE are refused. "
                "With an organization key (Authorization: Bearer) the dataset adds that organization's evidence "
                "and validation graphs."
            ),
        ),
        ox.Triple(service, _n(DCTERMS + "hasVersion"), _lit(__version__)),
        ox.Triple(service, _n(RDFS + "seeAlso"), _n(void_url)),
        ox.Triple(service, _n(RDFS + "seeAlso"), _n(console_url)),
        ox.Triple(service, _n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, a, _n(SD + "Dataset")),
        ox.Triple(dataset, _n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, a, _n(SD + "Graph")),
    ]
    out += [ox.Triple(service, _n(SD + "resultFormat"), _n(FORMATS + f)) for f in RESULT_FORMATS]
    total = sum(i.triples or 0 for i in infos)
    out.append(ox.Triple(default_graph, _n(VOID + "triples"), _lit(total)))
    for info in infos:
        named, graph = ox.BlankNode(), ox.BlankNode()
        out += [
            ox.Triple(dataset, _n(SD + "namedGraph"), named),
            ox.Triple(named, a, _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(info.iri)),
            ox.Triple(named, _n(SD + "graph"), graph),
            ox.Triple(graph, a, _n(SD + "Graph")),
        ]
        if info.triples is not None:
            out.append(ox.Triple(graph, _n(VOID + "triples"), _lit(info.triples)))
    return out


def _urls(request: Request) -> tuple[str, str, str]:
    endpoint = str(request.url_for("sparql_get"))
    void_url = str(request.url_for("void_description"))
    console_url = str(request.base_url) + "#/sparql"
    return endpoint, void_url, console_url


def describe_service(request: Request) -> Response:
    """GET /sparql without a query: the Service Description, or the console for a browser."""
    endpoint, void_url, console_url = _urls(request)
    if wants_html(request):
        return RedirectResponse(console_url, status_code=303)
    infos = graph_infos(request.app.state.store, _anonymous_graphs(request))
    return rdf_response(request, service_description(endpoint, void_url, console_url, infos))


# --------------------------------------------------------------------------
# VoID
# --------------------------------------------------------------------------
def void_description(endpoint: str, void_url: str, infos: list[GraphInfo]) -> list[ox.Triple]:
    """One void:Dataset for the whole reference graph and one per framework
    graph (the dataset IRI is the named graph's IRI, as in the Service
    Description), with triples, vocabularies, an example resource and the
    SPARQL endpoint."""
    a = _n(RDF + "type")
    document, root = _n(void_url), _n(void_url + "#ctrlgraph")
    out = [
        ox.Triple(document, a, _n(VOID + "DatasetDescription")),
        ox.Triple(document, _n(DCTERMS + "title"), _lit("VoID description of the ctrlgraph reference graph")),
        ox.Triple(document, _n("http://xmlns.com/foaf/0.1/primaryTopic"), root),
        ox.Triple(root, a, _n(VOID + "Dataset")),
        ox.Triple(root, _n(DCTERMS + "title"), _lit("ctrlgraph reference graph")),
        ox.Triple(root, _n(VOID + "sparqlEndpoint"), _n(endpoint)),
        ox.Triple(root, _n(VOID + "uriSpace"), _lit(ID)),
        ox.Triple(root, _n(VOID + "triples"), _lit(sum(i.triples or 0 for i in infos))),
        ox.Triple(root, _n(DCTERMS + "license"), _n("https://www.apache.org/licenses/LICENSE-2.0")),
        ox.Triple(root, _n(VOID + "exampleResource"), _n(ID + "control/MON-03")),
    ]
    out += [ox.Triple(root, _n(VOID + "vocabulary"), _n(v)) for v in VOCABULARIES]
    for info in infos:
        if info.framework_id is None:
            continue
        subset = _n(info.iri)
        out += [
            ox.Triple(root, _n(VOID + "subset"), subset),
            ox.Triple(subset, a, _n(VOID + "Dataset")),
            ox.Triple(subset, _n(DCTERMS + "identifier"), _lit(info.framework_id)),
            ox.Triple(subset, _n(DCTERMS + "title"), _lit(info.framework_title or info.framework_id)),
            ox.Triple(subset, _n(VOID + "sparqlEndpoint"), _n(endpoint)),
            ox.Triple(subset, _n(VOID + "uriSpace"), _lit(f"{ID}{info.framework_id}/")),
        ]
        out += [ox.Triple(subset, _n(VOID + "vocabulary"), _n(v)) for v in VOCABULARIES]
        if info.triples is not None:
            out.append(ox.Triple(subset, _n(VOID + "triples"), _lit(info.triples)))
        if info.example:
            out.append(ox.Triple(subset, _n(VOID + "exampleResource"), _n(info.example)))
    return out


@router.get(
    "/.well-known/void",
    name="void_description",
    summary="VoID description of the dataset",
    responses=RDF_RESPONSES,
    response_class=Response,
)
async def void(request: Request) -> Response:
    """The dataset as VoID: one ``void:Dataset`` per framework graph (its IRI
    is the named graph's) with ``void:triples``, ``void:vocabulary``, an
    example resource and the SPARQL endpoint, all subsets of one dataset for
    the whole reference graph. Turtle by default; JSON-LD, N-Triples,
    RDF/XML or TriG by Accept."""
    endpoint, void_url, _ = _urls(request)
    infos = await run_in_threadpool(graph_infos, request.app.state.store, _anonymous_graphs(request))
    return rdf_response(request, void_description(endpoint, void_url, infos))


# --------------------------------------------------------------------------
# Example queries
# --------------------------------------------------------------------------
class ExampleQuery(BaseModel):
    id: str = Field(description="File name without .rq")
    title: str = Field(description="What the query answers, in one line")
    description: str = Field(description="The rest of the query's leading comment")
    form: str = Field(description="SELECT, CONSTRUCT, ASK or DESCRIBE")
    query: str


_FORM = re.compile(r"^\s*(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)


def parse_example(path: Path) -> ExampleQuery:
    """An example query file: its leading ``#`` comment is its title (first
    line) and description (the other lines)."""
    text = path.read_text(encoding="utf-8")
    comment: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comment.append(line.lstrip("#").strip())
    if not comment or not comment[0]:
        raise ValueError(f"{path.name}: an example query starts with a comment saying what it answers")
    form = _FORM.search(text)
    if form is None:
        raise ValueError(f"{path.name}: no SELECT, CONSTRUCT, ASK or DESCRIBE")
    return ExampleQuery(
        id=path.stem,
        title=comment[0],
        description=" ".join(c for c in comment[1:] if c),
        form=form.group(1).upper(),
        query=text,
    )


@cache
def examples() -> list[ExampleQuery]:
    return [parse_example(p) for p in sorted(EXAMPLES_DIR.glob("*.rq"))]


@router.get("/v1/queries/examples", response_model=list[ExampleQuery], summary="Example SPARQL queries")
def list_examples() -> list[ExampleQuery]:
    """The example queries shipped with ctrlgraph (``queries/examples/*.rq``):
    the questions a compliance engineer asks, ready to run on ``/sparql``."""
    return examples()


@router.get(
    "/v1/queries/examples/{example_id}",
    summary="One example query as a SPARQL file",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/sparql-query": {"schema": {"type": "string"}}}}, 404: {}},
)
def get_example(example_id: str) -> Response:
    """One example query as ``application/sparql-query`` (POST it to /sparql as it is)."""
    for example in examples():
        if example.id == example_id:
            return Response(example.query, media_type="application/sparql-query; charset=utf-8")
    raise HTTPException(404, detail=f"unknown example {example_id!r}; valid: {', '.join(e.id for e in examples())}")
