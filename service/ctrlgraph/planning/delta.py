"""Certification deltas: what remains for the target frameworks (``want``)
given the frameworks already implemented (``have``: every control that covers
one of their requirements — mapped as equal, subset of or superset of — is
taken to be in place) and/or what an organization's evidence shows (the
controls its gap analysis finds in place).

Each target requirement is then satisfied (met under the gap analysis' rule
by the controls in place), partial (something in place, not enough; or, for
an organization, in place with evidence that does not count) or open; the new
controls needed are the minimal set (as :mod:`.plan`) that closes the rest,
ordered by how many requirements each closes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ctrlgraph import catalog, routes
from ctrlgraph.analysis import gaps
from ctrlgraph.evidence import repository
from ctrlgraph.planning import BadParameter, coverage
from ctrlgraph.planning.coverage import Requirement
from ctrlgraph.planning.models import Delta, DeltaControl, DeltaRequirement, DeltaSummary, NewControl
from ctrlgraph.planning.plan import effort_of, optimise
from ctrlgraph.store.base import GraphStore

IN_PLACE_RELATIONSHIPS = {*gaps.COVERS, coverage.SUPERSET}
STATUS = {"met": "satisfied", "partial": "partial", "invalid": "partial", "gap": "open"}


def delta(
    store: GraphStore,
    have: Sequence[str],
    want: Sequence[str],
    *,
    org: str | None = None,
    as_of: date | None = None,
    weighted: bool = False,
    time_limit: float = 10.0,
) -> Delta:
    have = list(dict.fromkeys(have))
    want = list(dict.fromkeys(want))
    if not want:
        raise BadParameter("want", "give at least one target framework (want=…)")
    if not have and org is None:
        raise BadParameter("have", "give the frameworks already implemented (have=…), or an organization (org=…)")
    known = catalog.framework_iris(store)
    for f in [*have, *want]:
        catalog.resolve_framework(store, f, known)
    both = [f for f in want if f in have]
    if both:
        raise BadParameter("want", f"{', '.join(both)} is already in have; ask for frameworks not yet implemented")
    controls = coverage.load_controls(store)

    # What is in place, and why.
    via: dict[str, list[str]] = defaultdict(list)
    for r in coverage.load_requirements(store, have):
        for c, rel in r.mappings:
            if rel in IN_PLACE_RELATIONSHIPS:
                via[c].append(r.key)
    assumed = set(via)
    states: dict[str, str] = {}
    excluded: dict[str, str] = {}
    analysed: dict[str, coverage.OrgRequirement] = {}
    if org is not None:
        as_of = as_of or date.today()
        analysis = gaps.analyse(store, org, repository.evidence_graph(org), repository.report_graph(org), want, as_of)
        for r in coverage.from_gap_analysis(analysis):
            analysed[r.key] = r
        for c, s in coverage.org_control_states(analysis).items():
            states[c] = s.state
            if s.state == "in place":
                via[c].extend(f"evidence: {e}" for e in s.evidence)
            elif s.state == "not applicable":
                excluded[c] = s.justification or ""
    in_place = assumed | {c for c, s in states.items() if s == "in place"}
    requirements: list[Requirement] = (
        list(analysed.values()) if org is not None else list(coverage.load_requirements(store, want))
    )

    entries: list[DeltaRequirement] = []
    remaining: list[Requirement] = []
    for r in requirements:
        verdict, reason = coverage.status(r.mappings, in_place)
        org_req = analysed.get(r.key)
        if org_req is not None and org_req.status == "not applicable":
            status, reason = "not applicable", org_req.reason
        elif verdict == "met":
            status = "satisfied"
            if org_req is not None and org_req.status == "met":
                reason = org_req.reason
        elif org_req is not None and org_req.status != "gap":
            status, reason = STATUS[org_req.status], org_req.reason
        else:
            status = STATUS[verdict]
        if status in ("partial", "open"):
            remaining.append(r)

        def state(c: str) -> str:
            if c in in_place:
                return "in place"
            return states.get(c, "absent")

        entries.append(
            DeltaRequirement(
                framework=r.framework,
                notation=r.notation,
                title=r.title,
                status=status,
                reason=reason,
                controls=[
                    DeltaControl(
                        control=c,
                        relationship=rel,
                        state=state(c),
                        via=sorted(via.get(c, [])),
                        route=routes.DIRECT_CONTROL if c in r.through else "controls",
                        through=r.through.get(c),
                    )
                    for c, rel in r.mappings
                ],
            )
        )

    planned = optimise(
        remaining, controls, weighted=weighted, time_limit=time_limit, fixed=in_place, forbidden=excluded
    )
    new_controls = sorted(
        (
            NewControl(
                notation=c,
                title=controls[c].title if c in controls else c,
                domain=controls[c].domain if c in controls else None,
                phase=controls[c].phase if c in controls else None,
                effort=effort_of(controls, c),
                closes=len(reqs),
                requirements=[r.key for r in reqs],
            )
            for c, reqs in planned.closes().items()
        ),
        key=lambda n: (-n.closes, n.effort, n.notation),
    )
    uncoverable = planned.uncoverable(want)
    not_coverable = {f"{u.framework}:{u.notation}" for u in uncoverable}
    summary = []
    for f in want:
        mine = [e for e in entries if e.framework == f]
        count = {s: sum(1 for e in mine if e.status == s) for s in ("satisfied", "partial", "open", "not applicable")}
        applicable = len(mine) - count["not applicable"]
        summary.append(
            DeltaSummary(
                framework=f,
                applicable=applicable,
                satisfied=count["satisfied"],
                partial=count["partial"],
                open=count["open"],
                not_applicable=count["not applicable"],
                uncoverable=sum(1 for e in mine if f"{e.framework}:{e.notation}" in not_coverable),
                percent_satisfied=round(100 * count["satisfied"] / applicable, 1) if applicable else 100.0,
            )
        )
    return Delta(
        have=have,
        want=want,
        organization=org,
        as_of=as_of.isoformat() if org is not None and as_of else None,
        in_place=sorted(in_place),
        summary=summary,
        requirements=entries,
        new_controls=new_controls,
        effort=planned.effort,
        solver=planned.solver_report(),
        greedy=planned.greedy_report(),
        uncoverable=uncoverable,
    )


def route_cell(r: DeltaRequirement) -> str:
    """A delta requirement's controls reached another way than its own mapping."""
    return "; ".join(
        f"{c.control} {c.route}" + (f" via {c.through}" if c.through else "")
        for c in r.controls
        if c.route != "controls"
    )
