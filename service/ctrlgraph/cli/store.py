"""``ctrlgraph load``, ``dump``, ``stats`` and ``check``: building, moving and checking the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ctrlgraph import reference
from ctrlgraph.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Key,
    SparqlUrl,
    StoreKind,
    Url,
    console,
    err,
    open_local_store,
    open_store,
    url_store,
    use_sparql_url,
)
from ctrlgraph.cli.root import app
from ctrlgraph.loader import LoadError, load_reference
from ctrlgraph.store import OxigraphStore, StoreError


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
    url: Url = None,
) -> None:
    """Build or refresh the store from ontology/, mappings/ and shapes/.

    On a remote store (--store sparql) every graph goes through the Graph
    Store Protocol in batches, with a progress bar; a load that was
    interrupted resumes, skipping the graphs already there (by checksum).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ctrlgraph.transfer import DatasetError, push_dataset

    if url:
        # the server owns its store: it loads the shipped files itself on every start
        err.print(
            f"[red]a running server ({url}) loads the reference graph itself when it starts[/]: restart it to "
            "pick up changed files, or add a framework through it with "
            "`ctrlgraph import FORMAT FILE --url URL --key ADMIN_KEY`"
        )
        raise typer.Exit(2)
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
            if (report.loaded or dataset) and isinstance(store, OxigraphStore):
                bar.update(task, description="compacting the store", completed=0, total=None)
                store.optimize()
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
    url: Url = None,
    key: Key = None,
) -> None:
    """Write every graph of the embedded store (reference, imported frameworks,
    organizations, audit trail) as N-Quads: `ctrlgraph load --store sparql
    --dataset FILE` moves it onto a remote server. With --url, the graphs a
    running server lets you read (with --key: also your organization's)."""
    import pyoxigraph as ox

    if url:
        graphs = _dump_remote(url, key, output)
        console.print(f"wrote {graphs} graph(s) to {output}")
        return
    store = open_local_store(data_dir)
    try:
        with output.open("wb") as handle:  # the reference store, then the tenant store
            store.raw.dump(output=handle, format=ox.RdfFormat.N_QUADS)
            store.raw_tenants.dump(output=handle, format=ox.RdfFormat.N_QUADS)
    finally:
        store.close()
    console.print(f"wrote {output}")


def _dump_remote(url: str, key: str | None, output: Path) -> int:
    """Each readable graph of a running server, fetched with a CONSTRUCT on
    its /sparql (blank nodes renamed apart), written as N-Quads."""
    import httpx
    import pyoxigraph as ox

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    endpoint = url.rstrip("/") + "/sparql"

    def ask(query: str, accept: str) -> bytes:
        response = httpx.post(endpoint, data={"query": query}, headers={**headers, "Accept": accept}, timeout=600)
        if response.status_code != 200:
            err.print(f"[red]{response.status_code}[/] {response.text}")
            raise typer.Exit(1)
        return response.content

    import json

    rows = json.loads(
        ask("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g", "application/sparql-results+json")
    )
    graphs = [b["g"]["value"] for b in rows["results"]["bindings"]]
    with output.open("wb") as handle:
        for graph in graphs:
            body = ask(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}", "application/n-triples")
            name = ox.NamedNode(graph)
            quads = (
                ox.Quad(t.subject, t.predicate, t.object, name)
                for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=True)
            )
            ox.serialize(quads, handle, format=ox.RdfFormat.N_QUADS)
    return len(graphs)


@app.command()
def doctor(
    fix: Annotated[
        bool, typer.Option("--fix", help="Repair what is found (evidence is rewritten as a new version).")
    ] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    store_kind: StoreKind = "oxigraph",
    sparql_url: SparqlUrl = None,
) -> None:
    """Find what lets organizations change the reference answers in an existing
    store: tenant graphs in the reference dataset, and triples in evidence (or
    history snapshots) that state facts about reference IRIs. Exit 1 if any
    repairable finding is left; --fix repairs."""
    from ctrlgraph import doctor as doctor_mod

    use_sparql_url(sparql_url)
    store = open_store(data_dir, store_kind)
    try:
        findings = doctor_mod.diagnose(store)
        for finding in findings:
            console.print(str(finding), markup=False, highlight=False)
        if fix:
            repaired = doctor_mod.repair(store)
            for finding in repaired:
                console.print(f"repaired: {finding.kind}: <{finding.graph}> ({finding.count})", markup=False)
            findings = doctor_mod.diagnose(store)
    finally:
        store.close()
    left = [f for f in findings if f.repairable and not f.kind.startswith("tenant graph moved")]
    if left:
        err.print(f"[red]{len(left)} finding(s) to repair: run ctrlgraph doctor --fix[/]")
        raise typer.Exit(1)
    kept = " (audit-trail snapshots reported above are kept)" if findings else ""
    console.print("no tenant data in the reference dataset" + kept)


#: Above this many frameworks, crosswalk figures need an explicit --framework list
#: (every pair is derived: n * (n - 1) / 2 crosswalks).
STATS_PAIR_LIMIT = 12


@app.command()
def stats(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    framework: Annotated[
        list[str] | None,
        typer.Option("--framework", "-f", help="Crosswalk figures for these frameworks only (default: all)."),
    ] = None,
) -> None:
    """Per-framework counts, derived crosswalk pairs per framework pair with their
    determined / undetermined shares, and requirements no set of controls covers."""
    from ctrlgraph import catalog
    from ctrlgraph.crosswalk_stats import crosswalk_figures, uncoverable

    store = url_store(url) if url else open_store(data_dir)
    try:
        rows = reference.select(store, "frameworks")
        if not rows:
            err.print("the store is empty: run `ctrlgraph load` first")
            raise typer.Exit(1)
        ids = list(framework) if framework else [str(r["id"]) for r in rows]
        figures = crosswalk_figures(store, ids) if len(ids) <= STATS_PAIR_LIMIT else None
        open_reqs = uncoverable(store, ids)
    except catalog.NotFound as exc:
        err.print(f"unknown framework; valid ids: {', '.join(exc.valid)}")
        raise typer.Exit(2) from exc
    except StoreError as exc:  # a server that refused or timed out
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    table = Table("framework", "version", "requirements", "assessable", "mapped", "unmapped", "no coverable route")
    no_route = {f: sum(1 for u in open_reqs if u.framework == f) for f in ids}
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
            str(no_route[str(row["id"])]) if str(row["id"]) in no_route else "",
        )
    console.print(table)
    if figures is None:
        console.print(f"crosswalk figures: more than {STATS_PAIR_LIMIT} frameworks, pick some with --framework")
    else:
        pairs = Table("framework pair", "crosswalk pairs", "determined", "undetermined", "determined share")
        for f in figures:
            pairs.add_row(
                f"{f.source} <-> {f.target}",
                str(f.pairs),
                str(f.determined),
                str(f.undetermined),
                f"{f.determined_share:.0%}",
            )
        console.print(pairs)
    if open_reqs:
        routes = Table("framework", "requirement", "why no set of controls covers it")
        for u in open_reqs:
            routes.add_row(u.framework, u.notation, u.reason)
        console.print(routes)


@app.command()
def check() -> None:
    """Validate the reference content (mappings/) against shapes/reference.ttl."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from ctrlgraph.validation import validate_reference

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=None)
        outcome = validate_reference(progress=lambda step: bar.update(task, description=step))
    if outcome.conforms:
        console.print("[green]the reference graph conforms to shapes/reference.ttl[/]")
        return
    table = Table("focus node", "path", "message")
    for v in outcome.violations:
        table.add_row(v.focus, v.path or "", v.message)
    console.print(table)
    err.print(f"[bold red]{len(outcome.violations)} violation(s)[/]")
    raise typer.Exit(1)
