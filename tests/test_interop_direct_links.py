"""Direct requirement -> requirement mappings: imported from a CISO Assistant
mapping library whose target is a framework ctrlgraph ships (named by CISO
Assistant's own URNs), then answered by crosswalks and related requirements
beside the route through common controls, each answer saying its route."""

from __future__ import annotations

import pytest

from ctrlgraph import catalog
from ctrlgraph.interop import ImportRefused, parse, run_import
from ctrlgraph.store import OxigraphStore
from tests.interop_support import dump, load_fixture


def _library(relationship: str = "subset", reverse: str | None = "superset", extra: str = "") -> bytes:
    """CISO Assistant's converter writes each set and its reverse; strengths are left out."""
    text = f"""urn: urn:ctrlgraph-test:risk:library:mapping-ciso-mini-to-iso27001-2022
locale: en
ref_id: mapping-ciso-mini-to-iso27001-2022
name: mini -> 27001
version: 1
provider: ctrlgraph test suite
objects:
  requirement_mapping_sets:
  - urn: urn:ctrlgraph-test:risk:req_mapping_set:ciso-mini-to-iso27001-2022
    ref_id: ciso-mini-to-iso27001-2022
    source_framework_urn: urn:ctrlgraph-test:risk:framework:ciso-mini
    target_framework_urn: urn:intuitem:risk:framework:iso27001-2022
    requirement_mappings:
    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:gov.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.1
      relationship: {relationship}
    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:mon.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:9.1
      relationship: intersect
      strength_of_relationship: 5
      annotation: Both ask for monitoring and measurement.
{extra}"""
    if reverse:
        text += f"""  - urn: urn:ctrlgraph-test:risk:req_mapping_set:ciso-mini-to-iso27001-2022-revert
    ref_id: ciso-mini-to-iso27001-2022-revert
    source_framework_urn: urn:intuitem:risk:framework:iso27001-2022
    target_framework_urn: urn:ctrlgraph-test:risk:framework:ciso-mini
    requirement_mappings:
    - source_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.1
      target_requirement_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:gov.1
      relationship: {reverse}
"""
    return text.encode()


@pytest.fixture
def linked(fresh_store: OxigraphStore) -> OxigraphStore:
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-framework.yaml")
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-mapping.yaml")
    result = run_import(fresh_store, parse("ciso-assistant", _library(), "mini-to-27001.yaml"))
    assert result.link_count == 2 and result.frameworks == ["ciso-mini", "iso27001-2022"]
    assert any("1 mapping(s) of a reverse set" in w for w in result.warnings)
    return fresh_store


def test_crosswalk_uses_both_routes(linked: OxigraphStore) -> None:
    pairs = {(p.source, p.target): p for p in catalog.crosswalk(linked, "ciso-mini", "iso27001-2022").pairs}
    gov = pairs[("GOV.1", "A.5.1")]
    assert gov.route in ("direct", "direct+controls") and gov.relationship == "subset of"
    assert gov.strength is None and gov.determined
    direct = [p for p in gov.paths if p.route == "direct"]
    assert len(direct) == 1 and direct[0].control is None and "mini-to" in (direct[0].source or "")
    mon = pairs[("MON.1", "9.1")]
    assert mon.relationship == "intersects with" and mon.strength == 5
    # Read from the other side, the relationship is inverted.
    back = {(p.source, p.target): p for p in catalog.crosswalk(linked, "iso27001-2022", "ciso-mini").pairs}
    assert back[("A.5.1", "GOV.1")].relationship == "superset of"
    # Pairs found only through shared controls still say so.
    derived = catalog.crosswalk(linked, "ciso-mini", "iso42001-2023").pairs
    assert derived and all(p.route == "controls" and p.paths[0].control for p in derived)


def test_related_requirements_use_both_routes(linked: OxigraphStore) -> None:
    detail = catalog.related(linked, "ciso-mini", "GOV.1", limit=500)
    by_key = {(r.framework, r.notation): r for r in detail.related}
    a51 = by_key[("iso27001-2022", "A.5.1")]
    assert a51.route in ("direct", "direct+controls") and a51.relationship == "subset of"
    assert detail.total == len({(r.framework, r.notation) for r in detail.related})
    assert any(r.route == "controls" for r in detail.related)
    ours = catalog.related(linked, "iso27001-2022", "A.5.1", limit=500)
    mini = [r for r in ours.related if r.framework == "ciso-mini"]
    assert [(r.notation, r.relationship) for r in mini if r.route != "controls"] == [("GOV.1", "superset of")]


def test_second_import_adds_or_is_refused(linked: OxigraphStore) -> None:
    # The same file again adds nothing new.
    again = run_import(linked, parse("ciso-assistant", _library(), "mini-to-27001.yaml"))
    assert any("already stored" in w for w in again.warnings)
    assert len(catalog.crosswalk(linked, "ciso-mini", "iso27001-2022").pairs) >= 2
    # Another file for the same pair adds its mappings.
    extra = """    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:ciso-mini:dat.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.12
      relationship: intersect
"""
    run_import(linked, parse("ciso-assistant", _library(extra=extra), "more.yaml"))
    pairs = {(p.source, p.target): p for p in catalog.crosswalk(linked, "ciso-mini", "iso27001-2022").pairs}
    assert pairs[("DAT.1", "A.5.12")].route.startswith("direct") and ("GOV.1", "A.5.1") in pairs
    # A contradiction is refused, naming the pair, and the store is unchanged ...
    before = dump(linked)
    with pytest.raises(ImportRefused) as caught:
        run_import(linked, parse("ciso-assistant", _library("equal", None), "other.yaml"))
    assert "replace=true" in str(caught.value) and "'subsetOf'" in str(caught.value)
    assert dump(linked) == before
    # ... unless replace=true, which replaces that pair's stored mappings.
    run_import(linked, parse("ciso-assistant", _library("equal", None), "other.yaml"), replace=True)
    pairs = {(p.source, p.target): p for p in catalog.crosswalk(linked, "ciso-mini", "iso27001-2022").pairs}
    assert pairs[("GOV.1", "A.5.1")].relationship == "equal" and ("DAT.1", "A.5.12") not in pairs


def test_contradicting_reverse_set_is_one_problem(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "ciso-assistant", "ciso-mini-framework.yaml")
    with pytest.raises(ImportRefused) as caught:
        run_import(fresh_store, parse("ciso-assistant", _library("subset", "subset"), "bad.yaml"))
    assert caught.value.total == 1 and "contradicts the reverse mapping" in caught.value.problems[0].message
    assert caught.value.problems[0].where.line is not None


def test_crosswalk_library_round_trip(linked: OxigraphStore) -> None:
    """Exported for CISO Assistant (one URN scheme per side, integer version, no
    stand-in annotations) and imported again, the direct mappings are the same."""
    import yaml

    from ctrlgraph.interop import ciso_assistant
    from ctrlgraph.interop.data import framework_links
    from ctrlgraph.interop.importer import remove_import
    from ctrlgraph.iri import framework_iri

    def links() -> set[tuple]:
        return {
            (x.source, x.target, x.relationship, x.strength, x.explanation)
            for x in framework_links(linked, framework_iri("ciso-mini"), framework_iri("iso27001-2022"))
        }

    before = links()
    text = ciso_assistant.crosswalk_library(linked, "ciso-mini", "iso27001-2022")
    library = yaml.safe_load(text)
    assert isinstance(library["version"], int)
    items = library["objects"]["requirement_mapping_sets"][0]["requirement_mappings"]
    assert all(i["source_requirement_urn"].startswith("urn:ctrlgraph-test:risk:req_node:ciso-mini:") for i in items)
    assert all(i["target_requirement_urn"].startswith("urn:ctrlgraph:risk:req_node:iso27001-2022:") for i in items)
    assert [i.get("annotation") for i in items].count(None) == 1  # only the one the file really annotated
    framework = ciso_assistant.framework_library(linked, "ciso-mini")
    remove_import(linked, "ciso-mini")
    assert not links()
    run_import(linked, parse("ciso-assistant", framework.encode(), "ciso-mini.yaml"))
    run_import(linked, parse("ciso-assistant", text.encode(), "crosswalk.yaml"))
    assert links() == before
