"""Smaller promises of issue #16, each an attack that used to work: rate
limits keyed by an unverified key id, the cost of failed key look-ups, the
SERVICE guard fooled by an apostrophe, formula injection in exported tables,
and 500s on odd identifiers and dates."""

from __future__ import annotations

import csv
import io
import secrets
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ctrlgraph.api.app import create_app
from ctrlgraph.cells import FORMULA_START
from ctrlgraph.evidence import tenants
from ctrlgraph.evidence.tenants import new_admin_key
from tests import backends

ATTACKER = ("203.0.113.7", 40000)
VICTIM = ("198.51.100.9", 40001)


@pytest.fixture(scope="module")
def admin() -> str:
    return new_admin_key()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, admin: str) -> Iterator[TestClient]:
    settings = backends.api_settings(
        tmp_path_factory.mktemp("abuse"), query_timeout=10, sparql_workers=1, admin_key=admin
    )
    with TestClient(create_app(settings), client=("192.0.2.1", 1)) as client:
        yield client


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, admin: str) -> Iterator[TestClient]:
    """An app with a small rate limit and failed-check budget (slow refills)."""
    settings = backends.api_settings(
        tmp_path_factory.mktemp("abuse-limited"),
        query_timeout=10,
        sparql_workers=1,
        admin_key=admin,
        rate_limit=0.2,
        rate_burst=12,
        auth_failure_rate=0.05,
        auth_failure_burst=5,
    )
    with TestClient(create_app(settings), client=("192.0.2.1", 1)) as client:
        yield client


def from_address(app: TestClient, address: tuple[str, int]) -> TestClient:
    """Another client of the same running app, from another address."""
    return TestClient(app.app, client=address)


def _victim(client: TestClient, admin: str) -> str:
    h = {"Authorization": f"Bearer {admin}"}
    assert client.post("/v1/orgs", json={"id": "victim", "name": "Victim"}, headers=h).status_code == 201
    return str(client.post("/v1/orgs/victim/keys", json={"scopes": ["read"]}, headers=h).json()["key"])


@pytest.fixture(scope="module")
def victim_key(app: TestClient, admin: str) -> str:
    return _victim(app, admin)


@pytest.fixture(scope="module")
def limited_victim_key(limited: TestClient, admin: str) -> str:
    return _victim(limited, admin)


# --------------------------------------------------------------------------
# Rate limits and failed key look-ups
# --------------------------------------------------------------------------
@pytest.mark.api
def test_fresh_random_keys_do_not_escape_the_rate_limit(limited: TestClient) -> None:
    attacker = from_address(limited, ("203.0.113.8", 1))
    started = time.monotonic()
    statuses = [
        attacker.get(
            "/v1/frameworks",
            headers={"Authorization": f"Bearer cgk_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"},
        ).status_code
        for _ in range(20)
    ]
    # Reference routes ignore the key, but the unverified key buys no bucket of its own:
    # the address's burst of 12, plus what 0.2/s refilled while the requests ran (a slow machine).
    refilled = int(0.2 * (time.monotonic() - started))
    assert 429 in statuses and statuses.count(200) <= 12 + refilled


@pytest.mark.api
def test_a_victims_key_id_with_a_wrong_secret_does_not_lock_the_victim_out(
    limited: TestClient, limited_victim_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim_key = limited_victim_key
    key_id = victim_key.split("_")[1]
    forged = f"cgk_{key_id}_{secrets.token_urlsafe(32)}"
    attacker, victim = from_address(limited, ATTACKER), from_address(limited, VICTIM)
    hashes: list[int] = []
    real_hash = tenants._hash
    monkeypatch.setattr(tenants, "_hash", lambda secret, salt: (hashes.append(1), real_hash(secret, salt))[1])
    statuses = [
        attacker.get("/v1/orgs/victim/history", headers={"Authorization": f"Bearer {forged}"}).status_code
        for _ in range(20)
    ]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) <= {429}
    # The failed look-ups cost at most the failure burst of scrypts, not one per request.
    assert len(hashes) <= 6
    answer = victim.get("/v1/orgs/victim/history", headers={"Authorization": f"Bearer {victim_key}"})
    assert answer.status_code == 200, answer.text
    # Once verified, the victim's key has its own bucket: the attacker's address spends none of it.
    assert all(
        victim.get("/v1/orgs/victim/history", headers={"Authorization": f"Bearer {victim_key}"}).status_code == 200
        for _ in range(5)
    )


@pytest.mark.api
def test_random_well_formed_keys_cost_a_bounded_number_of_scrypts(
    limited: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    attacker = from_address(limited, ("203.0.113.9", 1))
    calls: list[int] = []
    real_hash = tenants._hash
    monkeypatch.setattr(tenants, "_hash", lambda secret, salt: (calls.append(1), real_hash(secret, salt))[1])
    statuses = []
    for _ in range(30):
        key = f"cgk_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}"
        statuses.append(attacker.get("/sparql", params={"query": "ASK {}"}, headers={"X-API-Key": key}).status_code)
    assert 429 in statuses and 500 not in statuses
    assert len(calls) <= 6  # the failure burst (5), and perhaps one refilled token


# --------------------------------------------------------------------------
# SERVICE, decided on the parsed query
# --------------------------------------------------------------------------
@pytest.mark.api
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s <http://example.org/it's> ?o . SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
        "SELECT * WHERE { ?s ?p 'x' . SERVICE <http://127.0.0.1:9/sparql?q='> { ?a ?b ?c } }",
        "ASK { FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/> { ?a ?b ?c } } }",
        "SELECT * WHERE { { SELECT * { SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } } }",
    ],
)
def test_service_hidden_from_a_text_scan_is_still_refused(client: TestClient, query: str) -> None:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400, response.text
    assert "SERVICE" in response.text


@pytest.mark.api
def test_the_word_service_inside_a_literal_or_an_iri_is_not_a_service_call(client: TestClient) -> None:
    query = "ASK { FILTER('SERVICE <http://x/> {}' != STR(<http://example.org/SERVICE>)) }"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    assert response.json()["boolean"] is True


# --------------------------------------------------------------------------
# Formula injection in every tabular export
# --------------------------------------------------------------------------
HOSTILE_TITLES = ['=HYPERLINK("http://evil.example/")', "+1+2", "-3+4", "@SUM(1)"]


@pytest.mark.api
def test_imported_formulas_come_out_as_text(app: TestClient, admin: str) -> None:
    header = "framework,ref,title,parent,control,relationship,rationale,strength,explanation,framework_title\n"
    rows = "".join(
        f'formula-fw,{n},"{title.replace(chr(34), chr(34) * 2)}",,GOV-07,intersects with,semantic,4,'
        f'"{title.replace(chr(34), chr(34) * 2)}",=cmd|calc\n'
        for n, title in enumerate(HOSTILE_TITLES, start=1)
    )
    h = {"Authorization": f"Bearer {admin}"}
    imported = app.post("/v1/import/csv", content=(header + rows).encode(), headers={**h, "Content-Type": "text/csv"})
    assert imported.status_code == 200, imported.text

    exported = app.get("/v1/export/spreadsheet/framework/formula-fw")
    assert exported.status_code == 200
    fields = [field for row in csv.reader(io.StringIO(exported.text)) for field in row]
    assert not [f for f in fields if f.startswith(FORMULA_START)]
    assert "'" + HOSTILE_TITLES[0] in fields

    workbook = app.get("/v1/export/spreadsheet/framework/formula-fw", params={"format": "xlsx"})
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert HOSTILE_TITLES[0] in [c.value for c in cells]  # unchanged, as text

    # Our own reader takes the apostrophe off again: the export re-imports as it was.
    again = app.post(
        "/v1/import/csv",
        params={"dry_run": "true"},
        content=exported.text.encode(),
        headers={**h, "Content-Type": "text/csv"},
    )
    assert again.status_code == 200, again.text
    crosswalk = app.get(
        "/v1/export/spreadsheet/crosswalk", params={"source": "formula-fw", "target": "iso27001-2022"}
    ).text
    assert not [f for row in csv.reader(io.StringIO(crosswalk)) for f in row if f.startswith(FORMULA_START)]


# --------------------------------------------------------------------------
# 4xx, not 500
# --------------------------------------------------------------------------
@pytest.mark.api
@pytest.mark.parametrize("org", ["a%20b", "acme%0A", "a%3Eb", "x" * 70])
def test_organization_ids_that_cannot_exist_are_404(app: TestClient, admin: str, org: str) -> None:
    h = {"Authorization": f"Bearer {admin}"}
    for path in (f"/v1/orgs/{org}/evidence", f"/v1/orgs/{org}/history", f"/v1/orgs/{org}/gaps"):
        response = app.get(path, headers=h)
        assert response.status_code == 404, (path, response.text)


@pytest.mark.api
def test_an_id_with_a_trailing_newline_is_refused(app: TestClient, admin: str) -> None:
    h = {"Authorization": f"Bearer {admin}"}
    response = app.post("/v1/orgs", json={"id": "acme\n", "name": "Acme"}, headers=h)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "id"]


@pytest.mark.api
def test_as_of_must_be_a_calendar_date(app: TestClient, victim_key: str) -> None:
    h = {"Authorization": f"Bearer {victim_key}"}
    for value in ("0", "1700000000", "2026-13-01"):
        response = app.get("/v1/orgs/victim/gaps", params={"as_of": value}, headers=h)
        assert response.status_code == 422, (value, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", "as_of"]


@pytest.mark.api
def test_422_details_have_one_shape_on_the_export_routes(app: TestClient) -> None:
    for path, params in (
        ("/v1/export/spreadsheet/crosswalk", {"source": "iso9001-2015", "target": "iso9001-2015"}),
        (
            "/v1/export/spreadsheet/crosswalk",
            {"source": "iso9001-2015", "target": ["iso27001-2022", "iso42001-2023"], "format": "csv"},
        ),
        ("/v1/export/spreadsheet/shared-controls", {"framework": "iso9001-2015", "min_frameworks": 3}),
    ):
        response = app.get(path, params=params)
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert isinstance(detail, list) and detail[0]["loc"][0] == "query" and detail[0]["msg"]


def test_openapi_documents_401_403_404_on_organization_routes(app: TestClient) -> None:
    paths = app.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        if not path.startswith("/v1/orgs/{org}"):
            continue
        for operation in operations.values():
            assert {"401", "403", "404"} <= set(operation["responses"]), path
