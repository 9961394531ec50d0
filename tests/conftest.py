"""Shared fixtures: the real reference graph, loaded into a real Oxigraph store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctrlgraph import reference
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore
from ctrlgraph.store.base import Row
from tests import backends

# The interop tests' fixtures (fresh_store, interop_client, reference_nquads).
pytest_plugins = ["tests.interop_support"]

FIXTURES = Path(__file__).parent / "fixtures"
# Rich tables wrap at 80 columns when not on a terminal; keep CLI output whole.
os.environ.setdefault("COLUMNS", "250")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=["oxigraph", "virtuoso"],
        default="oxigraph",
        help="store under the API tests: embedded Oxigraph, or a Virtuoso server (runs the `api` tests only)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "api: runs against every backend (pytest --backend virtuoso)")
    config.addinivalue_line(
        "markers", "embedded_only(reason=...): about the embedded store itself, or not worth a second run on Virtuoso"
    )
    backends.start(config.getoption("--backend"))


def pytest_unconfigure(config: pytest.Config) -> None:
    backends.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not backends.is_remote():
        return
    deselected = [item for item in items if item.get_closest_marker("api") is None]
    config.hook.pytest_deselected(items=deselected)
    items[:] = [item for item in items if item.get_closest_marker("api") is not None]
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker:
            item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", "about the embedded store itself")))


@pytest.fixture(scope="module", autouse=True)
def _reference_only_between_modules() -> Iterator[None]:
    """On the shared Virtuoso server, leave only the reference graph behind."""
    yield
    if backends.is_remote():
        backends.reset_to_reference()


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store with the whole reference graph, loaded once per run."""
    path = tmp_path_factory.mktemp("store")
    store = OxigraphStore(path)
    load_reference(store)
    store.close()
    return path


@pytest.fixture(scope="session")
def ref_store(store_dir: Path) -> Iterator[OxigraphStore]:
    store = OxigraphStore(store_dir)
    yield store
    store.close()


@pytest.fixture(scope="session")
def sparql(ref_store: OxigraphStore):  # type: ignore[no-untyped-def]
    """Run a SELECT over the union of the reference graphs."""
    from ctrlgraph.iri import SPARQL_PREFIXES
    from ctrlgraph.loader import reference_graphs

    graphs = reference_graphs(ref_store)

    def run(query: str) -> list[Row]:
        return ref_store.select(SPARQL_PREFIXES + query, default_graphs=graphs, named_graphs=graphs)

    return run


@pytest.fixture(scope="session")
def frameworks(ref_store: OxigraphStore) -> dict[str, Row]:
    return {str(r["id"]): r for r in reference.select(ref_store, "frameworks")}


def require_tool(name: str) -> str:
    """Path of an external tool; skipped locally when absent, a failure in CI
    (where .ci/run installs it), so a missing install step cannot hide."""
    import os
    import shutil

    path = shutil.which(name) or (str(FIXTURES.parent / "clients" / name) if name == "rsparql" else None)
    if path and (name != "rsparql" or Path("/usr/share/java/jena-arq.jar").exists()):
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI (.ci/run installs it)")
    pytest.skip(f"{name} not installed")


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The real FastAPI app over a real on-disk store, in process."""
    from fastapi.testclient import TestClient

    from ctrlgraph.api.app import create_app

    settings = backends.api_settings(tmp_path_factory.mktemp("api-store"), query_timeout=3.0, sparql_workers=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _free_port() -> int:
    from tests.servers import free_port

    return free_port()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `ctrlgraph serve` process on a loopback port; yields its base URL."""
    from tests.servers import ctrlgraph_serve

    with ctrlgraph_serve(tmp_path_factory, "server", "--query-timeout", "3") as url:
        yield url
