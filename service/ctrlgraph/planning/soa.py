"""Statement of Applicability (ISO/IEC 27001 6.1.3 d), ISO/IEC 42001 6.1.3):
every Annex A control of the framework, whether it applies, why it is
included (the organization's own justification, the legal obligations and
the other frameworks' requirements the same common controls serve, the risks
of the AI systems its evidence is about) or why it is excluded (the
cg:justification of the organization's not-applicable implementation), its
implementation status, and the common controls and evidence behind it.

Status and verdicts come from the gap analysis; nothing is judged twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ctrlgraph import catalog, queries
from ctrlgraph.analysis import gaps
from ctrlgraph.evidence import repository
from ctrlgraph.models import RequirementGap
from ctrlgraph.planning import BadParameter, coverage
from ctrlgraph.planning.models import Basis, SoaControl, SoaEntry, SoaSummary, StatementOfApplicability
from ctrlgraph.planning.xlsx import Sheet
from ctrlgraph.reference import term_names
from ctrlgraph.store.base import GraphStore, Iri, bind

AI_ACT = gaps.AI_ACT
APPLIES_TO = " — applies to: "
STATUS = {
    "met": "implemented",
    "invalid": "implemented, evidence not valid",
    "partial": "partially implemented",
    "gap": "not implemented",
    "not applicable": "not applicable",
}
HEADER = [
    "framework",
    "control",
    "title",
    "theme",
    "applicable",
    "justification",
    "status",
    "verdict",
    "common controls",
    "evidence",
    "problems",
    "reason",
    "certification blocking",
]

SUMMARY_HEADER = [
    "organization",
    "as of",
    "framework",
    "controls",
    "applicable",
    "excluded",
    "implemented",
    "partially implemented",
    "not implemented",
]


def annex_frameworks(store: GraphStore) -> list[str]:
    """Frameworks with Annex A controls (those a SoA can be written for)."""
    return [str(r["id"]) for r in store.select(queries.load("planning/annex_frameworks"), union_default=True)]


@dataclass(frozen=True)
class _Served:
    framework: str
    notation: str
    relationship: str
    status: str
    applies_to: str | None


def _served_by_control(requirements: Sequence[RequirementGap]) -> dict[str, list[_Served]]:
    served: dict[str, list[_Served]] = defaultdict(list)
    for r in requirements:
        if r.systems:  # judged per AI system: the systems it applies to
            applies: str | None = ", ".join(v.name for v in r.systems)
        else:
            applies = r.reason.split(APPLIES_TO, 1)[1] if APPLIES_TO in r.reason else None
        for c in r.controls:
            served[c.control].append(_Served(r.framework, r.notation, c.relationship, r.status, applies))
    return served


def _system_risks(store: GraphStore, org: str) -> dict[str, dict[str, list[str]]]:
    """control -> AI system (with assessment date) -> its identified risks."""
    text = bind(queries.load("planning/org_system_risks"), {"evidence": Iri(repository.evidence_graph(org))})
    rows = store.select(text)  # the evidence alone; names come from the reference graphs
    names = term_names(store, [str(r[k]) for r in rows for k in ("control", "levelIri") if k in r])
    rows.sort(
        key=lambda r: (
            names.get(str(r["control"]), ("", None))[0] or "",
            str(r["systemName"]),
            str(r.get("riskLabel", "")),
        )
    )
    result: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        notation = names.get(str(row["control"]), (None, None))[0]
        if notation is None:  # not a reference control
            continue
        level = names.get(str(row.get("levelIri", "")), (None, None))[1]
        system = str(row["systemName"]) + (f" (risk assessment of {row['performed']})" if "performed" in row else "")
        risk = str(row.get("riskLabel", "unnamed risk")) + (f" ({level})" if level is not None else "")
        if risk not in result[notation][system]:
            result[notation][system].append(risk)
    return result


def _bases(
    entry: RequirementGap,
    served: dict[str, list[_Served]],
    risks: dict[str, dict[str, list[str]]],
) -> list[Basis]:
    if entry.exclusion is not None:  # the requirement's own exclusion, not its controls'
        return [Basis(kind="exclusion", reference=entry.notation, detail=entry.exclusion)]
    if entry.status == "not applicable":
        return [
            Basis(kind="exclusion", reference=c.control, detail=c.justification or "excluded (no justification given)")
            for c in entry.controls
            if c.state == "not applicable"
        ]
    bases: list[Basis] = []
    # the controls that implement the Annex A control (equal, subset of, superset of); intersecting ones
    # only when nothing else is mapped
    active = [c for c in entry.controls if c.state != "not applicable"]
    implementing = [c for c in active if c.relationship in gaps.COVERS or c.relationship == coverage.SUPERSET]
    active = implementing or active
    for c in active:
        if c.justification:
            bases.append(Basis(kind="organization", reference=c.control, detail=c.justification))
    for c in active:
        legal = [s for s in served.get(c.control, []) if s.framework == AI_ACT and s.status != "not applicable"]
        if legal:
            systems = sorted({s.applies_to for s in legal if s.applies_to})
            bases.append(
                Basis(
                    kind="legal",
                    reference="EU AI Act " + ", ".join(s.notation for s in legal),
                    detail=f"{c.control} also serves these obligations"
                    + (f", which apply to: {'; '.join(systems)}" if systems else ""),
                )
            )
    for c in active:
        others: dict[str, list[str]] = defaultdict(list)
        for s in served.get(c.control, []):
            if s.framework == AI_ACT or (s.framework, s.notation) == (entry.framework, entry.notation):
                continue
            if s.relationship in gaps.COVERS and s.status != "not applicable":
                others[s.framework].append(s.notation)
        if others:
            bases.append(
                Basis(
                    kind="requirement",
                    reference="; ".join(f"{f} {', '.join(n)}" for f, n in sorted(others.items())),
                    detail=f"{c.control} also satisfies these requirements",
                )
            )
    for c in active:
        for system, found in sorted(risks.get(c.control, {}).items()):
            bases.append(
                Basis(
                    kind="risk",
                    reference=system,
                    detail=f"{c.control} has evidence about this AI system, whose risks are: " + "; ".join(found),
                )
            )
    if not bases:
        bases.append(
            Basis(
                kind="risk treatment",
                reference=f"{entry.framework} 6.1.3",
                detail="retained by the risk treatment: the organization recorded no exclusion",
            )
        )
    return bases


def _status(entry: RequirementGap) -> str:
    if entry.status == "gap" and any(c.state == "planned" for c in entry.controls):
        return "planned"
    return STATUS[entry.status]


def statement(
    store: GraphStore,
    org: str,
    framework_ids: Sequence[str],
    *,
    context: Sequence[str] = (),
    as_of: date | None = None,
) -> StatementOfApplicability:
    """The SoA of the organization for each framework; ``context`` lists the
    other frameworks whose requirements count as a basis for inclusion."""
    frameworks = list(dict.fromkeys(framework_ids))
    known = catalog.framework_iris(store)
    for f in frameworks:
        catalog.resolve_framework(store, f, known)
    with_annex = annex_frameworks(store)
    for f in frameworks:
        if f not in with_annex:
            raise BadParameter(
                "framework",
                f"{f} has no Annex A controls; a Statement of Applicability is written for: {', '.join(with_annex)}",
            )
    as_of = as_of or date.today()
    analysed = [f for f in dict.fromkeys([*frameworks, *context]) if f in known]
    analysis = gaps.analyse(store, org, repository.evidence_graph(org), repository.report_graph(org), analysed, as_of)
    by_key = {(r.framework, r.notation): r for r in analysis.requirements}
    served = _served_by_control(analysis.requirements)
    risks = _system_risks(store, org)
    titles = {c: info.title for c, info in coverage.load_controls(store).items()}

    entries: list[SoaEntry] = []
    summary: list[SoaSummary] = []
    for f in frameworks:
        rows = store.select(
            bind(queries.load("planning/annex_controls"), {"framework": Iri(known[f])}), union_default=True
        )
        mine: list[SoaEntry] = []
        for row in rows:
            gap = by_key.get((f, str(row["notation"])))
            if gap is None:  # pragma: no cover - every Annex A control is assessable
                continue
            bases = _bases(gap, served, risks)
            applicable = gap.status != "not applicable"
            lead = "Included: " if applicable else "Excluded: "
            mine.append(
                SoaEntry(
                    framework=f,
                    notation=gap.notation,
                    title=gap.title,
                    theme=f"{row['theme']} {row['themeTitle']}" if "theme" in row and "themeTitle" in row else None,
                    applicable=applicable,
                    justification=lead + " | ".join(f"{b.kind}: {b.reference} — {b.detail}" for b in bases),
                    bases=bases,
                    status=_status(gap),
                    verdict=gap.status,
                    reason=gap.reason,
                    # Included in the SoA but not (validly) implemented: a nonconformity at audit.
                    certification_blocking=applicable and gap.status in ("gap", "invalid"),
                    controls=[
                        SoaControl(
                            control=c.control,
                            title=titles.get(c.control, c.control),
                            relationship=c.relationship,
                            state=c.state,
                            owner_justification=c.justification,
                            evidence=c.evidence,
                            problems=c.problems,
                        )
                        for c in gap.controls
                    ],
                )
            )
        entries.extend(mine)
        summary.append(
            SoaSummary(
                framework=f,
                controls=len(mine),
                applicable=sum(1 for e in mine if e.applicable),
                excluded=sum(1 for e in mine if not e.applicable),
                implemented=sum(1 for e in mine if e.verdict == "met"),
                partially_implemented=sum(1 for e in mine if e.verdict in ("partial", "invalid")),
                not_implemented=sum(1 for e in mine if e.verdict == "gap"),
            )
        )
    return StatementOfApplicability(
        organization=org, as_of=as_of.isoformat(), frameworks=frameworks, summary=summary, entries=entries
    )


def rows(soa: StatementOfApplicability, framework: str | None = None) -> list[list[object]]:
    """The SoA as table rows (CSV, XLSX), in :data:`HEADER` order."""
    return [
        [
            e.framework,
            e.notation,
            e.title,
            e.theme,
            "yes" if e.applicable else "no",
            e.justification,
            e.status,
            e.verdict,
            "; ".join(f"{c.control} ({c.relationship}): {c.state}" for c in e.controls),
            "; ".join(sorted({ev for c in e.controls for ev in c.evidence})),
            "; ".join(dict.fromkeys(p for c in e.controls for p in c.problems)),  # one problem once
            e.reason,
            "yes" if e.certification_blocking else "no",
        ]
        for e in soa.entries
        if framework is None or e.framework == framework
    ]


def sheets(soa: StatementOfApplicability) -> list[Sheet]:
    """One sheet per framework, then a summary sheet."""
    result = [Sheet(f"SoA {f}", HEADER, rows(soa, f)) for f in soa.frameworks]
    result.append(
        Sheet(
            "Summary",
            SUMMARY_HEADER,
            [
                [
                    soa.organization,
                    soa.as_of,
                    s.framework,
                    s.controls,
                    s.applicable,
                    s.excluded,
                    s.implemented,
                    s.partially_implemented,
                    s.not_implemented,
                ]
                for s in soa.summary
            ],
        )
    )
    return result
