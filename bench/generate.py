"""Synthetic reference graph in ctrlgraph's own vocabulary, as N-Quads.

Same classes, properties, IRI patterns and named graphs as the hand-written
content under ``mappings/`` (see mappings/README.md), at a configurable scale:

* full scale (``scale=1``): 700 frameworks x 200 requirements, 1,500 common
  controls, 800,000 mappings;
* smaller scales shrink the number of frameworks (and so of requirements and
  mappings) in proportion; every framework keeps 200 requirements and ~1,143
  mappings, and the common control set keeps its 1,500 controls, so a single
  requirement or framework looks the same at every scale.

The file is written line by line (no rdflib graph in memory), deterministic for
a given seed, with one named graph per "file" as the real loader makes them::

    https://w3id.org/ctrlgraph/graph/mappings/frameworks/<id>   framework + requirements
    https://w3id.org/ctrlgraph/graph/mappings/links/<id>        that framework's cg:Mapping s
    https://w3id.org/ctrlgraph/graph/mappings/controls          domains and common controls
    https://w3id.org/ctrlgraph/graph/ontology/ctrlgraph         the real ontology/ctrlgraph.ttl
    https://w3id.org/ctrlgraph/graph/ontology/strm-composition  the real ontology/strm-composition.ttl

plus a ``cg:ReferenceGraph`` entry for each of them in the meta graph
(``https://w3id.org/ctrlgraph/graph/meta``), which is what
``ctrlgraph.loader.reference_graphs`` reads to build the default graph of every
reference query. The two ontology graphs carry the SHA-256 of the real files,
exactly as ``load_reference`` records them, so a later ``load_reference`` (e.g.
``ctrlgraph serve`` starting on the store) sees them as unchanged. Synthetic
graphs carry no checksum, so ``load_reference`` neither reloads nor removes them.

Control popularity is skewed (weight 1/(rank + 100), so the most popular
control is picked 16x as often as the least popular): popular controls serve
every framework, the tail about a fifth of them, and "which controls serve
these three frameworks" has a non-trivial answer.

Usage::

    python bench/generate.py --scale 0.01 --output /tmp/synthetic.nq
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

CG = "https://w3id.org/ctrlgraph/ns#"
ID = "https://w3id.org/ctrlgraph/id/"
GRAPH = "https://w3id.org/ctrlgraph/graph/"
META_GRAPH = GRAPH + "meta"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

FULL_FRAMEWORKS = 700
REQUIREMENTS_PER_FRAMEWORK = 200
FULL_CONTROLS = 1500
FULL_MAPPINGS = 800_000
MAPPINGS_PER_FRAMEWORK = FULL_MAPPINGS / FULL_FRAMEWORKS  # ~1,142.9
DOMAINS = 20

#: Requirement tree of every synthetic framework: 10 top-level clauses, each
#: with 4 sub-clauses, each with 3 or 4 leaves = 10 + 40 + 150 = 200 nodes.
TOP_CLAUSES = 10
SUB_CLAUSES = 4

ONTOLOGY_FILES = ("ontology/ctrlgraph.ttl", "ontology/strm-composition.ttl")
REPO_ROOT = Path(__file__).resolve().parent.parent
MODIFIED = "2026-01-01T00:00:00+00:00"  # fixed, so the output is byte-for-byte deterministic

# Relationship mix of the mappings other than "no relationship", with the
# strength range of each (NIST IR 8278A: equal = 10).
RELATIONSHIPS = (
    ("equal", 0.10, (10, 10)),
    ("subsetOf", 0.35, (7, 9)),
    ("supersetOf", 0.20, (3, 7)),
    ("intersectsWith", 0.35, (1, 6)),
)
NO_RELATIONSHIP_SHARE = 0.03  # leaves that no control serves: one explicit noRelationship mapping
RATIONALES = (("semantic", 0.6), ("functional", 0.25), ("syntactic", 0.15))
SOURCES = ("ctrlgraph analysts, 2026", "synthetic benchmark generator", "ctrlgraph analysts, 2025")
PUBLISHERS = ("ISO/IEC", "NIST", "ENISA", "European Union", "CSA", "AICPA", "PCI SSC", "BSI")
REQUIREMENT_TYPES = ("ClauseType", "AnnexControlType", "ArticleType", "ParagraphType")
PHASES = ("FoundationPhase", "DevelopmentPhase", "ImplementationPhase", "CertificationPreparationPhase")

WORDS_A = (
    "Risk", "Data", "Model", "Supplier", "Incident", "Access", "Change", "Asset", "Record", "Policy",
    "Training", "Logging", "Privacy", "Impact", "Quality", "Continuity", "Audit", "Transparency",
)  # fmt: skip
WORDS_B = (
    "assessment", "governance", "monitoring", "treatment", "documentation", "review", "controls",
    "management", "reporting", "validation", "oversight", "planning", "inventory", "awareness",
)  # fmt: skip
VERBS = (
    "Both require", "Each asks for", "Both cover", "The control implements", "Both keep",
    "The requirement and the control both expect", "Both define", "Both set up",
)  # fmt: skip
OBJECTS = (
    "a documented, repeatable process", "named owners and review dates", "evidence kept as records",
    "periodic review by management", "criteria agreed in advance", "a register that is kept current",
    "measurable objectives", "corrective action when results fall short",
)  # fmt: skip


@dataclass(frozen=True)
class Scale:
    frameworks: int
    controls: int
    mappings: int

    @property
    def requirements(self) -> int:
        return self.frameworks * REQUIREMENTS_PER_FRAMEWORK


def sizes(scale: float) -> Scale:
    """Counts at a fraction of full scale (never fewer than 3 frameworks).

    The common control set stays at 1,500 controls at every scale: a control
    catalog does not grow with the number of frameworks mapped onto it, and
    keeping it fixed keeps each framework's and each requirement's share of
    the graph the same, so small-scale answers have the full-scale shape.
    """
    frameworks = max(3, round(FULL_FRAMEWORKS * scale))
    return Scale(frameworks, FULL_CONTROLS, round(frameworks * MAPPINGS_PER_FRAMEWORK))


def framework_id(i: int) -> str:
    return f"synth-{i:04d}"


def control_notation(i: int, per_domain: int) -> str:
    return f"SD{i // per_domain + 1:02d}-{i % per_domain + 1:03d}"


def slug(notation: str) -> str:
    # the requirement notations here are digits and dots only: "3.2.1" -> "3-2-1"
    return notation.replace(".", "-")


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, lang: str | None = None) -> str:
    # generated strings never contain '"', '\\' or newlines
    return f'"{value}"@{lang}' if lang else f'"{value}"'


def typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def integer(value: int) -> str:
    return typed(value, "integer")


TRUE, FALSE = typed("true", "boolean"), typed("false", "boolean")
A = iri(RDF_TYPE)
P = {
    name: iri(value)
    for name, value in {
        "identifier": DCTERMS + "identifier",
        "title": DCTERMS + "title",
        "publisher": DCTERMS + "publisher",
        "description": DCTERMS + "description",
        "source": DCTERMS + "source",
        "modified": DCTERMS + "modified",
        "version": OWL + "versionInfo",
        "inScheme": SKOS + "inScheme",
        "notation": SKOS + "notation",
        "prefLabel": SKOS + "prefLabel",
        "definition": SKOS + "definition",
        "broader": SKOS + "broader",
        "topConceptOf": SKOS + "topConceptOf",
        "assessable": CG + "assessable",
        "requirementType": CG + "requirementType",
        "documentOrder": CG + "documentOrder",
        "domain": CG + "domain",
        "effort": CG + "effort",
        "roadmapPhase": CG + "roadmapPhase",
        "requirement": CG + "requirement",
        "control": CG + "control",
        "relationship": CG + "relationship",
        "rationale": CG + "rationale",
        "strength": CG + "strength",
        "sha256": CG + "sha256",
        "tripleCount": CG + "tripleCount",
    }.items()
}
C = {name: iri(CG + name) for name in ("Framework", "Requirement", "Control", "ControlDomain", "ControlCatalog",
                                         "Mapping", "ReferenceGraph", "noRelationship")}  # fmt: skip


class QuadWriter:
    """Buffers N-Quads lines of one graph and counts them."""

    def __init__(self, out, graph: str) -> None:
        self.out = out
        self.graph = f" <{graph}> .\n"
        self.lines: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o}{self.graph}")

    def flush(self) -> int:
        self.out.write("".join(self.lines))
        count = len(self.lines)
        self.lines.clear()
        return count


def framework_csv(framework: str, requirements: int) -> bytes:
    """A generated framework in the CSV import format (`POST /v1/import/csv`):
    ``requirements`` flat requirements, one mapping each. Used where an
    import's size is the point (bench/fairness.py, tests/test_bounds.py)."""
    header = "framework,ref,title,parent,control,relationship,rationale,strength,explanation,framework_title\n"
    rows = "".join(
        f"{framework},R.{n},Requirement {n},,GOV-07,intersects with,semantic,4,Generated row {n},Generated\n"
        for n in range(1, requirements + 1)
    )
    return (header + rows).encode()


def requirement_tree() -> list[tuple[str, str | None, bool]]:
    """(notation, parent notation, assessable) in document order: 200 nodes."""
    nodes: list[tuple[str, str | None, bool]] = []
    leaves_total = REQUIREMENTS_PER_FRAMEWORK - TOP_CLAUSES - TOP_CLAUSES * SUB_CLAUSES  # 150
    subs = TOP_CLAUSES * SUB_CLAUSES
    for top in range(1, TOP_CLAUSES + 1):
        nodes.append((str(top), None, False))
        for sub in range(1, SUB_CLAUSES + 1):
            index = (top - 1) * SUB_CLAUSES + (sub - 1)
            leaves = leaves_total // subs + (1 if index < leaves_total % subs else 0)
            nodes.append((f"{top}.{sub}", str(top), False))
            for leaf in range(1, leaves + 1):
                nodes.append((f"{top}.{sub}.{leaf}", f"{top}.{sub}", True))
    assert len(nodes) == REQUIREMENTS_PER_FRAMEWORK, len(nodes)
    return nodes


def _meta(meta: QuadWriter, graph: str, source: str, count: int, sha: str | None = None) -> None:
    g = iri(graph)
    meta.add(g, A, C["ReferenceGraph"])
    meta.add(g, P["source"], lit(source))
    if sha:
        meta.add(g, P["sha256"], lit(sha))
    meta.add(g, P["tripleCount"], integer(count))
    meta.add(g, P["modified"], typed(MODIFIED, "dateTime"))


def _stable(term: object, labels: dict[str, ox.BlankNode], prefix: str) -> object:
    if isinstance(term, ox.BlankNode):
        return labels.setdefault(term.value, ox.BlankNode(f"{prefix}b{len(labels)}"))
    return term


def _ontology(out, meta: QuadWriter, root: Path) -> int:
    """Copy the real ontology files into their graphs, with loader-style meta entries."""
    total = 0
    for relative in ONTOLOGY_FILES:
        path = root / relative
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
        graph = ox.NamedNode(GRAPH + relative.removesuffix(".ttl"))
        # the parser names blank nodes at random: renumber them in file order
        labels: dict[str, ox.BlankNode] = {}
        prefix = graph.value.rsplit("/", 1)[-1].replace("-", "")
        quads = [
            ox.Quad(_stable(t.subject, labels, prefix), t.predicate, _stable(t.object, labels, prefix), graph)
            for t in triples
        ]
        out.write((ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8"))
        # the loader counts the lines of the file's N-Triples serialization
        count = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").count(b"\n")
        _meta(meta, graph.value, relative, count, hashlib.sha256(path.read_bytes()).hexdigest())
        total += len(quads)
    return total


def generate(
    path: Path, scale: float = 1.0, *, seed: int = 42, include_ontology: bool = True, root: Path = REPO_ROOT
) -> dict[str, int]:
    """Write the synthetic graph to ``path`` (N-Quads); return counts."""
    from bisect import bisect_right
    from itertools import accumulate

    size = sizes(scale)
    rng = random.Random(seed)
    per_domain = -(-size.controls // DOMAINS)
    controls = [control_notation(i, per_domain) for i in range(size.controls)]

    # skewed popularity: a seeded permutation gives each control a rank
    ranks = list(range(size.controls))
    rng.shuffle(ranks)
    offset = size.controls / 15
    weights = [1.0 / (rank + offset) for rank in ranks]
    cum = list(accumulate(weights))
    cum_total = cum[-1]

    rel_cum = list(accumulate(share for _, share, _ in RELATIONSHIPS))
    rat_cum = list(accumulate(share for _, share in RATIONALES))
    rel_iris = [iri(CG + name) for name, _, _ in RELATIONSHIPS]
    rat_iris = [iri(CG + name) for name, _ in RATIONALES]
    sources = [lit(s) for s in SOURCES]
    strengths = {r: [integer(v) for v in range(lo, hi + 1)] for r, (_, _, (lo, hi)) in enumerate(RELATIONSHIPS)}
    zero = integer(0)

    tree = requirement_tree()
    leaves = [n for n, _, assessable in tree if assessable]
    counts = {"frameworks": size.frameworks, "requirements": size.requirements, "controls": size.controls}
    quads = mappings = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", buffering=1 << 22) as out:
        meta = QuadWriter(out, META_GRAPH)
        if include_ontology:
            quads += _ontology(out, meta, root)

        # ---- controls graph: catalog, domains, controls
        g = GRAPH + "mappings/controls"
        w = QuadWriter(out, g)
        catalog = iri(ID + "controls")
        w.add(catalog, A, C["ControlCatalog"])
        for d in range(1, DOMAINS + 1):
            dom = iri(f"{ID}domain/SD{d:02d}")
            w.add(dom, A, C["ControlDomain"])
            w.add(dom, P["notation"], lit(f"SD{d:02d}"))
            w.add(dom, P["prefLabel"], lit(f"Synthetic domain {d:02d}: {WORDS_A[d % len(WORDS_A)]}", "en"))
        for i, notation in enumerate(controls):
            c = iri(f"{ID}control/{notation}")
            w.add(c, A, C["Control"])
            w.add(c, P["inScheme"], catalog)
            w.add(c, P["notation"], lit(notation))
            label = f"{WORDS_A[rng.randrange(len(WORDS_A))]} {WORDS_B[rng.randrange(len(WORDS_B))]} {notation}"
            w.add(c, P["prefLabel"], lit(label, "en"))
            w.add(c, P["definition"], lit(f"The organization operates {label.lower()} with {OBJECTS[i % 8]}.", "en"))
            w.add(c, P["domain"], iri(f"{ID}domain/SD{i // per_domain + 1:02d}"))
            w.add(c, P["effort"], integer(1 + rng.randrange(5)))
            w.add(c, P["roadmapPhase"], iri(CG + PHASES[rng.randrange(len(PHASES))]))
        n = w.flush()
        _meta(meta, g, "mappings/controls.ttl (synthetic)", n)
        quads += n

        base, extra = divmod(size.mappings, size.frameworks)
        for f in range(1, size.frameworks + 1):
            fid = framework_id(f)
            fw = iri(ID + fid)

            # ---- framework graph
            g = f"{GRAPH}mappings/frameworks/{fid}"
            w = QuadWriter(out, g)
            w.add(fw, A, C["Framework"])
            w.add(fw, P["identifier"], lit(fid))
            w.add(fw, P["title"], lit(f"Synthetic framework {f:04d}", "en"))
            w.add(fw, P["publisher"], lit(PUBLISHERS[f % len(PUBLISHERS)]))
            w.add(fw, P["version"], lit(str(2015 + f % 11)))
            req_type = iri(CG + REQUIREMENT_TYPES[f % len(REQUIREMENT_TYPES)])
            clause = iri(CG + "ClauseType")
            for order, (notation, parent, assessable) in enumerate(tree, start=1):
                r = iri(f"{ID}{fid}/{slug(notation)}")
                w.add(r, A, C["Requirement"])
                w.add(r, P["inScheme"], fw)
                w.add(r, P["notation"], lit(notation))
                title = f"{WORDS_A[rng.randrange(len(WORDS_A))]} {WORDS_B[rng.randrange(len(WORDS_B))]}"
                w.add(r, P["prefLabel"], lit(title, "en"))
                if parent is None:
                    w.add(r, P["topConceptOf"], fw)
                else:
                    w.add(r, P["broader"], iri(f"{ID}{fid}/{slug(parent)}"))
                w.add(r, P["requirementType"], req_type if assessable else clause)
                w.add(r, P["assessable"], TRUE if assessable else FALSE)
                w.add(r, P["documentOrder"], integer(order))
            n = w.flush()
            _meta(meta, g, f"mappings/frameworks/{fid}.ttl (synthetic)", n)
            quads += n

            # ---- links graph: every leaf gets >= 1 mapping, the rest spread at random
            g = f"{GRAPH}mappings/links/{fid}"
            w = QuadWriter(out, g)
            total = base + (1 if f <= extra else 0)
            unserved = {i for i in range(len(leaves)) if rng.random() < NO_RELATIONSHIP_SHARE}
            served = [i for i in range(len(leaves)) if i not in unserved]
            per_leaf = [1] * len(leaves)
            for _ in range(total - len(leaves)):
                per_leaf[served[rng.randrange(len(served))]] += 1
            for index, (leaf, k) in enumerate(zip(leaves, per_leaf, strict=True)):
                req = iri(f"{ID}{fid}/{slug(leaf)}")
                leaf_slug = slug(leaf)
                no_relationship = index in unserved
                chosen: set[int] = set()
                while len(chosen) < min(k, size.controls):
                    chosen.add(bisect_right(cum, rng.random() * cum_total))
                for ci in sorted(chosen):
                    notation = controls[ci]
                    m = iri(f"{ID}mapping/{fid}/{leaf_slug}/{notation}")
                    w.add(m, A, C["Mapping"])
                    w.add(m, P["requirement"], req)
                    w.add(m, P["control"], iri(f"{ID}control/{notation}"))
                    if no_relationship:
                        w.add(m, P["relationship"], C["noRelationship"])
                        w.add(m, P["rationale"], rat_iris[0])
                        w.add(m, P["strength"], zero)
                        desc = f"No control serves {fid} {leaf}; {notation} was considered and set aside."
                    else:
                        rel = bisect_right(rel_cum, rng.random() * rel_cum[-1])
                        w.add(m, P["relationship"], rel_iris[rel])
                        w.add(m, P["rationale"], rat_iris[bisect_right(rat_cum, rng.random() * rat_cum[-1])])
                        choices = strengths[rel]
                        w.add(m, P["strength"], choices[rng.randrange(len(choices))])
                        desc = (
                            f"{VERBS[rng.randrange(len(VERBS))]} {WORDS_A[rng.randrange(len(WORDS_A))].lower()} "
                            f"{WORDS_B[rng.randrange(len(WORDS_B))]} with {OBJECTS[rng.randrange(len(OBJECTS))]} "
                            f"({fid} {leaf}, {notation})."
                        )
                    w.add(m, P["description"], lit(desc, "en"))
                    w.add(m, P["source"], sources[rng.randrange(len(sources))])
                    mappings += 1
            n = w.flush()
            _meta(meta, g, f"mappings/links/{fid}.ttl (synthetic)", n)
            quads += n
        quads += meta.flush()
    counts.update(mappings=mappings, quads=quads)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of full scale (default 1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, required=True, help="N-Quads file to write")
    parser.add_argument("--no-ontology", action="store_true", help="leave out the real ontology/*.ttl graphs")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = generate(args.output, args.scale, seed=args.seed, include_ontology=not args.no_ontology)
    elapsed = time.perf_counter() - start
    size_mb = args.output.stat().st_size / 1e6
    print(
        f"{args.output}: {counts['quads']:,} quads, {counts['frameworks']} frameworks, "
        f"{counts['requirements']:,} requirements, {counts['controls']:,} controls, {counts['mappings']:,} mappings "
        f"({size_mb:.0f} MB in {elapsed:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
