"""The ``ctrlgraph`` command: a thin layer over the library (typer + rich)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from ctrlgraph import reference
from ctrlgraph.loader import LoadError, load_reference
from ctrlgraph.store import GraphStore, OxigraphStore, StoreError

T = TypeVar("T")

app = typer.Typer(
    help="ctrlgraph: ISO 42001, 27001, 9001 and the EU AI Act as one queryable graph.",
    no_args_is_help=True,
    add_completion=False,
)
from ctrlgraph.cli_interop import export_app, import_app  # noqa: E402 - after app, which they extend

app.add_typer(export_app, name="export")
app.add_typer(import_app, name="import")
from ctrlgraph.cli_planning import register as register_planning  # noqa: E402

register_planning(app)
console = Console()
err = Console(stderr=True)

DEFAULT_DATA_DIR = Path("data/store")
DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        envvar="CTRLGRAPH_DATA_DIR",
        help="Folder of the embedded on-disk Oxigraph store.",
    ),
]


StoreKind = Annotated[
    str,
    typer.Option(
        "--store",
        envvar="CTRLGRAPH_STORE",
        help="oxigraph (embedded, in --data-dir) or sparql (a remote server: CTRLGRAPH_SPARQL_* variables).",
    ),
]


SparqlUrl = Annotated[
    str | None,
    typer.Option(
        "--sparql-url",
        envvar="CTRLGRAPH_SPARQL_QUERY_URL",
        help="Remote store: SPARQL query endpoint. Update and Graph Store endpoints, user and password "
        "come from CTRLGRAPH_SPARQL_UPDATE_URL, _GSP_URL, _USER, _PASSWORD (README: Running at scale).",
    ),
]


def use_sparql_url(url: str | None) -> None:
    """A --sparql-url given on the command line wins over the environment."""
    import os

    if url:
        os.environ["CTRLGRAPH_SPARQL_QUERY_URL"] = url


def open_store(data_dir: Path, kind: str = "oxigraph") -> GraphStore:
    if kind not in ("oxigraph", "sparql"):
        err.print(f"[red]unknown store {kind!r}[/]: use oxigraph or sparql")
        raise typer.Exit(2)
    from ctrlgraph.api.settings import Settings

    try:
        return Settings(store=kind, data_dir=data_dir).open_store()
    except StoreError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


@app.command()
def load(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    force: Annotated[bool, typer.Option(help="Reload every file even if unchanged.")] = False,
    source: Annotated[
        Path | None,
        typer.Option(help="Folder holding ontology/, mappings/ and shapes/ (default: the shipped data)."),
    ] = None,
    dataset: Annotated[
        list[Path] | None,
        typer.Option(
            help="Also push every graph of this N-Quads/TriG file (imported frameworks, a synthetic graph); repeatable."
        ),
    ] = None,
    batch: Annotated[int, typer.Option(help="Triples per Graph Store Protocol request (remote store).")] = 50_000,
    store_kind: StoreKind = "oxigraph",
    sparql_url: SparqlUrl = None,
) -> None:
    """Build or refresh the store from ontology/, mappings/ and shapes/.

    On a remote store (--store sparql) every graph goes through the Graph
    Store Protocol in batches, with a progress bar; a load that was
    interrupted resumes, skipping the graphs already there (by checksum).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ctrlgraph.transfer import DatasetError, push_dataset

    use_sparql_url(sparql_url)
    store = open_store(data_dir, store_kind)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("reference graphs", total=None)

            def advance(graph: str, done: int, total: int) -> None:
                bar.update(task, total=total, completed=done, description=graph.rsplit("/", 1)[-1])

            report = load_reference(store, root=source, force=force, progress=advance)
            for path in dataset or []:
                bar.update(task, description=f"{path.name}: reading", completed=0, total=None)
                pushed = push_dataset(store, path, batch_triples=batch, force=force, progress=advance)
                err.print(f"{path}: {pushed.pushed} graph(s) pushed, {pushed.skipped} already there")
                for graph in pushed.left_out:
                    err.print(f"  left out {graph}: loaded from the shipped files")
    except LoadError as exc:
        err.print(f"[bold red]load failed, store unchanged:[/] {exc}")
        raise typer.Exit(2) from exc
    except (DatasetError, StoreError) as exc:
        err.print(f"[bold red]load stopped:[/] {exc} (run the same command again to resume)")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    store = open_store(data_dir, store_kind)
    try:
        counts = reference.select(store, "reference_counts")[0]
        graphs = len(reference.select(store, "frameworks"))
    finally:
        store.close()
    console.print(
        f"loaded {len(report.loaded)} graph(s) ({report.triples} triples), "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
    )
    table = Table("frameworks", "requirements", "controls", "mappings", "requirement links")
    table.add_row(
        str(graphs),
        str(counts.get("requirements", 0)),
        str(counts.get("controls", 0)),
        str(counts.get("mappings", 0)),
        str(counts.get("requirementLinks", 0)),
    )
    console.print(table)


@app.command()
def dump(
    output: Annotated[Path, typer.Argument(help="N-Quads file to write (.nq).")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
) -> None:
    """Write every graph of the embedded store (reference, imported frameworks,
    organizations, audit trail) as N-Quads: `ctrlgraph load --store sparql
    --dataset FILE` moves it onto a remote server."""
    import pyoxigraph as ox

    from ctrlgraph.cli_common import open_local_store

    store = open_local_store(data_dir)
    try:
        store.raw.dump(output=str(output), format=ox.RdfFormat.N_QUADS)
    finally:
        store.close()
    console.print(f"wrote {output}")


@app.command()
def stats(data_dir: DataDir = DEFAULT_DATA_DIR) -> None:
    """Per-framework counts and how many assessable requirements are mapped."""
    store = open_store(data_dir)
    try:
        rows = reference.select(store, "frameworks")
    finally:
        store.close()
    if not rows:
        err.print("the store is empty: run `ctrlgraph load` first")
        raise typer.Exit(1)
    table = Table("framework", "version", "requirements", "assessable", "mapped", "unmapped")
    for row in rows:
        assessable = int(row.get("assessableRequirements", 0))
        mapped = int(row.get("mappedRequirements", 0))
        table.add_row(
            str(row["id"]),
            str(row.get("version", "")),
            str(row.get("requirements", 0)),
            str(assessable),
            str(mapped),
            str(assessable - mapped),
        )
    console.print(table)


@app.command()
def check() -> None:
    """Validate the reference content (mappings/) against shapes/reference.ttl."""
    from ctrlgraph.validation import validate_reference

    outcome = validate_reference()
    if outcome.conforms:
        console.print("[green]the reference graph conforms to shapes/reference.ttl[/]")
        return
    table = Table("focus node", "path", "message")
    for v in outcome.violations:
        table.add_row(v.focus, v.path or "", v.message)
    console.print(table)
    err.print(f"[bold red]{len(outcome.violations)} violation(s)[/]")
    raise typer.Exit(1)


# --------------------------------------------------------------------------
# Serving and querying
# --------------------------------------------------------------------------
Url = Annotated[
    str | None,
    typer.Option("--url", envvar="CTRLGRAPH_URL", help="Ask a running server instead of the embedded store."),
]

FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}


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
    )


def _remote(url: str, path: str, params: dict[str, object] | list[tuple[str, str]]) -> object:
    import httpx

    response = httpx.get(url.rstrip("/") + path, params=params, timeout=60)  # type: ignore[arg-type]
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    return response.json()


def _on_local_store(data_dir: Path, answer: Callable[[OxigraphStore], T]) -> T:
    """Run ``answer`` on the embedded store; an unknown id exits 1 listing the valid ones."""
    from ctrlgraph import catalog

    store = _local(data_dir)
    try:
        return answer(store)
    except catalog.NotFound as exc:
        err.print(f"[red]{exc}[/]; valid: {', '.join(exc.valid)}")
        raise typer.Exit(1) from exc
    finally:
        store.close()


def _local(data_dir: Path) -> OxigraphStore:
    from ctrlgraph.cli_common import open_local_store

    return open_local_store(data_dir)


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query (or @file.rq)")],
    format: Annotated[str, typer.Option("--format", "-F", help="table, " + ", ".join(FORMATS))] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Run a SPARQL query over the reference graph."""
    import sys

    if sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    if format != "table" and format not in FORMATS:
        err.print(f"[red]unknown format {format!r}[/]; use table or one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    accept = "application/sparql-results+json, text/turtle;q=0.9" if format == "table" else FORMATS[format]
    if url:
        import httpx

        response = httpx.post(
            url.rstrip("/") + "/sparql",
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
            timeout=120,
        )
        status, media_type, body = response.status_code, response.headers.get("content-type", ""), response.content
    else:
        from ctrlgraph.loader import reference_graphs
        from ctrlgraph.sparql.guard import QueryRefused, check
        from ctrlgraph.sparql.negotiation import ALIASES, parse_accept
        from ctrlgraph.sparql.worker import QueryJob, execute

        store = _local(data_dir)
        try:
            check(sparql)
        except QueryRefused as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        graphs = reference_graphs(store)
        job = QueryJob(sparql, graphs, graphs, parse_accept(accept, ALIASES), 0, 1 << 62)
        answer = execute(store.raw, job)
        store.close()
        status, media_type, body = answer.status, answer.media_type, answer.body
    if status >= 400:
        err.print(f"[red]{status}[/] {body.decode('utf-8', 'replace')}")
        raise typer.Exit(1)
    if format == "table" and media_type.startswith("application/sparql-results+json"):
        import json

        data = json.loads(body)
        if "boolean" in data:
            console.print(str(data["boolean"]).lower())
            return
        names = data["head"]["vars"]
        table = Table(*names)
        for binding in data["results"]["bindings"]:
            table.add_row(*(binding.get(n, {}).get("value", "") for n in names))
        console.print(table)
        return
    sys.stdout.write(body.decode("utf-8"))


@app.command("frameworks")
def list_frameworks(data_dir: DataDir = DEFAULT_DATA_DIR, url: Url = None) -> None:
    """The frameworks in the graph."""
    from ctrlgraph import catalog
    from ctrlgraph.models import Framework

    if url:
        rows = [Framework.model_validate(x) for x in _remote(url, "/v1/frameworks", {})]  # type: ignore[union-attr]
    else:
        store = _local(data_dir)
        rows = catalog.frameworks(store)
        store.close()
    table = Table("id", "title", "version", "publisher", "requirements", "assessable", "mapped")
    for f in rows:
        table.add_row(
            f.id,
            f.title,
            f.version or "",
            f.publisher or "",
            str(f.requirement_count),
            str(f.assessable_count),
            str(f.mapped_count),
        )
    console.print(table)


@app.command()
def shared(
    framework: Annotated[list[str], typer.Option("--framework", "-f", help="Framework id (repeat)")],
    min_frameworks: Annotated[int | None, typer.Option("--min", help="At least K of them (default: all)")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Controls that serve several frameworks at once."""
    from ctrlgraph import catalog
    from ctrlgraph.models import SharedControls

    k = min_frameworks or len(framework)
    if url:
        params = [("framework", f) for f in framework] + [("min_frameworks", str(k))]
        result = SharedControls.model_validate(_remote(url, "/v1/shared-controls", params))
    else:
        result = _on_local_store(data_dir, lambda store: catalog.shared_controls(store, framework, k))
    table = Table("control", "title", "frameworks", "requirements", *framework)
    for c in result.controls:
        table.add_row(
            c.notation,
            c.title,
            str(c.framework_count),
            str(c.requirement_count),
            *(" ".join(r.notation for r in c.requirements.get(f, [])) for f in framework),
        )
    console.print(table)
    console.print(f"{result.count} control(s) serve at least {k} of {len(framework)} framework(s)")


@app.command()
def crosswalk(
    source: Annotated[str, typer.Argument(help="Source framework id")],
    target: Annotated[str, typer.Argument(help="Target framework id")],
    format: Annotated[str, typer.Option("--format", "-F", help="table, csv, sssom or json")] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Requirement pairs between two frameworks, derived through shared controls."""
    import sys

    from ctrlgraph import catalog
    from ctrlgraph.api.reference import sssom_tsv
    from ctrlgraph.models import Crosswalk

    if format not in ("table", "csv", "sssom", "json"):
        err.print(f"[red]unknown format {format!r}[/]; use table, csv, sssom or json")
        raise typer.Exit(2)
    if url:
        result = Crosswalk.model_validate(_remote(url, "/v1/crosswalk", {"source": source, "target": target}))
    else:
        result = _on_local_store(data_dir, lambda store: catalog.crosswalk(store, source, target))
    if format == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    elif format == "sssom":
        sys.stdout.write(sssom_tsv(result))
    elif format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["source", "target", "relationship", "determined", "strength", "via"])
        for p in result.pairs:
            writer.writerow(
                [p.source, p.target, p.relationship, p.determined, p.strength, " ".join(x.control for x in p.paths)]
            )
    else:
        table = Table(source, "title", target, "title", "relationship", "strength", "via")
        for p in result.pairs:
            table.add_row(
                p.source,
                p.source_title,
                p.target,
                p.target_title,
                p.relationship,
                str(p.strength),
                " ".join(x.control for x in p.paths),
            )
        console.print(table)
        console.print(f"{result.count} pair(s)")


# --------------------------------------------------------------------------
# Organizations, keys and evidence
# --------------------------------------------------------------------------
org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(key_app, name="key")
AdminKey = Annotated[str | None, typer.Option("--key", envvar="CTRLGRAPH_KEY", help="API key (with --url).")]


def _call(method: str, url: str, path: str, key: str | None, **kwargs: object) -> object:
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
    response = httpx.request(method, url.rstrip("/") + path, headers=headers, timeout=120, **kwargs)  # type: ignore[arg-type]
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    return response.json() if response.content else None


@org_app.command("create")
def org_create(
    org_id: Annotated[str, typer.Argument(help="Short id, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: AdminKey = None,
) -> None:
    """Create an organization (embedded store, or --url with an admin --key)."""
    from ctrlgraph.evidence import tenants

    if url:
        _call("POST", url, "/v1/orgs", key, json={"id": org_id, "name": name})
    else:
        store = _local(data_dir)
        try:
            tenants.create_org(store, org_id, name)
        except tenants.TenantError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        finally:
            store.close()
    console.print(f"organization {org_id!r} created")


@key_app.command("create")
def key_create(
    org: Annotated[str | None, typer.Option(help="Organization the key belongs to")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="read / write (repeat); default both")] = None,
    admin: Annotated[bool, typer.Option(help="Create an admin key instead")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: AdminKey = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from ctrlgraph.evidence import tenants

    scopes = ["admin"] if admin else (scope or ["read", "write"])
    if url:
        if admin:
            err.print("[red]admin keys are created on the server's own store (without --url)[/]")
            raise typer.Exit(2)
        result = _call("POST", url, f"/v1/orgs/{org}/keys", key, json={"scopes": scopes})
        key_id, secret = result["key_id"], result["key"]  # type: ignore[index]
    else:
        store = _local(data_dir)
        try:
            key_id, secret = tenants.create_key(store, None if admin else org, scopes)
        except tenants.TenantError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        finally:
            store.close()
    console.print(f"key id {key_id} ({', '.join(scopes)}); the key, shown once:")
    print(secret)


@key_app.command("revoke")
def key_revoke(key_id: str, data_dir: DataDir = DEFAULT_DATA_DIR, url: Url = None, key: AdminKey = None) -> None:
    """Revoke a key by its id."""
    from ctrlgraph.evidence import tenants

    if url:
        _call("DELETE", url, f"/v1/keys/{key_id}", key)
    else:
        store = _local(data_dir)
        try:
            if not tenants.revoke_key(store, key_id):
                err.print(f"[red]unknown key {key_id}[/]")
                raise typer.Exit(1)
        finally:
            store.close()
    console.print(f"key {key_id} revoked")


MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}


def _media_type(path: Path) -> str:
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        err.print(f"[red]unknown file type {path.suffix!r}[/]; use one of {', '.join(MEDIA_TYPES)}")
        raise typer.Exit(2)
    return media_type


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Evidence file (Turtle, JSON-LD, XLSX…)")],
    org: Annotated[str, typer.Option(help="Organization id the evidence describes")] = "local",
) -> None:
    """Validate an evidence file offline against shapes/evidence.ttl (exit 1 on violations)."""
    from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf, to_ntriples
    from ctrlgraph.evidence.validation import graph_from_ntriples, validate_evidence

    media_type = _media_type(file)
    try:
        if media_type in ("text/csv", MEDIA_TYPES[".xlsx"]):
            from ctrlgraph.evidence.template import template_to_ntriples

            ntriples = template_to_ntriples(file.read_bytes(), media_type, org)
        else:
            ntriples = to_ntriples(parse_rdf(file.read_bytes(), media_type, org))
    except ParseProblem as exc:
        err.print(f"[red]{file}: {exc}[/]")
        raise typer.Exit(2) from exc
    report = validate_evidence(graph_from_ntriples(ntriples))
    table = Table("severity", "focus node", "path", "message")
    for f in report.findings:
        colour = "red" if f.severity == "Violation" else "yellow"
        table.add_row(f"[{colour}]{f.severity}[/]", f.focus, (f.path or "").rsplit("#", 1)[-1], f.message)
    if report.findings:
        console.print(table)
    console.print(f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)")
    if report.violations:
        raise typer.Exit(1)


@app.command()
def upload(
    org: Annotated[str, typer.Argument(help="Organization id")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    url: Annotated[str, typer.Option("--url", envvar="CTRLGRAPH_URL", help="Server URL")],
    key: AdminKey = None,
    add: Annotated[bool, typer.Option("--add", help="Add to the evidence instead of replacing it")] = False,
) -> None:
    """Upload an organization's evidence to a running server (PUT, or POST with --add)."""
    result = _call(
        "POST" if add else "PUT",
        url,
        f"/v1/orgs/{org}/evidence",
        key,
        content=file.read_bytes(),
        headers={"Content-Type": _media_type(file)},
    )
    validation = result["validation"]  # type: ignore[index]
    console.print(
        f"stored {result['triples']} triples for {org}: "  # type: ignore[index]
        f"{validation['violations']} violation(s), {validation['warnings']} warning(s)"
    )
    for r in validation["results"]:
        console.print(f"  [yellow]{r['severity']}[/] {r['focus']}: {r['message']}")


def main() -> None:  # pragma: no cover - console entry point
    app()
