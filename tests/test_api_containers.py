"""Containers answer: an article, a clause such as 9.2 or an annex point
answers with its parts and the mappings, links and related requirements of
all of them rolled up, each saying which part it comes from. Checked against
the point answers of the parts themselves and against independent SPARQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ctrlgraph.store.base import Row

pytestmark = pytest.mark.api

CONTAINERS = [("eu-ai-act-2024", "Art. 12"), ("eu-ai-act-2024", "Art. 9"), ("iso42001-2023", "9.2")]

#: Every node below a requirement, at any depth.
DESCENDANTS = """SELECT ?notation WHERE {
  ?f dcterms:identifier "%s" . ?top skos:inScheme ?f ; skos:notation "%s" .
  ?part skos:broader+ ?top ; skos:notation ?notation
}"""


def point(client: TestClient, framework: str, notation: str) -> dict:
    response = client.get("/v1/requirements", params={"framework": framework, "notation": notation})
    assert response.status_code == 200, response.text
    return response.json()


def mapping_key(m: dict) -> tuple:
    return (m["iri"], m["control"], m["relationship"], m["strength"])


@pytest.mark.parametrize(("framework", "notation"), CONTAINERS)
def test_a_container_lists_its_parts_and_rolls_up_their_mappings(
    client: TestClient, sparql: Callable[[str], list[Row]], framework: str, notation: str
) -> None:
    body = point(client, framework, notation)
    parts = [p["notation"] for p in body["parts"]]
    assert sorted(parts) == sorted(str(r["notation"]) for r in sparql(DESCENDANTS % (framework, notation)))
    assert len(parts) >= 2
    # every part hangs under the container or under another part
    assert {p["parent"] for p in body["parts"]} <= {notation, *parts}
    assert any(p["parent"] == notation for p in body["parts"])
    # the roll-up is exactly the parts' own mappings, each tagged with its part
    expected: dict[tuple, str] = {}
    for node in [notation, *parts]:
        for m in point(client, framework, node)["mappings"]:
            if m["part"] == node:
                expected[mapping_key(m)] = node
    assert expected, "the container's parts carry mappings"
    assert {mapping_key(m): m["part"] for m in body["mappings"]} == expected
    assert len(body["mappings"]) == len(expected)


@pytest.mark.parametrize(("framework", "notation"), CONTAINERS)
def test_related_requirements_of_a_container_name_the_parts_they_come_from(
    client: TestClient, framework: str, notation: str
) -> None:
    body = point(client, framework, notation)
    page = client.get(body["related"]).json()
    assert page["total"] == len(page["related"]) > 0  # one page at the shipped scale
    nodes = {notation, *(p["notation"] for p in body["parts"])}
    # each part's own related requirements appear in the container's, naming that part
    by_key = {(r["framework"], r["notation"]): r for r in page["related"]}
    seen_parts: set[str] = set()
    for r in page["related"]:
        assert r["parts"] and set(r["parts"]) <= nodes and r["framework"] != framework
        seen_parts |= set(r["parts"])
    for node in seen_parts - {notation}:
        leaf_body = point(client, framework, node)
        if leaf_body["parts"]:
            continue
        for r in client.get(leaf_body["related"]).json()["related"]:
            assert node in by_key[(r["framework"], r["notation"])]["parts"]


def test_a_leaf_has_no_parts_and_its_mappings_are_its_own(client: TestClient) -> None:
    body = point(client, "eu-ai-act-2024", "Art. 12(1)")
    assert body["parts"] == [] and body["mappings"]
    assert {m["part"] for m in body["mappings"]} == {"Art. 12(1)"}
    assert body["related"].endswith("/v1/requirements/related?framework=eu-ai-act-2024&notation=Art.+12%281%29")


def test_crosswalk_at_article_level_rolls_up_the_requirement_pairs(client: TestClient) -> None:
    params = {"source": "iso42001-2023", "target": "eu-ai-act-2024"}
    fine = client.get("/v1/crosswalk", params=params).json()
    coarse = client.get("/v1/crosswalk", params={**params, "level": "article"}).json()
    assert fine["level"] == "requirement" and coarse["level"] == "article"
    assert 0 < coarse["count"] < fine["count"]
    iso = {n["notation"]: n for n in client.get("/v1/frameworks/iso42001-2023/requirements").json()["requirements"]}
    act = {n["notation"]: n for n in client.get("/v1/frameworks/eu-ai-act-2024/requirements").json()["requirements"]}

    def up(nodes: dict[str, dict], notation: str, articles: bool) -> str:
        node = nodes[notation]
        while True:
            if articles and node["type"] in ("article", "annex"):
                return node["notation"]
            if not articles and node["depth"] <= 1:
                return node["notation"]
            node = nodes[node["parent"]]

    by_pair = {(p["source"], p["target"]): p for p in coarse["pairs"]}
    seen = 0
    for p in fine["pairs"]:
        article_pair = by_pair[(up(iso, p["source"], False), up(act, p["target"], True))]
        assert f"{p['source']} -> {p['target']}" in article_pair["parts"]
        assert article_pair["strength"] >= p["strength"]
        seen += 1
    assert seen == sum(len(p["parts"]) for p in coarse["pairs"])
    for p in coarse["pairs"]:
        assert act[p["target"]]["type"] in ("article", "annex") and iso[p["source"]]["depth"] <= 1
        strongest = max(q["strength"] for q in fine["pairs"] if f"{q['source']} -> {q['target']}" in p["parts"])
        assert p["strength"] == strongest and p["target_title"] == act[p["target"]]["title"]
    bad = client.get("/v1/crosswalk", params={**params, "level": "chapter"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "level"]
