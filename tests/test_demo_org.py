"""The demo organization: expected verdicts, classification and hand-checked KPIs
(as of 2026-11-27, so the expiry dates of examples/demo-org.ttl are fixed)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ctrlgraph.api.app import create_app
from ctrlgraph.demo import DEMO_KEY
from tests import backends

pytestmark = pytest.mark.api

AS_OF = "2026-11-27"
H = {"Authorization": f"Bearer {DEMO_KEY}"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = backends.api_settings(tmp_path_factory.mktemp("demo-store"), sparql_workers=1, demo=True)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def gaps(demo: TestClient) -> dict[tuple[str, str], dict[str, object]]:
    body = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF}, headers=H).json()
    return {(r["framework"], r["notation"]): r for r in body["requirements"]}


@pytest.mark.parametrize(
    ("framework", "notation", "status", "why"),
    [
        # met: an equal/subset control in place with valid evidence
        ("iso42001-2023", "9.2.2", "met", "MON-03"),
        ("iso27001-2022", "9.3.2", "met", "MON-09"),
        ("iso9001-2015", "5.3", "met", "GOV-09"),
        # met by the AI risk assessment control (GOV-18 only intersects since the strict re-audit)
        ("iso42001-2023", "6.1.2", "met", "AIR-02"),
        # invalid: in place, but the evidence expired
        ("iso42001-2023", "A.6.2.8", "invalid", "expired on 2026-06-30"),
        ("iso27001-2022", "7.2", "invalid", "expired on 2026-09-30"),
        ("eu-ai-act-2024", "Art. 12(1)", "invalid", "expired"),
        # partial: implemented without evidence
        # (42001 A.3.2 is met through GOV-09 although its AI-specific GOV-10 lacks evidence)
        ("iso42001-2023", "A.3.2", "met", "GOV-09"),
        ("eu-ai-act-2024", "Art. 4", "partial", "PPL-03"),
        # gap: nothing in place
        ("eu-ai-act-2024", "Art. 72(1)", "gap", "MON-07"),
        ("iso27001-2022", "A.8.13", "gap", "nothing in place"),
        # not applicable: justified exclusion, and AI Act rules
        ("iso27001-2022", "A.7.1", "not applicable", "Fully remote company"),
        ("eu-ai-act-2024", "Art. 26(1)", "not applicable", "binds the deployer of high-risk AI systems"),
        ("eu-ai-act-2024", "Art. 50(1)", "not applicable", "binds the provider of transparency"),
        ("eu-ai-act-2024", "Art. 53(1)(a)", "not applicable", "general-purpose"),
    ],
)
def test_expected_verdicts(
    gaps: dict[tuple[str, str], dict[str, object]], framework: str, notation: str, status: str, why: str
) -> None:
    verdict = gaps[(framework, notation)]
    assert verdict["status"] == status, verdict
    assert why in str(verdict["reason"]), verdict["reason"]
    if status != "not applicable" or "excluded" in str(verdict["reason"]):
        assert verdict["controls"]


def test_summary_counts_match_the_rows(demo: TestClient) -> None:
    body = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF}, headers=H).json()
    for summary in body["summary"]:
        rows = [r for r in body["requirements"] if r["framework"] == summary["framework"]]
        for status in ("met", "partial", "gap", "invalid"):
            assert summary[status] == sum(1 for r in rows if r["status"] == status)
        assert summary["applicable"] == len(rows) - summary["not_applicable"]
        assert summary["percent_met"] == round(100 * summary["met"] / summary["applicable"], 1)
    top = body["closes_most"][0]
    assert top["closes"] >= body["closes_most"][-1]["closes"] and top["requirements"]
    csv_text = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF, "format": "csv"}, headers=H).text
    assert csv_text.count("\n") == len(body["requirements"]) + 1


def test_single_framework_filter(demo: TestClient) -> None:
    body = demo.get("/v1/orgs/acme/gaps", params={"framework": "iso9001-2015", "as_of": AS_OF}, headers=H).json()
    assert [s["framework"] for s in body["summary"]] == ["iso9001-2015"]
    assert demo.get("/v1/orgs/acme/gaps", params={"framework": "nope"}, headers=H).status_code == 404


def test_classification(demo: TestClient) -> None:
    body = demo.get("/v1/orgs/acme/classification", headers=H).json()
    systems = {s["name"]: s for s in body["systems"]}
    assert systems["CreditLens"]["high_risk"] is True
    assert systems["CreditLens"]["rules"][0]["rule"].startswith("R5")
    assert "cg:profilesNaturalPersons true" in systems["CreditLens"]["rules"][0]["facts"]
    assert systems["HelpDesk Assistant"]["high_risk"] is False
    assert systems["HelpDesk Assistant"]["categories"] == ["transparency"]
    # every assessable AI Act provision (282 since #14 made the operator duties of Art. 60-111 assessable)
    assert body["applicable_requirements"] + body["not_applicable_requirements"] == 282


def test_kpis_hand_checked(demo: TestClient) -> None:
    k = demo.get("/v1/orgs/acme/kpis", params={"as_of": AS_OF}, headers=H).json()
    assert k["ai_systems"] == 2
    # only the high-risk CreditLens needs a risk assessment, and has a current one (not 1 of 2 systems)
    assert k["risk_assessment_coverage"] == 100.0
    coverage = k["indicators"]["risk_assessment_coverage"]
    assert (coverage["numerator"], coverage["denominator"], coverage["missing"]) == (1, 1, [])
    assert "CreditLens" in coverage["rule"] and "high-risk" in coverage["definition"]
    assert k["risks"] == 4 and k["risk_treatment_implementation"] == 75.0  # 3 of 4 treated
    treatment = k["indicators"]["risk_treatment_implementation"]
    assert (treatment["numerator"], treatment["denominator"], treatment["missing"]) == (3, 4, ["explainability"])
    assert "from detection" in k["indicators"]["mean_time_to_resolve_hours"]["definition"]
    # residual risk: bias medium after treatment, drift low, explainability untreated medium <= accepted medium
    assert k["residual_risk_within_threshold"] == 100.0
    systems = {s["name"]: s for s in k["systems"]}
    credit = systems["CreditLens"]
    assert (credit["residual_risk"], credit["accepted_risk"], credit["residual_within_threshold"]) == (
        "medium",
        "medium",
        True,
    )
    measures = {m["measure"]: m for m in credit["measures"]}
    assert measures["demographic parity difference"]["within_threshold"] is False  # 0.08 > 0.05
    assert measures["accuracy"]["within_threshold"] is True  # AUC 0.84 >= 0.80
    assert measures["equalized odds difference"]["within_threshold"] is None
    assert "not measured" in measures["robustness"]["reason"]
    assert systems["HelpDesk Assistant"]["measures"] == []  # not high-risk: nothing expected
    assert systems["HelpDesk Assistant"]["residual_within_threshold"] is True  # low <= medium
    assert k["incidents"] == 2
    assert k["mean_time_to_detect_hours"] == 13.0  # (2 h + 24 h) / 2
    assert k["mean_time_to_respond_hours"] == 2.0  # (1 h + 3 h) / 2
    assert k["mean_time_to_resolve_hours"] == 16.0  # (8 h + 24 h) / 2
    assert k["metrics_out_of_threshold"] == 1  # the approval-rate gap 0.08 > 0.05
    tiers = {t["tier"]: t for t in k["documentation"]}
    assert (tiers["policy"]["present"], tiers["policy"]["expected"]) == (1, 3)  # risk policy overdue, ethics missing
    assert (tiers["procedure"]["present"], tiers["procedure"]["expected"]) == (3, 5)
    gaps = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF}, headers=H).json()
    assert k["percent_met"] == {s["framework"]: s["percent_met"] for s in gaps["summary"]}


def test_validation_warnings_tell_what_to_fix(demo: TestClient) -> None:
    report = demo.get("/v1/orgs/acme/validation", params={"as_of": AS_OF}, headers=H).json()
    assert report["conforms"] and report["violations"] == 0
    messages = " | ".join(r["message"] for r in report["results"])
    assert "post-market monitoring evidence" in messages
    assert "Evidence expired" in messages
    assert "AI ethics and fairness policy" in messages
    assert "Document review overdue" in messages


def test_gap_report_as_xlsx_one_sheet_per_framework(demo: TestClient) -> None:
    import io

    from openpyxl import load_workbook

    response = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF, "format": "xlsx"}, headers=H)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    body = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF}, headers=H).json()
    assert workbook.sheetnames == [s["framework"] for s in body["summary"]]
    sheet = workbook["iso42001-2023"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    assert [c.value for c in sheet[1]][:4] == ["framework", "notation", "title", "status"]
    assert sheet.max_row - 1 == sum(1 for r in body["requirements"] if r["framework"] == "iso42001-2023")


def test_systems_and_their_obligations(demo: TestClient) -> None:
    systems = demo.get("/v1/orgs/acme/systems", params={"as_of": AS_OF}, headers=H).json()
    assert [(s["id"], s["name"], s["high_risk"]) for s in systems] == [
        ("creditlens", "CreditLens", True),
        ("helpdesk", "HelpDesk Assistant", False),
    ]
    body = demo.get("/v1/orgs/acme/systems/creditlens/obligations", params={"as_of": AS_OF}, headers=H).json()
    rows = {o["notation"]: o for o in body["obligations"]}
    assert body["system"]["obligations"] == {
        s: sum(1 for o in body["obligations"] if o["status"] == s)
        for s in ("met", "partial", "gap", "invalid", "not applicable")
    }
    applying = [o["applies"] for o in body["obligations"]]
    assert applying == sorted(applying, reverse=True)  # those that apply first
    logging = rows["Art. 12(1)"]
    assert logging["applies"] and logging["status"] == "invalid" and "expired on 2026-06-30" in logging["verdict"]
    assert "role: provider" in logging["reason"] and "system classified: high-risk" in logging["reason"]
    assert rows["Art. 4"]["level"] == "organization"
    fria = rows["Art. 27(1)(a)"]
    assert not fria["applies"] and fria["status"] == "not applicable" and "deployer" in fria["reason"]
    # the chatbot: its disclosure evidence is about it, CreditLens' logging is not
    helpdesk = demo.get("/v1/orgs/acme/systems/helpdesk/obligations", params={"as_of": AS_OF}, headers=H).json()
    assert not {o["notation"] for o in helpdesk["obligations"] if o["applies"]} & {"Art. 12(1)", "Art. 9(1)"}
    missing = demo.get("/v1/orgs/acme/systems/nope/obligations", headers=H)
    assert missing.status_code == 404 and "creditlens" in missing.json()["detail"]
