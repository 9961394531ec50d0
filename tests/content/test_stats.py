"""The content figures behind ``ctrlgraph stats`` on the real reference graph."""

from __future__ import annotations

from ctrlgraph import catalog
from ctrlgraph.crosswalk_stats import crosswalk_figures, uncoverable
from ctrlgraph.store import OxigraphStore

ISO = ["iso42001-2023", "iso27001-2022", "iso9001-2015"]


def test_crosswalk_figures_agree_with_the_crosswalk(ref_store: OxigraphStore) -> None:
    figures = crosswalk_figures(ref_store, ISO)
    assert [(f.source, f.target) for f in figures] == [(ISO[0], ISO[1]), (ISO[0], ISO[2]), (ISO[1], ISO[2])]
    for f in figures:
        cw = catalog.crosswalk(ref_store, f.source, f.target)
        assert f.pairs == cw.count > 0
        assert f.determined == sum(p.determined for p in cw.pairs)
        assert f.determined + f.undetermined == f.pairs and 0 <= f.determined_share <= 1


def test_only_the_documented_provisions_have_no_coverable_route(ref_store: OxigraphStore) -> None:
    """mappings/README.md names each assessable requirement no set of controls covers, and why."""
    found = {(u.framework, u.notation): u.reason for u in uncoverable(ref_store, [*ISO, "eu-ai-act-2024"])}
    assert set(found) == {
        ("eu-ai-act-2024", n) for n in ("Art. 16(l)", "Art. 18(3)", "Art. 19(2)", "Art. 53(4)", "Art. 55(2)")
    }
    assert all("intersect" in reason for reason in found.values())
