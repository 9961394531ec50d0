"""``ctrlgraph query``, ``frameworks``, ``shared`` and ``crosswalk``: reading the
graph, on the embedded store or from a running server (``--url``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ctrlgraph.cells import csv_row
from ctrlgraph.cli.common import (
    DEFAULT_DATA_DIR,
    DataDir,
    Url,
    console,
    err,
    on_local_store,
    open_local_store,
    remote_get,
)
from ctrlgraph.cli.root import app

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
        from ctrlgraph.sparql.guard import QueryRefused, check
        from ctrlgraph.sparql.negotiation import ALIASES, parse_accept
        from ctrlgraph.sparql.worker import QueryJob, execute

        store = open_local_store(data_dir)
        try:
            check(sparql)
        except QueryRefused as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        # the reference store: its union of graphs is the reference dataset
        job = QueryJob(sparql, None, None, parse_accept(accept, ALIASES), 0, 1 << 62, union=not check(sparql))
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
        rows = [Framework.model_validate(x) for x in remote_get(url, "/v1/frameworks", {})]  # type: ignore[union-attr]
    else:
        store = open_local_store(data_dir)
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


@app.command("requirement")
def show_requirement(
    framework: Annotated[str, typer.Argument(help="Framework id, e.g. eu-ai-act-2024")],
    notation: Annotated[str, typer.Argument(help="Reference as cited, e.g. 'Art. 12' or 9.2.2")],
    related: Annotated[
        int, typer.Option("--related", help="Related requirements to list (0: none); the total is always shown")
    ] = 100,
    format: Annotated[str, typer.Option("--format", "-F", help="table or json")] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """A requirement with its mappings, Harmonized Structure links and related
    requirements; a container (article, clause 9.2, annex point) with its
    parts and everything rolled up from them, each row naming its part."""
    import sys

    from ctrlgraph import catalog
    from ctrlgraph.models import RelatedRequirements, RequirementDetail

    if format not in ("table", "json"):
        err.print(f"[red]unknown format {format!r}[/]; use table or json")
        raise typer.Exit(2)
    if not 0 <= related <= catalog.RELATED_LIMIT_MAX:
        err.print(f"[red]--related must be between 0 and {catalog.RELATED_LIMIT_MAX}[/]")
        raise typer.Exit(2)
    params = {"framework": framework, "notation": notation}
    if url:
        detail = RequirementDetail.model_validate(remote_get(url, "/v1/requirements", params))
        page = RelatedRequirements.model_validate(
            remote_get(url, "/v1/requirements/related", {**params, "limit": related})
        )
    else:
        detail, page = on_local_store(
            data_dir,
            lambda store: (
                catalog.requirement(store, framework, notation),
                catalog.related(store, framework, notation, related),
            ),
        )
    if format == "json":
        combined = detail.model_dump() | {"related": page.model_dump(exclude={"next"})}
        import json

        sys.stdout.write(json.dumps(combined, indent=2) + "\n")
        return
    console.print(f"[bold]{detail.notation}[/] {detail.title}  ({detail.framework})")
    if detail.parts:
        table = Table("part", "title", "within", "assessable", title=f"{len(detail.parts)} part(s)")
        for p in detail.parts:
            table.add_row(p.notation, p.title, p.parent, "yes" if p.assessable else "no")
        console.print(table)
    table = Table("part", "control", "title", "relationship", "strength", title=f"{len(detail.mappings)} mapping(s)")
    for m in detail.mappings:
        table.add_row(m.part, m.control or "-", m.control_title or "", m.relationship, str(m.strength))
    console.print(table)
    if detail.harmonized_structure:
        table = Table("part", "framework", "clause", "title", "relationship", title="Harmonized Structure")
        for link in detail.harmonized_structure:
            table.add_row(link.part, link.framework, link.notation, link.title, link.relationship)
        console.print(table)
    table = Table(
        "framework",
        "requirement",
        "title",
        "relationship",
        "strength",
        "via",
        "from parts",
        title=f"{page.total} related requirement(s)"
        + (f", first {len(page.related)}" if page.total > len(page.related) else ""),
    )
    for r in page.related:
        rel = r.relationship + ("" if r.determined else " (candidate)")
        table.add_row(r.framework, r.notation, r.title, rel, str(r.strength), " ".join(r.via), " ".join(r.parts))
    if page.related:
        console.print(table)
    else:
        console.print(table.title)


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
        result = SharedControls.model_validate(remote_get(url, "/v1/shared-controls", params))
    else:
        result = on_local_store(data_dir, lambda store: catalog.shared_controls(store, framework, k))
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
    level: Annotated[
        str, typer.Option("--level", help="requirement (as mapped) or article (each side rolled up to its article)")
    ] = "requirement",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Requirement pairs between two frameworks, derived through shared controls
    (--level article: article-level pairs)."""
    import sys

    from ctrlgraph import catalog
    from ctrlgraph.api.reference import sssom_tsv
    from ctrlgraph.models import Crosswalk

    if format not in ("table", "csv", "sssom", "json"):
        err.print(f"[red]unknown format {format!r}[/]; use table, csv, sssom or json")
        raise typer.Exit(2)
    if level not in catalog.CROSSWALK_LEVELS:
        err.print(f"[red]unknown level {level!r}[/]; use {' or '.join(catalog.CROSSWALK_LEVELS)}")
        raise typer.Exit(2)
    if url:
        params = {"source": source, "target": target, "level": level}
        result = Crosswalk.model_validate(remote_get(url, "/v1/crosswalk", params))
    else:
        result = on_local_store(data_dir, lambda store: catalog.crosswalk(store, source, target, level))
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
                csv_row(
                    [p.source, p.target, p.relationship, p.determined, p.strength, " ".join(x.via for x in p.paths)]
                )
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
                " ".join(x.via for x in p.paths),
            )
        console.print(table)
        console.print(f"{result.count} pair(s)")
