"""Related requirements (/v1/requirements/related), a page at a time, and the
graph-scoped shared-controls queries: checked against independent SPARQL
over the raw mappings and against the crosswalk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ctrlgraph import catalog
from ctrlgraph.iri import ID, requirement_iri
from ctrlgraph.reference import Rows
from ctrlgraph.store import OxigraphStore
from ctrlgraph.store.base import Iri, Row

pytestmark = pytest.mark.api

# Requirements with many related requirements in the shipped content (A.8.2 has the most).
MANY = [("iso42001-2023", "A.8.2"), ("iso42001-2023", "9.2.2"), ("eu-ai-act-2024", "Art. 9(2)(a)")]

#: Every requirement of another framework sharing a control with the requirement
#: or one of its parts, both mappings other than "no relationship": what the
#: total counts, without paging.
UNPAGED = """SELECT DISTINCT ?frameworkId ?notation WHERE {
  ?f dcterms:identifier "%s" . ?top skos:inScheme ?f ; skos:notation "%s" . ?r skos:broader* ?top .
  ?m1 cg:requirement ?r ; cg:control ?c ; cg:relationship ?r1 . FILTER (?r1 != cg:noRelationship)
  ?m2 cg:control ?c ; cg:requirement ?other ; cg:relationship ?r2 . FILTER (?r2 != cg:noRelationship)
  ?other skos:inScheme ?of ; skos:notation ?notation . FILTER (?of != ?f)
  ?of dcterms:identifier ?frameworkId
}"""


def get(client: TestClient, framework: str, notation: str, **params: object) -> dict:
    response = client.get("/v1/requirements/related", params={"framework": framework, "notation": notation, **params})
    assert response.status_code == 200, response.text
    return response.json()


def keys(related: list[dict]) -> list[tuple[str, str]]:
    return [(r["framework"], r["notation"]) for r in related]


@pytest.mark.api
@pytest.mark.parametrize(("framework", "notation"), MANY)
def test_total_and_default_page_match_unpaged_sparql(
    client: TestClient, sparql: Callable[[str], list[Row]], framework: str, notation: str
) -> None:
    body = get(client, framework, notation)
    expected = {(str(r["frameworkId"]), str(r["notation"])) for r in sparql(UNPAGED % (framework, notation))}
    assert len(expected) >= 2
    assert body["total"] == len(expected)
    # at the shipped scale every related requirement fits in the default page
    assert (body["offset"], body["limit"], body["next"]) == (0, 100, None)
    assert len(body["related"]) == len(expected) and set(keys(body["related"])) == expected
    # paged in IRI order
    iris = [requirement_iri(f, n) for f, n in keys(body["related"])]
    assert iris == sorted(iris)
    assert all(r["via"] == sorted(r["via"]) and r["via"] for r in body["related"])


@pytest.mark.api
def test_paging_follows_next_links_to_the_same_list(client: TestClient) -> None:
    framework, notation = MANY[0]
    whole = get(client, framework, notation)
    total = whole["total"]
    pages, url = (
        [],
        client.get("/v1/requirements/related", params={"framework": framework, "notation": notation, "limit": 4}).url,
    )
    while url:
        page = client.get(str(url)).json()
        assert page["total"] == total and page["limit"] == 4
        assert page["offset"] == 4 * len(pages)
        assert len(page["related"]) == min(4, total - page["offset"])
        pages.append(page)
        url = page["next"]
        if url:
            assert f"offset={page['offset'] + 4}" in url and "limit=4" in url
    assert len(pages) == -(-total // 4)
    assert [r for p in pages for r in p["related"]] == whole["related"]
    # an offset past the end: an empty last page
    past = get(client, framework, notation, offset=total + 10, limit=5)
    assert past["related"] == [] and past["total"] == total and past["next"] is None
    # the second page of two
    assert get(client, framework, notation, limit=total - 1)["next"].endswith(f"offset={total - 1}")


@pytest.mark.api
def test_limit_zero_counts_only(client: TestClient) -> None:
    body = get(client, "iso42001-2023", "9.2.2", limit=0)
    assert body["related"] == [] and body["next"] is None
    assert body["total"] == get(client, "iso42001-2023", "9.2.2")["total"] > 0


@pytest.mark.api
@pytest.mark.parametrize(
    ("parameter", "value"),
    [("limit", "-1"), ("limit", "1001"), ("limit", "ten"), ("offset", "-1")],
)
def test_bad_paging_parameters_are_422_naming_them(client: TestClient, parameter: str, value: str) -> None:
    response = client.get(
        "/v1/requirements/related", params={"framework": "iso42001-2023", "notation": "9.2.2", parameter: value}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", parameter]


@pytest.mark.api
def test_related_agrees_with_the_crosswalk(client: TestClient) -> None:
    """A related requirement in framework B is the crosswalk pair (A -> B) of
    this requirement: same composed relationship, strength and controls."""
    body = get(client, "iso42001-2023", "9.2.2")
    compared = 0
    targets = {r["framework"] for r in body["related"]}
    assert len(targets) >= 2
    for target in sorted(targets):
        pairs = client.get("/v1/crosswalk", params={"source": "iso42001-2023", "target": target}).json()["pairs"]
        expected = {
            p["target"]: (
                p["relationship"],
                p["determined"],
                p["strength"],
                sorted(x["control"] for x in p["paths"] if x["control"]),
            )
            for p in pairs
            if p["source"] == "9.2.2"
        }
        got = {
            r["notation"]: (r["relationship"], r["determined"], r["strength"], r["via"])
            for r in body["related"]
            if r["framework"] == target
        }
        assert got == expected
        compared += len(got)
    assert compared == body["total"] >= 2


@pytest.mark.api
def test_openapi_documents_the_paging(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/requirements/related"]["get"]["parameters"]}
    assert params["limit"]["schema"]["minimum"] == 0
    assert params["limit"]["schema"]["maximum"] == catalog.RELATED_LIMIT_MAX
    assert params["limit"]["schema"]["default"] == catalog.RELATED_LIMIT
    assert params["offset"]["schema"]["minimum"] == 0
    page = spec["components"]["schemas"]["RelatedRequirements"]["properties"]
    assert {"related", "total", "offset", "limit", "next"} <= set(page)
    assert "related" in spec["components"]["schemas"]["RequirementDetail"]["properties"]


def test_direct_mappings_are_related_too(fresh_store: OxigraphStore) -> None:
    """Clause 6 has no control of its own, but a stored direct mapping names
    the Harmonized Structure clause 6 it instantiates: that is related, by
    the direct route, from clause 6 itself (its parts add their own)."""
    page = catalog.related(fresh_store, "iso42001-2023", "6")
    hs6 = next(r for r in page.related if (r.framework, r.notation) == ("iso-hs", "6"))
    assert hs6.route.startswith("direct") and "6" in hs6.parts
    assert page.total == len(page.related)


def test_requirement_without_controls_has_no_related(fresh_store: OxigraphStore) -> None:
    # an AI Act leaf without mappings (not assessable), found rather than named
    rows = fresh_store.select(
        """PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?notation WHERE {
          ?r skos:inScheme <https://w3id.org/ctrlgraph/id/eu-ai-act-2024> ; skos:notation ?notation .
          MINUS { ?child skos:broader ?r } MINUS { ?m cg:requirement ?r }
        } ORDER BY ?notation LIMIT 1""",
        union_default=True,
    )
    notation = str(rows[0]["notation"])
    heading = catalog.requirement(fresh_store, "eu-ai-act-2024", notation)
    assert heading.mappings == [] and heading.parts == []
    page = catalog.related(fresh_store, "eu-ai-act-2024", notation)
    assert page.related == [] and page.total == 0


def test_catalog_refuses_negative_paging(fresh_store: OxigraphStore) -> None:
    with pytest.raises(ValueError):
        catalog.related(fresh_store, "iso42001-2023", "9.2.2", limit=-1)


def test_shared_controls_read_every_graph_holding_a_frameworks_mappings(fresh_store: OxigraphStore) -> None:
    """A mapping of a shipped framework stated in a graph of its own (as a
    mapping set imported for it would be) counts like the shipped ones."""
    fws = ["iso27001-2022", "eu-ai-act-2024"]
    before = {c.notation: c for c in catalog.shared_controls(fresh_store, fws, 2).controls}
    # a control serving the AI Act but no 27001 requirement yet
    ai_only = {c.notation for c in catalog.shared_controls(fresh_store, ["eu-ai-act-2024"], 1).controls} - set(before)
    control = sorted(ai_only)[0]
    requirement = requirement_iri("iso27001-2022", "5.1")
    fresh_store.update(
        f"""PREFIX cg: <https://w3id.org/ctrlgraph/ns#>
        INSERT DATA {{ GRAPH <https://w3id.org/ctrlgraph/graph/test/extra-links> {{
          <{ID}mapping/test/extra> a cg:Mapping ; cg:requirement <{requirement}> ;
            cg:control <{ID}control/{control}> ; cg:relationship cg:intersectsWith ; cg:strength 2 .
        }} }}"""
    )
    after = {c.notation: c for c in catalog.shared_controls(fresh_store, fws, 2).controls}
    assert set(after) == set(before) | {control}
    assert after[control].requirements["iso27001-2022"][0].model_dump() == {
        "notation": "5.1",
        "relationship": "intersects with",
        "strength": 2,
        "route": "controls",
        "determined": True,
        "through": None,
    }


def test_values_rows_hold_iris_and_integers_only() -> None:
    assert Rows([(Iri("urn:a"), 1), (Iri("urn:b"), 2)]).sparql() == "(<urn:a> 1) (<urn:b> 2)"
    assert Rows([]).sparql() == ""
    with pytest.raises(TypeError):
        Rows([(Iri("urn:a"), "x")]).sparql()  # type: ignore[list-item]
    with pytest.raises(TypeError):
        Rows([(True,)]).sparql()
    with pytest.raises(ValueError):
        Rows([(Iri("urn:a> <urn:b"),)]).sparql()
