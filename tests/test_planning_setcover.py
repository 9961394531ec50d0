"""The set-cover core of planning, as pure functions on hand-made coverage
structures with a known optimum, and on random small ones checked against
brute force. Coverage is checked here with the test's own function, not the
solver's."""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence

import pytest

from ctrlgraph.planning import coverage, setcover

F = frozenset


def covered_by(needs: Mapping[str, Sequence[frozenset[str]]], chosen: set[str] | frozenset[str]) -> bool:
    """The test's own check: every element has an alternative wholly chosen."""
    return all(any(all(c in chosen for c in alt) for alt in alts) for alts in needs.values())


def brute_force(needs: Mapping[str, Sequence[frozenset[str]]], weights: Mapping[str, int]) -> int:
    controls = sorted(set().union(*(a for alts in needs.values() for a in alts)))
    best = sum(weights.get(c, 1) for c in controls)
    for r in range(len(controls) + 1):
        for subset in itertools.combinations(controls, r):
            if covered_by(needs, set(subset)):
                best = min(best, sum(weights.get(c, 1) for c in subset))
    return best


# r1..r6 is the classic instance where greedy loses: Z covers four requirements,
# but X and Y (three each) cover all six. r7 needs its two superset controls P and Q.
CLASSIC = {
    "r1": [F("X"), F("Z")],
    "r2": [F("X"), F("Z")],
    "r3": [F("X")],
    "r4": [F("Y"), F("Z")],
    "r5": [F("Y"), F("Z")],
    "r6": [F("Y")],
    "r7": [F({"P", "Q"})],
}


def test_classic_instance_greedy_loses_exact_wins() -> None:
    greedy = setcover.greedy(CLASSIC, {})
    assert greedy == {"X", "Y", "Z", "P", "Q"}
    result = setcover.solve(CLASSIC, {})
    assert result.chosen == {"X", "Y", "P", "Q"}
    assert (result.value, result.greedy_value) == (4, 5)
    assert result.proven_optimal and result.status == "optimal" and result.gap == 0.0
    assert result.bound == 4
    assert covered_by(CLASSIC, result.chosen)


def test_weighted_differs_from_unweighted() -> None:
    needs = {"e1": [F("A"), F("B")], "e2": [F("A"), F("C")]}
    effort = {"A": 5, "B": 1, "C": 1}
    assert setcover.solve(needs, {}).chosen == {"A"}
    weighted = setcover.solve(needs, effort)
    assert weighted.chosen == {"B", "C"} and weighted.value == 2
    # the tie-break: of the two smallest sets... there is one; of the cheapest: least controls
    tie = setcover.solve({"e": [F("A"), F("B")]}, {}, secondary={"A": 3, "B": 1}, secondary_name="least effort")
    assert tie.chosen == {"B"} and tie.tie_break == "least effort (proven)"


def test_superset_group_is_all_or_nothing() -> None:
    needs = {"e": [F({"A", "B", "C"})], "f": [F("A"), F("D")]}
    result = setcover.solve(needs, {})
    assert result.chosen == {"A", "B", "C"} and result.value == 3


def test_reduce_takes_fixed_and_forbidden_controls_into_account() -> None:
    needs = {
        "done": [F("A")],
        "half": [F({"A", "B"})],
        "blocked": [F("X")],
        "detour": [F("X"), F("Y")],
        "none": [],
    }
    reduced = setcover.reduce(needs, fixed=F({"A"}), forbidden=F({"X"}))
    assert reduced.already == {"done"}
    assert reduced.needs == {"half": [F("B")], "detour": [F("Y")]}
    assert reduced.blocked == {"blocked": ["X"]}
    assert reduced.empty == {"none"}


def test_nothing_to_cover() -> None:
    result = setcover.solve({}, {})
    assert result.chosen == frozenset() and result.status == "trivial" and result.proven_optimal


def test_element_without_alternative_is_refused() -> None:
    with pytest.raises(ValueError, match="without an alternative"):
        setcover.solve({"e": []}, {})


def _random_instance(rng: random.Random, controls: int, elements: int) -> dict[str, list[frozenset[str]]]:
    names = [f"C{i:02d}" for i in range(controls)]
    needs: dict[str, list[frozenset[str]]] = {}
    for e in range(elements):
        alts = [F({c}) for c in rng.sample(names, rng.randint(0, 3))]
        if rng.random() < 0.4 or not alts:
            alts.append(F(rng.sample(names, rng.randint(2, 3))))
        needs[f"e{e}"] = alts
    return needs


@pytest.mark.parametrize("seed", range(25))
def test_random_small_instances_match_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    needs = _random_instance(rng, controls=rng.randint(4, 10), elements=rng.randint(3, 12))
    weights = {c: rng.randint(1, 5) for alts in needs.values() for a in alts for c in a}
    for w in ({}, weights):
        result = setcover.solve(needs, w, time_limit=5)
        assert covered_by(needs, result.chosen)
        assert result.proven_optimal
        assert result.value == brute_force(needs, w)
        assert result.value <= result.greedy_value
        assert covered_by(needs, result.greedy)


def test_time_limit_reports_a_bound_and_never_loses_to_greedy() -> None:
    rng = random.Random(7)
    needs = _random_instance(rng, controls=400, elements=1500)
    result = setcover.solve(needs, {}, time_limit=0.2)
    assert covered_by(needs, result.chosen)
    assert result.value <= result.greedy_value
    assert 0 <= result.bound <= result.value
    assert result.proven_optimal == (result.bound == result.value)
    assert result.status in ("optimal", "feasible", "greedy")
    assert 0.0 <= result.gap < 1.0
    assert result.wall_time < 10


def test_alternatives_follow_the_gap_analysis_rule() -> None:
    """coverage.alternatives is the gap analysis' met rule in set form: check it
    against ctrlgraph.analysis.gaps on every subset of in-place controls."""
    relationships = ["equal", "subset of", "superset of", "intersects with"]
    rng = random.Random(3)
    for _ in range(200):
        mappings = [(f"C{i}", rng.choice(relationships)) for i in range(rng.randint(0, 5))]
        alts = coverage.alternatives(mappings)
        controls = [c for c, _ in mappings]
        for r in range(len(controls) + 1):
            for in_place in itertools.combinations(controls, r):
                by_sets = any(a <= set(in_place) for a in alts)
                assert by_sets == coverage.is_met(mappings, in_place), (mappings, in_place)
        if not alts:
            assert coverage.uncoverable_reason(mappings)


def test_uncoverable_reasons_say_why() -> None:
    assert "no relationship" in coverage.uncoverable_reason([])
    reason = coverage.uncoverable_reason([("A", "superset of"), ("B", "intersects with")])
    assert "only superset-of control (A)" in reason and "B only intersects" in reason
