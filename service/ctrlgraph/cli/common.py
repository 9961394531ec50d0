"""What every `ctrlgraph` sub-command needs: the shared options, the embedded
store (opened with a clear message when a running server holds it) and the
HTTP helpers for ``--url``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from ctrlgraph.store import GraphStore, OxigraphStore

T = TypeVar("T")

console = Console()
err = Console(stderr=True)

DEFAULT_DATA_DIR = Path("data/store")
DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="CTRLGRAPH_DATA_DIR", help="Folder of the embedded on-disk Oxigraph store."),
]
Url = Annotated[
    str | None,
    typer.Option("--url", envvar="CTRLGRAPH_URL", help="Ask a running server instead of the embedded store."),
]
Key = Annotated[str | None, typer.Option("--key", envvar="CTRLGRAPH_KEY", help="API key (with --url).")]
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


LOCKED_HINT = (
    "is `ctrlgraph serve` using it? Ask the running server instead: add --url http://127.0.0.1:8000 "
    "(and --key for commands that write)"
)


def store_locked(data_dir: Path, exc: OSError) -> typer.Exit:
    """The clear message (no traceback) for an embedded store another process holds."""
    reason = str(exc).split(": ")[-1] if "lock" in str(exc).lower() else str(exc)
    err.print(f"[red]cannot open the store in {data_dir}: {reason}[/]\n{LOCKED_HINT}")
    return typer.Exit(2)


def open_local_store(data_dir: Path) -> OxigraphStore:
    """Open the embedded store (loading the reference graph into an empty one)."""
    from ctrlgraph.loader import load_reference, reference_graphs
    from ctrlgraph.store import OxigraphStore

    try:
        store = OxigraphStore(data_dir)
    except OSError as exc:
        raise store_locked(data_dir, exc) from exc
    if not reference_graphs(store):
        load_reference(store)
    return store


def url_store(url: str) -> GraphStore:
    """The graph as a running ctrlgraph server shows it, read through its
    /sparql endpoint: every command that reads the reference graph runs its
    usual queries there (read-only; what an anonymous caller may read)."""
    from ctrlgraph.store.remote import RemoteConfig, RemoteStore

    endpoint = url.rstrip("/") + "/sparql"
    config = RemoteConfig(query_url=endpoint, update_url=endpoint, gsp_url=endpoint, dialect="standard", timeout=120)
    return RemoteStore(config)


@contextmanager
def local_store(data_dir: Path, url: str | None = None) -> Iterator[GraphStore]:
    """The embedded store, or with ``url`` the graph of a running server (read-only)."""
    from ctrlgraph.store import StoreError

    store: GraphStore = url_store(url) if url else open_local_store(data_dir)
    try:
        yield store
    except StoreError as exc:  # a server that refused or timed out: its message, not a traceback
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from exc
    finally:
        store.close()


def use_sparql_url(url: str | None) -> None:
    """A --sparql-url given on the command line wins over the environment."""
    import os

    if url:
        os.environ["CTRLGRAPH_SPARQL_QUERY_URL"] = url


def open_store(data_dir: Path, kind: str = "oxigraph") -> GraphStore:
    from ctrlgraph.api.settings import Settings
    from ctrlgraph.store import StoreError

    if kind not in ("oxigraph", "sparql"):
        err.print(f"[red]unknown store {kind!r}[/]: use oxigraph or sparql")
        raise typer.Exit(2)
    try:
        return Settings(store=kind, data_dir=data_dir).open_store()
    except StoreError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    except OSError as exc:  # the embedded store, held by a running server
        raise store_locked(data_dir, exc) from exc


def on_local_store(data_dir: Path, answer: Callable[[OxigraphStore], T]) -> T:
    """Run ``answer`` on the embedded store; an unknown id exits 1 listing the valid ones."""
    from ctrlgraph import catalog

    store = open_local_store(data_dir)
    try:
        return answer(store)
    except catalog.NotFound as exc:
        err.print(f"[red]{exc}[/]; valid: {', '.join(exc.valid)}")
        raise typer.Exit(1) from exc
    finally:
        store.close()


def remote_get(url: str, path: str, params: dict[str, object] | list[tuple[str, str]]) -> object:
    """GET a JSON answer from a running server; an error status exits 1 with the server's message."""
    import httpx

    response = httpx.get(url.rstrip("/") + path, params=params, timeout=60)  # type: ignore[arg-type]
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    return response.json()


def call(method: str, url: str, path: str, key: str | None, **kwargs: object) -> object:
    """Any request to a running server, with the bearer key; an error status exits 1."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
    response = httpx.request(method, url.rstrip("/") + path, headers=headers, timeout=120, **kwargs)  # type: ignore[arg-type]
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    return response.json() if response.content else None
