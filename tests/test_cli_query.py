"""CLI query commands, on the embedded store and against a running server (--url)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctrlgraph.cli import app

pytestmark = pytest.mark.api

runner = CliRunner()
SELECT = (
    "PREFIX cg: <https://w3id.org/ctrlgraph/ns#> PREFIX dcterms: <http://purl.org/dc/terms/> "
    "SELECT ?id WHERE { ?f a cg:Framework ; dcterms:identifier ?id } ORDER BY ?id"
)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    data_dir = tmp_path_factory.mktemp("cli-store")
    assert runner.invoke(app, ["load", "--data-dir", str(data_dir)]).exit_code == 0
    return ["--data-dir", str(data_dir)]


@pytest.fixture(params=["local", "url"])
def where(request: pytest.FixtureRequest, local: list[str]) -> list[str]:
    if request.param == "local":
        return local
    return ["--url", request.getfixturevalue("server")]


def test_query_formats(where: list[str]) -> None:
    table = runner.invoke(app, ["query", SELECT, *where])
    assert table.exit_code == 0, table.output
    assert "iso42001-2023" in table.output
    as_csv = runner.invoke(app, ["query", SELECT, "--format", "csv", *where])
    assert next(r["id"] for r in csv.DictReader(io.StringIO(as_csv.output))) == "eu-ai-act-2024"
    as_json = runner.invoke(app, ["query", SELECT, "--format", "json", *where])
    assert len(json.loads(as_json.output)["results"]["bindings"]) == 5
    bad = runner.invoke(app, ["query", "SELEC nothing", *where])
    assert bad.exit_code == 1


def test_query_from_file(local: list[str], tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(SELECT, encoding="utf-8")
    result = runner.invoke(app, ["query", f"@{path}", "--format", "tsv", *local])
    assert result.exit_code == 0 and "iso9001-2015" in result.output


def test_frameworks(where: list[str]) -> None:
    result = runner.invoke(app, ["frameworks", *where])
    assert result.exit_code == 0, result.output
    for fw in ("iso-hs", "iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"):
        assert fw in result.output


def test_shared(where: list[str]) -> None:
    result = runner.invoke(
        app, ["shared", "-f", "iso42001-2023", "-f", "iso27001-2022", "-f", "iso9001-2015", "--min", "3", *where]
    )
    assert result.exit_code == 0, result.output
    assert "serve at least 3 of 3" in result.output
    bad = runner.invoke(app, ["shared", "-f", "nope", *where])
    assert bad.exit_code == 1


def test_crosswalk_formats(where: list[str]) -> None:
    as_json = runner.invoke(app, ["crosswalk", "iso42001-2023", "iso27001-2022", "--format", "json", *where])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.output)
    as_csv = runner.invoke(app, ["crosswalk", "iso42001-2023", "iso27001-2022", "--format", "csv", *where])
    assert len(list(csv.DictReader(io.StringIO(as_csv.output)))) == body["count"]
    sssom = runner.invoke(app, ["crosswalk", "iso42001-2023", "iso27001-2022", "--format", "sssom", *where])
    assert "subject_id\tsubject_label" in sssom.output


def test_requirement_container_rolls_up_its_parts(where: list[str]) -> None:
    result = runner.invoke(app, ["requirement", "eu-ai-act-2024", "Art. 12", "--format", "json", *where])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    parts = {p["notation"] for p in body["parts"]}
    assert "Art. 12(1)" in parts and body["mappings"]
    assert {m["part"] for m in body["mappings"]} <= parts
    assert body["related"]["total"] == len(body["related"]["related"]) > 0
    assert all(set(r["parts"]) <= parts for r in body["related"]["related"])
    table = runner.invoke(app, ["requirement", "eu-ai-act-2024", "Art. 12", "--related", "0", *where])
    assert table.exit_code == 0 and "Art. 12(3)(a)" in table.output and "related requirement(s)" in table.output
    unknown = runner.invoke(app, ["requirement", "eu-ai-act-2024", "Art. 999", *where])
    assert unknown.exit_code == 1 and "Traceback" not in unknown.output


def test_crosswalk_at_article_level(where: list[str]) -> None:
    args = ["crosswalk", "iso42001-2023", "eu-ai-act-2024", "--format", "json"]
    coarse = runner.invoke(app, [*args, "--level", "article", *where])
    assert coarse.exit_code == 0, coarse.output
    body = json.loads(coarse.output)
    fine = json.loads(runner.invoke(app, [*args, *where]).output)
    assert body["level"] == "article" and 0 < body["count"] < fine["count"]
    assert sum(len(p["parts"]) for p in body["pairs"]) == fine["count"]
    assert runner.invoke(app, [*args, "--level", "chapter", *where]).exit_code == 2
