"""SPARQL 1.1 Protocol endpoint (read-only) at /sparql.

* query by GET ?query=, POST application/x-www-form-urlencoded, or POST
  application/sparql-query; default-graph-uri / named-graph-uri honoured;
* results negotiated from Accept (406 when nothing offered is acceptable);
* updates refused (403), syntax errors 400 with the parser's message, SERVICE
  refused (400);
* the caller's dataset is what it may read, by construction: on the embedded
  store the query runs on the reference store (anonymous and admin callers)
  or on an organization's view (the reference graphs plus that
  organization's evidence and validation graphs), whose union of graphs is
  the default graph; on a remote store the dataset lists those graphs. A
  graph named by default-graph-uri / named-graph-uri / FROM that the caller
  may not read, or that does not exist, is an empty graph either way;
* on the embedded store, queries run in killable worker processes: past the
  timeout the worker is killed and the client gets 504; on a remote store the
  server is given the same time limit (see ctrlgraph.sparql.remote).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import defaultdict
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from ctrlgraph import work
from ctrlgraph.api.auth import optional_principal
from ctrlgraph.api.body import read_body
from ctrlgraph.evidence import repository
from ctrlgraph.evidence.tenants import Principal
from ctrlgraph.iri import META_GRAPH
from ctrlgraph.loader import reference_graphs
from ctrlgraph.reference import reference_version
from ctrlgraph.sparql.guard import QueryRefused, check, looks_like_update
from ctrlgraph.sparql.negotiation import ALIASES, parse_accept
from ctrlgraph.sparql.pool import PoolBusy
from ctrlgraph.sparql.worker import QueryJob
from ctrlgraph.store.base import QueryTimeout, StoreError
from ctrlgraph.store.dialect import _blank_keeping_positions
from ctrlgraph.store.oxigraph import OxigraphStore, fill_view

_FROM_CLAUSE = re.compile(
    r"(?<![\w:?$])FROM\s+(?:NAMED\s+)?(?:<[^<>]*>|[A-Za-z_][\w.-]*:[\w.-]*|:[\w.-]*)", re.IGNORECASE
)

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
    403: {"description": "A SPARQL Update"},
    406: {"description": "No acceptable result format"},
    413: {"description": "Request body larger than the configured limit"},
    422: {"description": "Result larger than the configured cap (add a LIMIT)"},
    429: {"description": "Rate limit exceeded (see Retry-After)"},
    415: {"description": "Unsupported request Content-Type"},
    411: {"description": "A POST without Content-Length (and not chunked)"},
    503: {"description": "All query workers busy"},
    504: {"description": "Query stopped at the time limit"},
}


def _text(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


def _several(params: dict[str, list[str]], where: str) -> str | None:
    for name in ("query", "update"):
        if len(params.get(name, [])) > 1:
            return f"several '{name}' parameters {where}: the SPARQL 1.1 Protocol allows exactly one"
    return None


@router.get("/sparql", responses=RESPONSES, summary="SPARQL query (GET); without a query, the Service Description")
async def sparql_get(
    request: Request,
    query: Annotated[str | None, Query(description="The SPARQL query")] = None,
    default_graph_uri: Annotated[list[str] | None, Query(alias="default-graph-uri")] = None,
    named_graph_uri: Annotated[list[str] | None, Query(alias="named-graph-uri")] = None,
) -> Response:
    params = parse_qs(request.scope["query_string"].decode(), keep_blank_values=True)
    if problem := _several(params, "in the URL"):
        return _text(400, problem)
    if "update" in params:
        return _text(403, READ_ONLY)
    if query is None:
        # no query: the endpoint describes itself (SPARQL 1.1 Service Description)
        from ctrlgraph.api.describe import describe_service

        return await run_in_threadpool(describe_service, request)
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
    params = parse_qs(request.scope["query_string"].decode(), keep_blank_values=True)
    if problem := _several(params, "in the URL"):
        return _text(400, problem)
    if content_type == "application/sparql-update" or "update" in params:
        return _text(403, READ_ONLY)
    try:
        body = await read_body(request, request.app.state.settings.max_body_bytes, what="the POST body")
    except HTTPException as exc:
        return _text(exc.status_code, str(exc.detail))
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return _text(400, "the form body is not valid UTF-8")
        if problem := _several(form, "in the form body"):
            return _text(400, problem)
        if "update" in form:
            return _text(403, READ_ONLY)
        if "query" in params and "query" in form:
            return _text(400, "a 'query' in both the URL and the form body: give it once")
        if "query" in params:
            return _text(400, "with a form body, the 'query' goes in the body, not the URL")
        if "query" not in form:
            return _text(400, "missing the 'query' form field" + ("" if body else " (the request body is empty)"))
        query = form["query"][0]
        default = form.get("default-graph-uri", []) + params.get("default-graph-uri", [])
        named = form.get("named-graph-uri", []) + params.get("named-graph-uri", [])
    elif content_type == "application/sparql-query":
        if "query" in params:
            return _text(400, "a 'query' in both the URL and the request body: give it once")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError:
            return _text(400, "the query is not valid UTF-8")
        if not query.strip():
            return _text(400, "the request body is empty: POST the query as the body")
        default = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
    else:
        return _text(
            415,
            "POST needs Content-Type application/x-www-form-urlencoded or application/sparql-query"
            f" (got {content_type or 'none'})",
        )
    return await _answer(request, query, default, named)


def _reader_org(principal: Principal | None) -> str | None:
    """The organization whose graphs the caller reads (None: reference only).
    An admin key reads the reference graphs only: it manages tenants, it does
    not browse their evidence over SPARQL."""
    if principal is not None and principal.org is not None and principal.may("read", principal.org):
        return principal.org
    return None


def readable_graphs(request: Request, principal: Principal | None) -> list[str]:
    """Graphs the caller may read: the reference dataset, plus, with an
    organization key, that organization's evidence and validation graphs."""
    store = request.app.state.store
    dataset = getattr(store, "reference_dataset", None)
    graphs = list(dataset()) if dataset is not None else [*reference_graphs(store), META_GRAPH]
    org = _reader_org(principal)
    if org is not None:
        graphs += [repository.evidence_graph(org), repository.report_graph(org)]
    return graphs


_VIEW_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)  # one build per organization at a time
_VIEW_LOCKS_GUARD = threading.Lock()


def current_view(request: Request, org: str) -> str | None:
    """The organization's view if this process already has it for the store's
    current generation (no query, no thread: the usual case), else None."""
    # organization -> (store generation, path of its view): skips two queries per
    # request. Kept per app, as the generation it is keyed by is (two apps on one
    # store in a process, as in the tests, each count their own writes).
    views: dict[str, tuple[int, str]] = request.app.state.organization_views
    known = views.get(org)
    if known is not None and known[0] == request.app.state.generation and Path(known[1]).exists():
        return known[1]
    return None


def organization_view(request: Request, org: str) -> str:
    """The on-disk view holding the reference graphs and this organization's
    evidence and validation graphs (built on first use of each version)."""
    store: OxigraphStore = request.app.state.store
    generation = request.app.state.generation  # bumped by every write this process makes
    views: dict[str, tuple[int, str]] = request.app.state.organization_views
    if known := current_view(request, org):
        return known
    versions = repository.history(store, org)
    key = hashlib.sha256(f"{reference_version(store)}|{versions[-1].number if versions else 0}".encode()).hexdigest()
    with _VIEW_LOCKS_GUARD:
        lock = _VIEW_LOCKS[org]
    with lock:
        path = store.reference_view(
            [repository.evidence_graph(org), repository.report_graph(org)],
            f"{org}@{key[:16]}",
            # the organization's triples are loaded by a bounded worker (ctrlgraph.work), as that tenant
            fill=lambda staging, parts: work.pool().run(org, fill_view, staging, parts),
        )
        store.drop_views(prefix=f"{org}@", keep=path.name)
    views[org] = (generation, str(path))
    return str(path)


def _without_dataset_clauses(query: str) -> str:
    """The query with its FROM / FROM NAMED clauses cut out (the dataset is
    then set apart, from what the caller may read)."""
    text = _blank_keeping_positions(query)
    parts, last = [], 0
    for match in _FROM_CLAUSE.finditer(text):
        parts.append(query[last : match.start()])
        last = match.end()
    return "".join(parts) + query[last:]


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
    store = request.app.state.store
    # Protocol parameters take precedence over the query's own dataset clauses.
    if default or named:
        requested: tuple[list[str], list[str]] | None = (list(default), list(named))
    elif clauses:
        requested = (list(clauses.default), list(clauses.named))
    else:
        requested = None
    union = False
    store_path: str | None = None
    if isinstance(store, OxigraphStore):
        # The store the query runs on holds exactly what the caller may read,
        # so a graph named here that the caller may not read (or that does not
        # exist) is simply absent: an empty graph, whichever it is.
        org = _reader_org(principal)
        if org is not None:
            try:
                store_path = current_view(request, org) or await run_in_threadpool(organization_view, request, org)
            except work.JobFailed as exc:
                return _text(503, f"the organization's query view could not be built: {exc}")
        if requested is None:
            union = True
            requested = ([], [])
        elif not (default or named) and clauses.complete:
            requested = None  # the query's own FROM clauses apply
    else:
        allowed = await run_in_threadpool(readable_graphs, request, principal)
        allowed_set = set(allowed)
        if requested is None:
            requested = (allowed, allowed)
        else:
            if not clauses.complete:
                return _text(400, "the query's FROM clauses could not be read; check its syntax")
            # Graphs the caller may not read, and graphs that do not exist, are
            # both left out: they read as empty graphs (no existence oracle).
            requested = ([g for g in requested[0] if g in allowed_set], [g for g in requested[1] if g in allowed_set])
        if clauses:
            query = _without_dataset_clauses(query)  # this server would merge them with ours
            if check(query):
                return _text(400, "the query's FROM clauses could not be read; check its syntax")
    settings = request.app.state.settings
    job = QueryJob(
        query=query,
        default_graphs=None if requested is None else requested[0],
        named_graphs=None if requested is None else requested[1],
        accept=parse_accept(request.headers.get("accept"), ALIASES),
        generation=request.app.state.generation,
        max_result_bytes=settings.max_result_bytes,
        union=union,
        store_path=store_path,
    )
    try:
        answer = await request.app.state.query_runner.run_async(job, settings.query_timeout)
    except QueryTimeout as exc:
        return _text(504, str(exc))
    except PoolBusy as exc:
        return PlainTextResponse(str(exc) + "\n", status_code=503, headers={"Retry-After": "1"})
    except StoreError as exc:
        return _text(503, str(exc))
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type, headers={"Vary": "Accept"})
