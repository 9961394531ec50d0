"""Writing ciso assistant files from the graph (see the package docstring)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml

from ctrlgraph.interop.model import one_line
from ctrlgraph.iri import slug

if TYPE_CHECKING:
    from ctrlgraph.interop.data import FrameworkData

# --------------------------------------------------------------------------
# Export: libraries CISO Assistant can load
# --------------------------------------------------------------------------
URN = "urn:ctrlgraph:risk"
CONTROLS_URN = f"{URN}:framework:ctrlgraph-controls"
_TO_CISO = {
    "equal": "equal",
    "subset of": "subset",
    "superset of": "superset",
    "intersects with": "intersect",
    "no relationship": "not_related",
}


def _dump(library: dict[str, Any]) -> str:
    return yaml.safe_dump(library, sort_keys=False, allow_unicode=True, width=100)


def _version(value: str | None) -> int:
    """CISO Assistant's loader reads ``int(version)``: the leading whole number of ours, else 1."""
    match = re.match(r"\d+", value or "")
    return int(match.group()) if match else 1


def _real(text: str | None) -> str | None:
    """An explanation someone wrote, or None for the stand-in an import puts where a file had none."""
    if not text or (" without a" in text and " imported from " in text):
        return None
    return text


def _framework_urn(fw: FrameworkData) -> str:
    """The framework's URN: the CISO Assistant URN it was imported with, else one of ours."""
    known = [m for m in fw.exact_match if m.startswith("urn:") and ":framework:" in m]
    return known[0] if len(known) == 1 else f"{URN}:framework:{fw.id}"


def _node_urns(fw: FrameworkData) -> dict[str, str]:
    """Requirement IRI -> node URN, all in the framework URN's scheme: the URN a
    node was imported with when it has that scheme, else one made from the
    requirement's key (so a library never mixes ``urn:ctrlgraph:`` and
    ``urn:intuitem:`` nodes, and mapping sets attach)."""
    framework_urn = _framework_urn(fw)
    head, _, tail = framework_urn.partition(":framework:")
    prefix = f"{head}:req_node:{tail}:"
    urns: dict[str, str] = {}
    used: set[str] = set()
    for r in fw.requirements:
        known = [m for m in r.exact_match if m.lower().startswith(prefix.lower())]
        urn = known[0] if len(known) == 1 else prefix + (r.iri.rsplit("/", 1)[-1] or slug(r.notation))
        while urn.lower() in used:
            urn += "-2"
        used.add(urn.lower())
        urns[r.iri] = urn
    return urns


def _library_urn(fw: FrameworkData) -> str:
    """The URN of the library a framework came from, else one in the framework's scheme."""
    if fw.source and fw.source.startswith("urn:"):
        return fw.source
    return _framework_urn(fw).replace(":framework:", ":library:", 1)


def framework_library(store: Any, framework_id: str) -> str:
    """A framework as a CISO Assistant framework library (YAML)."""
    from ctrlgraph.interop.data import framework_data

    fw = framework_data(store, framework_id)
    urns = _node_urns(fw)
    depth: dict[str, int] = {}
    nodes = []
    for r in fw.requirements:
        depth[r.iri] = depth[r.parent_iri] + 1 if r.parent_iri in depth else 1
        node: dict[str, Any] = {"urn": urns[r.iri], "assessable": r.assessable, "depth": depth[r.iri]}
        if r.parent_iri in urns:
            node["parent_urn"] = urns[r.parent_iri]
        node["ref_id"] = r.notation
        # A title the import made from the description (no name in the file) is not a name.
        made = r.title == r.notation or (
            r.title.endswith("…") and one_line(r.definition or "").startswith(r.title[:-1])
        )
        if not made:
            node["name"] = r.title
        if r.definition:
            node["description"] = r.definition
        nodes.append(node)
    return _dump(
        {
            "urn": _library_urn(fw),
            "locale": "en",
            "ref_id": framework_id,
            "name": fw.title,
            "description": fw.description or fw.title,
            "copyright": fw.rights or "",
            "version": _version(fw.version),
            "provider": fw.publisher or "",
            "packager": "ctrlgraph",
            "objects": {
                "framework": {
                    "urn": _framework_urn(fw),
                    "ref_id": framework_id,
                    "name": fw.title,
                    "description": fw.description or fw.title,
                    "requirement_nodes": nodes,
                }
            },
        }
    )


def mapping_library(store: Any, framework_id: str) -> str:
    """A framework's mappings to the common controls as a CISO Assistant
    requirement mapping set (YAML). Mappings without a control are left out:
    a CISO Assistant mapping always names a target."""
    from ctrlgraph.interop.data import framework_data, framework_mappings

    fw = framework_data(store, framework_id)
    urns = _node_urns(fw)
    rows = [m for m in framework_mappings(store, fw.iri) if m.control]
    prefix = "CISO Assistant mapping set "
    sources = {m.source for m in rows}
    only = next(iter(sources)) if len(sources) == 1 else None
    set_urn = (
        only[len(prefix) :]
        if only and only.startswith(prefix)
        else (f"{URN}:req_mapping_set:{framework_id}-to-ctrlgraph-controls")
    )
    items = []
    for m in rows:
        item: dict[str, Any] = {
            "source_requirement_urn": urns[m.requirement],
            "target_requirement_urn": f"{URN}:req_node:ctrlgraph-controls:{(m.control or '').lower()}",
            "relationship": _TO_CISO[m.relationship],
            "rationale": m.rationale,
            "strength_of_relationship": m.strength,
        }
        if _real(m.explanation):
            item["annotation"] = m.explanation
        items.append(item)
    return _dump(
        {
            "urn": f"{URN}:library:mapping-{framework_id}-to-ctrlgraph-controls",
            "locale": "en",
            "ref_id": f"mapping-{framework_id}-to-ctrlgraph-controls",
            "name": f"{fw.title} to ctrlgraph common controls",
            "description": f"Mappings of {framework_id} requirements to ctrlgraph common controls (NIST IR 8477).",
            "version": 1,
            "provider": "ctrlgraph",
            "packager": "ctrlgraph",
            "dependencies": [_library_urn(fw), f"{URN}:library:ctrlgraph-controls"],
            "objects": {
                "requirement_mapping_set": {
                    "urn": set_urn,
                    "ref_id": f"{framework_id}-to-ctrlgraph-controls",
                    "name": f"{framework_id} to ctrlgraph-controls",
                    "source_framework_urn": _framework_urn(fw),
                    "target_framework_urn": CONTROLS_URN,
                    "requirement_mappings": items,
                }
            },
        }
    )


def crosswalk_library(store: Any, source_id: str, target_id: str) -> str:
    """The direct requirement -> requirement mappings stored between two
    frameworks (either direction, read "source RELATIONSHIP target") as a
    CISO Assistant mapping library; each side's URNs are those of its own
    framework library (:func:`framework_library`)."""
    from ctrlgraph.interop.data import framework_data, framework_links

    source, target = framework_data(store, source_id), framework_data(store, target_id)
    source_urns, target_urns = _node_urns(source), _node_urns(target)
    items = []
    for link in framework_links(store, source.iri, target.iri):
        item: dict[str, Any] = {
            "source_requirement_urn": source_urns[link.source],
            "target_requirement_urn": target_urns[link.target],
            "relationship": _TO_CISO[link.relationship],
        }
        if link.rationale:
            item["rationale"] = link.rationale
        if link.strength is not None:
            item["strength_of_relationship"] = link.strength
        if _real(link.explanation):
            item["annotation"] = link.explanation
        items.append(item)
    head = _framework_urn(source).partition(":framework:")[0]
    ref = f"mapping-{source_id}-to-{target_id}"
    return _dump(
        {
            "urn": f"{head}:library:{ref}",
            "locale": "en",
            "ref_id": ref,
            "name": f"{source.title} -> {target.title}",
            "description": f"Direct mappings from {source_id} to {target_id} (NIST IR 8477).",
            "version": 1,
            "provider": "ctrlgraph",
            "packager": "ctrlgraph",
            "dependencies": [_library_urn(source), _library_urn(target)],
            "objects": {
                "requirement_mapping_sets": [
                    {
                        "urn": f"{head}:req_mapping_set:{source_id}-to-{target_id}",
                        "ref_id": ref,
                        "name": f"{source.title} -> {target.title}",
                        "source_framework_urn": _framework_urn(source),
                        "target_framework_urn": _framework_urn(target),
                        "requirement_mappings": items,
                    }
                ]
            },
        }
    )


def controls_library(store: Any) -> str:
    """The common controls as a CISO Assistant framework (domains, then
    controls), the target of :func:`mapping_library`."""
    from ctrlgraph.interop.data import controls_data

    data = controls_data(store)
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for c in data.controls:
        domain = c.domain or "none"
        domain_urn = f"{URN}:req_node:ctrlgraph-controls:{domain.lower()}"
        if domain not in seen:
            seen.add(domain)
            nodes.append(
                {"urn": domain_urn, "assessable": False, "depth": 1, "ref_id": domain, "name": c.domain_title or domain}
            )
        node: dict[str, Any] = {
            "urn": f"{URN}:req_node:ctrlgraph-controls:{c.notation.lower()}",
            "assessable": True,
            "depth": 2,
            "parent_urn": domain_urn,
            "ref_id": c.notation,
            "name": c.title,
        }
        if c.statement:
            node["description"] = c.statement
        nodes.append(node)
    return _dump(
        {
            "urn": f"{URN}:library:ctrlgraph-controls",
            "locale": "en",
            "ref_id": "ctrlgraph-controls",
            "name": data.title,
            "description": data.description or data.title,
            "copyright": "ctrlgraph, Apache-2.0",
            "version": _version(data.version),
            "provider": data.publisher or "ctrlgraph",
            "packager": "ctrlgraph",
            "objects": {
                "framework": {
                    "urn": CONTROLS_URN,
                    "ref_id": "ctrlgraph-controls",
                    "name": data.title,
                    "description": data.description or data.title,
                    "requirement_nodes": nodes,
                }
            },
        }
    )
