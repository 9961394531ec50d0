"""Typed views of the planning answers: what /v1/plan, /v1/plan/delta,
/v1/orgs/{org}/soa, /v1/orgs/{org}/roadmap and /v1/integration return.

Shapes of answers, not a second copy of the model: every field is filled from
SPARQL results over the graph (and, for an organization, its gap analysis).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


# --------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------
class SolverReport(BaseModel):
    solver: str = Field(description="The integer-programming solver used (OR-Tools CP-SAT and its version)")
    objective: str = Field(description="What is minimised: 'controls' (their number) or 'effort' (sum of cg:effort)")
    status: str = Field(
        description="optimal (proven) | feasible (time limit reached; bound reported) | "
        "greedy (the solver found nothing better than the greedy answer in time) | trivial (nothing to cover)"
    )
    proven_optimal: bool
    value: float = Field(description="Objective value of the answer")
    bound: float = Field(description="Best lower bound proven on the objective")
    gap: float = Field(description="(value - bound) / value; 0 when proven optimal")
    time_limit: float = Field(description="Seconds the solver was allowed")
    wall_time: float = Field(description="Seconds the solver used")
    tie_break: str | None = Field(
        default=None, description="Among answers of equal objective, the secondary criterion minimised (if proven)"
    )


class GreedyReport(BaseModel):
    size: int = Field(description="Controls the greedy set cover takes")
    effort: int = Field(description="Their total effort")
    value: float = Field(description="Its value on the same objective as the solver")
    controls: list[str]
    saved: float = Field(description="How much the exact answer saves over the greedy one (same objective)")


class Uncoverable(BaseModel):
    framework: str
    notation: str
    title: str
    reason: str = Field(description="Why no choice of common controls covers it under the coverage rule")
    controls: list[str] = Field(default_factory=list, description="Mapped controls that would contribute, if any")


class SystemEvidenceNeed(BaseModel):
    framework: str
    notation: str
    title: str
    systems: list[str] = Field(description="The AI systems without valid evidence for it")
    controls: list[str] = Field(description="The controls to evidence for those systems")
    action: str


class PlannedControl(BaseModel):
    notation: str
    title: str
    domain: str | None = None
    phase: str | None = None
    effort: int
    state: str | None = Field(default=None, description="With an organization: its current state of the control")
    frameworks: list[str] = Field(description="Frameworks with a requirement this control closes in the plan")
    closes: int = Field(description="Requirements it closes in the plan (alone, or with the other superset controls)")
    requirements: dict[str, list[str]] = Field(description="The requirements it closes, by framework")
    route: str = Field(
        "controls",
        description="How the requirements it closes reach it: 'controls' (their own mappings), 'direct+control' "
        "(no mapping of their own: a direct mapping to another framework's requirement composed with that "
        "requirement's mapping, see 'through'), or 'controls, direct+control' (some each way)",
    )
    through: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="The requirements it closes by the direct+control route, by framework: notation -> the linked "
        "requirement ('framework notation') whose mapping the direct mapping composes with",
    )


class FrameworkCount(BaseModel):
    framework: str
    requirements: int = Field(default=0, description="Assessable requirements")
    already_met: int = Field(default=0, description="Met already (organization)")
    not_applicable: int = Field(default=0, description="Not applicable (organization: exclusions, AI Act rules)")
    planned_for: int = Field(default=0, description="Requirements the plan has to cover (all, or those still open)")
    coverable: int = Field(default=0, description="Of those, coverable by common controls")
    uncoverable: int = Field(default=0, description="Of those, not coverable (listed under uncoverable)")


# --------------------------------------------------------------------------
# Minimal shared control set
# --------------------------------------------------------------------------
class Plan(BaseModel):
    frameworks: list[str]
    organization: str | None = None
    as_of: str | None = None
    weighted: bool = Field(description="True: minimise total effort (cg:effort); false: the number of controls")
    size: int = Field(description="Controls to implement")
    effort: int = Field(description="Their total effort")
    solver: SolverReport
    greedy: GreedyReport
    counts: list[FrameworkCount]
    in_place: list[str] = Field(
        default_factory=list, description="Controls already in place (organization), used at no cost"
    )
    controls: list[PlannedControl]
    uncoverable: list[Uncoverable]


# --------------------------------------------------------------------------
# Certification deltas
# --------------------------------------------------------------------------
class DeltaControl(BaseModel):
    control: str
    relationship: str
    state: str = Field(description="in place | absent (or the organization's state of the control)")
    via: list[str] = Field(
        default_factory=list,
        description="Why it is in place: the held frameworks' requirements it serves, or its evidence",
    )
    route: str = Field(
        "controls",
        description="How the requirement reaches the control: 'controls' (its own mapping) or 'direct+control' "
        "(a direct mapping to another framework's requirement, 'through', composed with that one's mapping)",
    )
    through: str | None = Field(None, description="direct+control: the linked requirement ('framework notation')")


class DeltaRequirement(BaseModel):
    framework: str
    notation: str
    title: str
    status: str = Field(description="satisfied | partial | open | not applicable")
    reason: str
    controls: list[DeltaControl]


class DeltaSummary(BaseModel):
    framework: str
    applicable: int
    satisfied: int
    partial: int
    open: int
    not_applicable: int
    uncoverable: int
    percent_satisfied: float


class NewControl(BaseModel):
    notation: str
    title: str
    domain: str | None = None
    phase: str | None = None
    effort: int
    closes: int = Field(description="Open or partial requirements it closes, given what is in place")
    requirements: list[str] = Field(description="framework:notation of those requirements")


class Delta(BaseModel):
    have: list[str]
    want: list[str]
    organization: str | None = None
    as_of: str | None = None
    in_place: list[str] = Field(description="Controls taken to be in place")
    summary: list[DeltaSummary]
    requirements: list[DeltaRequirement]
    new_controls: list[NewControl] = Field(description="The minimal set of new controls, most closing first")
    effort: int = Field(description="Total effort of the new controls")
    solver: SolverReport
    greedy: GreedyReport
    uncoverable: list[Uncoverable]


# --------------------------------------------------------------------------
# Statement of Applicability
# --------------------------------------------------------------------------
class Basis(BaseModel):
    kind: str = Field(description="organization | legal | requirement | risk | risk treatment | exclusion")
    reference: str = Field(description="What it rests on: a requirement, an AI system, a control")
    detail: str


class SoaControl(BaseModel):
    control: str = Field(description="Common control notation")
    title: str
    relationship: str
    state: str
    owner_justification: str | None = None
    evidence: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)


class SoaEntry(BaseModel):
    framework: str
    notation: str
    title: str
    theme: str | None = None
    applicable: bool
    justification: str = Field(description="Why it is included (or why excluded), in one line")
    bases: list[Basis]
    status: str = Field(
        description="implemented | implemented, evidence not valid | partially implemented | planned | "
        "not implemented | not applicable"
    )
    verdict: str = Field(description="The gap analysis verdict (met / partial / gap / invalid / not applicable)")
    reason: str = Field(description="The gap analysis reason")
    certification_blocking: bool = Field(
        default=False,
        description="Included in the SoA but not implemented (gap) or without valid evidence (invalid): a "
        "nonconformity at a certification audit. Excluded controls never block",
    )
    controls: list[SoaControl]


class SoaSummary(BaseModel):
    framework: str
    controls: int
    applicable: int
    excluded: int
    implemented: int
    partially_implemented: int
    not_implemented: int


class StatementOfApplicability(BaseModel):
    organization: str
    as_of: str
    frameworks: list[str]
    summary: list[SoaSummary]
    entries: list[SoaEntry]


# --------------------------------------------------------------------------
# Roadmap
# --------------------------------------------------------------------------
class DocumentToProduce(BaseModel):
    tier: str = Field(description="policy | procedure | work instruction | record")
    name: str


class RoadmapStep(BaseModel):
    step: int
    phase: str
    control: str
    title: str
    domain: str | None = None
    effort: int
    action: str = Field(description="implement | complete the planned implementation | collect / renew evidence")
    state: str = Field(description="The organization's current state of the control")
    frameworks: list[str] = Field(
        description="Frameworks this control serves in the plan (it covers some of their open requirements, "
        "alone or with other superset controls); steps serving more frameworks come first within a phase"
    )
    closes: dict[str, list[str]] = Field(
        description="Requirements this step closes, by framework: those it completes, given the earlier steps"
    )
    contributes: dict[str, list[str]] = Field(
        default_factory=dict, description="Open requirements it helps with but does not close alone"
    )
    documents: list[DocumentToProduce]
    evidence: list[str] = Field(description="Evidence expected (cg:evidenceExpected)")
    problems: list[str] = Field(default_factory=list, description="Why current evidence does not count")
    findings: list[str] = Field(default_factory=list, description="Open internal-audit findings about the control")
    closes_blocking: list[str] = Field(
        default_factory=list,
        description="framework:notation of the certification-blocking requirements (gaps on mandatory clauses "
        "4-10) this step closes: do these before the certification audit",
    )


class RoadmapPhase(BaseModel):
    phase: str
    order: int
    steps: list[RoadmapStep]
    effort: int
    closes: int = Field(description="Distinct requirements closed in this phase")
    documents: dict[str, int] = Field(description="Documents to produce in this phase, by tier")


class Roadmap(BaseModel):
    organization: str
    as_of: str
    frameworks: list[str]
    open_requirements: int = Field(description="Requirements with status gap, partial or invalid")
    closed_by_plan: int
    effort: int
    solver: SolverReport
    phases: list[RoadmapPhase]
    uncoverable: list[Uncoverable] = Field(
        description="Open requirements no common control closes: they need measures outside the control set"
    )
    system_evidence: list[SystemEvidenceNeed] = Field(
        default_factory=list,
        description="Open AI Act obligations judged per system whose controls are in place for the organization "
        "but not shown for these systems: collect evidence about each system (cg:aboutSystem)",
    )


# --------------------------------------------------------------------------
# Integration view
# --------------------------------------------------------------------------
class LinkedRequirement(BaseModel):
    notation: str
    title: str
    relationship: str | None = Field(default=None, description="Its relationship to the iso-hs clause (HS elements)")
    satisfied_by: list[str] = Field(description="The element's shared processes that satisfy it (coverage rule)")


class SharedProcess(BaseModel):
    control: str
    title: str
    frameworks: int = Field(description="How many of the given frameworks it satisfies requirements of")
    satisfies: dict[str, list[str]] = Field(description="Requirements it satisfies (equal / subset of), by framework")
    contributes: dict[str, list[str]] = Field(
        default_factory=dict, description="Requirements it serves only in part (superset of / intersects with)"
    )


class IntegrationElement(BaseModel):
    element: str
    kind: str = Field(description="harmonized structure | integration point")
    hs_clauses: list[str] = Field(default_factory=list, description="iso-hs clauses: notation and title")
    requirements: dict[str, list[LinkedRequirement]] = Field(description="The element's requirements, by framework")
    processes: list[SharedProcess] = Field(description="Common controls that serve the element, most shared first")
    satisfied: dict[str, int] = Field(description="Of the element's requirements, how many its processes satisfy")


class Integration(BaseModel):
    frameworks: list[str]
    elements: list[IntegrationElement]
