"""Typed views of the graph: what the REST API returns and the CLI prints.

These are shapes of query answers, not a second copy of the model: every
field is filled from a SPARQL result over the graph.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Framework(BaseModel):
    id: str = Field(description="Short id, e.g. iso42001-2023")
    iri: str
    title: str
    version: str | None = None
    publisher: str | None = None
    requirement_count: int
    assessable_count: int
    mapped_count: int = Field(description="Assessable requirements with at least one mapping")


class RequirementNode(BaseModel):
    notation: str
    title: str
    parent: str | None = Field(None, description="Notation of the parent node")
    assessable: bool
    type: str | None = None
    order: int
    depth: int
    children: list[str] = Field(default_factory=list)


class RequirementTree(BaseModel):
    framework: str
    count: int
    requirements: list[RequirementNode]


class MappingOut(BaseModel):
    control: str | None = Field(None, description="Control notation (absent for no relationship)")
    control_title: str | None = None
    relationship: str
    rationale: str
    strength: int
    explanation: str | None = None
    source: str | None = None
    iri: str
    part: str = Field(description="Notation of the node the mapping sits on: the requirement itself or a part")


class LinkOut(BaseModel):
    framework: str
    notation: str
    title: str
    relationship: str
    strength: int | None = None
    explanation: str | None = None
    part: str = Field(description="Notation of the node the link starts from: the requirement itself or a part")


class RelatedRequirement(BaseModel):
    framework: str
    notation: str
    title: str
    relationship: str = Field(description="Composed STRM relationship, this requirement -> that one")
    determined: bool = Field(description="False where the composition is a candidate overlap only")
    strength: int | None = Field(
        description="Weakest link on the strongest path; a direct mapping's own strength (none when it states none)"
    )
    via: list[str] = Field(description="Shared control notations (the path)")
    route: str = Field(
        "controls",
        description="How the answer was found: 'controls' (composed through shared common controls), "
        "'direct' (a stored requirement-to-requirement mapping, which then gives the relationship), "
        "'direct+controls' (both), or 'direct+control' (through shared controls that one of the two reaches by "
        "a direct mapping to a third requirement, named in 'through')",
    )
    through: list[str] = Field(
        default_factory=list, description="direct+control: the linked requirements ('framework notation') on the path"
    )
    source: str | None = Field(None, description="Who states the direct mapping (its mapping set or file)")
    parts: list[str] = Field(
        default_factory=list,
        description="Notations of the nodes (the requirement itself or its parts) whose mappings lead here",
    )


class Part(BaseModel):
    notation: str
    title: str
    parent: str = Field(description="Notation of the part's parent (the container or another part)")
    assessable: bool


class RequirementDetail(BaseModel):
    framework: str
    notation: str
    iri: str
    title: str
    parent: str | None = None
    assessable: bool
    type: str | None = None
    definition: str | None = None
    legal_text: str | None = None
    applicable_from: str | None = None
    roles: list[str] = Field(default_factory=list)
    risk_categories: list[str] = Field(default_factory=list)
    parts: list[Part] = Field(
        default_factory=list,
        description="Every node below this one (a container's paragraphs, points, sub-clauses), in document order",
    )
    mappings: list[MappingOut] = Field(description="Mappings of the requirement and of all its parts, rolled up")
    harmonized_structure: list[LinkOut] = Field(default_factory=list)
    related: str = Field(
        description="URL of the related requirements (GET /v1/requirements/related): the requirements of other "
        "frameworks that share a control with this one or its parts, paged, with an exact total"
    )


class RelatedRequirements(BaseModel):
    framework: str
    notation: str
    total: int = Field(description="Related requirements in all pages")
    offset: int = Field(description="Position of the first related requirement of this page")
    limit: int = Field(description="Largest page asked for")
    next: str | None = Field(None, description="URL of the next page; null on the last")
    related: list[RelatedRequirement] = Field(
        description="One page of the requirements of other frameworks that share a control with this requirement "
        "or its parts, in IRI order"
    )


class ControlSummary(BaseModel):
    notation: str
    iri: str
    title: str
    domain: str | None = None
    domain_title: str | None = None
    phase: str | None = None
    effort: int | None = None
    frameworks: int = Field(0, description="Frameworks with a requirement this control serves (either route)")
    requirements: int = Field(0, description="Requirements served, all frameworks (either route)")


ROUTE_DESCRIPTION = (
    "How the requirement reaches the control: 'controls' (its own mapping) or 'direct+control' (it has no "
    "mapping of its own; a direct mapping or declared equivalence to another framework's requirement, "
    "composed with that requirement's mapping by the STRM table; 'through' names that requirement)"
)


class ServedRequirement(BaseModel):
    notation: str
    title: str
    relationship: str = Field(description="requirement REL control (composed on the direct+control route)")
    strength: int
    explanation: str | None = None
    route: str = Field("controls", description=ROUTE_DESCRIPTION)
    determined: bool = Field(True, description="False where the composed relationship is a candidate overlap only")
    through: str | None = Field(None, description="direct+control: the linked requirement ('framework notation')")


class ControlDetail(ControlSummary):
    statement: str | None = None
    evidence_expected: list[str] = Field(default_factory=list)
    documentation_tiers: list[str] = Field(default_factory=list)
    serves: dict[str, list[ServedRequirement]] = Field(description="Requirements served, by framework id")


class SharedRequirement(BaseModel):
    notation: str
    relationship: str = Field(description="requirement REL control (composed on the direct+control route)")
    strength: int
    route: str = Field("controls", description=ROUTE_DESCRIPTION)
    determined: bool = Field(True, description="False where the composed relationship is a candidate overlap only")
    through: str | None = Field(None, description="direct+control: the linked requirement ('framework notation')")


class SharedControl(BaseModel):
    notation: str
    iri: str
    title: str
    framework_count: int
    requirement_count: int
    requirements: dict[str, list[SharedRequirement]]


class SharedControls(BaseModel):
    frameworks: list[str]
    min_frameworks: int
    count: int
    controls: list[SharedControl]


class CrosswalkPath(BaseModel):
    route: str = Field(
        "controls",
        description="'controls': composed through the shared control; 'direct': a stored requirement-to-requirement "
        "mapping (no control); 'direct+control': through the shared control, one side reaching it by a direct "
        "mapping to a third requirement ('through') composed with that requirement's mapping",
    )
    control: str | None = None
    through: list[str] = Field(
        default_factory=list,
        description="direct+control: the linked requirements ('framework notation') a side reaches the control by",
    )
    source_relationship: str | None = None
    target_relationship: str | None = None
    relationship: str
    determined: bool = Field(
        True, description="Set theory fixes this path's relationship (ontology/strm-composition.ttl); a stated one is"
    )
    overlap_guaranteed: bool = Field(True, description="The two requirements certainly share content on this path")
    strength: int | None = None
    source: str | None = Field(None, description="Who states a direct mapping (its mapping set or file)")

    @property
    def via(self) -> str:
        """The control the path goes through, or ``direct`` for a stored mapping."""
        return self.control or "direct"


class CrosswalkPair(BaseModel):
    source: str
    source_title: str
    target: str
    target_title: str
    relationship: str
    determined: bool
    strength: int | None
    route: str = Field(
        "controls",
        description="Which route the pair's relationship comes from: 'direct' (a stored mapping says it), "
        "'controls' (composed through shared controls), 'direct+control' (composed through a control one side "
        "reaches by a direct mapping to a third requirement); 'direct+controls' when a direct mapping and a path "
        "through controls both connect the pair",
    )
    explanation: str = Field(
        "", description="Which legs (requirement REL control) made the relationship determined or not, or who states it"
    )
    target_assessable: bool = Field(
        True,
        description="Whether the target is one of its framework's assessable requirements (a direct mapping may "
        "name a clause heading): count only these against the framework's assessable_count; level=article: "
        "whether any target rolled up into the pair is",
    )
    paths: list[CrosswalkPath]
    parts: list[str] = Field(
        default_factory=list,
        description="level=article: the requirement pairs rolled up into this one (source -> target)",
    )


class Crosswalk(BaseModel):
    source: str
    target: str
    level: str = Field("requirement", description="requirement (as mapped) or article (rolled up)")
    count: int
    pairs: list[CrosswalkPair]


# --------------------------------------------------------------------------
# Organizations: evidence, validation, classification, gaps, KPIs
# --------------------------------------------------------------------------
class ValidationResult(BaseModel):
    severity: str = Field(description="Violation (refused), Warning (stored, reported) or Info")
    focus: str = Field(description="The node the result is about")
    path: str | None = None
    value: str | None = None
    message: str = Field(description="What to fix")


class ValidationReport(BaseModel):
    conforms: bool = Field(description="No violations (warnings may remain)")
    as_of: str
    violations: int
    warnings: int
    results: list[ValidationResult]


class WriteResult(BaseModel):
    organization: str
    mode: str
    version: int = Field(description="Number of the new version in the audit trail")
    content_hash: str
    triples: int = Field(description="Triples in the organization's evidence after the write")
    validation: ValidationReport


class Organization(BaseModel):
    id: str
    name: str


class KeyCreated(BaseModel):
    key_id: str
    key: str = Field(description="The key itself: shown once, stored only as a hash")
    organization: str | None
    scopes: list[str]


class RuleApplied(BaseModel):
    rule: str = Field(description="The rule, with its legal basis")
    facts: list[str] = Field(description="The inventory facts it used")


class SystemClassification(BaseModel):
    system: str
    name: str
    roles: list[str]
    categories: list[str] = Field(description="prohibited, high-risk, transparency, GPAI, GPAI systemic risk, minimal")
    high_risk: bool
    rules: list[RuleApplied]


class Classification(BaseModel):
    organization: str
    systems: list[SystemClassification]
    applicable_requirements: int
    not_applicable_requirements: int


class ControlState(BaseModel):
    control: str
    relationship: str
    strength: int
    state: str = Field(description="in place | invalid | unevidenced | planned | not applicable | absent")
    evidence: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list, description="Why evidence does not count (expired, SHACL)")
    justification: str | None = None
    route: str = Field("controls", description=ROUTE_DESCRIPTION)
    through: str | None = Field(None, description="direct+control: the linked requirement ('framework notation')")


class SystemOut(BaseModel):
    id: str = Field(description="The system's id in /v1/orgs/{org}/systems/{id}: the last segment of its IRI")
    system: str = Field(description="IRI of the AI system")
    name: str
    roles: list[str]
    categories: list[str] = Field(description="The system's own AI Act class (prohibited, high-risk, ...)")
    high_risk: bool
    rules: list[RuleApplied] = Field(description="Classification rules applied, with the facts they used")
    obligations: dict[str, int] = Field(
        description="AI Act obligations per verdict for this system: met, partial, gap, invalid, not applicable"
    )


class SystemObligation(BaseModel):
    notation: str = Field(description="The AI Act provision, e.g. Art. 12(1)")
    title: str
    applies: bool
    level: str = Field(description="'system' (judged with the evidence about this system) or 'organization'")
    status: str = Field(description="met | partial | gap | invalid | not applicable")
    reason: str = Field(description="Why it applies (role, class, conditions and the facts they used) or not")
    verdict: str | None = Field(default=None, description="Why it is met or not (controls and evidence)")
    rules: list[str] = Field(description="The scope rule and applicability conditions (with legal basis) decided on")
    facts: list[str] = Field(description="The recorded facts those rules used")
    controls: list[ControlState] = Field(default_factory=list)


class SystemObligations(BaseModel):
    organization: str
    as_of: str
    system: SystemOut
    obligations: list[SystemObligation] = Field(
        description="Every assessable AI Act provision: first those that apply to the system, then those that do not"
    )


class SystemVerdict(BaseModel):
    system: str = Field(description="IRI of the AI system")
    name: str
    status: str = Field(description="met | partial | gap | invalid, judged with the evidence about this system")
    reason: str
    controls: list[ControlState] = Field(default_factory=list)


class RequirementGap(BaseModel):
    framework: str
    notation: str
    title: str
    status: str = Field(
        description="met | partial | gap | invalid | not applicable; for an AI Act obligation judged per system, "
        "the worst of the systems' verdicts (gap, invalid, partial, met)"
    )
    reason: str
    controls: list[ControlState]
    level: str | None = Field(
        default=None,
        description="AI Act only: 'system' (judged per AI system with the evidence about it) or 'organization'",
    )
    systems: list[SystemVerdict] = Field(
        default_factory=list, description="AI Act obligations judged per system: one verdict per system it applies to"
    )
    certification_blocking: bool = Field(
        default=False,
        description="True for a gap or invalid verdict on a mandatory clause (4-10) of an ISO management-system "
        "standard: a major nonconformity at a certification audit. Annex A controls block only where included in "
        "the Statement of Applicability (see the SoA); AI Act obligations are legal duties, not certification clauses",
    )
    audit_note: str | None = Field(default=None, description="How the verdict weighs at a certification audit")
    exclusion: str | None = Field(
        default=None,
        description="The organization's own justification when it excludes this requirement (cg:RequirementExclusion)",
    )


class FrameworkSummary(BaseModel):
    framework: str
    applicable: int
    met: int
    partial: int
    gap: int
    invalid: int
    not_applicable: int
    percent_met: float | None = Field(description="met / applicable × 100; null when nothing is applicable")


class ClosingControl(BaseModel):
    control: str
    title: str
    closes: int = Field(description="Open requirements its implementation alone would close (equal/subset)")
    contributes: int = Field(description="Open requirements it would help close (superset/intersects)")
    requirements: list[str] = Field(description="framework:notation of the requirements it closes")


class GapAnalysis(BaseModel):
    organization: str
    as_of: str
    summary: list[FrameworkSummary]
    requirements: list[RequirementGap]
    closes_most: list[ClosingControl]


#: KPI definitions: shown in the OpenAPI schema and repeated in every response (Kpis.indicators).
KPI_DEFINITIONS: dict[str, str] = {
    "risk_assessment_coverage": "% of the AI systems that need a risk assessment which have a current one. "
    "Need one: systems classified high-risk (AI Act Art. 9; ISO/IEC 42001 8.2 asks it of every system in scope, "
    "the seed's KPI counts high-risk ones). Current: the latest assessment's cg:nextReviewOn has not passed, or, "
    "without one, it was performed within the last 365 days. Numerator: such systems with a current assessment; "
    "denominator: systems that need one; null when no system needs one.",
    "risk_treatment_implementation": "% of identified risks (cg:Risk) with at least one risk treatment whose "
    "status is cg:TreatmentImplemented. Null when no risk is recorded.",
    "mean_time_to_detect_hours": "Mean of cg:detectedAt - cg:occurredAt in hours, over incidents with both times. "
    "Null when there is none.",
    "mean_time_to_respond_hours": "Mean of cg:respondedAt - cg:detectedAt in hours (from detection to the start "
    "of the response), over incidents with both times. Null when there is none.",
    "mean_time_to_resolve_hours": "Mean of cg:resolvedAt - cg:detectedAt in hours (measured from detection, not "
    "from occurrence), over incidents with both times. Null when there is none.",
    "metrics_out_of_threshold": "Number of metrics whose cg:measuredValue is outside cg:threshold (below an "
    "'at least' threshold, above an 'at most' one), out of all recorded metrics.",
    "residual_risk_within_threshold": "% of AI systems with assessed risks whose highest residual risk level "
    "(cg:residualRiskLevel, else cg:riskLevel when no residual level is recorded) does not exceed the accepted "
    "threshold (cg:riskAcceptanceThreshold of the system, else of the organization). Null when no system has "
    "both assessed risks and a threshold.",
    "documentation_completeness": "Per documentation tier: expected document kinds (ontology/evidence.ttl) present "
    "with an approval date and not overdue for review, over the expected kinds; null for a tier with no expected "
    "kind.",
}


class Indicator(BaseModel):
    name: str
    definition: str = Field(description="How the indicator is computed (see also the Kpis field descriptions)")
    unit: str = Field(description="% | hours | count")
    value: float | None = Field(description="Null when there is nothing to measure (see reason)")
    numerator: int | None = None
    denominator: int | None = None
    missing: list[str] = Field(
        default_factory=list, description="What is in the denominator but not the numerator (e.g. systems)"
    )
    rule: str = Field(description="Which items are counted, and why")
    reason: str | None = Field(default=None, description="Why the value is null")


class MetricOut(BaseModel):
    name: str
    system: str | None = None
    kind: str | None = None
    measure: str | None = Field(
        default=None,
        description="demographic parity difference | equalized odds difference | accuracy | robustness",
    )
    threshold: float
    direction: str
    value: float
    within_threshold: bool


class MeasureOut(BaseModel):
    measure: str = Field(
        description="demographic parity difference | equalized odds difference | accuracy | robustness"
    )
    metric: str | None = Field(default=None, description="The metric recorded for it")
    value: float | None = None
    threshold: float | None = None
    direction: str | None = None
    within_threshold: bool | None = Field(default=None, description="Null when not measured")
    reason: str | None = Field(default=None, description="Why there is no value")


class SystemKpis(BaseModel):
    system: str
    name: str
    high_risk: bool
    residual_risk: str | None = Field(description="Highest residual risk level of the system's assessed risks")
    accepted_risk: str | None = Field(description="Accepted threshold (the system's, else the organization's)")
    residual_within_threshold: bool | None = Field(description="Null when risks or the threshold are missing")
    residual_reason: str
    measures: list[MeasureOut] = Field(
        description="Fairness (demographic parity difference, equalized odds difference), accuracy and robustness "
        "against their thresholds; a high-risk system lacking one lists it as not measured"
    )


class TierCompleteness(BaseModel):
    tier: str
    expected: int = Field(description="Expected document kinds of this tier (ontology/evidence.ttl)")
    present: int = Field(description="Expected kinds present, approved and not overdue for review")
    percent: float | None = Field(description="present / expected × 100; null when nothing is expected")
    documents: int = Field(description="All documents of this tier")
    reason: str | None = Field(default=None, description="Why percent is null")


class Kpis(BaseModel):
    organization: str
    as_of: str
    ai_systems: int
    risk_assessment_coverage: float | None = Field(description=KPI_DEFINITIONS["risk_assessment_coverage"])
    risks: int
    risk_treatment_implementation: float | None = Field(description=KPI_DEFINITIONS["risk_treatment_implementation"])
    incidents: int
    mean_time_to_detect_hours: float | None = Field(
        default=None, description=KPI_DEFINITIONS["mean_time_to_detect_hours"]
    )
    mean_time_to_respond_hours: float | None = Field(
        default=None, description=KPI_DEFINITIONS["mean_time_to_respond_hours"]
    )
    mean_time_to_resolve_hours: float | None = Field(
        default=None, description=KPI_DEFINITIONS["mean_time_to_resolve_hours"]
    )
    metrics: list[MetricOut]
    metrics_out_of_threshold: int = Field(description=KPI_DEFINITIONS["metrics_out_of_threshold"])
    residual_risk_within_threshold: float | None = Field(
        default=None, description=KPI_DEFINITIONS["residual_risk_within_threshold"]
    )
    documentation: list[TierCompleteness] = Field(description=KPI_DEFINITIONS["documentation_completeness"])
    percent_met: dict[str, float | None] = Field(
        description="% of applicable requirements met, per framework; null when nothing is applicable"
    )
    indicators: dict[str, Indicator] = Field(
        default_factory=dict,
        description="Each KPI above with its definition, numerator, denominator, what is missing and the rule",
    )
    systems: list[SystemKpis] = Field(default_factory=list, description="Per-AI-system KPIs")


class EvidenceVersionOut(BaseModel):
    version: int
    created: str
    changed_by: str = Field(description="Key id that made the change")
    kind: str = Field(description="replace | add | restore | delete")
    triples_added: int
    triples_removed: int
    triples: int
    content_hash: str = Field(description="SHA-256 of the evidence in RDFC-1.0 canonical form")


class History(BaseModel):
    organization: str
    versions: list[EvidenceVersionOut]
