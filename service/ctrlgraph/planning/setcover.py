"""Set cover with "all of these together" alternatives, solved exactly with
OR-Tools CP-SAT and, for comparison, greedily.

Pure functions on a coverage structure, independent of RDF: ``needs`` maps
each element to cover (a requirement) to its alternatives, each a set of
controls that covers it when all are chosen (see
:func:`ctrlgraph.planning.coverage.alternatives`). ``weights`` gives each
control's cost (1 each to minimise the number of controls, cg:effort to
minimise effort).

The integer program: a 0/1 variable x_c per control; for each alternative
with two or more controls a 0/1 variable y_a with y_a <= x_c for each of its
controls; for each element, the sum of its singleton x_c and its y_a is at
least 1; minimise the sum of w_c x_c. The greedy answer is handed to CP-SAT as
a hint, and kept if the solver finds nothing better within the time limit, so
the answer is never worse than greedy.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Needs = Mapping[str, Sequence[frozenset[str]]]


@dataclass
class Reduced:
    """A problem after taking controls already in place and forbidden ones into account."""

    needs: dict[str, list[frozenset[str]]]
    #: elements already covered by the controls in place
    already: set[str] = field(default_factory=set)
    #: elements whose every alternative needs a forbidden control -> those controls
    blocked: dict[str, list[str]] = field(default_factory=dict)
    #: elements with no alternative at all
    empty: set[str] = field(default_factory=set)


def reduce(needs: Needs, fixed: frozenset[str] = frozenset(), forbidden: frozenset[str] = frozenset()) -> Reduced:
    """Drop alternatives that need a forbidden control, take the fixed (already
    in place) controls out of the others, and sort out what is left to cover."""
    result = Reduced(needs={})
    for element, alts in needs.items():
        if not alts:
            result.empty.add(element)
            continue
        usable = [a for a in alts if not (a & forbidden)]
        if not usable:
            result.blocked[element] = sorted(set().union(*alts) & forbidden)
            continue
        remaining = [a - fixed for a in usable]
        if any(not a for a in remaining):
            result.already.add(element)
            continue
        result.needs[element] = sorted(set(remaining), key=lambda a: (len(a), sorted(a)))
    return result


def uncovered(needs: Needs, chosen: set[str] | frozenset[str]) -> list[str]:
    """Elements that no alternative contained in ``chosen`` covers."""
    return [e for e, alts in needs.items() if not any(a <= chosen for a in alts)]


def value_of(chosen: set[str] | frozenset[str], weights: Mapping[str, int]) -> int:
    return sum(weights.get(c, 1) for c in chosen)


def greedy(needs: Needs, weights: Mapping[str, int]) -> set[str]:
    """The greedy set cover: repeatedly take the move that covers the most
    uncovered elements per unit of weight. A move is one control (it covers
    the elements for which it completes an alternative), or, for an element
    that no single control can complete, the missing controls of its cheapest
    alternative. Ties go to the larger gain, then to the smaller notation."""
    by_control: dict[str, list[str]] = defaultdict(list)
    for element, alts in needs.items():
        for c in set().union(*alts) if alts else set():
            by_control[c].append(element)
    chosen: set[str] = set()
    open_ = {e for e, alts in needs.items() if alts}
    completing: dict[str, set[str]] = {}
    gain: dict[str, int] = defaultdict(int)

    def completers(element: str) -> set[str]:
        found: set[str] = set()
        for alt in needs[element]:
            missing = alt - chosen
            if len(missing) == 1:
                found |= missing
        return found

    for element in open_:
        completing[element] = completers(element)
        for c in completing[element]:
            gain[c] += 1

    def refresh(elements: list[str]) -> None:
        for element in elements:
            if element not in open_:
                continue
            for c in completing[element]:
                gain[c] -= 1
            if any(a <= chosen for a in needs[element]):
                open_.discard(element)
                completing[element] = set()
                continue
            completing[element] = completers(element)
            for c in completing[element]:
                gain[c] += 1

    while open_:
        best: tuple[float, int, str] | None = None
        move: set[str] = set()
        for c, g in gain.items():
            if g <= 0 or c in chosen:
                continue
            key = (g / max(weights.get(c, 1), 1), g, c)
            if best is None or (key[0], key[1]) > (best[0], best[1]) or (key[:2] == best[:2] and c < best[2]):
                best, move = key, {c}
        for element in sorted(e for e in open_ if not completing[e]):
            alt = min(needs[element], key=lambda a: (value_of(a - chosen, weights), sorted(a)))
            missing = alt - chosen
            trial = chosen | missing
            touched = {e for c in missing for e in by_control[c] if e in open_}
            g = sum(1 for e in touched if any(a <= trial for a in needs[e]))
            cost = max(value_of(missing, weights), 1)
            label = ",".join(sorted(missing))
            key = (g / cost, g, label)
            if best is None or (key[0], key[1]) > (best[0], best[1]) or (key[:2] == best[:2] and label < best[2]):
                best, move = key, set(missing)
        if not move:  # pragma: no cover - every open element has an alternative, so some move gains
            raise RuntimeError("greedy set cover found no move")
        chosen |= move
        refresh(sorted({e for c in move for e in by_control[c]}))
    return chosen


@dataclass
class CoverSolution:
    chosen: frozenset[str]
    value: int
    bound: float
    status: str  # optimal | feasible | greedy | trivial
    proven_optimal: bool
    wall_time: float
    time_limit: float
    greedy: frozenset[str]
    greedy_value: int
    tie_break: str | None = None

    @property
    def gap(self) -> float:
        return 0.0 if self.proven_optimal or self.value == 0 else max(0.0, (self.value - self.bound) / self.value)


def solver_name() -> str:
    from importlib.metadata import version

    return f"OR-Tools CP-SAT {version('ortools')}"


#: CP-SAT search workers. Its portfolio needs about eight to include the
#: workers that raise the lower bound (LP, core-based search): with two, the
#: synthetic 20-framework instance ends with half the bound it proves with eight.
DEFAULT_WORKERS = 8


def solve(
    needs: Needs,
    weights: Mapping[str, int],
    *,
    time_limit: float = 10.0,
    secondary: Mapping[str, int] | None = None,
    secondary_name: str | None = None,
    workers: int | None = None,
    seed: int = 0,
) -> CoverSolution:
    """The cheapest set of controls that covers every element of ``needs``
    (each element must have at least one alternative; see :func:`reduce`).

    With ``secondary`` weights, once the primary optimum is proven, the rest of
    the time (at most as long again as the main solve) goes to the cheapest
    answer by the secondary weights among those of optimal primary value (a
    tie-break, e.g. least effort among smallest sets).
    """
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    missing = [e for e, alts in needs.items() if not alts]
    if missing:
        raise ValueError(f"elements without an alternative: {missing[:5]}")
    greedy_set = frozenset(greedy(needs, weights))
    greedy_value = value_of(greedy_set, weights)
    if not needs:
        return CoverSolution(frozenset(), 0, 0.0, "trivial", True, 0.0, time_limit, greedy_set, greedy_value)

    model = cp_model.CpModel()
    controls = sorted(set().union(*(a for alts in needs.values() for a in alts)))
    x = {c: model.new_bool_var(f"x[{c}]") for c in controls}
    groups: dict[frozenset[str], cp_model.IntVar] = {}
    for element in sorted(needs):
        literals = []
        for alt in needs[element]:
            if len(alt) == 1:
                literals.append(x[next(iter(alt))])
                continue
            y = groups.get(alt)
            if y is None:
                y = groups[alt] = model.new_bool_var(f"y[{','.join(sorted(alt))}]")
                for c in sorted(alt):
                    model.add_implication(y, x[c])
            literals.append(y)
        model.add_bool_or(literals)
    objective = sum(weights.get(c, 1) * x[c] for c in controls)
    model.minimize(objective)
    for c in controls:
        model.add_hint(x[c], c in greedy_set)
    for alt, y in groups.items():
        model.add_hint(y, alt <= greedy_set)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers or DEFAULT_WORKERS
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    proven = code == cp_model.OPTIMAL
    bound = float(solver.best_objective_bound) if found or code == cp_model.UNKNOWN else 0.0
    bound = max(0.0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0.0
    chosen = frozenset(c for c in controls if found and solver.boolean_value(x[c]))
    value = value_of(chosen, weights)
    status = "optimal" if proven else "feasible"
    if not found or value > greedy_value or uncovered(needs, chosen):
        chosen, value, status = greedy_set, greedy_value, "greedy"
        proven = bound >= greedy_value
        if proven:
            status = "optimal"
    tie_break = None
    elapsed = time.perf_counter() - start
    # The tie-break gets what is left of the time limit, but no more than the main solve took (at least 1 s).
    remaining = min(time_limit - elapsed, max(1.0, elapsed))
    if proven and secondary is not None and remaining > 0.05:
        model.add(objective == value)
        model.minimize(sum(secondary.get(c, 1) * x[c] for c in controls))
        model.clear_hints()
        for c in controls:
            model.add_hint(x[c], c in chosen)
        for alt, y in groups.items():
            model.add_hint(y, alt <= chosen)
        solver.parameters.max_time_in_seconds = remaining
        code = solver.solve(model)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = frozenset(c for c in controls if solver.boolean_value(x[c]))
            if not uncovered(needs, candidate) and value_of(candidate, weights) == value:
                chosen = candidate
                proof = "proven" if code == cp_model.OPTIMAL else "best found"
                tie_break = f"{secondary_name or 'secondary'} ({proof})"
    return CoverSolution(
        chosen=chosen,
        value=value,
        bound=float(value) if proven else bound,
        status=status,
        proven_optimal=proven,
        wall_time=round(time.perf_counter() - start, 3),
        time_limit=time_limit,
        greedy=greedy_set,
        greedy_value=greedy_value,
        tie_break=tie_break,
    )
