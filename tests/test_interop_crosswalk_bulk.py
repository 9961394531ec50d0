"""Any crosswalk workbook by naming its columns (NIST's 800-53 -> 27001
workbook from ../shared, and a generated CSV), and ``ctrlgraph import DIR``
over a folder with a progress bar and a summary table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctrlgraph import catalog
from ctrlgraph.interop import ImportRefused, parse, run_import
from ctrlgraph.interop.spreadsheet import CrosswalkColumns
from ctrlgraph.store import OxigraphStore
from tests.interop_support import FIXTURES, cli_app, dump

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "interop-samples"

CSV = """Our ref;ISO 27001:2022;How
P-1;A.5.1, A.5.2*;subset of
P-2;A.8.10;
;A.8.11;intersects with
P-3;None;
"""


def _columns(**extra: str) -> CrosswalkColumns:
    return CrosswalkColumns.from_yaml(
        "source_col: Our ref\ntarget_col: B\nsource_framework: ciso-mini\ntarget_framework: iso27001-2022\n",
        **{"relationship_col": "How", **extra},
    )


def test_named_columns_read_any_sheet(fresh_store: OxigraphStore) -> None:
    draft = parse("crosswalk", CSV.encode(), "ours.csv", columns=_columns())
    got = [(link.source_ref, link.target_ref, link.relationship, link.where.row) for link in draft.links]
    assert got == [
        ("P-1", "A.5.1", "subset of", 2),
        ("P-1", "A.5.2", "subset of", 2),
        ("P-2", "A.8.10", "intersects with", 3),
        ("P-2", "A.8.11", "intersects with", 4),  # a continuation row keeps the source above
    ]
    assert draft.links[1].explanation == "marked * (partial) in the sheet"
    # P-x are not requirements of ciso-mini (not even imported): one problem per root cause, with the row.
    with pytest.raises(ImportRefused) as caught:
        run_import(fresh_store, draft)
    assert caught.value.total == 1 and "unknown framework 'ciso-mini'" in caught.value.problems[0].message
    assert caught.value.problems[0].where.row == 2
    with pytest.raises(ImportRefused) as caught:
        parse("crosswalk", CSV.encode(), "ours.csv", columns=_columns(relationship_col="Nope"))
    assert "no column 'Nope'" in str(caught.value)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"interop samples not found at {SAMPLES} (../shared is absent)")
@pytest.mark.slow
def test_nist_800_53_to_27001_workbook(fresh_store: OxigraphStore) -> None:
    catalog_file = SAMPLES / "oscal" / "NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json"
    run_import(fresh_store, parse("oscal-catalog", catalog_file.read_bytes(), catalog_file.name, "sp800-53r5"))
    iso2013 = SAMPLES / "ciso-assistant" / "iso27001-2013.yaml"
    run_import(fresh_store, parse("ciso-assistant", iso2013.read_bytes(), iso2013.name))
    columns = CrosswalkColumns(
        source_col="NIST SP 800-53 CONTROLS",
        target_col="ISO/IEC 27001 CONTROLS",
        source_framework="sp800-53r5",
        target_framework="iso27001-2013",
    )
    book = SAMPLES / "crosswalk-sheets" / "sp800-53r5-to-iso-27001-mapping.xlsx"
    draft = parse("crosswalk", book.read_bytes(), book.name, columns=columns)
    before = dump(fresh_store)
    with pytest.raises(ImportRefused) as caught:  # the workbook covers all 800-53, the catalog one baseline
        run_import(fresh_store, draft)
    assert dump(fresh_store) == before and "skip_unresolved" in str(caught.value)
    result = run_import(fresh_store, draft, skip_unresolved=True)
    assert result.link_count > 400 and any("left out" in w for w in result.warnings)
    pairs = {(p.source, p.target) for p in catalog.crosswalk(fresh_store, "sp800-53r5", "iso27001-2013").pairs}
    assert {("AC-1", "5.2"), ("AC-2", "A.9.2.1"), ("AC-5", "A.6.1.2")} <= pairs


def test_import_dir_with_summary(tmp_path: Path) -> None:
    folder = tmp_path / "libs"
    folder.mkdir()
    # The mapping set sorts before the framework by name: the folder import still puts frameworks first.
    (folder / "a-mapping.yaml").write_bytes((FIXTURES / "ciso-mini-mapping.yaml").read_bytes())
    (folder / "b-framework.yaml").write_bytes((FIXTURES / "ciso-mini-framework.yaml").read_bytes())
    (folder / "broken.yaml").write_text("objects: {framework: {urn: x}}\n")
    (folder / "sheet.csv").write_text(CSV)
    (folder / "notes.md").write_text("ignored")
    result = CliRunner().invoke(
        cli_app(), ["import", str(folder), "--data-dir", str(tmp_path / "store")], env={"COLUMNS": "250"}
    )
    assert result.exit_code == 1, result.output  # one refused file
    lines = result.output.splitlines()
    row = {
        name: next(line for line in lines if name in line) for name in ("a-mapping", "b-framework", "broken", "sheet")
    }
    assert "imported" in row["a-mapping"] and "imported" in row["b-framework"] and "ciso-mini" in row["b-framework"]
    assert "refused" in row["broken"] and "skipped" in row["sheet"] and "sheet.csv.import.yaml" in row["sheet"]
    assert "2 imported, 1 refused, 1 skipped" in result.output


@pytest.mark.api
def test_crosswalk_endpoint(interop_client) -> None:
    client = interop_client
    params = {
        "source_col": "Our ref",
        "target_col": "B",
        "relationship_col": "How",
        "source_framework": "urn:ctrlgraph-test:risk:framework:ciso-mini",
        "target_framework": "iso27001-2022",
        "filename": "ours.csv",
    }
    answer = client.post("/v1/import/crosswalk", params=params, content=CSV.encode())
    body = answer.json()
    assert answer.status_code == 422 and body["file"] == "ours.csv" and body["problem_count"] == 1
    assert "unknown framework" in body["problems"][0]["problem"] and body["problems"][0]["row"] == 2
    assert (
        client.post(
            "/v1/import/ciso-assistant", content=(FIXTURES / "ciso-mini-framework.yaml").read_bytes()
        ).status_code
        == 200
    )
    # P-1 … are not ciso-mini's refs: refused per reference, or left out with skip_unresolved.
    answer = client.post("/v1/import/crosswalk", params=params, content=CSV.encode())
    assert answer.status_code == 422 and "skip_unresolved" in answer.json()["problems"][0]["problem"]
    text = CSV.replace("P-1", "GOV.1").replace("P-2", "DAT.1")
    answer = client.post("/v1/import/crosswalk", params={**params, "skip_unresolved": "true"}, content=text.encode())
    assert answer.status_code == 200, answer.text
    assert answer.json()["links"] == 4
    pairs = client.get("/v1/crosswalk", params={"source": "ciso-mini", "target": "iso27001-2022"}).json()["pairs"]
    assert {(p["source"], p["target"], p["route"]) for p in pairs} >= {
        ("GOV.1", "A.5.1", "direct"),
        ("DAT.1", "A.8.11", "direct"),
    }
