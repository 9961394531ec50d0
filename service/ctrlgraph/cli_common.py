"""What every `ctrlgraph` sub-command needs: the embedded store, opened with a
clear message when a running server holds it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console

from ctrlgraph.store import OxigraphStore

err = Console(stderr=True)


def open_local_store(data_dir: Path) -> OxigraphStore:
    """Open the embedded store (loading the reference graph into an empty one)."""
    from ctrlgraph.loader import load_reference, reference_graphs

    try:
        store = OxigraphStore(data_dir)
    except OSError as exc:
        err.print(f"[red]cannot open the store in {data_dir}: {exc}[/] (is a server using it? try --url)")
        raise typer.Exit(2) from exc
    if not reference_graphs(store):
        load_reference(store)
    return store


@contextmanager
def local_store(data_dir: Path) -> Iterator[OxigraphStore]:
    store = open_local_store(data_dir)
    try:
        yield store
    finally:
        store.close()
