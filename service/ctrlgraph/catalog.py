"""Reference-graph answers: frameworks, requirements, controls, shared
controls and crosswalks. Each function runs query files and shapes rows into
the models of :mod:`ctrlgraph.models`."""

from __future__ import annotations

from collections import defaultdict

from ctrlgraph import reference
from ctrlgraph.models import (
    ControlDetail,
    ControlSummary,
    Crosswalk,
    CrosswalkPair,
    CrosswalkPath,
    Framework,
    LinkOut,
    MappingOut,
    RelatedRequirement,
    RequirementDetail,
    RequirementNode,
    RequirementTree,
    ServedRequirement,
    SharedControl,
    SharedControls,
    SharedRequirement,
)
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


def requirement(store: GraphStore, framework_id: str, notation: str) -> RequirementDetail:
    fw = resolve_framework(store, framework_id)
    rows = reference.select(store, "requirement", framework=Iri(fw), notation=notation)
    if not rows:
        raise NotFound(f"notation in {framework_id}", notation, _notations(store, fw))
    row = rows[0]
    req = str(row["requirement"])
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
        )
        for m in reference.select(store, "requirement_mappings", requirement=Iri(req))
    ]
    links = [
        LinkOut(
            framework=str(r["frameworkId"]),
            notation=str(r["notation"]),
            title=str(r["title"]),
            relationship=str(r["relationship"]),
            strength=int(r["strength"]),
            explanation=_opt_str(r, "explanation"),
        )
        for r in reference.select(store, "requirement_links", requirement=Iri(req))
    ]
    related: dict[tuple[str, str], RelatedRequirement] = {}
    for r in reference.select(store, "related_requirements", requirement=Iri(req), framework=Iri(fw)):
        key = (str(r["frameworkId"]), str(r["notation"]))
        candidate = RelatedRequirement(
            framework=key[0],
            notation=key[1],
            title=str(r["title"]),
            relationship=str(r["relationship"]),
            determined=bool(r["determined"]),
            strength=int(r["strength"]),
            via=[str(r["controlNotation"])],
        )
        current = related.get(key)
        if current is None:
            related[key] = candidate
            continue
        via = sorted({*current.via, *candidate.via})
        best = candidate if _path_rank(candidate) > _path_rank(current) else current
        related[key] = best.model_copy(update={"via": via})
    return RequirementDetail(
        framework=framework_id,
        notation=notation,
        iri=req,
        title=str(row["title"]),
        parent=_opt_str(row, "parentNotation"),
        assessable=bool(row["assessable"]),
        type=_opt_str(row, "type"),
        definition=_opt_str(row, "definition"),
        legal_text=_opt_str(row, "legalText"),
        applicable_from=_opt_str(row, "applicableFrom"),
        roles=_split(row, "roles"),
        risk_categories=_split(row, "riskCategories"),
        mappings=mappings,
        harmonized_structure=links,
        related=sorted(related.values(), key=lambda x: (x.framework, -x.strength, x.notation)),
    )


_RELATIONSHIP_RANK = {"equal": 3, "subset of": 2, "superset of": 2, "intersects with": 1}


def _path_rank(p: RelatedRequirement | CrosswalkPath) -> tuple[int, int, int]:
    determined = getattr(p, "determined", True)
    return (p.strength, int(determined), _RELATIONSHIP_RANK.get(p.relationship, 0))


def controls(store: GraphStore) -> list[ControlSummary]:
    return [
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


def control(store: GraphStore, notation: str) -> ControlDetail:
    rows = reference.select(store, "control", notation=notation)
    if not rows:
        valid = [str(r["notation"]) for r in reference.select(store, "control_notations")]
        raise NotFound("control", notation, valid)
    row = rows[0]
    iri = str(row["control"])
    serves: dict[str, list[ServedRequirement]] = defaultdict(list)
    for r in reference.select(store, "control_requirements", control=Iri(iri)):
        serves[str(r["frameworkId"])].append(
            ServedRequirement(
                notation=str(r["notation"]),
                title=str(r["title"]),
                relationship=str(r["relationship"]),
                strength=int(r["strength"]),
                explanation=_opt_str(r, "explanation"),
            )
        )
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
    known = framework_iris(store)
    iris = [resolve_framework(store, f, known) for f in framework_ids]
    rows = reference.select(
        store,
        "shared_controls",
        frameworks=[Iri(i) for i in iris],
        min=min_frameworks,
        limit=limit,
    )
    by_control: dict[str, dict[str, list[SharedRequirement]]] = defaultdict(lambda: defaultdict(list))
    if rows:
        for r in reference.select(
            store,
            "shared_control_requirements",
            controls=[Iri(str(r["control"])) for r in rows],
            frameworks=[Iri(i) for i in iris],
        ):
            by_control[str(r["control"])][str(r["frameworkId"])].append(
                SharedRequirement(
                    notation=str(r["notation"]), relationship=str(r["relationship"]), strength=int(r["strength"])
                )
            )
    result = [
        SharedControl(
            notation=str(r["notation"]),
            iri=str(r["control"]),
            title=str(r["title"]),
            framework_count=int(r["frameworks"]),
            requirement_count=int(r["requirements"]),
            requirements={
                fw: sorted(reqs, key=lambda q: q.notation) for fw, reqs in sorted(by_control[str(r["control"])].items())
            },
        )
        for r in rows
    ]
    return SharedControls(frameworks=framework_ids, min_frameworks=min_frameworks, count=len(result), controls=result)


def crosswalk(store: GraphStore, source_id: str, target_id: str) -> Crosswalk:
    known = framework_iris(store)
    source = resolve_framework(store, source_id, known)
    target = resolve_framework(store, target_id, known)
    rows = reference.select(store, "crosswalk", source=Iri(source), target=Iri(target))
    pairs: dict[tuple[str, str], CrosswalkPair] = {}
    order: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows:
        key = (str(r["sourceNotation"]), str(r["targetNotation"]))
        path = CrosswalkPath(
            control=str(r["controlNotation"]),
            source_relationship=str(r["sourceRelationship"]),
            target_relationship=str(r["targetRelationship"]),
            relationship=str(r["relationship"]),
            strength=int(r["strength"]),
        )
        determined = bool(r["determined"])
        pair = pairs.get(key)
        if pair is None:
            pairs[key] = CrosswalkPair(
                source=key[0],
                source_title=str(r["sourceTitle"]),
                target=key[1],
                target_title=str(r["targetTitle"]),
                relationship=path.relationship,
                determined=determined,
                strength=path.strength,
                paths=[path],
            )
            order[key] = (int(r.get("sourceOrder", 0)), int(r.get("targetOrder", 0)))
            continue
        pair.paths.append(path)
        if (path.strength, int(determined), _RELATIONSHIP_RANK.get(path.relationship, 0)) > (
            pair.strength,
            int(pair.determined),
            _RELATIONSHIP_RANK.get(pair.relationship, 0),
        ):
            pair.relationship, pair.strength, pair.determined = path.relationship, path.strength, determined
    ordered = [pairs[k] for k in sorted(pairs, key=lambda k: order[k])]
    return Crosswalk(source=source_id, target=target_id, count=len(ordered), pairs=ordered)
