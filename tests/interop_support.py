"""Fixtures and helpers shared by the tests/test_interop_*.py files.

Each test that writes gets its own in-memory store, filled from one N-Quads
dump of the reference graph made once per run (fast and independent)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import typer

from ctrlgraph.interop import ImportRefused, parse, run_import
from ctrlgraph.interop.model import framework_graph, links_graph
from ctrlgraph.loader import load_reference
from ctrlgraph.store import GraphStore, OxigraphStore
from tests import backends

FIXTURES = Path(__file__).parent / "fixtures" / "interop"


@pytest.fixture(scope="session")
def reference_nquads() -> bytes:
    store = OxigraphStore(None)
    load_reference(store)
    return store.raw.dump(format=ox.RdfFormat.N_QUADS) or b""


@pytest.fixture
def fresh_store(reference_nquads: bytes) -> Iterator[OxigraphStore]:
    """A writable in-memory store holding the reference graph."""
    store = OxigraphStore(None)
    store.raw.bulk_load(reference_nquads, format=ox.RdfFormat.N_QUADS)
    yield store


def dump(store: GraphStore) -> str:
    """Every quad of the store, sorted: equal dumps mean an unchanged store."""
    return backends.dump(store)


def load_fixture(store: OxigraphStore, fmt: str, name: str, framework: str | None = None) -> None:
    run_import(store, parse(fmt, (FIXTURES / name).read_bytes(), name, framework))


def graph_text(store: OxigraphStore, framework_id: str, links: bool = False) -> str:
    return store.graph_ntriples(links_graph(framework_id) if links else framework_graph(framework_id))


def refused(store: OxigraphStore, fmt: str, data: bytes | str, framework: str | None = None) -> ImportRefused:
    """Import ``data``, expect a refusal, and check the store did not change."""
    before = dump(store)
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(ImportRefused) as caught:
        run_import(store, parse(fmt, raw, f"bad.{fmt}", framework))
    assert dump(store) == before
    return caught.value


def messages(exc: ImportRefused) -> str:
    return "\n".join(str(p) for p in exc.problems)


def cli_app() -> typer.Typer:
    """A root command with the interop sub-apps, as ctrlgraph.cli registers them."""
    from ctrlgraph.cli.interop import export_app, import_app

    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """ctrlgraph (test root)."""

    root.add_typer(export_app, name="export")
    root.add_typer(import_app, name="import")
    return root


@pytest.fixture(scope="module")
def interop_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The real app (with the interop router) over a real on-disk store."""
    from fastapi.testclient import TestClient

    from ctrlgraph.api.app import create_app
    from ctrlgraph.evidence.tenants import new_admin_key

    admin = new_admin_key()
    settings = backends.api_settings(
        tmp_path_factory.mktemp("interop-store"), query_timeout=5.0, sparql_workers=1, admin_key=admin
    )
    app = create_app(settings)
    with TestClient(app) as client:
        # Imports change the reference graph: they need an admin key.
        assert client.post("/v1/import/csv", content=b"x").status_code == 401
        client.headers["Authorization"] = f"Bearer {admin}"
        yield client


def store_of(client: object) -> GraphStore:
    return client.app.state.store  # type: ignore[attr-defined]
