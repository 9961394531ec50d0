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
An obligation applies when some system's roles meet the roles it binds and the
system's categories meet the categories it applies to. Art. 5 binds every
operator (screening for prohibited practices), so it applies to every system.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ctrlgraph import queries
from ctrlgraph.iri import CG
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
# Art. 50 paragraphs and the inventory flag that triggers each.
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

    @property
    def display_categories(self) -> set[str]:
        """Categories to show: minimal only when nothing else applies."""
        return (self.categories - {CG + "MinimalRisk"}) or {CG + "MinimalRisk"}

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
    facts = SystemFacts(str(row["system"]), str(row["name"]), roles)
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


@dataclass
class Applicability:
    systems: list[SystemFacts]
    #: AI Act requirement IRI -> reasons it applies ("Credit scoring (provider, high-risk)")
    applicable: dict[str, list[str]]
    #: AI Act requirement IRI -> why not
    not_applicable: dict[str, str]
    notations: dict[str, str]


def applicability(store: GraphStore, evidence_graph: str) -> Applicability:
    facts = systems(store, evidence_graph)
    rows = store.select(queries.load("org/ai_act_obligations"), union_default=True)
    applicable: dict[str, list[str]] = {}
    not_applicable: dict[str, str] = {}
    notations: dict[str, str] = {}
    for row in rows:
        iri, notation = str(row["requirement"]), str(row["notation"])
        notations[iri] = notation
        roles = set(str(row.get("roles", "")).split())
        categories = set(str(row.get("categories", "")).split())
        reasons: list[str] = []
        for system in facts:
            system_categories = system.categories | {CG + "ProhibitedPractice"}  # Art. 5 binds every operator
            if not (roles & system.roles) or not (categories & system_categories):
                continue
            trigger = next((flag for p, flag in TRANSPARENCY_TRIGGERS.items() if notation.startswith(p)), None)
            if trigger and trigger not in system.flags:
                continue
            matched_roles = ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles & system.roles))
            matched = ", ".join(sorted(CATEGORY_LABELS.get(c, c) for c in categories & system_categories))
            reasons.append(f"{system.name} ({matched_roles}; {matched})")
        if reasons:
            applicable[iri] = reasons
        elif not facts:
            not_applicable[iri] = "no AI system in the inventory"
        else:
            wanted_roles = ", ".join(sorted(ROLE_LABELS.get(r, r) for r in roles)) or "no role"
            wanted = ", ".join(sorted(CATEGORY_LABELS.get(c, c) for c in categories)) or "no category"
            not_applicable[iri] = f"binds {wanted_roles} for {wanted} systems; no system in the inventory matches"
    return Applicability(facts, applicable, not_applicable, notations)


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
