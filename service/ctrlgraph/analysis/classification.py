"""EU AI Act classification of an organization's AI systems, and the AI Act
obligations that therefore apply to it.

Rules (each classification lists the rule and the inventory facts it used):
  R1  Art. 5        a recorded prohibited practice -> prohibited
  R2  Art. 6(1)     safety component of / product under Annex I -> high-risk
  R3  Art. 6(2)     listed in an Annex III area -> high-risk, unless R4
  R4  Art. 6(3)     documented derogation (Art. 6(4)) and no profiling -> not high-risk
  R5  Art. 6(3) 3rd subparagraph: profiling natural persons -> always high-risk
  R6  Art. 50(1)-(4) interaction / synthetic content / emotion or biometric
                    categorisation / deep fakes -> transparency obligations
  R7  Art. 51-55    general-purpose AI model (with systemic risk)
  R8  otherwise     minimal risk; horizontal duties (Art. 4 AI literacy) apply
An obligation applies to a system when the system's roles meet the roles it
binds, the system's categories meet the categories it applies to, and every
applicability condition of the provision and its ancestors holds. The conditions
are data (mappings/frameworks/eu-ai-act-2024-conditions.ttl: a SPARQL pattern
with its legal basis), evaluated here in one query; no provision has a branch of
its own in this module. Art. 5 binds every operator (screening for prohibited
practices), so it applies to every system.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ctrlgraph import queries
from ctrlgraph.iri import CG, RDF
from ctrlgraph.models import Classification, RuleApplied, SystemClassification
from ctrlgraph.store.base import GraphStore, Iri, Row, bind

ROLE_LABELS = {
    CG + "Provider": "provider",
    CG + "Deployer": "deployer",
    CG + "Importer": "importer",
    CG + "Distributor": "distributor",
    CG + "AuthorisedRepresentative": "authorised representative",
    CG + "GpaiModelProvider": "general-purpose AI model provider",
}
CATEGORY_LABELS = {
    CG + "ProhibitedPractice": "prohibited",
    CG + "HighRisk": "high-risk",
    CG + "TransparencyRisk": "transparency",
    CG + "GpaiModel": "general-purpose AI model",
    CG + "GpaiSystemicRisk": "general-purpose AI model with systemic risk",
    CG + "MinimalRisk": "minimal",
}
RDF_TYPE = RDF + "type"
# Art. 50 paragraphs and the inventory flag that triggers each (for rule R6; which paragraph
# applies to which system is decided by the conditions graph).
TRANSPARENCY_TRIGGERS = {
    "Art. 50(1)": "interacts",
    "Art. 50(2)": "synthetic",
    "Art. 50(3)": "emotion",
    "Art. 50(4)": "deepfake",
}


@dataclass
class SystemFacts:
    iri: str
    name: str
    roles: set[str]
    categories: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    rules: list[RuleApplied] = field(default_factory=list)
    stage: str | None = None

    @property
    def display_categories(self) -> set[str]:
        """Categories to show: minimal only when nothing else applies."""
        return (self.categories - {CG + "MinimalRisk"}) or {CG + "MinimalRisk"}

    @property
    def retired(self) -> bool:
        return self.stage == CG + "RetiredStage"

    @property
    def high_risk(self) -> bool:
        return CG + "HighRisk" in self.categories


def _true(row: Row, key: str) -> bool:
    return row.get(key) is True


def _notation_of(iri: object) -> str:
    text = str(iri).rsplit("/", 1)[-1]
    return text


def classify_system(row: Row) -> SystemFacts:
    roles = {r for r in str(row.get("roles", "")).split() if r}
    stage = str(row["stage"]) if "stage" in row else None
    facts = SystemFacts(str(row["system"]), str(row["name"]), roles, stage=stage)
    role_names = ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles)) or "none recorded"
    for flag in ("interacts", "synthetic", "emotion", "deepfake", "profiles", "safety", "gpai", "systemic"):
        if _true(row, flag):
            facts.flags.add(flag)

    if "prohibited" in row:
        facts.categories.add(CG + "ProhibitedPractice")
        facts.rules.append(
            RuleApplied(
                rule="R1 Art. 5: the system's use is a prohibited AI practice; it must not be placed on the market, "
                "put into service or used",
                facts=[f"cg:prohibitedPractice {_notation_of(row['prohibited'])}"],
            )
        )
    if _true(row, "safety"):
        facts.categories.add(CG + "HighRisk")
        facts.rules.append(
            RuleApplied(
                rule="R2 Art. 6(1): safety component of (or itself) a product under Annex I legislation -> high-risk",
                facts=["cg:safetyComponentAnnexI true"],
            )
        )
    if "annex" in row:
        area = f"cg:annexIIIArea {_notation_of(row['annex'])}"
        if _true(row, "profiles"):
            facts.categories.add(CG + "HighRisk")
            facts.rules.append(
                RuleApplied(
                    rule="R5 Art. 6(3), third subparagraph: an Annex III system that profiles natural persons is "
                    "always high-risk",
                    facts=[area, "cg:profilesNaturalPersons true"],
                )
            )
        elif _true(row, "claims") and _true(row, "documented"):
            facts.rules.append(
                RuleApplied(
                    rule="R4 Art. 6(3): documented derogation, no significant risk of harm -> not high-risk "
                    "(the provider still registers it, Art. 49(2))",
                    facts=[area, "cg:claimsArt6_3Derogation true", "cg:derogationDocumented true"],
                )
            )
        else:
            facts.categories.add(CG + "HighRisk")
            why = [area]
            if _true(row, "claims"):
                why.append("cg:claimsArt6_3Derogation true but cg:derogationDocumented is not true (Art. 6(4))")
            facts.rules.append(RuleApplied(rule="R3 Art. 6(2): listed in Annex III -> high-risk", facts=why))
    triggered = [p for p, flag in TRANSPARENCY_TRIGGERS.items() if flag in facts.flags]
    if triggered:
        facts.categories.add(CG + "TransparencyRisk")
        facts.rules.append(
            RuleApplied(
                rule="R6 Art. 50: transparency obligations for " + ", ".join(triggered),
                facts=[f"{flag} true" for p, flag in TRANSPARENCY_TRIGGERS.items() if p in triggered],
            )
        )
    if "gpai" in facts.flags:
        facts.categories.add(CG + "GpaiModel")
        rule_facts = ["cg:isGpaiModel true"]
        if "systemic" in facts.flags:
            facts.categories.add(CG + "GpaiSystemicRisk")
            rule_facts.append("cg:gpaiSystemicRisk true")
        if CG + "Provider" in roles:
            facts.roles.add(CG + "GpaiModelProvider")
        facts.rules.append(RuleApplied(rule="R7 Art. 53-55: general-purpose AI model obligations", facts=rule_facts))
    if not facts.categories - {CG + "MinimalRisk"}:
        facts.rules.append(
            RuleApplied(
                rule="R8 (Art. 4, 95): no prohibited, high-risk, transparency or GPAI rule applies -> minimal risk "
                "(horizontal duties such as Art. 4 AI literacy remain)",
                facts=[f"roles: {role_names}"],
            )
        )
    facts.categories.add(CG + "MinimalRisk")
    return facts


def systems(store: GraphStore, evidence_graph: str) -> list[SystemFacts]:
    rows = store.select(bind(queries.load("org/systems"), {"evidence": Iri(evidence_graph)}))  # evidence only
    return [classify_system(r) for r in rows]


@dataclass(frozen=True)
class Condition:
    """An applicability condition of mappings/frameworks/eu-ai-act-2024-conditions.ttl."""

    iri: str
    id: str
    label: str
    basis: str
    pattern: str
    replaces_category: bool
    facts: tuple[str, ...]


@dataclass
class Decision:
    """Whether one AI Act provision applies to one AI system, and why."""

    applies: bool
    reason: str
    rules: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


@dataclass
class Applicability:
    systems: list[SystemFacts]
    #: AI Act requirement IRI -> reasons it applies, one per system ("CreditLens (role: provider; ...)")
    applicable: dict[str, list[str]]
    #: AI Act requirement IRI -> why not
    not_applicable: dict[str, str]
    notations: dict[str, str]
    #: requirement IRI -> system IRI -> decision
    decisions: dict[str, dict[str, Decision]] = field(default_factory=dict)
    #: requirement IRI -> "system" | "organization" (how the obligation is judged)
    levels: dict[str, str] = field(default_factory=dict)

    def applying_systems(self, requirement: str) -> list[SystemFacts]:
        chosen = self.decisions.get(requirement, {})
        return [s for s in self.systems if chosen.get(s.iri) and chosen[s.iri].applies]


def _conditions(store: GraphStore) -> tuple[dict[str, list[Condition]], dict[str, str]]:
    """requirement IRI -> its conditions and its ancestors'; requirement IRI -> obligation level."""
    on_scope: dict[str, list[Condition]] = {}
    level_of: dict[str, str] = {}
    for row in store.select(queries.load("org/ai_act_conditions")):
        scope = str(row["scope"])
        if "level" in row:
            level_of[scope] = "organization" if str(row["level"]) == CG + "OrganizationLevel" else "system"
            continue
        on_scope.setdefault(scope, []).append(
            Condition(
                iri=str(row["condition"]),
                id=str(row["id"]),
                label=str(row["label"]),
                basis=str(row.get("basis", "")),
                pattern=str(row["pattern"]),
                replaces_category=row.get("replaces") is True,
                facts=tuple(sorted(str(row.get("facts", "")).split())),
            )
        )
    parent = {str(r["requirement"]): str(r["parent"]) for r in store.select(queries.load("org/ai_act_hierarchy"))}
    by_requirement: dict[str, list[Condition]] = {}
    levels: dict[str, str] = {}
    for requirement in parent.keys() | on_scope.keys() | level_of.keys():
        node: str | None = requirement
        found: list[Condition] = []
        while node is not None:
            found.extend(c for c in on_scope.get(node, []) if c not in found)
            if requirement not in levels and node in level_of:
                levels[requirement] = level_of[node]
            node = parent.get(node)
        if found:
            by_requirement[requirement] = sorted(found, key=lambda c: c.id)
    return by_requirement, levels


CONDITION_PREFIXES = f"""PREFIX cg: <{CG}>
PREFIX euaiact: <https://w3id.org/ctrlgraph/id/eu-ai-act-2024/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def evaluate_conditions(
    store: GraphStore, evidence_graph: str, conditions: list[Condition]
) -> dict[str, dict[str, list[str]]]:
    """condition IRI -> system IRI -> the facts that made it hold (one query for all conditions)."""
    if not conditions:
        return {}
    branches = [f"{{ BIND (<{c.iri}> AS ?condition) {c.pattern} }}" for c in conditions]
    text = (
        CONDITION_PREFIXES
        + 'SELECT ?condition ?system (GROUP_CONCAT(DISTINCT ?fact; separator="\\n") AS ?facts) WHERE {\n'
        + f"  GRAPH <{evidence_graph}> {{\n    ?system a cg:AISystem .\n    OPTIONAL {{ ?org a cg:Organization }}\n"
        + "\n    UNION\n".join(branches)
        + "\n  }\n} GROUP BY ?condition ?system"
    )
    met: dict[str, dict[str, list[str]]] = {}
    for row in store.select(text):
        facts = sorted(f for f in str(row.get("facts", "")).split("\n") if f)
        met.setdefault(str(row["condition"]), {})[str(row["system"])] = facts
    return met


def _recorded(store: GraphStore, evidence_graph: str) -> dict[str, dict[str, list[str]]]:
    """subject -> property -> values, for the organization and its AI systems."""
    recorded: dict[str, dict[str, list[str]]] = {}
    for row in store.select(bind(queries.load("org/org_facts"), {"evidence": Iri(evidence_graph)})):
        raw = row["value"]
        value = str(raw).lower() if isinstance(raw, bool) else str(raw)
        short = value.rsplit("#", 1)[-1] if value.startswith(CG) else value.rsplit("/", 1)[-1]
        recorded.setdefault(str(row["subject"]), {}).setdefault(str(row["property"]), []).append(short)
    return recorded


def _quote(condition: Condition, system: str, org: str | None, recorded: dict[str, dict[str, list[str]]]) -> str:
    """The recorded values of the facts a condition reads ("not recorded" when absent)."""
    quoted = []
    for prop in condition.facts:
        name = "cg:" + prop.rsplit("#", 1)[-1]
        values = sorted(recorded.get(system, {}).get(prop, []) or (recorded.get(org or "", {}).get(prop, [])))
        quoted.append(f"{name} {', '.join(values)}" if values else f"{name} not recorded")
    return "; ".join(quoted)


def _scope_words(roles: set[str], categories: set[str]) -> str:
    wanted_roles = " or ".join(sorted(ROLE_LABELS.get(r, r) for r in roles)) or "no operator"
    wanted = " or ".join(sorted(CATEGORY_LABELS.get(c, c) for c in categories)) or "no"
    return f"the provision binds the {wanted_roles} of {wanted} AI systems"


def _system_words(system: SystemFacts, roles: set[str]) -> str:
    role_text = ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles & system.roles))
    classes = ", ".join(sorted(CATEGORY_LABELS.get(c, c) for c in system.display_categories))
    return f"{system.name} (role: {role_text}; system classified: {classes})"


def applicability(store: GraphStore, evidence_graph: str) -> Applicability:
    facts = systems(store, evidence_graph)
    rows = store.select(queries.load("org/ai_act_obligations"), union_default=True)
    conditions, levels = _conditions(store)
    unique = sorted({c for found in conditions.values() for c in found}, key=lambda c: c.id)
    met = evaluate_conditions(store, evidence_graph, unique) if facts else {}
    recorded = _recorded(store, evidence_graph) if facts else {}
    org = next((s for s, props in recorded.items() if RDF_TYPE in props and "Organization" in props[RDF_TYPE]), None)

    applicable: dict[str, list[str]] = {}
    not_applicable: dict[str, str] = {}
    notations: dict[str, str] = {}
    decisions: dict[str, dict[str, Decision]] = {}
    for row in sorted(rows, key=lambda r: str(r["requirement"])):
        iri, notation = str(row["requirement"]), str(row["notation"])
        notations[iri] = notation
        roles = set(str(row.get("roles", "")).split())
        categories = set(str(row.get("categories", "")).split())
        mine = conditions.get(iri, [])
        replaces = any(c.replaces_category for c in mine)
        per_system: dict[str, Decision] = {}
        for system in facts:
            system_categories = system.categories | {CG + "ProhibitedPractice"}  # Art. 5 binds every operator
            scope = _scope_words(roles, categories)
            if not (roles & system.roles):
                per_system[system.iri] = Decision(False, f"{scope}; {system.name} is not one of those roles", [scope])
                continue
            if not replaces and not (categories & system_categories):
                per_system[system.iri] = Decision(
                    False, f"{scope}; {system.name} is not in that class", [scope], [r.rule for r in system.rules]
                )
                continue
            failed = [c for c in mine if system.iri not in met.get(c.iri, {})]
            if failed:
                c = failed[0]
                per_system[system.iri] = Decision(
                    False,
                    f"condition {c.id} ({c.basis}) does not hold: {c.label}; recorded: "
                    + _quote(c, system.iri, org, recorded),
                    [f"{c.id} ({c.basis})" for c in failed],
                    [_quote(c, system.iri, org, recorded) for c in failed],
                )
                continue
            held = [f"{c.id} ({c.basis}): " + "; ".join(met[c.iri][system.iri]) for c in mine]
            reason = _system_words(system, roles)
            if held:
                reason += " — " + "; ".join(held)
            per_system[system.iri] = Decision(
                True,
                reason,
                [scope, *[f"{c.id} ({c.basis})" for c in mine]],
                [f for c in mine for f in met[c.iri][system.iri]],
            )
        decisions[iri] = per_system
        reasons = [d.reason for d in per_system.values() if d.applies]
        if reasons:
            applicable[iri] = reasons
        elif not facts:
            not_applicable[iri] = "no AI system in the inventory"
        else:
            scope = _scope_words(roles, categories)
            if all(d.reason.startswith(scope) for d in per_system.values()):
                not_applicable[iri] = f"{scope}; no system in the inventory is in that scope"
            else:
                not_applicable[iri] = "; ".join(
                    f"{s.name}: {per_system[s.iri].reason}" for s in sorted(facts, key=lambda s: (s.name, s.iri))
                )
    return Applicability(
        facts, applicable, not_applicable, notations, decisions, {i: levels.get(i, "system") for i in notations}
    )


def classification(store: GraphStore, org_id: str, evidence_graph: str) -> Classification:
    result = applicability(store, evidence_graph)
    return Classification(
        organization=org_id,
        systems=[
            SystemClassification(
                system=s.iri,
                name=s.name,
                roles=sorted(ROLE_LABELS.get(r, r) for r in s.roles),
                categories=sorted(CATEGORY_LABELS.get(c, c) for c in s.display_categories),
                high_risk=s.high_risk,
                rules=s.rules,
            )
            for s in result.systems
        ],
        applicable_requirements=len(result.applicable),
        not_applicable_requirements=len(result.not_applicable),
    )
