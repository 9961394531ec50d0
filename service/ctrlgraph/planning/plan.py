"""The minimal shared control set: the fewest (or, weighted, the least
effort of) common controls whose implementation covers every applicable
assessable requirement of the chosen frameworks under the gap analysis'
coverage rule — solved exactly (CP-SAT, with a time limit), compared with the
greedy answer, and checked against the gap analysis' rule before it is
returned. With an organization, only what is still open in its gap analysis
is planned for, and the controls it has in place come free.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ctrlgraph import routes
from ctrlgraph.analysis import gaps
from ctrlgraph.evidence import repository
from ctrlgraph.models import ControlState
from ctrlgraph.planning import OPEN_STATUSES, coverage, setcover
from ctrlgraph.planning.coverage import ControlInfo, Requirement
from ctrlgraph.planning.models import (
    FrameworkCount,
    GreedyReport,
    Plan,
    PlannedControl,
    SolverReport,
    Uncoverable,
)
from ctrlgraph.store.base import GraphStore


def effort_of(controls: Mapping[str, ControlInfo], notation: str) -> int:
    info = controls.get(notation)
    return info.effort if info else coverage.DEFAULT_EFFORT


@dataclass
class Planned:
    """A solved planning problem over some requirements."""

    requirements: list[Requirement]
    controls: Mapping[str, ControlInfo]
    weighted: bool
    fixed: frozenset[str]
    forbidden: Mapping[str, str]
    reduced: setcover.Reduced
    solution: setcover.CoverSolution
    by_key: dict[str, Requirement] = field(default_factory=dict)

    @property
    def chosen(self) -> list[str]:
        return sorted(self.solution.chosen)

    @property
    def effort(self) -> int:
        return sum(effort_of(self.controls, c) for c in self.solution.chosen)

    def closes(self) -> dict[str, list[Requirement]]:
        """For each chosen control, the requirements it closes in the plan: it is
        one of their covering controls, or completes their superset group."""
        present = self.fixed | self.solution.chosen
        result: dict[str, list[Requirement]] = {c: [] for c in self.chosen}
        for key in self.reduced.needs:
            req = self.by_key[key]
            alts = req.alternatives
            for c in self.chosen:
                if coverage.closed_by(alts, present, c):
                    result[c].append(req)
        return result

    def uncoverable(self, frameworks: Sequence[str] = ()) -> list[Uncoverable]:
        """Requirements no choice of controls covers, with the reason, in
        framework (as given) and document order."""
        result = []
        for key in list(self.reduced.empty) + list(self.reduced.blocked):
            req = self.by_key[key]
            if key in self.reduced.blocked:
                reason = "covered only by controls the organization excluded: " + "; ".join(
                    f"{c} ({self.forbidden.get(c) or 'no justification'})" for c in self.reduced.blocked[key]
                )
            else:
                reason = coverage.uncoverable_reason(req.mappings)
            result.append(
                Uncoverable(
                    framework=req.framework,
                    notation=req.notation,
                    title=req.title,
                    reason=reason,
                    controls=sorted({c for c, _ in req.mappings}),
                )
            )
        position = {f: i for i, f in enumerate(frameworks)}
        order = {r.key: (position.get(r.framework, len(position)), r.framework, r.order) for r in self.requirements}
        return sorted(result, key=lambda u: order[f"{u.framework}:{u.notation}"])

    def solver_report(self) -> SolverReport:
        s = self.solution
        return SolverReport(
            solver=setcover.solver_name(),
            objective="effort" if self.weighted else "controls",
            status=s.status,
            proven_optimal=s.proven_optimal,
            value=s.value,
            bound=s.bound,
            gap=round(s.gap, 4),
            time_limit=s.time_limit,
            wall_time=s.wall_time,
            tie_break=s.tie_break,
        )

    def greedy_report(self) -> GreedyReport:
        s = self.solution
        return GreedyReport(
            size=len(s.greedy),
            effort=sum(effort_of(self.controls, c) for c in s.greedy),
            value=s.greedy_value,
            controls=sorted(s.greedy),
            saved=s.greedy_value - s.value,
        )


def optimise(
    requirements: Sequence[Requirement],
    controls: Mapping[str, ControlInfo],
    *,
    weighted: bool = False,
    time_limit: float = 10.0,
    fixed: Iterable[str] = (),
    forbidden: Mapping[str, str] | None = None,
) -> Planned:
    """Solve the set cover of ``requirements`` with ``fixed`` controls in place at
    no cost and ``forbidden`` ones (notation -> why) never chosen, then check the
    answer with the gap analysis' rule."""
    fixed_set = frozenset(fixed)
    forbidden = dict(forbidden or {})
    by_key = {r.key: r for r in requirements}
    needs = {r.key: r.alternatives for r in requirements}
    reduced = setcover.reduce(needs, fixed_set, frozenset(forbidden))
    efforts = {c: effort_of(controls, c) for alts in reduced.needs.values() for a in alts for c in a}
    ones = dict.fromkeys(efforts, 1)
    solution = setcover.solve(
        reduced.needs,
        efforts if weighted else ones,
        time_limit=time_limit,
        secondary=ones if weighted else efforts,
        secondary_name="fewest controls" if weighted else "least effort",
    )
    present = fixed_set | solution.chosen
    wrong = [k for k in reduced.needs if not coverage.is_met(by_key[k].mappings, present)]
    if wrong:  # pragma: no cover - the set cover and the gap analysis disagree: a bug, never an answer
        raise AssertionError(f"the plan does not cover {wrong[:5]} under the gap analysis' rule")
    return Planned(list(requirements), controls, weighted, fixed_set, forbidden, reduced, solution, by_key)


def planned_controls(
    planned: Planned, states: Mapping[str, ControlState] | None = None, frameworks: Sequence[str] = ()
) -> list[PlannedControl]:
    position = {f: i for i, f in enumerate(frameworks)}
    result = []
    for c, reqs in planned.closes().items():
        info = planned.controls.get(c)
        by_framework: dict[str, list[str]] = defaultdict(list)
        through: dict[str, dict[str, str]] = defaultdict(dict)
        for r in reqs:
            by_framework[r.framework].append(r.notation)
            if c in r.through:
                through[r.framework][r.notation] = r.through[c]
        own_route = any(c not in r.through for r in reqs) or not reqs
        ordered = sorted(by_framework, key=lambda f: (position.get(f, 99), f))
        result.append(
            PlannedControl(
                notation=c,
                title=info.title if info else c,
                domain=info.domain if info else None,
                phase=info.phase if info else None,
                effort=effort_of(planned.controls, c),
                state=(states[c].state if c in states else "absent") if states is not None else None,
                frameworks=ordered,
                closes=len(reqs),
                requirements={f: by_framework[f] for f in ordered},
                route=", ".join([*(["controls"] if own_route else []), *([routes.DIRECT_CONTROL] if through else [])]),
                through={f: through[f] for f in ordered if f in through},
            )
        )
    return sorted(result, key=lambda p: (-len(p.frameworks), -p.closes, p.effort, p.notation))


def plan(
    store: GraphStore,
    framework_ids: Sequence[str],
    *,
    weighted: bool = False,
    time_limit: float = 10.0,
    org: str | None = None,
    as_of: date | None = None,
) -> Plan:
    """The minimal shared control set for the frameworks (for an organization:
    for what its gap analysis still shows open)."""
    frameworks = list(dict.fromkeys(framework_ids))
    controls = coverage.load_controls(store)
    states: dict[str, ControlState] | None = None
    if org is None:
        requirements: list[Requirement] = list(coverage.load_requirements(store, frameworks))
        considered = requirements
        planned = optimise(considered, controls, weighted=weighted, time_limit=time_limit)
        as_of_text = None
    else:
        as_of = as_of or date.today()
        analysis = gaps.analyse(
            store, org, repository.evidence_graph(org), repository.report_graph(org), frameworks, as_of
        )
        org_requirements = coverage.from_gap_analysis(analysis)
        requirements = list(org_requirements)
        states = coverage.org_control_states(analysis)
        in_place = sorted(c for c, s in states.items() if s.state == "in place")
        excluded = {c: s.justification or "" for c, s in states.items() if s.state == "not applicable"}
        considered = [r for r in org_requirements if r.status in OPEN_STATUSES]
        planned = optimise(
            considered, controls, weighted=weighted, time_limit=time_limit, fixed=in_place, forbidden=excluded
        )
        as_of_text = as_of.isoformat()
    counts = framework_counts(frameworks, requirements, planned)
    return Plan(
        frameworks=frameworks,
        organization=org,
        as_of=as_of_text,
        weighted=weighted,
        size=len(planned.chosen),
        effort=planned.effort,
        solver=planned.solver_report(),
        greedy=planned.greedy_report(),
        counts=counts,
        in_place=sorted(planned.fixed),
        controls=planned_controls(planned, states, frameworks),
        uncoverable=planned.uncoverable(frameworks),
    )


def framework_counts(
    frameworks: Sequence[str], requirements: Sequence[Requirement], planned: Planned
) -> list[FrameworkCount]:
    counts = {f: FrameworkCount(framework=f) for f in frameworks}
    for r in requirements:
        count = counts.setdefault(r.framework, FrameworkCount(framework=r.framework))
        count.requirements += 1
        status = getattr(r, "status", None)
        if status == "met":
            count.already_met += 1
        elif status == "not applicable":
            count.not_applicable += 1
    for key in [*planned.reduced.needs, *planned.reduced.already, *planned.reduced.empty, *planned.reduced.blocked]:
        count = counts[planned.by_key[key].framework]
        count.planned_for += 1
        if key in planned.reduced.empty or key in planned.reduced.blocked:
            count.uncoverable += 1
        else:
            count.coverable += 1
    return list(counts.values())


def route_cell(c: PlannedControl) -> str:
    """A planned control's route for a table cell: empty on the plain route
    (its requirements' own mappings), else the route and what it goes through."""
    if c.route == "controls":
        return ""
    through = "; ".join(f"{f} {n} via {t}" for f, m in c.through.items() for n, t in m.items())
    return f"{c.route} ({through})" if through else c.route
