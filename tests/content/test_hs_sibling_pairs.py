"""Parallel Harmonized Structure sub-clauses pair with each other, and a
sub-clause never pairs with a non-parallel sibling of another standard.

Two assessable clauses of different ISO standards are parallel when their cg:RequirementLink s
reach the same iso-hs clause; they are non-parallel siblings when they reach
different children of one iso-hs clause (27001 9.3.1 General and 42001 9.3.3
Management review results). Such siblings used to pair because one broad control
(MON-04 management review, MON-03 internal audit) served every sub-clause; the
controls are now split per sub-clause (MON-03/MON-08, MON-04/MON-09/MON-10)."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from ctrlgraph import catalog
from ctrlgraph.store import OxigraphStore

ISO = ["iso42001-2023", "iso27001-2022", "iso9001-2015"]


def hs_targets(sparql) -> dict[tuple[str, str], set[tuple[str, str | None]]]:  # type: ignore[no-untyped-def]
    rows = sparql(
        """SELECT ?fw ?n ?h ?hp WHERE {
             ?l a cg:RequirementLink ; cg:requirement ?r ; cg:targetRequirement ?t .
             ?r skos:notation ?n ; skos:inScheme/dcterms:identifier ?fw ; cg:assessable true .
             ?t skos:notation ?h ; skos:inScheme/dcterms:identifier "iso-hs" .
             OPTIONAL { ?t skos:broader/skos:notation ?hp } }"""
    )
    found: dict[tuple[str, str], set[tuple[str, str | None]]] = defaultdict(set)
    for r in rows:
        found[(str(r["fw"]), str(r["n"]))].add((str(r["h"]), str(r["hp"]) if r.get("hp") is not None else None))
    return found


def test_no_pair_of_non_parallel_hs_siblings(ref_store: OxigraphStore, sparql) -> None:  # type: ignore[no-untyped-def]
    hs = hs_targets(sparql)
    wrong = []
    for a, b in combinations(ISO, 2):
        for p in catalog.crosswalk(ref_store, a, b).pairs:
            ha, hb = hs.get((a, p.source), set()), hs.get((b, p.target), set())
            if {h for h, _ in ha} & {h for h, _ in hb}:
                continue  # parallel: they meet in one HS clause
            if any(x[1] is not None and x[1] == y[1] for x in ha for y in hb):
                wrong.append(f"{a} {p.source} / {b} {p.target}: {p.explanation}")
    assert not wrong, "\n".join(wrong)


def test_parallel_sub_clauses_pair_with_each_other(ref_store: OxigraphStore, sparql) -> None:  # type: ignore[no-untyped-def]
    hs = hs_targets(sparql)
    # HS sub-clauses split below a clause (x.y.z): 9.2.1-9.2.2, 9.3.1-9.3.3
    children: dict[str, set[str]] = defaultdict(set)
    for targets in hs.values():
        for h, parent in targets:
            if parent is not None and h.count(".") == 2:
                children[parent].add(h)
    split = {h for kids in children.values() if len(kids) > 1 for h in kids}
    assert {"9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3"} <= split
    missing = []
    for a, b in combinations(ISO, 2):
        pairs = {(p.source, p.target) for p in catalog.crosswalk(ref_store, a, b).pairs}
        for h in sorted(split):
            xs = sorted(n for (f, n), t in hs.items() if f == a and {h} == {x for x, _ in t})
            ys = sorted(n for (f, n), t in hs.items() if f == b and {h} == {x for x, _ in t})
            missing += [f"{a} {x} / {b} {y} (HS {h})" for x in xs for y in ys if (x, y) not in pairs]
    assert not missing, missing
