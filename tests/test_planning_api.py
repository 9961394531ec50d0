"""The planning routes over HTTP on the demo organization (examples/demo-org.ttl,
as of 2026-11-27 so that its expiry dates are fixed): plan, delta, Statement
of Applicability (JSON, CSV, XLSX read back with openpyxl), roadmap (JSON,
Markdown, CSV), integration view, and the 401/403/404/406/422 paths."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ctrlgraph.api.app import create_app
from ctrlgraph.api.settings import Settings
from ctrlgraph.demo import DEMO_KEY
from tests import backends

pytestmark = pytest.mark.api

AS_OF = "2026-11-27"
H = {"Authorization": f"Bearer {DEMO_KEY}"}
Gaps = dict[tuple[str, str], dict[str, Any]]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def planning_app(settings: Settings) -> FastAPI:
    """The real app (app.py includes the planning routes)."""
    return create_app(settings)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = backends.api_settings(tmp_path_factory.mktemp("planning-demo"), sparql_workers=1, demo=True)
    with TestClient(planning_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def gaps(demo: TestClient) -> Gaps:
    body = demo.get("/v1/orgs/acme/gaps", params={"as_of": AS_OF}, headers=H).json()
    return {(r["framework"], r["notation"]): r for r in body["requirements"]}


def detail_loc(response: object) -> list[str]:
    return [str(x) for x in response.json()["detail"][0]["loc"]]  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# /v1/plan
# --------------------------------------------------------------------------
def test_plan_reference(demo: TestClient) -> None:
    r = demo.get("/v1/plan", params={"framework": ["iso27001-2022", "iso42001-2023"], "time_limit": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["frameworks"] == ["iso27001-2022", "iso42001-2023"]
    assert body["solver"]["proven_optimal"] and body["solver"]["status"] == "optimal"
    assert body["size"] == len(body["controls"]) <= body["greedy"]["size"]
    assert body["organization"] is None
    as_csv = demo.get("/v1/plan", params={"framework": "iso27001-2022", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows and {"control", "effort", "closes"} <= set(rows[0])
    by_accept = demo.get("/v1/plan", params={"framework": "iso27001-2022"}, headers={"Accept": "text/csv"})
    assert by_accept.text == as_csv.text


def test_plan_for_the_organization(demo: TestClient, gaps: Gaps) -> None:
    r = demo.get("/v1/plan", params={"org": "acme", "as_of": AS_OF}, headers=H)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["organization"] == "acme" and body["as_of"] == AS_OF
    in_place = set(body["in_place"])
    assert {"MON-03", "MON-04", "GOV-18", "AIR-02"} <= in_place
    chosen = {c["notation"] for c in body["controls"]}
    assert not chosen & in_place
    assert not chosen & {"PHY-01", "PHY-02"}  # excluded by the organization: never planned
    states = {c["notation"]: c["state"] for c in body["controls"]}
    assert states["AIL-09"] == "invalid"  # its evidence expired: renew it
    # every open requirement is closed by the plan, unless listed as uncoverable
    listed = {(u["framework"], u["notation"]) for u in body["uncoverable"]}
    present = in_place | chosen
    for key, verdict in gaps.items():
        if verdict["status"] not in ("gap", "partial", "invalid") or key in listed:
            continue
        controls = verdict["controls"]
        covering = [c["control"] for c in controls if c["relationship"] in ("equal", "subset of")]
        supersets = [c["control"] for c in controls if c["relationship"] == "superset of"]
        assert any(c in present for c in covering) or (len(supersets) >= 2 and all(c in present for c in supersets)), (
            key
        )
    counts = {c["framework"]: c for c in body["counts"]}
    met = sum(1 for (f, _), v in gaps.items() if f == "iso42001-2023" and v["status"] == "met")
    assert counts["iso42001-2023"]["already_met"] == met


def test_plan_errors(demo: TestClient) -> None:
    r = demo.get("/v1/plan", params={"framework": ["iso27001-2022", "iso99999"]})
    assert r.status_code == 404 and "iso42001-2023" in r.json()["valid"]
    r = demo.get("/v1/plan", params={"time_limit": 0})
    assert r.status_code == 422 and detail_loc(r) == ["query", "time_limit"]
    r = demo.get("/v1/plan", params={"weighted": "maybe"})
    assert r.status_code == 422 and detail_loc(r) == ["query", "weighted"]
    r = demo.get("/v1/plan", params={"format": "pdf"})
    assert r.status_code == 422 and detail_loc(r) == ["query", "format"]
    assert demo.get("/v1/plan", headers={"Accept": "image/png"}).status_code == 406
    assert demo.get("/v1/plan", params={"org": "acme"}).status_code == 401
    assert demo.get("/v1/plan", params={"org": "other"}, headers=H).status_code == 403
    r = demo.get("/v1/plan", params={"org": "acme", "as_of": "soon"}, headers=H)
    assert r.status_code == 422 and detail_loc(r) == ["query", "as_of"]


# --------------------------------------------------------------------------
# /v1/plan/delta
# --------------------------------------------------------------------------
def test_delta_from_frameworks(demo: TestClient) -> None:
    r = demo.get("/v1/plan/delta", params={"have": "iso27001-2022", "want": "iso42001-2023"})
    assert r.status_code == 200, r.text
    body = r.json()
    summary = body["summary"][0]
    assert summary["framework"] == "iso42001-2023"
    assert summary["satisfied"] + summary["partial"] + summary["open"] == summary["applicable"]
    assert body["new_controls"][0]["closes"] >= body["new_controls"][-1]["closes"]
    rows = list(csv.DictReader(io.StringIO(demo.get("/v1/plan/delta", params={
        "have": "iso27001-2022", "want": "iso42001-2023", "format": "csv"}).text)))  # fmt: skip
    assert {r["status"] for r in rows} == {"satisfied", "partial", "open"}


def test_delta_from_the_organization(demo: TestClient, gaps: Gaps) -> None:
    r = demo.get("/v1/plan/delta", params={"org": "acme", "want": "iso42001-2023", "as_of": AS_OF}, headers=H)
    assert r.status_code == 200, r.text
    body = r.json()
    statuses = {r["notation"]: r["status"] for r in body["requirements"]}
    expected = {"met": "satisfied", "partial": "partial", "invalid": "partial", "gap": "open"}
    for (f, notation), verdict in gaps.items():
        if f == "iso42001-2023":
            assert statuses[notation] == expected.get(str(verdict["status"]), verdict["status"]), notation
    assert statuses["9.2.2"] == "satisfied" and statuses["6.1.2"] == "satisfied"
    assert statuses["A.6.2.8"] == "partial"
    new = {n["notation"] for n in body["new_controls"]}
    assert "AIL-09" in new  # the only control covering A.6.2.8: its evidence must be renewed
    assert not new & set(body["in_place"])
    satisfied = next(r for r in body["requirements"] if r["notation"] == "9.2.2")
    mon03 = next(c for c in satisfied["controls"] if c["control"] == "MON-03")
    assert mon03["state"] == "in place" and any("Internal audit report" in v for v in mon03["via"])
    # held frameworks and the organization's evidence together
    both = demo.get(
        "/v1/plan/delta",
        params={"org": "acme", "have": "iso27001-2022", "want": "iso42001-2023", "as_of": AS_OF},
        headers=H,
    ).json()
    assert both["summary"][0]["satisfied"] >= body["summary"][0]["satisfied"]


def test_delta_errors(demo: TestClient) -> None:
    r = demo.get("/v1/plan/delta", params={"have": "iso27001-2022"})
    assert r.status_code == 422 and detail_loc(r) == ["query", "want"]
    r = demo.get("/v1/plan/delta", params={"want": "iso42001-2023"})
    assert r.status_code == 422 and detail_loc(r) == ["query", "have"]
    r = demo.get("/v1/plan/delta", params={"have": "iso27001-2022", "want": "iso27001-2022"})
    assert r.status_code == 422 and detail_loc(r) == ["query", "want"]
    r = demo.get("/v1/plan/delta", params={"have": "nope", "want": "iso42001-2023"})
    assert r.status_code == 404 and "iso27001-2022" in r.json()["valid"]
    assert demo.get("/v1/plan/delta", params={"org": "acme", "want": "iso42001-2023"}).status_code == 401


# --------------------------------------------------------------------------
# /v1/orgs/{org}/soa
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def soa(demo: TestClient) -> dict[str, object]:
    r = demo.get("/v1/orgs/acme/soa", params={"as_of": AS_OF}, headers=H)
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def test_soa_covers_every_annex_a_control(demo: TestClient, soa: dict[str, object]) -> None:
    entries = soa["entries"]
    assert isinstance(entries, list)
    for framework in ("iso27001-2022", "iso42001-2023"):
        tree = demo.get(f"/v1/frameworks/{framework}/requirements").json()["requirements"]
        annex = [n["notation"] for n in tree if n["type"] == "Annex A control"]
        assert [e["notation"] for e in entries if e["framework"] == framework] == annex
    summary = {s["framework"]: s for s in soa["summary"]}  # type: ignore[attr-defined]
    assert summary["iso27001-2022"]["controls"] == 93
    assert summary["iso27001-2022"]["applicable"] + summary["iso27001-2022"]["excluded"] == 93


def test_soa_entries_on_the_demo(soa: dict[str, object]) -> None:
    by_key = {(e["framework"], e["notation"]): e for e in soa["entries"]}  # type: ignore[attr-defined]
    excluded = by_key[("iso27001-2022", "A.7.1")]
    assert excluded["applicable"] is False and excluded["status"] == "not applicable"
    assert "Fully remote company" in excluded["justification"]
    assert excluded["bases"][0]["kind"] == "exclusion" and excluded["bases"][0]["reference"] == "PHY-01"
    inventory = by_key[("iso27001-2022", "A.5.9")]
    assert inventory["applicable"] is True and inventory["status"] == "not implemented"
    assert inventory["controls"][0]["control"] == "SEC-01"
    logs = by_key[("iso42001-2023", "A.6.2.8")]
    assert logs["status"] == "implemented, evidence not valid"
    ail09 = next(c for c in logs["controls"] if c["control"] == "AIL-09")
    assert ail09["evidence"] == ["CreditLens event-log retention report"]
    assert any("expired on 2026-06-30" in p for p in ail09["problems"])
    kinds = {b["kind"]: b for b in logs["bases"]}
    assert "CreditLens" in kinds["risk"]["reference"] and "Unfair denial rates" in kinds["risk"]["detail"]
    assert "EU AI Act" in kinds["legal"]["reference"] and "CreditLens" in kinds["legal"]["detail"]
    # AI roles are one application of the organization-wide roles control (GOV-09, in place), so the
    # missing evidence of the AI-specific GOV-10 no longer leaves the requirement open
    roles = by_key[("iso42001-2023", "A.3.2")]
    assert roles["status"] == "implemented"
    assert {c["control"] for c in roles["controls"]} >= {"GOV-09", "GOV-10"}
    assert by_key[("iso27001-2022", "A.5.1")]["justification"].startswith("Included: ")


def test_soa_csv_and_xlsx(demo: TestClient, soa: dict[str, object]) -> None:
    as_csv = demo.get("/v1/orgs/acme/soa", params={"as_of": AS_OF, "format": "csv"}, headers=H)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(soa["entries"])  # type: ignore[arg-type]
    a71 = next(r for r in rows if r["control"] == "A.7.1")
    assert a71["applicable"] == "no" and "Fully remote" in a71["justification"]

    r = demo.get("/v1/orgs/acme/soa", params={"as_of": AS_OF}, headers={**H, "Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    by_format = demo.get("/v1/orgs/acme/soa", params={"as_of": AS_OF, "format": "xlsx"}, headers=H)
    assert by_format.headers["content-disposition"] == 'attachment; filename="acme-soa.xlsx"'
    assert load_workbook(io.BytesIO(by_format.content)).sheetnames == load_workbook(io.BytesIO(r.content)).sheetnames
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["SoA iso27001-2022", "SoA iso42001-2023", "Summary"]
    sheet = book["SoA iso27001-2022"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["framework", "control", "title", "theme", "applicable", "justification"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{sheet.max_row}"  # up to "certification blocking"
    assert header[-1] == "certification blocking"
    assert sheet[1][0].font.bold
    assert sheet.max_row == 1 + 93
    widths = {col: sheet.column_dimensions[col].width for col in "ABCF"}
    assert widths["F"] == 60 and widths["B"] < widths["C"] <= 60  # justification capped (and wrapped)
    assert sheet["F2"].alignment.wrap_text
    values = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert values["A.7.1"][4] == "no" and "Fully remote" in values["A.7.1"][5]
    assert values["A.5.9"][6] == "not implemented"
    summary = list(book["Summary"].iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in summary] == ["iso27001-2022", "iso42001-2023"]


def test_soa_errors(demo: TestClient) -> None:
    r = demo.get("/v1/orgs/acme/soa", params={"framework": "iso9001-2015"}, headers=H)
    assert r.status_code == 422 and detail_loc(r) == ["query", "framework"]
    assert "iso27001-2022" in r.json()["detail"][0]["msg"]
    r = demo.get("/v1/orgs/acme/soa", params={"framework": "iso27001"}, headers=H)
    assert r.status_code == 404 and "iso27001-2022" in r.json()["valid"]
    assert demo.get("/v1/orgs/acme/soa").status_code == 401
    assert demo.get("/v1/orgs/other/soa", headers=H).status_code == 403
    assert demo.get("/v1/orgs/acme/soa", headers={**H, "Accept": "text/markdown"}).status_code == 406
    r = demo.get("/v1/orgs/acme/soa", params={"format": "pdf"}, headers=H)
    assert r.status_code == 422 and detail_loc(r) == ["query", "format"]


# --------------------------------------------------------------------------
# /v1/orgs/{org}/roadmap
# --------------------------------------------------------------------------
PHASES = ["foundation", "development", "implementation", "certification preparation"]


def test_roadmap(demo: TestClient, gaps: Gaps) -> None:
    r = demo.get("/v1/orgs/acme/roadmap", params={"as_of": AS_OF}, headers=H)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [p["phase"] for p in body["phases"]] == PHASES
    assert [p["order"] for p in body["phases"]] == [1, 2, 3, 4]
    steps = [s for p in body["phases"] for s in p["steps"]]
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    for p in body["phases"]:
        shared = [len(s["frameworks"]) for s in p["steps"]]
        assert shared == sorted(shared, reverse=True), p["phase"]  # shared controls first within a phase
        assert p["effort"] == sum(s["effort"] for s in p["steps"])
    open_keys = {k for k, v in gaps.items() if v["status"] in ("gap", "partial", "invalid")}
    assert body["open_requirements"] == len(open_keys)
    closed = [(f, n) for s in steps for f, ns in s["closes"].items() for n in ns]
    assert len(closed) == len(set(closed)) == body["closed_by_plan"]  # each closed once, by the step completing it
    listed = {(u["framework"], u["notation"]) for u in body["uncoverable"]}
    per_system = {(n["framework"], n["notation"]) for n in body["system_evidence"]}
    assert set(closed) | listed | per_system == open_keys and not set(closed) & listed
    assert not per_system & (set(closed) | listed)
    # the screening checklist is in place for the organization, but no record shows it applied to each system
    screening = next(n for n in body["system_evidence"] if n["notation"] == "Art. 5(1)(a)")
    assert "CreditLens" in screening["systems"] and "REG-01" in screening["controls"]
    # 42001 5.2 (AI policy) is coverable since the strict re-audit (through GOV-07); what stays
    # uncoverable is the AI Act provisions mappings/README.md names
    assert ("iso42001-2023", "5.2") not in listed
    assert {f for f, _ in listed} <= {"eu-ai-act-2024"}
    by_control = {s["control"]: s for s in steps}
    assert by_control["AIL-09"]["action"] == "renew evidence"
    assert by_control["PPL-03"]["action"] == "collect evidence"  # Art. 4 waits on its evidence only
    # planned, but the impact assessment of CreditLens is a record that counts: HelpDesk lacks one
    assert by_control["AIR-04"]["action"] == "extend to every AI system in scope"
    assert "no current evidence about: HelpDesk Assistant" in by_control["AIR-04"]["problems"][-1]
    assert by_control["SEC-01"]["action"] == "implement" and "A.5.9" in by_control["SEC-01"]["closes"]["iso27001-2022"]
    assert any("Post-market monitoring plan" in f for f in by_control["MON-07"]["findings"])
    assert not {"MON-03", "PHY-01"} & set(by_control)  # in place / excluded
    for s in steps:
        assert {d["tier"] for d in s["documents"]} <= {"policy", "procedure", "work instruction"}
    tiers = {d["tier"] for s in steps for d in s["documents"]}
    assert tiers == {"policy", "procedure", "work instruction"}
    assert body["solver"]["objective"] == "effort" and body["effort"] == sum(s["effort"] for s in steps)


def test_roadmap_markdown_and_csv(demo: TestClient) -> None:
    md = demo.get("/v1/orgs/acme/roadmap", params={"as_of": AS_OF}, headers={**H, "Accept": "text/markdown"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    text = md.text
    assert text.startswith("# Roadmap for acme (as of 2026-11-27)")
    positions = [text.index(f"## Phase {i}: {p}") for i, p in enumerate(PHASES, start=1)]
    assert positions == sorted(positions)
    assert "— renew evidence" in text and "## Not closed by any common control" in text
    as_csv = demo.get("/v1/orgs/acme/roadmap", params={"as_of": AS_OF, "format": "csv"}, headers=H)
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows[0]["step"] == "1" and rows[0]["phase"] == "foundation"
    assert {r["phase"] for r in rows} == set(PHASES)


def test_roadmap_errors(demo: TestClient) -> None:
    assert demo.get("/v1/orgs/acme/roadmap").status_code == 401
    assert demo.get("/v1/orgs/other/roadmap", headers=H).status_code == 403
    r = demo.get("/v1/orgs/acme/roadmap", params={"framework": "nope"}, headers=H)
    assert r.status_code == 404 and "eu-ai-act-2024" in r.json()["valid"]
    r = demo.get("/v1/orgs/acme/roadmap", params={"time_limit": 1000}, headers=H)
    assert r.status_code == 422 and detail_loc(r) == ["query", "time_limit"]
    assert demo.get("/v1/orgs/acme/roadmap", headers={**H, "Accept": XLSX}).status_code == 406


# --------------------------------------------------------------------------
# /v1/integration
# --------------------------------------------------------------------------
def test_integration(demo: TestClient) -> None:
    r = demo.get("/v1/integration", params={"framework": ["iso27001-2022", "iso42001-2023"]})
    assert r.status_code == 200, r.text
    elements = {(e["kind"], e["element"]): e for e in r.json()["elements"]}
    assert len(elements) == 16 + 4 + 4  # HS elements, points with 27001, points common to all three
    review = elements[("harmonized structure", "management review")]
    assert review["processes"][0]["control"] == "MON-04"
    assert review["satisfied"] == {"iso27001-2022": 3, "iso42001-2023": 3}
    incident = elements[("integration point", "incident")]
    assert {r["notation"] for r in incident["requirements"]["iso27001-2022"]} >= {"A.5.24", "A.5.26", "A.6.8"}
    as_csv = demo.get("/v1/integration", params={"framework": "iso27001-2022", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {"element", "framework", "notation", "satisfied by"} <= set(rows[0])
    r = demo.get("/v1/integration", params={"framework": "iso270001"})
    assert r.status_code == 404 and "iso27001-2022" in r.json()["valid"]


def test_openapi_lists_the_planning_routes(demo: TestClient) -> None:
    paths = demo.get("/openapi.json").json()["paths"]
    for path in ("/v1/plan", "/v1/plan/delta", "/v1/orgs/{org}/soa", "/v1/orgs/{org}/roadmap", "/v1/integration"):
        assert path in paths


def test_oscal_profile_from_the_statement_of_applicability(demo: TestClient) -> None:
    """The OSCAL profile selects exactly the Annex A controls the SoA marks applicable."""
    from trestle.oscal.profile import Profile

    soa = demo.get("/v1/orgs/acme/soa", params={"framework": "iso27001-2022"}, headers=H).json()
    applicable = {e["notation"] for e in soa["entries"] if e["applicable"]}
    excluded = {e["notation"] for e in soa["entries"] if not e["applicable"]}
    assert applicable and excluded  # the demo excludes physical controls
    response = demo.get("/v1/export/oscal/profile", params={"framework": "iso27001-2022", "org": "acme"}, headers=H)
    assert response.status_code == 200, response.text
    profile = Profile.model_validate(response.json()["profile"])
    selected = set(profile.imports[0].include_controls[0].with_ids)
    assert len(selected) == len(applicable)
    assert demo.get("/v1/export/oscal/profile", params={"framework": "iso27001-2022", "org": "acme"}).status_code == 401
    assert demo.get("/v1/export/oscal/profile", params={"framework": "iso27001-2022"}).status_code == 422
