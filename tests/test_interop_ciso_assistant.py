"""CISO Assistant libraries: a framework library and a requirement mapping
set in, libraries out (round trip)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ctrlgraph import catalog
from ctrlgraph.interop import ciso_assistant, parse, run_import
from ctrlgraph.interop.data import framework_data
from ctrlgraph.store import OxigraphStore
from tests.interop_support import (
    FIXTURES,
    cli_app,
    dump,
    graph_text,
    load_fixture,
    messages,
    refused,
    store_of,
)

FRAMEWORK = (FIXTURES / "ciso-mini-framework.yaml").read_text(encoding="utf-8")
MAPPING = (FIXTURES / "ciso-mini-mapping.yaml").read_text(encoding="utf-8")


def test_import_framework_then_mapping_set(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-framework.yaml")
    tree = {n.notation: n for n in catalog.requirement_tree(fresh_store, "ciso-mini").requirements}
    assert list(tree) == ["GOV", "GOV.1", "GOV.2", "node4", "DAT.1", "MON.1"]
    assert tree["node4"].title == "Data and monitoring" and tree["DAT.1"].parent == "node4"
    assert tree["DAT.1"].title.startswith("Training data is checked") and tree["DAT.1"].assessable
    assert not tree["GOV"].assessable and tree["GOV.1"].depth == 1
    framework = {f.id: f for f in catalog.frameworks(fresh_store)}["ciso-mini"]
    assert framework.publisher == "ctrlgraph test suite" and framework.version == "2"
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-mapping.yaml")
    gov1 = catalog.requirement(fresh_store, "ciso-mini", "GOV.1")
    assert [(m.control, m.relationship, m.strength) for m in gov1.mappings] == [("GOV-07", "equal", 10)]
    assert gov1.mappings[0].source.startswith("CISO Assistant mapping set urn:ctrlgraph-test")
    dat1 = catalog.requirement(fresh_store, "ciso-mini", "DAT.1")
    assert [(m.control, m.relationship, m.rationale) for m in dat1.mappings] == [
        ("DAT-03", "intersects with", "functional")
    ]
    assert {f.id: f.mapped_count for f in catalog.frameworks(fresh_store)}["ciso-mini"] == 4


def test_one_library_with_framework_and_mapping_set(fresh_store: OxigraphStore) -> None:
    library = yaml.safe_load(FRAMEWORK)
    library["objects"]["requirement_mapping_set"] = yaml.safe_load(MAPPING)["objects"]["requirement_mapping_set"]
    run_import(fresh_store, parse("ciso-assistant", yaml.safe_dump(library).encode(), "both.yaml", "mini-ai"))
    assert {f.id: f.mapped_count for f in catalog.frameworks(fresh_store)}["mini-ai"] == 4


def test_library_round_trip(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-framework.yaml")
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-mapping.yaml")
    before = (graph_text(fresh_store, "ciso-mini"), graph_text(fresh_store, "ciso-mini", True))
    framework = ciso_assistant.framework_library(fresh_store, "ciso-mini")
    mapping = ciso_assistant.mapping_library(fresh_store, "ciso-mini")
    run_import(fresh_store, parse("ciso-assistant", framework.encode(), "ciso-mini-framework.yaml"))
    run_import(fresh_store, parse("ciso-assistant", mapping.encode(), "ciso-mini-mapping.yaml"))
    assert (graph_text(fresh_store, "ciso-mini"), graph_text(fresh_store, "ciso-mini", True)) == before
    # A shipped framework goes out as a library whose mapping set targets the
    # common controls library; it comes back in under a new id.
    controls = yaml.safe_load(ciso_assistant.controls_library(fresh_store))
    nodes = controls["objects"]["framework"]["requirement_nodes"]
    assert len([n for n in nodes if n["assessable"]]) == len(catalog.controls(fresh_store))
    library = yaml.safe_load(ciso_assistant.framework_library(fresh_store, "iso42001-2023"))
    library["objects"]["requirement_mapping_set"] = yaml.safe_load(
        ciso_assistant.mapping_library(fresh_store, "iso42001-2023")
    )["objects"]["requirement_mapping_set"]
    run_import(fresh_store, parse("ciso-assistant", yaml.safe_dump(library).encode(), "iso.yaml", "iso42001-ciso"))
    original = catalog.requirement(fresh_store, "iso42001-2023", "6.1.2")
    copy = catalog.requirement(fresh_store, "iso42001-ciso", "6.1.2")
    assert [(m.control, m.relationship, m.rationale, m.strength, m.explanation) for m in copy.mappings] == [
        (m.control, m.relationship, m.rationale, m.strength, m.explanation) for m in original.mappings
    ]


def test_malformed_libraries_are_refused_with_line_and_reason(fresh_store: OxigraphStore) -> None:
    bad_yaml = FRAMEWORK.replace("      depth: 2\n      parent_urn", "      depth: 2\n     parent_urn", 1)
    exc = refused(fresh_store, "ciso-assistant", bad_yaml)
    assert "malformed YAML" in messages(exc) and exc.problems[0].where.line is not None
    orphan = FRAMEWORK.replace(
        "parent_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:node4", "parent_urn: urn:x:nope", 1
    )
    exc = refused(fresh_store, "ciso-assistant", orphan)
    assert "parent 'urn:x:nope' not found" in messages(exc)
    assert (
        exc.problems[0].where.line
        == FRAMEWORK.splitlines().index("    - urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:dat.1") + 1
    )
    twice = FRAMEWORK.replace(
        "- urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:gov.2",
        "- urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:gov.1",
    )
    assert "duplicate urn" in messages(refused(fresh_store, "ciso-assistant", twice))
    clash = FRAMEWORK.replace("framework:ciso-mini", "framework:iso27001-2022")
    exc = refused(fresh_store, "ciso-assistant", clash, framework="iso27001-2022")
    assert "collides with a framework shipped" in messages(exc)

    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-framework.yaml")
    cases = {
        "bad relationship 'overlaps'": MAPPING.replace("relationship: intersect", "relationship: overlaps"),
        "strength 11 is out of range": MAPPING.replace("strength_of_relationship: 6", "strength_of_relationship: 11"),
        "inconsistent with relationship 'equal'": MAPPING.replace(
            "strength_of_relationship: 10", "strength_of_relationship: 9"
        ),
        "unknown control": MAPPING.replace("ctrlgraph-controls:ail-07", "ctrlgraph-controls:ail-99"),
        "unknown framework 'urn:ctrlgraph:risk:framework:nist-csf-2.0'": MAPPING.replace(
            "framework:ctrlgraph-controls", "framework:nist-csf-2.0"
        ),
        "requirement 'urn:ctrlgraph-test:risk:req_node:ciso-mini:zz.9' is not in framework": MAPPING.replace(
            "ciso-mini:mon.1", "ciso-mini:zz.9"
        ),
    }
    for expected, text in cases.items():
        exc = refused(fresh_store, "ciso-assistant", text)
        assert expected in messages(exc), (expected, messages(exc))
        assert exc.problems[0].where.line is not None


def test_nodes_keyed_by_urn_depth_informational(fresh_store: OxigraphStore) -> None:
    """Real libraries repeat ref_ids, differ only in punctuation, carry a
    non-breaking space in a URN and a depth that disagrees with the tree:
    CISO Assistant loads them (it keys nodes by URN), so do we."""
    gov2 = "      depth: 2\n      parent_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:gov\n      ref_id: GOV.2"
    messy = FRAMEWORK.replace(gov2, gov2.replace("depth: 2", "depth: 3").replace("GOV.2", "GOV.1+"))
    messy = messy.replace("ref_id: MON.1", "ref_id: GOV.1")
    messy = messy.replace("req_node:ciso-mini:dat.1", "req_node:ciso-mini:dat.\u00a01", 1)
    run_import(fresh_store, parse("ciso-assistant", messy.encode(), "messy.yaml"))
    nodes = framework_data(fresh_store, "ciso-mini").requirements
    assert [n.notation for n in nodes].count("GOV.1") == 2 and "GOV.1+" in [n.notation for n in nodes]
    assert len({n.iri for n in nodes}) == len(nodes) == 6
    library = yaml.safe_load(ciso_assistant.framework_library(fresh_store, "ciso-mini"))
    urns = [n["urn"] for n in library["objects"]["framework"]["requirement_nodes"]]
    assert "urn:ctrlgraph-test:risk:req_node:ciso-mini:dat.1" in urns and not any("\u00a0" in u for u in urns)
    assert all(u.startswith("urn:ctrlgraph-test:risk:req_node:ciso-mini:") for u in urns)


def test_shipped_framework_copy_is_declared_equivalent(fresh_store: OxigraphStore) -> None:
    clash = FRAMEWORK.replace("framework:ciso-mini", "framework:iso27001-2022")
    result = run_import(fresh_store, parse("ciso-assistant", clash.encode(), "copy.yaml"))
    assert result.frameworks == ["iso27001-2022-ctrlgraph-test"]
    assert any("declared equivalent to 'iso27001-2022'" in w for w in result.warnings)


@pytest.mark.api
def test_ciso_endpoints_and_cli(interop_client, tmp_path: Path) -> None:
    client = interop_client
    store = store_of(client)
    before = dump(store)
    answer = client.post("/v1/import/ciso-assistant", content=MAPPING.encode())
    assert answer.status_code == 422 and "unknown framework 'ciso-mini'" in answer.json()["problems"][0]["problem"]
    assert dump(store) == before
    assert client.post("/v1/import/ciso-assistant", content=FRAMEWORK.encode()).status_code == 200
    assert client.post("/v1/import/ciso-assistant", content=MAPPING.encode()).json()["mappings"] == 4
    library = yaml.safe_load(client.get("/v1/export/ciso-assistant/ciso-mini").text)
    assert library["objects"]["framework"]["requirement_nodes"][1]["parent_urn"].endswith(":gov")
    mapping = yaml.safe_load(client.get("/v1/export/ciso-assistant/ciso-mini?kind=mapping").text)
    assert len(mapping["objects"]["requirement_mapping_set"]["requirement_mappings"]) == 4
    assert yaml.safe_load(client.get("/v1/export/ciso-assistant/controls").text)["ref_id"] == "ctrlgraph-controls"
    runner = CliRunner()
    out = tmp_path / "ciso"
    result = runner.invoke(
        cli_app(), ["export", "ciso-assistant", "-f", "iso9001-2015", "-o", str(out), "--data-dir", str(tmp_path / "s")]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "ctrlgraph-controls.yaml",
        "iso9001-2015.yaml",
        "mapping-iso9001-2015-to-ctrlgraph-controls.yaml",
    ]
    result = runner.invoke(
        cli_app(),
        ["import", "ciso-assistant", str(FIXTURES / "ciso-mini-framework.yaml"), "--data-dir", str(tmp_path / "s")],
    )
    assert result.exit_code == 0 and "imported: ciso-mini" in result.output
    result = runner.invoke(cli_app(), ["import", "remove", "ciso-mini", "--data-dir", str(tmp_path / "s")])
    assert result.exit_code == 0 and "imported/ciso-mini" in result.output
