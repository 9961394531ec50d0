"""CLI: offline validation, organization and key management, upload to a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ctrlgraph.cli import app
from tests.conftest import FIXTURES

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-org.ttl"


def test_validate_demo_has_warnings_only() -> None:
    result = runner.invoke(app, ["validate", str(DEMO), "--org", "acme"])
    assert result.exit_code == 0, result.output
    assert "0 violation(s)" in result.output and "Evidence expired" in result.output


def test_validate_exits_1_on_violations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix cg: <https://w3id.org/ctrlgraph/ns#> .\n"
        "<i> a cg:ControlImplementation ; cg:implementationStatus cg:NotApplicable .\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "justification" in result.output and "Violation" in result.output
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> ", encoding="utf-8")
    assert runner.invoke(app, ["validate", str(broken)]).exit_code == 2


def test_org_key_and_upload(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "db")]
    assert runner.invoke(app, ["org", "create", "beta", "--name", "Beta", *data]).exit_code == 0
    assert runner.invoke(app, ["org", "create", "beta", "--name", "Beta", *data]).exit_code == 1
    created = runner.invoke(app, ["key", "create", "--org", "beta", *data])
    assert created.exit_code == 0 and "cgk_" in created.output
    key = next(line for line in created.output.splitlines() if line.startswith("cgk_"))
    key_id = key.split("_")[1]
    assert runner.invoke(app, ["key", "revoke", key_id, *data]).exit_code == 0


def test_upload_to_a_running_server(tmp_path_factory: pytest.TempPathFactory) -> None:
    from ctrlgraph.evidence.tenants import new_admin_key
    from tests.servers import ctrlgraph_serve

    admin = new_admin_key()
    with ctrlgraph_serve(tmp_path_factory, "cli-upload", "--admin-key", admin) as url:
        assert (
            runner.invoke(app, ["org", "create", "beta", "--name", "Beta", "--url", url, "--key", admin]).exit_code == 0
        )
        created = runner.invoke(app, ["key", "create", "--org", "beta", "--url", url, "--key", admin])
        key = next(line for line in created.output.splitlines() if line.startswith("cgk_"))
        fixture = FIXTURES / "evidence" / "minimal.ttl"
        result = runner.invoke(app, ["upload", "beta", str(fixture), "--url", url, "--key", key])
        assert result.exit_code == 0, result.output
        assert "stored" in result.output and "0 violation(s)" in result.output
        denied = runner.invoke(
            app, ["upload", "beta", str(fixture), "--url", url, "--key", "cgk_0123456789abcdef_wrong-wrong-wrong-wrong"]
        )
        assert denied.exit_code == 1 and "401" in denied.output
