"""Spreadsheets: crosswalks, shared controls and frameworks as CSV and XLSX
out; a framework and its mappings in from the documented template, with
row-level errors and nothing imported when any row is bad."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from ctrlgraph import catalog
from ctrlgraph.interop import parse, run_import, spreadsheet
from ctrlgraph.store import OxigraphStore
from tests.interop_support import (
    FIXTURES,
    cli_app,
    dump,
    graph_text,
    load_fixture,
    messages,
    refused,
    store_of,
)

EXAMPLE = (FIXTURES / "import-template-example.csv").read_text(encoding="utf-8")


def xlsx_of(csv_text: str, sheet: str = "acme") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in csv.reader(io.StringIO(csv_text)):
        ws.append([int(v) if v.isdigit() and len(v) < 3 else (v or None) for v in row])
    notes = book.create_sheet("notes")
    notes.append(["This sheet has no template header and is skipped."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_the_documented_example(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "csv", "import-template-example.csv")
    frameworks = {f.id: f for f in catalog.frameworks(fresh_store)}
    acme = frameworks["acme-ai-2026"]
    assert (acme.title, acme.publisher, acme.version) == ("ACME internal AI standard", "ACME Corp", "2026.1")
    assert acme.requirement_count == 6 and acme.assessable_count == 4 and acme.mapped_count == 4
    roles = catalog.requirement(fresh_store, "acme-ai-2026", "1.2")
    assert sorted((m.control, m.relationship, m.strength) for m in roles.mappings) == [
        ("GOV-09", "intersects with", 4),
        ("GOV-10", "subset of", 8),
    ]
    assert roles.parent == "1"


def test_xlsx_import_equals_csv_import(fresh_store: OxigraphStore, reference_nquads: bytes) -> None:
    import pyoxigraph as ox

    run_import(fresh_store, parse("csv", EXAMPLE.encode(), "acme"))
    other = OxigraphStore(None)
    other.raw.bulk_load(reference_nquads, format=ox.RdfFormat.N_QUADS)
    run_import(other, parse("xlsx", xlsx_of(EXAMPLE), "acme"))
    for links in (False, True):
        assert graph_text(other, "acme-ai-2026", links) == graph_text(fresh_store, "acme-ai-2026", links)


def test_template_round_trip_csv_and_xlsx(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "csv", "import-template-example.csv")
    before = (graph_text(fresh_store, "acme-ai-2026"), graph_text(fresh_store, "acme-ai-2026", True))
    text = "".join(spreadsheet.csv_lines(spreadsheet.TEMPLATE, spreadsheet.template_rows(fresh_store, "acme-ai-2026")))
    run_import(fresh_store, parse("csv", text.encode(), "acme-export.csv"))
    assert (graph_text(fresh_store, "acme-ai-2026"), graph_text(fresh_store, "acme-ai-2026", True)) == before
    handle = spreadsheet.workbook(spreadsheet.template_sheets(fresh_store, ["acme-ai-2026"]))
    run_import(fresh_store, parse("xlsx", handle.read(), "acme-export.xlsx"))
    assert (graph_text(fresh_store, "acme-ai-2026"), graph_text(fresh_store, "acme-ai-2026", True)) == before
    # A shipped framework, exported in the template and imported under a new id.
    rows = list(spreadsheet.template_rows(fresh_store, "iso9001-2015"))
    text = "".join(spreadsheet.csv_lines(spreadsheet.TEMPLATE, rows))
    run_import(fresh_store, parse("csv", text.encode(), "iso9001.csv", "iso9001-copy"))
    original = catalog.requirement(fresh_store, "iso9001-2015", "8.5.1")
    copy = catalog.requirement(fresh_store, "iso9001-copy", "8.5.1")
    assert [m.model_dump(exclude={"iri"}) for m in copy.mappings] == [
        m.model_dump(exclude={"iri"}) for m in original.mappings
    ]
    assert copy.title == original.title and copy.parent == original.parent


BAD_ROWS = """framework,ref,title,parent,control,relationship,rationale,strength,explanation
acme-bad,1,Governance,,,,,,
acme-bad,1.1,Policy,1,GOV-07,equal,semantic,7,Equal but weak.
acme-bad,1.2,Roles,9,GOV-10,subset of,semantic,8,Parent 9 does not exist.
acme-bad,1.3,Scope,1,GOV-03,overlaps,semantic,5,Not a relationship.
acme-bad,1.4,Objectives,1,GOV-15,subset of,semantic,12,Out of range.
acme-bad,1.5,Audit,1,MON-99,subset of,semantic,8,No such control.
acme-bad,1.1,Policy again,1,GOV-06,subset of,semantic,6,Same ref with another title.
acme-bad,1.6,Fine,1,GOV-08,subset of,semantic,7,This row alone is fine.
"""


def test_bad_rows_are_all_reported_and_nothing_is_imported(fresh_store: OxigraphStore) -> None:
    exc = refused(fresh_store, "csv", BAD_ROWS)
    found = {(p.where.row, p.where.column): p.message for p in exc.problems}
    assert "bad relationship 'overlaps'" in found[(5, "relationship")]
    assert "out of range" in found[(6, "strength")]
    assert "duplicate ref '1.1'" in found[(8, "title")]
    exc = refused(
        fresh_store, "csv", "\n".join(line for i, line in enumerate(BAD_ROWS.splitlines()) if i not in (4, 5, 7))
    )
    found = {(p.where.row, p.where.column): p.message for p in exc.problems}
    assert "inconsistent with relationship 'equal'" in found[(3, "strength")]
    assert "parent '9' of '1.2' is not a requirement" in found[(4, "parent")]
    assert "unknown control 'MON-99'" in found[(5, "control")]
    assert "row 5, column 'control'" in messages(exc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("framework,ref,title\nx,1,One\n", "lacks the template column(s): parent, control"),
        (EXAMPLE.replace("acme-ai-2026", "iso9001-2015"), "collides with a framework shipped"),
        (EXAMPLE.replace("acme-ai-2026", "Bad Id!"), "framework id 'Bad Id!' is not valid"),
        (EXAMPLE + "acme-ai-2026,3,Extra,,,,,,,,,,,surplus\n", "row 9: the row has 14 cells"),
        (EXAMPLE.splitlines()[0] + "\n", "has a header but no rows"),
        ("", "the file is empty"),
    ],
)
def test_malformed_csv_is_refused(fresh_store: OxigraphStore, text: str, expected: str) -> None:
    assert expected in messages(refused(fresh_store, "csv", text))


def test_malformed_xlsx_is_refused(fresh_store: OxigraphStore) -> None:
    assert "not an XLSX workbook" in messages(refused(fresh_store, "xlsx", b"PK\x03\x04 not really"))
    exc = refused(fresh_store, "xlsx", xlsx_of(BAD_ROWS, sheet="my sheet"))
    where = exc.problems[0].where
    assert where.sheet == "my sheet" and where.row == 5 and where.column == "F (relationship)"
    assert "sheet 'my sheet', row 6, column 'H (strength)': strength 12 is out of range" in messages(exc)


def test_crosswalk_and_shared_control_workbooks(ref_store: OxigraphStore, tmp_path: Path) -> None:
    handle = spreadsheet.workbook(
        spreadsheet.crosswalk_sheets(ref_store, "iso42001-2023", ["iso27001-2022", "iso9001-2015"])
    )
    path = tmp_path / "x.xlsx"
    path.write_bytes(handle.read())
    book = load_workbook(path)
    assert book.sheetnames == ["iso27001-2022", "iso9001-2015"]
    sheet = book["iso27001-2022"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:H{sheet.max_row}"
    assert [c.value for c in sheet[1]] == spreadsheet.CROSSWALK_HEADER and sheet["A1"].font.b
    assert sheet.max_row - 1 == len(catalog.crosswalk(ref_store, "iso42001-2023", "iso27001-2022").pairs)
    fws = ["iso42001-2023", "iso27001-2022", "iso9001-2015"]
    handle = spreadsheet.workbook(spreadsheet.shared_sheets(ref_store, fws, 3))
    path.write_bytes(handle.read())
    book = load_workbook(path)
    assert book.sheetnames == ["shared controls", *fws]
    assert book["shared controls"].max_row - 1 == catalog.shared_controls(ref_store, fws, 3).count


@pytest.mark.api
def test_spreadsheet_endpoints_and_cli(interop_client, tmp_path: Path) -> None:
    client = interop_client
    response = client.get(
        "/v1/export/spreadsheet/crosswalk", params={"source": "iso42001-2023", "target": "iso9001-2015"}
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.status_code == 200 and rows and set(rows[0]) == set(spreadsheet.CROSSWALK_HEADER)
    response = client.get(
        "/v1/export/spreadsheet/crosswalk",
        params=[
            ("source", "iso42001-2023"),
            ("target", "iso9001-2015"),
            ("target", "iso27001-2022"),
            ("format", "xlsx"),
        ],
    )
    assert response.headers["content-type"] == spreadsheet.XLSX_MEDIA_TYPE
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["iso9001-2015", "iso27001-2022"]
    response = client.get(
        "/v1/export/spreadsheet/shared-controls",
        params=[("framework", "iso42001-2023"), ("framework", "iso9001-2015"), ("format", "xlsx")],
    )
    assert load_workbook(io.BytesIO(response.content)).sheetnames == [
        "shared controls",
        "iso42001-2023",
        "iso9001-2015",
    ]
    response = client.get("/v1/export/spreadsheet/framework/iso9001-2015")
    assert next(csv.reader(io.StringIO(response.text))) == spreadsheet.TEMPLATE
    assert client.get("/v1/export/spreadsheet/framework/nope").status_code == 404

    store = store_of(client)
    before = dump(store)
    answer = client.post("/v1/import/csv", content=BAD_ROWS.encode())
    problems = answer.json()["problems"]
    assert answer.status_code == 422 and {"row", "column", "problem", "where"} <= set(problems[0])
    assert dump(store) == before
    answer = client.post(
        "/v1/import/xlsx", files={"file": ("acme.xlsx", xlsx_of(EXAMPLE), spreadsheet.XLSX_MEDIA_TYPE)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["frameworks"] == ["acme-ai-2026"] and answer.json()["source"] == "acme.xlsx"

    runner = CliRunner()
    data_dir = str(tmp_path / "store")
    out = tmp_path / "shared.xlsx"
    result = runner.invoke(
        cli_app(),
        [
            "export",
            "shared",
            "-f",
            "iso42001-2023",
            "-f",
            "iso27001-2022",
            "-F",
            "xlsx",
            "-o",
            str(out),
            "--data-dir",
            data_dir,
        ],
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out).sheetnames[0] == "shared controls"
    result = runner.invoke(
        cli_app(), ["export", "crosswalk", "iso42001-2023", "-t", "iso9001-2015", "--data-dir", data_dir]
    )
    assert result.exit_code == 0 and result.output.startswith("source,source_title")
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_ROWS, encoding="utf-8")
    result = runner.invoke(cli_app(), ["import", "csv", str(bad), "--data-dir", data_dir])
    assert result.exit_code == 1 and "overlaps" in result.output
    example = str(FIXTURES / "import-template-example.csv")
    trig = str(tmp_path / "a.trig")
    result = runner.invoke(cli_app(), ["import", "csv", example, "--no-load", "-o", trig, "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    assert (
        "checked (not loaded)" in result.output and "imported/acme-ai-2026-links" in (tmp_path / "a.trig").read_text()
    )
