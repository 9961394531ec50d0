"""Every CISO Assistant library in ../shared/data/interop-samples/ciso-assistant
(real files, read at run time, never copied here) goes in: framework
libraries first, then mapping libraries, whose framework -> framework
mappings become direct requirement links landing on ctrlgraph's own 27001."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ctrlgraph.interop import ImportRefused, ciso_assistant, parse, run_import
from ctrlgraph.interop.data import framework_links
from ctrlgraph.iri import framework_iri
from ctrlgraph.store import OxigraphStore
from tests.interop_support import dump

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
    imported, refused = [], {}
    for f in files:
        missing = [d for d in libraries[f.name].get("dependencies") or [] if d not in present]
        before = dump(fresh_store)
        try:
            result = run_import(fresh_store, parse("ciso-assistant", f.read_bytes(), f.name))
        except ImportRefused as exc:
            refused[f.name] = exc
            assert dump(fresh_store) == before
            # Only a library whose dependency is not among the samples may be refused, and then
            # for that one root cause, reported once, with the file, line and path named.
            assert missing, f"{f.name} refused: {exc}"
            assert exc.total == 1 and "unknown framework" in exc.problems[0].message
            assert exc.problems[0].where.line is not None and str(exc).startswith(f.name)
            continue
        imported.append(f.name)
        assert result.frameworks
    framework_files = [f.name for f in files if not f.name.startswith("mapping-")]
    assert set(framework_files) <= set(imported)
    assert len(imported) + len(refused) == len(files)

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
