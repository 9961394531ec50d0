"""The CLI beside a running server: reading commands take --url (and answer
what the server's endpoints answer), writing ones go through the API, and an
embedded store held by another process gives a clear message, not a traceback."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from ctrlgraph.cli import app
from tests.servers import ctrlgraph_serve

pytestmark = pytest.mark.api

runner = CliRunner()
http = httpx.Client(timeout=300)  # a busy machine answers slowly


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `ctrlgraph serve` with a query time limit that a busy machine cannot hit
    (the session's shared server stops queries at 3 s)."""
    with ctrlgraph_serve(tmp_path_factory, "cli-url", "--query-timeout", "60") as url:
        yield url


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_stats_with_url(server: str) -> None:
    code, output = run("stats", "--url", server)
    assert code == 0, output
    for framework in http.get(server + "/v1/frameworks").json():
        assert framework["id"] in output


def test_exports_with_url_match_the_server(server: str, tmp_path: Path) -> None:
    code, sssom = run("export", "sssom", "-f", "iso42001-2023", "--url", server)
    assert code == 0, sssom
    assert sssom == http.get(server + "/v1/export/sssom/iso42001-2023").text
    code, crosswalk = run("export", "crosswalk", "iso42001-2023", "-t", "iso27001-2022", "--url", server)
    assert code == 0, crosswalk
    served = http.get(
        server + "/v1/export/spreadsheet/crosswalk", params={"source": "iso42001-2023", "target": "iso27001-2022"}
    ).text
    assert list(csv.reader(io.StringIO(crosswalk))) == list(csv.reader(io.StringIO(served)))


def test_import_list_and_remove_with_url(server: str) -> None:
    code, output = run("import", "list", "--url", server)
    assert code == 0 and "graph" in output
    # removing needs an admin key: without one the server's 401 is reported, not a traceback
    code, output = run("import", "remove", "nist-mini", "--url", server)
    assert code == 1 and "401" in output


def test_dump_with_url_writes_every_readable_graph(server: str, tmp_path: Path) -> None:
    target = tmp_path / "dump.nq"
    code, output = run("dump", str(target), "--url", server)
    assert code == 0, output
    quads = list(ox.parse(path=str(target), format=ox.RdfFormat.N_QUADS))
    graphs = {q.graph_name.value for q in quads}
    listed = http.post(
        server + "/sparql",
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"]
    # every graph with triples (an empty one has no quads to write)
    assert graphs <= {b["g"]["value"] for b in listed} and len(graphs) >= 5
    count = http.post(
        server + "/sparql",
        data={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()["results"]["bindings"][0]["n"]["value"]
    assert len(quads) == int(count)


def test_load_with_url_explains_instead_of_writing(server: str) -> None:
    code, output = run("load", "--url", server)
    assert code == 2 and "import" in output


@pytest.fixture
def held_store(tmp_path: Path) -> Iterator[Path]:
    """An embedded store another process holds open, as `ctrlgraph serve` does."""
    path = tmp_path / "held"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import pyoxigraph, sys, time; s = pyoxigraph.Store({str(path)!r}); "
            "print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        yield path
    finally:
        holder.communicate("", timeout=30)


@pytest.mark.parametrize(
    "command",
    [
        ["load"],
        ["stats"],
        ["dump", "out.nq"],
        ["frameworks"],
        ["requirement", "iso42001-2023", "9.2"],
        ["export", "sssom", "-f", "iso42001-2023"],
        ["import", "list"],
        ["org", "create", "acme", "--name", "Acme"],
    ],
)
def test_a_store_held_by_a_server_is_a_clear_message(held_store: Path, command: list[str]) -> None:
    code, output = run(*command, "--data-dir", str(held_store))
    assert code == 2, output
    assert "--url" in output and str(held_store) in output.replace("\n", "")


def test_serve_on_a_store_held_by_a_server_is_a_clear_message(held_store: Path) -> None:
    # A real process: were the store not found held, the server would start
    # and the time limit would fail the test.
    result = subprocess.run(
        [sys.executable, "-m", "ctrlgraph", "serve", "--data-dir", str(held_store), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "--url" in output and str(held_store) in output.replace("\n", "")
