"""SPARQL 1.1 Protocol endpoint (read-only) at /sparql.

* query by GET ?query=, POST application/x-www-form-urlencoded, or POST
  application/sparql-query; default-graph-uri / named-graph-uri honoured;
* results negotiated from Accept (406 when nothing offered is acceptable);
* updates refused (403), syntax errors 400 with the parser's message, SERVICE
  refused (400);
* the dataset is always explicit: the graphs the caller may read (the
  reference graphs), intersected with what the request or query names;
* on the embedded store, queries run in killable worker processes: past the
  timeout the worker is killed and the client gets 504; on a remote store the
  server is given the same time limit (see ctrlgraph.sparql.remote).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from ctrlgraph.api.auth import optional_principal
from ctrlgraph.evidence import repository
from ctrlgraph.evidence.tenants import Principal
from ctrlgraph.iri import META_GRAPH
from ctrlgraph.loader import reference_graphs
from ctrlgraph.sparql.guard import QueryRefused, check, looks_like_update
from ctrlgraph.sparql.negotiation import ALIASES, parse_accept
from ctrlgraph.sparql.pool import PoolBusy
from ctrlgraph.sparql.worker import QueryJob
from ctrlgraph.store.base import QueryTimeout, StoreError

router = APIRouter(tags=["sparql"])

READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted here"
RESULT_TYPES = {
    "application/sparql-results+json": {},
    "application/sparql-results+xml": {},
    "text/csv": {},
    "text/tab-separated-values": {},
    "text/turtle": {},
    "application/n-triples": {},
    "application/ld+json": {},
    "application/rdf+xml": {},
}
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "Query results in the negotiated format", "content": RESULT_TYPES},
    400: {"description": "Syntax error (the parser's message), SERVICE, or a bad parameter"},
    403: {"description": "A SPARQL Update, or a graph the caller may not read"},
    406: {"description": "No acceptable result format"},
    413: {"description": "Request body larger than the configured limit"},
    422: {"description": "Result larger than the configured cap (add a LIMIT)"},
    429: {"description": "Rate limit exceeded (see Retry-After)"},
    415: {"description": "Unsupported request Content-Type"},
    503: {"description": "All query workers busy"},
    504: {"description": "Query stopped at the time limit"},
}


def _text(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


@router.get("/sparql", responses=RESPONSES, summary="SPARQL query (GET)")
async def sparql_get(
    request: Request,
    query: Annotated[str | None, Query(description="The SPARQL query")] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
) -> Response:
    if "update" in request.query_params:
        return _text(403, READ_ONLY)
    if query is None:
        return _text(400, "missing the 'query' parameter")
    return await _answer(request, query, default_graph_uri or [], named_graph_uri or [])


@router.post(
    "/sparql",
    responses=RESPONSES,
    summary="SPARQL query (POST form or application/sparql-query)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["query"],
                    }
                },
                "application/sparql-query": {"schema": {"type": "string"}},
            }
        }
    },
)
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = parse_qs(request.url.query)
    body = await request.body()
    if content_type == "application/sparql-update":
        return _text(403, READ_ONLY)
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _text(400, "the form body is not valid UTF-8")
        if "update" in form:
            return _text(403, READ_ONLY)
        if "query" not in form:
            return _text(400, "missing the 'query' form field")
        query = form["query"][0]
        default = form.get("default-graph-uri", []) + params.get("default-graph-uri", [])
        named = form.get("named-graph-uri", []) + params.get("named-graph-uri", [])
    elif content_type == "application/sparql-query":
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            return _text(400, "the query is not valid UTF-8")
        default = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
    else:
        return _text(
            415,
            "POST needs Content-Type application/x-www-form-urlencoded or application/sparql-query"
            f" (got {content_type or 'none'})",
        )
    return await _answer(request, query, default, named)


def readable_graphs(request: Request, principal: Principal | None) -> list[str]:
    """Graphs the caller may read: the reference graphs, plus, with an
    organization key, that organization's evidence and validation graphs.
    (An admin key reads the reference graphs only: it manages tenants, it
    does not browse their evidence over SPARQL.)"""
    graphs = [*reference_graphs(request.app.state.store), META_GRAPH]
    if principal is not None and principal.org is not None and principal.may("read", principal.org):
        graphs += [repository.evidence_graph(principal.org), repository.report_graph(principal.org)]
    return graphs


async def _answer(request: Request, query: str, default: list[str], named: list[str]) -> Response:
    try:
        principal = await optional_principal(request)
    except HTTPException as exc:
        return _text(exc.status_code, str(exc.detail))
    try:
        clauses = check(query)
    except QueryRefused as exc:
        return _text(400, str(exc))
    if looks_like_update(query):
        return _text(403, READ_ONLY)
    allowed = await run_in_threadpool(readable_graphs, request, principal)
    allowed_set = set(allowed)
    # Protocol parameters take precedence over the query's own dataset clauses.
    if default or named:
        requested_default, requested_named = default, named
    elif clauses:
        requested_default, requested_named = clauses.default, clauses.named
    else:
        requested_default, requested_named = allowed, allowed
    refused = sorted({*requested_default, *requested_named, *clauses.default, *clauses.named} - allowed_set)
    if refused:
        return _text(403, "not a graph you can read: " + ", ".join(f"<{g}>" for g in refused))
    merges = getattr(getattr(request.app.state.store, "dialect", None), "merges_dataset_clauses", False)
    if merges and not clauses.complete:
        # The server would add the query's own FROM graphs to ours: they must be known.
        return _text(400, "the query's FROM clauses could not be read; check its syntax")
    if (
        merges
        and (default or named)
        and clauses
        and (set(default), set(named))
        != (
            set(clauses.default),
            set(clauses.named),
        )
    ):
        # This server would merge the two datasets instead of letting the parameters win.
        return _text(400, "give the dataset either in the query (FROM) or as request parameters, not both")
    settings = request.app.state.settings
    job = QueryJob(
        query=query,
        default_graphs=list(requested_default),
        named_graphs=list(requested_named),
        accept=parse_accept(request.headers.get("accept"), ALIASES),
        generation=request.app.state.generation,
        max_result_bytes=settings.max_result_bytes,
    )
    try:
        answer = await run_in_threadpool(request.app.state.query_runner.run, job, settings.query_timeout)
    except QueryTimeout as exc:
        return _text(504, str(exc))
    except PoolBusy as exc:
        return PlainTextResponse(str(exc) + "\n", status_code=503, headers={"Retry-After": "1"})
    except StoreError as exc:
        return _text(503, str(exc))
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers={"Vary": "Accept"})
