"""Reading the graph for exports: one framework (with its requirement tree),
its stored mappings, and the common controls — each filled from the query
files under ``queries/interop/`` — plus a JSON writer that streams."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ctrlgraph import queries
from ctrlgraph.catalog import NotFound
from ctrlgraph.interop.model import IMPORTED_PREFIX, ParameterDraft
from ctrlgraph.iri import META_GRAPH
from ctrlgraph.store.base import GraphStore, Iri, bind


def select(store: GraphStore, name: str, **params: object) -> list[dict[str, Any]]:
    return store.select(bind(queries.load(name), params), union_default=True)


def local_name(iri: object) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def _opt(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    return None if value is None or value == "" else str(value)


@dataclass
class RequirementRow:
    iri: str
    notation: str
    title: str
    parent: str | None
    assessable: bool
    type: str | None
    order: int
    definition: str | None = None
    legal_text: str | None = None
    applicable_from: str | None = None
    roles: list[str] = field(default_factory=list)
    risk_categories: list[str] = field(default_factory=list)
    exact_match: list[str] = field(default_factory=list)
    children: list[RequirementRow] = field(default_factory=list)
    #: The parent's IRI (notations may repeat in imported frameworks; IRIs do not).
    parent_iri: str | None = None
    guidance: str | None = None
    objectives: str | None = None
    #: Imported OSCAL parameters, by id order.
    parameters: list[ParameterDraft] = field(default_factory=list)
    #: "definition" / "guidance" / "objectives" with their parameter placeholders (where they have any).
    templates: dict[str, str] = field(default_factory=dict)


@dataclass
class FrameworkData:
    id: str
    iri: str
    title: str
    publisher: str | None
    version: str | None
    description: str | None
    rights: str | None
    citation: str | None
    source: str | None
    issued: str | None
    imported: bool
    requirements: list[RequirementRow]
    #: IRIs the framework is a skos:exactMatch of (the URN of the library it came from, a shipped framework).
    exact_match: list[str] = field(default_factory=list)

    @property
    def roots(self) -> list[RequirementRow]:
        return [r for r in self.requirements if r.parent is None]


def framework_ids(store: GraphStore) -> dict[str, tuple[str, bool]]:
    """Framework id -> (IRI, imported?)."""
    return {
        str(r["id"]): (str(r["framework"]), str(r["graph"]).startswith(IMPORTED_PREFIX))
        for r in select(store, "interop/framework_graphs")
    }


_MEMBER = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_"


def _parameters(store: GraphStore, framework: str) -> dict[str, list[ParameterDraft]]:
    """The OSCAL parameters of a framework's requirements, by requirement IRI
    (choices in their stored order, rdf:_1, rdf:_2, …)."""
    found: dict[str, dict[str, ParameterDraft]] = defaultdict(dict)
    ordered: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for r in select(store, "interop/requirement_parameters", framework=Iri(framework)):
        requirement, ident, prop, value = str(r["requirement"]), str(r["id"]), str(r["property"]), str(r["value"])
        param = found[requirement].setdefault(ident, ParameterDraft(id=ident))
        name = local_name(prop)
        if prop.startswith(_MEMBER) and prop[len(_MEMBER) :].isdigit():
            ordered[(requirement, ident)][int(prop[len(_MEMBER) :])] = value
        elif name == "label":
            param.label = value
        elif name == "howMany":
            param.how_many = value
        elif name == "parameterChoice":
            param.choices.append(value)
        elif name == "parameterValue":
            param.values.append(value)
    result: dict[str, list[ParameterDraft]] = {}
    for requirement, params in found.items():
        for ident, param in params.items():
            order = ordered.get((requirement, ident))
            param.choices = [order[k] for k in sorted(order)] if order else sorted(param.choices)
            param.values.sort()
        result[requirement] = [params[k] for k in sorted(params)]
    return result


def framework_data(store: GraphStore, framework_id: str, *, with_tree: bool = True) -> FrameworkData:
    known = framework_ids(store)
    if framework_id not in known:
        raise NotFound("framework", framework_id, sorted(known))
    iri, imported = known[framework_id]
    info = select(store, "interop/framework_info", id=framework_id)[0]
    requirements: list[RequirementRow] = []
    if with_tree:
        values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for r in select(store, "interop/requirement_values", framework=Iri(iri)):
            values[str(r["requirement"])][local_name(r["property"])].append(str(r["value"]))
        parameters = _parameters(store, iri)
        by_iri: dict[str, RequirementRow] = {}
        for r in select(store, "interop/requirements", framework=Iri(iri)):
            extra = values.get(str(r["requirement"]), {})
            row = RequirementRow(
                iri=str(r["requirement"]),
                notation=str(r["notation"]),
                title=str(r["title"]),
                parent=_opt(r, "parentNotation"),
                assessable=bool(r["assessable"]),
                type=local_name(r["type"]) if r.get("type") else None,
                order=int(r["order"]),
                definition=_opt(r, "definition"),
                legal_text=_opt(r, "legalText"),
                applicable_from=_opt(r, "applicableFrom"),
                roles=sorted(local_name(v) for v in extra.get("bindsRole", [])),
                risk_categories=sorted(local_name(v) for v in extra.get("appliesToRiskCategory", [])),
                exact_match=sorted(extra.get("exactMatch", [])),
                parent_iri=_opt(r, "parent"),
                guidance=_opt(r, "guidance"),
                objectives=_opt(r, "objectives"),
                parameters=parameters.get(str(r["requirement"]), []),
                templates={
                    name: str(r[key])
                    for name, key in (
                        ("definition", "definitionTemplate"),
                        ("guidance", "guidanceTemplate"),
                        ("objectives", "objectivesTemplate"),
                    )
                    if r.get(key)
                },
            )
            if row.iri in by_iri:  # a second title or definition language: keep the first
                continue
            by_iri[row.iri] = row
            requirements.append(row)
        for row in requirements:
            if row.parent_iri is not None and row.parent_iri in by_iri:
                by_iri[row.parent_iri].children.append(row)
            elif row.parent is not None:
                row.parent = row.parent_iri = None
    return FrameworkData(
        id=framework_id,
        iri=iri,
        title=str(info["title"]),
        publisher=_opt(info, "publisher"),
        version=_opt(info, "version"),
        description=_opt(info, "description"),
        rights=_opt(info, "rights"),
        citation=_opt(info, "citation"),
        source=_opt(info, "source"),
        issued=_opt(info, "issued"),
        imported=imported,
        requirements=requirements,
        exact_match=sorted(
            str(r["match"])
            for r in select(store, "interop/framework_matches")
            if str(r["id"]) == framework_id and r.get("match")
        ),
    )


@dataclass
class MappingRow:
    iri: str
    requirement: str
    notation: str
    title: str
    order: int
    control: str | None
    control_title: str | None
    relationship: str
    rationale: str
    strength: int
    explanation: str | None
    source: str | None


def framework_mappings(store: GraphStore, framework_iri: str) -> list[MappingRow]:
    rows: dict[str, MappingRow] = {}
    for r in select(store, "interop/framework_mappings", framework=Iri(framework_iri)):
        iri = str(r["mapping"])
        if iri in rows:
            continue
        rows[iri] = MappingRow(
            iri=iri,
            requirement=str(r["requirement"]),
            notation=str(r["notation"]),
            title=str(r["title"]),
            order=int(r.get("order", 0)),
            control=_opt(r, "controlNotation"),
            control_title=_opt(r, "controlTitle"),
            relationship=str(r["relationship"]),
            rationale=str(r["rationale"]),
            strength=int(r["strength"]),
            explanation=_opt(r, "explanation"),
            source=_opt(r, "source"),
        )
    return list(rows.values())


@dataclass
class LinkRow:
    """A direct requirement -> requirement mapping, read "source RELATIONSHIP target"."""

    iri: str
    source: str
    target: str
    relationship: str
    rationale: str | None
    strength: int | None
    explanation: str | None
    origin: str | None


_INVERSE = {"subset of": "superset of", "superset of": "subset of"}


def framework_links(store: GraphStore, source_iri: str, target_iri: str) -> list[LinkRow]:
    """The direct mappings stored between two frameworks, in either direction,
    each read from ``source_iri``'s side (the relationship inverted for links
    stored the other way)."""
    rows: dict[tuple[str, str], LinkRow] = {}
    for a, b, flip in ((source_iri, target_iri, False), (target_iri, source_iri, True)):
        for r in select(store, "interop/framework_links", source=Iri(a), target=Iri(b)):
            relationship = str(r["relationship"])
            left, right = str(r["requirement"]), str(r["target"])
            if flip:
                left, right, relationship = right, left, _INVERSE.get(relationship, relationship)
            rows.setdefault(
                (left, right),
                LinkRow(
                    iri=str(r["link"]),
                    source=left,
                    target=right,
                    relationship=relationship,
                    rationale=_opt(r, "rationale"),
                    strength=int(r["strength"]) if r.get("strength") is not None else None,
                    explanation=_opt(r, "explanation"),
                    origin=_opt(r, "origin"),
                ),
            )
    return list(rows.values())


@dataclass
class ControlRow:
    iri: str
    notation: str
    title: str
    statement: str | None
    scope_note: str | None
    domain: str | None
    domain_title: str | None
    domain_definition: str | None
    phase: str | None
    phase_label: str | None
    effort: int | None
    evidence: list[str] = field(default_factory=list)
    tiers: list[str] = field(default_factory=list)


@dataclass
class ControlCatalogData:
    id: str
    title: str
    description: str | None
    publisher: str | None
    version: str | None
    controls: list[ControlRow]


def controls_data(store: GraphStore) -> ControlCatalogData:
    info = (select(store, "interop/control_catalog") or [{}])[0]
    values: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in select(store, "interop/control_values"):
        prop = local_name(r["property"])
        value = str(r["label"]) if prop == "documentationTier" and r.get("label") else str(r["value"])
        values[str(r["control"])][prop].append(value)
    controls: dict[str, ControlRow] = {}
    for r in select(store, "interop/controls_export"):
        iri = str(r["control"])
        if iri in controls:
            continue
        extra = values.get(iri, {})
        controls[iri] = ControlRow(
            iri=iri,
            notation=str(r["notation"]),
            title=str(r["title"]),
            statement=_opt(r, "statement"),
            scope_note=_opt(r, "scopeNote"),
            domain=_opt(r, "domainNotation"),
            domain_title=_opt(r, "domainTitle"),
            domain_definition=_opt(r, "domainDefinition"),
            phase=local_name(r["phase"]) if r.get("phase") else None,
            phase_label=_opt(r, "phaseLabel"),
            effort=int(r["effort"]) if "effort" in r else None,
            evidence=sorted(extra.get("evidenceExpected", [])),
            tiers=sorted(extra.get("documentationTier", [])),
        )
    return ControlCatalogData(
        id=str(info.get("id") or "ctrlgraph-controls"),
        title=str(info.get("title") or "ctrlgraph common controls"),
        description=_opt(info, "description"),
        publisher=_opt(info, "publisher"),
        version=_opt(info, "version"),
        controls=list(controls.values()),
    )


def last_modified(store: GraphStore) -> str:
    """When the reference content last changed (ISO 8601 with time zone)."""
    rows = select(store, "interop/last_modified", meta=Iri(META_GRAPH))
    value = rows[0].get("lastModified") if rows else None
    if value:
        text = str(value)
        return text if ("+" in text[10:] or text.endswith("Z")) else text + "+00:00"
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------
# Streaming JSON
# --------------------------------------------------------------------------
class Lazy:
    """A list whose items are produced while the JSON is written (a generator
    of JSON values), so a large export is never held in memory as text."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def iter_json(value: Any, indent: int | None = 2, _level: int = 0) -> Iterator[str]:
    """Serialise ``value`` as JSON in chunks; :class:`Lazy` values are
    consumed one item at a time."""
    pad = "" if indent is None else "\n" + " " * (indent * (_level + 1))
    end = "" if indent is None else "\n" + " " * (indent * _level)
    sep = ": " if indent is not None else ":"
    if isinstance(value, dict):
        if not value:
            yield "{}"
            return
        yield "{"
        first = True
        for key, item in value.items():
            yield ("" if first else ",") + pad + json.dumps(str(key), ensure_ascii=False) + sep
            yield from iter_json(item, indent, _level + 1)
            first = False
        yield end + "}"
    elif isinstance(value, (list, tuple, Lazy)):
        items = value.items if isinstance(value, Lazy) else value
        first = True
        for item in items:
            yield ("[" if first else ",") + pad
            yield from iter_json(item, indent, _level + 1)
            first = False
        yield "[]" if first else end + "]"
    else:
        yield json.dumps(value, ensure_ascii=False)


def materialize(value: Any) -> Any:
    """The same value with every :class:`Lazy` list turned into a list."""
    if isinstance(value, dict):
        return {k: materialize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, Lazy)):
        return [materialize(v) for v in (value.items if isinstance(value, Lazy) else value)]
    return value
