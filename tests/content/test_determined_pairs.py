"""Every crosswalk pair that composition calls a *determined* nesting (equal,
subset of, superset of) between the EU AI Act and the ISO standards, or between
two ISO standards, has been read in substance and recorded in
mappings/decisions/determined-pairs.csv: the derived crosswalk's determined
nesting pairs are exactly the rows confirmed there, and a rejected row (whose
leg was re-typed or whose control was split) no longer comes out determined."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

from ctrlgraph import catalog
from ctrlgraph.models import CrosswalkPair
from ctrlgraph.store import OxigraphStore

RECORD = Path(__file__).resolve().parents[2] / "mappings" / "decisions" / "determined-pairs.csv"
FRAMEWORKS = ["eu-ai-act-2024", "iso42001-2023", "iso27001-2022", "iso9001-2015"]
NESTING = {"equal", "subset of", "superset of"}

Key = tuple[str, str, str, str]


def record() -> list[dict[str, str]]:
    with RECORD.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_record_is_well_formed() -> None:
    rows = record()
    keys = [(r["source_framework"], r["source_notation"], r["target_framework"], r["target_notation"]) for r in rows]
    assert len(keys) == len(set(keys)), "a pair is decided twice"
    for r in rows:
        assert r["source_framework"] in FRAMEWORKS and r["target_framework"] in FRAMEWORKS, r
        assert FRAMEWORKS.index(r["source_framework"]) < FRAMEWORKS.index(r["target_framework"]), r
        assert r["relationship"] in NESTING and r["verdict"] in {"confirmed", "rejected"}, r
        assert len(r["reason"].strip()) >= 40 and r["legs"].strip(), r
        # a rejected pair says which leg was changed; a confirmed one changed nothing
        assert bool(r["change"].strip()) == (r["verdict"] == "rejected"), r
    assert sum(r["verdict"] == "rejected" for r in rows) >= 10


def test_determined_nesting_pairs_are_exactly_the_confirmed_ones(ref_store: OxigraphStore) -> None:
    derived: dict[Key, CrosswalkPair] = {}
    everything: dict[Key, CrosswalkPair] = {}
    for a, b in itertools.combinations(FRAMEWORKS, 2):
        for p in catalog.crosswalk(ref_store, a, b).pairs:
            everything[(a, p.source, b, p.target)] = p
            if p.determined and p.relationship in NESTING:
                derived[(a, p.source, b, p.target)] = p
    rows = {
        (r["source_framework"], r["source_notation"], r["target_framework"], r["target_notation"]): r for r in record()
    }
    confirmed = {k: r for k, r in rows.items() if r["verdict"] == "confirmed"}
    unreviewed = sorted(set(derived) - set(confirmed))
    assert not unreviewed, "determined nesting with no confirmed decision: " + "; ".join(
        derived[k].explanation for k in unreviewed
    )
    lost = sorted(set(confirmed) - set(derived))
    assert not lost, f"confirmed pairs no longer derived as determined nesting: {lost}"
    for k, r in confirmed.items():
        assert derived[k].relationship == r["relationship"], derived[k].explanation
    for k, r in rows.items():
        if r["verdict"] == "rejected" and k in everything:
            # still an overlap an analyst can see, but never a claimed nesting
            assert not (everything[k].determined and everything[k].relationship in NESTING), everything[k].explanation
