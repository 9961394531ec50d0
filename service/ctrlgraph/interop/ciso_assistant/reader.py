"""Reading ciso assistant files into the import model (see the package docstring)."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ctrlgraph.bounds import NoAliasSafeLoader
from ctrlgraph.interop.model import (
    FRAMEWORK_ID_PATTERN,
    FrameworkDraft,
    ImportDraft,
    LinkDraft,
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
from ctrlgraph.iri import slug

CONTROL_CATALOG_IDS = ("ctrlgraph-controls", "controls")


class _Node(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers its line."""

    line: int | None = None


class _Loader(NoAliasSafeLoader):
    """Safe, without aliases (a 1 kB alias bomb expands to gigabytes)."""


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


def norm_urn(urn: str) -> str:
    """A URN as CISO Assistant compares it: no (non-breaking) spaces, lower case."""
    return re.sub(r"[\s\u00a0]+", "", urn).lower()


def _clean_urn(value: object) -> str | None:
    """A URN cell with stray (non-breaking) spaces removed, case kept."""
    text = clean_text(value)
    return re.sub(r"[\s\u00a0]+", "", text) if text else None


def _framework_id(urn: str) -> str:
    """The id a framework URN proposes: its last segment, when it is a valid id."""
    tail = _tail(urn).lower()
    return tail if FRAMEWORK_ID_PATTERN.match(tail) else framework_id_from(tail)


def parse(
    data: bytes | str,
    source_name: str = "library.yaml",
    framework_id: str | None = None,
) -> ImportDraft:
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
    # A dependency names a library (urn:…:library:X); its framework is urn:…:framework:X.
    for dependency in library.get("dependencies") or []:
        urn = _clean_urn(dependency)
        if urn:
            draft.declared.update({urn, re.sub(r":library:", ":framework:", urn, count=1)})

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
    for index, fw in enumerate(frameworks):
        path = "objects.framework" if "framework" in objects else f"objects.frameworks[{index}]"
        parsed = _framework(fw, path, library, framework_id, problems)
        if parsed is not None:
            draft.frameworks.append(parsed)

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
        _mapping_set(mapping_set, path, framework_id, problems, draft)

    if not draft.frameworks and not draft.mappings and not draft.links and not problems:
        problems.add(_where(objects, "objects"), "the library holds no framework and no requirement mapping set")
    problems.raise_if_any("CISO Assistant library refused")
    return draft


def _framework(
    fw: object, path: str, library: dict[str, Any], framework_id: str | None, problems: Problems
) -> FrameworkDraft | None:
    if not isinstance(fw, dict):
        problems.add(_where(fw, path), "a framework must be a mapping")
        return None
    urn = _clean_urn(fw.get("urn"))
    title = clean_text(fw.get("name")) or clean_text(fw.get("ref_id"))
    if not urn:
        problems.add(_where(fw, path).at("urn"), "the framework has no urn")
    if not title:
        problems.add(_where(fw, path).at("name"), "the framework has no name")
    if not urn or not title:
        return None
    version = library.get("version")
    draft = FrameworkDraft(
        id=framework_id or _framework_id(urn),
        title=title,
        where=_where(fw, path),
        publisher=clean_text(library.get("provider")) or clean_text(library.get("packager")),
        version=None if version is None else str(version),
        description=clean_text(fw.get("description")) or clean_text(library.get("description")),
        rights=clean_text(library.get("copyright")),
        source=_clean_urn(library.get("urn")) or urn,
        exact_match=[urn],
        proposed_id=framework_id is None,
    )
    nodes = fw.get("requirement_nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.add(_where(fw, path).at("requirement_nodes"), "the framework has no requirement_nodes list")
        return draft
    # Nodes are keyed by URN, as CISO Assistant keys them: ref_ids may repeat or differ
    # only in punctuation; the notation keeps the ref_id as given. depth is informational.
    keys: dict[str, str] = {}  # normalised URN -> requirement key (IRI local name)
    used: set[str] = set()
    for index, node in enumerate(nodes):
        if not isinstance(node, dict) or not _clean_urn(node.get("urn")):
            continue
        urn_key = norm_urn(str(node["urn"]))
        if urn_key in keys:
            continue
        base = slug(_tail(urn_key)) or f"node-{index + 1}"
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}-{n}"
        used.add(key)
        keys[urn_key] = key
    seen: dict[str, Where] = {}
    missing_parents: dict[str, list[Where]] = {}
    for index, node in enumerate(nodes):
        npath = f"{path}.requirement_nodes[{index}]"
        where = _where(node, npath)
        if not isinstance(node, dict):
            problems.add(where, "a requirement node must be a mapping")
            continue
        node_urn = _clean_urn(node.get("urn"))
        if not node_urn:
            problems.add(where.at("urn"), "the requirement node has no urn")
            continue
        urn_key = norm_urn(node_urn)
        if urn_key in seen:
            problems.add(where.at("urn"), f"duplicate urn {node_urn!r} (first at {seen[urn_key]})")
            continue
        seen[urn_key] = where
        notation = clean_text(node.get("ref_id")) or _tail(node_urn)
        description = clean_text(node.get("description"))
        name = clean_text(node.get("name"))
        title = name or (
            one_line(description)[:80] + ("…" if len(one_line(description)) > 80 else "") if description else notation
        )
        parent_urn = _clean_urn(node.get("parent_urn"))
        parent = None
        if parent_urn is not None:
            parent = keys.get(norm_urn(parent_urn))
            if parent is None:
                missing_parents.setdefault(parent_urn, []).append(where.at("parent_urn"))
        assessable = parse_bool(node.get("assessable"))
        if isinstance(assessable, str):
            problems.add(where.at("assessable"), assessable)
            assessable = None
        draft.requirements.append(
            RequirementDraft(
                notation=notation,
                title=title,
                where=where,
                key=keys[urn_key],
                parent=parent,
                assessable=assessable,
                definition=description,
                exact_match=[node_urn],
            )
        )
    # One root cause, one problem: a missing parent is reported once, with how many nodes name it.
    for parent_urn, places in missing_parents.items():
        others = f" (and {len(places) - 1} other node(s))" if len(places) > 1 else ""
        problems.add(places[0], f"parent {parent_urn!r} not found among this framework's requirement nodes{others}")
    return draft


def _mapping_set(
    mapping_set: object,
    path: str,
    framework_id: str | None,
    problems: Problems,
    draft: ImportDraft,
) -> None:
    where = _where(mapping_set, path)
    if not isinstance(mapping_set, dict):
        problems.add(where, "a requirement mapping set must be a mapping")
        return
    source_urn = _clean_urn(mapping_set.get("source_framework_urn"))
    target_urn = _clean_urn(mapping_set.get("target_framework_urn"))
    if not source_urn or not target_urn:
        problems.add(where, "the mapping set needs source_framework_urn and target_framework_urn")
        return
    to_controls = _tail(target_urn).lower() in CONTROL_CATALOG_IDS
    set_urn = _clean_urn(mapping_set.get("urn")) or clean_text(mapping_set.get("ref_id")) or path
    items = mapping_set.get("requirement_mappings")
    if not isinstance(items, list) or not items:
        problems.add(where.at("requirement_mappings"), "the mapping set has no requirement_mappings list")
        return
    for index, item in enumerate(items):
        iwhere = _where(item, f"{path}.requirement_mappings[{index}]")
        if not isinstance(item, dict):
            problems.add(iwhere, "a requirement mapping must be a mapping")
            continue
        source = _clean_urn(item.get("source_requirement_urn"))
        target = _clean_urn(item.get("target_requirement_urn"))
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
        if not target and (relationship != "no relationship" or not to_controls):
            problems.add(iwhere.at("target_requirement_urn"), "missing target_requirement_urn")
            continue
        rationale = clean_text(item.get("rationale"))
        raw_strength = item.get("strength_of_relationship", item.get("strength"))
        strength: int | None = None
        if raw_strength is not None:
            parsed = parse_strength(raw_strength)
            if isinstance(parsed, str):
                problems.add(iwhere.at("strength_of_relationship"), f"strength {parsed}")
                continue
            strength = parsed
        annotation = clean_text(item.get("annotation"))
        if not to_controls:
            draft.links.append(
                LinkDraft(
                    source_framework=source_urn,
                    source_ref=source,
                    target_framework=target_urn,
                    target_ref=str(target),
                    relationship=relationship,
                    where=iwhere,
                    source=f"CISO Assistant mapping set {set_urn}",
                    rationale=rationale.lower() if rationale else None,
                    strength=strength,
                    explanation=annotation,
                )
            )
            continue
        draft.mappings.append(
            MappingDraft(
                framework=framework_id or _framework_id(source_urn),
                ref=source,
                control=target,
                relationship=relationship,
                rationale=(rationale or "semantic").lower(),
                strength=strength if strength is not None else default_strength(relationship),
                explanation=annotation
                or f"{relationship} mapping imported from CISO Assistant mapping set {set_urn} without an annotation",
                source=f"CISO Assistant mapping set {set_urn}",
                where=iwhere,
            )
        )
