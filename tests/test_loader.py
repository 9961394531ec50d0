"""`ctrlgraph load`: one named graph per file, idempotent, atomic on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from ctrlgraph.cli import app
from ctrlgraph.iri import GRAPH
from ctrlgraph.loader import LoadError, load_reference
from ctrlgraph.paths import data_root, reference_files
from ctrlgraph.store import OxigraphStore

runner = CliRunner()


def dump(path: Path) -> bytes:
    store = ox.Store.read_only(str(path))
    quads = sorted(str(q) for q in store)
    return "\n".join(quads).encode()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A private copy of the reference data, so tests may break it."""
    root = tmp_path / "src"
    for folder in ("ontology", "mappings", "shapes"):
        shutil.copytree(data_root() / folder, root / folder)
    return root


def test_one_named_graph_per_file(store_dir: Path) -> None:
    store = OxigraphStore(store_dir, read_only=True)
    graphs = set(store.named_graphs())
    for path in reference_files():
        relative = path.relative_to(data_root()).with_suffix("").as_posix()
        assert GRAPH + relative in graphs
    assert GRAPH + "mappings/frameworks/iso42001-2023" in graphs


def test_load_is_idempotent(source: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    store = OxigraphStore(db)
    first = load_reference(store, root=source)
    assert len(first.loaded) == len(reference_files(source)) and not first.unchanged
    before = store.graph_ntriples(GRAPH + "mappings/controls")
    second = load_reference(store, root=source)
    assert second.loaded == [] and len(second.unchanged) == len(first.loaded)
    assert store.graph_ntriples(GRAPH + "mappings/controls") == before
    # A changed file is reloaded alone.
    controls = source / "mappings" / "controls.ttl"
    controls.write_text(controls.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    third = load_reference(store, root=source)
    assert third.loaded == [GRAPH + "mappings/controls"]
    store.close()


def test_malformed_file_stops_the_load_and_leaves_the_store_as_it_was(source: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    store = OxigraphStore(db)
    load_reference(store, root=source)
    store.close()
    before = dump(db)

    # One good change and one broken file: neither may reach the store.
    controls = source / "mappings" / "controls.ttl"
    controls.write_text(controls.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    bad = source / "mappings" / "links" / "iso9001-2015.ttl"
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines.insert(20, 'ex:broken cg:strength "unterminated .')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    store = OxigraphStore(db)
    with pytest.raises(LoadError) as caught:
        load_reference(store, root=source)
    store.close()
    assert caught.value.path == bad
    assert caught.value.line == 21
    assert "iso9001-2015.ttl:21" in str(caught.value)
    assert dump(db) == before


def test_cli_load_and_stats(source: Path, tmp_path: Path) -> None:
    db = tmp_path / "db"
    result = runner.invoke(app, ["load", "--data-dir", str(db), "--source", str(source)])
    assert result.exit_code == 0, result.output
    assert "frameworks" in result.output and "mappings" in result.output
    again = runner.invoke(app, ["load", "--data-dir", str(db), "--source", str(source)])
    assert "loaded 0 graph(s)" in again.output
    stats = runner.invoke(app, ["stats", "--data-dir", str(db)])
    assert stats.exit_code == 0, stats.output
    assert "iso42001-2023" in stats.output and "eu-ai-act-2024" in stats.output
    assert "iso27001-2022 <-> iso42001-2023" in stats.output and "determined share" in stats.output
    assert "Art. 18(3)" in stats.output  # requirements with no coverable route, with the reason
    some = runner.invoke(app, ["stats", "--data-dir", str(db), "-f", "iso27001-2022", "-f", "iso42001-2023"])
    assert some.exit_code == 0 and "iso9001-2015 <->" not in some.output, some.output
    unknown = runner.invoke(app, ["stats", "--data-dir", str(db), "-f", "iso99999"])
    assert unknown.exit_code == 2 and "iso42001-2023" in unknown.output

    (source / "mappings" / "controls.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b", encoding="utf-8")
    failed = runner.invoke(app, ["load", "--data-dir", str(db), "--source", str(source)])
    assert failed.exit_code == 2
    assert "controls.ttl:2" in failed.output.replace("\n", "")
