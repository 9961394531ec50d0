"""The remote store backend itself: Virtuoso's dialect kept out of the
tenant dataset, writes all-or-nothing, resumable loads, retries, and two
API replicas on one server.

The HTTP-level retry tests run everywhere (a mock transport); the rest need
the Virtuoso server (``pytest --backend virtuoso``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ctrlgraph.api.app import create_app
from ctrlgraph.evidence.tenants import new_admin_key
from ctrlgraph.iri import DERIVED_GRAPH, GRAPH, META_GRAPH
from ctrlgraph.loader import load_reference, reference_graphs
from ctrlgraph.paths import data_root, reference_files
from ctrlgraph.store import StoreError
from ctrlgraph.store.dialect import VIRTUOSO
from ctrlgraph.store.remote import RemoteConfig, RemoteStore
from ctrlgraph.transfer import LOAD_STATE_GRAPH, DatasetError, push_dataset, pushed_checksums
from tests import backends
from tests.conftest import FIXTURES, _free_port

pytestmark = pytest.mark.api

remote_only = pytest.mark.skipif("not backends.is_remote()", reason="needs the Virtuoso server (--backend virtuoso)")
MINIMAL = (FIXTURES / "evidence" / "minimal.ttl").read_bytes()
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def evidence_of(org: str, label: str) -> bytes:
    """The minimal evidence fixture, for ``org``, its audit report labelled ``label``."""
    return MINIMAL.replace(b"org/beta/", f"org/{org}/".encode()).replace(b"Audit report 2026", label.encode())


# ---------------------------------------------------------------- retries (no server needed)
def _config() -> RemoteConfig:
    return RemoteConfig(
        query_url="http://sparql.test/sparql",
        update_url="http://sparql.test/update",
        gsp_url="http://sparql.test/gsp",
        retries=2,
    )


def test_reads_are_retried_on_503_and_network_errors() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(calls) == 2:
            return httpx.Response(503, text="busy")
        return httpx.Response(
            200,
            json={
                "head": {"vars": ["n"]},
                "results": {
                    "bindings": [
                        {"n": {"type": "literal", "value": "7", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
                    ]
                },
            },
        )

    store = RemoteStore(_config(), transport=httpx.MockTransport(handler))
    assert store.select("SELECT ?n WHERE { }") == [{"n": 7}]
    assert calls == ["/sparql"] * 3


def test_reads_give_up_after_the_retries_with_a_clear_error() -> None:
    store = RemoteStore(_config(), transport=httpx.MockTransport(lambda r: httpx.Response(503, text="down")))
    with pytest.raises(StoreError, match="503"):
        store.select("SELECT * WHERE { }")


def test_writes_are_not_retried() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(503, text="busy")

    store = RemoteStore(_config(), transport=httpx.MockTransport(handler))
    with pytest.raises(StoreError, match="refused a write"):
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert calls == ["/update"]


def test_a_write_the_server_rolled_back_after_a_deadlock_is_sent_again() -> None:
    """Two replicas loading at the same start-up: Virtuoso rolls one write back
    whole (40001, deadlock) and says so; only that answer is retried."""
    deadlock = "Virtuoso 40001 Error SR172: Transaction deadlocked\n\nSPARQL query:\nINSERT DATA { }"
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(500, text=deadlock) if len(calls) == 1 else httpx.Response(200, text="done")

    store = RemoteStore(_config(), transport=httpx.MockTransport(handler))
    store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert calls == ["/update", "/update"]

    calls.clear()

    def always(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(500, text=deadlock)

    store = RemoteStore(_config(), transport=httpx.MockTransport(always))
    with pytest.raises(StoreError, match="40001"):
        store.update("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    assert len(calls) == 1 + store.config.retries  # then it gives up, naming the server's answer


def test_the_dataset_keeps_graph_variables_inside_it() -> None:
    default, named = VIRTUOSO.complete_dataset(["urn:a"], [])
    assert default == ["urn:a"] and named, "GRAPH ?g must never see every graph"


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        'PREFIX select: <urn:x> SELECT ?s { ?s ?p "WHERE { FROM" }  # WHERE {',
        "SELECT (EXISTS { ?a ?b ?c } AS ?x) WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "ASK { ?s ?p ?o }",
        "DESCRIBE <urn:x>",
        "DESCRIBE <urn:x> LIMIT 3",
        "SELECT * FROM <urn:a> WHERE { ?s ?p ?o }",
        "# WHERE { in a comment\nSELECT ?whereabouts WHERE { ?s ?p ?whereabouts }",
        "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s",
    ],
)
def test_the_dataset_is_written_into_any_query_form(query: str) -> None:
    from ctrlgraph.sparql.guard import check

    written = VIRTUOSO.with_dataset(query, ["urn:d1", "urn:d2"], ["urn:n"])
    clauses = check(written)
    own = check(query)
    assert clauses.complete
    assert set(clauses.default) == {"urn:d1", "urn:d2", *own.default} and clauses.named == ["urn:n"]


@pytest.mark.parametrize(
    "query",
    [
        "DEFINE input:default-graph-uri <https://w3id.org/ctrlgraph/graph/org/beta> SELECT * WHERE { ?s ?p ?o }",
        'define input:grab-all "yes" SELECT * WHERE { ?s ?p ?o }',
        "SELECT (bif:sys_stat('st_dbms_ver') AS ?v) WHERE { }",
        "SELECT (<bif:sys_stat>('x') AS ?v) WHERE { }",
        "PREFIX f: <sql:> SELECT (f:anything() AS ?v) WHERE { }",
    ],
)
def test_virtuoso_pragmas_and_sql_functions_are_refused(query: str) -> None:
    assert VIRTUOSO.refusal(query)


def test_a_literal_mentioning_define_is_fine() -> None:
    assert VIRTUOSO.refusal('SELECT * WHERE { ?s ?p "DEFINE input:x bif:y" }') is None


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Virtuoso S1T00 Error SR171: Transaction timed out", "timeout"),
        # seen in CI: at the time limit Virtuoso sometimes cancels the statement instead
        ("Virtuoso HY008 Error SR203: Async statement killed by SQLCancel. SPARQL query: SELECT …", "timeout"),
        ("Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error", "query"),
        ("Virtuoso 08C01 Error CL…: cluster connection lost", "server"),
    ],
)
def test_virtuoso_errors_are_told_apart(message: str, kind: str) -> None:
    """Virtuoso answers 500 for every error: a time limit must read as 504, a bad query as 400."""
    assert VIRTUOSO.error_kind(500, message) == kind
    assert not VIRTUOSO.rolled_back(500, message)  # none of these is a deadlock: a write is not sent again


# ---------------------------------------------------------------- on Virtuoso
@pytest.fixture
def store() -> Iterator[RemoteStore]:
    backends.wipe()
    remote = RemoteStore(backends.remote_config())
    yield remote
    remote.close()


@remote_only
def test_a_failed_write_puts_every_graph_back(store: RemoteStore) -> None:
    a, b = GRAPH + "test/a", GRAPH + "test/b"
    store.replace_graphs({a: '<urn:x> <urn:p> "old a" .\n', b: '<urn:x> <urn:p> "old b" .\n'})
    before = (store.graph_ntriples(a), store.graph_ntriples(b))
    # The second graph's content lands, then the extra update fails on the server
    # (CREATE GRAPH of a graph that exists): Virtuoso keeps what it did so far.
    store.update(f"CREATE SILENT GRAPH <{GRAPH}test/exists>")
    with pytest.raises(StoreError):
        store.replace_graphs(
            {a: '<urn:x> <urn:p> "new a" .\n', b: '_:n <urn:p> "new b" .\n'},
            extra_update=f"INSERT DATA {{ GRAPH <{b}> {{ <urn:y> <urn:p> 1 }} }} ; CREATE GRAPH <{GRAPH}test/exists>",
        )
    assert (store.graph_ntriples(a), store.graph_ntriples(b)) == before


@remote_only
def test_blank_nodes_are_written_and_shared_within_a_graph(store: RemoteStore) -> None:
    g = GRAPH + "test/bnodes"
    store.replace_graphs({g: '_:a <urn:p> "1" .\n_:a <urn:q> _:b .\n_:b <urn:p> "2" .\n'})
    rows = store.select(f'SELECT ?b WHERE {{ GRAPH <{g}> {{ ?a <urn:p> "1" ; <urn:q> ?b . ?b <urn:p> "2" }} }}')
    assert len(rows) == 1


@remote_only
def test_reference_load_resumes_after_an_interruption(store: RemoteStore) -> None:
    class Interrupted(Exception):
        pass

    pushed: list[str] = []

    def stop_after_five(graph: str, done: int, total: int) -> None:
        pushed.append(graph)
        if done == 5:
            raise Interrupted

    with pytest.raises(Interrupted):
        load_reference(store, progress=stop_after_five)
    assert len(pushed) == 5
    # Not finished: no derived totals yet (their absence marks the unfinished load).
    assert not store.select(f"SELECT ?s WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }} LIMIT 1")
    resumed = load_reference(store)
    assert set(resumed.unchanged) == set(pushed)  # the five graphs already there are skipped
    assert len(resumed.loaded) == len(reference_graphs(store)) - 1 - 5  # minus the derived graph
    assert store.select(f"SELECT ?s WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ ?s ?p ?o }} }} LIMIT 1")
    again = load_reference(store)
    assert not again.loaded and not again.removed


@remote_only
def test_dataset_push_in_batches_resumes_and_checks_syntax_first(store: RemoteStore, tmp_path: Path) -> None:
    load_reference(store)
    extra = tmp_path / "imported.nq"
    lines = [
        f'<urn:fw/{i}> <http://www.w3.org/2000/01/rdf-schema#label> "requirement {i}" <{GRAPH}imported/demo> .'
        for i in range(250)
    ]
    lines += [
        f"<{GRAPH}imported/demo> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/ctrlgraph/ns#ReferenceGraph> <{META_GRAPH}> ."
    ]
    lines += ["_:a <urn:p> _:b <urn:graph/bnodes> .", '_:b <urn:p> "x" <urn:graph/bnodes> .']
    extra.write_text("\n".join(lines) + "\n")
    report = push_dataset(store, extra, batch_triples=100)
    assert (report.pushed, report.skipped, report.triples) == (3, 0, 253)
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}imported/demo> {{ ?s ?p ?o }} }}")
    assert count == [{"n": 250}]
    assert GRAPH + "imported/demo" in reference_graphs(store)  # the meta graph was merged, not replaced
    assert GRAPH + "mappings/controls" in reference_graphs(store)

    assert set(pushed_checksums(store)) == {GRAPH + "imported/demo", META_GRAPH, "urn:graph/bnodes"}
    assert push_dataset(store, extra).skipped == 3  # a rerun resumes: nothing left to push

    # A graph loaded from the shipped files is never replaced: triples for it are merged in,
    # and a copy of a shipped graph holding blank nodes (ontology, shapes) is left out.
    controls, ontology = GRAPH + "mappings/controls", GRAPH + "ontology/ctrlgraph"
    before_controls, before_ontology = store.graph_ntriples(controls), store.graph_ntriples(ontology)
    shipped = tmp_path / "shipped.nq"
    shipped.write_text(
        f'<urn:extra-control> <{LABEL}> "extra" <{controls}> .\n'
        f'_:x <{LABEL}> "copy" <{ontology}> .\n'
        f'<{controls}> <https://w3id.org/ctrlgraph/ns#sha256> "forged" <{META_GRAPH}> .\n'
    )
    merged = push_dataset(store, shipped)
    assert merged.left_out == [ontology]
    after_controls = store.graph_ntriples(controls)
    assert set(after_controls.splitlines()) == set(before_controls.splitlines()) | {
        f'<urn:extra-control> <{LABEL}> "extra" .'
    }
    assert store.graph_ntriples(ontology) == before_ontology
    assert not load_reference(store).loaded  # the shipped files' records stand

    bad = tmp_path / "bad.nq"
    bad.write_text(lines[0] + "\n<urn:a> <urn:b> oops <urn:g> .\n")
    before = backends.dump(store)
    with pytest.raises(DatasetError, match=r"bad\.nq:2"):
        push_dataset(store, bad)
    assert backends.dump(store) == before
    assert LOAD_STATE_GRAPH.startswith(GRAPH)


@remote_only
def test_cli_load_pushes_with_progress_and_resumes(tmp_path: Path) -> None:
    backends.wipe()
    env = {**os.environ, **backends.remote_env()}
    command = [sys.executable, "-m", "ctrlgraph", "load", "--store", "sparql"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    files = len(reference_files(data_root()))
    assert f"loaded {files} graph(s)" in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0 and "loaded 0 graph(s)" in second.stdout and f"{files} unchanged" in second.stdout


# ---------------------------------------------------------------- isolation on Virtuoso
@pytest.fixture(scope="module")
def tenant_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str, str]]:
    admin = new_admin_key()
    settings = backends.api_settings(tmp_path_factory.mktemp("remote-tenants"), sparql_workers=1, admin_key=admin)
    with TestClient(create_app(settings)) as client:
        h = {"Authorization": f"Bearer {admin}"}
        keys = {}
        for org in ("beta", "gamma"):
            assert client.post("/v1/orgs", json={"id": org, "name": org}, headers=h).status_code == 201
            keys[org] = client.post(f"/v1/orgs/{org}/keys", json={"scopes": ["read", "write"]}, headers=h).json()["key"]
            uploaded = client.put(
                f"/v1/orgs/{org}/evidence",
                content=evidence_of(org, f"{org} secret"),
                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {keys[org]}"},
            )
            assert uploaded.status_code == 200, uploaded.text
        yield client, keys["beta"], keys["gamma"]


def _sparql(client: TestClient, key: str, query: str, **params: object) -> httpx.Response:
    return client.get(
        "/sparql",
        params={"query": query, **params},
        headers={"Authorization": f"Bearer {key}", "Accept": "text/csv"},
    )


@remote_only
@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("SELECT ?t WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?t } }", {}),
        ("SELECT ?t WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?t }", {}),
        ("SELECT ?t FROM <https://w3id.org/ctrlgraph/graph/org/gamma> WHERE { ?s ?p ?t }", {}),
        ("SELECT ?t WHERE { ?s ?p ?t }", {"default-graph-uri": "https://w3id.org/ctrlgraph/graph/org/gamma"}),
        (
            "SELECT ?t FROM <https://w3id.org/ctrlgraph/graph/org/beta> WHERE { ?s ?p ?t }",
            {"named-graph-uri": "https://w3id.org/ctrlgraph/graph/org/gamma"},
        ),
        (
            "DEFINE input:default-graph-uri <https://w3id.org/ctrlgraph/graph/org/gamma> SELECT ?t WHERE { ?s ?p ?t }",
            {},
        ),
        ("SELECT ?t WHERE { GRAPH <https://w3id.org/ctrlgraph/graph/org/gamma> { ?s ?p ?t } }", {}),
    ],
)
def test_one_tenant_never_reads_another_on_virtuoso(
    tenant_app: tuple[TestClient, str, str], query: str, params: dict[str, str]
) -> None:
    client, beta, _ = tenant_app
    response = _sparql(client, beta, query, **params)
    assert "gamma secret" not in response.text
    assert response.status_code in (200, 400, 403)


@remote_only
def test_own_graph_is_readable_and_protocol_dataset_wins(tenant_app: tuple[TestClient, str, str]) -> None:
    client, beta, _ = tenant_app
    own = "SELECT ?t WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?t } }"
    assert "beta secret" in _sparql(client, beta, own).text
    # SPARQL 1.1 Protocol: the request's dataset parameters replace the query's
    # FROM clauses (Virtuoso would merge the two, so the FROM clauses are removed).
    overridden = _sparql(
        client,
        beta,
        "SELECT ?t FROM <https://w3id.org/ctrlgraph/graph/org/beta> WHERE { ?s ?p ?t }",
        **{"default-graph-uri": "https://w3id.org/ctrlgraph/graph/meta"},
    )
    assert overridden.status_code == 200 and "beta secret" not in overridden.text
    chosen = _sparql(
        client,
        beta,
        "SELECT ?t FROM <https://w3id.org/ctrlgraph/graph/meta> WHERE { ?s ?p ?t }",
        **{"default-graph-uri": "https://w3id.org/ctrlgraph/graph/org/beta"},
    )
    assert chosen.status_code == 200 and "beta secret" in chosen.text


# ---------------------------------------------------------------- two replicas, one server
def _serve(port: int, admin: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **backends.remote_env()}
    command = [
        sys.executable,
        "-m",
        "ctrlgraph",
        "serve",
        "--store",
        "sparql",
        "--port",
        str(port),
        "--admin-key",
        admin,
    ]
    return subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "replica exited"
        try:
            if httpx.get(url + "/healthz", timeout=1).json().get("status") == "ok":
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("replica did not start")


@remote_only
def test_a_write_through_one_replica_is_read_through_the_other(tmp_path: Path) -> None:
    backends.wipe()
    admin = new_admin_key()
    ports = [_free_port(), _free_port()]
    replicas = [_serve(port, admin, tmp_path / f"replica{i}.log") for i, port in enumerate(ports)]
    try:
        urls = [f"http://127.0.0.1:{p}" for p in ports]
        for url, process in zip(urls, replicas, strict=True):
            _wait_healthy(url, process)
        one, two = urls
        h = {"Authorization": f"Bearer {admin}"}
        assert httpx.post(one + "/v1/orgs", json={"id": "delta", "name": "Delta"}, headers=h).status_code == 201
        key = httpx.post(two + "/v1/orgs/delta/keys", json={"scopes": ["read", "write"]}, headers=h).json()["key"]
        ttl = evidence_of("delta", "written through one")
        kh = {"Authorization": f"Bearer {key}"}
        assert (
            httpx.put(
                one + "/v1/orgs/delta/evidence", content=ttl, headers={**kh, "Content-Type": "text/turtle"}
            ).status_code
            == 200
        )
        assert "written through one" in httpx.get(two + "/v1/orgs/delta/evidence", headers=kh).text
        history_one = httpx.get(one + "/v1/orgs/delta/history", headers=kh).json()
        history_two = httpx.get(two + "/v1/orgs/delta/history", headers=kh).json()
        assert history_one == history_two and history_two
        # A second write, through the other replica, and the first sees it at once.
        ttl2 = ttl.replace(b"written through one", b"written through two")
        assert (
            httpx.put(
                two + "/v1/orgs/delta/evidence", content=ttl2, headers={**kh, "Content-Type": "text/turtle"}
            ).status_code
            == 200
        )
        body = httpx.get(one + "/v1/orgs/delta/evidence", headers=kh).text
        assert "written through two" in body and "written through one" not in body
        # Reference reads agree too (each replica's cache checks the store's version).
        assert httpx.get(one + "/v1/frameworks").json() == httpx.get(two + "/v1/frameworks").json()

        # Concurrent additions through both replicas: the server-held lease
        # serializes them, so every one lands and the versions are unique.
        def add(n: int) -> None:
            item = evidence_of("delta", f"item {n}").replace(b"<ev/audit>", f"<ev/item-{n}>".encode())
            url = urls[n % 2] + "/v1/orgs/delta/evidence"
            response = httpx.post(url, content=item, headers={**kh, "Content-Type": "text/turtle"}, timeout=120)
            assert response.status_code == 200, response.text

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(add, range(6)))
        final = httpx.get(one + "/v1/orgs/delta/evidence", headers=kh).text
        assert all(f"item {n}" in final for n in range(6))
        numbers = [v["version"] for v in httpx.get(two + "/v1/orgs/delta/history", headers=kh).json()["versions"]]
        assert sorted(numbers) == list(range(1, 9))
    finally:
        for process in replicas:
            process.terminate()
            process.wait(timeout=30)


@remote_only
def test_an_embedded_store_moves_onto_the_server_by_dump_and_push(store: RemoteStore, tmp_path: Path) -> None:
    from ctrlgraph.demo import DEMO_ORG, install_demo
    from ctrlgraph.evidence.repository import evidence_graph
    from ctrlgraph.store import OxigraphStore

    embedded = OxigraphStore(tmp_path / "embedded")
    load_reference(embedded)
    install_demo(embedded)
    embedded.close()
    dumped = tmp_path / "all.nq"
    env = {**os.environ, "CTRLGRAPH_STORE": "oxigraph"}
    command = [sys.executable, "-m", "ctrlgraph", "dump", str(dumped), "--data-dir", str(tmp_path / "embedded")]
    assert subprocess.run(command, env=env, capture_output=True, timeout=120).returncode == 0
    push_dataset(store, dumped)
    embedded = OxigraphStore(tmp_path / "embedded")
    try:
        graph = evidence_graph(DEMO_ORG)
        assert store.graph_ntriples(graph) == embedded.graph_ntriples(graph) != ""
        assert sorted(reference_graphs(store)) == sorted(reference_graphs(embedded))
    finally:
        embedded.close()


@remote_only
def test_only_the_ctrlgraph_user_may_write_to_the_server(store: RemoteStore) -> None:
    config = backends.remote_config()
    anonymous = RemoteStore(
        RemoteConfig(query_url=config.query_url, update_url=config.query_url, gsp_url=config.gsp_url)
    )
    graph = GRAPH + "test/anonymous"
    try:
        with pytest.raises(StoreError, match="refused a write"):
            anonymous.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")
        with pytest.raises(StoreError):
            anonymous.put_graph(graph, "<urn:a> <urn:b> <urn:c> .\n")
    finally:
        anonymous.close()
    assert store.graph_ntriples(graph) == ""
    store.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")  # the configured user may
    assert store.graph_ntriples(graph) == "<urn:a> <urn:b> <urn:c> .\n"


@remote_only
def test_sparql_over_a_dataset_of_many_graphs(store: RemoteStore, tmp_path: Path) -> None:
    """Virtuoso echoes every dataset parameter as a response header; with the
    dataset in the query text, hundreds of graphs (past the 100 KiB header limit
    of HTTP clients as parameters) are no problem."""
    load_reference(store)
    many = tmp_path / "many.nq"
    rdf_type, reference_graph = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        "https://w3id.org/ctrlgraph/ns#ReferenceGraph",
    )
    with many.open("w") as out:
        for i in range(400):
            graph = f"{GRAPH}mappings/frameworks/many-{i:04d}"
            out.write(f'<urn:many:{i}> <{LABEL}> "many {i}" <{graph}> .\n')
            out.write(f"<{graph}> <{rdf_type}> <{reference_graph}> <{META_GRAPH}> .\n")
    push_dataset(store, many)
    settings = backends.api_settings(tmp_path / "unused", fresh=False, sparql_workers=1)
    with TestClient(create_app(settings)) as client:
        query = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{LABEL}> ?label FILTER(STRSTARTS(?label, "many ")) }}'
        response = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
        assert response.status_code == 200, response.text
        assert response.text.split()[-1] == "400"
