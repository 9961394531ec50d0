"""The roadmap: an organization's open gaps (gap, partial and invalid verdicts
of its gap analysis) turned into a phased plan. The controls are the minimal
set that closes them (:func:`ctrlgraph.planning.plan.optimise`, controls in
place free, excluded ones never chosen); each is placed in its cg:roadmapPhase
(foundation -> development -> implementation -> certification preparation)
and, within a phase, controls that close requirements of more frameworks come
first. Each step names the requirements it closes in every framework and the
documents to produce (cg:documentationTier, named after the matching
cg:evidenceExpected item where there is one).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ctrlgraph import queries
from ctrlgraph.analysis import gaps
from ctrlgraph.evidence import repository
from ctrlgraph.planning import OPEN_STATUSES, coverage
from ctrlgraph.planning.coverage import ControlInfo
from ctrlgraph.planning.models import DocumentToProduce, Roadmap, RoadmapPhase, RoadmapStep, SystemEvidenceNeed
from ctrlgraph.planning.plan import effort_of, optimise
from ctrlgraph.reference import term_names
from ctrlgraph.store.base import GraphStore, Iri, bind

ACTIONS = {
    "absent": "implement",
    "planned": "complete the planned implementation",
    "unevidenced": "collect evidence",
    "invalid": "renew evidence",
    "in place for some systems": "extend to every AI system in scope",
}
#: Words by which an evidence-expected item names a document of a tier.
TIER_WORDS = {
    "policy": re.compile(r"\bpolic(y|ies)\b", re.I),
    "procedure": re.compile(r"\b(procedure|process|method|plan)s?\b", re.I),
    "work instruction": re.compile(r"\b(instruction|checklist|template|playbook|runbook|guide)s?\b", re.I),
}
UNPHASED = "unphased"
PLURALS = {"policy": "policies"}


def documents(info: ControlInfo | None) -> list[DocumentToProduce]:
    """The documents a control needs: one per tier above records (policy,
    procedure, work instruction), named after the evidence-expected item that
    mentions it, else after the control. Records are its evidence expected."""
    if info is None:
        return []
    result = []
    for tier in info.tiers:
        if tier == "record":
            continue
        pattern = TIER_WORDS.get(tier)
        named = next((e for e in info.evidence_expected if pattern and pattern.search(e)), None)
        result.append(DocumentToProduce(tier=tier, name=named or f"{info.title} ({tier})"))
    return result


def _findings(store: GraphStore, org: str) -> dict[str, list[str]]:
    text = bind(queries.load("planning/org_findings"), {"evidence": Iri(repository.evidence_graph(org))})
    rows = store.select(text)  # the evidence alone; names come from the reference graphs
    names = term_names(store, [str(r[k]) for r in rows for k in ("control", "statusIri") if k in r])
    result: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        notation = names.get(str(row["control"]), (None, None))[0]
        if notation is None:  # not a reference control
            continue
        status = names.get(str(row.get("statusIri", "")), (None, None))[1] or ""
        if status == "closed":
            continue
        label = str(row.get("label", row["finding"]))
        audit = f", {row['audit']}" if "audit" in row else ""
        result[notation].append(f"{label} ({status or 'status not recorded'}{audit})")
    return dict(sorted(result.items()))


def roadmap(
    store: GraphStore,
    org: str,
    framework_ids: Sequence[str],
    *,
    as_of: date | None = None,
    weighted: bool = True,
    time_limit: float = 10.0,
) -> Roadmap:
    frameworks = list(dict.fromkeys(framework_ids))
    as_of = as_of or date.today()
    analysis = gaps.analyse(store, org, repository.evidence_graph(org), repository.report_graph(org), frameworks, as_of)
    requirements = coverage.from_gap_analysis(analysis)
    blocking = {f"{r.framework}:{r.notation}" for r in analysis.requirements if r.certification_blocking}
    states = coverage.org_control_states(analysis)
    controls = coverage.load_controls(store)
    open_requirements = [r for r in requirements if r.status in OPEN_STATUSES]
    planned = optimise(
        open_requirements,
        controls,
        weighted=weighted,
        time_limit=time_limit,
        fixed=[c for c, s in states.items() if s.state == "in place"],
        forbidden={c: s.justification or "" for c, s in states.items() if s.state == "not applicable"},
    )
    potential = planned.closes()
    findings = _findings(store, org)
    position = {f: i for i, f in enumerate(frameworks)}

    def by_framework(notations: dict[str, list[str]]) -> dict[str, list[str]]:
        return {f: notations[f] for f in sorted(notations, key=lambda f: (position.get(f, 99), f))}

    def phase_of(c: str) -> tuple[int, str]:
        info = controls.get(c)
        return (info.phase_order, info.phase or UNPHASED) if info else (99, UNPHASED)

    # Shared controls first within a phase: by the frameworks (then requirements) each closes in the plan.
    order = sorted(
        planned.chosen,
        key=lambda c: (
            phase_of(c)[0],
            -len({r.framework for r in potential[c]}),
            -len(potential[c]),
            effort_of(controls, c),
            c,
        ),
    )
    # Each requirement is closed by the step that completes it, in roadmap order.
    present = set(planned.fixed)
    still_open = {k: planned.by_key[k].alternatives for k in planned.reduced.needs}
    steps: list[RoadmapStep] = []
    for number, c in enumerate(order, start=1):
        present.add(c)
        closed_now = sorted(
            (planned.by_key[k] for k, alts in still_open.items() if any(a <= present for a in alts)),
            key=lambda r: (position.get(r.framework, 99), r.order),
        )
        closed: dict[str, list[str]] = defaultdict(list)
        for r in closed_now:
            closed[r.framework].append(r.notation)
            del still_open[r.key]
        closed_keys = {r.key for r in closed_now}
        helps: dict[str, list[str]] = defaultdict(list)
        for r in open_requirements:
            if r.key not in closed_keys and any(m == c for m, _ in r.mappings):
                helps[r.framework].append(r.notation)
        info = controls.get(c)
        state = states[c].state if c in states else "absent"
        steps.append(
            RoadmapStep(
                step=number,
                phase=phase_of(c)[1],
                control=c,
                title=info.title if info else c,
                domain=info.domain if info else None,
                effort=effort_of(controls, c),
                action=ACTIONS.get(state, "implement"),
                state=state,
                frameworks=sorted({r.framework for r in potential[c]}, key=lambda f: (position.get(f, 99), f)),
                closes=by_framework(closed),
                contributes=by_framework(helps),
                documents=documents(info),
                evidence=list(info.evidence_expected) if info else [],
                problems=states[c].problems if c in states else [],
                findings=findings.get(c, []),
                closes_blocking=[f"{r.framework}:{r.notation}" for r in closed_now if r.key in blocking],
            )
        )
    phase_order = {phase_of(s.control)[1]: phase_of(s.control)[0] for s in steps}
    phases: list[RoadmapPhase] = []
    for s in steps:
        if not phases or phases[-1].phase != s.phase:
            phases.append(
                RoadmapPhase(phase=s.phase, order=phase_order[s.phase], steps=[], effort=0, closes=0, documents={})
            )
        phases[-1].steps.append(s)
    for p in phases:
        p.effort = sum(s.effort for s in p.steps)
        p.closes = len({(f, n) for s in p.steps for f, ns in s.closes.items() for n in ns})
        tiers: dict[str, int] = defaultdict(int)
        for s in p.steps:
            for d in s.documents:
                if d.tier != "record":
                    tiers[d.tier] += 1
        p.documents = {t: tiers[t] for t in sorted(tiers, key=lambda t: coverage.TIER_ORDER.get(t, 9))}
    closed_total = {r.key for reqs in potential.values() for r in reqs}
    uncoverable = planned.uncoverable(frameworks)
    placed = closed_total | {f"{u.framework}:{u.notation}" for u in uncoverable}
    system_evidence: list[SystemEvidenceNeed] = []
    for r in analysis.requirements:
        key = f"{r.framework}:{r.notation}"
        if key in placed or r.status not in OPEN_STATUSES or not r.systems:
            continue
        open_systems = [v for v in r.systems if v.status in OPEN_STATUSES]
        controls = sorted(
            {
                c.control
                for v in open_systems
                for c in v.controls
                if c.state != "in place" and c.state != "not applicable"
            }
        )
        names = [v.name for v in open_systems]
        system_evidence.append(
            SystemEvidenceNeed(
                framework=r.framework,
                notation=r.notation,
                title=r.title,
                systems=names,
                controls=controls,
                action=f"show {', '.join(controls)} working for {', '.join(names)}: collect evidence about "
                "each system (cg:aboutSystem)",
            )
        )
    return Roadmap(
        organization=org,
        as_of=as_of.isoformat(),
        frameworks=frameworks,
        open_requirements=len(open_requirements),
        closed_by_plan=len(closed_total),
        effort=planned.effort,
        solver=planned.solver_report(),
        phases=phases,
        uncoverable=uncoverable,
        system_evidence=system_evidence,
    )


def _join(by_framework: dict[str, list[str]]) -> str:
    return "; ".join(f"{f} {', '.join(n)}" for f, n in by_framework.items())


def markdown(result: Roadmap) -> str:
    """The roadmap as a Markdown document."""
    lines = [
        f"# Roadmap for {result.organization} (as of {result.as_of})",
        "",
        f"Frameworks: {', '.join(result.frameworks)}. Open requirements: {result.open_requirements}; "
        f"closed by this plan: {result.closed_by_plan}; total effort: {result.effort} "
        f"({sum(len(p.steps) for p in result.phases)} controls; plan {result.solver.status}"
        f"{', proven optimal' if result.solver.proven_optimal else f', gap {result.solver.gap:.1%}'}).",
    ]
    for p in result.phases:
        docs = ", ".join(f"{n} {t if n == 1 else PLURALS.get(t, t + 's')}" for t, n in p.documents.items()) or "none"
        lines += [
            "",
            f"## Phase {p.order}: {p.phase}",
            "",
            f"{len(p.steps)} step(s), effort {p.effort}, closes {p.closes} requirement(s). "
            f"Documents to produce: {docs}.",
        ]
        for s in p.steps:
            lines += ["", f"### {s.step}. {s.control} {s.title} — {s.action}", ""]
            lines.append(f"- Current state: {s.state}; effort {s.effort}; domain {s.domain or '-'}")
            lines.append(f"- Closes: {_join(s.closes) or 'nothing on its own'}")
            if s.closes_blocking:
                lines.append(f"- Certification-blocking (mandatory clauses): {', '.join(s.closes_blocking)}")
            if s.contributes:
                lines.append(f"- Helps with: {_join(s.contributes)}")
            for d in s.documents:
                lines.append(f"- Document ({d.tier}): {d.name}")
            for problem in s.problems:
                lines.append(f"- Evidence problem: {problem}")
            for finding in s.findings:
                lines.append(f"- Audit finding: {finding}")
    if result.uncoverable:
        lines += ["", "## Not closed by any common control", ""]
        lines += [f"- {u.framework} {u.notation} {u.title}: {u.reason}" for u in result.uncoverable]
    if result.system_evidence:
        lines += ["", "## Evidence to collect per AI system", ""]
        lines += [f"- {n.framework} {n.notation} {n.title}: {n.action}" for n in result.system_evidence]
    return "\n".join(lines) + "\n"


HEADER = [
    "step", "phase", "control", "title", "action", "state", "effort", "frameworks", "closes", "contributes",
    "documents", "evidence", "findings", "certification blocking",
]  # fmt: skip


def rows(result: Roadmap) -> list[list[object]]:
    return [
        [
            s.step,
            s.phase,
            s.control,
            s.title,
            s.action,
            s.state,
            s.effort,
            " ".join(s.frameworks),
            _join(s.closes),
            _join(s.contributes),
            "; ".join(f"{d.tier}: {d.name}" for d in s.documents),
            "; ".join(s.evidence),
            "; ".join(s.findings),
            " ".join(s.closes_blocking),
        ]
        for p in result.phases
        for s in p.steps
    ]
