"""Gap analysis: per applicable assessable requirement, is it met, and why.

A control's state in the organization:
  in place      implemented/operational, with at least one evidence artifact
                that is not expired and has no SHACL result against it
  invalid       implemented/operational, but every evidence artifact is
                expired or fails the shapes
  unevidenced   implemented/operational, no evidence artifact
  planned       planned only
  not applicable excluded with a justification
  absent        no implementation recorded

A requirement's status, from its mappings ("requirement REL control"):
  not applicable  an AI Act rule says the obligation does not apply, or every
                  mapped control is excluded with a justification
  met             an equal/subset control is in place; or the requirement has
                  two or more superset controls and all are in place (they
                  cover it together)
  invalid         otherwise, an equal/subset control is in place on paper but
                  its evidence is expired or fails the shapes
  partial         otherwise, some mapped control is in place (an intersecting
                  or superset one, some of several, or one without evidence)
  gap             nothing in place
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from ctrlgraph import catalog, queries, routes
from ctrlgraph.analysis.classification import Applicability, applicability, systems
from ctrlgraph.iri import CG
from ctrlgraph.models import (
    ClosingControl,
    ControlState,
    FrameworkSummary,
    GapAnalysis,
    RequirementGap,
    SystemVerdict,
)
from ctrlgraph.store.base import GraphStore, Iri, Row, bind

AI_ACT = "eu-ai-act-2024"
COVERS = {"equal", "subset of"}
IN_PLACE_STATUSES = {CG + "Implemented", CG + "Operational"}


@dataclass
class OrgControl:
    status: str
    justification: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # iri -> label
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    about: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # evidence iri -> AI systems
    #: AI systems in scope with no valid evidence, when all the control's evidence is about single systems
    missing_systems: list[str] = field(default_factory=list)
    elsewhere_only: bool = False

    def for_system(self, system: str) -> OrgControl:
        """The same implementation, with only the evidence about ``system`` (per-system obligations)."""
        kept = {e: label for e, label in self.evidence.items() if system in self.about.get(e, set())}
        problems: dict[str, list[str]] = defaultdict(list, {e: self.problems.get(e, []) for e in kept})
        copy = OrgControl(self.status, self.justification, kept, problems, defaultdict(set))
        # Evidence only about other systems: for this system the control is not in place at all.
        copy.elsewhere_only = bool(self.evidence) and not kept
        return copy

    def state(self) -> str:
        if self.status == CG + "NotApplicable":
            return "not applicable"
        if self.status == CG + "Planned":
            return "planned"
        if self.elsewhere_only:
            return "absent"
        if not self.evidence:
            return "unevidenced"
        if any(not self.problems.get(e) for e in self.evidence):
            return "in place for some systems" if self.missing_systems else "in place"
        return "invalid"

    def mark_missing_systems(self, inventory: dict[str, str]) -> None:
        """A control proved only by evidence about single AI systems (risk assessments, logs...) is in place
        for those systems only: note the systems in scope without valid evidence."""
        valid = [e for e in self.evidence if not self.problems.get(e)]
        if not valid or any(not self.about.get(e) for e in valid):
            return  # no valid evidence, or some of it is organization-wide
        covered = {s for e in valid for s in self.about[e]}
        self.missing_systems = sorted(name for iri, name in inventory.items() if iri not in covered)


def control_states(store: GraphStore, evidence_graph: str, report_graph: str, as_of: date) -> dict[str, OrgControl]:
    text = bind(queries.load("org/control_states"), {"evidence": Iri(evidence_graph)})
    results: dict[str, list[str]] = defaultdict(list)
    for row in store.select(bind(queries.load("org/report_results"), {"report": Iri(report_graph)})):
        message = str(row["message"])
        if "expired" not in message.lower():  # expiry is judged live against as_of below
            results[str(row["focus"])].append(message)
    states: dict[str, OrgControl] = {}
    for row in store.select(text):  # evidence only
        control = str(row["control"])
        current = states.get(control)
        status = str(row["status"])
        # Several implementations of one control: the most advanced counts.
        if current is None or _rank(status) > _rank(current.status):
            previous = current
            current = OrgControl(status, row.get("justification") and str(row["justification"]))
            if previous is not None:
                current.evidence, current.problems, current.about = previous.evidence, previous.problems, previous.about
            states[control] = current
        if "evidence" in row:
            evidence = str(row["evidence"])
            current.evidence[evidence] = str(row.get("evidenceLabel", evidence))
            if "system" in row:
                current.about[evidence].add(str(row["system"]))
            until = row.get("validUntil")
            if until is not None and str(until) < as_of.isoformat():
                problem = f"expired on {until}"
                if problem not in current.problems[evidence]:
                    current.problems[evidence].append(problem)
            for message in results.get(evidence, []):
                if message not in current.problems[evidence]:
                    current.problems[evidence].append(message)
    add_records(store, evidence_graph, as_of, states)
    return states


RECORD_DAYS = 365  # audits, reviews, trainings and assessments without a review date count for a year


def record_problem(row: Row, as_of: date) -> str | None:
    """Why a record does not (or no longer) prove its control, or None when it is current."""
    today = as_of.isoformat()
    year_ago = date.fromordinal(as_of.toordinal() - RECORD_DAYS).isoformat()
    kind = str(row["kind"]).rsplit("#", 1)[-1]
    review, performed = row.get("review"), row.get("performed")
    if "approved" in row or kind.endswith(("Policy", "Procedure")):  # a document of an expected kind
        if row.get("approved") is None:
            return "not approved (record cg:approvedOn)"
        if review is not None and str(review) < today:
            return f"review overdue since {review}"
        return None
    if kind == "Incident":
        return None if row.get("responded") is not None else "no response recorded (cg:respondedAt)"
    if review is not None:
        return f"review overdue since {review}" if str(review) < today else None
    if performed is not None and str(performed) < year_ago:
        return f"performed on {performed}, more than a year ago"
    return None


def add_records(store: GraphStore, evidence_graph: str, as_of: date, states: dict[str, OrgControl]) -> None:
    """Records of the kinds ontology/evidence.ttl declares (cg:evidencesControl) count as evidence of
    their control on their own: recording the audit, review, assessment, training or document is enough."""
    kinds: dict[str, list[tuple[str, str]]] = defaultdict(list)  # kind -> (control, kind label)
    for row in store.select(queries.load("org/record_kinds")):
        kinds[str(row["kind"])].append((str(row["control"]), str(row["kindLabel"])))
    if not kinds:
        return
    text = bind(queries.load("org/records"), {"evidence": Iri(evidence_graph), "kinds": [Iri(k) for k in kinds]})
    rows = [
        {**row, "control": control, "kindLabel": label}
        for row in store.select(text)
        for control, label in kinds[str(row["kind"])]
    ]
    for row in rows:
        control, record = str(row["control"]), str(row["record"])
        current = states.get(control)
        if current is None:
            current = states[control] = OrgControl(CG + "Operational")
        elif current.status == CG + "NotApplicable":
            continue  # an exclusion stands
        elif current.status == CG + "Planned":
            current.status = CG + "Implemented"  # the record shows it operating
        when = row.get("performed") or row.get("approved")
        label = f"{row['kindLabel']} '{row.get('label', record.rsplit('/', 1)[-1])}'" + (f" ({when})" if when else "")
        current.evidence[record] = label
        if "system" in row:
            current.about[record].add(str(row["system"]))
        problem = record_problem(row, as_of)
        if problem and problem not in current.problems[record]:
            current.problems[record].append(problem)


def requirement_exclusions(store: GraphStore, evidence_graph: str) -> dict[str, str]:
    """Requirement IRI -> the organization's justification for excluding it."""
    text = bind(queries.load("org/requirement_exclusions"), {"evidence": Iri(evidence_graph)})
    found: dict[str, list[str]] = defaultdict(list)
    for row in store.select(text):
        who = f" (decided by {row['owner']})" if "owner" in row else ""
        found[str(row["requirement"])].append(str(row["justification"]) + who)
    return {req: "; ".join(texts) for req, texts in found.items()}


def _rank(status: str) -> int:
    return {CG + "Operational": 4, CG + "Implemented": 3, CG + "Planned": 1, CG + "NotApplicable": 2}.get(status, 0)


def analyse(
    store: GraphStore,
    org_id: str,
    evidence_graph: str,
    report_graph: str,
    framework_ids: list[str],
    as_of: date | None = None,
    *,
    ai_act: Applicability | None = None,
) -> GapAnalysis:
    as_of = as_of or date.today()
    known = catalog.framework_iris(store)
    iris = [catalog.resolve_framework(store, f, known) for f in framework_ids]
    states = control_states(store, evidence_graph, report_graph, as_of)
    if ai_act is None and AI_ACT in framework_ids:
        ai_act = applicability(store, evidence_graph)
    inventory = {s.iri: s.name for s in (ai_act.systems if ai_act else systems(store, evidence_graph)) if not s.retired}
    for state in states.values():
        state.mark_missing_systems(inventory)

    rows = store.select(
        bind(queries.load("org/framework_mappings"), {"frameworks": [Iri(i) for i in iris]}), union_default=True
    )
    requirements: dict[str, dict[str, object]] = {}
    for row in rows:
        req = str(row["requirement"])
        entry = requirements.setdefault(
            req,
            {
                "framework": str(row["frameworkId"]),
                "notation": str(row["notation"]),
                "title": str(row["title"]),
                "order": int(row["order"]),
                "mappings": [],
            },
        )
        if "relationship" in row and row["relationship"] != "no relationship" and "controlNotation" in row:
            entry["mappings"].append(  # type: ignore[attr-defined]
                (str(row["control"]), str(row["controlNotation"]), str(row["relationship"]), int(row["strength"]))
            )

    # The direct+control route: requirements with no mapping of their own, served through a direct
    # mapping to another framework's requirement (ctrlgraph.routes).
    through: dict[tuple[str, str], str] = {}
    for leg in routes.composed_legs(store, framework_ids):
        entry = requirements.get(leg.requirement)
        if entry is not None:
            entry["mappings"].append((leg.control, leg.control_notation, leg.relationship, leg.strength))  # type: ignore[attr-defined]
            through[(leg.requirement, leg.control_notation)] = leg.through

    exclusions = requirement_exclusions(store, evidence_graph)
    results: list[RequirementGap] = []
    for req, entry in sorted(requirements.items(), key=lambda kv: (str(kv[1]["framework"]), kv[1]["order"])):
        # Controls in a fixed order (by notation), so reasons read the same on every run.
        mappings: list[tuple[str, str, str, int]] = sorted(set(entry["mappings"]), key=lambda m: (m[1], m[2]))  # type: ignore[call-overload]
        controls = [
            _control_state(states.get(iri), notation, rel, strength) for iri, notation, rel, strength in mappings
        ]
        for c in controls:
            if (req, c.control) in through:
                c.route, c.through = routes.DIRECT_CONTROL, through[(req, c.control)]
        status, reason = requirement_status(controls)
        level: str | None = None
        verdicts: list[SystemVerdict] = []
        if ai_act is not None and entry["framework"] == AI_ACT:
            level = ai_act.levels.get(req, "system")
            if req in ai_act.not_applicable:
                status, reason = "not applicable", "AI Act: " + ai_act.not_applicable[req]
            elif req in ai_act.applicable and level == "organization":
                reason += " — applies to: " + "; ".join(ai_act.applicable[req])
            elif req in ai_act.applicable:
                decisions = ai_act.decisions[req]
                for system in ai_act.applying_systems(req):
                    mine = [
                        _control_state(
                            states[iri].for_system(system.iri) if iri in states else None, notation, rel, strength
                        )
                        for iri, notation, rel, strength in mappings
                    ]
                    s_status, s_reason = requirement_status(mine)
                    verdicts.append(
                        SystemVerdict(
                            system=system.iri,
                            name=system.name,
                            status=s_status,
                            reason=f"{s_reason} — applies: {decisions[system.iri].reason}",
                            controls=mine,
                        )
                    )
                verdicts.sort(key=lambda v: (v.name, v.system))
                status = max((v.status for v in verdicts), key=lambda s: WORST.get(s, 0))
                reason = "judged per system with the evidence about it — " + " | ".join(
                    f"{v.name}: {v.status}: {v.reason}" for v in verdicts
                )
        if req in exclusions:
            status, reason = "not applicable", f"excluded by the organization: {exclusions[req]}"
        blocking, note = audit_weight(str(entry["framework"]), str(entry["notation"]), status)
        results.append(
            RequirementGap(
                framework=str(entry["framework"]),
                notation=str(entry["notation"]),
                title=str(entry["title"]),
                status=status,
                reason=reason,
                controls=controls,
                level=level,
                systems=verdicts,
                certification_blocking=blocking,
                audit_note=note,
                exclusion=exclusions.get(req),
            )
        )
    return GapAnalysis(
        organization=org_id,
        as_of=as_of.isoformat(),
        summary=[_summary(f, results) for f in framework_ids],
        requirements=results,
        closes_most=_closes_most(store, results),
    )


SOME_SYSTEMS = "in place for some systems"
#: How bad a per-system verdict is, to pick the requirement's overall status.
WORST = {"met": 1, "partial": 2, "invalid": 3, "gap": 4}
ISO_MSS = {"iso42001-2023", "iso27001-2022", "iso9001-2015", "iso-hs"}
MANDATORY_CLAUSE = re.compile(r"^(4|5|6|7|8|9|10)(\.|$)")
OPEN = {"gap", "invalid", "partial"}


def audit_weight(framework: str, notation: str, status: str) -> tuple[bool, str | None]:
    """(certification-blocking, note): a gap on a mandatory clause 4-10 of an ISO management-system
    standard is a major nonconformity; an Annex A control only counts if the SoA includes it."""
    if framework not in ISO_MSS or status not in OPEN:
        return False, None
    if MANDATORY_CLAUSE.match(notation):
        if status == "partial":
            return False, "mandatory clause (4-10) partly met: expect a minor nonconformity or an observation"
        return True, "mandatory clause (4-10): certification-blocking (major nonconformity at audit)"
    if notation.startswith("A."):
        return False, (
            "Annex A control: blocks certification only if the Statement of Applicability includes it; "
            "exclude it there with a justification or implement it"
        )
    return False, None


def _control_state(org: OrgControl | None, notation: str, relationship: str, strength: int) -> ControlState:
    if org is None:
        return ControlState(control=notation, relationship=relationship, strength=strength, state="absent")
    problems = [f"{org.evidence[e]}: {p}" for e, ps in org.problems.items() for p in ps if e in org.evidence]
    if org.missing_systems and org.state() == "in place for some systems":
        problems.append("no current evidence about: " + ", ".join(org.missing_systems))
    return ControlState(
        control=notation,
        relationship=relationship,
        strength=strength,
        state=org.state(),
        evidence=sorted(org.evidence.values()),
        problems=problems,
        justification=org.justification,
    )


def requirement_status(controls: list[ControlState]) -> tuple[str, str]:
    if not controls:
        return "gap", "no common control serves this requirement (mapped as no relationship)"
    names = lambda cs: ", ".join(c.control for c in cs)  # noqa: E731
    if all(c.state == "not applicable" for c in controls):
        return "not applicable", "excluded: " + "; ".join(f"{c.control}: {c.justification}" for c in controls)
    covering = [c for c in controls if c.relationship in COVERS]
    supersets = [c for c in controls if c.relationship == "superset of"]
    in_place = [c for c in controls if c.state == "in place"]
    if any(c.state == "in place" for c in covering):
        return (
            "met",
            f"covered by {names([c for c in covering if c.state == 'in place'])} (in place with valid evidence)",
        )
    if len(supersets) >= 2 and all(c.state == "in place" for c in supersets):
        return "met", f"covered together by {names(supersets)} (each covers part; all in place)"
    invalid = [c for c in covering if c.state == "invalid"]
    if invalid:
        return "invalid", f"{names(invalid)} in place but evidence does not count: " + "; ".join(
            p for c in invalid for p in c.problems
        )
    touched = [c for c in controls if c.state in ("in place", "unevidenced", "invalid", SOME_SYSTEMS)]
    if touched:
        missing = [c for c in controls if c not in in_place and c.state != "not applicable"]
        unevidenced = [c for c in touched if c.state == "unevidenced"]
        some = [c for c in touched if c.state == SOME_SYSTEMS]
        reason = f"in place: {names(in_place) or 'none with valid evidence'}"
        if some:
            reason += "; in place for some AI systems only: " + "; ".join(
                f"{c.control} ({', '.join(p for p in c.problems if p.startswith('no current evidence about'))})"
                for c in some
            )
        if unevidenced:
            reason += f"; without evidence: {names(unevidenced)}"
        if missing:
            reason += f"; still needed: {names(missing)}"
        else:
            reason += (
                "; every mapped control is in place, but together they cover only part of this requirement "
                "(intersecting or single superset mappings): it needs measures beyond the common controls"
            )
        return "partial", reason
    if covering:
        return "gap", f"nothing in place; would be closed by {names(covering)}"
    if len(supersets) >= 2:
        return "gap", f"nothing in place; would be closed by {names(supersets)} together (each covers part)"
    return "gap", (
        f"nothing in place; no single common control closes it: {names(controls)} each cover part of it "
        "(intersecting or superset mappings), and measures beyond them are needed"
    )


def _summary(framework: str, results: list[RequirementGap]) -> FrameworkSummary:
    mine = [r for r in results if r.framework == framework]
    count = {s: sum(1 for r in mine if r.status == s) for s in ("met", "partial", "gap", "invalid", "not applicable")}
    applicable = len(mine) - count["not applicable"]
    return FrameworkSummary(
        framework=framework,
        applicable=applicable,
        met=count["met"],
        partial=count["partial"],
        gap=count["gap"],
        invalid=count["invalid"],
        not_applicable=count["not applicable"],
        percent_met=round(100 * count["met"] / applicable, 1) if applicable else None,
    )


def _closes_most(store: GraphStore, results: list[RequirementGap]) -> list[ClosingControl]:
    closes: dict[str, list[str]] = defaultdict(list)
    contributes: dict[str, int] = defaultdict(int)
    for r in results:
        if r.status not in ("gap", "partial", "invalid"):
            continue
        for c in r.controls:
            if c.state == "in place" or c.state == "not applicable":
                continue
            if c.relationship in COVERS:
                closes[c.control].append(f"{r.framework}:{r.notation}")
            else:
                contributes[c.control] += 1
    titles = {c.notation: c.title for c in catalog.controls(store, with_route=False)}
    ranked = sorted(set(closes) | set(contributes), key=lambda c: (-len(closes.get(c, [])), -contributes.get(c, 0), c))
    return [
        ClosingControl(
            control=c,
            title=titles.get(c, c),
            closes=len(closes.get(c, [])),
            contributes=contributes.get(c, 0),
            requirements=closes.get(c, []),
        )
        for c in ranked[:25]
    ]
