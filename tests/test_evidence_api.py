"""Evidence upload and reading: validation, atomicity, limits, tenants and isolation."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from ctrlgraph.api.app import create_app
from ctrlgraph.evidence import repository
from ctrlgraph.evidence.tenants import new_admin_key
from tests import backends
from tests.conftest import FIXTURES

pytestmark = pytest.mark.api

MINIMAL = (FIXTURES / "evidence" / "minimal.ttl").read_bytes()
TTL = {"Content-Type": "text/turtle"}
ADMIN = new_admin_key()


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = backends.api_settings(
        tmp_path_factory.mktemp("evidence-store"),
        query_timeout=5,
        sparql_workers=1,
        admin_key=ADMIN,
        max_body_bytes=1_000_000,
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def tenants(app_client: TestClient) -> dict[str, str]:
    """Two organizations, beta and gamma, each with a read/write key and a read-only key."""
    keys: dict[str, str] = {}
    for org in ("beta", "gamma"):
        assert (
            app_client.post("/v1/orgs", json={"id": org, "name": org.title()}, headers=auth(ADMIN)).status_code == 201
        )
        keys[org] = app_client.post(
            f"/v1/orgs/{org}/keys", json={"scopes": ["read", "write"]}, headers=auth(ADMIN)
        ).json()["key"]
        keys[org + "-ro"] = app_client.post(
            f"/v1/orgs/{org}/keys", json={"scopes": ["read"]}, headers=auth(ADMIN)
        ).json()["key"]
    return keys


def stored(client: TestClient, org: str) -> str:
    return repository.read_evidence(client.app.state.store, org)  # type: ignore[attr-defined]


def test_keys_and_admin(app_client: TestClient, tenants: dict[str, str]) -> None:
    assert app_client.post("/v1/orgs", json={"id": "x", "name": "X"}).status_code == 401
    assert app_client.post("/v1/orgs", json={"id": "x", "name": "X"}, headers=auth(tenants["beta"])).status_code == 403
    bad = app_client.get("/v1/orgs/beta/evidence", headers=auth("cgk_0123456789abcdef_not-the-right-secret-at-all"))
    assert bad.status_code == 401
    assert app_client.get("/v1/orgs/beta/evidence", headers=auth("garbage")).status_code == 401
    dup = app_client.post("/v1/orgs", json={"id": "beta", "name": "Again"}, headers=auth(ADMIN))
    assert dup.status_code == 409 and "already exists" in dup.text
    assert [o["id"] for o in app_client.get("/v1/orgs", headers=auth(tenants["beta"])).json()] == ["beta"]


def test_upload_read_and_validate(app_client: TestClient, tenants: dict[str, str]) -> None:
    response = app_client.put("/v1/orgs/beta/evidence", content=MINIMAL, headers={**TTL, **auth(tenants["beta"])})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["validation"]["violations"] == 0
    # The missing policies are warnings, stored and reported.
    assert any("Expected document missing" in r["message"] for r in body["validation"]["results"])
    turtle = app_client.get("/v1/orgs/beta/evidence", headers=auth(tenants["beta-ro"]))
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) == body["triples"]
    jsonld = app_client.get(
        "/v1/orgs/beta/evidence", headers={**auth(tenants["beta"]), "Accept": "application/ld+json"}
    )
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == body["triples"]
    report = app_client.get("/v1/orgs/beta/validation", headers=auth(tenants["beta"])).json()
    assert report["conforms"] is True and report["warnings"] >= 1
    as_turtle = app_client.get("/v1/orgs/beta/validation", headers={**auth(tenants["beta"]), "Accept": "text/turtle"})
    assert "ValidationReport" in as_turtle.text
    # The organization node was added from the registry.
    assert "https://w3id.org/ctrlgraph/org/beta" in turtle.text


def test_read_only_key_cannot_write(app_client: TestClient, tenants: dict[str, str]) -> None:
    response = app_client.put("/v1/orgs/beta/evidence", content=MINIMAL, headers={**TTL, **auth(tenants["beta-ro"])})
    assert response.status_code == 403


BAD_CASES = {
    "not applicable without justification": (
        b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
        <impl/PHY-01> a cg:ControlImplementation ; cg:implementsControl <https://w3id.org/ctrlgraph/id/control/PHY-01> ;
            cg:implementationStatus cg:NotApplicable ; cg:owner "CISO" .""",
        "needs a justification",
    ),
    "dates out of order": (
        b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <incident/1> a cg:Incident ; rdfs:label "x" ; cg:detectedAt "2026-05-02T10:00:00Z"^^xsd:dateTime ;
            cg:respondedAt "2026-05-01T10:00:00Z"^^xsd:dateTime .""",
        "not after cg:respondedAt",
    ),
    "wrong datatype": (
        b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <ev/1> a cg:EvidenceArtifact ; rdfs:label "x" ; cg:location "here" ; cg:collectedOn "yesterday" ;
            cg:supports <impl/MON-03> .""",
        "cg:collectedOn is one xsd:date",
    ),
    "value outside a controlled list": (
        b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <system/x> a cg:AISystem ; rdfs:label "X" ; cg:intendedPurpose "p" ; cg:owner "o" ;
            cg:lifecycleStage cg:Somewhere ; cg:operatorRole cg:Provider .""",
        "cg:lifecycleStage must be one of",
    ),
    "reference vocabulary injected": (
        b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
        <fake> a cg:Mapping ; cg:requirement <https://w3id.org/ctrlgraph/id/iso42001-2023/9-2-2> ;
            cg:control <https://w3id.org/ctrlgraph/id/control/MON-03> ; cg:relationship cg:equal ; cg:strength 10 .""",
        "not part of the evidence vocabulary",  # refused by the allow-list before SHACL runs
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_nonconformant_upload_is_422_and_changes_nothing(
    app_client: TestClient, tenants: dict[str, str], case: str
) -> None:
    body, expected = BAD_CASES[case]
    before = stored(app_client, "beta")
    for method in (app_client.put, app_client.post):
        response = method("/v1/orgs/beta/evidence", content=body, headers={**TTL, **auth(tenants["beta"])})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert "nothing was stored" in detail["message"]
        results = detail.get("validation", {}).get("results", [])
        messages = [r["message"] for r in results if r["severity"] == "Violation"] + detail.get("triples", [])
        assert any(expected in m for m in messages), messages
        assert stored(app_client, "beta") == before  # byte-identical


def test_parse_error_is_400_naming_the_line(app_client: TestClient, tenants: dict[str, str]) -> None:
    before = stored(app_client, "beta")
    body = b'@prefix cg: <https://w3id.org/ctrlgraph/ns#> .\n<a> a cg:AISystem .\n<b> cg:owner "unterminated .\n'
    response = app_client.put("/v1/orgs/beta/evidence", content=body, headers={**TTL, **auth(tenants["beta"])})
    assert response.status_code == 400 and "line 3" in response.json()["detail"]
    bad_json = app_client.put(
        "/v1/orgs/beta/evidence",
        content=b'{"@id": ',
        headers={"Content-Type": "application/ld+json", **auth(tenants["beta"])},
    )
    assert bad_json.status_code == 400
    assert stored(app_client, "beta") == before


def test_wrong_content_type_and_size_limit(app_client: TestClient, tenants: dict[str, str]) -> None:
    before = stored(app_client, "beta")
    wrong = app_client.put(
        "/v1/orgs/beta/evidence", content=MINIMAL, headers={"Content-Type": "text/plain", **auth(tenants["beta"])}
    )
    assert wrong.status_code == 415
    huge = b"# padding\n" * 110_000  # 1.1 MB, over the fixture's 1 MB limit
    response = app_client.put("/v1/orgs/beta/evidence", content=huge, headers={**TTL, **auth(tenants["beta"])})
    assert response.status_code == 413
    assert stored(app_client, "beta") == before


def test_post_adds_and_merged_graph_is_validated(app_client: TestClient, tenants: dict[str, str]) -> None:
    app_client.put(
        "/v1/orgs/gamma/evidence",
        content=MINIMAL.replace(b"/beta/", b"/gamma/"),
        headers={**TTL, **auth(tenants["gamma"])},
    )
    extra = b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <ev/second> a cg:EvidenceArtifact ; rdfs:label "Second audit evidence" ; cg:location "https://example.org/2" ;
        cg:collectedOn "2026-10-01"^^xsd:date ; cg:supports <impl/MON-03> ."""
    response = app_client.post("/v1/orgs/gamma/evidence", content=extra, headers={**TTL, **auth(tenants["gamma"])})
    assert response.status_code == 200, response.text
    text = stored(app_client, "gamma")
    assert "Second audit evidence" in text and "Audit report 2026" in text
    # A POST that only makes sense with the stored graph (supports an implementation defined earlier) passed;
    # one that points nowhere is refused.
    dangling = extra.replace(b"second", b"third").replace(b"impl/MON-03", b"impl/NOPE")
    assert (
        app_client.post(
            "/v1/orgs/gamma/evidence", content=dangling, headers={**TTL, **auth(tenants["gamma"])}
        ).status_code
        == 422
    )


def test_xlsx_template_upload_and_row_errors(app_client: TestClient, tenants: dict[str, str]) -> None:
    from openpyxl import Workbook

    def workbook(rows: dict[str, list[list[str]]]) -> bytes:
        wb = Workbook()
        wb.remove(wb.active)
        for name, data in rows.items():
            sheet = wb.create_sheet(name)
            for row in data:
                sheet.append(row)
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()

    good = workbook(
        {
            "ai_systems": [
                ["id", "name", "intended_purpose", "lifecycle_stage", "owner", "operator_role"],
                ["bot", "Helper bot", "Answers questions", "operation and monitoring", "Support", "deployer"],
            ],
            "implementations": [["id", "control", "status", "owner"], ["audit", "MON-03", "operational", "Audit lead"]],
            "evidence": [
                ["id", "what", "location", "collected_on", "valid_until", "supports"],
                ["r1", "Audit report", "https://example.org/a", "2026-09-01", "2099-01-01", "audit"],
            ],
        }
    )
    xlsx = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = app_client.put("/v1/orgs/gamma/evidence", content=good, headers={**xlsx, **auth(tenants["gamma"])})
    assert response.status_code == 200, response.text
    assert "Helper bot" in stored(app_client, "gamma")
    before = stored(app_client, "gamma")
    bad = workbook(
        {
            "ai_systems": [["id", "name", "lifecycle_stage"], ["bot", "Helper bot", "flying"]],
            "evidence": [["id", "what", "collected_on", "supports"], ["r1", "x", "31/02/2026", "missing"]],
        }
    )
    response = app_client.put("/v1/orgs/gamma/evidence", content=bad, headers={**xlsx, **auth(tenants["gamma"])})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "sheet ai_systems, row 2, column C (lifecycle_stage)" in detail
    assert "sheet evidence, row 2, column C (collected_on)" in detail
    assert "no row with id 'missing'" in detail
    assert stored(app_client, "gamma") == before


def test_tenant_isolation_over_rest(app_client: TestClient, tenants: dict[str, str]) -> None:
    app_client.put("/v1/orgs/beta/evidence", content=MINIMAL, headers={**TTL, **auth(tenants["beta"])})
    before = stored(app_client, "beta")
    for path in ("evidence", "validation", "gaps", "kpis", "classification"):
        assert app_client.get(f"/v1/orgs/beta/{path}", headers=auth(tenants["gamma"])).status_code == 403
        assert app_client.get(f"/v1/orgs/beta/{path}").status_code == 401
    for method in (app_client.put, app_client.post):
        response = method("/v1/orgs/beta/evidence", content=MINIMAL, headers={**TTL, **auth(tenants["gamma"])})
        assert response.status_code == 403
    assert stored(app_client, "beta") == before


BETA_GRAPH = "https://w3id.org/ctrlgraph/graph/org/beta"


def sparql(client: TestClient, query: str, key: str | None = None, **params: str) -> tuple[int, str]:
    headers = {"Accept": "application/sparql-results+json", **(auth(key) if key else {})}
    response = client.get("/sparql", params={"query": query, **params}, headers=headers)
    return response.status_code, response.text


def test_tenant_isolation_over_sparql(app_client: TestClient, tenants: dict[str, str]) -> None:
    app_client.put("/v1/orgs/beta/evidence", content=MINIMAL, headers={**TTL, **auth(tenants["beta"])})
    secret = "Ticket router"
    # Beta sees its own evidence: in the default graph and by GRAPH ?g.
    status, text = sparql(
        app_client, "SELECT ?n WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?n }", tenants["beta"]
    )
    assert status == 200 and secret in text
    status, text = sparql(app_client, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", tenants["beta"])
    assert BETA_GRAPH in text
    attacks = [
        ("SELECT ?n WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?n }", {}),
        ("SELECT ?g ?n WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?n } }", {}),
        (f"SELECT ?n WHERE {{ GRAPH <{BETA_GRAPH}> {{ ?s ?p ?n }} }}", {}),
        (f"SELECT ?n FROM <{BETA_GRAPH}> WHERE {{ ?s ?p ?n }}", {}),
        (f"SELECT ?n FROM NAMED <{BETA_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?n }} }}", {}),
        ("SELECT ?n WHERE { ?s ?p ?n }", {"default-graph-uri": BETA_GRAPH}),
        ("SELECT ?n WHERE { GRAPH ?g { ?s ?p ?n } }", {"named-graph-uri": BETA_GRAPH}),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:8000/sparql> { ?s ?p ?o } }", {}),
        ("SELECT ?h WHERE { GRAPH ?g { ?k <https://w3id.org/ctrlgraph/ns#keyHash> ?h } }", {}),
    ]
    for key in (tenants["gamma"], None):  # another organization, and anonymous
        for query, params in attacks:
            status, text = sparql(app_client, query, key, **params)
            assert secret not in text and BETA_GRAPH not in text.replace("not a graph you can read: <" + BETA_GRAPH, "")
            assert status in (200, 400, 403), (query, status)
            if status == 200:
                assert secret not in text
    # Key hashes are never readable, even by the key's own organization.
    status, text = sparql(
        app_client, "SELECT ?h WHERE { GRAPH ?g { ?k <https://w3id.org/ctrlgraph/ns#keyHash> ?h } }", tenants["beta"]
    )
    assert status == 200 and json.loads(text)["results"]["bindings"] == []


def test_revoked_key_stops_working(app_client: TestClient, tenants: dict[str, str]) -> None:
    created = app_client.post("/v1/orgs/beta/keys", json={"scopes": ["read"]}, headers=auth(ADMIN)).json()
    assert app_client.get("/v1/orgs/beta/evidence", headers=auth(created["key"])).status_code == 200
    assert app_client.delete(f"/v1/keys/{created['key_id']}", headers=auth(ADMIN)).status_code == 204
    assert app_client.get("/v1/orgs/beta/evidence", headers=auth(created["key"])).status_code == 401


def test_keys_are_stored_hashed(app_client: TestClient, tenants: dict[str, str], tmp_path: Path) -> None:
    dump = backends.dump(app_client.app.state.store)  # type: ignore[attr-defined]
    for key in tenants.values():
        assert key.split("_", 2)[2] not in dump


def test_validate_is_a_dry_run(app_client: TestClient, tenants: dict[str, str]) -> None:
    """POST …/evidence/validate answers what the write would decide and stores nothing."""
    before = stored(app_client, "beta")
    history_before = app_client.get("/v1/orgs/beta/history", headers=auth(tenants["beta"])).json()["versions"]
    good = app_client.post(
        "/v1/orgs/beta/evidence/validate", content=MINIMAL, headers={**TTL, **auth(tenants["beta-ro"])}
    )
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["accepted"] is True and body["mode"] == "replace" and body["validation"]["violations"] == 0
    assert body["triples"] > 0
    # a body with a violation: accepted false, the violation named, nothing stored
    case, (bad, expected) = next(iter(BAD_CASES.items()))
    refused = app_client.post("/v1/orgs/beta/evidence/validate", content=bad, headers={**TTL, **auth(tenants["beta"])})
    assert refused.status_code == 200, (case, refused.text)
    report = refused.json()
    assert report["accepted"] is False and report["validation"]["violations"] >= 1
    assert any(expected in r["message"] for r in report["validation"]["results"] if r["severity"] == "Violation")
    # unreadable, wrong type, other organization, no key
    broken = app_client.post(
        "/v1/orgs/beta/evidence/validate", content=b"<a> <b> .", headers={**TTL, **auth(tenants["beta"])}
    )
    assert broken.status_code == 400 and "line 1" in broken.json()["detail"]
    wrong = app_client.post(
        "/v1/orgs/beta/evidence/validate",
        content=MINIMAL,
        headers={"Content-Type": "text/plain", **auth(tenants["beta"])},
    )
    assert wrong.status_code == 415
    other = app_client.post(
        "/v1/orgs/beta/evidence/validate", content=MINIMAL, headers={**TTL, **auth(tenants["gamma"])}
    )
    assert other.status_code == 403
    assert app_client.post("/v1/orgs/beta/evidence/validate", content=MINIMAL, headers=TTL).status_code == 401
    assert stored(app_client, "beta") == before
    assert app_client.get("/v1/orgs/beta/history", headers=auth(tenants["beta"])).json()["versions"] == history_before


def test_validate_add_mode_checks_the_merged_graph(app_client: TestClient, tenants: dict[str, str]) -> None:
    """mode=add validates the upload merged with what is stored, as POST …/evidence would."""
    app_client.put(
        "/v1/orgs/gamma/evidence",
        content=MINIMAL.replace(b"/beta/", b"/gamma/"),
        headers={**TTL, **auth(tenants["gamma"])},
    )
    extra = b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <ev/dry> a cg:EvidenceArtifact ; rdfs:label "Dry-run evidence" ; cg:location "https://example.org/d" ;
        cg:collectedOn "2026-10-01"^^xsd:date ; cg:supports <impl/MON-03> ."""
    before = stored(app_client, "gamma")
    as_add = app_client.post(
        "/v1/orgs/gamma/evidence/validate?mode=add", content=extra, headers={**TTL, **auth(tenants["gamma"])}
    )
    assert as_add.status_code == 200 and as_add.json()["accepted"] is True, as_add.text
    # alone (replace) the organization node is missing: refused with the reason
    alone = app_client.post(
        "/v1/orgs/gamma/evidence/validate", content=extra, headers={**TTL, **auth(tenants["gamma"])}
    )
    assert alone.status_code in (200, 400)
    assert alone.status_code == 400 or alone.json()["accepted"] is False
    assert as_add.json()["triples"] > len(extra.splitlines())
    assert stored(app_client, "gamma") == before


def test_empty_template_download(app_client: TestClient) -> None:
    from openpyxl import load_workbook

    from ctrlgraph.evidence.template import KINDS

    response = app_client.get("/v1/evidence/template")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="ctrlgraph-evidence-template.xlsx"' in response.headers["content-disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == list(KINDS)
    for kind, (_cls, columns) in KINDS.items():
        header = [c.value for c in workbook[kind][1]]
        assert header == ["id", *(c.name for c in columns)]
        assert workbook[kind].max_row == 1  # empty: headers only


def test_the_same_file_again_changes_nothing_in_the_trail(app_client: TestClient, tenants: dict[str, str]) -> None:
    # Blank nodes get new labels on every parse; the trail compares canonical (RDFC-1.0) forms.
    body = (
        MINIMAL
        + b'\n<> <http://www.w3.org/2000/01/rdf-schema#seeAlso> [ <http://www.w3.org/2000/01/rdf-schema#label> "x" ] .\n'
    )
    headers = {**TTL, **auth(tenants["beta"])}
    assert app_client.put("/v1/orgs/beta/evidence", content=body, headers=headers).status_code == 200
    assert app_client.put("/v1/orgs/beta/evidence", content=body, headers=headers).status_code == 200
    first, second = app_client.get("/v1/orgs/beta/history", headers=auth(tenants["beta"])).json()["versions"][-2:]
    assert (second["triples_added"], second["triples_removed"]) == (0, 0)
    assert second["content_hash"] == first["content_hash"] and second["triples"] == first["triples"]
