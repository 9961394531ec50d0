"""The integration view: for each management-system element shared through
the ISO Harmonized Structure (context, leadership, policy, risk, ... ,
improvement: the iso-hs clauses and the cg:RequirementLink s each ISO
standard has to them) and for the integration points of the integration guide
(ISO/IEC 42001 with ISO/IEC 27001: asset, risk, incident, supplier; with ISO
9001: objectives and AI performance, process documentation, customers,
continual improvement; common to all three: document control, training and
competence, internal audit, management review), the requirements of each
framework that one shared process — a common control — satisfies.

The element and point tables live in the query files
(queries/planning/hs_elements.rq, integration_points.rq); which requirement a
process satisfies is the gap analysis' coverage rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ctrlgraph import catalog, queries
from ctrlgraph.analysis import gaps
from ctrlgraph.planning import coverage
from ctrlgraph.planning.coverage import ControlInfo, Requirement
from ctrlgraph.planning.models import Integration, IntegrationElement, LinkedRequirement, SharedProcess
from ctrlgraph.store.base import GraphStore, Iri, bind

PROCESS_RELATIONSHIPS = {*gaps.COVERS, coverage.SUPERSET}
HEADER = ["element", "kind", "hs clauses", "framework", "notation", "title", "relationship", "satisfied by"]


@dataclass
class _Element:
    name: str
    kind: str
    order: int
    hs: dict[str, str] = field(default_factory=dict)  # notation -> title
    #: framework -> notation -> relationship to the HS clause (None for points)
    linked: dict[str, dict[str, str | None]] = field(default_factory=lambda: defaultdict(dict))


def _processes(
    candidates: Iterable[str],
    served: Mapping[str, list[tuple[Requirement, str]]],
    controls: Mapping[str, ControlInfo],
    position: Mapping[str, int],
) -> list[SharedProcess]:
    result = []
    for c in set(candidates):
        satisfies: dict[str, list[str]] = defaultdict(list)
        contributes: dict[str, list[str]] = defaultdict(list)
        for req, rel in served.get(c, []):
            (satisfies if rel in gaps.COVERS else contributes)[req.framework].append(req.notation)

        def ordered(d: dict[str, list[str]]) -> dict[str, list[str]]:
            return {f: d[f] for f in sorted(d, key=lambda f: (position.get(f, 99), f))}

        result.append(
            SharedProcess(
                control=c,
                title=controls[c].title if c in controls else c,
                frameworks=len(satisfies),
                satisfies=ordered(satisfies),
                contributes=ordered(contributes),
            )
        )
    return sorted(result, key=lambda p: (-p.frameworks, -sum(len(v) for v in p.satisfies.values()), p.control))


def _element(
    element: _Element,
    candidates: set[str],
    requirements: Mapping[tuple[str, str], Requirement],
    served: Mapping[str, list[tuple[Requirement, str]]],
    controls: Mapping[str, ControlInfo],
    position: Mapping[str, int],
) -> IntegrationElement:
    linked: dict[str, list[LinkedRequirement]] = {}
    for f in sorted(element.linked, key=lambda f: (position.get(f, 99), f)):
        entries = []
        for notation, relationship in element.linked[f].items():
            req = requirements.get((f, notation))
            if req is None:
                continue
            candidates |= {c for c, rel in req.mappings if rel in PROCESS_RELATIONSHIPS}
            entries.append((req, relationship))
        entries.sort(key=lambda e: e[0].order)
        linked[f] = [
            LinkedRequirement(
                notation=req.notation,
                title=req.title,
                relationship=relationship,
                satisfied_by=sorted("+".join(sorted(a)) for a in req.alternatives if a <= candidates),
            )
            for req, relationship in entries
        ]
    return IntegrationElement(
        element=element.name,
        kind=element.kind,
        hs_clauses=[f"{n} {t}" for n, t in element.hs.items()],
        requirements=linked,
        processes=_processes(candidates, served, controls, position),
        satisfied={f: sum(1 for r in reqs if r.satisfied_by) for f, reqs in linked.items()},
    )


def integration(store: GraphStore, framework_ids: Sequence[str]) -> Integration:
    frameworks = list(dict.fromkeys(framework_ids))
    known = catalog.framework_iris(store)
    iris = [Iri(catalog.resolve_framework(store, f, known)) for f in frameworks]
    position = {f: i for i, f in enumerate(frameworks)}
    reqs = coverage.load_requirements(store, frameworks)
    requirements = {(r.framework, r.notation): r for r in reqs}
    served: dict[str, list[tuple[Requirement, str]]] = defaultdict(list)
    for r in reqs:
        for c, rel in r.mappings:
            served[c].append((r, rel))
    controls = coverage.load_controls(store)

    hs_controls: dict[str, set[str]] = defaultdict(set)
    for row in store.select(queries.load("planning/hs_controls"), union_default=True):
        if str(row["relationship"]) in PROCESS_RELATIONSHIPS:
            hs_controls[str(row["hsNotation"])].add(str(row["controlNotation"]))

    elements: dict[str, _Element] = {}
    for row in store.select(bind(queries.load("planning/hs_elements"), {"frameworks": iris}), union_default=True):
        e = elements.setdefault(
            str(row["element"]), _Element(str(row["element"]), "harmonized structure", int(row["elementOrder"]))
        )
        e.hs[str(row["hsNotation"])] = str(row["hsTitle"])
        if "frameworkId" in row:
            e.linked[str(row["frameworkId"])][str(row["notation"])] = str(row["relationship"])
    result = [
        _element(e, {c for n in e.hs for c in hs_controls.get(n, set())}, requirements, served, controls, position)
        for e in sorted(elements.values(), key=lambda e: e.order)
    ]

    points: dict[str, _Element] = {}
    text = bind(queries.load("planning/integration_points"), {"frameworks": iris})
    for row in store.select(text, union_default=True):
        p = points.setdefault(
            str(row["point"]), _Element(str(row["point"]), "integration point", int(row["pointOrder"]))
        )
        p.linked[str(row["frameworkId"])][str(row["notation"])] = None
    # A point integrates two management systems: shown only when both are asked for.
    result += [
        _element(p, set(), requirements, served, controls, position)
        for p in sorted(points.values(), key=lambda p: p.order)
        if len(p.linked) >= 2
    ]
    return Integration(frameworks=frameworks, elements=result)


def rows(result: Integration) -> list[list[object]]:
    return [
        [e.element, e.kind, "; ".join(e.hs_clauses), f, r.notation, r.title, r.relationship, " ".join(r.satisfied_by)]
        for e in result.elements
        for f, reqs in e.requirements.items()
        for r in reqs
    ]
