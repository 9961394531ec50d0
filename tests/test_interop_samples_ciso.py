"""Every CISO Assistant library in ../shared/data/interop-samples/ciso-assistant
(real files, read at run time, never copied here) goes in: framework
libraries first, then mapping libraries, whose framework -> framework
mappings become direct requirement links landing on ctrlgraph's own 27001."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctrlgraph import catalog
from ctrlgraph.interop import ciso_assistant, parse, run_import
from ctrlgraph.interop.data import framework_links
from ctrlgraph.interop.importer import imported_frameworks
from ctrlgraph.iri import framework_iri
from ctrlgraph.store import OxigraphStore

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "interop-samples" / "ciso-assistant"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real CISO Assistant samples not found at {SAMPLES} (../shared is absent)"
)


def _library(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_sample_library_imports(fresh_store: OxigraphStore) -> None:
    files = sorted(SAMPLES.glob("*.yaml"), key=lambda f: (f.name.startswith("mapping-"), f.name))
    assert files, "no samples"
    libraries = {f.name: _library(f) for f in files}
    present = {lib.get("urn") for lib in libraries.values()}
    waiting: dict[str, int] = {}
    for f in files:
        missing = [d for d in libraries[f.name].get("dependencies") or [] if d not in present]
        result = run_import(fresh_store, parse("ciso-assistant", f.read_bytes(), f.name))
        assert result.frameworks or result.pending_count
        # A mapping library whose declared dependency is not among the samples imports too: its
        # mappings wait for that framework, reported as such.
        assert not result.pending_count or missing, f.name
        if missing and f.name.startswith("mapping-"):
            assert result.pending_count, f.name
            waiting[f.name] = result.pending_count
            assert any("wait for framework" in w and "attach when it is imported" in w for w in result.warnings)
    assert set(waiting) == {"mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"} and all(waiting.values())

    # NIST CSF 2.0 -> ISO/IEC 27001:2022: the reverse set is folded in, the links land on
    # ctrlgraph's shipped 27001 (not on the imported copy), strength left empty as in the file.
    links = framework_links(fresh_store, framework_iri("nist-csf-2.0"), framework_iri("iso27001-2022"))
    mapping = _library(SAMPLES / "mapping-nist-csf-2.0-to-iso27001-2022.yaml")
    forward = mapping["objects"]["requirement_mapping_sets"][0]["requirement_mappings"]
    pairs = {(m["source_requirement_urn"], m["target_requirement_urn"]) for m in forward}
    assert len(links) == len(pairs)
    assert all(link.target.startswith(framework_iri("iso27001-2022") + "/") for link in links)
    assert all(link.strength is None and link.relationship == "intersects with" for link in links)
    first = forward[0]
    gv_oc_01 = [
        link
        for link in links
        if link.source.endswith("/gv-oc-01") and link.target == framework_iri("iso27001-2022") + "/4-1"
    ]
    assert first["source_requirement_urn"].endswith("gv.oc-01") and len(gv_oc_01) == 1

    # Exported again for CISO Assistant: one URN scheme per side, integer version, no empty annotation.
    text = ciso_assistant.crosswalk_library(fresh_store, "nist-csf-2.0", "iso27001-2022")
    out = yaml.safe_load(text)
    assert isinstance(out["version"], int)
    items = out["objects"]["requirement_mapping_sets"][0]["requirement_mappings"]
    assert len(items) == len(pairs)
    assert {i["source_requirement_urn"] for i in items} <= {m["source_requirement_urn"] for m in forward}
    assert not any("annotation" in i or "strength_of_relationship" in i for i in items)


@pytest.mark.slow
def test_waiting_mappings_attach_when_their_framework_arrives(fresh_store: OxigraphStore) -> None:
    """The SOC 2 (rev. 2022) -> 27001 mapping library, whose SOC 2 revision is not among the
    samples: imported first, its mappings wait; a framework library with that URN attaches them."""
    name = "mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"
    mapping = _library(SAMPLES / name)
    sets = mapping["objects"]["requirement_mapping_sets"]
    source = sets[0]["source_framework_urn"]
    pairs = set()
    for mapping_set in sets:  # the forward set and the reverse set every converter adds, read as one
        forward = mapping_set["source_framework_urn"] == source
        for m in mapping_set["requirement_mappings"]:
            s_urn, t_urn = m["source_requirement_urn"], m["target_requirement_urn"]
            pairs.add((s_urn, t_urn) if forward else (t_urn, s_urn))
    result = run_import(fresh_store, parse("ciso-assistant", (SAMPLES / name).read_bytes(), name))
    assert result.pending_count == len(pairs) and result.link_count == 0
    assert any(
        str(g["graph"]).endswith("soc2-2017-rev-2022") and "/pending/" in str(g["graph"])
        for g in imported_frameworks(fresh_store)
    )
    # Nothing is linked yet: no framework, no crosswalk.
    assert "soc2-2017-rev-2022" not in {f.id for f in catalog.frameworks(fresh_store)}
    # A framework library carrying that URN (written here from the mapping's own node URNs).
    nodes = sorted({s for s, _ in pairs})
    library = {
        "urn": "urn:intuitem:risk:library:soc2-2017-rev-2022",
        "locale": "en",
        "ref_id": "soc2-2017-rev-2022",
        "name": "SOC 2 (test stand-in)",
        "version": 1,
        "provider": "ctrlgraph test suite",
        "objects": {
            "framework": {
                "urn": source,
                "ref_id": "soc2-2017-rev-2022",
                "name": "SOC 2 (test stand-in)",
                "requirement_nodes": [
                    {"urn": n, "ref_id": n.rsplit(":", 1)[-1].upper(), "name": n.rsplit(":", 1)[-1], "assessable": True}
                    for n in nodes
                ],
            }
        },
    }
    attached = run_import(fresh_store, parse("ciso-assistant", yaml.safe_dump(library).encode(), "soc2-rev.yaml"))
    assert attached.link_count == len(pairs) and attached.pending_count == 0
    assert any(f"{len(pairs)} direct mapping(s) waiting" in w for w in attached.warnings)
    links = framework_links(fresh_store, framework_iri("soc2-2017-rev-2022"), framework_iri("iso27001-2022"))
    assert len(links) == len(pairs)
    assert all(link.target.startswith(framework_iri("iso27001-2022") + "/") for link in links)
    # The waiting list is gone, and the route through the links serves the new framework.
    assert not any("/pending/" in str(g["graph"]) for g in imported_frameworks(fresh_store))
    pairs_out = catalog.crosswalk(fresh_store, "soc2-2017-rev-2022", "iso27001-2022").pairs
    assert len({(p.source, p.target) for p in pairs_out if p.route in ("direct", "direct+controls")}) == len(pairs)
    shared = catalog.shared_controls(fresh_store, ["soc2-2017-rev-2022"], 1)
    assert shared.controls and all(
        q.route == "direct+control" for c in shared.controls for q in c.requirements["soc2-2017-rev-2022"]
    )


@pytest.mark.slow
def test_bulk_import_of_the_folder_reports_waiting_mappings(fresh_store: OxigraphStore) -> None:
    from ctrlgraph.interop import bulk

    outcomes = {o.path.name: o for o in bulk.run(fresh_store, SAMPLES)}
    assert {o.status for o in outcomes.values()} == {"imported"}
    soc2 = outcomes["mapping-soc2-2017-rev-2022-to-iso27001-2022.yaml"]
    assert soc2.waiting > 1000 and soc2.links == 0
    assert outcomes["mapping-nist-csf-2.0-to-iso27001-2022.yaml"].links > 300
    assert all(o.waiting == 0 for name, o in outcomes.items() if name != soc2.path.name)
