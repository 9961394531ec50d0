"""The minimal shared control set, the delta and the integration view on the
real reference graph, and end to end on a tiny hand-made graph with a known
optimum. Coverage is checked with the test's own reading of the rule (equal
or subset of covers alone; two or more superset-of controls cover together;
intersects with never), independent of the planner and the solver."""

from __future__ import annotations

import shutil
from collections import defaultdict

import pytest

from ctrlgraph import catalog
from ctrlgraph.loader import load_reference
from ctrlgraph.paths import data_root
from ctrlgraph.planning import BadParameter
from ctrlgraph.planning.delta import delta
from ctrlgraph.planning.integration import integration
from ctrlgraph.planning.plan import plan
from ctrlgraph.store import OxigraphStore

ALL_FIVE = ["iso42001-2023", "iso27001-2022", "iso9001-2015", "iso-hs", "eu-ai-act-2024"]
Mappings = dict[str, list[tuple[str, str]]]


def mappings_of(sparql, frameworks: list[str]) -> Mappings:  # type: ignore[no-untyped-def]
    """framework:notation -> [(control, relationship)] of every assessable requirement, straight from SPARQL."""
    values = " ".join(f'"{f}"' for f in frameworks)
    rows = sparql(
        f"""SELECT ?fw ?notation ?control ?rel WHERE {{
          VALUES ?fw {{ {values} }}
          ?f dcterms:identifier ?fw . ?r skos:inScheme ?f ; cg:assessable true ; skos:notation ?notation .
          OPTIONAL {{ ?m cg:requirement ?r ; cg:relationship/skos:notation ?rel .
                     OPTIONAL {{ ?m cg:control/skos:notation ?control }} }} }}"""
    )
    result: Mappings = defaultdict(list)
    for row in rows:
        key = f"{row['fw']}:{row['notation']}"
        result.setdefault(key, [])
        if "control" in row and row.get("rel") not in (None, "no relationship"):
            result[key].append((str(row["control"]), str(row["rel"])))
    return result


def covers(mappings: list[tuple[str, str]], chosen: set[str]) -> bool:
    if any(rel in ("equal", "subset of") and c in chosen for c, rel in mappings):
        return True
    supersets = [c for c, rel in mappings if rel == "superset of"]
    return len(supersets) >= 2 and all(c in chosen for c in supersets)


def coverable(mappings: list[tuple[str, str]]) -> bool:
    return covers(mappings, {c for c, _ in mappings})


@pytest.fixture(scope="module")
def five(sparql) -> Mappings:  # type: ignore[no-untyped-def]
    return mappings_of(sparql, ALL_FIVE)


@pytest.mark.parametrize("weighted", [False, True])
def test_plan_for_all_five_covers_everything_coverable(
    ref_store: OxigraphStore, five: Mappings, weighted: bool
) -> None:
    result = plan(ref_store, ALL_FIVE, weighted=weighted, time_limit=10)
    chosen = {c.notation for c in result.controls}
    assert len(chosen) == result.size
    listed = {f"{u.framework}:{u.notation}" for u in result.uncoverable}
    for key, mappings in five.items():
        if coverable(mappings):
            assert covers(mappings, chosen), key
            assert key not in listed
        else:
            assert key in listed, f"{key} silently dropped"
    assert all(u.reason for u in result.uncoverable)
    # nothing dropped: every assessable requirement is either coverable or listed
    assert sum(c.planned_for for c in result.counts) == len(five)
    assert sum(c.uncoverable for c in result.counts) == len(listed)
    # exact is never worse than greedy, on its own objective
    assert result.solver.value <= result.greedy.value
    if weighted:
        assert result.effort <= result.greedy.effort
        assert result.solver.objective == "effort" and result.solver.value == result.effort
    else:
        assert result.size <= result.greedy.size
        assert result.solver.objective == "controls" and result.solver.value == result.size
    assert result.solver.proven_optimal and result.solver.gap == 0
    assert result.solver.solver.startswith("OR-Tools CP-SAT")
    # the greedy answer is a cover too
    greedy = set(result.greedy.controls)
    assert all(covers(m, greedy) for m in five.values() if coverable(m))


def test_plan_explains_each_control(ref_store: OxigraphStore, sparql) -> None:  # type: ignore[no-untyped-def]
    frameworks = ["iso27001-2022", "iso42001-2023"]
    result = plan(ref_store, frameworks)
    mappings = mappings_of(sparql, frameworks)
    for control in result.controls:
        assert control.closes == sum(len(n) for n in control.requirements.values())
        for framework, notations in control.requirements.items():
            for notation in notations:
                assert control.notation in {c for c, _ in mappings[f"{framework}:{notation}"]}
    # shared controls first
    counts = [len(c.frameworks) for c in result.controls]
    assert counts == sorted(counts, reverse=True)
    # every 27001 and 42001 requirement is coverable; 42001 5.2 (AI policy) through GOV-07
    assert result.uncoverable == []
    assert any("5.2" in c.requirements.get("iso42001-2023", []) for c in result.controls)
    # an AI Act carve-out only intersects its control: listed with the reason
    with_act = plan(ref_store, ["eu-ai-act-2024"])
    reason = next(u.reason for u in with_act.uncoverable if u.notation == "Art. 18(3)")
    assert "REG-04" in reason and "intersect" in reason


def test_unknown_framework_lists_the_valid_ids(ref_store: OxigraphStore) -> None:
    with pytest.raises(catalog.NotFound) as exc:
        plan(ref_store, ["iso27001-2022", "iso99999"])
    assert "iso42001-2023" in exc.value.valid


def test_delta_27001_to_42001(ref_store: OxigraphStore, sparql) -> None:  # type: ignore[no-untyped-def]
    result = delta(ref_store, ["iso27001-2022"], ["iso42001-2023"])
    have = mappings_of(sparql, ["iso27001-2022"])
    want = mappings_of(sparql, ["iso42001-2023"])
    in_place = {c for m in have.values() for c, rel in m if rel in ("equal", "subset of", "superset of")}
    assert set(result.in_place) == in_place
    by_key = {f"{r.framework}:{r.notation}": r for r in result.requirements}
    assert set(by_key) == set(want)
    for key, mappings in want.items():
        assert (by_key[key].status == "satisfied") == covers(mappings, in_place), key
    # a clause shared through the HS is satisfied via the 27001 requirement behind the same control
    doc = by_key["iso42001-2023:7.5.1"]
    assert doc.status == "satisfied"
    assert any("iso27001-2022:7.5.1" in c.via for c in doc.controls)
    # AI risk assessment: GOV-18 is in place from 27001 but AIR-02 is still needed
    assert by_key["iso42001-2023:6.1.2"].status == "partial"
    new = [n.notation for n in result.new_controls]
    assert "AIR-02" in new
    closes = [n.closes for n in result.new_controls]
    assert closes == sorted(closes, reverse=True)
    # with the new controls, everything coverable is covered
    after = in_place | set(new)
    for key, mappings in want.items():
        if coverable(mappings):
            assert covers(mappings, after), key
    summary = result.summary[0]
    assert summary.satisfied + summary.partial + summary.open == summary.applicable == len(want)
    assert result.solver.value <= result.greedy.value


def test_delta_bad_parameters(ref_store: OxigraphStore) -> None:
    with pytest.raises(BadParameter) as exc:
        delta(ref_store, ["iso27001-2022"], ["iso27001-2022"])
    assert exc.value.parameter == "want"
    with pytest.raises(BadParameter) as exc:
        delta(ref_store, [], ["iso42001-2023"])
    assert exc.value.parameter == "have"


def test_integration_view(ref_store: OxigraphStore) -> None:
    result = integration(ref_store, ["iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"])
    hs = [e.element for e in result.elements if e.kind == "harmonized structure"]
    assert hs == [
        "context", "leadership", "policy", "risk", "objectives", "resources", "competence", "awareness",
        "communication", "documented information", "operational control", "monitoring", "internal audit",
        "management review", "nonconformity", "improvement",
    ]  # fmt: skip
    points = [e.element for e in result.elements if e.kind == "integration point"]
    assert points == [
        "asset", "risk", "incident", "supplier", "quality objectives and AI performance",
        "process documentation and control", "customer focus and AI impact on customers", "continual improvement",
        "document control", "training and competence", "internal audit", "management review",
    ]  # fmt: skip
    by_name = {(e.kind, e.element): e for e in result.elements}
    audit = by_name[("harmonized structure", "internal audit")]
    assert audit.processes[0].control == "MON-03"
    assert set(audit.processes[0].satisfies) >= {"iso42001-2023", "iso27001-2022", "iso9001-2015"}
    risk = by_name[("harmonized structure", "risk")]
    r27 = {r.notation: r for r in risk.requirements["iso27001-2022"]}
    assert r27["6.1.2"].satisfied_by == ["GOV-18"]
    for e in result.elements:
        assert e.processes, e.element
        frameworks = [p.frameworks for p in e.processes]
        assert frameworks == sorted(frameworks, reverse=True)
        for f, reqs in e.requirements.items():
            assert e.satisfied[f] == sum(1 for r in reqs if r.satisfied_by)
    supplier = by_name[("integration point", "supplier")]
    assert {"iso27001-2022", "iso42001-2023"} <= set(supplier.requirements)
    customers = by_name[("integration point", "customer focus and AI impact on customers")]
    assert {"iso9001-2015", "iso42001-2023"} == set(customers.requirements)
    # a point integrates two management systems: one framework alone shows none
    only_9001 = integration(ref_store, ["iso9001-2015"])
    assert all(e.kind == "harmonized structure" for e in only_9001.elements)


# --------------------------------------------------------------------------
# A tiny graph, end to end through the loader, with a known optimum
# --------------------------------------------------------------------------
TINY_FRAMEWORK = """
@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix fw: <https://w3id.org/ctrlgraph/id/> .
@prefix t: <https://w3id.org/ctrlgraph/id/tiny/> .
fw:tiny a cg:Framework ; dcterms:identifier "tiny" ; dcterms:title "Tiny"@en .
""" + "\n".join(
    f't:r{i} a cg:Requirement ; skos:inScheme fw:tiny ; skos:notation "R{i}" ; skos:prefLabel "Requirement {i}"@en ; '
    f"cg:assessable true ; cg:documentOrder {i} ."
    for i in range(1, 11)
)
TINY_CONTROLS = """
@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ctl: <https://w3id.org/ctrlgraph/id/control/> .
""" + "\n".join(
    f'ctl:{c} a cg:Control ; skos:notation "{c}" ; skos:prefLabel "Control {c}"@en ; cg:effort {e} ; '
    "cg:roadmapPhase cg:ImplementationPhase ."
    for c, e in {"X": 2, "Y": 2, "Z": 1, "P": 1, "Q": 3, "I": 1}.items()
)
# R1-R6: X covers R1-R3, Y covers R4-R6, Z covers R1, R2, R4, R5 (greedy takes Z first and loses);
# R7 needs P and Q together (superset of both); R8 only intersects I; R9 has one superset (P) only;
# R10 is mapped as no relationship.
LINKS = [
    *[(r, "X", "subsetOf") for r in (1, 2, 3)],
    *[(r, "Y", "subsetOf") for r in (4, 5, 6)],
    *[(r, "Z", "equal") for r in (1, 2, 4, 5)],
    (7, "P", "supersetOf"),
    (7, "Q", "supersetOf"),
    (8, "I", "intersectsWith"),
    (9, "P", "supersetOf"),
]
TINY_LINKS = (
    """
@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix t: <https://w3id.org/ctrlgraph/id/tiny/> .
@prefix ctl: <https://w3id.org/ctrlgraph/id/control/> .
@prefix map: <https://w3id.org/ctrlgraph/id/mapping/tiny/> .
"""
    + "\n".join(
        f"map:r{r}-{c} a cg:Mapping ; cg:requirement t:r{r} ; cg:control ctl:{c} ; cg:relationship cg:{rel} ; "
        "cg:rationale cg:semantic ; cg:strength 8 ."
        for r, c, rel in LINKS
    )
    + "\nmap:r10 a cg:Mapping ; cg:requirement t:r10 ; cg:relationship cg:noRelationship ; cg:strength 0 ."
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(data_root() / "ontology", root / "ontology")
    for relative, text in {
        "mappings/frameworks/tiny.ttl": TINY_FRAMEWORK,
        "mappings/controls.ttl": TINY_CONTROLS,
        "mappings/links/tiny.ttl": TINY_LINKS,
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    (root / "shapes").mkdir()
    store = OxigraphStore(None)
    load_reference(store, root=root)
    return store


def test_tiny_graph_known_optimum(tiny: OxigraphStore) -> None:
    result = plan(tiny, ["tiny"])
    assert {c.notation for c in result.controls} == {"X", "Y", "P", "Q"}
    assert result.size == 4 and result.greedy.size == 5 and result.greedy.saved == 1
    assert set(result.greedy.controls) == {"X", "Y", "Z", "P", "Q"}
    assert result.solver.proven_optimal
    uncoverable = {u.notation: u for u in result.uncoverable}
    assert set(uncoverable) == {"R8", "R9", "R10"}
    assert "I only intersects" in uncoverable["R8"].reason
    assert "only superset-of control (P)" in uncoverable["R9"].reason
    assert "no relationship" in uncoverable["R10"].reason
    assert uncoverable["R8"].controls == ["I"]
    p = next(c for c in result.controls if c.notation == "P")
    assert p.requirements == {"tiny": ["R7"]} and p.closes == 1
    count = result.counts[0]
    assert (count.requirements, count.coverable, count.uncoverable) == (10, 7, 3)


def test_tiny_graph_weighted_known_optimum(tiny: OxigraphStore) -> None:
    result = plan(tiny, ["tiny"], weighted=True)
    # X and Y are unavoidable (R3, R6), R7 needs P and Q: 2 + 2 + 1 + 3 = 8; greedy adds Z: 9
    assert {c.notation for c in result.controls} == {"X", "Y", "P", "Q"}
    assert result.effort == 8 and result.greedy.effort == 9
    assert result.solver.objective == "effort" and result.solver.value == 8


def test_tiny_graph_with_controls_in_place_and_excluded(tiny: OxigraphStore) -> None:
    """What the organization has in place comes free; what it excluded is never
    chosen, and a requirement only those controls cover is listed, with why."""
    from ctrlgraph.planning.coverage import load_controls, load_requirements
    from ctrlgraph.planning.plan import optimise

    requirements = load_requirements(tiny, ["tiny"])
    planned = optimise(requirements, load_controls(tiny), fixed=["P"], forbidden={"X": "no such process here"})
    # X excluded: R3 (only X) cannot be covered; R1, R2 go to Z; Y for R4-R6; P in place, so R7 needs only Q
    assert planned.chosen == ["Q", "Y", "Z"]
    reasons = {u.notation: u.reason for u in planned.uncoverable(["tiny"])}
    assert "X (no such process here)" in reasons["R3"] and "excluded" in reasons["R3"]
    assert set(reasons) == {"R3", "R8", "R9", "R10"}
    closes = {c: sorted(r.notation for r in reqs) for c, reqs in planned.closes().items()}
    assert closes == {"Q": ["R7"], "Y": ["R4", "R5", "R6"], "Z": ["R1", "R2", "R4", "R5"]}
