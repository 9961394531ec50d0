"""Every integration point of the integration guide (with 27001, with 9001, and
the four common to all three standards) appears in /v1/integration as an
integration point, and each gives crosswalk pairs (/v1/crosswalk) between the
requirements it names, for every pair of standards it integrates. Through the
real HTTP app over the real reference graph."""

from __future__ import annotations

from itertools import combinations
from typing import Any

ISO = ["iso42001-2023", "iso27001-2022", "iso9001-2015"]
WITH_27001 = ["asset", "risk", "incident", "supplier"]
WITH_9001 = [
    "quality objectives and AI performance",
    "process documentation and control",
    "customer focus and AI impact on customers",
    "continual improvement",
]
COMMON = ["document control", "training and competence", "internal audit", "management review"]


def crosswalk_pairs(client: Any, source: str, target: str) -> set[tuple[str, str]]:
    r = client.get("/v1/crosswalk", params={"source": source, "target": target})
    assert r.status_code == 200, r.text
    return {(p["source"], p["target"]) for p in r.json()["pairs"]}


def test_every_integration_point_appears_and_gives_crosswalk_pairs(client: Any) -> None:
    r = client.get("/v1/integration", params={"framework": ISO})
    assert r.status_code == 200, r.text
    points = {e["element"]: e for e in r.json()["elements"] if e["kind"] == "integration point"}
    assert list(points) == WITH_27001 + WITH_9001 + COMMON
    for name in COMMON:
        assert set(points[name]["requirements"]) == set(ISO), name
        assert points[name]["processes"][0]["frameworks"] == 3, name
    cache: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for name, point in points.items():
        listed = {f: {req["notation"] for req in reqs} for f, reqs in point["requirements"].items()}
        assert all(listed.values()), name
        for a, b in combinations(sorted(listed), 2):
            pairs = cache.setdefault((a, b), crosswalk_pairs(client, a, b))
            joined = {(x, y) for x, y in pairs if x in listed[a] and y in listed[b]}
            assert joined, f"integration point {name!r} gives no crosswalk pair between {a} and {b}"


def test_common_points_name_the_shared_process(client: Any) -> None:
    elements = client.get("/v1/integration", params={"framework": ISO}).json()["elements"]
    points = {e["element"]: e for e in elements if e["kind"] == "integration point"}
    first = {name: points[name]["processes"][0]["control"] for name in COMMON}
    assert first["internal audit"] == "MON-03" and first["management review"] == "MON-04"
    assert first["document control"].startswith("DOC-") and first["training and competence"].startswith("PPL-")
    # 27001's Annex A and 42001's Annex A meet the common points too
    training = {
        f: {r["notation"] for r in reqs} for f, reqs in points["training and competence"]["requirements"].items()
    }
    assert "A.6.3" in training["iso27001-2022"] and "A.4.6" in training["iso42001-2023"]
    # a common point is shown for any two of the three standards, and not for one alone
    two = client.get("/v1/integration", params={"framework": ["iso27001-2022", "iso9001-2015"]}).json()
    assert [e["element"] for e in two["elements"] if e["kind"] == "integration point"] == COMMON
    one = client.get("/v1/integration", params={"framework": ["iso9001-2015"]}).json()
    assert not [e for e in one["elements"] if e["kind"] == "integration point"]
