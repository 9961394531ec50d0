"""SSSOM files between two frameworks' requirements, with the predicates
mapping sets really use (skos:, owl:), become direct requirement links; the
real sssom-py sample files are read with the right relationships."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctrlgraph import catalog
from ctrlgraph.interop import ImportRefused, parse, run_import
from ctrlgraph.store import OxigraphStore

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "interop-samples" / "sssom"

SET = """# curie_map:
#   a: https://w3id.org/ctrlgraph/id/iso42001-2023/
#   b: https://w3id.org/ctrlgraph/id/iso27001-2022/
# mapping_set_id: https://example.org/sets/42001-27001
# license: https://creativecommons.org/publicdomain/zero/1.0/
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence
a:5-2\tskos:broadMatch\tb:5-2\tsemapv:ManualMappingCuration\t0.8
a:6-1-2\towl:equivalentClass\tb:6-1-2\tsemapv:ManualMappingCuration\t
a:7-5\tskos:closeMatch\tb:7-5\tsemapv:LexicalMatching\t0.4
a:9-2\tskos:narrowMatch\tb:9-2\tsemapv:ManualMappingCuration\t
"""


def test_skos_and_owl_predicates_become_direct_links(fresh_store: OxigraphStore) -> None:
    draft = parse("sssom", SET.encode(), "42001-27001.sssom.tsv")
    assert [(link.relationship, link.predicate.rsplit("#", 1)[-1]) for link in draft.links] == [
        ("subset of", "broadMatch"),
        ("equal", "equivalentClass"),
        ("intersects with", "closeMatch"),
        ("superset of", "narrowMatch"),
    ]
    result = run_import(fresh_store, draft)
    assert result.link_count == 4
    pairs = {(p.source, p.target): p for p in catalog.crosswalk(fresh_store, "iso42001-2023", "iso27001-2022").pairs}
    assert pairs[("5.2", "5.2")].relationship == "subset of" and pairs[("5.2", "5.2")].route.startswith("direct")
    assert pairs[("9.2", "9.2")].relationship == "superset of"
    # Read from 27001's side, narrowMatch's superset becomes subset.
    back = {(p.source, p.target): p for p in catalog.crosswalk(fresh_store, "iso27001-2022", "iso42001-2023").pairs}
    assert back[("9.2", "9.2")].relationship == "subset of"
    stored = fresh_store.select(
        "PREFIX cg: <https://w3id.org/ctrlgraph/ns#> SELECT ?p ?c WHERE { "
        "?l cg:mappingPredicate ?p . OPTIONAL { ?l cg:confidence ?c } }",
        union_default=True,
    )
    assert {str(r["p"]).rsplit("#", 1)[-1] for r in stored} == {
        "broadMatch",
        "equivalentClass",
        "closeMatch",
        "narrowMatch",
    }
    assert sorted(float(r["c"]) for r in stored if r.get("c") is not None) == [0.4, 0.8]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"sssom-py samples not found at {SAMPLES} (../shared is absent)")
def test_real_sssom_files_are_read(fresh_store: OxigraphStore) -> None:
    for name in ("basic.tsv", "sssom11-extensions.sssom.tsv"):
        draft = parse("sssom", (SAMPLES / name).read_bytes(), name)
        text = (SAMPLES / name).read_text(encoding="utf-8")
        equivalent = [link for link in draft.links if link.predicate and link.predicate.endswith("#equivalentClass")]
        negated = sum(1 for line in text.splitlines() if "owl:equivalentClass\tNot\t" in line)
        assert [link.relationship for link in equivalent].count("equal") == len(equivalent) - negated > 0
        assert [link.relationship for link in equivalent].count("no relationship") == negated
        # Their subjects are anatomy terms, not requirements of any framework here: refused,
        # once per unknown framework, with the line.
        with pytest.raises(ImportRefused) as caught:
            run_import(fresh_store, draft)
        frameworks = {link.source_framework for link in draft.links} | {link.target_framework for link in draft.links}
        assert caught.value.total <= len(frameworks)
        assert all("unknown framework" in p.message and p.where.line for p in caught.value.problems)
