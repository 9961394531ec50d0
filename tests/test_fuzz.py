"""Schema-driven fuzzing of the whole API (schemathesis against our OpenAPI
document, on a real server) and property-based fuzzing of the parsers
(hypothesis), with a fixed budget: no 5xx, no stack trace in a response."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf
from ctrlgraph.evidence.template import template_to_ntriples
from ctrlgraph.evidence.tenants import new_admin_key
from ctrlgraph.sparql.guard import QueryRefused, check
from tests import backends
from tests.conftest import _free_port

pytestmark = pytest.mark.api
ROOT = Path(__file__).resolve().parents[1]

BUDGET = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real `ctrlgraph serve` with an admin key and an organization, so the
    fuzzer also reaches the routes behind a key (base URL, admin key)."""
    admin = new_admin_key()
    port = _free_port()
    log = (tmp_path_factory.mktemp("fuzz-log") / "server.log").open("w")
    if backends.is_remote():
        backends.wipe()
    env = {**os.environ, **backends.remote_env(), "CTRLGRAPH_ADMIN_KEY": admin, "CTRLGRAPH_RATE_LIMIT": "0"}
    command = [sys.executable, "-m", "ctrlgraph", "serve", "--data-dir", str(tmp_path_factory.mktemp("fuzz-store"))]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--query-timeout", "3"], stdout=log, stderr=subprocess.STDOUT, env=env
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, f"server exited; see {log.name}"
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
        assert time.monotonic() < deadline, "server did not become healthy"
    h = {"Authorization": f"Bearer {admin}"}
    assert httpx.post(url + "/v1/orgs", json={"id": "fuzz", "name": "Fuzz"}, headers=h).status_code == 201
    yield url, admin
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


#: Operations whose input is a language or a file (SPARQL, RDF, import files) or
#: has constraints across parameters that JSON Schema cannot state (two
#: different frameworks; one of two parameters; no more frameworks required
#: than given): a schema-valid request can still be wrong, and the answer is
#: the documented 400/415/422 naming the line, field or parameter at fault.
#: Every other operation must accept whatever its schema accepts.
CONTENT_CHECKED = {
    "/sparql": "the query is SPARQL",
    "/v1/orgs/{org}/evidence": "the body is RDF or the evidence template",
    "/v1/orgs/{org}/evidence/validate": "the body is RDF or the evidence template",
    "/v1/import/{format}": "the body is an OSCAL, CISO Assistant, SSSOM or spreadsheet file",
    "/v1/crosswalk": "source and target must be different frameworks",
    "/v1/export/spreadsheet/crosswalk": "the targets must include a framework other than the source",
    "/v1/export/oscal/mapping/{source}/{target}": "source and target must be different frameworks",
    "/v1/export/oscal/profile": "control= or org= must be given",
    "/v1/plan/delta": "have= or org= must be given",
    "/v1/shared-controls": "min_frameworks may not exceed the frameworks given",
    "/v1/export/spreadsheet/shared-controls": "min_frameworks may not exceed the frameworks given",
}


def schemathesis_config() -> str:
    operations = "".join(
        f'[[operations]]\n# {why}\ninclude-path = ["{path}"]\n'
        'checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409",'
        ' "413", "415", "422", "429"]\n\n'
        for path, why in CONTENT_CHECKED.items()
    )
    # Reach past the 404 of an unknown organization into the routes.
    return f'[parameters]\norg = "fuzz"\n\n{operations}'


@pytest.mark.embedded_only(
    reason="schemathesis checks the API contract (request validation, documented statuses and media types), "
    "which does not depend on the store; the API tests run on both backends (54 s on Virtuoso)"
)
def test_api_conforms_to_its_openapi_document(keyed_server: tuple[str, str], tmp_path: Path) -> None:
    """Every operation of the OpenAPI document against the real server, with
    every schemathesis check plus ours (tests/schemathesis_hooks.py: no stack
    trace, no empty error), in schemathesis's coverage phase (boundary and
    invalid values of each parameter, unsupported methods, missing key) and a
    bounded, deterministic fuzzing phase. Any finding fails the test: a 5xx, an
    undocumented status code or media type, a wrong Allow header, a
    schema-valid request refused (but CONTENT_CHECKED), an invalid one
    accepted, a response that breaks its schema."""
    server, admin = keyed_server
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config())
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        server + "/openapi.json",
        "--checks",
        "all",
        "--phases",
        "coverage,fuzzing",
        "--max-examples",
        "6",
        "--generation-deterministic",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {admin}",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    summary = run.stdout[run.stdout.find("SUMMARY") :]
    print(summary)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated", summary)
    assert generated and int(generated.group(1)) >= 500, summary  # the budget was really spent


@given(st.binary(max_size=2000), st.sampled_from(["text/turtle", "application/ld+json", "application/rdf+xml"]))
@BUDGET
def test_rdf_parser_only_raises_parse_problems(body: bytes, media_type: str) -> None:
    try:
        parse_rdf(body, media_type, "fuzz")
    except ParseProblem as problem:
        assert problem.message


@given(st.text(max_size=2000))
@BUDGET
def test_csv_template_only_raises_parse_problems(text: str) -> None:
    try:
        template_to_ntriples(("# kind: ai_systems\n" + text).encode(), "text/csv", "fuzz")
    except ParseProblem as problem:
        assert str(problem)


@given(st.text(max_size=500))
@BUDGET
def test_query_guard_never_crashes(query: str) -> None:
    try:
        check(query)
    except QueryRefused as refused:
        assert "SERVICE" in str(refused) or "syntax" in str(refused) or "nested" in str(refused)
