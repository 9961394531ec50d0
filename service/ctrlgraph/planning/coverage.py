"""The coverage rule of the gap analysis, in the form a planner needs, and the
requirements and controls planning works on.

:mod:`ctrlgraph.analysis.gaps` decides whether a requirement is met from the
states of its mapped controls ("requirement REL control"): an ``equal`` or
``subset of`` control in place covers it alone; a requirement with two or more
``superset of`` controls is covered when all of them are in place; an
``intersects with`` control never covers. Written as the ways of covering a
requirement ("alternatives", each a set of controls that must all be in
place), that rule is::

    {c} for every equal / subset-of control c,
    plus {s1, ..., sk} (all superset-of controls) when k >= 2

and a set of controls covers the requirement when it contains one
alternative. :func:`is_met` asks the gap analysis itself, so the planner's
answers can be checked against the one rule the rest of ctrlgraph uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ctrlgraph import catalog, queries, routes
from ctrlgraph.analysis import gaps
from ctrlgraph.models import ControlState, GapAnalysis
from ctrlgraph.store.base import GraphStore, Iri, Row, bind

SUPERSET = "superset of"
INTERSECTS = "intersects with"
#: cg:effort of a control that has none (the middle of the 1-5 scale).
DEFAULT_EFFORT = 3
#: Documentation tiers in pyramid order (ontology/ctrlgraph.ttl, cg:DocumentTier).
TIER_ORDER = {"policy": 1, "procedure": 2, "work instruction": 3, "record": 4}

Mapping = tuple[str, str]  # (control notation, relationship)


def alternatives(mappings: Iterable[Mapping]) -> list[frozenset[str]]:
    """The ways of covering a requirement: sets of controls that together cover it."""
    mappings = list(mappings)
    covering = sorted({c for c, rel in mappings if rel in gaps.COVERS})
    supersets = frozenset(c for c, rel in mappings if rel == SUPERSET)
    result = [frozenset({c}) for c in covering]
    if len(supersets) >= 2:
        result.append(supersets)
    return result


def _states(mappings: Iterable[Mapping], in_place: Iterable[str]) -> list[ControlState]:
    present = set(in_place)
    return [
        ControlState(control=c, relationship=rel, strength=0, state="in place" if c in present else "absent")
        for c, rel in mappings
    ]


def status(mappings: Iterable[Mapping], in_place: Iterable[str]) -> tuple[str, str]:
    """The gap analysis' verdict (met / partial / gap) and reason for a requirement
    with these mappings, if exactly the controls ``in_place`` are in place."""
    return gaps.requirement_status(_states(mappings, in_place))


def is_met(mappings: Iterable[Mapping], in_place: Iterable[str]) -> bool:
    """Whether the gap analysis would call the requirement met."""
    return status(mappings, in_place)[0] == "met"


def uncoverable_reason(mappings: Sequence[Mapping]) -> str:
    """Why no set of controls covers a requirement (it has no alternative)."""
    if not mappings:
        return "no common control serves this requirement (mapped as no relationship)"
    intersecting = sorted(c for c, rel in mappings if rel == INTERSECTS)
    supersets = sorted(c for c, rel in mappings if rel == SUPERSET)
    parts = []
    if supersets:
        parts.append(f"its only superset-of control ({supersets[0]}) covers just a part of it")
    if intersecting:
        verb = "intersects" if len(intersecting) == 1 else "intersect"
        parts.append(f"{', '.join(intersecting)} only {verb} with it (intersecting controls never cover)")
    return "no equal or subset-of control: " + "; ".join(parts)


@dataclass
class Requirement:
    framework: str
    notation: str
    title: str
    order: int
    mappings: list[Mapping] = field(default_factory=list)
    #: control -> the linked requirement ("framework notation") it is reached through (direct+control route)
    through: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.framework}:{self.notation}"

    @property
    def alternatives(self) -> list[frozenset[str]]:
        return alternatives(self.mappings)


@dataclass(frozen=True)
class ControlInfo:
    notation: str
    title: str
    domain: str | None
    domain_title: str | None
    phase: str | None
    phase_order: int
    effort: int
    tiers: tuple[str, ...]
    evidence_expected: tuple[str, ...]


def _opt(row: Row, key: str) -> str | None:
    value = row.get(key)
    return None if value is None or value == "" else str(value)


def _split(row: Row, key: str) -> list[str]:
    value = _opt(row, key)
    return sorted(value.split("|")) if value else []


def load_requirements(store: GraphStore, framework_ids: Sequence[str]) -> list[Requirement]:
    """Every assessable requirement of the frameworks with its mappings, in
    framework and document order (raises catalog.NotFound for an unknown id)."""
    known = catalog.framework_iris(store)
    iris = [catalog.resolve_framework(store, f, known) for f in framework_ids]
    if not iris:
        return []
    params = {"frameworks": [Iri(i) for i in iris]}
    found: dict[str, Requirement] = {}
    for row in store.select(bind(queries.load("planning/requirements"), params), union_default=True):
        found[str(row["requirement"])] = Requirement(
            str(row["frameworkId"]), str(row["notation"]), str(row["title"]), int(row["order"])
        )
    for row in store.select(bind(queries.load("planning/mappings"), params), union_default=True):
        req = found.get(str(row["requirement"]))
        if req is None:
            continue
        relationship = _opt(row, "relationship")
        control = _opt(row, "controlNotation")
        if control and relationship and relationship != "no relationship":
            if (control, relationship) not in req.mappings:
                req.mappings.append((control, relationship))
    # The direct+control route: requirements with no mapping of their own, served through a direct
    # mapping to another framework's requirement (ctrlgraph.routes).
    for leg in routes.composed_legs(store, framework_ids):
        req = found.get(leg.requirement)
        if req is not None and (leg.control_notation, leg.relationship) not in req.mappings:
            req.mappings.append((leg.control_notation, leg.relationship))
            req.through[leg.control_notation] = leg.through
    position = {f: i for i, f in enumerate(framework_ids)}
    result = sorted(found.values(), key=lambda r: (position[r.framework], r.order, r.notation))
    for r in result:
        r.mappings.sort()
    return result


def load_controls(store: GraphStore) -> dict[str, ControlInfo]:
    """The planning attributes of every common control, by notation."""
    result: dict[str, ControlInfo] = {}
    for row in store.select(queries.load("planning/controls"), union_default=True):
        tiers = sorted(_split(row, "tiers"), key=lambda t: (TIER_ORDER.get(t, 9), t))
        result[str(row["notation"])] = ControlInfo(
            notation=str(row["notation"]),
            title=str(row["title"]),
            domain=_opt(row, "domain"),
            domain_title=_opt(row, "domainTitle"),
            phase=_opt(row, "phase"),
            phase_order=int(row.get("phaseOrder", 99)),
            effort=int(row.get("effort", DEFAULT_EFFORT)),
            tiers=tuple(tiers),
            evidence_expected=tuple(_split(row, "evidenceExpected")),
        )
    return result


@dataclass
class OrgRequirement(Requirement):
    """A requirement as the organization's gap analysis sees it."""

    status: str = "gap"
    reason: str = ""
    states: list[ControlState] = field(default_factory=list)


def from_gap_analysis(result: GapAnalysis) -> list[OrgRequirement]:
    """The gap analysis' requirements, with their mappings and verdicts."""
    return [
        OrgRequirement(
            framework=r.framework,
            notation=r.notation,
            title=r.title,
            order=index,
            mappings=sorted({(c.control, c.relationship) for c in r.controls}),
            through={c.control: c.through for c in r.controls if c.through},
            status=r.status,
            reason=r.reason,
            states=r.controls,
        )
        for index, r in enumerate(result.requirements)
    ]


def org_control_states(result: GapAnalysis) -> dict[str, ControlState]:
    """Each mapped control's state in the organization (from the gap analysis)."""
    states: dict[str, ControlState] = {}
    for r in result.requirements:
        for c in r.controls:
            states.setdefault(c.control, c)
    return states


def closed_by(alts: Sequence[frozenset[str]], chosen: frozenset[str] | set[str], new: str) -> bool:
    """Whether ``new`` is part of a way of covering that ``chosen`` completes."""
    return any(new in alt and alt <= chosen for alt in alts)
