"""The planning commands (plan, delta, soa, roadmap, integration) on the
embedded store, and with --url against the planning routes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import typer
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from ctrlgraph.cli.planning import register
from ctrlgraph.demo import DEMO_KEY, install_demo
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore
from tests import backends

runner = CliRunner()
AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    data_dir = tmp_path_factory.mktemp("planning-cli")
    store = OxigraphStore(data_dir)
    load_reference(store)
    install_demo(store)
    store.close()
    return ["--data-dir", str(data_dir)]


def test_registers_the_commands(app: typer.Typer) -> None:
    names = {c.name for c in app.registered_commands}
    assert names == {"plan", "delta", "soa", "roadmap", "integration"}


def test_plan(app: typer.Typer, local: list[str]) -> None:
    result = runner.invoke(app, ["plan", "-f", "iso27001-2022", "-f", "iso42001-2023", *local])
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output and "greedy:" in result.output
    as_json = runner.invoke(app, ["plan", "-f", "iso27001-2022", "--weighted", "--format", "json", *local])
    body = json.loads(as_json.output)
    assert body["weighted"] and body["solver"]["objective"] == "effort"
    org = runner.invoke(app, ["plan", "--org", "acme", "--as-of", AS_OF, "--format", "csv", *local])
    rows = list(csv.DictReader(io.StringIO(org.output)))
    assert rows and "MON-03" not in {r["control"] for r in rows}
    bad = runner.invoke(app, ["plan", "-f", "iso27001", *local])
    assert bad.exit_code == 1 and "iso27001-2022" in bad.output
    assert runner.invoke(app, ["plan", "--org", "nobody", *local]).exit_code == 1
    assert runner.invoke(app, ["plan", "--as-of", "later", "--org", "acme", *local]).exit_code == 2


def test_delta(app: typer.Typer, local: list[str]) -> None:
    result = runner.invoke(app, ["delta", "--have", "iso27001-2022", "--want", "iso42001-2023", *local])
    assert result.exit_code == 0, result.output
    assert "AIR-02" in result.output and "new control(s)" in result.output
    same = runner.invoke(app, ["delta", "--have", "iso27001-2022", "--want", "iso27001-2022", *local])
    assert same.exit_code == 2 and "want" in same.output


def test_soa(app: typer.Typer, local: list[str], tmp_path: Path) -> None:
    out = tmp_path / "soa.xlsx"
    result = runner.invoke(app, ["soa", "acme", "--as-of", AS_OF, "--format", "xlsx", "-o", str(out), *local])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["SoA iso27001-2022", "SoA iso42001-2023", "Summary"]
    assert book["SoA iso42001-2023"].max_row == 1 + 38
    table = runner.invoke(app, ["soa", "acme", "-f", "iso27001-2022", "--as-of", AS_OF, *local])
    assert "A.7.1" in table.output and "88 applicable, 5 excluded" in table.output
    assert runner.invoke(app, ["soa", "acme", "--format", "xlsx", *local]).exit_code == 2
    assert runner.invoke(app, ["soa", "acme", "-f", "iso9001-2015", *local]).exit_code == 2


def test_roadmap(app: typer.Typer, local: list[str]) -> None:
    result = runner.invoke(app, ["roadmap", "acme", "--as-of", AS_OF, *local])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Roadmap for acme") and "## Phase 4: certification preparation" in result.output


def test_integration(app: typer.Typer, local: list[str]) -> None:
    result = runner.invoke(app, ["integration", "-f", "iso27001-2022", "-f", "iso42001-2023", *local])
    assert result.exit_code == 0, result.output
    assert "internal audit" in result.output and "MON-03(2)" in result.output


@pytest.fixture()
def remote(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """--url answered by the app (with the planning routes) in process."""
    from tests.test_planning_api import planning_app

    settings = backends.api_settings(tmp_path_factory.mktemp("planning-cli-remote"), sparql_workers=1, demo=True)
    with TestClient(planning_app(settings)) as client:

        def get(url: str, **kwargs: object) -> httpx.Response:
            kwargs.pop("timeout", None)
            return client.get(url.replace("http://planning.test", ""), **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(httpx, "get", get)
        yield "http://planning.test"


@pytest.mark.api
def test_remote(app: typer.Typer, remote: str) -> None:
    result = runner.invoke(app, ["plan", "-f", "iso27001-2022", "--url", remote])
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output
    soa = runner.invoke(app, ["soa", "acme", "--as-of", AS_OF, "-F", "csv", "--url", remote, "--key", DEMO_KEY])
    assert soa.exit_code == 0, soa.output
    assert "A.7.1" in soa.output
    denied = runner.invoke(app, ["soa", "acme", "--url", remote])
    assert denied.exit_code == 1 and "401" in denied.output
