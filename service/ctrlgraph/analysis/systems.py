"""Per-system view of the AI Act: each AI system of the inventory, and every
assessable AI Act provision with whether it applies to that system (the scope
rule and applicability conditions decided on, with the facts they used) and,
where it applies, its verdict judged with the evidence about that system
(organization-wide obligations with all the organization's evidence)."""

from __future__ import annotations

from datetime import date

from ctrlgraph.analysis import gaps
from ctrlgraph.analysis.classification import CATEGORY_LABELS, ROLE_LABELS, Applicability, SystemFacts, applicability
from ctrlgraph.models import RequirementGap, SystemObligation, SystemObligations, SystemOut
from ctrlgraph.store.base import GraphStore

STATUSES = ("met", "partial", "gap", "invalid", "not applicable")


class UnknownSystem(LookupError):
    """No AI system with that id in the organization's inventory."""


def system_ids(facts: list[SystemFacts]) -> dict[str, SystemFacts]:
    """id -> system: the last segment of the system's IRI, made unique with -2, -3... in IRI order."""
    ids: dict[str, SystemFacts] = {}
    for system in sorted(facts, key=lambda s: s.iri):
        base = system.iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or "system"
        candidate, n = base, 1
        while candidate in ids:
            n += 1
            candidate = f"{base}-{n}"
        ids[candidate] = system
    return ids


def _verdicts(system: SystemFacts, result: Applicability, analysis: list[RequirementGap]) -> list[SystemObligation]:
    by_notation = {r.notation: r for r in analysis if r.framework == gaps.AI_ACT}
    applying: list[SystemObligation] = []
    excluded: list[SystemObligation] = []
    for iri, notation in result.notations.items():
        row = by_notation.get(notation)
        decision = result.decisions.get(iri, {}).get(system.iri)
        if row is None or decision is None:
            continue
        level = result.levels.get(iri, "system")
        if not decision.applies:
            excluded.append(
                SystemObligation(
                    notation=notation,
                    title=row.title,
                    applies=False,
                    level=level,
                    status="not applicable",
                    reason=decision.reason,
                    rules=decision.rules,
                    facts=decision.facts,
                )
            )
            continue
        mine = next((v for v in row.systems if v.system == system.iri), None)
        applying.append(
            SystemObligation(
                notation=notation,
                title=row.title,
                applies=True,
                level=level,
                status=mine.status if mine else row.status,
                reason=decision.reason,
                verdict=(mine.reason.split(" — applies: ", 1)[0] if mine else row.reason.split(" — applies to: ")[0]),
                rules=decision.rules,
                facts=decision.facts,
                controls=mine.controls if mine else row.controls,
            )
        )
    order = {r.notation: i for i, r in enumerate(analysis)}
    applying.sort(key=lambda o: order.get(o.notation, 0))
    excluded.sort(key=lambda o: order.get(o.notation, 0))
    return applying + excluded


def _out(system_id: str, system: SystemFacts, obligations: list[SystemObligation]) -> SystemOut:
    return SystemOut(
        id=system_id,
        system=system.iri,
        name=system.name,
        roles=sorted(ROLE_LABELS.get(r, r) for r in system.roles),
        categories=sorted(CATEGORY_LABELS.get(c, c) for c in system.display_categories),
        high_risk=system.high_risk,
        rules=system.rules,
        obligations={s: sum(1 for o in obligations if o.status == s) for s in STATUSES},
    )


def _analyse(
    store: GraphStore, org_id: str, evidence_graph: str, report_graph: str, as_of: date
) -> tuple[Applicability, list[RequirementGap]]:
    result = applicability(store, evidence_graph)
    analysis = gaps.analyse(store, org_id, evidence_graph, report_graph, [gaps.AI_ACT], as_of, ai_act=result)
    return result, analysis.requirements


def list_systems(
    store: GraphStore, org_id: str, evidence_graph: str, report_graph: str, as_of: date | None = None
) -> list[SystemOut]:
    as_of = as_of or date.today()
    result, analysis = _analyse(store, org_id, evidence_graph, report_graph, as_of)
    ids = system_ids(result.systems)
    out = [_out(i, s, _verdicts(s, result, analysis)) for i, s in ids.items()]
    return sorted(out, key=lambda s: (s.name, s.id))


def system_obligations(
    store: GraphStore, org_id: str, evidence_graph: str, report_graph: str, system_id: str, as_of: date | None = None
) -> SystemObligations:
    as_of = as_of or date.today()
    result, analysis = _analyse(store, org_id, evidence_graph, report_graph, as_of)
    ids = system_ids(result.systems)
    if system_id not in ids:
        known = ", ".join(sorted(ids)) or "none"
        raise UnknownSystem(f"no AI system {system_id!r} in the inventory of {org_id!r} (known: {known})")
    system = ids[system_id]
    obligations = _verdicts(system, result, analysis)
    return SystemObligations(
        organization=org_id,
        as_of=as_of.isoformat(),
        system=_out(system_id, system, obligations),
        obligations=obligations,
    )
