"""Content figures for ``ctrlgraph stats``: derived crosswalk pairs per framework
pair with their determined / undetermined shares, and the assessable
requirements that no set of common controls covers (with the reason)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ctrlgraph import catalog
from ctrlgraph.planning import coverage
from ctrlgraph.store.base import GraphStore


@dataclass(frozen=True)
class PairFigures:
    source: str
    target: str
    pairs: int
    determined: int

    @property
    def undetermined(self) -> int:
        return self.pairs - self.determined

    @property
    def determined_share(self) -> float:
        return self.determined / self.pairs if self.pairs else 0.0


@dataclass(frozen=True)
class Uncoverable:
    framework: str
    notation: str
    title: str
    reason: str


def crosswalk_figures(store: GraphStore, framework_ids: Sequence[str]) -> list[PairFigures]:
    """One row per unordered framework pair (crosswalks are symmetric in their pairs)."""
    result = []
    for source, target in itertools.combinations(framework_ids, 2):
        cw = catalog.crosswalk(store, source, target)
        result.append(PairFigures(source, target, cw.count, sum(p.determined for p in cw.pairs)))
    return result


def uncoverable(store: GraphStore, framework_ids: Sequence[str]) -> list[Uncoverable]:
    """Assessable requirements with no alternative under the gap analysis' coverage rule."""
    return [
        Uncoverable(r.framework, r.notation, r.title, coverage.uncoverable_reason(r.mappings))
        for r in coverage.load_requirements(store, framework_ids)
        if not r.alternatives
    ]
