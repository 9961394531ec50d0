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
