"""Issue #13's attacks as regression tests: no organization can change the
reference answers (or another organization's verdicts), evidence uploads are
closed to anything but the organization's own resources, and /sparql gives no
existence oracle and follows the protocol on repeated parameters.
Run on both backends (``pytest --backend virtuoso``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count

import pytest
from fastapi.testclient import TestClient

from ctrlgraph.api.app import create_app
from ctrlgraph.evidence import repository
from ctrlgraph.evidence.tenants import new_admin_key
from tests import backends
from tests.conftest import FIXTURES

pytestmark = pytest.mark.api

ADMIN = new_admin_key()
TTL = {"Content-Type": "text/turtle"}
JSON = {"Accept": "application/sparql-results+json"}
ID = "https://w3id.org/ctrlgraph/id/"
A_8_15 = ID + "iso27001-2022/a-8-15"
#: The issue's attack, verbatim: organization B states facts about reference IRIs.
ATTACK = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
<{A_8_15}> skos:prefLabel "INJECTED: logging not required"@en .
<{ID}iso27001-2022/a-5-19> cg:documentOrder -5 .
<{ID}iso9001-2015> dcterms:identifier "injected-by-orgb" .
<{ID}control/MON-04> skos:definition "INJECTED: management review is optional." .
""".encode()
ATTACK_SUBJECTS = [A_8_15, ID + "iso27001-2022/a-5-19", ID + "iso9001-2015", ID + "control/MON-04"]
_bust = count()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def minimal(org: str) -> bytes:
    return (FIXTURES / "evidence" / "minimal.ttl").read_bytes().replace(b"/org/beta/", f"/org/{org}/".encode())


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = backends.api_settings(
        tmp_path_factory.mktemp("integrity-store"), query_timeout=10, sparql_workers=1, admin_key=ADMIN
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def keys(app: TestClient) -> dict[str, str]:
    keys: dict[str, str] = {}
    for org in ("orga", "orgb"):
        assert app.post("/v1/orgs", json={"id": org, "name": org}, headers=auth(ADMIN)).status_code == 201
        keys[org] = app.post(f"/v1/orgs/{org}/keys", json={"scopes": ["read", "write"]}, headers=auth(ADMIN)).json()[
            "key"
        ]
        response = app.put(f"/v1/orgs/{org}/evidence", content=minimal(org), headers={**TTL, **auth(keys[org])})
        assert response.status_code == 200, response.text
    return keys


def canonical(value: object) -> object:
    """The same JSON with every list sorted (order-insensitive comparison)."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def answers(app: TestClient, keys: dict[str, str]) -> dict[str, object]:
    """What the attack changed in the issue: reference routes (uncached), A's verdicts, /sparql."""
    bust = {"_bench": str(next(_bust))}  # a parameter the routes ignore and the cache keys on
    got: dict[str, object] = {}
    for path, params in (
        ("/v1/frameworks", {}),
        ("/v1/requirements", {"framework": "iso27001-2022", "notation": "A.8.15"}),
        ("/v1/controls/MON-04", {}),
        ("/v1/frameworks/iso27001-2022/requirements", {}),
        ("/v1/shared-controls", {"framework": ["iso9001-2015", "iso27001-2022"], "min_frameworks": "2"}),
        ("/v1/crosswalk", {"source": "iso9001-2015", "target": "iso27001-2022"}),
    ):
        response = app.get(path, params={**params, **bust})
        assert response.status_code == 200, (path, response.text)
        got[path] = response.json()
    gaps = app.get("/v1/orgs/orga/gaps", params={"framework": "iso9001-2015"}, headers=auth(keys["orga"]))
    assert gaps.status_code == 200, gaps.text
    got["gaps"] = canonical(gaps.json())  # a server may order tied rows differently from call to call
    query = f"SELECT ?p ?o WHERE {{ VALUES ?s {{ {' '.join(f'<{s}>' for s in ATTACK_SUBJECTS)} }} ?s ?p ?o }}"
    for who, headers in (("anonymous", {}), ("orga", auth(keys["orga"]))):
        response = app.get("/sparql", params={"query": query}, headers={**JSON, **headers})
        assert response.status_code == 200, response.text
        got["sparql-" + who] = sorted(
            (b["p"]["value"], b["o"]["value"]) for b in response.json()["results"]["bindings"]
        )
    return got


def test_upload_about_reference_iris_is_refused_naming_each_triple(app: TestClient, keys: dict[str, str]) -> None:
    store = app.app.state.store  # type: ignore[attr-defined]
    before, versions = repository.read_evidence(store, "orgb"), repository.history(store, "orgb")
    for method in (app.put, app.post):
        response = method("/v1/orgs/orgb/evidence", content=ATTACK, headers={**TTL, **auth(keys["orgb"])})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert "nothing was stored" in detail["message"] and detail["violations"] == 4
        for subject in ATTACK_SUBJECTS:
            assert any(t.startswith(f"<{subject}> ") and "reference IRI" in t for t in detail["triples"]), subject
    assert repository.read_evidence(store, "orgb") == before
    assert repository.history(store, "orgb") == versions


@pytest.mark.parametrize(
    ("turtle", "reason"),
    [
        # another organization's resources, as subject and as object
        (b"<https://w3id.org/ctrlgraph/org/orga/impl/MON-03> <https://w3id.org/ctrlgraph/ns#owner> 'x' .", "another"),
        (
            b"<impl/x> <https://w3id.org/ctrlgraph/ns#supports> <https://w3id.org/ctrlgraph/org/orga/impl/MON-03> .",
            "another organization",
        ),
        # an own resource typed or linked with reference vocabulary
        (b"<m> a <https://w3id.org/ctrlgraph/ns#Mapping> .", "class that is not part of the evidence vocabulary"),
        (
            b"<m> <https://w3id.org/ctrlgraph/ns#requirement> <https://w3id.org/ctrlgraph/id/iso9001-2015/9-3> .",
            "not part of the evidence vocabulary",
        ),
        (b"<m> <http://www.w3.org/2004/02/skos/core#prefLabel> 'x' .", "not part of the evidence vocabulary"),
        # the ontology itself, and an outside IRI as subject
        (b"<https://w3id.org/ctrlgraph/ns#Operational> <http://www.w3.org/2000/01/rdf-schema#label> 'x' .", "ref"),
        (b"<https://example.org/thing> <http://www.w3.org/2000/01/rdf-schema#label> 'x' .", "outside"),
    ],
)
def test_allow_list_of_evidence(app: TestClient, keys: dict[str, str], turtle: bytes, reason: str) -> None:
    store = app.app.state.store  # type: ignore[attr-defined]
    before = repository.read_evidence(store, "orgb")
    response = app.post("/v1/orgs/orgb/evidence", content=turtle, headers={**TTL, **auth(keys["orgb"])})
    assert response.status_code == 422, response.text
    assert any(reason in t for t in response.json()["detail"]["triples"]), response.text
    assert repository.read_evidence(store, "orgb") == before


def test_tenant_stated_reference_triples_never_reach_reference_answers(app: TestClient, keys: dict[str, str]) -> None:
    """A store holding such triples from before the allow-list (in the
    evidence and in a history snapshot): reference answers, other
    organizations' verdicts and /sparql are exactly as without them."""
    store = app.app.state.store  # type: ignore[attr-defined]
    before = answers(app, keys)
    import pyoxigraph as ox

    attack = "".join(f"{t} .\n" for t in (q.triple for q in ox.parse(ATTACK, format=ox.RdfFormat.TURTLE)))
    clean = repository.read_evidence(store, "orgb")
    store.replace_graphs(
        {
            repository.evidence_graph("orgb"): clean + attack,
            repository.snapshot_graph("orgb", 999): attack,
            repository.report_graph("orgb"): attack,
        }
    )
    try:
        after = answers(app, keys)
        assert "INJECTED" not in repr(after) and "injected-by-orgb" not in repr(after)
        assert after == before
        # Organization B itself sees its own (current) evidence, never its snapshots.
        response = app.get(
            "/sparql",
            params={"query": f"SELECT ?l WHERE {{ <{A_8_15}> ?p ?l }}"},
            headers={**JSON, **auth(keys["orgb"])},
        )
        labels = [b["l"]["value"] for b in response.json()["results"]["bindings"]]
        assert "INJECTED: logging not required" in labels
    finally:
        store.replace_graphs(
            {
                repository.evidence_graph("orgb"): clean,
                repository.snapshot_graph("orgb", 999): "",
                repository.report_graph("orgb"): "",
            }
        )


def test_a_graph_the_caller_may_not_read_is_an_empty_graph(app: TestClient, keys: dict[str, str]) -> None:
    """Another organization's graph and a graph that does not exist answer the
    same: 200 and nothing (no 403, so no existence oracle)."""
    other = repository.evidence_graph("orgb")
    missing = repository.evidence_graph("no-such-org")
    for headers in ({}, auth(keys["orga"])):
        for graph_kind in ("param-default", "param-named", "from", "from-named"):
            texts = []
            for graph in (other, missing):
                if graph_kind == "param-default":
                    params = {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": graph}
                elif graph_kind == "param-named":
                    params = {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph}
                elif graph_kind == "from":
                    params = {"query": f"SELECT * FROM <{graph}> WHERE {{ ?s ?p ?o }}"}
                else:
                    params = {"query": f"SELECT * FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}
                response = app.get("/sparql", params=params, headers={**JSON, **headers})
                assert response.status_code == 200, (graph_kind, response.text)
                assert response.json()["results"]["bindings"] == [], (graph_kind, graph)
                texts.append(response.text)
            assert texts[0] == texts[1]
        # GRAPH <iri> inside the query: the same.
        texts = [
            app.get(
                "/sparql", params={"query": f"SELECT * WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"}, headers=JSON | headers
            ).text
            for g in (other, missing)
        ]
        assert texts[0] == texts[1] and '"bindings": []' in texts[0].replace('"bindings":[]', '"bindings": []')


def test_several_query_or_update_parameters_are_400(app: TestClient) -> None:
    one, two = "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "ASK { ?s ?p ?o }"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = [
        app.get("/sparql", params=[("query", one), ("query", two)]),
        app.post("/sparql", content=f"query={one}&query={two}".encode(), headers=form),
        app.post("/sparql", params={"query": one}, content=f"query={two}".encode(), headers=form),
        app.post(
            "/sparql", params={"query": one}, content=two.encode(), headers={"Content-Type": "application/sparql-query"}
        ),
        app.get("/sparql", params=[("update", "CLEAR ALL"), ("update", "CLEAR ALL")]),
        app.post("/sparql", content=b"update=CLEAR+ALL&update=CLEAR+ALL", headers=form),
    ]
    for response in cases:
        assert response.status_code == 400, (response.request.url, response.text)
        assert "query" in response.text or "update" in response.text
    assert app.get("/sparql", params={"query": one}).status_code == 200
