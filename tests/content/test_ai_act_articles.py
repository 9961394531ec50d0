"""The per-article decision record of the EU AI Act against ISO/IEC 42001,
27001 and 9001 (mappings/decisions/ai-act-articles.csv: every article or annex
with at least one assessable provision, for each standard, linked with the
clauses the article-level crosswalk gives or not linked, with the reason),
checked against the crosswalk derived from the real reference graph: a linked
row comes out with exactly those clauses, relationships and determinedness, a
row decided "not linked" gives no pair at all."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from ctrlgraph import catalog
from ctrlgraph.store import OxigraphStore

RECORD = Path(__file__).resolve().parents[2] / "mappings" / "decisions" / "ai-act-articles.csv"
STANDARDS = ("iso42001-2023", "iso27001-2022", "iso9001-2015")
RELATIONSHIPS = {"equal", "subset of", "superset of", "intersects with"}
# "7.2 (intersects with, determined)" or "A.6 (subset of)"
CLAUSE = re.compile(r"^(?P<clause>\S+) \((?P<rel>[a-z ]+?)(?P<det>, determined)?\)$")

Clauses = set[tuple[str, str, bool]]


def record() -> list[dict[str, str]]:
    with RECORD.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def parse_clauses(text: str) -> Clauses:
    found: Clauses = set()
    for item in filter(None, (part.strip() for part in text.split(";"))):
        m = CLAUSE.match(item)
        assert m and m["rel"] in RELATIONSHIPS, f"cannot read clause entry {item!r}"
        found.add((m["clause"], m["rel"], bool(m["det"])))
    return found


def assessable_articles(store: OxigraphStore) -> set[str]:
    tree = catalog.requirement_tree(store, "eu-ai-act-2024")
    up = catalog.article_of(tree)
    return {up[n.notation] for n in tree.requirements if n.assessable}


def test_record_is_complete_and_well_formed(ref_store: OxigraphStore) -> None:
    rows = record()
    keys = [(r["article"], r["standard"]) for r in rows]
    assert len(keys) == len(set(keys)), "an article is decided twice for one standard"
    articles = assessable_articles(ref_store)
    # Art. 17 (QMS), Art. 73 (serious incidents), Art. 27 (FRIA), Annex IV are assessable and decided
    assert {"Art. 17", "Art. 27", "Art. 73", "Annex IV"} <= articles
    assert set(keys) == {(a, s) for a in articles for s in STANDARDS}
    for r in rows:
        assert r["decision"] in {"linked", "not linked"}, r
        assert len(r["reason"].strip()) >= 20, r
        assert bool(parse_clauses(r["clauses"])) == (r["decision"] == "linked"), r
    # the overlaps the issue names as expected: Art. 17 QMS with 4.4 of 9001 and 42001
    linked = {(r["article"], r["standard"]): parse_clauses(r["clauses"]) for r in rows}
    for standard in ("iso9001-2015", "iso42001-2023"):
        assert "4.4" in {c for c, _, _ in linked[("Art. 17", standard)]}


@pytest.mark.parametrize("standard", STANDARDS)
def test_derived_article_crosswalk_agrees_with_every_decision(ref_store: OxigraphStore, standard: str) -> None:
    derived: dict[str, Clauses] = {}
    for p in catalog.crosswalk(ref_store, "eu-ai-act-2024", standard, "article").pairs:
        derived.setdefault(p.source, set()).add((p.target, p.relationship, p.determined))
    wrong = []
    for r in (r for r in record() if r["standard"] == standard):
        got, decided = derived.pop(r["article"], set()), parse_clauses(r["clauses"])
        if got != decided:
            wrong.append(
                f"{r['article']} -> {standard} decided {r['decision']} {sorted(decided)}; "
                f"derived {sorted(got)} (missing {sorted(decided - got)}, extra {sorted(got - decided)})"
            )
    assert not derived, (
        f"articles the crosswalk pairs with {standard} but the record does not decide: {sorted(derived)}"
    )
    assert not wrong, "\n".join(wrong)
