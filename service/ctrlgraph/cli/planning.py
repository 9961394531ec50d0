"""``ctrlgraph plan``, ``delta``, ``soa``, ``roadmap`` and ``integration``:
planning an integrated management system from the command line, on the
embedded store or against a running server (``--url``, with ``--key`` for an
organization).

ctrlgraph/cli/__init__.py registers them with :func:`register`::

    from ctrlgraph.cli.planning import register as register_planning
    register_planning(app)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

from ctrlgraph.cells import csv_row
from ctrlgraph.cli.common import local_store
from ctrlgraph.store import OxigraphStore

console = Console()
err = Console(stderr=True)
M = TypeVar("M", bound=BaseModel)

DEFAULT_DATA_DIR = Path("data/store")
DEFAULT_FRAMEWORKS = ["iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"]
DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="CTRLGRAPH_DATA_DIR", help="Folder of the embedded on-disk Oxigraph store."),
]
Url = Annotated[
    str | None,
    typer.Option("--url", envvar="CTRLGRAPH_URL", help="Ask a running server instead of the embedded store."),
]
Key = Annotated[str | None, typer.Option("--key", envvar="CTRLGRAPH_KEY", help="API key (with --url and an org).")]
Frameworks = Annotated[
    list[str] | None,
    typer.Option("--framework", "-f", help="Framework id (repeat); default: 42001, 27001, 9001, AI Act"),
]
Weighted = Annotated[bool, typer.Option("--weighted/--unweighted", help="Minimise effort instead of control count.")]
TimeLimit = Annotated[float, typer.Option("--time-limit", min=0.01, max=300, help="Seconds for the solver.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Judge evidence as of this date (YYYY-MM-DD).")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")]


_store = local_store  # the embedded store, opened with a clear message when a server holds it


def _date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        err.print(f"[red]--as-of must be a date (YYYY-MM-DD), got {text!r}[/]")
        raise typer.Exit(2) from exc


def _remote(url: str, path: str, params: list[tuple[str, str]], key: str | None, accept: str) -> bytes:
    import httpx

    headers = {"Accept": accept}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    response = httpx.get(url.rstrip("/") + path, params=httpx.QueryParams(tuple(params)), headers=headers, timeout=600)
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    return response.content


def _run(
    local: Callable[[OxigraphStore], M],
    model: type[M],
    *,
    data_dir: Path,
    url: str | None,
    path: str,
    params: list[tuple[str, str]],
    key: str | None,
) -> M:
    """The answer, from the embedded store or from the server at ``url``."""
    from ctrlgraph.catalog import NotFound
    from ctrlgraph.planning import BadParameter

    if url:
        return model.model_validate_json(_remote(url, path, params, key, "application/json"))
    with _store(data_dir) as store:
        try:
            return local(store)
        except NotFound as exc:
            err.print(f"[red]{exc}[/]; valid: {', '.join(exc.valid)}")
            raise typer.Exit(1) from exc
        except BadParameter as exc:
            err.print(f"[red]{exc.parameter}: {exc}[/]")
            raise typer.Exit(2) from exc


def _check_org(store: OxigraphStore, org: str) -> None:
    from ctrlgraph.evidence import tenants

    if tenants.get_org(store, org) is None:
        err.print(f"[red]unknown organization {org!r}[/] (ctrlgraph org create …)")
        raise typer.Exit(1)


def _write(data: bytes | str, output: Path | None) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if output is None:
        sys.stdout.buffer.write(raw)
        sys.stdout.flush()
    else:
        output.write_bytes(raw)
        err.print(f"wrote {output} ({len(raw)} bytes)")


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_row(row) for row in rows])
    return buffer.getvalue()


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        err.print(f"[red]unknown format {value!r}[/]; use {', '.join(allowed)}")
        raise typer.Exit(2)
    return value


def _solver_line(report: Any) -> str:
    proof = "proven optimal" if report.proven_optimal else f"bound {report.bound:g}, gap {report.gap:.1%}"
    return f"{report.solver}: {report.status} ({proof}) in {report.wall_time:.2f} s"


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------
def plan(
    framework: Frameworks = None,
    weighted: Weighted = False,
    time_limit: TimeLimit = 10.0,
    org: Annotated[str | None, typer.Option("--org", help="Plan only for what is open for this organization.")] = None,
    as_of: AsOf = None,
    format: Annotated[str, typer.Option("--format", "-F", help="table, json or csv")] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """The minimal shared control set covering the frameworks (exact, CP-SAT)."""
    from ctrlgraph.planning import plan as plan_mod
    from ctrlgraph.planning.models import Plan

    _format(format, ("table", "json", "csv"))
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    when = _date(as_of)

    def local(store: OxigraphStore) -> Plan:
        if org is not None:
            _check_org(store, org)
        return plan_mod.plan(store, frameworks, weighted=weighted, time_limit=time_limit, org=org, as_of=when)

    params = [("framework", f) for f in frameworks] + [
        ("weighted", str(weighted).lower()),
        ("time_limit", str(time_limit)),
    ]
    params += [("org", org)] if org else []
    params += [("as_of", as_of)] if as_of else []
    result = _run(local, Plan, data_dir=data_dir, url=url, path="/v1/plan", params=params, key=key)
    if format == "json":
        _write(result.model_dump_json(indent=2) + "\n", None)
        return
    if format == "csv":
        _write(
            _csv(
                ["control", "title", "phase", "effort", "frameworks", "closes", "route"],
                [
                    [c.notation, c.title, c.phase, c.effort, " ".join(c.frameworks), c.closes, plan_mod.route_cell(c)]
                    for c in result.controls
                ],
            ),
            None,
        )
        return
    table = Table("control", "title", "phase", "effort", "frameworks", "closes")
    for c in result.controls:
        table.add_row(c.notation, c.title, c.phase or "", str(c.effort), " ".join(c.frameworks), str(c.closes))
    console.print(table)
    console.print(
        f"{result.size} control(s), effort {result.effort}; greedy: {result.greedy.size} control(s), "
        f"effort {result.greedy.effort}"
    )
    console.print(_solver_line(result.solver))
    if result.uncoverable:
        console.print(f"{len(result.uncoverable)} requirement(s) no control can cover:")
        for u in result.uncoverable:
            console.print(f"  {u.framework} {u.notation}: {u.reason}")


def delta(
    want: Annotated[list[str], typer.Option("--want", "-w", help="Target framework id (repeat)")],
    have: Annotated[list[str] | None, typer.Option("--have", help="Framework already implemented (repeat)")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Take what is in place from this organization.")] = None,
    as_of: AsOf = None,
    weighted: Weighted = False,
    time_limit: TimeLimit = 10.0,
    format: Annotated[str, typer.Option("--format", "-F", help="table, json or csv")] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """What remains for the target frameworks, given those already implemented."""
    from ctrlgraph.planning import delta as delta_mod
    from ctrlgraph.planning.models import Delta

    _format(format, ("table", "json", "csv"))
    when = _date(as_of)

    def local(store: OxigraphStore) -> Delta:
        if org is not None:
            _check_org(store, org)
        return delta_mod.delta(store, have or [], want, org=org, as_of=when, weighted=weighted, time_limit=time_limit)

    params = [("want", f) for f in want] + [("have", f) for f in have or []]
    params += [("weighted", str(weighted).lower()), ("time_limit", str(time_limit))]
    params += [("org", org)] if org else []
    params += [("as_of", as_of)] if as_of else []
    result = _run(local, Delta, data_dir=data_dir, url=url, path="/v1/plan/delta", params=params, key=key)
    if format == "json":
        _write(result.model_dump_json(indent=2) + "\n", None)
        return
    if format == "csv":
        _write(
            _csv(
                ["framework", "notation", "title", "status", "reason", "route"],
                [
                    [r.framework, r.notation, r.title, r.status, r.reason, delta_mod.route_cell(r)]
                    for r in result.requirements
                ],
            ),
            None,
        )
        return
    summary = Table("framework", "applicable", "satisfied", "partial", "open", "not applicable", "% satisfied")
    for s in result.summary:
        summary.add_row(
            s.framework, str(s.applicable), str(s.satisfied), str(s.partial), str(s.open), str(s.not_applicable),
            f"{s.percent_satisfied:.1f}",
        )  # fmt: skip
    console.print(summary)
    table = Table("new control", "title", "effort", "closes", "requirements")
    for n in result.new_controls:
        table.add_row(n.notation, n.title, str(n.effort), str(n.closes), " ".join(n.requirements))
    console.print(table)
    console.print(f"{len(result.new_controls)} new control(s), effort {result.effort}; {_solver_line(result.solver)}")


def soa(
    org: Annotated[str, typer.Argument(help="Organization id")],
    framework: Annotated[
        list[str] | None, typer.Option("--framework", "-f", help="iso27001-2022 and/or iso42001-2023 (default both)")
    ] = None,
    as_of: AsOf = None,
    format: Annotated[str, typer.Option("--format", "-F", help="table, json, csv or xlsx")] = "table",
    output: Output = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """The organization's Statement of Applicability (xlsx needs --output)."""
    from ctrlgraph.planning import soa as soa_mod
    from ctrlgraph.planning.models import StatementOfApplicability
    from ctrlgraph.planning.xlsx import workbook

    _format(format, ("table", "json", "csv", "xlsx"))
    if format == "xlsx" and output is None:
        err.print("[red]--format xlsx needs --output FILE.xlsx[/]")
        raise typer.Exit(2)
    frameworks = list(dict.fromkeys(framework or ["iso27001-2022", "iso42001-2023"]))
    when = _date(as_of)

    def local(store: OxigraphStore) -> StatementOfApplicability:
        _check_org(store, org)
        return soa_mod.statement(store, org, frameworks, context=DEFAULT_FRAMEWORKS, as_of=when)

    params = [("framework", f) for f in frameworks] + ([("as_of", as_of)] if as_of else [])
    result = _run(
        local, StatementOfApplicability, data_dir=data_dir, url=url, path=f"/v1/orgs/{org}/soa", params=params, key=key
    )
    if format == "json":
        _write(result.model_dump_json(indent=2) + "\n", output)
    elif format == "csv":
        _write(_csv(soa_mod.HEADER, soa_mod.rows(result)), output)
    elif format == "xlsx":
        _write(workbook(soa_mod.sheets(result)), output)
    else:
        table = Table("framework", "control", "title", "applicable", "status", "common controls")
        for e in result.entries:
            table.add_row(
                e.framework, e.notation, e.title, "yes" if e.applicable else "no", e.status,
                " ".join(f"{c.control}:{c.state}" for c in e.controls),
            )  # fmt: skip
        console.print(table)
        for s in result.summary:
            console.print(
                f"{s.framework}: {s.controls} controls, {s.applicable} applicable, {s.excluded} excluded, "
                f"{s.implemented} implemented"
            )


def roadmap(
    org: Annotated[str, typer.Argument(help="Organization id")],
    framework: Frameworks = None,
    as_of: AsOf = None,
    weighted: Annotated[
        bool, typer.Option("--weighted/--unweighted", help="Least effort (default) or fewest controls.")
    ] = True,
    time_limit: TimeLimit = 10.0,
    format: Annotated[str, typer.Option("--format", "-F", help="markdown, json or csv")] = "markdown",
    output: Output = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """The organization's open gaps as a phased roadmap."""
    from ctrlgraph.planning import roadmap as roadmap_mod
    from ctrlgraph.planning.models import Roadmap

    _format(format, ("markdown", "json", "csv"))
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    when = _date(as_of)

    def local(store: OxigraphStore) -> Roadmap:
        _check_org(store, org)
        return roadmap_mod.roadmap(store, org, frameworks, as_of=when, weighted=weighted, time_limit=time_limit)

    params = [("framework", f) for f in frameworks]
    params += [("weighted", str(weighted).lower()), ("time_limit", str(time_limit))]
    params += [("as_of", as_of)] if as_of else []
    result = _run(local, Roadmap, data_dir=data_dir, url=url, path=f"/v1/orgs/{org}/roadmap", params=params, key=key)
    if format == "json":
        _write(result.model_dump_json(indent=2) + "\n", output)
    elif format == "csv":
        _write(_csv(roadmap_mod.HEADER, roadmap_mod.rows(result)), output)
    else:
        _write(roadmap_mod.markdown(result), output)


def integration(
    framework: Frameworks = None,
    format: Annotated[str, typer.Option("--format", "-F", help="table, json or csv")] = "table",
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Harmonized Structure elements and the integration points (27001, 9001, common), with the
    shared processes (common controls) that satisfy each framework's requirements."""
    from ctrlgraph.planning import integration as integration_mod
    from ctrlgraph.planning.models import Integration

    _format(format, ("table", "json", "csv"))
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    params = [("framework", f) for f in frameworks]
    result = _run(
        lambda store: integration_mod.integration(store, frameworks),
        Integration,
        data_dir=data_dir,
        url=url,
        path="/v1/integration",
        params=params,
        key=None,
    )
    if format == "json":
        _write(result.model_dump_json(indent=2) + "\n", None)
        return
    if format == "csv":
        _write(_csv(integration_mod.HEADER, integration_mod.rows(result)), None)
        return
    table = Table("element", "kind", *frameworks, "shared processes")
    for e in result.elements:
        table.add_row(
            e.element,
            e.kind,
            *(f"{e.satisfied.get(f, 0)}/{len(e.requirements.get(f, []))}" for f in frameworks),
            " ".join(f"{p.control}({p.frameworks})" for p in e.processes if p.frameworks >= 2) or "-",
        )
    console.print(table)
    console.print("per framework: requirements satisfied by the element's processes / the element's requirements")


def register(app: typer.Typer) -> None:
    """Add the planning commands to the ``ctrlgraph`` command."""
    app.command("plan")(plan)
    app.command("delta")(delta)
    app.command("soa")(soa)
    app.command("roadmap")(roadmap)
    app.command("integration")(integration)
