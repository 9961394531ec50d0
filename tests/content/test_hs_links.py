"""Links from ISO clauses to the Harmonized Structure (cg:RequirementLink to an
iso-hs clause) under strict set semantics: one HS clause is shared by every
standard that instantiates it, for its own subject matter (information
security, AI, quality), so a standard's clause and its HS clause only
intersect; and chaining two standards' links through one HS clause with the
composition table never claims a determined answer."""

from __future__ import annotations

import re

from ctrlgraph import catalog
from ctrlgraph.store import OxigraphStore

ISO = ("iso27001-2022", "iso42001-2023", "iso9001-2015")


def test_every_hs_link_is_intersects_with(sparql) -> None:  # type: ignore[no-untyped-def]
    rows = sparql(
        """SELECT ?fw ?clause ?hs ?rel ?strength WHERE {
             ?link a cg:RequirementLink ; cg:requirement ?r ; cg:targetRequirement ?t ;
                   cg:relationship/skos:notation ?rel ; cg:strength ?strength .
             ?t skos:inScheme/dcterms:identifier "iso-hs" ; skos:notation ?hs .
             ?r skos:inScheme/dcterms:identifier ?fw ; skos:notation ?clause }"""
    )
    assert {str(r["fw"]) for r in rows} == set(ISO)
    assert len(rows) > 150
    wrong = [
        (str(r["fw"]), str(r["clause"]), str(r["hs"]), str(r["rel"])) for r in rows if r["rel"] != "intersects with"
    ]
    assert not wrong, wrong
    assert all(1 <= int(r["strength"]) <= 9 for r in rows)


def test_chaining_hs_links_is_never_determined(sparql) -> None:  # type: ignore[no-untyped-def]
    """What a client gets by composing two standards' links through their common
    HS clause with the shipped composition table (ontology/strm-composition.ttl)."""
    rows = sparql(
        """SELECT ?fa ?a ?fb ?b ?composed ?determined WHERE {
             ?l1 a cg:RequirementLink ; cg:requirement ?ra ; cg:targetRequirement ?hs ; cg:relationship ?r1 .
             ?l2 a cg:RequirementLink ; cg:requirement ?rb ; cg:targetRequirement ?hs ; cg:relationship ?r2 .
             ?hs skos:inScheme/dcterms:identifier "iso-hs" .
             ?ra skos:inScheme/dcterms:identifier ?fa ; skos:notation ?a .
             ?rb skos:inScheme/dcterms:identifier ?fb ; skos:notation ?b .
             FILTER (?fa < ?fb)
             ?rule cg:leftRelationship ?r1 ; cg:rightRelationship ?r2 ;
                   cg:composedRelationship/skos:notation ?composed ; cg:determined ?determined }"""
    )
    assert len(rows) > 100  # every parallel clause pair of the three standards
    pairs = {(str(r["fa"]), str(r["a"]), str(r["fb"]), str(r["b"])) for r in rows}
    assert ("iso27001-2022", "5.2", "iso42001-2023", "5.2") in pairs
    determined = [(str(r["a"]), str(r["b"]), str(r["composed"])) for r in rows if r["determined"]]
    assert not determined, determined


def test_policy_clauses_intersect_the_hs_policy_clause(ref_store: OxigraphStore) -> None:
    """The direct route of the crosswalk states the stored link: 27001 5.2 (security
    policy) and 42001 5.2 (AI policy) each intersect HS 5.2, neither equals it."""
    for framework in ("iso27001-2022", "iso42001-2023"):
        pairs = {(p.source, p.target): p for p in catalog.crosswalk(ref_store, framework, "iso-hs").pairs}
        pair = pairs[("5.2", "5.2")]
        assert pair.route.startswith("direct") and pair.relationship == "intersects with", pair.explanation


EQUALITY_WORDING = re.compile(
    r"\bas in the (2021 )?HS\b|\bmirrors\b|\bunchanged\b|\bexactly\b|\bsame as (the )?HS\b|\bmatch(es)? the HS\b|\bis the HS\b",
    re.IGNORECASE,
)


def test_hs_link_descriptions_say_what_is_shared_and_what_is_not(sparql) -> None:  # type: ignore[no-untyped-def]
    """An intersects-with link cannot be explained as 'as in the HS': each says what the
    standard's clause shares with the HS clause and what it does not (its own subject, and
    what it adds or leaves out), and no two say the same."""
    rows = sparql(
        """SELECT ?fw ?clause ?hs ?d WHERE {
             ?link a cg:RequirementLink ; cg:requirement ?r ; cg:targetRequirement ?t ; dcterms:description ?d .
             ?t skos:inScheme/dcterms:identifier "iso-hs" ; skos:notation ?hs .
             ?r skos:inScheme/dcterms:identifier ?fw ; skos:notation ?clause }"""
    )
    texts = [str(r["d"]) for r in rows]
    assert len(texts) == len(set(texts)), "two HS links share one description"
    equal_sounding = [
        (str(r["fw"]), str(r["clause"]), str(r["d"])) for r in rows if EQUALITY_WORDING.search(str(r["d"]))
    ]
    assert not equal_sounding, equal_sounding
    structured = [r for r in rows if "Shared:" in str(r["d"]) and "Not shared:" in str(r["d"])]
    assert len(structured) >= 139
    for r in structured:
        clause, hs, d = str(r["clause"]), str(r["hs"]), str(r["d"])
        assert f" {clause} asks" in d and f"HS {hs} " in d, d  # names both sides
