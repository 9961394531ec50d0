"""Shared fixtures: the real reference graph, loaded into a real Oxigraph store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ctrlgraph import reference
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore
from ctrlgraph.store.base import Row

FIXTURES = Path(__file__).parent / "fixtures"


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
