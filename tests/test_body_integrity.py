"""Issue #13, part 2: request bodies arrive whole or are refused, on a real
`ctrlgraph serve` socket, with the exact headers Java's HttpClient sends
(``Connection: Upgrade, HTTP2-Settings`` / ``Upgrade: h2c``, which made
uvicorn's httptools parser drop the body), with Apache Jena's rsparql, and
for empty, short and untyped bodies. Removing all evidence is an explicit,
audited DELETE."""

from __future__ import annotations

import http.client
import socket
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from ctrlgraph.evidence.tenants import new_admin_key
from tests.conftest import FIXTURES, require_tool
from tests.servers import ctrlgraph_serve

pytestmark = pytest.mark.api

ADMIN = new_admin_key()
MINIMAL = (FIXTURES / "evidence" / "minimal.ttl").read_bytes().replace(b"/org/beta/", b"/org/jvm/")
JAVA_HEADERS = [
    ("Connection", "Upgrade, HTTP2-Settings"),
    ("HTTP2-Settings", "AAEAAEAAAAIAAAABAAMAAABkAAQBAAAAAAUAAEAA"),
    ("Upgrade", "h2c"),
    ("User-Agent", "Java-http-client/17.0.13"),
]
QUERY_IDS = """PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id WHERE {{ VALUES ?id {{ "iso9001-2015" {padding} }} ?f a cg:Framework ; dcterms:identifier ?id }}"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real `ctrlgraph serve` with an admin key; yields (base URL, key of organization 'jvm')."""
    with ctrlgraph_serve(tmp_path_factory, "body", "--admin-key", ADMIN) as url:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        assert httpx.post(url + "/v1/orgs", json={"id": "jvm", "name": "JVM"}, headers=admin).status_code == 201
        key = httpx.post(url + "/v1/orgs/jvm/keys", json={"scopes": ["read", "write"]}, headers=admin).json()["key"]
        yield url, key


def raw_request(url: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, bytes]:
    """One request written byte by byte on a socket, as the client sends it."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers)]
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def evidence_count(url: str, key: str) -> int:
    response = httpx.get(
        url + "/v1/orgs/jvm/evidence", headers={"Authorization": f"Bearer {key}", "Accept": "application/n-triples"}
    )
    assert response.status_code == 200, response.text
    return len(response.text.strip().splitlines())


def test_java_client_headers_keep_the_body(live: tuple[str, str]) -> None:
    url, key = live
    query = QUERY_IDS.format(padding=" ".join(f'"pad-{i:05d}"' for i in range(400))).encode()
    assert len(query) > 4096
    status, body = raw_request(
        url,
        "POST",
        "/sparql",
        [
            *JAVA_HEADERS,
            ("Content-Length", str(len(query))),
            ("Content-Type", "application/sparql-query"),
            ("Accept", "text/csv"),
        ],
        query,
    )
    assert status == 200, body
    assert body.decode().split() == ["id", "iso9001-2015"]
    auth = ("Authorization", f"Bearer {key}")
    status, body = raw_request(
        url,
        "PUT",
        "/v1/orgs/jvm/evidence",
        [*JAVA_HEADERS, auth, ("Content-Length", str(len(MINIMAL))), ("Content-Type", "text/turtle")],
        MINIMAL,
    )
    assert status == 200, body
    assert evidence_count(url, key) > 10  # the whole upload, not an emptied graph


def test_empty_short_and_untyped_bodies_change_nothing(live: tuple[str, str]) -> None:
    url, key = live
    auth = ("Authorization", f"Bearer {key}")
    assert raw_request(url, "PUT", "/v1/orgs/jvm/evidence", [auth, *JAVA_HEADERS, ("Content-Length", str(len(MINIMAL))), ("Content-Type", "text/turtle")], MINIMAL)[0] == 200  # fmt: skip
    before = evidence_count(url, key)
    cases = [
        # empty body, announced or not
        ([("Content-Length", "0"), ("Content-Type", "text/turtle")], b"", 400),
        # no Content-Length and not chunked
        ([("Content-Type", "text/turtle")], b"", 411),
        # no Content-Type, and an unknown one
        ([("Content-Length", str(len(MINIMAL)))], MINIMAL, 415),
        ([("Content-Length", str(len(MINIMAL))), ("Content-Type", "application/x-unknown")], MINIMAL, 415),
        # a body of only whitespace: no triples
        ([("Content-Length", "3"), ("Content-Type", "text/turtle")], b"\n \n", 400),
    ]
    for headers, body, expected in cases:
        for method in ("PUT", "POST"):
            status, answer = raw_request(url, method, "/v1/orgs/jvm/evidence", [auth, *headers], body)
            assert status == expected, (method, headers, answer)
            assert b"detail" in answer
    # A body shorter than its Content-Length: the client gives up mid-body.
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"PUT /v1/orgs/jvm/evidence HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        sock.sendall(
            (head + f"Content-Type: text/turtle\r\nContent-Length: {len(MINIMAL)}\r\n\r\n").encode() + MINIMAL[:40]
        )
        sock.shutdown(socket.SHUT_WR)
        try:
            sock.recv(100)
        except OSError:
            pass
    assert evidence_count(url, key) == before
    # /sparql: an empty POST is 400 with a message, a form without a query too.
    for content_type in ("application/sparql-query", "application/x-www-form-urlencoded"):
        status, answer = raw_request(
            url, "POST", "/sparql", [*JAVA_HEADERS, ("Content-Length", "0"), ("Content-Type", content_type)], b""
        )
        assert status == 400 and b"empty" in answer, answer


def test_delete_removes_all_evidence_and_is_audited(live: tuple[str, str]) -> None:
    url, key = live
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.put(url + "/v1/orgs/jvm/evidence", content=MINIMAL, headers={**headers, "Content-Type": "text/turtle"}).status_code == 200  # fmt: skip
    before = evidence_count(url, key)
    assert httpx.delete(url + "/v1/orgs/jvm/evidence").status_code == 401
    response = httpx.delete(url + "/v1/orgs/jvm/evidence", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["triples"] == 0 and response.json()["triples_removed"] == before
    assert evidence_count(url, key) == 0
    last = httpx.get(url + "/v1/orgs/jvm/history", headers=headers).json()["versions"][-1]
    assert last["kind"] == "delete" and last["triples_removed"] == before and last["triples"] == 0
    # The version before the deletion can be restored.
    restored = httpx.post(url + f"/v1/orgs/jvm/history/{last['version'] - 1}/restore", headers=headers)
    assert restored.status_code == 200, restored.text
    assert evidence_count(url, key) == before


def test_jena_rsparql_post_with_a_long_query(live: tuple[str, str]) -> None:
    rsparql = require_tool("rsparql")
    url, _ = live
    query = QUERY_IDS.format(padding=" ".join(f'"pad-{i:05d}"' for i in range(400)))
    assert len(query.encode()) > 4096
    result = subprocess.run(
        [rsparql, "--post", "--service", url + "/sparql", "--results=csv", query],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["id", "iso9001-2015"]
