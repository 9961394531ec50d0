"""Reading ciso assistant files into the import model (see the package docstring)."""

from __future__ import annotations

from typing import Any

import yaml

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
    one_line,
    parse_bool,
    parse_relationship,
    parse_strength,
    refuse,
)

CONTROL_CATALOG_IDS = ("ctrlgraph-controls", "controls")


class _Node(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its line."""

    line: int | None = None


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    data = _Node()
    yield data
    data.update(loader.construct_mapping(node, deep=True))
    data.line = node.start_mark.line + 1


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _where(node: object, path: str) -> Where:
    return Where(line=getattr(node, "line", None), path=path)


def _tail(urn: str) -> str:
    return urn.rsplit(":", 1)[-1]


def parse(data: bytes | str, source_name: str = "library.yaml", framework_id: str | None = None) -> ImportDraft:
    """A CISO Assistant library (framework and/or mapping sets) as a draft."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise refuse(Where(), f"the file is not UTF-8 text: {exc}") from exc
    try:
        library = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise refuse(Where(line=mark.line + 1 if mark is not None else None), f"malformed YAML: {problem}") from exc
    if not isinstance(library, dict):
        raise refuse(Where(line=1), "not a CISO Assistant library: the document must be a mapping")
    objects = library.get("objects")
    if not isinstance(objects, dict):
        raise refuse(_where(library, "objects"), "not a CISO Assistant library: it has no 'objects' mapping")
    problems = Problems()
    draft = ImportDraft("ciso-assistant", source_name)

    frameworks = objects.get("frameworks")
    if frameworks is None and objects.get("framework") is not None:
        frameworks = [objects["framework"]]
    frameworks = frameworks or []
    if not isinstance(frameworks, list):
        raise refuse(_where(objects, "objects.frameworks"), "frameworks must be a list")
    if framework_id and len(frameworks) > 1:
        raise refuse(
            _where(objects, "objects"), "the library holds several frameworks; a new id can only be given for one"
        )
    ids_by_urn: dict[str, str] = {}
    for index, fw in enumerate(frameworks):
        path = "objects.framework" if "framework" in objects else f"objects.frameworks[{index}]"
        parsed = _framework(fw, path, library, framework_id, source_name, problems)
        if parsed is not None:
            draft.frameworks.append(parsed)
            if isinstance(fw, dict) and fw.get("urn"):
                ids_by_urn[str(fw["urn"]).lower()] = parsed.id

    sets = objects.get("requirement_mapping_sets")
    if sets is None and objects.get("requirement_mapping_set") is not None:
        sets = [objects["requirement_mapping_set"]]
    sets = sets or []
    if not isinstance(sets, list):
        raise refuse(_where(objects, "objects.requirement_mapping_sets"), "requirement_mapping_sets must be a list")
    for index, mapping_set in enumerate(sets):
        path = (
            "objects.requirement_mapping_set"
            if "requirement_mapping_set" in objects
            else (f"objects.requirement_mapping_sets[{index}]")
        )
        _mapping_set(mapping_set, path, ids_by_urn, framework_id, problems, draft)

    if not draft.frameworks and not draft.mappings and not problems:
        problems.add(_where(objects, "objects"), "the library holds no framework and no requirement mapping set")
    problems.raise_if_any("CISO Assistant library refused")
    return draft


def _framework(
    fw: object, path: str, library: dict[str, Any], framework_id: str | None, source_name: str, problems: Problems
) -> FrameworkDraft | None:
    if not isinstance(fw, dict):
        problems.add(_where(fw, path), "a framework must be a mapping")
        return None
    urn = clean_text(fw.get("urn"))
    title = clean_text(fw.get("name")) or clean_text(fw.get("ref_id"))
    if not urn:
        problems.add(_where(fw, path).at("urn"), "the framework has no urn")
    if not title:
        problems.add(_where(fw, path).at("name"), "the framework has no name")
    if not urn or not title:
        return None
    draft = FrameworkDraft(
        id=framework_id or framework_id_from(_tail(urn)),
        title=title,
        where=_where(fw, path),
        publisher=clean_text(library.get("provider")) or clean_text(library.get("packager")),
        version=clean_text(library.get("version")),
        description=clean_text(fw.get("description")) or clean_text(library.get("description")),
        rights=clean_text(library.get("copyright")),
        source=clean_text(library.get("urn")) or urn,
    )
    nodes = fw.get("requirement_nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.add(_where(fw, path).at("requirement_nodes"), "the framework has no requirement_nodes list")
        return draft
    notation_by_urn: dict[str, str] = {}
    depth_by_urn: dict[str, int] = {}
    for index, node in enumerate(nodes):
        npath = f"{path}.requirement_nodes[{index}]"
        where = _where(node, npath)
        if not isinstance(node, dict):
            problems.add(where, "a requirement node must be a mapping")
            continue
        node_urn = clean_text(node.get("urn"))
        if not node_urn:
            problems.add(where.at("urn"), "the requirement node has no urn")
            continue
        key = node_urn.lower()
        if key in notation_by_urn:
            problems.add(where.at("urn"), f"duplicate urn {node_urn!r}")
            continue
        notation = clean_text(node.get("ref_id")) or _tail(node_urn)
        description = clean_text(node.get("description"))
        name = clean_text(node.get("name"))
        title = name or (
            one_line(description)[:80] + ("…" if len(one_line(description)) > 80 else "") if description else notation
        )
        parent_urn = clean_text(node.get("parent_urn"))
        parent = None
        if parent_urn is not None:
            parent = notation_by_urn.get(parent_urn.lower())
            if parent is None:
                problems.add(
                    where.at("parent_urn"),
                    f"parent {parent_urn!r} not found (a parent must be listed before its children)",
                )
                continue
        depth = node.get("depth")
        if depth is not None:
            if not isinstance(depth, int) or depth < 1:
                problems.add(where.at("depth"), f"depth {depth!r} is not a positive whole number")
                continue
            expected = depth_by_urn[parent_urn.lower()] + 1 if parent_urn else 1
            if depth != expected:
                problems.add(
                    where.at("depth"),
                    f"depth {depth} does not match the tree (expected {expected}"
                    f"{' below ' + repr(parent) if parent else ' for a node without parent_urn'})",
                )
                continue
            depth_by_urn[key] = depth
        else:
            depth_by_urn[key] = depth_by_urn[parent_urn.lower()] + 1 if parent_urn else 1
        assessable = parse_bool(node.get("assessable"))
        if isinstance(assessable, str):
            problems.add(where.at("assessable"), assessable)
            continue
        notation_by_urn[key] = notation
        draft.requirements.append(
            RequirementDraft(
                notation=notation,
                title=title,
                where=where,
                parent=parent,
                assessable=assessable,
                definition=description,
                exact_match=[node_urn],
            )
        )
    return draft


def _mapping_set(
    mapping_set: object,
    path: str,
    ids_by_urn: dict[str, str],
    framework_id: str | None,
    problems: Problems,
    draft: ImportDraft,
) -> None:
    where = _where(mapping_set, path)
    if not isinstance(mapping_set, dict):
        problems.add(where, "a requirement mapping set must be a mapping")
        return
    source_urn = clean_text(mapping_set.get("source_framework_urn"))
    target_urn = clean_text(mapping_set.get("target_framework_urn"))
    if not source_urn or not target_urn:
        problems.add(where, "the mapping set needs source_framework_urn and target_framework_urn")
        return
    if _tail(target_urn).lower() not in CONTROL_CATALOG_IDS:
        problems.add(
            where.at("target_framework_urn"),
            f"target framework {target_urn!r} is not the ctrlgraph common controls (a URN ending in "
            "':ctrlgraph-controls'): only requirement -> common control mappings can be imported",
        )
        return
    fid = ids_by_urn.get(source_urn.lower()) or framework_id or framework_id_from(_tail(source_urn))
    set_urn = clean_text(mapping_set.get("urn")) or clean_text(mapping_set.get("ref_id")) or path
    items = mapping_set.get("requirement_mappings")
    if not isinstance(items, list) or not items:
        problems.add(where.at("requirement_mappings"), "the mapping set has no requirement_mappings list")
        return
    for index, item in enumerate(items):
        iwhere = _where(item, f"{path}.requirement_mappings[{index}]")
        if not isinstance(item, dict):
            problems.add(iwhere, "a requirement mapping must be a mapping")
            continue
        source = clean_text(item.get("source_requirement_urn"))
        target = clean_text(item.get("target_requirement_urn"))
        if not source:
            problems.add(iwhere.at("source_requirement_urn"), "missing source_requirement_urn")
            continue
        raw = item.get("relationship")
        relationship = parse_relationship(raw)
        if relationship is None:
            problems.add(
                iwhere.at("relationship"),
                f"bad relationship {raw!r}; use equal, subset, superset, intersect or not_related",
            )
            continue
        if not target and relationship != "no relationship":
            problems.add(iwhere.at("target_requirement_urn"), "missing target_requirement_urn")
            continue
        rationale = (clean_text(item.get("rationale")) or "semantic").lower()
        raw_strength = item.get("strength_of_relationship", item.get("strength"))
        strength: int | None
        if raw_strength is None:
            strength = default_strength(relationship)
        else:
            parsed = parse_strength(raw_strength)
            if isinstance(parsed, str):
                problems.add(iwhere.at("strength_of_relationship"), f"strength {parsed}")
                continue
            strength = parsed
        draft.mappings.append(
            MappingDraft(
                framework=fid,
                ref=source,
                control=target,
                relationship=relationship,
                rationale=rationale,
                strength=strength,
                explanation=clean_text(item.get("annotation"))
                or f"{relationship} mapping imported from CISO Assistant mapping set {set_urn} without an annotation",
                source=f"CISO Assistant mapping set {set_urn}",
                where=iwhere,
            )
        )
