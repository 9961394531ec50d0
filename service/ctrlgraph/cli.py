"""The ``ctrlgraph`` command: a thin layer over the library (typer + rich)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ctrlgraph import reference
from ctrlgraph.loader import LoadError, load_reference
from ctrlgraph.store import OxigraphStore

app = typer.Typer(
    help="ctrlgraph: ISO 42001, 27001, 9001 and the EU AI Act as one queryable graph.",
    no_args_is_help=True,
    add_completion=False,
)
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


def open_store(data_dir: Path) -> OxigraphStore:
    return OxigraphStore(data_dir)


@app.command()
def load(
    data_dir: DataDir = DEFAULT_DATA_DIR,
    force: Annotated[bool, typer.Option(help="Reload every file even if unchanged.")] = False,
    source: Annotated[
        Path | None,
        typer.Option(help="Folder holding ontology/, mappings/ and shapes/ (default: the shipped data)."),
    ] = None,
) -> None:
    """Build or refresh the embedded store from ontology/, mappings/ and shapes/."""
    store = open_store(data_dir)
    try:
        report = load_reference(store, root=source, force=force)
    except LoadError as exc:
        err.print(f"[bold red]load failed, store unchanged:[/] {exc}")
        raise typer.Exit(2) from exc
    finally:
        store.close()
    store = open_store(data_dir)
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
    table = Table("framework", "title", "version", "requirements", "assessable", "mapped", "unmapped")
    for row in rows:
        assessable = int(row.get("assessableRequirements", 0))
        mapped = int(row.get("mappedRequirements", 0))
        table.add_row(
            str(row["id"]),
            str(row["title"]),
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


def main() -> None:  # pragma: no cover - console entry point
    app()
