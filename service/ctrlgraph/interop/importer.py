"""What every importer shares: the draft it parses a file into, the checks,
the graph it builds in the ctrlgraph vocabulary, SHACL validation, and the one
atomic write.

An import is:

1. *parse* (format module): the file becomes an :class:`ImportDraft` — frameworks,
   requirements and mappings, each remembering where in the file it came from
   (:class:`Where`). Malformed input stops here.
2. *check and build* (:func:`build_import`): ids, duplicates, parents, controls,
   relationships and strengths are checked against the draft and the store;
   then one rdflib graph per named graph is built and validated with pySHACL
   against ``shapes/reference.ttl``, together with whatever stored context the
   shapes need (the controls a mapping names, the framework a mapping set
   belongs to, the mappings an earlier import attached to a framework).
3. *write* (:func:`apply_import`): the graphs, their meta-graph records and the
   re-derived aggregates (``queries/derive/coverage.ru``) go to the store in one
   SPARQL update, so a refused import leaves the store exactly as it was.

Each imported framework lives in ``…/graph/imported/<framework-id>`` and its
mappings in ``…/graph/imported/<framework-id>-links``; both are recorded in the
meta graph as ``cg:ReferenceGraph`` (without ``cg:sha256``, so ``ctrlgraph load``
never mistakes them for a removed reference file).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS, XSD

from ctrlgraph import queries
from ctrlgraph.interop.model import (
    CGNS,
    FRAMEWORK_ID_PATTERN,
    IMPORTED_PREFIX,
    IRI_PATTERN,
    RATIONALES,
    RELATIONSHIPS,
    REQUIREMENT_TYPES,
    RESERVED_IDS,
    RISK_CATEGORIES,
    ROLES,
    FrameworkDraft,
    ImportDraft,
    MappingDraft,
    Problems,
    RequirementDraft,
    Where,
    framework_graph,
    links_graph,
    mapping_iri_for,
    one_line,
    oscal_id,
    refuse,
    relationship_choices,
    strength_problem,
)
from ctrlgraph.iri import CG, DERIVED_GRAPH, ID, META_GRAPH, control_iri, framework_iri, requirement_iri, slug
from ctrlgraph.store.base import GraphStore, Iri, bind, combine_updates, sparql_iri, sparql_literal


# --------------------------------------------------------------------------
# What the store already holds
# --------------------------------------------------------------------------
def _select(store: GraphStore, name: str, **params: object) -> list[dict[str, Any]]:
    return store.select(bind(queries.load(name), params), union_default=True)


@dataclass
class StoreContext:
    """The facts about the store an import is checked against."""

    shipped: dict[str, str]  # framework id -> framework IRI (reference files)
    imported: dict[str, str]  # framework id -> framework IRI (earlier imports)
    controls: dict[str, str]  # control notation -> IRI

    @classmethod
    def read(cls, store: GraphStore) -> StoreContext:
        shipped: dict[str, str] = {}
        imported: dict[str, str] = {}
        for row in _select(store, "interop/framework_graphs"):
            target = imported if str(row["graph"]).startswith(IMPORTED_PREFIX) else shipped
            target[str(row["id"])] = str(row["framework"])
        controls = {str(r["notation"]): str(r["control"]) for r in _select(store, "control_notations")}
        return cls(shipped, imported, controls)


def imported_frameworks(store: GraphStore) -> list[dict[str, object]]:
    """Every imported graph with its meta record."""
    rows = _select(store, "interop/imported_graphs", meta=Iri(META_GRAPH), prefix=IMPORTED_PREFIX)
    return [
        {
            "graph": str(r["graph"]),
            "source": r.get("source"),
            "format": r.get("format"),
            "triples": int(r.get("triples", 0)),
            "modified": r.get("modified"),
        }
        for r in rows
    ]


class RequirementIndex:
    """Finds a framework's requirement from whatever a file calls it."""

    def __init__(self, framework_id: str, entries: Iterable[tuple[str, Iterable[str]]]) -> None:
        self.iris: dict[str, str] = {}
        self._exact: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        for notation, extra in entries:
            iri = requirement_iri(framework_id, notation)
            self.iris[notation] = iri
            self._exact[notation] = notation
            for key in (iri, *extra):
                self._exact.setdefault(key, notation)
            for key in (notation.lower(), slug(notation), oscal_id(notation)):
                self._keys.setdefault(key, notation)

    @classmethod
    def of_draft(cls, fw: FrameworkDraft) -> RequirementIndex:
        return cls(fw.id, ((r.notation, r.exact_match) for r in fw.requirements))

    @classmethod
    def of_store(cls, store: GraphStore, framework: str) -> RequirementIndex:
        framework_id = next(
            (str(r["id"]) for r in _select(store, "framework_ids") if str(r["framework"]) == framework), ""
        )
        extra: dict[str, list[str]] = defaultdict(list)
        for r in _select(store, "interop/requirement_values", framework=Iri(framework)):
            if str(r["property"]) == str(SKOS.exactMatch):
                extra[str(r["requirement"])].append(str(r["value"]))
        rows = _select(store, "framework_requirements", framework=Iri(framework))
        return cls(framework_id, ((str(r["notation"]), extra.get(str(r["requirement"]), [])) for r in rows))

    def resolve(self, ref: str) -> str | None:
        ref = ref.strip()
        found = self._exact.get(ref) or self._keys.get(ref.lower()) or self._keys.get(slug(ref))
        if found is None and ":" in ref:  # a URN or CURIE ending in the reference
            tail = ref.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            found = self._keys.get(tail.lower()) or self._keys.get(slug(tail))
        return found


class ControlIndex:
    """Finds a common control from its notation (any case), IRI or a URN ending in it."""

    def __init__(self, controls: Mapping[str, str]) -> None:
        self.controls = controls
        self._keys: dict[str, str] = {}
        for notation, iri in controls.items():
            for key in (notation, iri, notation.lower(), slug(notation)):
                self._keys.setdefault(key, notation)

    def resolve(self, ref: str) -> str | None:
        ref = ref.strip()
        found = self._keys.get(ref) or self._keys.get(ref.lower()) or self._keys.get(slug(ref))
        if found is None and (":" in ref or "/" in ref):
            tail = re.split(r"[:/]", ref)[-1]
            found = self._keys.get(tail.lower()) or self._keys.get(slug(tail))
        return found

    def hint(self, ref: str) -> str:
        import difflib

        close = difflib.get_close_matches(ref.upper(), list(self.controls), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------
# Check and build
# --------------------------------------------------------------------------
@dataclass
class ImportResult:
    """A checked, validated import, ready to write."""

    format: str
    source_name: str
    #: named graph IRI -> rdflib graph (only the graphs this import replaces)
    graphs: dict[str, Graph]
    frameworks: list[str]
    requirement_count: int
    mapping_count: int
    warnings: list[str]

    def ntriples(self) -> dict[str, str]:
        return {iri: _ntriples(graph) for iri, graph in self.graphs.items()}

    def turtle(self) -> str:
        merged = Graph()
        for prefix, ns in _PREFIXES.items():
            merged.bind(prefix, ns)
        for graph in self.graphs.values():
            merged += graph
        return merged.serialize(format="turtle")

    def trig(self) -> str:
        from rdflib import Dataset

        dataset = Dataset()
        for prefix, ns in _PREFIXES.items():
            dataset.bind(prefix, ns)
        for iri, graph in self.graphs.items():
            named = dataset.graph(URIRef(iri))
            for triple in graph:
                named.add(triple)
        return dataset.serialize(format="trig")

    def summary(self) -> dict[str, object]:
        return {
            "format": self.format,
            "source": self.source_name,
            "frameworks": self.frameworks,
            "graphs": {iri: len(g) for iri, g in self.graphs.items()},
            "requirements": self.requirement_count,
            "mappings": self.mapping_count,
            "warnings": self.warnings,
        }


_PREFIXES = {
    "cg": CG,
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "fw": ID,
    "ctl": ID + "control/",
}


def _ntriples(graph: Graph) -> str:
    text = graph.serialize(format="nt")
    return "\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n"


Progress = Callable[[str], None]


def build_import(store: GraphStore, draft: ImportDraft, progress: Progress | None = None) -> ImportResult:
    """Check a draft against itself and the store, build its graphs and
    validate them with SHACL. Raises :class:`ImportRefused` on any problem."""
    step = progress or (lambda _: None)
    step("checking")
    context = StoreContext.read(store)
    problems = Problems()
    warnings = list(draft.warnings)

    # Frameworks and their requirements -------------------------------------
    own: dict[str, FrameworkDraft] = {}
    for fw in draft.frameworks:
        _check_framework_id(fw, context, own, problems)
        own.setdefault(fw.id, fw)
        _check_requirements(fw, problems)

    # Mappings --------------------------------------------------------------
    targets: dict[str, RequirementIndex] = {}
    for fw_id, fw in own.items():
        targets[fw_id] = RequirementIndex.of_draft(fw)
    controls = ControlIndex(context.controls)
    seen: dict[tuple[str, str, str | None], Where] = {}
    mappings_by_framework: dict[str, list[MappingDraft]] = defaultdict(list)
    for m in draft.mappings:
        if m.framework not in targets:
            if m.framework in context.shipped:
                problems.add(
                    m.where.at("framework"),
                    f"framework {m.framework!r} is shipped with ctrlgraph; its mappings are edited in "
                    "mappings/links/, not imported (import the framework under a new id first)",
                )
                continue
            if m.framework not in context.imported:
                valid = sorted(context.imported)
                hint = f" (imported frameworks: {', '.join(valid)})" if valid else " (no framework was imported yet)"
                problems.add(
                    m.where.at("framework"),
                    f"unknown framework {m.framework!r}: import the framework before its mappings{hint}",
                )
                continue
            targets[m.framework] = RequirementIndex.of_store(store, context.imported[m.framework])
        notation = targets[m.framework].resolve(m.ref)
        if notation is None:
            problems.add(m.where.at("ref"), f"requirement {m.ref!r} is not in framework {m.framework!r}")
            continue
        control = None
        if m.control is not None:
            control = controls.resolve(m.control)
            if control is None:
                hint = controls.hint(m.control)
                problems.add(m.where.at("control"), f"unknown control {m.control!r}{hint}")
                continue
        resolved = replace(m, ref=notation, control=control)
        _check_mapping(resolved, problems)
        key = (m.framework, notation, control)
        if key in seen:
            problems.add(
                m.where,
                f"duplicate mapping {notation!r} -> {control or 'no control'!r} (first given at {seen[key]})",
            )
            continue
        seen[key] = m.where
        mappings_by_framework[m.framework].append(resolved)
    problems.raise_if_any()

    # Build -----------------------------------------------------------------
    step("building")
    graphs: dict[str, Graph] = {}
    origin: dict[str, Where] = {}
    requirement_count = 0
    for fw in own.values():
        graphs[framework_graph(fw.id)] = _framework_graph(fw, origin)
        requirement_count += len(fw.requirements)
    for fw_id, items in mappings_by_framework.items():
        graphs[links_graph(fw_id)] = _links_graph(fw_id, items, targets[fw_id].iris, context, origin)

    # Validate --------------------------------------------------------------
    step("validating")
    data = Graph()
    for g in graphs.values():
        data += g
    existing_links: set[str] = set()
    for fw_id in mappings_by_framework:
        if fw_id not in own:  # a mapping set for an earlier import: validate with its framework
            data += _stored_graph(store, framework_graph(fw_id))
    for fw_id in own:
        if fw_id not in mappings_by_framework and fw_id in context.imported:
            # Re-importing a framework keeps its imported mappings: they must still fit.
            kept = _stored_graph(store, links_graph(fw_id))
            existing_links.update(str(s) for s in kept.subjects(RDF.type, CGNS.Mapping))
            data += kept
    for iri in {str(o) for o in data.objects(None, CGNS.control)}:
        if iri in context.controls.values():
            data.add((URIRef(iri), RDF.type, CGNS.Control))
    violations, unmapped = _shacl(data)
    for focus, message in violations:
        if focus in origin:
            problems.add(origin[focus], message)
        elif focus in existing_links:
            problems.add(Where(path=focus), f"an earlier imported mapping no longer fits: {message}")
        # other focus nodes are stored context (controls, an earlier import), valid when they were stored
    problems.raise_if_any("import refused by SHACL validation")
    if unmapped:
        shown = ", ".join(sorted(unmapped)[:8])
        warnings.append(
            f"{len(unmapped)} assessable requirement(s) have no mapping yet (import a mapping set for them): "
            f"{shown}{' …' if len(unmapped) > 8 else ''}"
        )
    return ImportResult(
        format=draft.format,
        source_name=draft.source_name,
        graphs=graphs,
        frameworks=sorted({*own, *mappings_by_framework}),
        requirement_count=requirement_count,
        mapping_count=sum(len(v) for v in mappings_by_framework.values()),
        warnings=warnings,
    )


def _check_framework_id(
    fw: FrameworkDraft, context: StoreContext, own: Mapping[str, FrameworkDraft], problems: Problems
) -> None:
    where = fw.where.at("framework")
    if not FRAMEWORK_ID_PATTERN.match(fw.id):
        problems.add(
            where,
            f"framework id {fw.id!r} is not valid: use lower-case letters, digits, '.', '-' and '_' "
            "(1-64 characters, starting and ending with a letter or digit)",
        )
    elif fw.id in RESERVED_IDS or fw.id.endswith("-links"):
        problems.add(where, f"framework id {fw.id!r} is reserved; choose another id")
    elif fw.id in context.shipped:
        problems.add(
            where,
            f"framework id {fw.id!r} collides with a framework shipped with ctrlgraph; import it under another id",
        )
    if fw.id in own:
        problems.add(where, f"framework {fw.id!r} is defined twice in this file (first at {own[fw.id].where})")
    if not fw.title.strip():
        problems.add(fw.where.at("title"), "the framework needs a title")


def _check_requirements(fw: FrameworkDraft, problems: Problems) -> None:
    by_notation: dict[str, RequirementDraft] = {}
    by_slug: dict[str, RequirementDraft] = {}
    if not fw.requirements:
        problems.add(fw.where, f"framework {fw.id!r} has no requirements")
    for r in fw.requirements:
        if not r.notation.strip():
            problems.add(r.where.at("ref"), "the requirement has no reference (notation)")
            continue
        if not slug(r.notation):
            problems.add(r.where.at("ref"), f"reference {r.notation!r} has no letter or digit to build an IRI from")
            continue
        if r.notation in by_notation:
            problems.add(r.where.at("ref"), f"duplicate ref {r.notation!r} (first at {by_notation[r.notation].where})")
            continue
        other = by_slug.get(slug(r.notation))
        if other is not None:
            problems.add(
                r.where.at("ref"),
                f"ref {r.notation!r} and ref {other.notation!r} (at {other.where}) give the same IRI "
                f"({slug(r.notation)!r}); make them differ by a letter or digit",
            )
            continue
        by_notation[r.notation] = r
        by_slug[slug(r.notation)] = r
        if not r.title.strip():
            problems.add(r.where.at("title"), f"requirement {r.notation!r} has no title")
        if r.type is not None and r.type.lower() not in REQUIREMENT_TYPES:
            problems.add(
                r.where.at("type"),
                f"unknown requirement type {r.type!r}; use one of: {', '.join(sorted(set(REQUIREMENT_TYPES) - {v.lower() for v in REQUIREMENT_TYPES.values()}))}",  # noqa: E501
            )
        for iri in r.exact_match:
            if not IRI_PATTERN.match(iri):
                problems.add(r.where.at("exact_match"), f"{iri!r} is not an IRI (no spaces, quotes or angle brackets)")
        for role in r.roles:
            if role not in ROLES:
                problems.add(r.where, f"unknown operator role {role!r}; use one of: {', '.join(ROLES)}")
        for category in r.risk_categories:
            if category not in RISK_CATEGORIES:
                problems.add(r.where, f"unknown risk category {category!r}; use one of: {', '.join(RISK_CATEGORIES)}")
    for r in fw.requirements:
        if r.parent is not None and r.parent not in by_notation and by_notation.get(r.notation) is r:
            problems.add(
                r.where.at("parent"), f"parent {r.parent!r} of {r.notation!r} is not a requirement of {fw.id!r}"
            )
    # Cycles (a parent chain that comes back).
    for r in fw.requirements:
        seen: set[str] = set()
        node: RequirementDraft | None = r
        while node is not None and node.parent is not None:
            if node.notation in seen:
                problems.add(r.where.at("parent"), f"the parent chain of {r.notation!r} loops back on itself")
                break
            seen.add(node.notation)
            node = by_notation.get(node.parent)


def _check_mapping(m: MappingDraft, problems: Problems) -> None:
    if m.relationship not in RELATIONSHIPS:
        problems.add(
            m.where.at("relationship"),
            f"unknown relationship {m.relationship!r}; use one of: {relationship_choices()}",
        )
        return
    if m.rationale not in RATIONALES:
        problems.add(m.where.at("rationale"), f"unknown rationale {m.rationale!r}; use one of: {', '.join(RATIONALES)}")
    if m.control is None and m.relationship != "no relationship":
        problems.add(m.where.at("control"), f"a {m.relationship!r} mapping needs a control")
    if m.strength is None:
        problems.add(m.where.at("strength"), "the strength is missing (0-10)")
    else:
        reason = strength_problem(m.relationship, m.strength)
        if reason:
            problems.add(m.where.at("strength"), reason)
    if not (m.explanation or "").strip():
        problems.add(m.where.at("explanation"), "the mapping needs a one-line explanation")


def _framework_graph(fw: FrameworkDraft, origin: dict[str, Where]) -> Graph:
    g = Graph()
    fw_node = URIRef(framework_iri(fw.id))
    origin[str(fw_node)] = fw.where
    g.add((fw_node, RDF.type, CGNS.Framework))
    g.add((fw_node, DCTERMS.identifier, Literal(fw.id)))
    g.add((fw_node, DCTERMS.title, Literal(one_line(fw.title), lang="en")))
    g.add((fw_node, DCTERMS.publisher, Literal(one_line(fw.publisher or "unknown"))))
    g.add((fw_node, OWL.versionInfo, Literal(one_line(fw.version or "unversioned"))))
    if fw.description:
        g.add((fw_node, DCTERMS.description, Literal(fw.description, lang="en")))
    if fw.rights:
        g.add((fw_node, DCTERMS.rights, Literal(fw.rights)))
    if fw.citation:
        g.add((fw_node, DCTERMS.bibliographicCitation, Literal(fw.citation)))
    if fw.issued and re.match(r"^\d{4}-\d{2}-\d{2}$", fw.issued):
        g.add((fw_node, DCTERMS.issued, Literal(fw.issued, datatype=XSD.date)))
    if fw.source:
        is_iri = bool(IRI_PATTERN.match(fw.source))
        g.add((fw_node, DCTERMS.source, URIRef(fw.source) if is_iri else Literal(fw.source)))
    has_children = {r.parent for r in fw.requirements if r.parent is not None}
    for order, r in enumerate(fw.requirements, start=1):
        node = URIRef(requirement_iri(fw.id, r.notation))
        origin[str(node)] = r.where
        g.add((node, RDF.type, CGNS.Requirement))
        g.add((node, SKOS.inScheme, fw_node))
        g.add((node, SKOS.notation, Literal(r.notation)))
        g.add((node, SKOS.prefLabel, Literal(one_line(r.title), lang="en")))
        if r.parent is None:
            g.add((node, SKOS.topConceptOf, fw_node))
        else:
            g.add((node, SKOS.broader, URIRef(requirement_iri(fw.id, r.parent))))
        kind = REQUIREMENT_TYPES.get((r.type or "ClauseType").lower(), "ClauseType")
        g.add((node, CGNS.requirementType, CGNS[kind]))
        assessable = r.assessable if r.assessable is not None else r.notation not in has_children
        g.add((node, CGNS.assessable, Literal(assessable)))
        g.add((node, CGNS.documentOrder, Literal(order)))
        if r.definition:
            g.add((node, SKOS.definition, Literal(r.definition, lang="en")))
        if r.legal_text:
            g.add((node, CGNS.legalText, Literal(r.legal_text)))
        if r.applicable_from:
            g.add((node, CGNS.applicableFrom, Literal(r.applicable_from, datatype=XSD.date)))
        for role in r.roles:
            g.add((node, CGNS.bindsRole, CGNS[role]))
        for category in r.risk_categories:
            g.add((node, CGNS.appliesToRiskCategory, CGNS[category]))
        for iri in r.exact_match:
            g.add((node, SKOS.exactMatch, URIRef(iri)))
    return g


def _links_graph(
    fw_id: str,
    items: Iterable[MappingDraft],
    requirements: Mapping[str, str],
    context: StoreContext,
    origin: dict[str, Where],
) -> Graph:
    g = Graph()
    for m in items:
        node = URIRef(mapping_iri_for(fw_id, m.ref, m.control))
        origin[str(node)] = m.where
        g.add((node, RDF.type, CGNS.Mapping))
        g.add((node, CGNS.requirement, URIRef(requirements[m.ref])))
        if m.control is not None:
            g.add((node, CGNS.control, URIRef(context.controls.get(m.control, control_iri(m.control)))))
        g.add((node, CGNS.relationship, CGNS[RELATIONSHIPS[m.relationship]]))
        g.add((node, CGNS.rationale, CGNS[m.rationale]))
        g.add((node, CGNS.strength, Literal(m.strength)))
        g.add((node, DCTERMS.description, Literal(one_line(m.explanation or ""), lang="en")))
        g.add((node, DCTERMS.source, Literal(one_line(m.source))))
    return g


def _stored_graph(store: GraphStore, graph: str) -> Graph:
    g = Graph()
    text = store.graph_ntriples(graph)
    if text.strip():
        g.parse(data=text, format="nt")
    return g


@cache
def _shapes() -> Graph:
    from ctrlgraph.paths import shapes_dir

    shapes = Graph()
    shapes.parse(shapes_dir() / "reference.ttl", format="turtle")
    # Duplicate notations are checked (with row numbers) before SHACL runs;
    # dropping the one SPARQL-based constraint keeps large imports fast.
    for constraint in list(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#sparql"))):
        shapes.remove((None, URIRef("http://www.w3.org/ns/shacl#sparql"), constraint))
        if isinstance(constraint, BNode):
            shapes.remove((constraint, None, None))
    return shapes


_MAPPED_SHAPE = "https://w3id.org/ctrlgraph/shapes#AssessableRequirementMappedShape"


def _shacl(data: Graph) -> tuple[list[tuple[str, str]], set[str]]:
    """SHACL violations (focus, message) and the assessable requirements
    without a mapping (reported as a warning: a framework may be imported
    before its mappings)."""
    from ctrlgraph.validation import validate

    outcome = validate(data, _shapes())
    if outcome.conforms:
        return [], set()
    violations: list[tuple[str, str]] = []
    unmapped: set[str] = set()
    for v in outcome.violations:
        if v.shape == _MAPPED_SHAPE:
            notation = data.value(URIRef(v.focus), SKOS.notation)
            unmapped.add(str(notation) if notation is not None else v.focus)
            continue
        path = v.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if v.path else None
        detail = f" ({path}" + (f" = {v.value!r}" if v.value else "") + ")" if path else ""
        violations.append((v.focus, f"{v.message}{detail}"))
    return violations, unmapped


# --------------------------------------------------------------------------
# Write
# --------------------------------------------------------------------------
def _meta_update(records: Mapping[str, tuple[str, str, int] | None]) -> str:
    """Rewrite the meta records of the given graphs (None: remove the record)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    ops = [f"DELETE WHERE {{ GRAPH <{META_GRAPH}> {{ {sparql_iri(g)} ?p ?o }} }}" for g in records]
    triples = []
    for graph, record in records.items():
        if record is None:
            continue
        source, fmt, count = record
        triples.append(
            f"{sparql_iri(graph)} a <{CG}ReferenceGraph> ; <{DCTERMS}source> {sparql_literal(source)} ; "
            f"<{DCTERMS}format> {sparql_literal(fmt)} ; <{CG}tripleCount> {count} ; "
            f'<{DCTERMS}modified> "{now}"^^<{XSD}dateTime> .'
        )
    if triples:
        ops.append(f"INSERT DATA {{ GRAPH <{META_GRAPH}> {{\n" + "\n".join(triples) + "\n} }")
    return " ;\n".join(ops)


def _derive() -> str:
    return bind(queries.load("derive/coverage"), {"derived": Iri(DERIVED_GRAPH)})


def apply_import(store: GraphStore, result: ImportResult) -> None:
    """Write a validated import in one transaction (graphs, meta records, derived aggregates)."""
    content = result.ntriples()
    records: dict[str, tuple[str, str, int] | None] = {
        graph: (f"{result.format}: {result.source_name}", result.format, len(result.graphs[graph])) for graph in content
    }
    store.replace_graphs(content, extra_update=combine_updates([_meta_update(records), _derive()]))
    _flush(store)


def remove_import(store: GraphStore, framework_id: str) -> list[str]:
    """Drop an imported framework and its mappings (one transaction)."""
    context = StoreContext.read(store)
    if framework_id not in context.imported:
        if framework_id in context.shipped:
            raise refuse(Where(path=framework_id), f"{framework_id!r} is shipped with ctrlgraph, not imported")
        raise refuse(
            Where(path=framework_id),
            f"no imported framework {framework_id!r} (imported: {', '.join(sorted(context.imported)) or 'none'})",
        )
    graphs = [framework_graph(framework_id), links_graph(framework_id)]
    store.replace_graphs(
        dict.fromkeys(graphs, ""),
        extra_update=combine_updates([_meta_update(dict.fromkeys(graphs)), _derive()]),
    )
    _flush(store)
    return graphs


def _flush(store: GraphStore) -> None:
    flush = getattr(store, "flush", None)
    if callable(flush):
        flush()


def run_import(
    store: GraphStore, draft: ImportDraft, *, write: bool = True, progress: Progress | None = None
) -> ImportResult:
    """Check, validate and (unless ``write`` is false) store a parsed draft."""
    result = build_import(store, draft, progress)
    if write:
        (progress or (lambda _: None))("writing")
        apply_import(store, result)
    return result
