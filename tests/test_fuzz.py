"""Schema-driven fuzzing of the whole API (schemathesis against our OpenAPI
document, on a real server) and property-based fuzzing of the parsers
(hypothesis), with a fixed budget: no 5xx, no stack trace in a response."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

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


def test_api_never_answers_5xx_or_a_stack_trace(keyed_server: tuple[str, str]) -> None:
    """Every operation of the OpenAPI document, with generated (valid and
    invalid) parameters and bodies, against the real server, with every
    schemathesis check. A 5xx (or a stack trace, or an empty error) fails the
    test; what the other checks find is printed as a tally (see SECURITY.md)."""
    import schemathesis.specs.openapi.checks
    from schemathesis.checks import CHECKS
    from schemathesis.core.failures import Failure, FailureGroup

    server, admin = keyed_server
    checks = CHECKS.get_all()
    assert len(checks) >= 10
    schema = schemathesis.openapi.from_url(server + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    tally: Counter[str] = Counter()
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @BUDGET
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            if case.path.startswith("/v1/orgs/{org}") and isinstance(case.path_parameters, dict):
                case.path_parameters["org"] = "fuzz"  # reach past the 404 into the route
            try:
                response = case.call_and_validate(
                    base_url=server, checks=checks, timeout=30, headers={"Authorization": f"Bearer {admin}"}
                )
            except (Failure, FailureGroup) as found:
                problems = list(getattr(found, "exceptions", [found]))
                for problem in problems:
                    tally[type(problem).__name__] += 1
                    if type(problem).__name__ == "ServerError":
                        failures.append(f"{case.method} {case.formatted_path}: {problem}"[:300])
                return
            calls.append(response.status_code)
            text = response.content.decode("utf-8", "replace")  # XLSX answers are binary
            if response.status_code >= 500 or "Traceback" in text or (response.status_code >= 400 and not text.strip()):
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {text[:200]}")

        exercise()
    print("schemathesis findings other than 5xx, by kind:", dict(sorted(tally.items())))
    assert failures == []
    assert len(calls) + sum(tally.values()) >= 3 * len(operations)  # the budget was really spent


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
