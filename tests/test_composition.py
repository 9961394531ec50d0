"""The STRM composition table (ontology/strm-composition.ttl) is complete and sound."""

from __future__ import annotations

import itertools

from rdflib import Graph, Namespace

from ctrlgraph.paths import ontology_dir

CG = Namespace("https://w3id.org/ctrlgraph/ns#")
RELS = ["equal", "subsetOf", "supersetOf", "intersectsWith"]


def table() -> dict[tuple[str, str], tuple[str, bool, bool]]:
    g = Graph().parse(ontology_dir() / "strm-composition.ttl")
    out = {}
    for rule in g.subjects(predicate=CG.composedRelationship):
        left = str(g.value(rule, CG.leftRelationship)).rsplit("#")[-1]
        right = str(g.value(rule, CG.rightRelationship)).rsplit("#")[-1]
        out[(left, right)] = (
            str(g.value(rule, CG.composedRelationship)).rsplit("#")[-1],
            g.value(rule, CG.determined).toPython(),
            g.value(rule, CG.overlapGuaranteed).toPython(),
        )
    return out


def test_table_covers_every_pair_once() -> None:
    assert set(table()) == set(itertools.product(RELS, RELS))


def test_table_agrees_with_set_theory_on_small_sets() -> None:
    """Brute force: for every A, B, C over a 4-element universe with A REL1 C
    and B REL2 C, the determined rules must hold; undetermined rules must
    really be undetermined (more than one outcome is possible)."""
    universe = [frozenset(s) for n in range(1, 5) for s in itertools.combinations(range(4), n)]

    def rel(x: frozenset[int], y: frozenset[int]) -> str | None:
        if x == y:
            return "equal"
        if x < y:
            return "subsetOf"
        if x > y:
            return "supersetOf"
        return "intersectsWith" if x & y else None

    seen: dict[tuple[str, str], set[str | None]] = {}
    for a, b, c in itertools.product(universe, repeat=3):
        r1, r2 = rel(a, c), rel(b, c)
        if r1 and r2:
            seen.setdefault((r1, r2), set()).add(rel(a, b))
    for key, (result, determined, overlap) in table().items():
        outcomes = seen[key]
        if determined:
            assert outcomes == {result}, (key, outcomes)
        else:
            assert len(outcomes) > 1, (key, outcomes)
            assert result == "intersectsWith"
        assert overlap == (None not in outcomes), (key, outcomes)
