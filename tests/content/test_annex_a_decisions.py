"""The per-pair decision record of ISO/IEC 27001:2022 Annex A against ISO/IEC
42001:2023 Annex A (mappings/decisions/annex-a-27001-42001.csv: every one of the
93 x 38 pairs, linked with its relationship or not linked, with the reason),
checked against the crosswalk derived from the real reference graph: a linked
pair comes out with that relationship (and determinedness), a pair decided
"not linked" does not come out at all."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ctrlgraph import catalog
from ctrlgraph.store import OxigraphStore

RECORD = Path(__file__).resolve().parents[2] / "mappings" / "decisions" / "annex-a-27001-42001.csv"
RELATIONSHIPS = {"equal", "subset of", "superset of", "intersects with"}


def record() -> list[dict[str, str]]:
    with RECORD.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def annex_a(sparql, framework: str) -> list[str]:  # type: ignore[no-untyped-def]
    rows = sparql(
        f"""SELECT ?n WHERE {{ ?f dcterms:identifier "{framework}" .
              ?r skos:inScheme ?f ; cg:assessable true ; skos:notation ?n . FILTER(STRSTARTS(?n, "A.")) }}"""
    )
    return [str(r["n"]) for r in rows]


def test_record_is_complete_and_well_formed(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = record()
    a27, a42 = annex_a(sparql, "iso27001-2022"), annex_a(sparql, "iso42001-2023")
    # 27001:2022 Annex A: 37 organizational, 8 people, 14 physical, 34 technological controls
    assert sorted(a27) == sorted(
        [f"A.5.{i}" for i in range(1, 38)]
        + [f"A.6.{i}" for i in range(1, 9)]
        + [f"A.7.{i}" for i in range(1, 15)]
        + [f"A.8.{i}" for i in range(1, 35)]
    )
    # 42001:2023 Annex A: 38 controls in A.2-A.10, each numbered from .2 (the .1 is the objective)
    per_group = {"2": 3, "3": 2, "4": 5, "5": 4, "6.1": 2, "6.2": 7, "7": 5, "8": 4, "9": 3, "10": 3}
    assert sorted(a42) == sorted(f"A.{g}.{i}" for g, n in per_group.items() for i in range(2, n + 2))
    pairs = [(r["iso27001"], r["iso42001"]) for r in rows]
    assert len(pairs) == len(set(pairs)) == 93 * 38
    assert set(pairs) == {(a, b) for a in a27 for b in a42}
    for r in rows:
        assert r["decision"] in {"linked", "not linked"}, r
        assert len(r["reason"].strip()) >= 20, r
        if r["decision"] == "linked":
            assert r["relationship"] in RELATIONSHIPS and r["determined"] in {"true", "false"}, r
        else:
            assert r["relationship"] == r["determined"] == "", r
    # the bridge the issue asks for: roles, suppliers, development life cycle
    linked = {p for p, r in zip(pairs, rows, strict=True) if r["decision"] == "linked"}
    assert {("A.5.2", "A.3.2"), ("A.8.25", "A.6.1.3"), ("A.8.25", "A.6.2.3")} <= linked
    assert {(s, a) for s in ("A.5.19", "A.5.20", "A.5.21", "A.5.22") for a in ("A.10.2", "A.10.3")} <= linked


def test_derived_crosswalk_agrees_with_every_decision(ref_store: OxigraphStore) -> None:
    found = {
        (p.source, p.target): p
        for p in catalog.crosswalk(ref_store, "iso27001-2022", "iso42001-2023").pairs
        if re.match(r"A\.", p.source) and re.match(r"A\.", p.target)
    }
    wrong = []
    for r in record():
        pair = found.pop((r["iso27001"], r["iso42001"]), None)
        if r["decision"] == "not linked":
            if pair is not None:
                wrong.append(
                    f"{r['iso27001']} -> {r['iso42001']} decided not linked ({r['reason']}): {pair.explanation}"
                )
        elif pair is None:
            wrong.append(f"{r['iso27001']} -> {r['iso42001']} decided linked ({r['reason']}) but not derived")
        elif pair.relationship != r["relationship"] or str(pair.determined).lower() != r["determined"]:
            wrong.append(
                f"{r['iso27001']} -> {r['iso42001']}: derived {pair.relationship} determined={pair.determined}, "
                f"decided {r['relationship']} determined={r['determined']}: {pair.explanation}"
            )
    assert not found, f"derived pairs with no decision: {sorted(found)}"
    assert not wrong, "\n".join(wrong)
