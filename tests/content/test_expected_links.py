"""Expected links and expected non-links between frameworks (expected_links.csv),
written by reading the standards' structure, checked against the derived
crosswalk of the real reference graph. Grow the table with every content change."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from ctrlgraph import catalog
from ctrlgraph.models import CrosswalkPair
from ctrlgraph.store import OxigraphStore

TABLE = Path(__file__).with_name("expected_links.csv")
RELATIONSHIPS = {"equal", "subset of", "superset of", "intersects with", "none"}


def rows() -> list[dict[str, str]]:
    with TABLE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_table_is_well_formed_and_substantial() -> None:
    table = rows()
    assert {r["expected"] for r in table} <= RELATIONSHIPS
    assert all(r["why"].strip() for r in table)
    keys = [(r["source_framework"], r["source_notation"], r["target_framework"], r["target_notation"]) for r in table]
    assert len(keys) == len(set(keys)), "a pair is listed twice"
    links = sum(r["expected"] != "none" for r in table)
    assert links >= 60 and len(table) - links >= 25


@pytest.fixture(scope="module")
def crosswalk(ref_store: OxigraphStore):  # type: ignore[no-untyped-def]
    @cache
    def pairs(source: str, target: str) -> dict[tuple[str, str], CrosswalkPair]:
        return {(p.source, p.target): p for p in catalog.crosswalk(ref_store, source, target).pairs}

    return pairs


@pytest.mark.parametrize(
    "row", rows(), ids=lambda r: f"{r['source_notation']}->{r['target_framework']}:{r['target_notation']}"
)
def test_expected_relationship(row: dict[str, str], crosswalk) -> None:  # type: ignore[no-untyped-def]
    pair = crosswalk(row["source_framework"], row["target_framework"]).get(
        (row["source_notation"], row["target_notation"])
    )
    if row["expected"] == "none":
        assert pair is None, f"unexpected link ({row['why']}): {pair and pair.explanation}"
        return
    assert pair is not None, f"missing link: {row['why']}"
    assert pair.relationship == row["expected"], f"{pair.explanation} ({row['why']})"
    if row["determined"]:
        assert pair.determined == (row["determined"] == "true"), pair.explanation
