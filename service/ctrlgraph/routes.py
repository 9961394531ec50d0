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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ctrlgraph import reference
from ctrlgraph.store.base import GraphStore

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


def composed_legs(
    store: GraphStore, frameworks: Iterable[str] | None = None, composition: Table | None = None
) -> list[Leg]:
    """The ``direct+control`` legs of the requirements of ``frameworks`` (ids;
    None: every framework), the strongest per (requirement, control)."""
    wanted = None if frameworks is None else set(frameworks)
    composition = composition if composition is not None else table(store)
    best: dict[tuple[str, str], Leg] = {}
    for r in reference.select(store, "composed_mappings"):
        framework = str(r["frameworkId"])
        if wanted is not None and framework not in wanted:
            continue
        link = str(r["linkRelationship"])
        if bool(r["inverse"]):
            link = INVERSE.get(link, link)
        mapping = str(r["relationship"])
        # B plays the shared element: A link B, and C inverse(mapping) B.
        composed = compose(composition, link, INVERSE.get(mapping, mapping))
        if composed is None or not composed[2]:
            continue
        strength = int(r["strength"])
        if "linkStrength" in r:
            strength = min(strength, int(r["linkStrength"]))
        leg = Leg(
            requirement=str(r["requirement"]),
            framework=framework,
            notation=str(r["notation"]),
            title=str(r["title"]),
            order=int(r.get("order", 0)),
            control=str(r["control"]),
            control_notation=str(r["controlNotation"]),
            relationship=composed[0],
            determined=composed[1],
            strength=strength,
            through=f"{r['linkedFrameworkId']} {r['linkedNotation']}",
            through_iri=str(r["linked"]),
            link_relationship=link,
            mapping_relationship=mapping,
            source=str(r["origin"]) if "origin" in r else None,
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
