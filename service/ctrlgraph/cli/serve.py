"""``ctrlgraph serve``: the HTTP service."""

from __future__ import annotations

from typing import Annotated

import typer

from ctrlgraph.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    SparqlUrl,
    StoreKind,
    console,
    err,
    store_locked,
    use_sparql_url,
)
from ctrlgraph.cli.root import app
from ctrlgraph.store import StoreError


@app.command()
def serve(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    host: Annotated[str, typer.Option(envvar="CTRLGRAPH_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="CTRLGRAPH_PORT")] = 8000,
    query_timeout: Annotated[
        float, typer.Option(envvar="CTRLGRAPH_QUERY_TIMEOUT", help="Seconds before a SPARQL query is stopped.")
    ] = 10.0,
    sparql_workers: Annotated[
        int, typer.Option(envvar="CTRLGRAPH_SPARQL_WORKERS", help="Processes that evaluate /sparql queries.")
    ] = 2,
    workers: Annotated[int, typer.Option(help="HTTP worker processes (embedded store: 1).")] = 1,
    store_kind: StoreKind = "oxigraph",
    sparql_url: SparqlUrl = None,
    demo: Annotated[bool, typer.Option(help="Install the demo organization (examples/demo-org.ttl).")] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request (costs throughput).")] = False,
    rate_limit: Annotated[
        float | None, typer.Option(help="Requests/s per key or client address (0: off; default 1000).")
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Let a browser page on this origin call the API and /sparql (CORS), e.g. a YASGUI page; "
            "repeat for several, * for any (CTRLGRAPH_CORS_ORIGIN: comma-separated).",
        ),
    ] = None,
    admin_key: Annotated[
        str | None,
        typer.Option(envvar="CTRLGRAPH_ADMIN_KEY", help="Accept this admin key (see `ctrlgraph key create --admin`)."),
    ] = None,
) -> None:
    """Run the HTTP service (SPARQL endpoint, REST API, docs at /docs)."""
    import os

    import uvicorn

    from ctrlgraph.api.settings import Settings

    if workers != 1 and store_kind == "oxigraph":
        err.print(
            "[red]the embedded store is opened by one process only: run with --workers 1 "
            "(use several --sparql-workers for query throughput)[/]"
        )
        raise typer.Exit(2)
    import dataclasses

    # Environment first (CTRLGRAPH_* variables), then what the command line says.
    from ctrlgraph.store.remote import RemoteConfig

    if store_kind == "oxigraph" and data_dir.exists():
        # Fail here with a sentence, not inside uvicorn's start-up with a
        # traceback, when another server already holds the embedded store.
        from ctrlgraph.store import OxigraphStore

        try:
            OxigraphStore(data_dir).close()
        except OSError as exc:
            raise store_locked(data_dir, exc) from exc
    use_sparql_url(sparql_url)
    try:
        remote = RemoteConfig.from_env() if store_kind == "sparql" else None
    except StoreError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    settings = dataclasses.replace(
        Settings.from_env(),
        store=store_kind,
        remote=remote,
        data_dir=data_dir,
        query_timeout=query_timeout,
        sparql_workers=sparql_workers,
        admin_key=admin_key,
        demo=demo,
        **({"cors_origins": tuple(cors_origin)} if cors_origin else {}),
        **({"rate_limit": rate_limit} if rate_limit is not None else {}),
    )
    if demo:
        from ctrlgraph.demo import DEMO_KEY, DEMO_ORG

        console.print(f"demo organization {DEMO_ORG!r}, key: {DEMO_KEY}")
    os.environ.update(settings.to_env())
    where = remote.query_url if remote else data_dir
    console.print(f"ctrlgraph on http://{host}:{port}  (docs: /docs, SPARQL: /sparql, store: {where})")
    uvicorn.run(
        "ctrlgraph.api.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        # h11, not httptools: httptools hands the app an empty body when a
        # client sends "Upgrade: h2c" (Java's HttpClient does, by default).
        http="h11",
    )
