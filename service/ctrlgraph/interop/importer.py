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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_
from datetime import UTC, datetime
from functools import cache
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from ctrlgraph import queries
from ctrlgraph.interop.model import (
    CGNS,
    FRAMEWORK_ID_PATTERN,
    IMPORTED_PREFIX,
    INVERSE,
    IRI_PATTERN,
    RATIONALES,
    RELATIONSHIPS,
    REQUIREMENT_TYPES,
    RESERVED_IDS,
    RISK_CATEGORIES,
    ROLES,
    FrameworkDraft,
    ImportDraft,
    ImportRefused,
    LinkDraft,
    MappingDraft,
    Problems,
    RequirementDraft,
    Where,
    framework_graph,
    link_iri_for,
    links_graph,
    mapping_iri_for,
    one_line,
    oscal_id,
    pair_graph,
    refuse,
    relationship_choices,
    strength_problem,
)
from ctrlgraph.iri import CG, ID, META_GRAPH, control_iri, framework_iri, requirement_iri, slug
from ctrlgraph.loader import derive_update
from ctrlgraph.store.base import GraphStore, Iri, bind, combine_updates, sparql_iri, sparql_literal

#: Graphs of direct mappings waiting for a framework not imported yet (one per awaited framework).
PENDING_PREFIX = IMPORTED_PREFIX + "pending/"


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


def _norm(text: str) -> str:
    """A reference as compared loosely: no spaces (also non-breaking), lower case."""
    return re.sub(r"[\s\u00a0]+", "", text).lower()


class RequirementIndex:
    """Finds a framework's requirement from whatever a file calls it: its key,
    notation (any case, punctuation), IRI slug, OSCAL id, IRI, or an IRI it is
    a skos:exactMatch of (a CISO Assistant node URN, an OSCAL id). ``resolve``
    gives the requirement's key; ``iris`` maps keys to IRIs and ``equivalent``
    keys to the IRI of the requirement of a declared-equivalent framework."""

    def __init__(self, framework_id: str, entries: Iterable[tuple[str, str, Iterable[str]]]) -> None:
        self.framework_id = framework_id
        self.iris: dict[str, str] = {}
        self.notations: dict[str, str] = {}
        self.equivalent: dict[str, str] = {}
        self._exact: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        for ident, notation, extra in entries:
            iri = requirement_iri(framework_id, ident)
            self.iris[ident] = iri
            self.notations[ident] = notation
            self._exact.setdefault(ident, ident)
            for key in (iri, *extra):
                self._exact.setdefault(key, ident)
                self._keys.setdefault(_norm(key), ident)
                if ":" not in key:  # another reference (a hidden label), compared as loosely as notations
                    self._keys.setdefault(slug(key), ident)
            for key in (notation, ident):
                for variant in (key.lower(), _norm(key), slug(key), oscal_id(key)):
                    self._keys.setdefault(variant, ident)

    @classmethod
    def of_draft(cls, fw: FrameworkDraft) -> RequirementIndex:
        return cls(fw.id, ((r.ident, r.notation, r.exact_match) for r in fw.requirements))

    @classmethod
    def of_store(cls, store: GraphStore, framework: str) -> RequirementIndex:
        framework_id = next(
            (str(r["id"]) for r in _select(store, "framework_ids") if str(r["framework"]) == framework), ""
        )
        extra: dict[str, list[str]] = defaultdict(list)
        for r in _select(store, "interop/requirement_values", framework=Iri(framework)):
            if str(r["property"]) in (str(SKOS.exactMatch), str(SKOS.hiddenLabel)):
                extra[str(r["requirement"])].append(str(r["value"]))
        rows = _select(store, "framework_requirements", framework=Iri(framework))
        prefix = requirement_iri(framework_id, "x")[:-1]
        entries: dict[str, tuple[str, str, list[str]]] = {}
        for r in rows:
            iri = str(r["requirement"])
            ident = iri[len(prefix) :] if iri.startswith(prefix) else str(r["notation"])
            entries.setdefault(ident, (ident, str(r["notation"]), extra.get(iri, [])))
        index = cls(framework_id, entries.values())
        for ident, iri in index.iris.items():
            for match in extra.get(iri, []):
                if match.startswith(ID) and not match.startswith(prefix):
                    index.equivalent[ident] = match
        return index

    def resolve(self, ref: str) -> str | None:
        ref = ref.strip()
        found = (
            self._exact.get(ref)
            or self._keys.get(ref.lower())
            or self._keys.get(_norm(ref))
            or self._keys.get(slug(ref))
        )
        if found is None and (":" in ref or "/" in ref or "#" in ref):  # a URN, CURIE or IRI ending in the reference
            tail = re.split(r"[:/#]", ref)[-1]
            if tail:
                found = self._keys.get(tail.lower()) or self._keys.get(_norm(tail)) or self._keys.get(slug(tail))
        if found is None and "_" in ref:  # a catalog-prefixed OSCAL id (iso-iec-42001_6-1-2)
            tail = ref.rsplit("_", 1)[-1]
            found = self._keys.get(_norm(tail)) or self._keys.get(slug(tail))
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
    #: Direct requirement -> requirement mappings this import adds.
    link_count: int = 0
    #: Direct mappings kept waiting for a framework not imported yet.
    pending_count: int = 0

    def ntriples(self) -> dict[str, str]:
        return {iri: _ntriples(graph) for iri, graph in self.graphs.items()}

    def counts(self) -> dict[str, int]:
        return {iri: len(graph) for iri, graph in self.graphs.items()}

    def built(self) -> BuiltImport:
        """This result as plain data (picklable: it comes back from a worker process)."""
        return BuiltImport(self.format, self.source_name, self.ntriples(), self.counts(), self.summary())

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
            "links": self.link_count,
            "waiting": self.pending_count,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class BuiltImport:
    """A checked, validated import as N-Triples per graph, ready to write."""

    format: str
    source_name: str
    content: dict[str, str]
    triple_counts: dict[str, int]
    summary_: dict[str, object]

    def ntriples(self) -> dict[str, str]:
        return self.content

    def counts(self) -> dict[str, int]:
        return self.triple_counts

    def summary(self) -> dict[str, object]:
        return self.summary_


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


def build_import(
    store: GraphStore,
    draft: ImportDraft,
    progress: Progress | None = None,
    *,
    replace: bool = False,
    skip_unresolved: bool = False,
) -> ImportResult:
    """Check a draft against itself and the store, build its graphs and
    validate them with SHACL. Raises :class:`ImportRefused` on any problem.

    Mappings add to what earlier imports stored for the same framework (or
    framework pair); a mapping that contradicts a stored one is refused unless
    ``replace`` is true, which replaces the stored mappings of those graphs.
    ``skip_unresolved``: a direct mapping naming a requirement the framework
    does not have is left out with a warning (published crosswalks cover more
    than a baseline holds) instead of refusing the file."""
    step = progress or (lambda _: None)
    step("checking")
    context = StoreContext.read(store)
    problems = Problems()
    warnings = list(draft.warnings)

    # Frameworks and their requirements -------------------------------------
    own: dict[str, FrameworkDraft] = {}
    for fw in draft.frameworks:
        _check_framework_id(fw, context, own, problems, warnings)
        own.setdefault(fw.id, fw)
        _check_requirements(fw, problems)

    # Mappings --------------------------------------------------------------
    targets: dict[str, RequirementIndex] = {}
    for fw_id, fw in own.items():
        targets[fw_id] = RequirementIndex.of_draft(fw)
        if fw.equivalent_to is not None:
            _declare_equivalent(store, fw, targets[fw_id], context, problems, warnings)
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
        ident = targets[m.framework].resolve(m.ref)
        if ident is None:
            problems.add(m.where.at("ref"), f"requirement {m.ref!r} is not in framework {m.framework!r}")
            continue
        control = None
        if m.control is not None:
            control = controls.resolve(m.control)
            if control is None:
                hint = controls.hint(m.control)
                problems.add(m.where.at("control"), f"unknown control {m.control!r}{hint}")
                continue
        resolved = replace_(m, ref=ident, control=control)
        _check_mapping(resolved, problems)
        key = (m.framework, ident, control)
        if key in seen:
            problems.add(
                m.where,
                f"duplicate mapping {ident!r} -> {control or 'no control'!r} (first given at {seen[key]})",
            )
            continue
        seen[key] = m.where
        mappings_by_framework[m.framework].append(resolved)

    # Direct requirement -> requirement mappings ----------------------------
    waiting: dict[str, list[LinkDraft]] = defaultdict(list)
    links = _resolve_links(
        store,
        draft.links,
        own,
        targets,
        context,
        problems,
        warnings,
        skip_unresolved,
        waiting=waiting,
        may_wait={_norm(d) for d in draft.declared},
    )
    # Mappings earlier imports left waiting for a framework this file brings attach now.
    attached_graphs = _attach_waiting(store, own, targets, context, links, warnings)
    problems.raise_if_any()

    # Build -----------------------------------------------------------------
    step("building")
    graphs: dict[str, Graph] = {}
    origin: dict[str, Where] = {}
    requirement_count = 0
    for fw in own.values():
        graphs[framework_graph(fw.id)] = _framework_graph(fw, origin, targets[fw.id])
        requirement_count += len(fw.requirements)
    mapping_count = 0
    for fw_id, items in mappings_by_framework.items():
        graph = _links_graph(fw_id, items, targets[fw_id].iris, context, origin)
        mapping_count += len(set(graph.subjects(RDF.type, CGNS.Mapping)))
        if fw_id in context.imported and not replace:
            graph = _merge_stored(store, links_graph(fw_id), graph, CGNS.Mapping, problems, warnings)
        graphs[links_graph(fw_id)] = graph
    link_count = 0
    for pair, items in links.items():
        graph = _pair_graph(items, origin)
        link_count += len(items)
        if not replace:
            graph = _merge_stored(store, pair, graph, CGNS.RequirementLink, problems, warnings)
        graphs[pair] = graph
    pending_count = 0
    for awaited, items in waiting.items():
        iri = pending_graph(awaited)
        graphs[iri] = _stored_graph(store, iri) + _waiting_graph(awaited, items)
        pending_count += len(items)
        warnings.append(
            f"{len(items)} direct mapping(s) wait for framework {awaited!r}, which is not imported yet: "
            "they are kept and attach when it is imported"
        )
    for iri in attached_graphs:
        graphs[iri] = Graph()  # attached: the waiting list is emptied
    problems.raise_if_any()

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
    # The requirements a direct mapping names in other graphs (shipped or earlier imports) exist.
    for prop in (CGNS.requirement, CGNS.targetRequirement):
        for s, o in list(data.subject_objects(prop)):
            if (s, RDF.type, CGNS.RequirementLink) in data and (o, RDF.type, CGNS.Requirement) not in data:
                data.add((o, RDF.type, CGNS.Requirement))
    violations, unmapped = _shacl(data)
    for focus, message in violations:
        if focus in origin:
            problems.add(origin[focus], message)
        elif focus in existing_links:
            problems.add(Where(path=focus), f"an earlier imported mapping no longer fits: {message}")
        # other focus nodes are stored context (controls, an earlier import), valid when they were stored
    problems.raise_if_any("import refused by SHACL validation")
    # Only this import's own requirements (not those a direct mapping names elsewhere).
    unmapped = {str(data.value(URIRef(f), SKOS.notation) or f) for f in unmapped if f in origin}
    if unmapped:
        shown = ", ".join(sorted(unmapped)[:8])
        warnings.append(
            f"{len(unmapped)} assessable requirement(s) have no mapping yet (import a mapping set for them): "
            f"{shown}{' …' if len(unmapped) > 8 else ''}"
        )
    frameworks = {*own, *mappings_by_framework}
    for items in links.values():
        for link in items:
            frameworks.update((link.source_framework, link.target_framework))
    return ImportResult(
        format=draft.format,
        source_name=draft.source_name,
        graphs=graphs,
        frameworks=sorted(frameworks),
        requirement_count=requirement_count,
        mapping_count=mapping_count,
        warnings=warnings,
        link_count=link_count,
        pending_count=pending_count,
    )


def pending_graph(awaited: str) -> str:
    """The graph of the direct mappings waiting for a framework not imported yet."""
    return f"{PENDING_PREFIX}{slug(awaited) or 'framework'}"


#: LinkDraft field -> property of a waiting mapping (cg:WaitingLink), all literals.
_WAITING = {
    "source_framework": "sourceFrameworkRef",
    "source_ref": "sourceRef",
    "target_framework": "targetFrameworkRef",
    "target_ref": "targetRef",
    "relationship": "relationshipNotation",
    "source": "mappingSource",
    "rationale": "rationaleNotation",
    "strength": "strengthGiven",
    "explanation": "explanation",
    "predicate": "predicateRef",
    "confidence": "confidenceGiven",
}


def _waiting_graph(awaited: str, items: Iterable[LinkDraft]) -> Graph:
    """Direct mappings kept as the file gives them (references, not IRIs), until
    the framework they wait for is imported."""
    import hashlib

    g = Graph()
    for link in items:
        key = " ".join((awaited, link.source_framework, link.source_ref, link.target_framework, link.target_ref))
        node = URIRef(f"{ID}link/waiting/{hashlib.sha256(key.encode()).hexdigest()[:20]}")
        g.add((node, RDF.type, CGNS.WaitingLink))
        g.add((node, CGNS.awaitsFramework, Literal(awaited)))
        for name, prop in _WAITING.items():
            value = getattr(link, name)
            if value is not None:
                g.add((node, CGNS[prop], Literal(value)))
        g.add((node, CGNS.sourceLocation, Literal(str(link.where))))
    return g


def _attach_waiting(
    store: GraphStore,
    own: Mapping[str, FrameworkDraft],
    targets: dict[str, RequirementIndex],
    context: StoreContext,
    links: dict[str, list[_Link]],
    warnings: list[str],
) -> list[str]:
    """Resolve the direct mappings earlier imports left waiting for a framework
    this import brings, add them to ``links`` and return the waiting graphs they
    came from. One that still does not resolve (a reference the framework does
    not have, a contradiction) is left out with a warning, never refusing the
    framework itself."""
    if not own:
        return []
    rows = _select(store, "interop/waiting_links", prefix=PENDING_PREFIX)
    if not rows:
        return []
    own_only = _Frameworks(store, own, targets)
    by_node: dict[str, dict[str, str]] = defaultdict(dict)
    graph_of: dict[str, str] = {}
    for r in rows:
        by_node[str(r["link"])][str(r["property"]).rsplit("#", 1)[-1]] = str(r["value"])
        graph_of[str(r["link"])] = str(r["graph"])
    fields = {prop: name for name, prop in _WAITING.items()}
    drafts: dict[str, list[LinkDraft]] = defaultdict(list)
    for node, values in by_node.items():
        awaited = values.get("awaitsFramework", "")
        if own_only.resolve(awaited) not in own:
            continue
        given = {fields[k]: v for k, v in values.items() if k in fields}
        strength = given.pop("strength", None)
        confidence = given.pop("confidence", None)
        drafts[graph_of[node]].append(
            LinkDraft(
                **given,  # type: ignore[arg-type]
                where=Where(path=f"{values.get('sourceLocation', node)} (waiting since an earlier import)"),
                strength=int(strength) if strength is not None else None,
                confidence=float(confidence) if confidence is not None else None,
            )
        )
    if not drafts:
        return []
    found = Problems()
    notes: list[str] = []
    everything = [d for items in drafts.values() for d in items]
    resolved = _resolve_links(store, everything, own, targets, context, found, notes, skip_unresolved=True)
    count = 0
    for pair, items in resolved.items():
        present = {(i.source, i.target) for i in links.get(pair, [])}
        fresh = [i for i in items if (i.source, i.target) not in present]
        links.setdefault(pair, []).extend(fresh)
        count += len(fresh)
    warnings.append(f"{count} direct mapping(s) waiting for {', '.join(sorted(own))} attached")
    if found.items or notes:
        first = found.items[0] if found.items else notes[0]
        warnings.append(f"some waiting direct mapping(s) did not attach: {first}")
    return sorted(drafts)


def _alternative_id(fw: FrameworkDraft, taken: Iterable[str]) -> str:
    """Another id for a framework whose own id is a shipped one's: the id with the
    publisher's name (the URN's namespace) appended (``iso27001-2022-intuitem``)."""
    origin = next((m for m in fw.exact_match if m.startswith("urn:")), fw.source or "")
    parts = origin.split(":")
    suffix = slug(parts[1]) if origin.startswith("urn:") and len(parts) > 2 else slug(fw.publisher or "") or "imported"
    candidate, n = f"{fw.id}-{suffix}"[:64].strip("-"), 1
    while candidate in taken:
        n += 1
        candidate = f"{fw.id}-{suffix}-{n}"[:64]
    return candidate


def _check_framework_id(
    fw: FrameworkDraft,
    context: StoreContext,
    own: Mapping[str, FrameworkDraft],
    problems: Problems,
    warnings: list[str],
) -> None:
    where = fw.where.at("framework")
    if fw.id in context.shipped and fw.proposed_id:
        # A third-party copy of a framework ctrlgraph ships (CISO Assistant's iso27001-2022):
        # import it beside ours, declared equivalent, so mappings onto it land on ours.
        shipped = fw.id
        fw.id = _alternative_id(fw, {*context.shipped, *own})
        fw.equivalent_to = fw.equivalent_to or shipped
        warnings.append(
            f"framework {shipped!r} is shipped with ctrlgraph: imported as {fw.id!r}, declared equivalent "
            f"to {fw.equivalent_to!r} (requirements matched by notation)"
        )
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
            f"framework id {fw.id!r} collides with a framework shipped with ctrlgraph; import it under another id "
            f"(and declare it equivalent to {fw.id!r} to have mappings onto it land on ours)",
        )
    if fw.id in own:
        problems.add(where, f"framework {fw.id!r} is defined twice in this file (first at {own[fw.id].where})")
    if not fw.title.strip():
        problems.add(fw.where.at("title"), "the framework needs a title")
    if fw.equivalent_to is not None and fw.equivalent_to not in context.shipped:
        problems.add(
            fw.where.at("equivalent_to"),
            f"{fw.equivalent_to!r} is not a framework shipped with ctrlgraph "
            f"(shipped: {', '.join(sorted(context.shipped))})",
        )


def _declare_equivalent(
    store: GraphStore,
    fw: FrameworkDraft,
    index: RequirementIndex,
    context: StoreContext,
    problems: Problems,
    warnings: list[str],
) -> None:
    """Match an imported framework's requirements to the shipped one it is
    declared equivalent to, by notation (any case, spaces ignored)."""
    if fw.equivalent_to not in context.shipped:
        return
    ours = RequirementIndex.of_store(store, context.shipped[fw.equivalent_to])
    by_notation = {_norm(n): ident for ident, n in ours.notations.items()}
    for r in fw.requirements:
        match = by_notation.get(_norm(r.notation))
        if match is not None:
            index.equivalent[r.ident] = ours.iris[match]
    warnings.append(
        f"{len(index.equivalent)} of {len(fw.requirements)} requirement(s) of {fw.id!r} matched "
        f"{fw.equivalent_to!r} by notation"
    )


def _check_requirements(fw: FrameworkDraft, problems: Problems) -> None:
    by_ident: dict[str, RequirementDraft] = {}
    by_slug: dict[str, RequirementDraft] = {}
    if not fw.requirements:
        problems.add(fw.where, f"framework {fw.id!r} has no requirements")
    for r in fw.requirements:
        if not r.notation.strip():
            problems.add(r.where.at("ref"), "the requirement has no reference (notation)")
            continue
        if not slug(r.ident):
            problems.add(r.where.at("ref"), f"reference {r.ident!r} has no letter or digit to build an IRI from")
            continue
        if r.ident in by_ident:
            problems.add(r.where.at("ref"), f"duplicate ref {r.ident!r} (first at {by_ident[r.ident].where})")
            continue
        other = by_slug.get(slug(r.ident))
        if other is not None:
            problems.add(
                r.where.at("ref"),
                f"ref {r.ident!r} and ref {other.ident!r} (at {other.where}) give the same IRI "
                f"({slug(r.ident)!r}); make them differ by a letter or digit",
            )
            continue
        by_ident[r.ident] = r
        by_slug[slug(r.ident)] = r
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
    missing: dict[str, list[RequirementDraft]] = defaultdict(list)
    for r in fw.requirements:
        if r.parent is not None and r.parent not in by_ident and by_ident.get(r.ident) is r:
            missing[r.parent].append(r)
    # One root cause, one problem: a missing parent is reported once, however many children name it.
    for parent, children in missing.items():
        first = children[0]
        others = f" (and {len(children) - 1} other requirement(s))" if len(children) > 1 else ""
        problems.add(
            first.where.at("parent"),
            f"parent {parent!r} of {first.notation!r} is not a requirement of {fw.id!r}{others}",
        )
    # Cycles (a parent chain that comes back), each reported once.
    in_cycle: set[str] = set()
    for r in fw.requirements:
        seen: set[str] = set()
        node: RequirementDraft | None = r
        while node is not None and node.parent is not None:
            if node.ident in seen:
                if node.ident not in in_cycle:
                    in_cycle.update(seen)
                    problems.add(r.where.at("parent"), f"the parent chain of {r.notation!r} loops back on itself")
                break
            seen.add(node.ident)
            node = by_ident.get(node.parent)


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


@dataclass
class _Link:
    """A direct mapping resolved to the IRIs of its two requirements."""

    source: str
    target: str
    source_framework: str
    target_framework: str
    draft: LinkDraft


class _Frameworks:
    """Finds a framework from whatever a file calls it: its id, IRI, an IRI or
    URN it is a skos:exactMatch of, or a URN whose last segment is its id."""

    def __init__(
        self, store: GraphStore, own: Mapping[str, FrameworkDraft], targets: dict[str, RequirementIndex]
    ) -> None:
        self.store = store
        self.targets = targets
        #: hrefs taken to name a framework by its number (reported as a warning)
        self.guessed: dict[str, str] = {}
        self.iris: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        for r in _select(store, "interop/framework_matches"):
            fid = str(r["id"])
            self.iris[fid] = str(r["framework"])
            for key in (fid, str(r["framework"]), *([str(r["match"])] if r.get("match") else [])):
                self.keys.setdefault(_norm(key), fid)
        for fid, fw in own.items():  # this file's frameworks win over stored ones
            self.iris[fid] = framework_iri(fid)
            for key in (fid, framework_iri(fid), *fw.exact_match):
                self.keys[_norm(key)] = fid

    def resolve(self, ref: str) -> str | None:
        """``ref`` may list alternatives separated by spaces (e.g. an OSCAL
        catalog's UUID URN, then its href): the first that names a framework wins."""
        for alternative in ref.split():
            found = self._resolve(alternative)
            if found is not None:
                return found
        return None

    def _resolve(self, ref: str) -> str | None:
        found = self.keys.get(_norm(ref))
        if found is None and ":" in ref:
            tail = _norm(re.split(r"[:/#]", ref)[-1])
            found = self.keys.get(tail) or self.keys.get(slug(tail))
        if found is None and "/" in ref:
            # An href such as catalogs/iso_iec_42001_1.0.0/catalog.json: the one framework whose
            # id carries the standard's number (four digits or more) found in the path.
            for number in re.findall(r"\d{4,}", ref):
                candidates = {fid for fid in self.iris if number in fid and not fid.endswith("-links")}
                if len(candidates) == 1:
                    found = candidates.pop()
                    self.guessed[ref] = found
                    break
        return found

    def index(self, fid: str) -> RequirementIndex:
        if fid not in self.targets:
            self.targets[fid] = RequirementIndex.of_store(self.store, self.iris[fid])
        return self.targets[fid]


def _resolve_links(
    store: GraphStore,
    drafts: Sequence[LinkDraft],
    own: Mapping[str, FrameworkDraft],
    targets: dict[str, RequirementIndex],
    context: StoreContext,
    problems: Problems,
    warnings: list[str],
    skip_unresolved: bool = False,
    waiting: dict[str, list[LinkDraft]] | None = None,
    may_wait: set[str] | None = None,
) -> dict[str, list[_Link]]:
    """Direct mappings by the named graph they go to (one per framework pair),
    each side resolved to a requirement IRI (a declared-equivalent framework's
    requirement wins: mappings onto a third-party copy land on ours). The
    reverse set a converter adds (b -> a with the inverse relationship) and
    repeats are dropped; contradictions are problems. With ``waiting``, a
    mapping whose one side names a framework not imported yet that the file
    declares it depends on (``may_wait``, normalised) is added there (by that
    framework's reference) instead of being a problem: an unknown id the file
    does not declare may be a typo, and is refused."""
    if not drafts:
        return {}
    frameworks = _Frameworks(store, own, targets)
    framework_of = {iri: fid for fid, iri in frameworks.iris.items()}
    unknown: dict[str, list[Where]] = defaultdict(list)
    missing: dict[tuple[str, str], list[Where]] = defaultdict(list)
    kept: dict[tuple[str, str], _Link] = {}
    waiting_seen: set[tuple[tuple[str, str], tuple[str, str]]] = set()
    duplicates = reverse = 0
    for link in drafts:
        sides: list[tuple[str, str] | None] = []
        awaited: list[str] = []
        for fw_ref, ref in ((link.source_framework, link.source_ref), (link.target_framework, link.target_ref)):
            fid = frameworks.resolve(fw_ref)
            if fid is None:
                awaited.append(fw_ref)
                sides.append(None)
                continue
            index = frameworks.index(fid)
            ident = index.resolve(ref)
            if ident is None:
                missing[(fid, ref)].append(link.where)
                break
            iri = index.equivalent.get(ident, index.iris[ident])
            sides.append((iri, framework_of.get(iri.rsplit("/", 1)[0], fid)))
        if len(sides) != 2:
            continue
        if len(awaited) == 2 or (awaited and (waiting is None or _norm(awaited[0]) not in (may_wait or ()))):
            for fw_ref in awaited:
                unknown[fw_ref].append(link.where)
            continue
        if link.relationship not in RELATIONSHIPS:
            problems.add(link.where.at("relationship"), f"unknown relationship {link.relationship!r}")
            continue
        if link.rationale is not None and link.rationale not in RATIONALES:
            problems.add(
                link.where.at("rationale"), f"unknown rationale {link.rationale!r}; use one of: {', '.join(RATIONALES)}"
            )
            continue
        if link.strength is not None:
            reason = strength_problem(link.relationship, link.strength)
            if reason:
                problems.add(link.where.at("strength"), reason)
                continue
        if awaited and waiting is not None:
            # One side names a framework not imported yet: kept as given, attached when it is
            # (a reverse set's mapping or a repeat is kept once; it is checked when it attaches).
            one = (_norm(link.source_framework), _norm(link.source_ref))
            other = (_norm(link.target_framework), _norm(link.target_ref))
            pair_key = (min(one, other), max(one, other))
            if pair_key in waiting_seen:
                reverse += 1
                continue
            waiting_seen.add(pair_key)
            waiting[awaited[0]].append(link)
            continue
        (source, source_fw), (target, target_fw) = (s for s in sides if s is not None)
        first = kept.get((source, target))
        if first is not None:
            if first.draft.relationship != link.relationship:
                problems.add(
                    link.where.at("relationship"),
                    f"{link.relationship!r} contradicts {first.draft.relationship!r} given for the same pair "
                    f"at {first.draft.where}",
                )
            duplicates += 1
            continue
        back = kept.get((target, source))
        if back is not None:
            if back.draft.relationship != INVERSE[link.relationship]:
                problems.add(
                    link.where.at("relationship"),
                    f"{link.relationship!r} contradicts the reverse mapping given at {back.draft.where} "
                    f"({back.draft.relationship!r}, whose inverse is {INVERSE[back.draft.relationship]!r})",
                )
            reverse += 1
            continue
        kept[(source, target)] = _Link(source, target, source_fw, target_fw, link)
    for fw_ref, places in unknown.items():
        more = f" (and {len(places) - 1} other mapping(s))" if len(places) > 1 else ""
        known = ", ".join(sorted(frameworks.iris))
        problems.add(
            places[0],
            f"unknown framework {fw_ref!r}{more}: import it first, or name one of: {known}",
        )
    if skip_unresolved and missing:
        shown = ", ".join(f"{ref} ({fid})" for fid, ref in list(missing)[:8])
        count = sum(len(v) for v in missing.values())
        warnings.append(
            f"left out {count} mapping(s) naming {len(missing)} reference(s) the framework does not have: "
            f"{shown}{' …' if len(missing) > 8 else ''}"
        )
        missing = {}
    for (fid, ref), places in missing.items():
        more = f" (and {len(places) - 1} other mapping(s))" if len(places) > 1 else ""
        problems.add(
            places[0], f"requirement {ref!r} is not in framework {fid!r}{more} (skip_unresolved=true leaves it out)"
        )
    for ref, fid in frameworks.guessed.items():
        warnings.append(f"{ref!r} taken to be framework {fid!r} (the only one with its number)")
    if duplicates or reverse:
        warnings.append(
            f"dropped {duplicates} repeated mapping(s) and {reverse} mapping(s) of a reverse set "
            "(each pair is stored once and read both ways)"
        )
    by_graph: dict[str, list[_Link]] = defaultdict(list)
    for item in kept.values():
        by_graph[pair_graph(item.source_framework, item.target_framework)].append(item)
    return by_graph


def _pair_graph(items: Iterable[_Link], origin: dict[str, Where]) -> Graph:
    g = Graph()
    for item in items:
        link = item.draft
        node = URIRef(link_iri_for(item.source, item.target))
        origin[str(node)] = link.where
        g.add((node, RDF.type, CGNS.RequirementLink))
        g.add((node, CGNS.requirement, URIRef(item.source)))
        g.add((node, CGNS.targetRequirement, URIRef(item.target)))
        g.add((node, CGNS.relationship, CGNS[RELATIONSHIPS[link.relationship]]))
        if link.rationale is not None:
            g.add((node, CGNS.rationale, CGNS[link.rationale]))
        if link.strength is not None:
            g.add((node, CGNS.strength, Literal(link.strength)))
        if link.explanation:
            g.add((node, DCTERMS.description, Literal(one_line(link.explanation), lang="en")))
        g.add((node, DCTERMS.source, Literal(one_line(link.source))))
        if link.predicate and IRI_PATTERN.match(link.predicate):
            g.add((node, CGNS.mappingPredicate, URIRef(link.predicate)))
        if link.confidence is not None:
            g.add((node, CGNS.confidence, Literal(link.confidence, datatype=XSD.decimal)))
    return g


def _merge_stored(
    store: GraphStore, graph_iri: str, new: Graph, kind: URIRef, problems: Problems, warnings: list[str]
) -> Graph:
    """An import adds to the mappings stored in ``graph_iri`` by earlier imports.
    The same mapping again is kept once; a mapping that states another
    relationship for the same pair is a problem (``replace=true`` replaces)."""
    stored = _stored_graph(store, graph_iri)
    if not len(stored):
        return new
    same = 0
    for node in set(new.subjects(RDF.type, kind)):
        before = stored.value(node, CGNS.relationship)
        if before is None:
            continue
        now = new.value(node, CGNS.relationship)
        if now != before:
            source = stored.value(node, DCTERMS.source)
            problems.add(
                Where(path=str(node)),
                f"an earlier import ({source}) stored relationship {before.rsplit('#', 1)[-1]!r} for this pair, "
                f"this one says {str(now).rsplit('#', 1)[-1]!r}: import with replace=true to replace the stored "
                "mappings",
            )
            continue
        same += 1
        for triple in list(new.triples((node, None, None))):
            new.remove(triple)
    if same:
        warnings.append(f"{same} mapping(s) were already stored by an earlier import and are kept once")
    return stored + new


#: RequirementDraft.templates key -> the property holding that text with its parameter placeholders.
_TEMPLATE_PROPERTIES = {
    "definition": "definitionTemplate",
    "guidance": "guidanceTemplate",
    "objectives": "assessmentObjectiveTemplate",
}


def _framework_graph(fw: FrameworkDraft, origin: dict[str, Where], index: RequirementIndex) -> Graph:
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
    for iri in fw.exact_match:
        if IRI_PATTERN.match(iri):
            g.add((fw_node, SKOS.exactMatch, URIRef(iri)))
    if fw.equivalent_to is not None:
        g.add((fw_node, SKOS.exactMatch, URIRef(framework_iri(fw.equivalent_to))))
    has_children = {r.parent for r in fw.requirements if r.parent is not None}
    for order, r in enumerate(fw.requirements, start=1):
        node = URIRef(requirement_iri(fw.id, r.ident))
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
        assessable = r.assessable if r.assessable is not None else r.ident not in has_children
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
        if r.ident in index.equivalent:
            g.add((node, SKOS.exactMatch, URIRef(index.equivalent[r.ident])))
        if r.guidance:
            g.add((node, SKOS.scopeNote, Literal(r.guidance, lang="en")))
        if r.objectives:
            g.add((node, CGNS.assessmentObjective, Literal(r.objectives, lang="en")))
        for field_name, template in sorted(r.templates.items()):
            g.add((node, CGNS[_TEMPLATE_PROPERTIES[field_name]], Literal(template, lang="en")))
        for prm in r.parameters:
            param = URIRef(f"{node}#param-{slug(prm.id)}")
            g.add((node, CGNS.parameter, param))
            g.add((param, RDF.type, CGNS.Parameter))
            g.add((param, DCTERMS.identifier, Literal(prm.id)))
            if prm.label:
                g.add((param, RDFS.label, Literal(one_line(prm.label), lang="en")))
            if prm.how_many:
                g.add((param, CGNS.howMany, Literal(prm.how_many)))
            for position, choice in enumerate(prm.choices, start=1):
                g.add((param, CGNS.parameterChoice, Literal(one_line(choice))))
                # rdf:_1, rdf:_2, …: the choices' order (an OSCAL selection is a list)
                g.add((param, RDF[f"_{position}"], Literal(one_line(choice))))
            for value in prm.values:
                g.add((param, CGNS.parameterValue, Literal(one_line(value))))
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
            unmapped.add(v.focus)
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


def apply_import(store: GraphStore, result: ImportResult | BuiltImport) -> None:
    """Write a validated import in one transaction (graphs, meta records, derived aggregates)."""
    content, counts = result.ntriples(), result.counts()
    records: dict[str, tuple[str, str, int] | None] = {
        graph: (f"{result.format}: {result.source_name}", result.format, counts[graph])
        if counts[graph]
        else None  # emptied (waiting mappings that attached): no record
        for graph in content
    }
    store.replace_graphs(content, extra_update=combine_updates([_meta_update(records), derive_update(store)]))
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
    # Direct mappings to or from the framework go with it.
    crosswalks = IMPORTED_PREFIX + "crosswalk/"
    for row in imported_frameworks(store):
        graph = str(row["graph"])
        if graph.startswith(crosswalks) and framework_id in graph[len(crosswalks) :].split("/"):
            graphs.append(graph)
    store.replace_graphs(
        dict.fromkeys(graphs, ""),
        extra_update=combine_updates([_meta_update(dict.fromkeys(graphs)), derive_update(store)]),
    )
    _flush(store)
    return graphs


def _flush(store: GraphStore) -> None:
    flush = getattr(store, "flush", None)
    if callable(flush):
        flush()


def run_import(
    store: GraphStore,
    draft: ImportDraft,
    *,
    write: bool = True,
    progress: Progress | None = None,
    replace: bool = False,
    skip_unresolved: bool = False,
) -> ImportResult:
    """Check, validate and (unless ``write`` is false) store a parsed draft.
    ``replace``: mappings replace those earlier imports stored for the same
    framework or framework pair (by default they add, and a contradiction is refused)."""
    try:
        result = build_import(store, draft, progress, replace=replace, skip_unresolved=skip_unresolved)
    except ImportRefused as exc:
        raise exc.in_file(draft.source_name) from None
    if write:
        (progress or (lambda _: None))("writing")
        apply_import(store, result)
    return result
