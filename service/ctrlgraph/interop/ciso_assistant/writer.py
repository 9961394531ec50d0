"""Writing ciso assistant files from the graph (see the package docstring)."""

from __future__ import annotations

from typing import Any

import yaml

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


def _version(value: str | None) -> int | str:
    return int(value) if value and value.isdigit() else (value or 1)


def _node_urns(framework_id: str, requirements: list[Any]) -> dict[str, str]:
    """notation -> node URN: the URN the requirement was imported with, else one of ours."""
    from ctrlgraph.iri import slug

    urns = {}
    for r in requirements:
        known = [m for m in r.exact_match if m.startswith("urn:")]
        urns[r.notation] = known[0] if len(known) == 1 else f"{URN}:req_node:{framework_id}:{slug(r.notation)}"
    return urns


def _library_urn(source: str | None, framework_id: str) -> str:
    """The URN of the library a framework came from, else one of ours."""
    return source if source and source.startswith("urn:") else f"{URN}:library:{framework_id}"


def framework_library(store: Any, framework_id: str) -> str:
    """A framework as a CISO Assistant framework library (YAML)."""
    from ctrlgraph.interop.data import framework_data

    fw = framework_data(store, framework_id)
    urns = _node_urns(framework_id, fw.requirements)
    depth: dict[str, int] = {}
    nodes = []
    for r in fw.requirements:
        depth[r.notation] = depth[r.parent] + 1 if r.parent in depth else 1
        node: dict[str, Any] = {"urn": urns[r.notation], "assessable": r.assessable, "depth": depth[r.notation]}
        if r.parent in urns:
            node["parent_urn"] = urns[r.parent]
        node["ref_id"] = r.notation
        node["name"] = r.title
        if r.definition:
            node["description"] = r.definition
        nodes.append(node)
    return _dump(
        {
            "urn": _library_urn(fw.source, framework_id),
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
                    "urn": f"{URN}:framework:{framework_id}",
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
    urns = _node_urns(framework_id, fw.requirements)
    rows = [m for m in framework_mappings(store, fw.iri) if m.control]
    prefix = "CISO Assistant mapping set "
    sources = {m.source for m in rows}
    only = next(iter(sources)) if len(sources) == 1 else None
    set_urn = (
        only[len(prefix) :]
        if only and only.startswith(prefix)
        else (f"{URN}:req_mapping_set:{framework_id}-to-ctrlgraph-controls")
    )
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
            "dependencies": [_library_urn(fw.source, framework_id), f"{URN}:library:ctrlgraph-controls"],
            "objects": {
                "requirement_mapping_set": {
                    "urn": set_urn,
                    "ref_id": f"{framework_id}-to-ctrlgraph-controls",
                    "name": f"{framework_id} to ctrlgraph-controls",
                    "source_framework_urn": f"{URN}:framework:{framework_id}",
                    "target_framework_urn": CONTROLS_URN,
                    "requirement_mappings": [
                        {
                            "source_requirement_urn": urns[m.notation],
                            "target_requirement_urn": f"{URN}:req_node:ctrlgraph-controls:{m.control.lower()}",
                            "relationship": _TO_CISO[m.relationship],
                            "rationale": m.rationale,
                            "strength_of_relationship": m.strength,
                            "annotation": m.explanation or "",
                        }
                        for m in rows
                        if m.control
                    ],
                }
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
