"""Writing oscal files from the graph (see the package docstring)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ctrlgraph import catalog as ref_catalog
from ctrlgraph.interop.data import (
    ControlCatalogData,
    FrameworkData,
    RequirementRow,
    controls_data,
    framework_data,
    framework_ids,
    framework_mappings,
    last_modified,
)
from ctrlgraph.interop.model import (
    one_line,
    oscal_id,
)
from ctrlgraph.iri import ID
from ctrlgraph.store.base import GraphStore

#: The OSCAL version the documents declare (compliance-trestle 5.2 models it).
OSCAL_VERSION = "1.2.1"
#: Namespace of the props and parts that carry ctrlgraph facts.
NS = "https://w3id.org/ctrlgraph/ns/oscal"
OSCAL_NS = "http://csrc.nist.gov/ns/oscal"
CONTROLS_ID = "controls"
_UUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, ID + "oscal")

#: NIST IR 8477 relationship (our notation) -> OSCAL mapping relationship.
RELATIONSHIP_TO_OSCAL = {
    "equal": "equal-to",
    "subset of": "subset-of",
    "superset of": "superset-of",
    "intersects with": "intersects-with",
    "no relationship": "no-relationship",
}


class NothingToExport(LookupError):
    """The requested document would be empty (e.g. a framework with no mappings)."""


def _uuid(*parts: str) -> str:
    """Stable UUIDv5: the same subject gets the same UUID in every export."""
    return str(uuid.uuid5(_UUID_NS, "/".join(parts)))


def _prop(name: str, value: object, *, ns: str | None = NS) -> dict[str, str]:
    prop = {"name": name, "value": one_line(str(value))}
    if ns:
        prop["ns"] = ns
    return prop


def _metadata(title: str, version: str | None, modified: str, props: list[dict[str, str]], **extra: Any) -> dict:
    metadata: dict[str, Any] = {
        "title": one_line(title),
        "last-modified": modified,
        "version": one_line(version or "unversioned"),
        "oscal-version": OSCAL_VERSION,
    }
    if props:
        metadata["props"] = props
    metadata.update({k.replace("_", "-"): v for k, v in extra.items() if v})
    return metadata


def file_name(kind: str, *ids: str) -> str:
    """The file name :func:`write_all` gives a document (also used in hrefs)."""
    return f"{kind}-{'-to-'.join(ids)}.json"


# --------------------------------------------------------------------------
# Catalogs
# --------------------------------------------------------------------------
def _can_group(node: RequirementRow) -> bool:
    return not node.assessable


def _children_are_groups(nodes: Sequence[RequirementRow]) -> bool:
    """OSCAL lets a group (and the catalog) hold groups *or* controls, not
    both: siblings become groups only when none of them is assessable;
    otherwise all of them are controls (nesting below a control)."""
    return bool(nodes) and all(_can_group(n) for n in nodes)


def _requirement_props(node: RequirementRow) -> list[dict[str, str]]:
    props = [
        _prop("label", node.notation, ns=None),
        _prop("sort-id", f"{node.order:06d}", ns=None),
        _prop("assessable", str(node.assessable).lower()),
    ]
    if node.type:
        props.append(_prop("requirement-type", node.type))
    if node.applicable_from:
        props.append(_prop("applicable-from", node.applicable_from))
    props += [_prop("role", role) for role in node.roles]
    props += [_prop("risk-category", category) for category in node.risk_categories]
    props += [_prop("exact-match", iri) for iri in node.exact_match]
    return props


def _requirement_parts(node: RequirementRow, node_id: str) -> list[dict[str, str]]:
    # A text with parameters is written as the source wrote it: {{ insert: param, id }} placeholders
    # beside the params (_params), which an OSCAL reader renders again.
    text = node.templates
    parts = []
    if node.definition:
        parts.append({"id": f"{node_id}_ovw", "name": "overview", "prose": text.get("definition", node.definition)})
    if node.legal_text:
        parts.append({"id": f"{node_id}_smt", "name": "statement", "class": "legal-text", "prose": node.legal_text})
    if node.guidance:
        parts.append({"id": f"{node_id}_gdn", "name": "guidance", "prose": text.get("guidance", node.guidance)})
    if node.objectives:
        parts.append(
            {"id": f"{node_id}_obj", "name": "assessment-objective", "prose": text.get("objectives", node.objectives)}
        )
    return parts


def _params(node: RequirementRow) -> list[dict[str, Any]]:
    """The node's OSCAL params as imported: id, label, values, selection (how many, choices in order)."""
    params = []
    for prm in node.parameters:
        param: dict[str, Any] = {"id": prm.id}
        if prm.label:
            param["label"] = prm.label
        if prm.values:
            param["values"] = list(prm.values)
        if prm.choices:
            select: dict[str, Any] = {"choice": list(prm.choices)}
            if prm.how_many:
                select["how-many"] = prm.how_many
            param["select"] = select
        params.append(param)
    return params


def _control(node: RequirementRow) -> dict[str, Any]:
    node_id = oscal_id(node.notation)
    control: dict[str, Any] = {"id": node_id, "title": one_line(node.title)}
    if node.parameters:
        control["params"] = _params(node)
    control["props"] = _requirement_props(node)
    parts = _requirement_parts(node, node_id)
    if parts:
        control["parts"] = parts
    if node.children:
        control["controls"] = [_control(child) for child in node.children]
    return control


def _group(node: RequirementRow) -> dict[str, Any]:
    node_id = oscal_id(node.notation)
    group: dict[str, Any] = {"id": node_id, "title": one_line(node.title)}
    if node.parameters:
        group["params"] = _params(node)
    group["props"] = _requirement_props(node)
    parts = _requirement_parts(node, node_id)
    if parts:
        group["parts"] = parts
    key, members = _layout(node.children)
    if members:
        group[key] = members
    return group


def _layout(nodes: Sequence[RequirementRow]) -> tuple[str, list[dict[str, Any]]]:
    if _children_are_groups(nodes):
        return "groups", [_group(n) for n in nodes]
    return "controls", [_control(n) for n in nodes]


def _framework_resource(fw_id: str, title: str) -> dict[str, Any]:
    return {
        "uuid": _uuid("resource", fw_id),
        "title": one_line(title),
        "props": [_prop("framework-id", fw_id)],
        "rlinks": [
            {"href": file_name("catalog", fw_id), "media-type": "application/oscal.catalog+json"},
            {"href": f"/v1/export/oscal/catalog/{fw_id}", "media-type": "application/json"},
        ],
    }


def catalog(store: GraphStore, framework_id: str) -> dict[str, Any]:
    """One framework as an OSCAL catalog."""
    fw = framework_data(store, framework_id)
    return catalog_of(fw, last_modified(store))


def catalog_of(fw: FrameworkData, modified: str) -> dict[str, Any]:
    props = [_prop("framework-id", fw.id)]
    for name, value in (
        ("publisher", fw.publisher),
        ("issued", fw.issued),
        ("rights", fw.rights),
        ("citation", fw.citation),
        ("source", fw.source),
    ):
        if value:
            props.append(_prop(name, value))
    body: dict[str, Any] = {
        "uuid": _uuid("catalog", fw.id),
        "metadata": _metadata(fw.title, fw.version, modified, props, remarks=fw.description),
    }
    key, members = _layout(fw.roots)
    if members:
        body[key] = members
    if fw.citation or fw.source:
        resource: dict[str, Any] = {
            "uuid": _uuid("source", fw.id),
            "title": one_line(fw.citation or fw.title),
            "props": [_prop("role", "source-of-text")],
        }
        if fw.citation:
            resource["citation"] = {"text": one_line(fw.citation)}
        if fw.source and fw.source.startswith(("http://", "https://")):
            resource["rlinks"] = [{"href": fw.source}]
        if fw.rights:
            resource["remarks"] = fw.rights
        body["back-matter"] = {"resources": [resource]}
    return {"catalog": body}


def controls_catalog(store: GraphStore) -> dict[str, Any]:
    """The common controls as an OSCAL catalog (one group per domain)."""
    return controls_catalog_of(controls_data(store), last_modified(store))


def controls_catalog_of(data: ControlCatalogData, modified: str) -> dict[str, Any]:
    domains: dict[str, dict[str, Any]] = {}
    for c in data.controls:
        key = c.domain or "none"
        if key not in domains:
            group: dict[str, Any] = {
                "id": key,
                "title": one_line(c.domain_title or key),
                "props": [_prop("label", key, ns=None)],
                "controls": [],
            }
            if c.domain_definition:
                group["parts"] = [{"id": f"{key}_ovw", "name": "overview", "prose": c.domain_definition}]
            domains[key] = group
        props = [_prop("label", c.notation, ns=None)]
        if c.phase:
            props.append(_prop("roadmap-phase", c.phase))
        if c.effort is not None:
            props.append(_prop("effort", c.effort))
        props += [_prop("documentation-tier", tier) for tier in c.tiers]
        parts: list[dict[str, Any]] = []
        if c.statement:
            parts.append({"id": f"{c.notation}_smt", "name": "statement", "prose": c.statement})
        if c.evidence:
            parts.append(
                {
                    "id": f"{c.notation}_evd",
                    "name": "evidence-expected",
                    "ns": NS,
                    "title": "Evidence expected",
                    "parts": [
                        {"id": f"{c.notation}_evd.{i}", "name": "item", "ns": NS, "prose": text}
                        for i, text in enumerate(c.evidence, start=1)
                    ],
                }
            )
        if c.scope_note:
            parts.append({"id": f"{c.notation}_gdn", "name": "guidance", "prose": c.scope_note})
        control: dict[str, Any] = {"id": c.notation, "title": one_line(c.title), "props": props}
        if parts:
            control["parts"] = parts
        domains[key]["controls"].append(control)
    props = [_prop("framework-id", CONTROLS_ID), _prop("catalog-id", data.id)]
    if data.publisher:
        props.append(_prop("publisher", data.publisher))
    return {
        "catalog": {
            "uuid": _uuid("catalog", CONTROLS_ID),
            "metadata": _metadata(data.title, data.version, modified, props, remarks=data.description),
            "groups": list(domains.values()),
        }
    }


# --------------------------------------------------------------------------
# Mapping collections
# --------------------------------------------------------------------------
def mapping_collection(store: GraphStore, source: str, target: str) -> dict[str, Any]:
    """``target == "controls"``: the stored mappings of ``source``; otherwise
    the crosswalk derived through shared controls."""
    if target == CONTROLS_ID:
        return _stored_mappings(store, source)
    return _crosswalk(store, source, target)


def _collection(
    title: str,
    description: str,
    modified: str,
    mapping: dict[str, Any],
    rationale: str,
    method: str,
    resources: list[dict[str, Any]],
    key: str,
) -> dict[str, Any]:
    return {
        "mapping-collection": {
            "uuid": _uuid("mapping-collection", key),
            "metadata": _metadata(title, "1", modified, [_prop("mapping-set", key)]),
            "provenance": {
                "method": method,
                "matching-rationale": rationale,
                "status": "complete",
                "mapping-description": description,
            },
            "mappings": [mapping],
            "back-matter": {"resources": resources},
        }
    }


def _resource_ref(fw_id: str) -> dict[str, Any]:
    return {"type": "catalog", "href": "#" + _uuid("resource", fw_id), "props": [_prop("framework-id", fw_id)]}


def _stored_mappings(store: GraphStore, source: str) -> dict[str, Any]:
    fw = framework_data(store, source, with_tree=False)
    rows = framework_mappings(store, fw.iri)
    maps: list[dict[str, Any]] = []
    gaps: list[str] = []
    gap_props: list[dict[str, str]] = []
    for m in rows:
        if m.control is None:
            gaps.append(oscal_id(m.notation))
            gap_props.append(
                {**_prop("no-relationship", oscal_id(m.notation)), "remarks": m.explanation or "no control serves it"}
            )
            continue
        entry: dict[str, Any] = {
            "uuid": _uuid("map", m.iri),
            "matching-rationale": m.rationale,
            "relationship": RELATIONSHIP_TO_OSCAL[m.relationship],
            "sources": [{"type": "control", "id-ref": oscal_id(m.notation)}],
            "targets": [{"type": "control", "id-ref": m.control}],
            "confidence-score": {"percentage": m.strength / 10},
            "props": [_prop("strength", m.strength)],
        }
        if m.source:
            entry["props"].append(_prop("source", m.source))
        if m.explanation:
            entry["remarks"] = m.explanation
        maps.append(entry)
    if not maps:
        raise NothingToExport(f"framework {source!r} has no mappings to common controls")
    rationale = Counter(m["matching-rationale"] for m in maps).most_common(1)[0][0]
    mapping: dict[str, Any] = {
        "uuid": _uuid("mapping", source, CONTROLS_ID),
        "method": "human",
        "matching-rationale": rationale,
        "status": "complete",
        "source-resource": _resource_ref(source),
        "target-resource": _resource_ref(CONTROLS_ID),
        "maps": maps,
    }
    if gap_props:
        mapping["props"] = gap_props
        mapping["source-gap-summary"] = {
            "uuid": _uuid("gaps", source, CONTROLS_ID),
            "unmapped-controls": [{"with-ids": gaps}],
        }
    controls = controls_data(store)
    return _collection(
        f"{fw.title} to ctrlgraph common controls",
        f"Every stored mapping of {source} requirements to ctrlgraph common controls, read "
        "'requirement RELATIONSHIP control' (NIST IR 8477 set-theory relationships). The confidence "
        "percentage is the mapping strength (NIST IR 8278A, 0-10) divided by 10; the exact strength is the "
        f"'strength' prop ({NS}).",
        last_modified(store),
        mapping,
        rationale,
        "human",
        [_framework_resource(source, fw.title), _framework_resource(CONTROLS_ID, controls.title)],
        f"{source}/{CONTROLS_ID}",
    )


def _crosswalk(store: GraphStore, source: str, target: str) -> dict[str, Any]:
    if source == target:
        raise ValueError("source and target must be different frameworks")
    result = ref_catalog.crosswalk(store, source, target)
    if not result.pairs:
        raise NothingToExport(f"no requirement of {source!r} shares a control with a requirement of {target!r}")
    known = framework_ids(store)
    titles = {fid: framework_data(store, fid, with_tree=False).title for fid in (source, target) if fid in known}
    maps = []
    for pair in result.pairs:
        via = sorted({p.control for p in pair.paths if p.control})
        explanation = "; ".join(
            f"{p.control}: {source} {pair.source} {p.source_relationship} it, "
            f"{target} {pair.target} {p.target_relationship} it"
            if p.control
            else f"stated directly ({p.source or 'stored mapping'}): {pair.source} {p.relationship} {pair.target}"
            for p in pair.paths
        )
        maps.append(
            {
                "uuid": _uuid("crosswalk-map", source, pair.source, target, pair.target),
                "relationship": RELATIONSHIP_TO_OSCAL[pair.relationship],
                "sources": [{"type": "control", "id-ref": oscal_id(pair.source)}],
                "targets": [{"type": "control", "id-ref": oscal_id(pair.target)}],
                **({"confidence-score": {"percentage": pair.strength / 10}} if pair.strength is not None else {}),
                "props": [
                    *([_prop("strength", pair.strength)] if pair.strength is not None else []),
                    _prop("determined", str(pair.determined).lower()),
                    _prop("route", pair.route),
                    *(_prop("via", control) for control in via),
                ],
                "remarks": (
                    "Derived through shared common controls"
                    if pair.route == "controls"
                    else "Stated by a direct mapping"
                )
                + f" — {explanation}.",
            }
        )
    mapping = {
        "uuid": _uuid("mapping", source, target),
        "method": "automation",
        "matching-rationale": "semantic",
        "status": "complete",
        "source-resource": _resource_ref(source),
        "target-resource": _resource_ref(target),
        "maps": maps,
    }
    return _collection(
        f"{titles.get(source, source)} to {titles.get(target, target)} (derived crosswalk)",
        f"Requirement pairs of {source} and {target} derived through shared ctrlgraph common controls: the "
        "relationship is composed with the STRM composition table, the strength is the weakest link (the 'via' "
        "props name the controls). Where 'determined' is false, set theory leaves the relationship open and "
        "'intersects-with' marks a candidate overlap for an analyst to confirm.",
        last_modified(store),
        mapping,
        "semantic",
        "automation",
        [
            _framework_resource(source, titles.get(source, source)),
            _framework_resource(target, titles.get(target, target)),
        ],
        f"{source}/{target}",
    )


# --------------------------------------------------------------------------
# Profile
# --------------------------------------------------------------------------
def profile(store: GraphStore, framework_id: str, notations: Sequence[str], title: str | None = None) -> dict[str, Any]:
    """A profile importing the framework's catalog and selecting the given
    requirements (e.g. those a Statement of Applicability marks applicable).
    A grouping node stands for every control below it."""
    fw = framework_data(store, framework_id)
    by_notation = {r.notation: r for r in fw.requirements}
    unknown = [n for n in notations if n not in by_notation]
    if unknown:
        raise ref_catalog.NotFound(f"notation in {framework_id}", unknown[0], sorted(by_notation))
    groups = {id(n) for n in _group_nodes(fw.roots)}
    ids: list[str] = []

    def select(node: RequirementRow) -> None:
        if id(node) in groups:
            for child in node.children:
                select(child)
        elif oscal_id(node.notation) not in ids:
            ids.append(oscal_id(node.notation))

    for notation in dict.fromkeys(notations):
        select(by_notation[notation])
    if not ids:
        raise NothingToExport("the selection holds no control")
    resource = _framework_resource(framework_id, fw.title)
    return {
        "profile": {
            "uuid": _uuid("profile", framework_id, *sorted(ids)),
            "metadata": _metadata(
                title or f"{fw.title} — selected requirements",
                fw.version,
                last_modified(store),
                [_prop("framework-id", framework_id), _prop("selected", len(ids))],
            ),
            "imports": [{"href": "#" + resource["uuid"], "include-controls": [{"with-ids": ids}]}],
            "merge": {"as-is": True},
            "back-matter": {"resources": [resource]},
        }
    }


def _group_nodes(nodes: Sequence[RequirementRow]) -> Iterator[RequirementRow]:
    if _children_are_groups(nodes):
        for node in nodes:
            yield node
            yield from _group_nodes(node.children)


# --------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------
def write_document(document: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
    return path


def export_plan(store: GraphStore, frameworks: Sequence[str] | None = None) -> list[tuple[str, tuple[str, ...]]]:
    """What ``ctrlgraph export oscal`` writes: (kind, ids) per file."""
    known = framework_ids(store)
    chosen = list(frameworks) if frameworks else sorted(known)
    for fid in chosen:
        if fid not in known:
            raise ref_catalog.NotFound("framework", fid, sorted(known))
    plan: list[tuple[str, tuple[str, ...]]] = [("catalog", (CONTROLS_ID,))]
    plan += [("catalog", (fid,)) for fid in chosen]
    plan += [("mapping", (fid, CONTROLS_ID)) for fid in chosen]
    plan += [("mapping", (a, b)) for a in chosen for b in chosen if a < b]
    return plan


def export_one(store: GraphStore, kind: str, ids: tuple[str, ...]) -> dict[str, Any]:
    if kind == "catalog":
        return controls_catalog(store) if ids[0] == CONTROLS_ID else catalog(store, ids[0])
    return mapping_collection(store, ids[0], ids[1])
