"""Real OSCAL files from ../shared/data/interop-samples/oscal (read at run
time, never copied here): the NIST AI RMF Generative AI profile catalog and
oscal-compass's mapping collection from it to ISO/IEC 42001, whose n:m maps
without a confidence score land on ctrlgraph's own 42001."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctrlgraph import catalog
from ctrlgraph.interop import parse, run_import
from ctrlgraph.interop.data import framework_links
from ctrlgraph.iri import framework_iri
from ctrlgraph.store import OxigraphStore

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "interop-samples" / "oscal"
pytestmark = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason=f"real OSCAL samples not found at {SAMPLES} (../shared is absent)"
)
CATALOG = "occ-nist-ai-rmf-gen-ai-catalog.json"
COLLECTION = "occ-nist-ai-rmf-to-iso42001-mapping.json"


@pytest.mark.slow
def test_ai_rmf_to_42001_collection_lands_on_our_42001(fresh_store: OxigraphStore) -> None:
    imported = run_import(
        fresh_store, parse("oscal-catalog", (SAMPLES / CATALOG).read_bytes(), CATALOG, "ai-rmf-genai")
    )
    assert imported.frameworks == ["ai-rmf-genai"] and imported.requirement_count > 100
    result = run_import(fresh_store, parse("oscal-mapping", (SAMPLES / COLLECTION).read_bytes(), COLLECTION))
    maps = json.loads((SAMPLES / COLLECTION).read_text())["mapping-collection"]["mappings"][0]["maps"]
    expected = {(s["id-ref"], t["id-ref"]) for m in maps for s in m["sources"] for t in m["targets"]}
    assert any(len(m["targets"]) > 1 for m in maps) and not any("confidence-score" in m for m in maps)
    assert result.link_count == len(expected) and result.frameworks == ["ai-rmf-genai", "iso42001-2023"]
    links = framework_links(fresh_store, framework_iri("ai-rmf-genai"), framework_iri("iso42001-2023"))
    assert len(links) == len(expected)
    assert all(link.target.startswith(framework_iri("iso42001-2023") + "/") for link in links)
    assert all(link.strength is None and link.relationship == "intersects with" for link in links)
    # GV-1.1 -> 4.1, 6.2, B.2.2 (Annex B explains control A.2.2) and B.2.4.
    pairs = {(p.source, p.target): p for p in catalog.crosswalk(fresh_store, "ai-rmf-genai", "iso42001-2023").pairs}
    gv11 = sorted(target for source, target in pairs if source == "GV-1.1")
    assert gv11 == ["4.1", "6.2", "A.2.2", "A.2.4"]
    assert all(pairs[("GV-1.1", t)].route == "direct" for t in gv11)


NIST_CATALOG = "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"


@pytest.mark.slow
def test_nist_800_53_keeps_ids_labels_and_renders_params(fresh_store: OxigraphStore) -> None:
    from ctrlgraph.interop.data import framework_data

    draft = parse("oscal-catalog", (SAMPLES / NIST_CATALOG).read_bytes(), NIST_CATALOG, "sp800-53r5-moderate")
    run_import(fresh_store, draft)
    rows = {r.notation: r for r in framework_data(fresh_store, "sp800-53r5-moderate").requirements}
    # Labels as NIST cites them (AC-1, not the zero-padded AC-01); IRIs from the OSCAL ids.
    assert "AC-1" in rows and "AC-01" not in rows and rows["AC-1"].iri.endswith("/ac-1")
    # Parameters rendered into the statement, none of OSCAL's placeholders left.
    text = rows["AC-1"].definition or ""
    assert "[Assignment: organization-defined personnel or roles]" in text and "[Selection (one or more):" in text
    assert not any("{{" in (r.definition or "") for r in rows.values())
    # The part structure: guidance and assessment objectives beside the statement; params kept as params.
    assert rows["AC-1"].guidance and "policy" in rows["AC-1"].guidance.lower()
    assert rows["AC-1"].objectives and "AC-01a." in rows["AC-1"].objectives
    params = fresh_store.select(
        "PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?id (COUNT(?choice) AS ?choices) WHERE { <https://w3id.org/ctrlgraph/id/sp800-53r5-moderate/ac-1> "
        "cg:parameter ?p . ?p dcterms:identifier ?id . OPTIONAL { ?p cg:parameterChoice ?choice } } GROUP BY ?id",
        union_default=True,
    )
    by_id = {str(r["id"]): int(r["choices"]) for r in params}
    assert "ac-01_odp.01" in by_id and by_id["ac-01_odp.03"] == 3
    # A base control with enhancements is assessed too; the enhancement is its child.
    assert rows["AC-2"].assessable and rows["AC-2(1)"].assessable and rows["AC-2(1)"].parent == "AC-2"
    # A mapping collection may cite the OSCAL id (ac-1, ac-2.1) or the label.
    collection = {
        "mapping-collection": {
            "uuid": "00000000-0000-4000-8000-000000000001",
            "metadata": {
                "title": "800-53 to 27001",
                "last-modified": "2026-01-01T00:00:00Z",
                "version": "1",
                "oscal-version": "1.2.1",
            },
            "provenance": {"method": "human", "matching-rationale": "semantic", "status": "complete"},
            "mappings": [
                {
                    "uuid": "00000000-0000-4000-8000-000000000002",
                    "source-resource": {
                        "type": "catalog",
                        "href": "#",
                        "props": [
                            {
                                "name": "framework-id",
                                "ns": "https://w3id.org/ctrlgraph/ns/oscal",
                                "value": "sp800-53r5-moderate",
                            }
                        ],
                    },
                    "target-resource": {
                        "type": "catalog",
                        "href": "#",
                        "props": [
                            {
                                "name": "framework-id",
                                "ns": "https://w3id.org/ctrlgraph/ns/oscal",
                                "value": "iso27001-2022",
                            }
                        ],
                    },
                    "maps": [
                        {
                            "uuid": "00000000-0000-4000-8000-000000000003",
                            "relationship": "subset-of",
                            "sources": [{"type": "control", "id-ref": "ac-1"}],
                            "targets": [
                                {"type": "control", "id-ref": "a-5-1"},
                                {"type": "control", "id-ref": "a-5-15"},
                            ],
                            "confidence-score": {"percentage": 0.7},
                        },
                        {
                            "uuid": "00000000-0000-4000-8000-000000000004",
                            "relationship": "intersects-with",
                            "sources": [{"type": "control", "id-ref": "ac-2.1"}],
                            "targets": [{"type": "control", "id-ref": "A.5.16"}],
                        },
                    ],
                }
            ],
        }
    }
    result = run_import(fresh_store, parse("oscal-mapping", json.dumps(collection).encode(), "mc.json"))
    assert result.link_count == 3
    pairs = {(p.source, p.target) for p in catalog.crosswalk(fresh_store, "sp800-53r5-moderate", "iso27001-2022").pairs}
    assert {("AC-1", "A.5.1"), ("AC-1", "A.5.15"), ("AC-2(1)", "A.5.16")} <= pairs


def _kept(param: dict) -> dict:
    """What ctrlgraph keeps of a param: id, label, values and selection, whitespace collapsed
    (props and guidelines are not kept)."""

    def one(text: str) -> str:
        return " ".join(text.split())

    kept: dict = {"id": param["id"]}
    if param.get("label"):
        kept["label"] = one(param["label"])
    if param.get("values"):
        kept["values"] = sorted(one(v) for v in param["values"])
    if param.get("select"):
        kept["select"] = {k: v for k, v in param["select"].items() if k == "how-many"}
        kept["select"]["choice"] = [one(c) for c in param["select"].get("choice") or []]
    return kept


@pytest.mark.slow
def test_nist_800_53_params_round_trip(fresh_store: OxigraphStore) -> None:
    """NIST's own params go out as OSCAL params, with the placeholders in the prose, and come back the same."""
    from ctrlgraph.interop import oscal
    from ctrlgraph.interop.data import framework_data

    source = json.loads((SAMPLES / NIST_CATALOG).read_text(encoding="utf-8"))
    run_import(fresh_store, parse("oscal-catalog", json.dumps(source).encode(), NIST_CATALOG, "sp800-53r5-moderate"))

    def controls(node: dict) -> dict[str, dict]:
        found = {}
        for child in [*(node.get("groups") or []), *(node.get("controls") or [])]:
            labels = [
                p["value"]
                for p in child.get("props") or []
                if p["name"] == "label" and "ns" not in p and "class" not in p
            ]
            found[labels[0] if labels else child["id"]] = child  # by label (AC-2(1)): the ids are minted apart
            found.update(controls(child))
        return found

    theirs = controls(source["catalog"])
    exported = oscal.catalog(fresh_store, "sp800-53r5-moderate")
    ours = controls(exported["catalog"])
    with_params = [cid for cid, c in theirs.items() if c.get("params")]
    assert len(with_params) > 100
    for cid in with_params:
        expected = [_kept(p) for p in theirs[cid]["params"]]
        assert sorted(ours[cid]["params"], key=lambda p: p["id"]) == sorted(expected, key=lambda p: p["id"]), cid
    overview = next(p["prose"] for p in ours["AC-1"]["parts"] if p["name"] == "overview")
    assert "{{ insert: param, ac-01_odp.03 }}" in overview and "[Assignment" not in overview
    try:
        from trestle.oscal.catalog import Catalog
    except ImportError:  # pragma: no cover - trestle is a test dependency
        pass
    else:
        Catalog.model_validate(exported["catalog"])
    # Imported again: the same rendered statements and the same params.
    run_import(fresh_store, parse("oscal-catalog", json.dumps(exported).encode(), "again.json", "sp800-53r5-again"))
    first = {r.notation: r for r in framework_data(fresh_store, "sp800-53r5-moderate").requirements}
    again = {r.notation: r for r in framework_data(fresh_store, "sp800-53r5-again").requirements}
    assert set(first) == set(again)
    for notation, row in first.items():
        other = again[notation]
        assert (other.definition, other.guidance, other.objectives, other.parameters) == (
            row.definition,
            row.guidance,
            row.objectives,
            row.parameters,
        ), notation
