"""Reading oscal files into the import model (see the package docstring)."""

from __future__ import annotations

import json
from typing import Any

from ctrlgraph.interop.model import (
    FrameworkDraft,
    ImportDraft,
    MappingDraft,
    Problems,
    RequirementDraft,
    Where,
    clean_text,
    default_strength,
    framework_id_from,
    parse_relationship,
    refuse,
)
from ctrlgraph.interop.oscal.writer import (
    CONTROLS_ID,
    NS,
    OSCAL_NS,
)


# --------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------
def _load_json(data: bytes | str, root: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except UnicodeDecodeError as exc:
        raise refuse(Where(), f"the file is not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise refuse(Where(line=exc.lineno), f"malformed JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(document, dict) or root not in document:
        found = ", ".join(repr(k) for k in document) if isinstance(document, dict) else type(document).__name__
        raise refuse(Where(path="$"), f"not an OSCAL {root}: the top-level key must be {root!r} (found {found})")
    body = document[root]
    if not isinstance(body, dict):
        raise refuse(Where(path=f"$.{root}"), f"{root} must be an object")
    return body


def _ours(props: object, name: str) -> list[str]:
    """Values of the ctrlgraph-namespace props called ``name``."""
    if not isinstance(props, list):
        return []
    return [str(p.get("value")) for p in props if isinstance(p, dict) and p.get("ns") == NS and p.get("name") == name]


def _oscal(props: object, name: str) -> str | None:
    """The first OSCAL-namespace (or namespace-less) prop called ``name``."""
    if isinstance(props, list):
        for p in props:
            if isinstance(p, dict) and p.get("name") == name and p.get("ns") in (None, OSCAL_NS):
                return str(p.get("value"))
    return None


def _prose(part: dict[str, Any]) -> str:
    """A part's prose with its sub-parts, labelled, as plain text."""
    lines = []
    label = _oscal(part.get("props"), "label")
    prose = clean_text(part.get("prose"))
    if prose or label:
        lines.append(" ".join(x for x in (label, prose) if x))
    for sub in part.get("parts") or []:
        if isinstance(sub, dict):
            text = _prose(sub)
            if text:
                lines.append(text)
    return "\n".join(lines)


def parse_catalog(data: bytes | str, source_name: str = "catalog.json", framework_id: str | None = None) -> ImportDraft:
    """An OSCAL catalog as the draft of a new framework.

    notation = the ``label`` prop (else the id; a group without either: its
    title); groups are not assessable, controls are assessable when they have
    no child control (ctrlgraph's own ``assessable`` prop wins); withdrawn
    controls are skipped; document order is the order in the file."""
    body = _load_json(data, "catalog")
    problems = Problems()
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise refuse(Where(path="$.catalog.metadata"), "the catalog has no metadata")
    title = clean_text(metadata.get("title"))
    if not title:
        problems.add(Where(path="$.catalog.metadata.title"), "the catalog metadata has no title")
    props = metadata.get("props")
    fid = framework_id or next(iter(_ours(props, "framework-id")), None) or framework_id_from(title or source_name)
    publisher = next(iter(_ours(props, "publisher")), None)
    if publisher is None:
        parties = metadata.get("parties") or []
        publisher = next((str(p["name"]) for p in parties if isinstance(p, dict) and p.get("name")), None)
    fw = FrameworkDraft(
        id=fid,
        title=title or fid,
        where=Where(path="$.catalog.metadata"),
        publisher=publisher,
        version=clean_text(metadata.get("version")),
        description=clean_text(metadata.get("remarks")),
        rights=next(iter(_ours(props, "rights")), None),
        citation=next(iter(_ours(props, "citation")), None),
        source=next(iter(_ours(props, "source")), None),
        issued=next(iter(_ours(props, "issued")), None),
    )
    if fw.source is None:
        for resource in (body.get("back-matter") or {}).get("resources") or []:
            links = resource.get("rlinks") if isinstance(resource, dict) else None
            if isinstance(links, list) and links and isinstance(links[0], dict) and links[0].get("href"):
                fw.source = str(links[0]["href"])
                break
    if fw.source is None and body.get("uuid"):
        fw.source = f"OSCAL catalog {body['uuid']}"
    skipped = 0

    def visit(node: object, path: str, parent: str | None, is_group: bool) -> None:
        nonlocal skipped
        if not isinstance(node, dict):
            problems.add(Where(path=path), "expected an object")
            return
        props = node.get("props")
        if _oscal(props, "status") == "withdrawn":
            skipped += 1
            return
        node_title = clean_text(node.get("title"))
        notation = _oscal(props, "label") or clean_text(node.get("id")) or node_title
        if not notation:
            problems.add(Where(path=path), "the node has no id, label or title")
            return
        if not node_title:
            problems.add(Where(path=path, column="title"), f"{notation!r} has no title")
        children_path = [("groups", True), ("controls", False)]
        child_controls = [c for c in (node.get("controls") or []) if isinstance(c, dict)]
        assessable_prop = _ours(props, "assessable")
        if assessable_prop:
            assessable: bool | None = assessable_prop[0] == "true"
        else:
            assessable = (
                False if is_group else not any(_oscal(c.get("props"), "status") != "withdrawn" for c in child_controls)
            )
        kinds = _ours(props, "requirement-type")
        definition = legal = None
        for part in node.get("parts") or []:
            if not isinstance(part, dict):
                continue
            if part.get("name") == "overview":
                definition = _prose(part) or definition
            elif part.get("name") == "statement":
                if part.get("class") == "legal-text":
                    legal = clean_text(part.get("prose"))
                elif definition is None:
                    definition = _prose(part) or None
        fw.requirements.append(
            RequirementDraft(
                notation=notation,
                title=node_title or notation,
                where=Where(path=path),
                parent=parent,
                assessable=assessable,
                type=kinds[0] if kinds else ("ControlObjectiveType" if is_group else "AnnexControlType"),
                definition=definition,
                legal_text=legal,
                applicable_from=next(iter(_ours(props, "applicable-from")), None),
                roles=_ours(props, "role"),
                risk_categories=_ours(props, "risk-category"),
                exact_match=_ours(props, "exact-match"),
            )
        )
        for key, group_children in children_path:
            items = node.get(key) or []
            if not isinstance(items, list):
                problems.add(Where(path=f"{path}.{key}"), f"{key} must be a list")
                continue
            for index, child in enumerate(items):
                visit(child, f"{path}.{key}[{index}]", notation, group_children)

    for key, is_group in (("groups", True), ("controls", False)):
        items = body.get(key) or []
        if not isinstance(items, list):
            problems.add(Where(path=f"$.catalog.{key}"), f"{key} must be a list")
            continue
        for index, item in enumerate(items):
            visit(item, f"$.catalog.{key}[{index}]", None, is_group)
    if not fw.requirements and not problems:
        problems.add(Where(path="$.catalog"), "the catalog has no groups or controls")
    problems.raise_if_any("OSCAL catalog refused")
    warnings = [f"skipped {skipped} withdrawn control(s)"] if skipped else []
    return ImportDraft("oscal-catalog", source_name, frameworks=[fw], warnings=warnings)


def parse_mapping(data: bytes | str, source_name: str = "mapping.json", framework_id: str | None = None) -> ImportDraft:
    """An OSCAL mapping collection (framework -> ctrlgraph common controls) as
    a draft of cg:Mapping nodes. Each map must have one source and one target;
    strength comes from the ctrlgraph ``strength`` prop, else the confidence
    percentage x 10, else the coverage x 10, else the relationship (equal 10,
    no relationship 0)."""
    body = _load_json(data, "mapping-collection")
    problems = Problems()
    draft = ImportDraft("oscal-mapping", source_name)
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    title = clean_text(metadata.get("title")) or source_name
    provenance = body.get("provenance") if isinstance(body.get("provenance"), dict) else {}
    default_rationale = clean_text(provenance.get("matching-rationale"))
    mappings = body.get("mappings")
    if isinstance(mappings, dict):
        mappings = [mappings]
    if not isinstance(mappings, list) or not mappings:
        raise refuse(Where(path="$.mapping-collection.mappings"), "the collection has no mappings")
    for mi, mapping in enumerate(mappings):
        mpath = f"$.mapping-collection.mappings[{mi}]"
        if not isinstance(mapping, dict):
            problems.add(Where(path=mpath), "expected an object")
            continue
        source_ref = mapping.get("source-resource") if isinstance(mapping.get("source-resource"), dict) else {}
        target_ref = mapping.get("target-resource") if isinstance(mapping.get("target-resource"), dict) else {}
        fid = framework_id or next(iter(_ours(source_ref.get("props"), "framework-id")), None)
        if not fid:
            problems.add(
                Where(path=f"{mpath}.source-resource"),
                "cannot tell which framework the sources belong to: give the framework id "
                "(--framework / ?framework=) or a framework-id prop on the source-resource",
            )
            continue
        target_id = next(iter(_ours(target_ref.get("props"), "framework-id")), CONTROLS_ID)
        if target_id != CONTROLS_ID:
            problems.add(
                Where(path=f"{mpath}.target-resource"),
                f"the target is framework {target_id!r}: only mappings to the ctrlgraph common controls can be "
                "imported (crosswalks between frameworks are derived through shared controls, not stored)",
            )
            continue
        rationale = clean_text(mapping.get("matching-rationale")) or default_rationale
        for ri, prop in enumerate(mapping.get("props") or []):
            if isinstance(prop, dict) and prop.get("ns") == NS and prop.get("name") == "no-relationship":
                draft.mappings.append(
                    MappingDraft(
                        framework=fid,
                        ref=str(prop.get("value")),
                        control=None,
                        relationship="no relationship",
                        rationale=rationale or "semantic",
                        strength=0,
                        explanation=clean_text(prop.get("remarks")),
                        source=f"OSCAL mapping-collection: {title}",
                        where=Where(path=f"{mpath}.props[{ri}]"),
                    )
                )
        maps = mapping.get("maps")
        if not isinstance(maps, list):
            problems.add(Where(path=f"{mpath}.maps"), "maps must be a list")
            continue
        for index, entry in enumerate(maps):
            path = f"{mpath}.maps[{index}]"
            parsed = _parse_map(entry, path, fid, rationale, title, problems)
            if parsed is not None:
                draft.mappings.append(parsed)
    if not draft.mappings and not problems:
        problems.add(Where(path="$.mapping-collection"), "the collection holds no map")
    problems.raise_if_any("OSCAL mapping collection refused")
    return draft


def _parse_map(
    entry: object, path: str, fid: str, rationale: str | None, title: str, problems: Problems
) -> MappingDraft | None:
    where = Where(path=path)
    if not isinstance(entry, dict):
        problems.add(where, "expected an object")
        return None
    sources, targets = entry.get("sources") or [], entry.get("targets") or []
    if not (isinstance(sources, list) and isinstance(targets, list)) or len(sources) != 1 or len(targets) != 1:
        problems.add(
            where,
            f"a map must have exactly one source and one target (found {len(sources)} and {len(targets)}): "
            "ctrlgraph stores one requirement -> control pair per mapping",
        )
        return None
    source, target = sources[0], targets[0]
    if not (isinstance(source, dict) and source.get("id-ref") and isinstance(target, dict) and target.get("id-ref")):
        problems.add(where, "sources and targets need an id-ref")
        return None
    raw = entry.get("relationship")
    if isinstance(raw, dict):  # OSCAL 1.1 drafts wrote {"type": ...}
        raw = raw.get("type")
    relationship = parse_relationship(raw)
    if relationship is None:
        problems.add(
            where.at("relationship"),
            f"unknown relationship {raw!r}; use equal-to, equivalent-to, subset-of, superset-of, "
            "intersects-with or no-relationship",
        )
        return None
    props = entry.get("props")
    strength: int | None = None
    exact = _ours(props, "strength")
    confidence = entry.get("confidence-score") if isinstance(entry.get("confidence-score"), dict) else {}
    coverage = entry.get("coverage") if isinstance(entry.get("coverage"), dict) else {}
    try:
        if exact:
            strength = int(exact[0])
        elif isinstance(confidence.get("percentage"), (int, float)):
            strength = round(float(confidence["percentage"]) * 10)
        elif isinstance(coverage.get("target-coverage"), (int, float)):
            strength = round(float(coverage["target-coverage"]) * 10)
        else:
            strength = default_strength(relationship)
    except ValueError:
        problems.add(where.at("strength"), f"strength {exact[0]!r} is not a whole number")
        return None
    if strength is None:
        problems.add(
            where.at("strength"),
            f"no strength for a {relationship!r} map: add a confidence-score percentage (0-1) or a "
            f"'strength' prop ({NS})",
        )
        return None
    if not 0 <= strength <= 10:
        problems.add(where.at("strength"), f"strength {strength} is out of range (0-10)")
        return None
    map_rationale = clean_text(entry.get("matching-rationale")) or rationale
    if not map_rationale:
        problems.add(where.at("matching-rationale"), "no matching-rationale (syntactic, semantic or functional)")
        return None
    return MappingDraft(
        framework=fid,
        ref=str(source["id-ref"]),
        control=str(target["id-ref"]),
        relationship=relationship,
        rationale=map_rationale,
        strength=strength,
        explanation=clean_text(entry.get("remarks"))
        or f"{relationship} mapping imported from '{title}' without an explanation",
        source=next(iter(_ours(props, "source")), None) or f"OSCAL mapping-collection: {title}",
        where=where,
    )
