"""The verdicts an AI Act / ISO/IEC 42001 lead auditor expects on a realistic
organization with six AI systems (tests/fixtures/evidence/six-systems.ttl),
through the real HTTP app and store, as of 2026-11-27."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ctrlgraph.api.app import create_app
from ctrlgraph.evidence.tenants import new_admin_key
from tests import backends
from tests.conftest import FIXTURES

pytestmark = pytest.mark.api

ADMIN = new_admin_key()
AS_OF = {"as_of": "2026-11-27"}
Row = dict[str, object]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = backends.api_settings(tmp_path_factory.mktemp("auditor-store"), sparql_workers=1, admin_key=ADMIN)
    with TestClient(create_app(settings)) as c:
        admin = {"Authorization": f"Bearer {ADMIN}"}
        assert c.post("/v1/orgs", json={"id": "helix", "name": "Helix"}, headers=admin).status_code == 201
        key = c.post("/v1/orgs/helix/keys", json={"scopes": ["read", "write"]}, headers=admin).json()["key"]
        headers = {"Authorization": f"Bearer {key}"}
        body = (FIXTURES / "evidence" / "six-systems.ttl").read_bytes()
        put = c.put("/v1/orgs/helix/evidence", content=body, headers={**headers, "Content-Type": "text/turtle"})
        assert put.status_code == 200, put.text
        yield c, headers


@pytest.fixture(scope="module")
def gaps(client: tuple[TestClient, dict[str, str]]) -> dict[tuple[str, str], Row]:
    c, h = client
    body = c.get("/v1/orgs/helix/gaps", params=AS_OF, headers=h).json()
    return {(r["framework"], r["notation"]): r for r in body["requirements"]}


def obligations(client: tuple[TestClient, dict[str, str]], system: str) -> dict[str, Row]:
    c, h = client
    r = c.get(f"/v1/orgs/helix/systems/{system}/obligations", params=AS_OF, headers=h)
    assert r.status_code == 200, r.text
    return {str(o["notation"]): o for o in r.json()["obligations"]}


def test_classification_of_the_six_systems(client: tuple[TestClient, dict[str, str]]) -> None:
    c, h = client
    systems = {s["name"]: s for s in c.get("/v1/orgs/helix/systems", params=AS_OF, headers=h).json()}
    assert sorted(systems) == ["DocSort", "HelpBot", "RiskRank", "ScoreMate", "SpamShield", "TriageAssist"]
    assert {n for n, s in systems.items() if s["high_risk"]} == {"TriageAssist", "ScoreMate", "RiskRank"}
    assert systems["RiskRank"]["rules"][0]["rule"].startswith("R5")  # the derogation is voided by profiling
    assert [r["rule"][:2] for r in systems["DocSort"]["rules"]] == ["R4", "R8"]
    assert systems["HelpBot"]["categories"] == ["transparency"]
    assert systems["SpamShield"]["categories"] == ["minimal"]
    assert systems["TriageAssist"]["id"] == "triageassist"


def test_fria_does_not_bind_a_private_deployer(client: tuple[TestClient, dict[str, str]]) -> None:
    fria = obligations(client, "scoremate")["Art. 27(1)(a)"]
    assert not fria["applies"]
    assert "C-FRIA" in fria["reason"] and "cg:legalForm OtherPrivateEntity" in fria["reason"]
    assert "annex-iii-4-a" in fria["reason"]
    assert obligations(client, "scoremate")["Art. 26(1)"]["applies"]  # the deployer duties do apply


def test_derogation_provisions_apply_to_the_documented_derogation_only(
    gaps: dict[tuple[str, str], Row], client: tuple[TestClient, dict[str, str]]
) -> None:
    for notation in ("Art. 6(4)", "Art. 49(2)"):
        row = gaps[("eu-ai-act-2024", notation)]
        assert [s["name"] for s in row["systems"]] == ["DocSort"], row  # type: ignore[index]
        assert "art-6-3-a" in obligations(client, "docsort")[notation]["reason"]
        voided = obligations(client, "riskrank")[notation]
        assert not voided["applies"] and "cg:profilesNaturalPersons true" in voided["reason"]
    # the not-high-risk derogation carries none of the high-risk duties
    assert not obligations(client, "docsort")["Art. 9(1)"]["applies"]


def test_logging_is_judged_per_system(gaps: dict[tuple[str, str], Row]) -> None:
    row = gaps[("eu-ai-act-2024", "Art. 12(1)")]
    verdicts = {s["name"]: s for s in row["systems"]}  # type: ignore[union-attr]
    assert set(verdicts) == {"TriageAssist", "RiskRank"}  # the providers' high-risk systems, not ScoreMate
    assert (
        verdicts["TriageAssist"]["status"] == "invalid"
        and "expired on 2026-07-31" in verdicts["TriageAssist"]["reason"]
    )
    assert verdicts["RiskRank"]["status"] == "gap"  # TriageAssist's logs do not count for RiskRank
    assert row["status"] == "gap" and row["level"] == "system"


def test_one_systems_risk_assessment_does_not_cover_the_others(
    gaps: dict[tuple[str, str], Row], client: tuple[TestClient, dict[str, str]]
) -> None:
    iso = gaps[("iso42001-2023", "8.2")]
    assert iso["status"] == "partial", iso
    assert "no current evidence about: DocSort, HelpBot, RiskRank, ScoreMate, SpamShield" in str(iso["reason"])
    triage, riskrank = obligations(client, "triageassist"), obligations(client, "riskrank")
    assert triage["Art. 9(2)(a)"]["status"] != "gap"
    assert riskrank["Art. 9(2)(a)"]["status"] == "gap"


def test_records_count_on_their_own(gaps: dict[tuple[str, str], Row]) -> None:
    audit = gaps[("iso42001-2023", "9.2.2")]
    assert audit["status"] == "met" and "internal audit 'AIMS internal audit 2026'" in str(audit["controls"])
    review = gaps[("iso42001-2023", "9.3.2")]
    assert review["status"] == "met" and "management review" in str(review["controls"])
    literacy = gaps[("eu-ai-act-2024", "Art. 4")]
    assert literacy["level"] == "organization"
    assert "AI literacy training for all staff" in str(literacy["controls"]), literacy
    lifecycle = [c for c in gaps[("iso42001-2023", "A.6.1.3")]["controls"] if c["control"] == "AIL-02"]  # type: ignore[union-attr]
    assert lifecycle and lifecycle[0]["state"] == "invalid" and "review overdue since 2026-01-10" in str(lifecycle[0])


def test_requirement_level_exclusion(
    gaps: dict[tuple[str, str], Row], client: tuple[TestClient, dict[str, str]]
) -> None:
    excluded = gaps[("iso27001-2022", "A.7.4")]
    assert excluded["status"] == "not applicable" and "landlord-guarded" in str(excluded["exclusion"])
    assert gaps[("iso27001-2022", "A.7.1")]["status"] == "met"  # same control, still applicable
    c, h = client
    soa = c.get("/v1/orgs/helix/soa", params={**AS_OF, "framework": "iso27001-2022"}, headers=h).json()
    entries = {e["notation"]: e for e in soa["entries"]}
    assert not entries["A.7.4"]["applicable"] and "landlord-guarded" in entries["A.7.4"]["justification"]
    assert entries["A.7.1"]["applicable"] and "landlord" not in entries["A.7.1"]["justification"]
    # a control-level exclusion still works
    assert not entries["A.7.8"]["applicable"] and "leased" in entries["A.7.8"]["justification"]
    # included but not implemented blocks certification; excluded never does
    assert not entries["A.7.4"]["certification_blocking"]
    assert all(
        e["certification_blocking"] == (e["applicable"] and e["verdict"] in ("gap", "invalid")) for e in soa["entries"]
    )


def test_certification_blocking_marks(gaps: dict[tuple[str, str], Row]) -> None:
    clauses = [r for (f, n), r in gaps.items() if f == "iso42001-2023" and not n.startswith("A.")]
    annex = [r for (f, n), r in gaps.items() if f == "iso42001-2023" and n.startswith("A.")]
    assert any(r["certification_blocking"] for r in clauses)
    for r in clauses:
        assert r["certification_blocking"] == (r["status"] in ("gap", "invalid")), r
    for r in annex:
        assert not r["certification_blocking"]
        if r["status"] == "gap":
            assert "Statement of Applicability" in str(r["audit_note"])
    for (f, _), r in gaps.items():
        if f == "eu-ai-act-2024":
            assert not r["certification_blocking"]


def test_kpis_with_definitions(client: tuple[TestClient, dict[str, str]]) -> None:
    c, h = client
    k = c.get("/v1/orgs/helix/kpis", params=AS_OF, headers=h).json()
    coverage = k["indicators"]["risk_assessment_coverage"]
    assert k["risk_assessment_coverage"] == 33.3  # 1 of the 3 high-risk systems, not 1 of 6
    assert (coverage["numerator"], coverage["denominator"]) == (1, 3)
    assert coverage["missing"] == ["RiskRank", "ScoreMate"]
    assert k["risk_treatment_implementation"] == 100.0
    assert k["residual_risk_within_threshold"] == 0.0  # TriageAssist: residual high > accepted medium
    assert k["mean_time_to_respond_hours"] == 0.5 and k["mean_time_to_resolve_hours"] == 4.0
    respond = k["indicators"]["mean_time_to_respond_hours"]
    assert (respond["numerator"], respond["denominator"]) == (1, 2)
    triage = next(s for s in k["systems"] if s["name"] == "TriageAssist")
    measures = {m["measure"]: m["within_threshold"] for m in triage["measures"]}
    assert measures == {
        "demographic parity difference": True,
        "equalized odds difference": False,
        "accuracy": True,
        "robustness": True,
    }
    scoremate = next(s for s in k["systems"] if s["name"] == "ScoreMate")
    assert all(m["within_threshold"] is None and "not measured" in m["reason"] for m in scoremate["measures"])
    schema = c.get("/openapi.json").json()["components"]["schemas"]["Kpis"]["properties"]
    assert "high-risk" in schema["risk_assessment_coverage"]["description"]


def test_validation_says_what_to_link(client: tuple[TestClient, dict[str, str]]) -> None:
    c, h = client
    report = c.get("/v1/orgs/helix/validation", params=AS_OF, headers=h).json()
    messages = " | ".join(r["message"] for r in report["results"])
    assert "add cg:respondedAt" in messages


def test_verdicts_are_deterministic(client: tuple[TestClient, dict[str, str]]) -> None:
    c, h = client
    first = c.get("/v1/orgs/helix/gaps", params=AS_OF, headers=h).json()
    second = c.get("/v1/orgs/helix/gaps", params=AS_OF, headers=h).json()
    assert first == second
    for r in first["requirements"]:
        names = [x["control"] for x in r["controls"]]
        assert names == sorted(names)


def test_kpis_without_a_denominator_are_null_with_a_reason(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert c.post("/v1/orgs", json={"id": "tiny", "name": "Tiny"}, headers=admin).status_code == 201
    key = c.post("/v1/orgs/tiny/keys", json={"scopes": ["read", "write"]}, headers=admin).json()["key"]
    h = {"Authorization": f"Bearer {key}"}
    body = b"""@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/ctrlgraph/org/tiny/system/filter> a cg:AISystem ; rdfs:label "Filter" ;
    cg:intendedPurpose "Spam filter" ; cg:lifecycleStage cg:OperationStage ; cg:owner "IT" ;
    cg:operatorRole cg:Deployer .
"""
    assert (
        c.put("/v1/orgs/tiny/evidence", content=body, headers={**h, "Content-Type": "text/turtle"}).status_code == 200
    )
    k = c.get("/v1/orgs/tiny/kpis", params=AS_OF, headers=h).json()
    for key_name, why in (
        ("risk_assessment_coverage", "no AI system is classified high-risk"),
        ("risk_treatment_implementation", "no risk is recorded"),
        ("mean_time_to_resolve_hours", "no incident"),
        ("residual_risk_within_threshold", "no AI system has both"),
    ):
        assert k[key_name] is None, key_name
        indicator = k["indicators"][key_name]
        assert indicator["value"] is None and why in indicator["reason"] and indicator["definition"]
    record = next(t for t in k["documentation"] if t["tier"] == "record")
    assert record["expected"] == 0 and record["percent"] is None and record["reason"]
