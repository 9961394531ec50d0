"""Schema-driven fuzzing of the whole API (schemathesis against our OpenAPI
document, on a real server) and property-based fuzzing of the parsers
(hypothesis), with a fixed budget: no 5xx, no stack trace in a response."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf
from ctrlgraph.evidence.template import template_to_ntriples
from ctrlgraph.sparql.guard import QueryRefused, check

pytestmark = pytest.mark.api

BUDGET = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def test_api_never_answers_5xx_or_a_stack_trace(server: str) -> None:
    """Every operation of the OpenAPI document, with generated (valid and
    invalid) parameters and bodies, against the real server."""
    schema = schemathesis.openapi.from_url(server + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @BUDGET
        def exercise(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(base_url=server, timeout=30)
            calls.append(response.status_code)
            text = response.content.decode("utf-8", "replace")  # XLSX answers are binary
            if response.status_code >= 500 or "Traceback" in text or (response.status_code >= 400 and not text.strip()):
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {text[:200]}")

        exercise()
    assert failures == []
    assert len(calls) >= 3 * len(operations)  # the budget was really spent


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
        assert "SERVICE" in str(refused)
