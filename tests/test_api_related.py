"""Related requirements of /v1/requirements, a page at a time, and the
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

#: Every requirement of another framework sharing a control, both mappings other
#: than "no relationship": what related_total counts, without paging.
UNPAGED = """SELECT DISTINCT ?frameworkId ?notation WHERE {
  ?f dcterms:identifier "%s" . ?r skos:inScheme ?f ; skos:notation "%s" .
  ?m1 cg:requirement ?r ; cg:control ?c ; cg:relationship ?r1 . FILTER (?r1 != cg:noRelationship)
  ?m2 cg:control ?c ; cg:requirement ?other ; cg:relationship ?r2 . FILTER (?r2 != cg:noRelationship)
  ?other skos:inScheme ?of ; skos:notation ?notation . FILTER (?of != ?f)
  ?of dcterms:identifier ?frameworkId
}"""


def get(client: TestClient, framework: str, notation: str, **params: object) -> dict:
    response = client.get("/v1/requirements", params={"framework": framework, "notation": notation, **params})
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
    assert body["related_total"] == len(expected)
    # at the shipped scale every related requirement fits in the default page
    assert (body["related_offset"], body["related_limit"], body["related_next"]) == (0, 100, None)
    assert len(body["related"]) == len(expected) and set(keys(body["related"])) == expected
    # paged in IRI order
    iris = [requirement_iri(f, n) for f, n in keys(body["related"])]
    assert iris == sorted(iris)
    assert all(r["via"] == sorted(r["via"]) and r["via"] for r in body["related"])


@pytest.mark.api
def test_paging_follows_next_links_to_the_same_list(client: TestClient) -> None:
    framework, notation = MANY[0]
    whole = get(client, framework, notation)
    total = whole["related_total"]
    pages, url = (
        [],
        client.get("/v1/requirements", params={"framework": framework, "notation": notation, "related_limit": 4}).url,
    )
    while url:
        page = client.get(str(url)).json()
        assert page["related_total"] == total and page["related_limit"] == 4
        assert page["related_offset"] == 4 * len(pages)
        assert len(page["related"]) == min(4, total - page["related_offset"])
        pages.append(page)
        url = page["related_next"]
        if url:
            assert f"related_offset={page['related_offset'] + 4}" in url and "related_limit=4" in url
    assert len(pages) == -(-total // 4)
    assert [r for p in pages for r in p["related"]] == whole["related"]
    # an offset past the end: an empty last page
    past = get(client, framework, notation, related_offset=total + 10, related_limit=5)
    assert past["related"] == [] and past["related_total"] == total and past["related_next"] is None
    # the second page of two
    assert get(client, framework, notation, related_limit=total - 1)["related_next"].endswith(
        f"related_offset={total - 1}"
    )


@pytest.mark.api
def test_limit_zero_counts_only(client: TestClient) -> None:
    body = get(client, "iso42001-2023", "9.2.2", related_limit=0)
    assert body["related"] == [] and body["related_next"] is None
    assert body["related_total"] == get(client, "iso42001-2023", "9.2.2")["related_total"] > 0
    assert body["mappings"]


@pytest.mark.api
@pytest.mark.parametrize(
    ("parameter", "value"),
    [("related_limit", "-1"), ("related_limit", "1001"), ("related_limit", "ten"), ("related_offset", "-1")],
)
def test_bad_paging_parameters_are_422_naming_them(client: TestClient, parameter: str, value: str) -> None:
    response = client.get(
        "/v1/requirements", params={"framework": "iso42001-2023", "notation": "9.2.2", parameter: value}
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
    assert compared == body["related_total"] >= 2


@pytest.mark.api
def test_openapi_documents_the_paging(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/v1/requirements"]["get"]["parameters"]}
    assert params["related_limit"]["schema"]["minimum"] == 0
    assert params["related_limit"]["schema"]["maximum"] == catalog.RELATED_LIMIT_MAX
    assert params["related_limit"]["schema"]["default"] == catalog.RELATED_LIMIT
    assert params["related_offset"]["schema"]["minimum"] == 0
    detail = spec["components"]["schemas"]["RequirementDetail"]["properties"]
    assert {"related", "related_total", "related_offset", "related_limit", "related_next"} <= set(detail)


def test_requirement_without_controls_has_only_direct_related(fresh_store: OxigraphStore) -> None:
    """No shared control, so the only related requirements are those a stored
    direct mapping names (here the Harmonized Structure clause 6 it instantiates)."""
    heading = catalog.requirement(fresh_store, "iso42001-2023", "6")
    assert heading.mappings == [] and heading.related_total == len(heading.related)
    assert [(r.framework, r.notation, r.route, r.via) for r in heading.related] == [("iso-hs", "6", "direct", [])]


def test_catalog_refuses_negative_paging(fresh_store: OxigraphStore) -> None:
    with pytest.raises(ValueError):
        catalog.requirement(fresh_store, "iso42001-2023", "9.2.2", related_limit=-1)


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
