"""Reading oscal files into the import model (see the package docstring)."""

from __future__ import annotations

import json
import re
from typing import Any

from ctrlgraph.bounds import check_json_depth
from ctrlgraph.interop.model import (
    FrameworkDraft,
    ImportDraft,
    LinkDraft,
    MappingDraft,
    ParameterDraft,
    Problems,
    RequirementDraft,
    Where,
    clean_text,
    default_strength,
    framework_id_from,
    oscal_id,
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
        check_json_depth(data)  # json.loads raises RecursionError (a 500) on deep documents
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


def _label(props: object) -> str | None:
    """A control's label as cited: the plain ``label`` prop (NIST writes ``AC-1``
    plain and ``AC-01`` with class ``zero-padded``), else the first label."""
    labels = [
        p
        for p in (props if isinstance(props, list) else [])
        if isinstance(p, dict) and p.get("name") == "label" and p.get("ns") in (None, OSCAL_NS) and p.get("value")
    ]
    plain = [p for p in labels if not p.get("class")]
    return str((plain or labels)[0]["value"]) if labels else None


_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")


def _param_text(param: dict[str, Any], params: dict[str, dict[str, Any]], depth: int = 0) -> str:
    """How NIST renders a parameter in a statement: its values, else
    [Assignment: label] or [Selection (how many): choice; choice], choices
    rendered in turn (they may hold parameters themselves)."""
    values = [str(v) for v in param.get("values") or [] if v]
    if values:
        return ", ".join(values)
    select = param.get("select") if isinstance(param.get("select"), dict) else None
    if select:
        how = str(select.get("how-many") or "").replace("-", " ")
        choices = "; ".join(
            _render(str(c), params, depth + 1).strip() for c in select.get("choice") or [] if isinstance(c, str)
        )
        return f"[Selection{f' ({how})' if how else ''}: {choices}]"
    return f"[Assignment: {clean_text(param.get('label')) or param.get('id')}]"


def _parameter(param: dict[str, Any]) -> ParameterDraft:
    select = param.get("select") if isinstance(param.get("select"), dict) else {}
    return ParameterDraft(
        id=str(param["id"]),
        label=clean_text(param.get("label")),
        choices=[str(c) for c in select.get("choice") or [] if isinstance(c, str)],
        how_many=clean_text(select.get("how-many")),
        values=[str(v) for v in param.get("values") or [] if v],
    )


def _render(text: str, params: dict[str, dict[str, Any]], depth: int = 0) -> str:
    """``text`` with each ``{{ insert: param, id }}`` replaced by the parameter's rendering."""
    if depth > 5:  # parameters naming each other in a loop
        return text

    def one(match: re.Match[str]) -> str:
        param = params.get(match.group(1))
        return _param_text(param, params, depth) if param is not None else match.group(0)

    return _INSERT.sub(one, text)


def _prose(part: dict[str, Any], params: dict[str, dict[str, Any]] | None = None) -> str:
    """A part's prose with its sub-parts, labelled, as plain text, each
    parameter placeholder rendered from the parameter it names."""
    lines = []
    label = _label(part.get("props"))
    prose = clean_text(part.get("prose"))
    if prose and params is not None:
        prose = _render(prose, params)
    if prose or label:
        lines.append(" ".join(x for x in (label, prose) if x))
    for sub in part.get("parts") or []:
        if isinstance(sub, dict):
            text = _prose(sub, params)
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
    if body.get("uuid") and not _ours(props, "framework-id"):  # third-party collections cite catalogs by UUID
        fw.exact_match.append(f"urn:uuid:{str(body['uuid']).strip().lower()}")
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
        node_id = clean_text(node.get("id"))
        notation = _label(props) or node_id or node_title
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
            # A control is assessed whether or not it has enhancements (its child controls).
            assessable = not is_group
        del child_controls
        params = {str(prm["id"]): prm for prm in node.get("params") or [] if isinstance(prm, dict) and prm.get("id")}
        kinds = _ours(props, "requirement-type")
        definition = legal = guidance = None
        objectives: list[str] = []
        # The same texts with the parameter placeholders as written (exported again as params).
        templates: dict[str, str] = {}
        objective_templates: list[str] = []
        for part in node.get("parts") or []:
            if not isinstance(part, dict):
                continue
            if part.get("name") == "overview":
                definition = _prose(part, params) or definition
                templates["definition"] = _prose(part)
            elif part.get("name") == "statement":
                if part.get("class") == "legal-text":
                    legal = clean_text(part.get("prose"))
                elif definition is None:
                    definition = _prose(part, params) or None
                    templates["definition"] = _prose(part)
            elif part.get("name") == "guidance":
                guidance = _prose(part, params) or guidance
                templates["guidance"] = _prose(part)
            elif part.get("name") in ("assessment-objective", "assessment_objective", "objective"):
                objectives.append(_prose(part, params))
                objective_templates.append(_prose(part))
        templates["objectives"] = "\n".join(o for o in objective_templates if o)
        rendered = {"definition": definition, "guidance": guidance, "objectives": "\n".join(o for o in objectives if o)}
        templates = {k: v for k, v in templates.items() if v and rendered.get(k) and v != rendered[k]}
        fw.requirements.append(
            RequirementDraft(
                notation=notation,
                title=node_title or notation,
                where=Where(path=path),
                # The OSCAL id is what other files cite (ac-2.1): it keys the requirement
                # unless the label gives the same IRI (then the IRI stays as it was).
                key=node_id if node_id and node_id != oscal_id(notation) and notation != node_id else None,
                parent=parent,
                assessable=assessable,
                type=kinds[0] if kinds else ("ControlObjectiveType" if is_group else "AnnexControlType"),
                definition=definition,
                legal_text=legal,
                applicable_from=next(iter(_ours(props, "applicable-from")), None),
                roles=_ours(props, "role"),
                risk_categories=_ours(props, "risk-category"),
                exact_match=_ours(props, "exact-match"),
                guidance=guidance,
                objectives="\n".join(o for o in objectives if o) or None,
                parameters=[_parameter(prm) for prm in params.values()],
                templates=templates,
            )
        )
        own = fw.requirements[-1].ident
        for key, group_children in children_path:
            items = node.get(key) or []
            if not isinstance(items, list):
                problems.add(Where(path=f"{path}.{key}"), f"{key} must be a list")
                continue
            for index, child in enumerate(items):
                visit(child, f"{path}.{key}[{index}]", own, group_children)

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


def _resource_ref(resource: dict[str, Any]) -> str:
    """How a mapping collection names a catalog: the ctrlgraph framework-id prop,
    the catalog's UUID (``urn:uuid:…``, as a catalog import records it) and the
    href, as alternatives (space-separated) the import tries in turn."""
    refs = [*_ours(resource.get("props"), "framework-id")]
    for prop in resource.get("props") or []:
        if isinstance(prop, dict) and prop.get("name") in ("catalog_uuid", "catalog-uuid") and prop.get("value"):
            refs.append(f"urn:uuid:{prop['value']}")
    if resource.get("href"):
        refs.append(str(resource["href"]).replace(" ", "%20"))
    return " ".join(refs)


def parse_mapping(data: bytes | str, source_name: str = "mapping.json", framework_id: str | None = None) -> ImportDraft:
    """An OSCAL mapping collection as a draft: maps onto the ctrlgraph common
    controls become requirement -> control mappings; maps onto another
    framework's controls become direct requirement -> requirement mappings
    (one per source x target of an n:m map). Strength comes from the ctrlgraph
    ``strength`` prop, else (control mappings only) the confidence percentage x
    10, the coverage x 10 or the relationship; a direct mapping keeps the
    confidence as given and has no strength unless the file states one."""
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
        source_fw = framework_id or _resource_ref(source_ref)
        if not source_fw:
            problems.add(
                Where(path=f"{mpath}.source-resource"),
                "cannot tell which framework the sources belong to: give the framework id "
                "(--framework / ?framework=), a framework-id prop, a catalog_uuid prop or an href",
            )
            continue
        target_fw = _resource_ref(target_ref) or CONTROLS_ID
        to_controls = target_fw.split()[0] == CONTROLS_ID
        fid = source_fw.split()[0]
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
            if to_controls:
                draft.mappings.extend(_parse_map(entry, path, fid, rationale, title, problems))
            else:
                draft.links.extend(_parse_link(entry, path, source_fw, target_fw, rationale, title, problems))
    if not draft.mappings and not draft.links and not problems:
        problems.add(Where(path="$.mapping-collection"), "the collection holds no map")
    problems.raise_if_any("OSCAL mapping collection refused")
    return draft


def _ends(entry: object, where: Where, problems: Problems) -> tuple[list[str], list[str], str] | None:
    """A map's source and target id-refs and its relationship (STRM notation)."""
    if not isinstance(entry, dict):
        problems.add(where, "expected an object")
        return None
    sources, targets = entry.get("sources") or [], entry.get("targets") or []
    if not (isinstance(sources, list) and isinstance(targets, list)) or not sources or not targets:
        problems.add(where, "a map needs at least one source and one target")
        return None
    ids: list[list[str]] = [[], []]
    for side, items in enumerate((sources, targets)):
        for item in items:
            if not (isinstance(item, dict) and item.get("id-ref")):
                problems.add(where.at("sources" if side == 0 else "targets"), "sources and targets need an id-ref")
                return None
            ids[side].append(str(item["id-ref"]))
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
    return ids[0], ids[1], relationship


def _confidence(entry: dict[str, Any]) -> float | None:
    score = entry.get("confidence-score") if isinstance(entry.get("confidence-score"), dict) else {}
    value = score.get("percentage")
    return float(value) if isinstance(value, (int, float)) and 0 <= value <= 1 else None


def _parse_link(
    entry: object,
    path: str,
    source_fw: str,
    target_fw: str,
    rationale: str | None,
    title: str,
    problems: Problems,
) -> list[LinkDraft]:
    where = Where(path=path)
    ends = _ends(entry, where, problems)
    if ends is None or not isinstance(entry, dict):
        return []
    sources, targets, relationship = ends
    exact = _ours(entry.get("props"), "strength")
    strength = int(exact[0]) if exact and exact[0].isdigit() else None
    origin = next(iter(_ours(entry.get("props"), "source")), None) or f"OSCAL mapping-collection: {title}"
    return [
        LinkDraft(
            source_framework=source_fw,
            source_ref=source,
            target_framework=target_fw,
            target_ref=target,
            relationship=relationship,
            where=where,
            source=origin,
            rationale=clean_text(entry.get("matching-rationale")) or rationale,
            strength=strength,
            explanation=clean_text(entry.get("remarks")),
            confidence=_confidence(entry),
        )
        for source in sources
        for target in targets
    ]


def _parse_map(
    entry: object, path: str, fid: str, rationale: str | None, title: str, problems: Problems
) -> list[MappingDraft]:
    where = Where(path=path)
    ends = _ends(entry, where, problems)
    if ends is None or not isinstance(entry, dict):
        return []
    sources, targets, relationship = ends
    props = entry.get("props")
    strength: int | None = None
    exact = _ours(props, "strength")
    confidence = _confidence(entry)
    coverage = entry.get("coverage") if isinstance(entry.get("coverage"), dict) else {}
    try:
        if exact:
            strength = int(exact[0])
        elif confidence is not None:
            strength = round(confidence * 10)
        elif isinstance(coverage.get("target-coverage"), (int, float)):
            strength = round(float(coverage["target-coverage"]) * 10)
        else:
            strength = default_strength(relationship)
    except ValueError:
        problems.add(where.at("strength"), f"strength {exact[0]!r} is not a whole number")
        return []
    if strength is None:
        problems.add(
            where.at("strength"),
            f"no strength for a {relationship!r} map: add a confidence-score percentage (0-1) or a "
            f"'strength' prop ({NS})",
        )
        return []
    if not 0 <= strength <= 10:
        problems.add(where.at("strength"), f"strength {strength} is out of range (0-10)")
        return []
    map_rationale = clean_text(entry.get("matching-rationale")) or rationale
    if not map_rationale:
        problems.add(where.at("matching-rationale"), "no matching-rationale (syntactic, semantic or functional)")
        return []
    return [
        MappingDraft(
            framework=fid,
            ref=source,
            control=target,
            relationship=relationship,
            rationale=map_rationale,
            strength=strength,
            explanation=clean_text(entry.get("remarks"))
            or f"{relationship} mapping imported from '{title}' without an explanation",
            source=next(iter(_ours(props, "source")), None) or f"OSCAL mapping-collection: {title}",
            where=where,
        )
        for source in sources
        for target in targets
    ]
