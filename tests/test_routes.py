"""The direct+control route: an imported framework that arrived with a
crosswalk onto our 27001 (direct mappings) and no control mappings of its own
is served by the controls of the 27001 requirements it is linked to, with the
relationship composed by the STRM table, in shared controls, planning,
crosswalks and related requirements, each answer saying its route."""

from __future__ import annotations

import csv
import io

import pytest

from ctrlgraph import catalog, routes
from ctrlgraph.interop import parse, run_import
from ctrlgraph.loader import derive_update
from ctrlgraph.planning import delta, plan
from ctrlgraph.store import OxigraphStore

FRAMEWORK = """urn: urn:ctrlgraph-test:risk:library:linked-mini
locale: en
ref_id: linked-mini
name: Linked mini checklist
version: 1
provider: ctrlgraph test suite
objects:
  framework:
    urn: urn:ctrlgraph-test:risk:framework:linked-mini
    ref_id: linked-mini
    name: Linked mini checklist
    requirement_nodes:
    - urn: urn:ctrlgraph-test:risk:req_node:linked-mini:acc.1
      assessable: true
      ref_id: ACC.1
      name: Access rules
    - urn: urn:ctrlgraph-test:risk:req_node:linked-mini:acc.2
      assessable: true
      ref_id: ACC.2
      name: Secure authentication and more
    - urn: urn:ctrlgraph-test:risk:req_node:linked-mini:pol.1
      assessable: true
      ref_id: POL.1
      name: Security policy basics
    - urn: urn:ctrlgraph-test:risk:req_node:linked-mini:lone.1
      assessable: true
      ref_id: LONE.1
      name: Linked to nothing
"""

MAPPING = """urn: urn:ctrlgraph-test:risk:library:mapping-linked-mini-to-iso27001-2022
locale: en
ref_id: mapping-linked-mini-to-iso27001-2022
name: linked-mini -> 27001
version: 1
provider: ctrlgraph test suite
objects:
  requirement_mapping_sets:
  - urn: urn:ctrlgraph-test:risk:req_mapping_set:linked-mini-to-iso27001-2022
    ref_id: linked-mini-to-iso27001-2022
    source_framework_urn: urn:ctrlgraph-test:risk:framework:linked-mini
    target_framework_urn: urn:intuitem:risk:framework:iso27001-2022
    requirement_mappings:
    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:linked-mini:acc.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.9
      relationship: equal
    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:linked-mini:acc.2
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.8.5
      relationship: superset
    - source_requirement_urn: urn:ctrlgraph-test:risk:req_node:linked-mini:pol.1
      target_requirement_urn: urn:intuitem:risk:req_node:iso27001-2022:a.5.1
      relationship: subset
"""


def _import(store: OxigraphStore) -> None:
    run_import(store, parse("ciso-assistant", FRAMEWORK.encode(), "linked-mini.yaml"))
    result = run_import(store, parse("ciso-assistant", MAPPING.encode(), "linked-mini-to-27001.yaml"))
    assert result.link_count == 3


@pytest.fixture
def linked(fresh_store: OxigraphStore) -> OxigraphStore:
    _import(fresh_store)
    return fresh_store


def _mappings(store: OxigraphStore, notation: str) -> dict[str, tuple[str, int]]:
    """A 27001 requirement's own mappings: control -> (relationship, strength)."""
    detail = catalog.requirement(store, "iso27001-2022", notation)
    return {m.control: (m.relationship, m.strength) for m in detail.mappings if m.relationship != "no relationship"}


def test_legs_compose_with_the_strm_table(linked: OxigraphStore) -> None:
    legs = {(g.notation, g.control_notation): g for g in routes.composed_legs(linked, ["linked-mini"])}
    table = routes.table(linked)
    # "equal" carries the linked requirement's mappings over unchanged.
    a59 = _mappings(linked, "A.5.9")
    assert a59
    assert {c: (g.relationship, g.strength) for (n, c), g in legs.items() if n == "ACC.1"} == a59
    # Every other leg is the table's answer for (link, inverse(mapping)), kept only where overlap is guaranteed.
    for notation, linked_to, link in (("ACC.2", "A.8.5", "superset of"), ("POL.1", "A.5.1", "subset of")):
        expected = {}
        for control, (relationship, strength) in _mappings(linked, linked_to).items():
            composed, determined, overlap = table[(link, routes.INVERSE.get(relationship, relationship))]
            if overlap:
                expected[control] = (composed if determined else "intersects with", determined, strength)
        got = {c: (g.relationship, g.determined, g.strength) for (n, c), g in legs.items() if n == notation}
        assert got == expected, notation
        assert all(g.through == f"iso27001-2022 {linked_to}" for (n, _), g in legs.items() if n == notation)
    # A.5.1 intersects GOV-06: a subset of A.5.1 may miss GOV-06 entirely, so no leg.
    assert ("POL.1", "GOV-06") not in legs and ("POL.1", "GOV-08") in legs
    assert legs[("POL.1", "GOV-08")].relationship == "subset of" and legs[("POL.1", "GOV-08")].determined
    assert not any(n == "LONE.1" for n, _ in legs)
    # The shipped frameworks take no leg: their assessable requirements all have mappings of their own.
    shipped = {"iso27001-2022", "iso42001-2023", "iso9001-2015", "iso-hs", "eu-ai-act-2024"}
    assert routes.composed_legs(linked, shipped) == []


def test_shared_controls_by_both_routes(fresh_store: OxigraphStore) -> None:
    shipped = ["iso27001-2022", "iso42001-2023"]
    before = catalog.shared_controls(fresh_store, shipped, 2)
    _import(fresh_store)
    assert catalog.shared_controls(fresh_store, shipped, 2) == before  # shipped answers unchanged
    shared = {c.notation: c for c in catalog.shared_controls(fresh_store, ["linked-mini", "iso27001-2022"], 2).controls}
    legs = routes.composed_legs(fresh_store, ["linked-mini"])
    assert {g.control_notation for g in legs} == set(shared)
    for leg in legs:
        mine = shared[leg.control_notation].requirements["linked-mini"]
        entry = next(q for q in mine if q.notation == leg.notation)
        assert (entry.route, entry.through, entry.relationship) == (
            "direct+control",
            leg.through,
            leg.relationship,
        )
        assert all(q.route == "controls" for q in shared[leg.control_notation].requirements["iso27001-2022"])
    sec = next(g.control_notation for g in legs if g.notation == "ACC.1")
    assert shared[sec].framework_count == 2
    # min_frameworks counts the direct+control route too; limit keeps the ranking.
    alone = catalog.shared_controls(fresh_store, ["linked-mini"], 1)
    assert {c.notation for c in alone.controls} == set(shared)
    assert catalog.shared_controls(fresh_store, ["linked-mini", "iso27001-2022"], 2, limit=1).controls[0] == next(
        iter(catalog.shared_controls(fresh_store, ["linked-mini", "iso27001-2022"], 2).controls)
    )


def test_controls_count_and_list_both_routes(fresh_store: OxigraphStore) -> None:
    """/v1/controls' counts and a control's "serves" take the direct+control
    route as /v1/shared-controls does: a framework that arrived with a
    crosswalk only is served by the controls its requirements reach."""
    before = {c.notation: c for c in catalog.controls(fresh_store)}
    _import(fresh_store)
    after = {c.notation: c for c in catalog.controls(fresh_store)}
    legs = routes.composed_legs(fresh_store, ["linked-mini"])
    reached = {g.control_notation for g in legs}
    assert reached and set(after) == set(before)
    shared = {c.notation: c for c in catalog.shared_controls(fresh_store, ["linked-mini"], 1, limit=1000).controls}
    assert set(shared) == reached
    for notation, summary in after.items():
        if notation not in reached:
            assert summary == before[notation]  # untouched by the import
            continue
        mine = [g for g in legs if g.control_notation == notation]
        assert summary.requirements == before[notation].requirements + len({g.notation for g in mine})
        assert summary.frameworks == before[notation].frameworks + 1  # linked-mini has no mapping of its own
        detail = catalog.control(fresh_store, notation)
        assert (detail.frameworks, sum(len(v) for v in detail.serves.values())) == (
            summary.frameworks,
            summary.requirements,
        )
        served = {q.notation: q for q in detail.serves["linked-mini"]}
        assert set(served) == {q.notation for q in shared[notation].requirements["linked-mini"]}
        for leg in mine:
            q = served[leg.notation]
            assert (q.route, q.through, q.relationship, q.determined, q.strength) == (
                "direct+control",
                leg.through,
                leg.relationship,
                leg.determined,
                leg.strength,
            )
            assert q.explanation and leg.through in q.explanation
        assert all(q.route == "controls" for fw, reqs in detail.serves.items() if fw != "linked-mini" for q in reqs)

    # A framework served by the control's own mapping as well is counted once.
    control = next(g for g in legs if g.notation == "ACC.1").control
    notation = next(n for n, c in after.items() if c.iri == control)
    lone = catalog.requirement(fresh_store, "linked-mini", "LONE.1").iri
    fresh_store.update(
        "PREFIX cg: <https://w3id.org/ctrlgraph/ns#> INSERT DATA { GRAPH <https://w3id.org/ctrlgraph/graph/test/"
        f"own-mapping> {{ <urn:test:own> a cg:Mapping ; cg:requirement <{lone}> ; cg:control <{control}> ;"
        " cg:relationship cg:equal ; cg:strength 7 } }"
    )
    fresh_store.update(derive_update(fresh_store))
    both = next(c for c in catalog.controls(fresh_store) if c.notation == notation)
    assert both.frameworks == after[notation].frameworks  # linked-mini: still one framework
    assert both.requirements == after[notation].requirements + 1
    detail = catalog.control(fresh_store, notation)
    routes_seen = {q.notation: q.route for q in detail.serves["linked-mini"]}
    assert routes_seen["LONE.1"] == "controls" and routes_seen["ACC.1"] == "direct+control"
    assert detail.frameworks == both.frameworks


def test_plan_and_delta_use_the_route(linked: OxigraphStore) -> None:
    result = plan.plan(linked, ["linked-mini"])
    closed = {n: c for c in result.controls for n in c.requirements.get("linked-mini", [])}
    assert {"ACC.1", "POL.1"} <= set(closed)
    acc = closed["ACC.1"]
    assert acc.route == "direct+control" and acc.through == {"linked-mini": {"ACC.1": "iso27001-2022 A.5.9"}}
    assert closed["POL.1"].through["linked-mini"]["POL.1"] == "iso27001-2022 A.5.1"
    unc = {u.notation: u for u in result.uncoverable}
    assert set(unc) == {"ACC.2", "LONE.1"}  # intersects-only legs never cover; LONE.1 has no route at all
    assert unc["ACC.2"].controls and not unc["LONE.1"].controls
    # Holding 27001 satisfies what reaches 27001's controls.
    d = delta.delta(linked, ["iso27001-2022"], ["linked-mini"])
    by = {r.notation: r for r in d.requirements}
    assert by["ACC.1"].status == "satisfied"
    assert all(c.route == "direct+control" and c.through == "iso27001-2022 A.5.9" for c in by["ACC.1"].controls)


def test_crosswalk_and_related_through_the_link(linked: OxigraphStore) -> None:
    ours = catalog.crosswalk(linked, "iso27001-2022", "iso42001-2023").pairs
    theirs = {(p.source, p.target): p for p in catalog.crosswalk(linked, "linked-mini", "iso42001-2023").pairs}
    # ACC.1 equals A.5.9: it pairs with exactly A.5.9's partners, with the same relationships.
    expected = {p.target: (p.relationship, p.determined) for p in ours if p.source == "A.5.9"}
    assert expected
    got = {t: (p.relationship, p.determined) for (s, t), p in theirs.items() if s == "ACC.1"}
    assert got == expected
    for p in theirs.values():
        assert p.route == "direct+control" and all(x.route == "direct+control" for x in p.paths)
        assert p.paths[0].through and "through the direct mapping of iso27001-2022" in p.explanation
    # Read from the other side, the same pairs with the relationship inverted.
    back = {(p.source, p.target): p for p in catalog.crosswalk(linked, "iso42001-2023", "linked-mini").pairs}
    inverse = {"subset of": "superset of", "superset of": "subset of"}
    assert {(t, s): inverse.get(p.relationship, p.relationship) for (s, t), p in theirs.items()} == {
        k: p.relationship for k, p in back.items()
    }
    # The direct pair itself is not repeated as a path through its own controls.
    direct = {(p.source, p.target): p for p in catalog.crosswalk(linked, "linked-mini", "iso27001-2022").pairs}
    assert direct[("ACC.1", "A.5.9")].route == "direct"
    # Related requirements: both ways.
    target = next(iter(expected))
    related = {
        (r.framework, r.notation): r for r in catalog.related(linked, "linked-mini", "ACC.1", limit=5000).related
    }
    assert related[("iso27001-2022", "A.5.9")].route == "direct"
    assert related[("iso42001-2023", target)].route == "direct+control"
    assert related[("iso42001-2023", target)].relationship == expected[target][0]
    back_related = catalog.related(linked, "iso42001-2023", target, limit=5000)
    mini = {r.notation: r for r in back_related.related if r.framework == "linked-mini"}
    assert mini["ACC.1"].route == "direct+control" and mini["ACC.1"].through == ["iso27001-2022 A.5.9"]
    assert back_related.total == len(back_related.related)


@pytest.mark.api
def test_route_in_the_http_answers(interop_client) -> None:  # type: ignore[no-untyped-def]
    client = interop_client
    for name, text in (("linked-mini.yaml", FRAMEWORK), ("linked-mini-to-27001.yaml", MAPPING)):
        answer = client.post("/v1/import/ciso-assistant", params={"filename": name}, content=text.encode())
        assert answer.status_code == 200, answer.text
    body = client.get(
        "/v1/shared-controls", params={"framework": ["linked-mini", "iso27001-2022"], "min_frameworks": 2}
    ).json()
    mine = [q for c in body["controls"] for q in c["requirements"]["linked-mini"]]
    assert mine and {q["route"] for q in mine} == {"direct+control"}
    assert {q["through"] for q in mine} >= {"iso27001-2022 A.5.9", "iso27001-2022 A.5.1"}
    # the control list and a control's page agree with shared controls
    listed = {c["notation"]: c for c in client.get("/v1/controls").json()}
    for c in body["controls"]:
        detail = client.get(f"/v1/controls/{c['notation']}").json()
        assert (detail["frameworks"], sum(len(v) for v in detail["serves"].values())) == (
            listed[c["notation"]]["frameworks"],
            listed[c["notation"]]["requirements"],
        )
        served = {q["notation"]: q for q in detail["serves"]["linked-mini"]}
        assert {q["notation"]: q["through"] for q in c["requirements"]["linked-mini"]} == {
            n: q["through"] for n, q in served.items()
        }
        rows = list(csv.DictReader(io.StringIO(client.get(f"/v1/controls/{c['notation']}?format=csv").text)))
        assert {(r["notation"], r["route"], r["through"]) for r in rows if r["framework"] == "linked-mini"} == {
            (n, "direct+control", q["through"]) for n, q in served.items()
        }
    planned = client.get("/v1/plan", params={"framework": "linked-mini"}).json()
    assert planned["controls"] and all(c["route"] == "direct+control" for c in planned["controls"])
    through = {n: t for c in planned["controls"] for n, t in c["through"]["linked-mini"].items()}
    assert through == {"ACC.1": "iso27001-2022 A.5.9", "POL.1": "iso27001-2022 A.5.1"}
    assert {u["notation"] for u in planned["uncoverable"]} == {"ACC.2", "LONE.1"}
    # the CSV downloads say the route where it is not the plain one
    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/plan", params={"framework": "linked-mini", "format": "csv"}).text))
    )
    assert {r["control"] for r in rows} == {c["notation"] for c in planned["controls"]}
    for r in rows:
        assert r["route"].startswith("direct+control (linked-mini ") and " via iso27001-2022 A.5." in r["route"], r
    plain = list(
        csv.DictReader(io.StringIO(client.get("/v1/plan", params={"framework": "iso27001-2022", "format": "csv"}).text))
    )
    assert plain and {r["route"] for r in plain} == {""}
    d = client.get("/v1/plan/delta", params={"have": "iso27001-2022", "want": "linked-mini"}).json()
    assert {c["route"] for r in d["requirements"] for c in r["controls"]} == {"direct+control"}
    delta_rows = list(csv.DictReader(io.StringIO(client.get(
        "/v1/plan/delta", params={"have": "iso27001-2022", "want": "linked-mini", "format": "csv"}).text)))  # fmt: skip
    by_req = {r["notation"]: r["route"] for r in delta_rows}
    acc = {c["control"] for r in d["requirements"] if r["notation"] == "ACC.1" for c in r["controls"]}
    assert acc and by_req["ACC.1"].split("; ") == [
        f"{c} direct+control via iso27001-2022 A.5.9" for c in sorted(acc, key=by_req["ACC.1"].find)
    ]
    assert by_req["LONE.1"] == ""
    pairs = client.get("/v1/crosswalk", params={"source": "linked-mini", "target": "iso42001-2023"}).json()["pairs"]
    assert pairs and {p["route"] for p in pairs} == {"direct+control"}
    related = client.get("/v1/requirements/related", params={"framework": "linked-mini", "notation": "ACC.1"}).json()
    routes_seen = {r["route"] for r in related["related"]}
    assert {"direct", "direct+control"} <= routes_seen


@pytest.mark.api
def test_waiting_mappings_over_http(interop_client) -> None:  # type: ignore[no-untyped-def]
    """A mapping library imported before the framework it declares as a dependency:
    kept waiting (reported), listed, and attached by the framework's import."""
    client = interop_client
    framework = FRAMEWORK.replace("linked-mini", "waiting-mini")
    mapping = MAPPING.replace("linked-mini", "waiting-mini").replace(
        "objects:\n",
        "dependencies:\n- urn:ctrlgraph-test:risk:library:waiting-mini\n- urn:intuitem:risk:library:iso27001-2022\nobjects:\n",
        1,
    )
    # Undeclared, the unknown framework is refused (it may be a typo) and nothing is stored.
    undeclared = client.post(
        "/v1/import/ciso-assistant", content=MAPPING.replace("linked-mini", "waiting-mini").encode()
    )
    assert undeclared.status_code == 422 and "unknown framework" in undeclared.json()["problems"][0]["problem"]
    answer = client.post("/v1/import/ciso-assistant", params={"filename": "w.yaml"}, content=mapping.encode())
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["waiting"] == 3 and body["links"] == 0
    assert any("wait for framework 'urn:ctrlgraph-test:risk:framework:waiting-mini'" in w for w in body["warnings"])
    graphs = {g["graph"] for g in client.get("/v1/imports").json()}
    assert any("/imported/pending/" in g for g in graphs)
    crosswalk = client.get("/v1/crosswalk", params={"source": "iso27001-2022", "target": "waiting-mini"})
    assert crosswalk.status_code == 404  # no such framework yet
    answer = client.post("/v1/import/ciso-assistant", params={"filename": "f.yaml"}, content=framework.encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["links"] == 3 and answer.json()["waiting"] == 0
    graphs = {g["graph"] for g in client.get("/v1/imports").json()}
    assert not any("/imported/pending/" in g for g in graphs)
    pairs = client.get("/v1/crosswalk", params={"source": "waiting-mini", "target": "iso27001-2022"}).json()["pairs"]
    direct = {(p["source"], p["target"], p["relationship"]) for p in pairs if p["route"] == "direct"}
    assert direct == {("ACC.1", "A.5.9", "equal"), ("ACC.2", "A.8.5", "superset of"), ("POL.1", "A.5.1", "subset of")}


def test_gap_analysis_marks_the_route(linked: OxigraphStore) -> None:
    """An organization's gap analysis of the imported framework: its controls come by the
    direct+control route, named as such; with nothing in place every requirement is a gap."""
    from ctrlgraph.analysis import gaps
    from ctrlgraph.evidence import repository

    result = gaps.analyse(
        linked, "nobody", repository.evidence_graph("nobody"), repository.report_graph("nobody"), ["linked-mini"]
    )
    by = {r.notation: r for r in result.requirements}
    assert set(by) == {"ACC.1", "ACC.2", "POL.1", "LONE.1"}
    assert [(c.control, c.route, c.through) for c in by["POL.1"].controls] == [
        ("GOV-08", "direct+control", "iso27001-2022 A.5.1")
    ]
    assert all(c.route == "direct+control" for r in by.values() for c in r.controls)
    assert {r.status for r in by.values()} == {"gap"} and not by["LONE.1"].controls
