"""The two routes from a requirement to the common controls, and how their
relationships compose.

* ``controls``: the requirement's own mappings (``cg:Mapping``).
* ``direct+control``: a requirement with no mapping of its own that has a
  direct mapping (``cg:RequirementLink``) or a declared equivalence with a
  requirement B of another framework is served by B's controls. "A REL1 B"
  and "B REL2 C" compose with the same STRM table as crosswalks
  (ontology/strm-composition.ttl), B playing the shared element: the table
  row (left REL1, right inverse(REL2)) gives "A ? C". Only legs whose overlap
  set theory guarantees are kept (a control that may share nothing with A
  does not serve it); a leg the table does not determine is stated as
  "intersects with", ``determined`` false.

Only assessable requirements with no mapping of their own take this route:
a requirement its author mapped is served by those mappings alone, and a
container's parts carry its mappings. So it serves frameworks that arrived
with a crosswalk instead of control mappings (an imported framework linked to
our 27001, a CISO Assistant copy declared equivalent to ours); the shipped
frameworks' answers do not change (their unmapped clauses with a link to the
Harmonized Structure are all containers).
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ctrlgraph import reference
from ctrlgraph.store.base import GraphStore, Iri, Row

CONTROLS = "controls"
DIRECT_CONTROL = "direct+control"

INVERSE = {"subset of": "superset of", "superset of": "subset of"}
#: What an undetermined "intersects with" may really be (set theory only guarantees some overlap).
_OVERLAPPING = ("equal", "subset of", "superset of", "intersects with")

#: (left, right) -> (composed relationship, determined, overlap guaranteed)
Table = Mapping[tuple[str, str], tuple[str, bool, bool]]


def table(store: GraphStore) -> dict[tuple[str, str], tuple[str, bool, bool]]:
    """The STRM composition table: A LEFT X and B RIGHT X => A REL B."""
    return {
        (str(r["left"]), str(r["right"])): (str(r["relationship"]), bool(r["determined"]), bool(r["overlap"]))
        for r in reference.select(store, "strm_composition")
    }


def compose(
    composition: Table, left: str, right: str, left_determined: bool = True, right_determined: bool = True
) -> tuple[str, bool, bool] | None:
    """A LEFT X and B RIGHT X => (A REL B, determined, overlap guaranteed).

    A leg that is itself undetermined (a composed "intersects with" whose
    overlap is guaranteed) may be any overlapping relationship: the answer is
    determined only if every possibility gives the same one, and overlaps only
    if every possibility does. None where the table has no rule."""
    lefts = (left,) if left_determined else _OVERLAPPING
    rights = (right,) if right_determined else _OVERLAPPING
    outcomes = [composition.get((a, b)) for a in lefts for b in rights]
    found = [o for o in outcomes if o is not None]
    if len(found) != len(outcomes):
        return None
    relationships = {o[0] for o in found}
    determined = all(o[1] for o in found) and len(relationships) == 1
    overlap = all(o[2] for o in found)
    return (found[0][0] if determined else "intersects with"), determined, overlap


@dataclass(frozen=True)
class Leg:
    """Requirement A served by a control through a direct mapping to requirement B."""

    requirement: str  # A's IRI
    framework: str  # A's framework id
    notation: str  # A's notation
    title: str
    order: int
    control: str  # the control's IRI
    control_notation: str
    relationship: str  # A REL control (composed)
    determined: bool
    strength: int
    through: str  # B as "framework notation"
    through_iri: str
    link_relationship: str  # A REL B, read from A's side
    mapping_relationship: str  # B REL control
    source: str | None  # who states the direct mapping

    @property
    def explanation(self) -> str:
        how = (
            "" if self.determined else " (not determined by set theory: a candidate overlap, stated as intersects with)"
        )
        return (
            f"{self.notation} {self.link_relationship} {self.through} (direct mapping"
            f"{f', {self.source}' if self.source else ''}) and {self.through} {self.mapping_relationship} "
            f"{self.control_notation}: {self.notation} {self.relationship} {self.control_notation}{how}"
        )


#: Every store's legs, computed once per version of its reference graph (the meta graph's
#: version token, as the response cache reads it: ctrlgraph.api.cache). Weakly keyed: a
#: store's entry goes with it.
_LEGS: weakref.WeakKeyDictionary[GraphStore, tuple[str, list[Leg]]] = weakref.WeakKeyDictionary()


def composed_legs(
    store: GraphStore, frameworks: Iterable[str] | None = None, composition: Table | None = None
) -> list[Leg]:
    """The ``direct+control`` legs of the requirements of ``frameworks`` (ids;
    None: every framework), the strongest per (requirement, control). Computed
    for every framework once per version of the reference graph (every import
    or load rewrites the meta graph), then filtered: 17-70 ms with three
    CISO Assistant libraries imported, which every shared-controls, crosswalk,
    related, plan and gap answer would otherwise pay."""
    wanted = None if frameworks is None else set(frameworks)
    version = reference.reference_version(store)
    try:
        hit = _LEGS.get(store)
    except TypeError:  # a store that cannot be weakly referenced: no memo
        hit = None
    if hit is None or hit[0] != version:
        hit = (version, _all_legs(store, composition))
        try:
            _LEGS[store] = hit
        except TypeError:
            pass
    return [leg for leg in hit[1] if wanted is None or leg.framework in wanted]


def _all_legs(store: GraphStore, composition: Table | None = None) -> list[Leg]:
    """Every ``direct+control`` leg of the store, the strongest per (requirement, control).

    Three small queries, each starting from what the one before found (the
    links, then their ends, then the linked requirements' mappings): one query
    joining all of it let the store start from every mapping or every
    assessable requirement (110 ms on the shipped graph with nothing to
    find, 840 ms with three CISO Assistant libraries imported)."""
    # A -> [(B, A REL B, link strength, who states it)], read both ways
    links: dict[str, list[tuple[str, str, int | None, str | None]]] = defaultdict(list)
    for r in reference.select(store, "composed_links"):
        a, b, relationship = str(r["requirement"]), str(r["linked"]), str(r["linkRelationship"])
        strength = int(r["linkStrength"]) if "linkStrength" in r else None
        origin = str(r["origin"]) if "origin" in r else None
        if relationship == "equivalent":  # a declared equivalence: equal, one way (onto the shipped framework)
            links[a].append((b, "equal", 10, "declared equivalent"))
            continue
        links[a].append((b, relationship, strength, origin))
        links[b].append((a, INVERSE.get(relationship, relationship), strength, origin))
    if not links:
        return []
    ends = [Iri(a) for a in sorted(links)]
    candidates = {str(r["requirement"]): r for r in reference.select(store, "composed_candidates", requirements=ends)}
    if candidates:
        mapped = reference.select(store, "composed_mapped", requirements=[Iri(a) for a in sorted(candidates)])
        for r in mapped:
            candidates.pop(str(r["requirement"]), None)
    if not candidates:
        return []
    linked = sorted({b for a in candidates for b, *_ in links[a]})
    mappings: dict[str, list[Row]] = defaultdict(list)
    for r in reference.select(store, "composed_targets", requirements=[Iri(b) for b in linked]):
        mappings[str(r["linked"])].append(r)
    composition = composition if composition is not None else table(store)
    best: dict[tuple[str, str], Leg] = {}
    for a, row in candidates.items():
        for b, link, link_strength, origin in links[a]:
            for m in mappings.get(b, []):
                mapping = str(m["relationship"])
                # B plays the shared element: A link B, and C inverse(mapping) B.
                composed = compose(composition, link, INVERSE.get(mapping, mapping))
                if composed is None or not composed[2]:
                    continue
                strength = int(m["strength"]) if link_strength is None else min(int(m["strength"]), link_strength)
                leg = Leg(
                    requirement=a,
                    framework=str(row["frameworkId"]),
                    notation=str(row["notation"]),
                    title=str(row["title"]),
                    order=int(row.get("order", 0)),
                    control=str(m["control"]),
                    control_notation=str(m["controlNotation"]),
                    relationship=composed[0],
                    determined=composed[1],
                    strength=strength,
                    through=f"{m['linkedFrameworkId']} {m['linkedNotation']}",
                    through_iri=b,
                    link_relationship=link,
                    mapping_relationship=mapping,
                    source=origin,
                )
                key = (leg.requirement, leg.control)
                current = best.get(key)
                if current is None or rank(leg) > rank(current):
                    best[key] = leg
    return sorted(best.values(), key=lambda g: (g.framework, g.requirement, g.control_notation))


_RELATIONSHIP_RANK = {"equal": 3, "subset of": 2, "superset of": 2, "intersects with": 1}


def rank(leg: Leg) -> tuple[int, int, int, str]:
    """Strongest first: strength, then determined, then relationship; ties by the linked requirement."""
    return (leg.strength, int(leg.determined), _RELATIONSHIP_RANK.get(leg.relationship, 0), leg.through)
