"""The FastAPI application: /healthz, /sparql, /v1/… and the OpenAPI docs."""

from __future__ import annotations

import gc
import logging
import shutil
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ctrlgraph import __version__, catalog, doctor, work
from ctrlgraph import bounds as bounds_mod
from ctrlgraph.api import describe, interop, openapi, orgs, planning, reference, sparql
from ctrlgraph.api.cache import ReferenceCacheMiddleware
from ctrlgraph.api.limits import BodyLimitMiddleware, RateLimitMiddleware, TokenBuckets, VerifiedKeys
from ctrlgraph.api.protocol import FormatParameterMiddleware, HeadMiddleware
from ctrlgraph.api.settings import Settings
from ctrlgraph.evidence import tenants
from ctrlgraph.loader import load_reference, reference_graphs
from ctrlgraph.procpool import PoolClosed
from ctrlgraph.sparql.pool import QueryPool
from ctrlgraph.sparql.remote import RemoteQueryRunner
from ctrlgraph.store import OxigraphStore, readable
from ctrlgraph.store.base import GraphStore, QueryTimeout, StoreError
from ctrlgraph.web import mount as mount_web

log = logging.getLogger("ctrlgraph")

DESCRIPTION = """
ctrlgraph models ISO/IEC 42001:2023, ISO/IEC 27001:2022, ISO 9001:2015, the ISO
Harmonized Structure and the EU AI Act (Regulation (EU) 2024/1689) as one RDF
graph of requirements mapped onto a common control set with NIST IR 8477
set-theory relationships.

* `/sparql` — SPARQL 1.1 Protocol (read-only).
* `/v1/…` — JSON (CSV where a table is natural).

ISO content is limited to identifiers and short titles. EU AI Act text:
© European Union, reused under Commission Decision 2011/833/EU.
"""


def _report(findings: list[doctor.Finding]) -> None:
    for finding in findings:  # found at start-up: `ctrlgraph doctor --fix` repairs
        log.warning("tenant integrity: %s", finding)


def _integrity_check(store: GraphStore, pool: work.WorkPool) -> None:
    """`ctrlgraph doctor`'s diagnosis at start-up, in a bounded worker on a
    checkpoint. ``pool`` is the app's: once the app stops, the job stops with
    it (PoolClosed), never starting a pool of its own."""
    try:
        with readable.readable_copy(store) as copy:
            moved = list(getattr(store, "moved_tenant_graphs", []))
            _report(pool.run("doctor", doctor.diagnose_copy, copy, moved))
    except PoolClosed:
        log.info("tenant integrity check at start-up stopped: the server is stopping")
    except Exception as exc:  # the server stopped meanwhile, or a bound tripped: say so, keep serving
        log.warning("tenant integrity check at start-up did not finish: %s", exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    # Long pure-Python work (gap analysis) runs in worker threads; a shorter GIL
    # switch interval lets the event loop answer cached reads in between.
    sys.setswitchinterval(0.001)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        bounds_mod.configure(settings.bounds)  # for parsers and the heavy-work pool of this process
        store = settings.open_store()
        load_reference(store)  # first start loads; later starts skip unchanged files
        if settings.admin_key:
            tenants.ensure_admin_key(store, settings.admin_key)
        if settings.demo:
            from ctrlgraph.demo import install_demo

            install_demo(store)
        store.flush()
        if readable.supported(store):
            # Reading every organization's evidence is heavy: a bounded worker does it while the server serves.
            if isinstance(store, OxigraphStore):
                shutil.rmtree(store.path / readable.CHECKPOINT_DIR, ignore_errors=True)  # left by a killed server
            app.state.integrity_check = threading.Thread(
                target=_integrity_check, args=(store, work.pool()), name="integrity-check", daemon=True
            )
            app.state.integrity_check.start()
        else:
            _report(doctor.diagnose(store, snapshots=False))
        app.state.store = store
        app.state.settings = settings
        app.state.generation = 0
        app.state.organization_views = {}
        if isinstance(store, OxigraphStore):
            app.state.query_runner = QueryPool(
                store.raw,
                settings.data_dir.with_name(settings.data_dir.name + ".query-snapshots"),
                settings.sparql_workers,
                memory_mb=settings.bounds.query_memory_mb,
            )
        else:
            app.state.query_runner = RemoteQueryRunner(store)  # type: ignore[arg-type]
        # What start-up built (modules, schemas, the loaded store's objects) lives
        # as long as the server: out of the collector's reach, a full collection
        # no longer walks it (65 ms pauses every ~2,000 point look-ups before).
        # Unfrozen at shutdown, so that apps started one after another in one
        # process (the tests) do not keep each other's garbage.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            app.state.query_runner.close()
            work.shutdown()
            check = getattr(app.state, "integrity_check", None)
            if check is not None:  # its job stopped with the pool; let it finish before the store closes
                check.join(timeout=10)
            bounds_mod.configure(None)
            store.close()

    app = FastAPI(
        title="ctrlgraph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0"},
        docs_url=None,  # served by openapi.install_docs from a package, not a CDN
        redoc_url=None,
    )

    @app.exception_handler(catalog.NotFound)
    async def not_found(_: Request, exc: catalog.NotFound) -> JSONResponse:
        return JSONResponse(
            status_code=404,
            content={"detail": f"unknown {exc.kind}: {exc.value!r}", "valid": exc.valid},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            # Starlette names only the first route matching the path; a path served by several routes
            # (GET and POST /sparql, the evidence verbs) must list them all (RFC 9110 Allow).
            allowed = openapi.allowed_methods(request.app, request.url.path)
            if allowed:
                exc = StarletteHTTPException(405, exc.detail, headers={"Allow": ", ".join(allowed)})
        return await http_exception_handler(request, exc)

    @app.exception_handler(StoreError)
    async def store_failed(_: Request, exc: StoreError) -> JSONResponse:
        # The store (a remote SPARQL server above all) was too slow or failed:
        # say so, rather than a bare 500, so that clients know to retry.
        if isinstance(exc, QueryTimeout):
            return JSONResponse(status_code=504, content={"detail": f"the store did not answer in time: {exc}"})
        log.warning("store error: %s", exc)
        return JSONResponse(
            status_code=503, content={"detail": f"the store failed: {exc}"}, headers={"Retry-After": "5"}
        )

    @app.exception_handler(PoolClosed)
    async def shutting_down(_: Request, exc: PoolClosed) -> JSONResponse:
        # a request that arrived while the server stops: its worker pool is gone
        return JSONResponse(status_code=503, content={"detail": f"{exc}: try again"}, headers={"Retry-After": "1"})

    @app.exception_handler(bounds_mod.BoundExceeded)
    async def bound_exceeded(_: Request, exc: bounds_mod.BoundExceeded) -> JSONResponse:
        # Too much work for one request: the bound and its setting are named; nothing was stored.
        return JSONResponse(status_code=413, content={"detail": str(exc), "bound": exc.bound})

    @app.get("/healthz", tags=["service"])
    def healthz(request: Request) -> dict[str, object]:
        """Answers 200 once the store is open and the reference graph loaded;
        ``checks`` says whether the start-up integrity check (run in the
        background, beside the first requests) is still ``running`` or ``done``."""
        graphs = reference_graphs(request.app.state.store)
        check = getattr(request.app.state, "integrity_check", None)
        return {
            "status": "ok" if graphs else "empty",
            "version": __version__,
            "graphs": len(graphs),
            "checks": "running" if check is not None and check.is_alive() else "done",
        }

    # Added last runs first: CORS, HEAD, rate limit, gzip, body limits, format=, the reference cache, the routes.
    app.add_middleware(
        ReferenceCacheMiddleware,
        get_store=lambda: getattr(app.state, "store", None),
    )
    app.add_middleware(FormatParameterMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, body_timeout=settings.body_timeout)
    # Large answers only: below 1 KB compressing costs more than it saves. Level 1
    # (nginx's default for dynamic answers): a 230 KB shared-controls answer
    # compresses 12x in 0.5 ms, where level 6 takes 1.6 ms for 19x.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    app.state.verified_keys = VerifiedKeys()
    app.state.auth_failures = TokenBuckets(settings.auth_failure_rate, settings.auth_failure_burst)
    app.add_middleware(
        RateLimitMiddleware, rate=settings.rate_limit, burst=settings.rate_burst, verified=app.state.verified_keys
    )
    app.add_middleware(HeadMiddleware)
    if settings.cors_origins:
        # a browser SPARQL editor (YASGUI) or a GRC tool on another origin may read and query
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-API-Key"],
            expose_headers=["Content-Disposition", "Retry-After", "X-Cache"],
            max_age=600,
        )

    app.include_router(sparql.router)
    app.include_router(describe.router)
    app.include_router(reference.router)
    app.include_router(interop.router)
    openapi.install_docs(app)
    mount_web(app)  # the web interface at / (static files; data from the API above)
    app.include_router(orgs.router)
    app.include_router(planning.router)
    openapi.install(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (used when serving with several workers)."""
    return create_app(Settings.from_env())
