"""SSSOM/TSV: each framework's mapping set out (accepted by sssom-py), and
back in (round trip to the same mapping graph)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctrlgraph.interop import build_import, oscal, parse, run_import, sssom
from ctrlgraph.interop.model import links_graph
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

sssom_parsers = pytest.importorskip("sssom.parsers")
from sssom.validators import validate  # noqa: E402

NO_RELATIONSHIP_CSV = """framework,ref,title,parent,control,relationship,rationale,strength,explanation
edge-2026,1,Edge cases,,,,,,
edge-2026,1.1,Paper-only archive,1,PHY-07,no relationship,semantic,0,Media disposal was considered: nothing is kept.
edge-2026,1.2,Ceremonial duty,1,,no relationship,functional,0,No common control serves a ceremonial duty.
edge-2026,1.3,Access rules,1,SEC-03,subset of,semantic,8,Access rules are part of access control.
"""


def sssom_accepts(text: str) -> object:
    """sssom-py parses the table and its validators report no error."""
    msdf = sssom_parsers.parse_sssom_table(io.StringIO(text))
    _, metadata = sssom_parsers._read_pandas_and_metadata(io.StringIO(text))
    # strict=True cannot be used: sssom-py 0.4.21 inverts its metadata check
    # and refuses every file; check the metadata keys the way it would.
    assert not sssom_parsers._is_irregular_metadata([metadata])
    reports = validate(msdf, fail_on_error=False)
    assert {vt.value: [r.message for r in report.results] for vt, report in reports.items()} == {
        "JsonSchema": [],
        "PrefixMapCompleteness": [],
        "StrictCurieFormat": [],
    }
    return msdf


def test_export_passes_sssom_py(ref_store: OxigraphStore) -> None:
    text = sssom.tsv(ref_store, "iso27001-2022")
    msdf = sssom_accepts(text)
    df = msdf.df  # type: ignore[attr-defined]
    assert set(df["predicate_id"]) <= {"skos:exactMatch", "skos:broadMatch", "skos:narrowMatch", "skos:relatedMatch"}
    assert set(df["mapping_justification"]) == {"semapv:ManualMappingCuration"}
    assert df["confidence"].between(0, 1).all()
    header = next(line for line in text.splitlines() if not line.startswith("#")).split("\t")
    rows = [
        dict(zip(header, line.split("\t"), strict=True))
        for line in text.splitlines()[len(text.splitlines()) - len(df) :]
    ]
    for row in rows:
        assert sssom.PREDICATES[row["strm_relationship"]] == row["predicate_id"]
        if row["strm_relationship"] == "equal":
            assert row["confidence"] == "1.0"
    assert "# license: https://www.apache.org/licenses/LICENSE-2.0" in text


def test_no_relationship_encodings(fresh_store: OxigraphStore) -> None:
    run_import(fresh_store, parse("csv", NO_RELATIONSHIP_CSV.encode(), "edge.csv"))
    text = sssom.tsv(fresh_store, "edge-2026")
    sssom_accepts(text)
    lines = {line.split("\t")[0]: line.split("\t") for line in text.splitlines() if line.startswith("req:")}
    considered = lines["req:1-1"]
    assert considered[2:5] == ["skos:relatedMatch", "Not", "ctl:PHY-07"] and considered[7] == "0.0"
    assert lines["req:1-2"][4] == "sssom:NoTermFound" and lines["req:1-2"][3] == ""
    original = graph_text(fresh_store, "edge-2026", links=True)
    result = build_import(fresh_store, parse("sssom", text.encode(), "edge.sssom.tsv"))
    assert result.ntriples()[links_graph("edge-2026")] == original


def test_round_trip_on_an_imported_framework(fresh_store: OxigraphStore, reference_nquads: bytes) -> None:
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    load_fixture(fresh_store, "oscal-mapping", "nist-mini-mapping.json")
    original = graph_text(fresh_store, "nist-mini", links=True)
    text = sssom.tsv(fresh_store, "nist-mini")
    sssom_accepts(text)
    # Into another store that holds the framework but none of its mappings.
    other = OxigraphStore(None)
    import pyoxigraph as ox

    other.raw.bulk_load(reference_nquads, format=ox.RdfFormat.N_QUADS)
    load_fixture(other, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    assert graph_text(other, "nist-mini", links=True) == ""
    run_import(other, parse("sssom", text.encode(), "nist-mini.sssom.tsv"))
    assert graph_text(other, "nist-mini", links=True) == original


def test_round_trip_of_a_shipped_mapping_set(fresh_store: OxigraphStore) -> None:
    """iso42001-2023's 88 mappings, exported and imported onto a copy of the
    framework, give the shipped links graph with the copy's IRIs."""
    document = oscal.catalog(fresh_store, "iso42001-2023")
    run_import(fresh_store, parse("oscal-catalog", json.dumps(document).encode(), "c.json", "iso42001-copy"))
    text = sssom.tsv(fresh_store, "iso42001-2023")
    exc = refused(fresh_store, "sssom", text)  # the subjects are a shipped framework's
    assert "shipped with ctrlgraph" in messages(exc)
    run_import(fresh_store, parse("sssom", text.encode(), "x.sssom.tsv", "iso42001-copy"))
    shipped = fresh_store.graph_ntriples("https://w3id.org/ctrlgraph/graph/mappings/links/iso42001-2023")
    expected = sorted(shipped.replace("/iso42001-2023/", "/iso42001-copy/").splitlines())
    assert sorted(graph_text(fresh_store, "iso42001-copy", links=True).splitlines()) == expected


def test_malformed_sssom_is_refused_with_line_and_column(fresh_store: OxigraphStore) -> None:
    load_fixture(fresh_store, "oscal-catalog", "nist-mini-catalog.json", "nist-mini")
    load_fixture(fresh_store, "oscal-mapping", "nist-mini-mapping.json")
    good = sssom.tsv(fresh_store, "nist-mini")
    lines = good.splitlines()
    header_line = next(i for i, line in enumerate(lines) if not line.startswith("#")) + 1
    first_row = header_line + 1

    def edit(column: str, value: str, row: int = 0) -> str:
        header = lines[header_line - 1].split("\t")
        cells = lines[first_row - 1 + row].split("\t")
        cells[header.index(column)] = value
        changed = list(lines)
        changed[first_row - 1 + row] = "\t".join(cells)
        return "\n".join(changed) + "\n"

    cases = [
        (edit("object_id", "ctl:GOV-99"), "unknown control", "control"),
        (edit("subject_id", "zz:1"), "prefix is not in the curie_map", "subject_id"),
        (edit("confidence", "1.7"), "out of range", "confidence"),
        (edit("confidence", "0.5", row=2), "inconsistent with relationship 'equal'", "strength"),
        (edit("strm_relationship", "sort of"), "unknown relationship", "strm_relationship"),
    ]
    for text, expected, column in cases:
        exc = refused(fresh_store, "sssom", text)
        assert expected in messages(exc), expected
        problem = exc.problems[0]
        assert problem.where.line is not None and problem.where.line >= first_row and problem.where.column == column
    exc = refused(fresh_store, "sssom", good.replace("# curie_map:", "# curie_map: [", 1))
    assert "malformed YAML metadata" in messages(exc)
    exc = refused(fresh_store, "sssom", "\n".join([*lines[: header_line - 1], "subject_id\tobject_id"]) + "\n")
    assert "lacks the required column(s) predicate_id, mapping_justification" in messages(exc)
    exc = refused(fresh_store, "sssom", good + "req:ac-1\tskos:exactMatch\n")
    assert f"line {len(lines) + 1}" in messages(exc) and "tab-separated cells" in messages(exc)


@pytest.mark.api
def test_sssom_endpoints_and_cli(interop_client, tmp_path: Path) -> None:
    client = interop_client
    response = client.get("/v1/export/sssom/iso9001-2015")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/tab-separated-values")
    sssom_accepts(response.text)
    assert client.get("/v1/export/sssom/nope").status_code == 404
    store = store_of(client)
    client.post(
        "/v1/import/oscal-catalog?framework=nist-mini2", content=(FIXTURES / "nist-mini-catalog.json").read_bytes()
    )
    before = dump(store)
    bad = response.text  # iso9001-2015's rows onto nist-mini2: the refs do not exist there
    answer = client.post("/v1/import/sssom?framework=nist-mini2", content=bad)
    assert answer.status_code == 422 and answer.json()["problems"][0]["line"] > 1
    assert dump(store) == before
    runner = CliRunner()
    data_dir = str(tmp_path / "store")
    result = runner.invoke(
        cli_app(), ["export", "sssom", "--all", "--out", str(tmp_path / "sssom"), "--data-dir", data_dir]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sssom" / "iso42001-2023.sssom.tsv").exists()
    result = runner.invoke(cli_app(), ["export", "sssom", "-f", "iso9001-2015", "--data-dir", data_dir])
    assert result.exit_code == 0 and result.output.startswith("# curie_map:")
