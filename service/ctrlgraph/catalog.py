"""Reference-graph answers: frameworks, requirements, controls, shared
controls and crosswalks. Each function runs query files and shapes rows into
the models of :mod:`ctrlgraph.models`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ctrlgraph import reference, routes
from ctrlgraph.iri import requirement_iri
from ctrlgraph.models import (
    ControlDetail,
    ControlSummary,
    Crosswalk,
    CrosswalkPair,
    CrosswalkPath,
    Framework,
    LinkOut,
    MappingOut,
    Part,
    RelatedRequirement,
    RelatedRequirements,
    RequirementDetail,
    RequirementNode,
    RequirementTree,
    ServedRequirement,
    SharedControl,
    SharedControls,
    SharedRequirement,
)
from ctrlgraph.reference import Rows
from ctrlgraph.store.base import GraphStore, Iri, Row


class NotFound(LookupError):
    """An unknown framework id, notation or control; ``valid`` lists what exists."""

    def __init__(self, kind: str, value: str, valid: list[str]) -> None:
        self.kind = kind
        self.value = value
        self.valid = valid
        super().__init__(f"unknown {kind} {value!r}")


def _opt_str(row: Row, key: str) -> str | None:
    value = row.get(key)
    return None if value is None or value == "" else str(value)


def _split(row: Row, key: str) -> list[str]:
    value = _opt_str(row, key)
    return sorted(value.split("|")) if value else []


def framework_iris(store: GraphStore) -> dict[str, str]:
    return {str(r["id"]): str(r["framework"]) for r in reference.select(store, "framework_ids")}


def resolve_framework(store: GraphStore, framework_id: str, known: dict[str, str] | None = None) -> str:
    """The IRI of a framework id; NotFound (listing the valid ids) if unknown.
    Without ``known``, one bound lookup: the full list is read only for the error."""
    if known is None:
        rows = reference.select(store, "framework_by_id", id=framework_id)
        if rows:
            return str(rows[0]["framework"])
        known = framework_iris(store)
    if framework_id not in known:
        raise NotFound("framework", framework_id, sorted(known))
    return known[framework_id]


def frameworks(store: GraphStore) -> list[Framework]:
    return [
        Framework(
            id=str(r["id"]),
            iri=str(r["framework"]),
            title=str(r["title"]),
            version=_opt_str(r, "version"),
            publisher=_opt_str(r, "publisher"),
            requirement_count=int(r.get("requirements", 0)),
            assessable_count=int(r.get("assessableRequirements", 0)),
            mapped_count=int(r.get("mappedRequirements", 0)),
        )
        for r in reference.select(store, "frameworks")
    ]


def requirement_tree(store: GraphStore, framework_id: str) -> RequirementTree:
    iri = resolve_framework(store, framework_id)
    rows = reference.select(store, "framework_requirements", framework=Iri(iri))
    parents = {str(r["notation"]): _opt_str(r, "parentNotation") for r in rows}
    children: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        parent = _opt_str(r, "parentNotation")
        if parent:
            children[parent].append(str(r["notation"]))

    def depth(notation: str) -> int:
        d, seen = 0, set()
        while (parent := parents.get(notation)) and notation not in seen:
            seen.add(notation)
            notation, d = parent, d + 1
        return d

    nodes = [
        RequirementNode(
            notation=str(r["notation"]),
            title=str(r["title"]),
            parent=_opt_str(r, "parentNotation"),
            assessable=bool(r["assessable"]),
            type=_opt_str(r, "type"),
            order=int(r["order"]),
            depth=depth(str(r["notation"])),
            children=children.get(str(r["notation"]), []),
        )
        for r in rows
    ]
    return RequirementTree(framework=framework_id, count=len(nodes), requirements=nodes)


def _notations(store: GraphStore, framework_iri: str) -> list[str]:
    rows = reference.select(store, "framework_requirements", framework=Iri(framework_iri))
    return [str(r["notation"]) for r in rows]


#: Default and largest page of related requirements (``/v1/requirements/related``).
RELATED_LIMIT, RELATED_LIMIT_MAX = 100, 1000
NO_RELATIONSHIP = "no relationship"


#: Fields that hold several values, joined with "|" as requirement.rq's GROUP_CONCAT does.
_LIST_FIELDS = ("roles", "riskCategories")


def _fields_row(iri: str, fields: list[Row]) -> Row | None:
    """requirement_at.rq's (field, value) rows folded into requirement.rq's
    row shape; None when the requirement lacks a title or the assessable flag
    (requirement.rq requires both)."""
    row: Row = {"requirement": iri}
    lists: dict[str, set[str]] = defaultdict(set)
    for f in fields:
        name = str(f["field"])
        if name in _LIST_FIELDS:
            lists[name].add(str(f["value"]))
        else:
            row.setdefault(name, f["value"])
    if "title" not in row or "assessable" not in row:
        return None
    for name, values in lists.items():
        row[name] = "|".join(sorted(values))
    return row


class _Located:
    """A requirement found by framework and notation, with its parts: node 0
    is the requirement itself, nodes 1… the parts in document order."""

    def __init__(self, store: GraphStore, framework_id: str, notation: str) -> None:
        self.framework_id = framework_id
        self.framework = resolve_framework(store, framework_id)
        # the minted IRI first (a few bound look-ups), the search by notation otherwise
        minted = requirement_iri(framework_id, notation)
        at = _fields_row(
            minted,
            reference.select(
                store, "requirement_at", requirement=Iri(minted), framework=Iri(self.framework), notation=notation
            ),
        )
        rows = [at] if at else reference.select(store, "requirement", framework=Iri(self.framework), notation=notation)
        if not rows:
            raise NotFound(f"notation in {framework_id}", notation, _notations(store, self.framework))
        self.row = rows[0]
        self.iri = str(self.row["requirement"])
        self.part_rows = reference.select(store, "requirement_parts", requirement=Iri(self.iri))
        self.nodes = [(self.iri, notation)] + [(str(p["part"]), str(p["notation"])) for p in self.part_rows]

    def rows(self) -> Rows:
        return Rows([(Iri(iri), number) for number, (iri, _) in enumerate(self.nodes)])

    def notation_of(self, row: Row) -> str:
        return self.nodes[int(row["part"])][1]


def requirement(store: GraphStore, framework_id: str, notation: str, related_url: str = "") -> RequirementDetail:
    """One requirement (or container) with its parts, and the mappings and
    Harmonized Structure links of it and of all its parts, each saying which
    part it sits on. The related requirements are a separate, paged answer
    (:func:`related`): counting them exactly takes longer than the rest of
    the point look-up together at 700 frameworks (bench/README.md).
    ``related_url`` is where the REST API serves them."""
    found = _Located(store, framework_id, notation)
    row = found.row
    mappings = [
        MappingOut(
            iri=str(m["mapping"]),
            control=_opt_str(m, "controlNotation"),
            control_title=_opt_str(m, "controlTitle"),
            relationship=str(m["relationship"]),
            rationale=str(m["rationale"]),
            strength=int(m["strength"]),
            explanation=_opt_str(m, "explanation"),
            source=_opt_str(m, "source"),
            part=found.notation_of(m),
        )
        for m in reference.select(store, "requirement_mappings", requirements=found.rows())
    ]
    links = [
        LinkOut(
            framework=str(r["frameworkId"]),
            notation=str(r["notation"]),
            title=str(r["title"]),
            relationship=str(r["relationship"]),
            strength=int(r["strength"]) if "strength" in r else None,
            explanation=_opt_str(r, "explanation"),
            part=found.notation_of(r),
        )
        for r in reference.select(store, "requirement_links", requirements=found.rows())
    ]
    return RequirementDetail(
        framework=framework_id,
        notation=notation,
        iri=found.iri,
        title=str(row["title"]),
        parent=_opt_str(row, "parentNotation"),
        assessable=bool(row["assessable"]),
        type=_opt_str(row, "type"),
        definition=_opt_str(row, "definition"),
        legal_text=_opt_str(row, "legalText"),
        applicable_from=_opt_str(row, "applicableFrom"),
        roles=_split(row, "roles"),
        risk_categories=_split(row, "riskCategories"),
        parts=[
            Part(
                notation=str(p["notation"]),
                title=str(p["title"]),
                parent=str(p["parentNotation"]),
                assessable=bool(p["assessable"]),
            )
            for p in found.part_rows
        ],
        mappings=mappings,
        harmonized_structure=links,
        related=related_url,
    )


def related(
    store: GraphStore,
    framework_id: str,
    notation: str,
    limit: int = RELATED_LIMIT,
    offset: int = 0,
) -> RelatedRequirements:
    """The requirements of other frameworks that share a control with a
    requirement or any of its parts: counted in full (``total``) and paged in
    the order of their IRIs; ``limit=0`` counts only. ``next`` is left for
    the REST API to fill in (it knows the URL)."""
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    found = _Located(store, framework_id, notation)
    mapping_rows = reference.select(store, "requirement_mappings", requirements=found.rows())
    total, page = _related(store, found, mapping_rows, limit, offset)
    return RelatedRequirements(
        framework=framework_id, notation=notation, total=total, offset=offset, limit=limit, related=page
    )


_INVERSE = {"subset of": "superset of", "superset of": "subset of"}


def _direct(store: GraphStore, requirement: str) -> dict[str, RelatedRequirement]:
    """The requirements one requirement has a stored direct mapping with,
    read from its side (related_direct.rq), by IRI."""
    found: dict[str, RelatedRequirement] = {}
    for r in reference.select(store, "related_direct", requirement=Iri(requirement)):
        relationship = str(r["relationship"])
        if bool(r["inverse"]):
            relationship = _INVERSE.get(relationship, relationship)
        found.setdefault(
            str(r["related"]),
            RelatedRequirement(
                framework=str(r["frameworkId"]),
                notation=str(r["notation"]),
                title=str(r["title"]),
                relationship=relationship,
                determined=True,
                strength=int(r["strength"]) if "strength" in r else None,
                via=[],
                route="direct",
                source=_opt_str(r, "origin"),
            ),
        )
    return found


def _related(
    store: GraphStore, found: _Located, mapping_rows: list[Row], limit: int, offset: int
) -> tuple[int, list[RelatedRequirement]]:
    """How many requirements of other frameworks share a control with the
    requirement or its parts (whose mappings are ``mapping_rows``), and the
    page ``[offset, offset + limit)`` of them in IRI order, each with the
    relationship composed through its strongest path (weakest link), all the
    shared controls as ``via`` and the parts they come from.

    Two steps, because at 700 frameworks a requirement shares its controls
    with about 5,000 others: find them all with as few lookups as possible
    (related_requirements.rq), then fetch titles, notations and relationships
    for the page alone (related_requirement_details.rq)."""
    # Both routes: direct mappings stored with the requirement or its parts, and paths through shared controls.
    direct: dict[str, RelatedRequirement] = {}
    direct_parts: dict[str, set[str]] = defaultdict(set)
    for node_iri, node_notation in found.nodes:
        for iri, answer in _direct(store, node_iri).items():
            direct.setdefault(iri, answer)
            direct_parts[iri].add(node_notation)
    # path number -> how the requirement (or a part) reaches a control: its own mapping, or a direct
    # mapping composed with another requirement's (the direct+control route, when it has none of its own)
    own: list[_Own] = []
    for m in mapping_rows:
        if "control" in m and str(m["relationship"]) != NO_RELATIONSHIP:
            own.append(
                _Own(
                    str(m["control"]),
                    str(m["controlNotation"]),
                    str(m["relationship"]),
                    int(m["strength"]),
                    found.notation_of(m),
                )
            )
    nodes = dict(found.nodes)
    legs = routes.composed_legs(store)
    for leg in legs:
        if leg.requirement in nodes:
            own.append(
                _Own(
                    leg.control,
                    leg.control_notation,
                    leg.relationship,
                    leg.strength,
                    nodes[leg.requirement],
                    leg.determined,
                    leg.through,
                    leg.through_iri,
                )
            )
    if not own:
        page = sorted(direct)[offset : offset + limit]
        return len(direct), [direct[iri].model_copy(update={"parts": sorted(direct_parts[iri])}) for iri in page]
    paths: dict[str, set[int]] = defaultdict(set)
    for r in reference.select(
        store,
        "related_requirements",
        controls=Rows([(Iri(o.control), number) for number, o in enumerate(own)]),
        framework=Iri(found.framework),
    ):
        if own[int(r["path"])].through_iri != str(r["related"]):  # the direct mapping's own end: not a path
            paths[str(r["related"])].add(int(r["path"]))
    # Requirements of other frameworks reaching the same controls by the direct+control route.
    by_control: dict[str, list[int]] = defaultdict(list)
    for number, o in enumerate(own):
        by_control[o.control].append(number)
    reached: dict[str, list[tuple[int, routes.Leg]]] = defaultdict(list)
    for leg in legs:
        # (not through this requirement: that is the direct mapping itself, answered by the direct route)
        if leg.framework != found.framework_id and leg.requirement not in nodes and leg.through_iri not in nodes:
            for number in by_control.get(leg.control, ()):
                reached[leg.requirement].append((number, leg))
    everyone = set(paths) | set(direct) | set(reached)
    page = sorted(everyone)[offset : offset + limit]
    if not page:
        return len(everyone), []
    composition = routes.table(store)
    details = (
        reference.select(
            store,
            "related_requirement_details",
            paths=Rows([(Iri(iri), Iri(own[n].control), n) for iri in page for n in sorted(paths.get(iri, ()))]),
        )
        if any(iri in paths for iri in page)
        else []
    )
    best: dict[str, RelatedRequirement] = {}

    def consider(iri: str, candidate: RelatedRequirement) -> None:
        current = best.get(iri)
        if current is None or _path_rank(candidate) > _path_rank(current):
            best[iri] = candidate

    # by control notation, so that of two equally strong paths the first control's wins (as before paging)
    for r in sorted(details, key=lambda r: (own[int(r["path"])].notation, int(r["path"]))):
        iri, o = str(r["related"]), own[int(r["path"])]
        composed = routes.compose(composition, o.relationship, str(r["relationship"]), o.determined)
        if composed is None:  # no rule (never for the shipped table and relationships)
            continue
        consider(
            iri,
            RelatedRequirement(
                framework=str(r["frameworkId"]),
                notation=str(r["notation"]),
                title=str(r["title"]),
                relationship=composed[0],
                determined=composed[1],
                strength=min(o.strength, int(r["strength"])),
                via=[],
                parts=[],
                route=routes.DIRECT_CONTROL if o.through else "controls",
                through=[o.through] if o.through else [],
            ),
        )
    for iri in page:
        for number, leg in sorted(reached.get(iri, ()), key=lambda x: (own[x[0]].notation, x[0])):
            o = own[number]
            composed = routes.compose(composition, o.relationship, leg.relationship, o.determined, leg.determined)
            if composed is None:
                continue
            consider(
                iri,
                RelatedRequirement(
                    framework=leg.framework,
                    notation=leg.notation,
                    title=leg.title,
                    relationship=composed[0],
                    determined=composed[1],
                    strength=min(o.strength, leg.strength),
                    via=[],
                    parts=[],
                    route=routes.DIRECT_CONTROL,
                    through=[t for t in (o.through, leg.through) if t],
                ),
            )
    answers: list[RelatedRequirement] = []
    for iri in page:
        numbers = paths.get(iri, set()) | {n for n, _ in reached.get(iri, ())}
        via = sorted({own[n].notation for n in numbers})
        parts = sorted({own[n].part for n in numbers} | direct_parts.get(iri, set()))
        if iri in direct:  # a stated mapping gives the relationship; shared controls, if any, are the path too
            route = "direct+controls" if via else "direct"
            answers.append(direct[iri].model_copy(update={"via": via, "route": route, "parts": parts}))
        elif iri in best:
            answers.append(best[iri].model_copy(update={"via": via, "parts": parts}))
    return len(everyone), answers


@dataclass(frozen=True)
class _Own:
    """One way the requirement (or a part) reaches a control: its own mapping,
    or (``through`` set) a direct mapping composed with that requirement's."""

    control: str
    notation: str  # the control's
    relationship: str
    strength: int
    part: str
    determined: bool = True
    through: str | None = None
    through_iri: str | None = None


_RELATIONSHIP_RANK = {"equal": 3, "subset of": 2, "superset of": 2, "intersects with": 1}


def _path_rank(p: RelatedRequirement | CrosswalkPath) -> tuple[int, int, int]:
    determined = getattr(p, "determined", True)
    return (p.strength or 0, int(determined), _RELATIONSHIP_RANK.get(p.relationship, 0))


def controls(store: GraphStore, *, with_route: bool = True) -> list[ControlSummary]:
    """Every common control and how many frameworks and requirements it
    serves, by both routes: its own mappings (the counts precomputed at load)
    and the direct+control route (:mod:`ctrlgraph.routes`), as
    /v1/shared-controls counts them. A requirement on that route has no
    mapping of its own, so it adds to the requirements; its framework adds to
    the frameworks unless the control's own mappings serve it already.
    ``with_route=False``: the precomputed counts only, for callers that read
    names and titles (no per-call query for the route's controls)."""
    summaries = [
        ControlSummary(
            notation=str(r["notation"]),
            iri=str(r["control"]),
            title=str(r["title"]),
            domain=_opt_str(r, "domain"),
            domain_title=_opt_str(r, "domainTitle"),
            phase=_opt_str(r, "phase"),
            effort=int(r["effort"]) if "effort" in r else None,
            frameworks=int(r.get("frameworks", 0)),
            requirements=int(r.get("requirements", 0)),
        )
        for r in reference.select(store, "controls")
    ]
    legs = routes.composed_legs(store) if with_route else []  # memoised per reference version
    if not legs:
        return summaries
    by_route: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for leg in legs:
        frameworks, requirements = by_route[leg.control]
        frameworks.add(leg.framework)
        requirements.add(leg.requirement)
    own: dict[str, set[str]] = defaultdict(set)
    for r in reference.select(store, "control_frameworks", controls=[Iri(c) for c in sorted(by_route)]):
        own[str(r["control"])].add(str(r["frameworkId"]))
    return [
        s.model_copy(
            update={
                "frameworks": len(own[s.iri] | by_route[s.iri][0]),
                "requirements": s.requirements + len(by_route[s.iri][1]),
            }
        )
        if s.iri in by_route
        else s
        for s in summaries
    ]


def control(store: GraphStore, notation: str) -> ControlDetail:
    rows = reference.select(store, "control", notation=notation)
    if not rows:
        valid = [str(r["notation"]) for r in reference.select(store, "control_notations")]
        raise NotFound("control", notation, valid)
    row = rows[0]
    iri = str(row["control"])
    # framework id -> [(document order, requirement)]: its own mappings, then the
    # direct+control route's requirements, in the framework's order
    served: dict[str, list[tuple[int, ServedRequirement]]] = defaultdict(list)
    for r in reference.select(store, "control_requirements", control=Iri(iri)):
        served[str(r["frameworkId"])].append(
            (
                int(r.get("order", 0)),
                ServedRequirement(
                    notation=str(r["notation"]),
                    title=str(r["title"]),
                    relationship=str(r["relationship"]),
                    strength=int(r["strength"]),
                    explanation=_opt_str(r, "explanation"),
                ),
            )
        )
    for leg in routes.composed_legs(store):
        if leg.control == iri:
            served[leg.framework].append(
                (
                    leg.order,
                    ServedRequirement(
                        notation=leg.notation,
                        title=leg.title,
                        relationship=leg.relationship,
                        strength=leg.strength,
                        explanation=leg.explanation,
                        route=routes.DIRECT_CONTROL,
                        determined=leg.determined,
                        through=leg.through,
                    ),
                )
            )
    serves = {fw: [q for _, q in sorted(rows, key=lambda x: x[0])] for fw, rows in served.items()}
    return ControlDetail(
        notation=notation,
        iri=iri,
        title=str(row["title"]),
        statement=_opt_str(row, "statement"),
        domain=_opt_str(row, "domain"),
        domain_title=_opt_str(row, "domainTitle"),
        phase=_opt_str(row, "phase"),
        effort=int(row["effort"]) if "effort" in row else None,
        evidence_expected=_split(row, "evidenceExpected"),
        documentation_tiers=_split(row, "tiers"),
        frameworks=len(serves),
        requirements=sum(len(v) for v in serves.values()),
        serves=dict(sorted(serves.items())),
    )


def shared_controls(
    store: GraphStore, framework_ids: list[str], min_frameworks: int, limit: int = 1000
) -> SharedControls:
    """Controls serving at least ``min_frameworks`` of the frameworks, by both
    routes: the frameworks' own mappings, and (``route`` "direct+control")
    requirements with no mapping of their own served through a direct mapping
    to another framework's requirement (:mod:`ctrlgraph.routes`)."""
    iris = [Iri(resolve_framework(store, f)) for f in framework_ids]
    graphs = [Iri(str(r["graph"])) for r in reference.select(store, "mapping_graphs", frameworks=iris)]
    legs = routes.composed_legs(store, framework_ids)
    rows = (
        reference.select(
            store,
            "shared_controls",
            frameworks=iris,
            graphs=graphs,
            # every control serving one of them, to be counted again with the other route
            # (Virtuoso sorts at most 10,000 rows under a LIMIT; there are ~1,500 controls at 700 frameworks)
            min=1 if legs else min_frameworks,
            limit=10_000 if legs else limit,
        )
        if graphs
        else []
    )
    by_control: dict[str, dict[str, list[SharedRequirement]]] = defaultdict(lambda: defaultdict(list))
    if rows:
        for r in reference.select(
            store,
            "shared_control_requirements",
            controls=[Iri(str(r["control"])) for r in rows],
            frameworks=iris,
            graphs=graphs,
        ):
            by_control[str(r["control"])][str(r["frameworkId"])].append(
                SharedRequirement(
                    notation=str(r["notation"]), relationship=str(r["relationship"]), strength=int(r["strength"])
                )
            )
    names = {str(r["control"]): (_opt_str(r, "notation") or "", _opt_str(r, "title") or "") for r in rows}
    if legs:
        titles = {c.iri: (c.notation, c.title) for c in controls(store, with_route=False)}
        for leg in legs:
            names.setdefault(leg.control, titles.get(leg.control, (leg.control_notation, "")))
            by_control[leg.control][leg.framework].append(
                SharedRequirement(
                    notation=leg.notation,
                    relationship=leg.relationship,
                    strength=leg.strength,
                    route=routes.DIRECT_CONTROL,
                    determined=leg.determined,
                    through=leg.through,
                )
            )
        # Counted again with both routes, then ranked as shared_controls.rq ranks.
        counted = [
            (iri, len(by_fw), sum(len({q.notation for q in reqs}) for reqs in by_fw.values()))
            for iri, by_fw in by_control.items()
        ]
        counted = [c for c in counted if c[1] >= min_frameworks]
        counted.sort(key=lambda c: (-c[1], -c[2], names[c[0]][0]))
        ranked = [(iri, n_fw, n_req) for iri, n_fw, n_req in counted[:limit]]
    else:
        ranked = [(str(r["control"]), int(r["frameworks"]), int(r["requirements"])) for r in rows]
    result = [
        SharedControl(
            notation=names[iri][0],
            iri=iri,
            title=names[iri][1],
            framework_count=n_fw,
            requirement_count=n_req,
            requirements={fw: sorted(reqs, key=lambda q: q.notation) for fw, reqs in sorted(by_control[iri].items())},
        )
        for iri, n_fw, n_req in ranked
    ]
    return SharedControls(frameworks=framework_ids, min_frameworks=min_frameworks, count=len(result), controls=result)


#: Crosswalk levels: requirement pairs as mapped, or rolled up to articles.
CROSSWALK_LEVELS = ("requirement", "article")


def article_of(tree: RequirementTree) -> dict[str, str]:
    """Each notation's article-level node: its nearest ancestor-or-self that
    is an article (the EU AI Act's Art. N, or an annex); in a framework
    without articles (the ISO standards), its ancestor one level below the
    top, i.e. a clause such as 9.2 or an Annex A theme such as A.5 (a top
    node stands for itself)."""
    nodes = {n.notation: n for n in tree.requirements}
    has_articles = any(n.type == "article" for n in tree.requirements)
    result: dict[str, str] = {}
    for node in tree.requirements:
        current, chosen, seen = node, None, set()
        while current is not None and current.notation not in seen:
            seen.add(current.notation)
            if has_articles and current.type in ("article", "annex"):
                chosen = current
                break
            if not has_articles and current.depth == min(1, node.depth):
                chosen = current
                break
            current = nodes.get(current.parent) if current.parent else None
        result[node.notation] = (chosen or node).notation
    return result


def crosswalk(store: GraphStore, source_id: str, target_id: str, level: str = "requirement") -> Crosswalk:
    """Requirement pairs of two frameworks derived through shared controls;
    ``level="article"`` rolls each side up to its article (see
    :func:`article_of`), one pair per (article, article) with the strongest
    relationship of the pairs below it and all their paths."""
    if level not in CROSSWALK_LEVELS:
        raise ValueError(f"unknown crosswalk level {level!r}; use one of {', '.join(CROSSWALK_LEVELS)}")
    pairs = _crosswalk(store, source_id, target_id)
    target_tree = requirement_tree(store, target_id)
    # Direct mappings may name clause headings: flag them, so a share over
    # assessable_count counts the same kind of requirement above and below.
    assessable = {n.notation for n in target_tree.requirements if n.assessable}
    for p in pairs:
        p.target_assessable = p.target in assessable
    if level == "article":
        pairs = _rolled_up(pairs, requirement_tree(store, source_id), target_tree)
    return Crosswalk(source=source_id, target=target_id, level=level, count=len(pairs), pairs=pairs)


def _rolled_up(pairs: list[CrosswalkPair], source: RequirementTree, target: RequirementTree) -> list[CrosswalkPair]:
    up_source, up_target = article_of(source), article_of(target)
    titles = {**{("s", n.notation): n.title for n in source.requirements}}
    titles.update({("t", n.notation): n.title for n in target.requirements})
    order_s = {n.notation: n.order for n in source.requirements}
    order_t = {n.notation: n.order for n in target.requirements}
    rolled: dict[tuple[str, str], CrosswalkPair] = {}
    for p in pairs:
        key = (up_source.get(p.source, p.source), up_target.get(p.target, p.target))
        current = rolled.get(key)
        if current is None:
            rolled[key] = CrosswalkPair(
                source=key[0],
                source_title=titles.get(("s", key[0]), p.source_title),
                target=key[1],
                target_title=titles.get(("t", key[1]), p.target_title),
                relationship=p.relationship,
                determined=p.determined,
                strength=p.strength,
                paths=list(p.paths),
                target_assessable=p.target_assessable,
                parts=[f"{p.source} -> {p.target}"],
                explanation=f"from {p.source} -> {p.target}: {p.explanation}",
            )
            continue
        current.parts.append(f"{p.source} -> {p.target}")
        current.target_assessable = current.target_assessable or p.target_assessable
        current.paths += [x for x in p.paths if x not in current.paths]
        if _pair_rank(p) > _pair_rank(current):
            current.relationship, current.strength, current.determined = p.relationship, p.strength, p.determined
            current.explanation = f"from {p.source} -> {p.target}: {p.explanation}"
    return [rolled[k] for k in sorted(rolled, key=lambda k: (order_s.get(k[0], 0), order_t.get(k[1], 0), k))]


def _pair_rank(p: CrosswalkPair) -> tuple[int, int, int]:
    return (p.strength, int(p.determined), _RELATIONSHIP_RANK.get(p.relationship, 0))


def crosswalk_explanation(source: str, target: str, pair_paths: Sequence[CrosswalkPath], best: CrosswalkPath) -> str:
    """Which legs ("requirement REL control") made the pair's relationship determined or not."""
    legs = f"{source} {best.source_relationship} {best.control} and {target} {best.target_relationship} {best.control}"
    if best.determined and best.relationship != "intersects with":
        text = (
            f"determined by {legs}: both legs are strict (equal / subset of / superset of), "
            f"so {source} {best.relationship} {target}"
        )
    elif best.determined:
        text = (
            f"determined by {legs}: one requirement equals the control, "
            "so the other's partial overlap carries over exactly"
        )
    elif best.overlap_guaranteed:
        text = (
            f"not determined: {legs}; a leg is 'intersects with' or both requirements contain the control, "
            "so they certainly share content but set theory cannot say which (if either) contains the other"
        )
    else:
        text = (
            f"not determined: {legs}; both requirements lie inside the control or only intersect it, "
            "so they are a candidate overlap for an analyst to confirm"
        )
    others = sorted({p.control for p in pair_paths if p is not best})
    if others:
        strict = sorted({p.control for p in pair_paths if p is not best and p.determined})
        text += f"; also shared: {', '.join(others)}"
        if strict:
            text += f" (determined through {', '.join(strict)})"
    return text


def _crosswalk(store: GraphStore, source_id: str, target_id: str) -> list[CrosswalkPair]:
    known = framework_iris(store)
    source = resolve_framework(store, source_id, known)
    target = resolve_framework(store, target_id, known)
    rows = reference.select(store, "crosswalk", source=Iri(source), target=Iri(target))
    pairs: dict[tuple[str, str], CrosswalkPair] = {}
    order: dict[tuple[str, str], tuple[int, int]] = {}
    # Direct route first: a stored mapping between the two requirements states the pair's relationship.
    for r in reference.select(store, "crosswalk_direct", source=Iri(source), target=Iri(target)):
        key = (str(r["sourceNotation"]), str(r["targetNotation"]))
        relationship = str(r["relationship"])
        if bool(r["inverse"]):
            relationship = _INVERSE.get(relationship, relationship)
        strength = int(r["strength"]) if "strength" in r else None
        path = CrosswalkPath(route="direct", relationship=relationship, strength=strength, source=_opt_str(r, "origin"))
        if key in pairs:
            pairs[key].paths.append(path)
            continue
        pairs[key] = CrosswalkPair(
            source=key[0],
            source_title=str(r["sourceTitle"]),
            target=key[1],
            target_title=str(r["targetTitle"]),
            relationship=relationship,
            determined=True,
            strength=strength,
            route="direct",
            explanation=f"stated by a direct mapping{f' ({path.source})' if path.source else ''}: "
            f"{key[0]} {relationship} {key[1]}",
            paths=[path],
        )
        order[key] = (int(r.get("sourceOrder", 0)), int(r.get("targetOrder", 0)))
    grouped: dict[tuple[str, str], list[CrosswalkPath]] = defaultdict(list)
    titles: dict[tuple[str, str], tuple[str, str]] = {}
    for r in rows:
        key = (str(r["sourceNotation"]), str(r["targetNotation"]))
        grouped[key].append(
            CrosswalkPath(
                control=str(r["controlNotation"]),
                source_relationship=str(r["sourceRelationship"]),
                target_relationship=str(r["targetRelationship"]),
                relationship=str(r["relationship"]),
                determined=bool(r["determined"]),
                overlap_guaranteed=bool(r["overlap"]),
                strength=int(r["strength"]),
            )
        )
        if key not in titles:
            titles[key] = (str(r["sourceTitle"]), str(r["targetTitle"]))
            order.setdefault(key, (int(r.get("sourceOrder", 0)), int(r.get("targetOrder", 0))))
    _composed_paths(store, source_id, target_id, source, target, grouped, titles, order)
    for key, paths in grouped.items():
        # The first path of the highest rank decides (strength, then determined, then relationship).
        best = max(paths, key=lambda p: (p.strength or 0, int(p.determined), _RELATIONSHIP_RANK.get(p.relationship, 0)))
        through = crosswalk_explanation(key[0], key[1], paths, best)
        if best.through:
            through = f"through the direct mapping of {' and '.join(best.through)}: {through}"
        pair = pairs.get(key)
        if pair is not None:  # a stated mapping keeps the relationship; the controls add paths
            pair.paths.extend(paths)
            pair.route = "direct+controls"
            pair.explanation += f"; through the controls: {through}"
            continue
        pairs[key] = CrosswalkPair(
            source=key[0],
            source_title=titles[key][0],
            target=key[1],
            target_title=titles[key][1],
            relationship=best.relationship,
            determined=best.determined,
            strength=best.strength,
            route=routes.DIRECT_CONTROL if all(p.route == routes.DIRECT_CONTROL for p in paths) else "controls",
            explanation=through,
            paths=paths,
        )
    return [pairs[k] for k in sorted(pairs, key=lambda k: order[k])]


@dataclass(frozen=True)
class _End:
    """How one requirement of a crosswalk side reaches a control: its own mapping,
    or (``through`` set) a direct mapping composed with another requirement's."""

    iri: str
    notation: str
    title: str
    order: int
    relationship: str
    determined: bool
    strength: int
    through: str | None = None
    through_iri: str | None = None
    source: str | None = None


def _composed_paths(
    store: GraphStore,
    source_id: str,
    target_id: str,
    source: str,
    target: str,
    grouped: dict[tuple[str, str], list[CrosswalkPath]],
    titles: dict[tuple[str, str], tuple[str, str]],
    order: dict[tuple[str, str], tuple[int, int]],
) -> None:
    """Add the ``direct+control`` paths: through a control that one side (or
    both) reaches by a direct mapping to a third requirement (:mod:`ctrlgraph.routes`)."""
    legs = routes.composed_legs(store, {source_id, target_id})
    if not legs:
        return
    controls = sorted({leg.control for leg in legs})
    ends: dict[str, dict[str, list[_End]]] = {source_id: defaultdict(list), target_id: defaultdict(list)}
    notation_of: dict[str, str] = {}
    for leg in legs:
        notation_of[leg.control] = leg.control_notation
        ends[leg.framework][leg.control].append(
            _End(
                leg.requirement,
                leg.notation,
                leg.title,
                leg.order,
                leg.relationship,
                leg.determined,
                leg.strength,
                leg.through,
                leg.through_iri,
                leg.source,
            )
        )
    for r in reference.select(
        store,
        "control_framework_mappings",
        controls=[Iri(c) for c in controls],
        frameworks=[Iri(source), Iri(target)],
    ):
        end = _End(
            str(r["requirement"]),
            str(r["notation"]),
            str(r["title"]),
            int(r.get("order", 0)),
            str(r["relationship"]),
            True,
            int(r["strength"]),
        )
        ends[str(r["frameworkId"])][str(r["control"])].append(end)
    composition = routes.table(store)
    for control in controls:
        for a in ends[source_id].get(control, []):
            for b in ends[target_id].get(control, []):
                if a.through is None and b.through is None:
                    continue  # both own mappings: the controls route (crosswalk.rq) has it
                if a.iri == b.iri or a.through_iri == b.iri or b.through_iri == a.iri:
                    continue  # the direct mapping itself, not a path through a control
                composed = routes.compose(composition, a.relationship, b.relationship, a.determined, b.determined)
                if composed is None:
                    continue
                key = (a.notation, b.notation)
                grouped[key].append(
                    CrosswalkPath(
                        route=routes.DIRECT_CONTROL,
                        control=notation_of[control],
                        through=[t for t in (a.through, b.through) if t],
                        source_relationship=a.relationship,
                        target_relationship=b.relationship,
                        relationship=composed[0],
                        determined=composed[1],
                        overlap_guaranteed=composed[2],
                        strength=min(a.strength, b.strength),
                        source=a.source or b.source,
                    )
                )
                titles.setdefault(key, (a.title, b.title))
                order.setdefault(key, (a.order, b.order))
