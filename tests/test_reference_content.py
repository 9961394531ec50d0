"""Counts and structure of the loaded reference graph, asserted via SPARQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ctrlgraph.store.base import Row

Sparql = Callable[[str], list[Row]]

FRAMEWORK_IDS = {"iso-hs", "iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"}


def count(sparql: Sparql, query: str) -> int:
    return int(sparql(query)[0]["n"])


def test_five_frameworks_with_metadata(frameworks: dict[str, Row]) -> None:
    assert set(frameworks) == FRAMEWORK_IDS
    for fw in frameworks.values():
        assert fw["title"] and fw["publisher"] and fw["version"]


@pytest.mark.parametrize(("framework", "expected"), [("iso42001-2023", 38), ("iso27001-2022", 93)])
def test_annex_a_control_counts(sparql: Sparql, framework: str, expected: int) -> None:
    n = count(
        sparql,
        f"""SELECT (COUNT(?r) AS ?n) WHERE {{
              ?r skos:inScheme/dcterms:identifier "{framework}" ; cg:requirementType cg:AnnexControlType }}""",
    )
    assert n == expected


def test_iso27001_annex_a_themes(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?theme (COUNT(?r) AS ?n) WHERE {
             ?r skos:inScheme/dcterms:identifier "iso27001-2022" ; cg:requirementType cg:AnnexControlType ;
                skos:broader/skos:notation ?theme }
           GROUP BY ?theme ORDER BY ?theme"""
    )
    assert {str(r["theme"]): int(r["n"]) for r in rows} == {"A.5": 37, "A.6": 8, "A.7": 14, "A.8": 34}


def test_iso42001_annex_a_notations(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?n WHERE { ?r skos:inScheme/dcterms:identifier "iso42001-2023" ;
             cg:requirementType cg:AnnexControlType ; skos:notation ?n }"""
    )
    notations = {str(r["n"]) for r in rows}
    assert {"A.2.2", "A.6.1.2", "A.6.2.8", "A.10.4"} <= notations
    assert "A.2.1" not in notations  # objectives' x.1 are not controls


def test_eu_ai_act_structure(sparql: Sparql) -> None:
    def n_of(kind: str) -> int:
        return count(
            sparql,
            f"""SELECT (COUNT(?r) AS ?n) WHERE {{
                  ?r skos:inScheme/dcterms:identifier "eu-ai-act-2024" ; cg:requirementType cg:{kind} }}""",
        )

    assert n_of("ArticleType") == 113
    assert n_of("ChapterType") == 13
    assert n_of("AnnexType") == 13


def test_eu_ai_act_points_carry_text_roles_and_dates(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?text ?date (GROUP_CONCAT(STR(?role); separator=" ") AS ?roles) WHERE {
             ?r skos:inScheme/dcterms:identifier "eu-ai-act-2024" ; skos:notation "Art. 9(2)(a)" ;
                cg:legalText ?text ; cg:applicableFrom ?date .
             OPTIONAL { ?r cg:bindsRole ?role } }
           GROUP BY ?text ?date"""
    )
    assert len(rows) == 1
    assert "risks" in str(rows[0]["text"]) and "**" not in str(rows[0]["text"])
    assert str(rows[0]["date"]) == "2026-08-02"
    assert "Provider" in str(rows[0]["roles"])
    for notation in ("Annex III(4)(a)", "Art. 50(4)", "Art. 26(1)", "Art. 5(1)(a)", "Annex IV(2)(a)"):
        assert sparql(
            f"""SELECT ?r WHERE {{ ?r skos:inScheme/dcterms:identifier "eu-ai-act-2024" ;
                   skos:notation "{notation}" }}"""
        ), notation


def test_eu_ai_act_source_acknowledged(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?rights ?source WHERE { ?f dcterms:identifier "eu-ai-act-2024" ;
             dcterms:rights ?rights ; dcterms:source ?source }"""
    )
    assert rows and "European Union" in str(rows[0]["rights"])
    assert "eli/reg/2024/1689" in str(rows[0]["source"])


def test_every_iso_clause_4_to_10_links_to_the_harmonized_structure(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?id ?notation WHERE {
             ?r skos:inScheme ?f ; skos:notation ?notation ; cg:requirementType cg:ClauseType .
             ?f dcterms:identifier ?id .
             FILTER (?id IN ("iso42001-2023", "iso27001-2022", "iso9001-2015"))
             FILTER NOT EXISTS {
               ?link a cg:RequirementLink ; cg:requirement ?r ; cg:targetRequirement ?hs .
               ?hs skos:inScheme/dcterms:identifier "iso-hs" } }"""
    )
    assert rows == []
    linked = count(sparql, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?l a cg:RequirementLink ; cg:requirement ?r }")
    assert linked > 100


def test_zero_assessable_requirements_without_a_mapping(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?id ?notation WHERE {
             ?r cg:assessable true ; skos:notation ?notation ; skos:inScheme/dcterms:identifier ?id .
             FILTER NOT EXISTS { ?m a cg:Mapping ; cg:requirement ?r } }"""
    )
    assert rows == []


def test_mapping_targets_exist(sparql: Sparql) -> None:
    dangling = sparql(
        """SELECT ?m WHERE { ?m a cg:Mapping .
             { ?m cg:requirement ?r FILTER NOT EXISTS { ?r a cg:Requirement } }
             UNION { ?m cg:control ?c FILTER NOT EXISTS { ?c a cg:Control } } }"""
    )
    assert dangling == []


def test_controls_in_range_and_domains(sparql: Sparql) -> None:
    n = count(sparql, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a cg:Control }")
    assert 100 <= n <= 200
    domains = count(sparql, "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { ?c a cg:Control ; cg:domain ?d }")
    assert domains >= 12


def test_relationships_are_not_mostly_intersects(sparql: Sparql) -> None:
    rows = sparql("SELECT ?rel (COUNT(?m) AS ?n) WHERE { ?m a cg:Mapping ; cg:relationship ?rel } GROUP BY ?rel")
    by_rel = {str(r["rel"]).rsplit("#", 1)[-1]: int(r["n"]) for r in rows}
    total = sum(by_rel.values())
    assert by_rel.get("intersectsWith", 0) < 0.4 * total
    assert by_rel.get("subsetOf", 0) + by_rel.get("equal", 0) > 0.3 * total


def test_explanations_are_not_a_repeated_template(sparql: Sparql) -> None:
    rows = sparql(
        """SELECT ?d (COUNT(?m) AS ?n) WHERE { ?m a cg:Mapping ; dcterms:description ?d }
           GROUP BY ?d HAVING (COUNT(?m) > 3)"""
    )
    assert rows == [], rows[:5]


@pytest.mark.parametrize(
    "element",
    [
        ("9.2.2", "9.2.2", "9.2.2"),  # internal audit programme
        ("9.3.2", "9.3.2", "9.3.2"),  # management review inputs
        ("10.2", "10.2", "10.2.1"),  # nonconformity and corrective action
        ("7.5.3", "7.5.3", "7.5.3.1"),  # control of documented information
        ("7.2", "7.2", "7.2"),  # competence
    ],
)
def test_shared_management_system_elements_land_on_a_common_control(
    sparql: Sparql, element: tuple[str, str, str]
) -> None:
    n42, n27, n9 = element
    rows = sparql(
        f"""SELECT DISTINCT ?c WHERE {{
              ?m1 cg:control ?c ; cg:requirement ?r1 . ?r1 skos:notation "{n42}" ;
                  skos:inScheme/dcterms:identifier "iso42001-2023" .
              ?m2 cg:control ?c ; cg:requirement ?r2 . ?r2 skos:notation "{n27}" ;
                  skos:inScheme/dcterms:identifier "iso27001-2022" .
              ?m3 cg:control ?c ; cg:requirement ?r3 . ?r3 skos:notation "{n9}" ;
                  skos:inScheme/dcterms:identifier "iso9001-2015" . }}"""
    )
    assert rows, f"no control shared by 42001 {n42}, 27001 {n27} and 9001 {n9}"
