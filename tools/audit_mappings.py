"""List the mappings an analyst must re-read against the strict STRM semantics.

The script only finds candidates; each one is decided by reading the
requirement against the control statement (mappings/README.md, "Relationship
semantics"). It reports:

* every ``superset of`` mapping (strict: all of the control must lie inside the
  requirement — a control that also asks for anything else is ``intersects with``);
* every ``equal`` from a clause to a control that requirements of another
  framework also map to (a clause of one management system is at most a subset
  of a shared control);
* every derived crosswalk pair between two frameworks that composition calls a
  determined ``subset of`` / ``superset of`` / ``equal``, with the legs, since a
  loose leg makes such a claim false; a pair already read and confirmed in
  ``mappings/decisions/determined-pairs.csv`` is marked so, the others are to
  be decided there (``tests/content/test_determined_pairs.py`` fails until they are).

Usage::

    .venv/bin/python tools/audit_mappings.py [MAPPINGS_DIR]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from collections import defaultdict
from pathlib import Path

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.namespace import SKOS

CG = Namespace("https://w3id.org/ctrlgraph/ns#")
ROOT = Path(__file__).resolve().parent.parent
NESTING = {CG.equal, CG.subsetOf, CG.supersetOf}


def framework(requirement: URIRef) -> str:
    return str(requirement).split("/id/", 1)[1].split("/", 1)[0]


def name(g: Graph, node: URIRef) -> str:
    return f"{framework(node)} {g.value(node, SKOS.notation)}"


def short(rel: URIRef) -> str:
    return str(rel).rsplit("#", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("mappings", nargs="?", type=Path, default=ROOT / "mappings")
    args = ap.parse_args(argv)
    g = Graph()
    for path in sorted(args.mappings.rglob("*.ttl")):
        g.parse(path)
    g.parse(ROOT / "ontology" / "strm-composition.ttl")
    table = {
        (g.value(r, CG.leftRelationship), g.value(r, CG.rightRelationship)): (
            g.value(r, CG.composedRelationship),
            bool(g.value(r, CG.determined).toPython()),
        )
        for r in g.subjects(RDF.type, CG.StrmComposition)
    }
    legs: dict[URIRef, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    for m in g.subjects(RDF.type, CG.Mapping):
        control, rel = g.value(m, CG.control), g.value(m, CG.relationship)
        if isinstance(control, URIRef) and rel != CG.noRelationship:
            legs[control].append((g.value(m, CG.requirement), rel))

    print("## superset of (is every part of the control inside the requirement?)")
    for control, mapped in sorted(legs.items()):
        for req, rel in mapped:
            if rel == CG.supersetOf:
                print(f"{name(g, req)}  superset of  {g.value(control, SKOS.notation)}")

    print("\n## equal to a control other frameworks share (is it really not subset of?)")
    for control, mapped in sorted(legs.items()):
        frameworks = {framework(r) for r, _ in mapped}
        for req, rel in mapped:
            if rel == CG.equal and len(frameworks) > 1:
                also = ", ".join(sorted(frameworks))
                print(f"{name(g, req)}  equal  {g.value(control, SKOS.notation)}  (also: {also})")

    confirmed: set[tuple[str, str, str, str]] = set()
    record = args.mappings / "decisions" / "determined-pairs.csv"
    if record.exists():
        with record.open(newline="", encoding="utf-8") as f:
            confirmed = {
                (r["source_framework"], r["source_notation"], r["target_framework"], r["target_notation"])
                for r in csv.DictReader(f)
                if r["verdict"] == "confirmed"
            }

    print("\n## determined nesting derived between frameworks (are both legs strict?)")
    for control, mapped in sorted(legs.items()):
        for (a, r1), (b, r2) in itertools.combinations(mapped, 2):
            if framework(a) == framework(b):
                continue
            composed, determined = table[(r1, r2)]
            if determined and composed in NESTING:
                key = (framework(a), str(g.value(a, SKOS.notation)), framework(b), str(g.value(b, SKOS.notation)))
                back = (key[2], key[3], key[0], key[1])
                seen = "confirmed" if key in confirmed or back in confirmed else "TO DECIDE"
                print(
                    f"{name(g, a)}  {short(composed)}  {name(g, b)}   via {g.value(control, SKOS.notation)}: "
                    f"{short(r1)} / {short(r2)}  [{seen}]"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
