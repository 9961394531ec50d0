"""``ctrlgraph export …`` and ``ctrlgraph import …`` (typer sub-apps).

ctrlgraph/cli/__init__.py registers them::

    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from ctrlgraph.cli.common import Key, Url, call, local_store

if TYPE_CHECKING:
    from ctrlgraph.interop import ImportRefused

#: The import formats (ctrlgraph.interop.FORMATS; repeated so that the CLI
#: starts without importing rdflib).
FORMATS = ("oscal-catalog", "oscal-mapping", "sssom", "csv", "xlsx", "ciso-assistant", "crosswalk")

export_app = typer.Typer(
    help="Export frameworks, controls and mappings as OSCAL, SSSOM, CSV or XLSX.",
    no_args_is_help=True,
    add_completion=False,
)


class _ImportGroup(typer.core.TyperGroup):
    """``ctrlgraph import DIR`` imports a folder: a first argument that is a
    directory rather than a format goes to the ``dir`` command."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and Path(args[0]).is_dir():
            args = ["dir", *args]
        return super().resolve_command(ctx, args)


import_app = typer.Typer(
    cls=_ImportGroup,
    help="Import a framework and/or its mappings (OSCAL, SSSOM, CSV, XLSX, CISO Assistant). "
    "Usage: ctrlgraph import FORMAT FILE.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="CTRLGRAPH_DATA_DIR", help="Folder of the embedded on-disk Oxigraph store."),
]
DEFAULT_DATA_DIR = Path("data/store")


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


_store = local_store  # the embedded store, opened with a clear message when a server holds it


def _not_found(exc: Exception) -> typer.Exit:
    from ctrlgraph.catalog import NotFound

    if isinstance(exc, NotFound):
        valid = ", ".join(exc.valid[:30]) + (" …" if len(exc.valid) > 30 else "")
        err.print(f"[red]{exc}[/]; valid: {valid}")
    else:
        err.print(f"[red]{exc}[/]")
    return typer.Exit(1)


def _write_lines(lines: Iterator[str], out: Path | None) -> None:
    if out is None:
        for line in lines:
            sys.stdout.write(line)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        for line in lines:
            handle.write(line)
    err.print(f"wrote {out}")


# --------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------
@export_app.command("oscal")
def export_oscal(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the JSON files into.")],
    framework: Annotated[
        list[str] | None, typer.Option("--framework", "-f", help="Framework id (repeat); default: --all")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every framework in the graph.")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """OSCAL 1.2 catalogs (each framework, the common controls) and mapping
    collections (framework -> controls, and the derived crosswalk of each pair)."""
    from ctrlgraph.interop import oscal

    if framework and all_:
        err.print("[red]give --framework or --all, not both[/]")
        raise typer.Exit(2)
    with _store(data_dir, url) as store:
        try:
            plan = oscal.export_plan(store, framework or None)
        except LookupError as exc:
            raise _not_found(exc) from exc
        written, skipped = 0, []
        with _progress() as progress:
            task = progress.add_task("exporting OSCAL", total=len(plan))
            for kind, ids in plan:
                name = oscal.file_name(kind, *ids)
                progress.update(task, description=name)
                try:
                    oscal.write_document(oscal.export_one(store, kind, ids), out / name)
                    written += 1
                except oscal.NothingToExport as exc:
                    skipped.append(f"{name}: {exc}")
                progress.advance(task)
    console.print(f"wrote {written} OSCAL {oscal.OSCAL_VERSION} file(s) to {out}")
    for line in skipped:
        err.print(f"[yellow]skipped[/] {line}")


@export_app.command("profile")
def export_profile(
    framework: Annotated[str, typer.Argument(help="Framework id")],
    control: Annotated[list[str], typer.Option("--control", "-c", help="Requirement notation to select (repeat)")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: stdout)")] = None,
    title: Annotated[str | None, typer.Option(help="Title of the profile")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """An OSCAL profile selecting the given requirements of a framework."""
    from ctrlgraph.interop import oscal
    from ctrlgraph.interop.data import iter_json

    with _store(data_dir, url) as store:
        try:
            document = oscal.profile(store, framework, control, title)
        except (LookupError, oscal.NothingToExport) as exc:
            raise _not_found(exc) from exc
    _write_lines(iter([*iter_json(document), "\n"]), out)


@export_app.command("sssom")
def export_sssom(
    framework: Annotated[
        list[str] | None, typer.Option("--framework", "-f", help="Framework id (repeat); default: --all")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every framework with mappings.")] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for <framework>.sssom.tsv files (default: stdout, one framework)"),
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Each framework's mappings to the common controls as SSSOM/TSV."""
    from ctrlgraph.interop import sssom
    from ctrlgraph.interop.data import framework_ids, framework_mappings

    with _store(data_dir, url) as store:
        known = framework_ids(store)
        chosen = list(framework or [])
        if all_ or not chosen:
            chosen = [f for f in sorted(known) if framework_mappings(store, known[f][0])]
        for fid in chosen:
            if fid not in known:
                raise _not_found(LookupError(f"unknown framework {fid!r}; valid: {', '.join(sorted(known))}"))
        if out is None:
            if len(chosen) != 1:
                err.print("[red]several mapping sets: give --out DIR (or one --framework)[/]")
                raise typer.Exit(2)
            _write_lines(sssom.iter_tsv(store, chosen[0]), None)
            return
        with _progress() as progress:
            task = progress.add_task("exporting SSSOM", total=len(chosen))
            for fid in chosen:
                progress.update(task, description=f"{fid}.sssom.tsv")
                path = out / f"{fid}.sssom.tsv"
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("w", encoding="utf-8") as handle:
                    handle.writelines(sssom.iter_tsv(store, fid))
                progress.advance(task)
    console.print(f"wrote {len(chosen)} SSSOM mapping set(s) to {out}")


TableFormat = Annotated[str, typer.Option("--format", "-F", help="csv or xlsx")]


def _table_out(format: str, out: Path | None) -> None:
    if format not in ("csv", "xlsx"):
        err.print(f"[red]unknown format {format!r}[/]; use csv or xlsx")
        raise typer.Exit(2)
    if format == "xlsx" and out is None:
        err.print("[red]XLSX needs --out FILE[/]")
        raise typer.Exit(2)


def _save_xlsx(sheets: Any, out: Path) -> None:
    import shutil

    from ctrlgraph.interop import spreadsheet

    handle = spreadsheet.workbook(sheets)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as target:
        shutil.copyfileobj(handle, target)
    handle.close()
    err.print(f"wrote {out}")


def _remote_table(url: str, path: str, params: list[tuple[str, str]], format: str, out: Path | None) -> None:
    """A table export fetched from a running server's REST API (the same CSV/XLSX bytes)."""
    import httpx

    response = httpx.get(url.rstrip("/") + path, params=[*params, ("format", format)], timeout=600)
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    if out is None:
        sys.stdout.write(response.text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(response.content)
    err.print(f"wrote {out}")


@export_app.command("crosswalk")
def export_crosswalk(
    source: Annotated[str, typer.Argument(help="Source framework id")],
    target: Annotated[list[str], typer.Option("--target", "-t", help="Target framework id (repeat for XLSX)")],
    format: TableFormat = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (CSV default: stdout)")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Derived crosswalk pairs as CSV, or XLSX with one sheet per target."""
    from ctrlgraph.interop import spreadsheet

    _table_out(format, out)
    if url:  # the server's export: its crosswalk query runs on its own store, not over /sparql
        _remote_table(
            url, "/v1/export/spreadsheet/crosswalk", [("source", source), *(("target", t) for t in target)], format, out
        )
        return
    with _store(data_dir, url) as store:
        try:
            if format == "xlsx":
                sheets = [
                    (t, spreadsheet.CROSSWALK_HEADER, spreadsheet.crosswalk_rows(store, source, t)) for t in target
                ]
                assert out is not None
                _save_xlsx(sheets, out)
                return
            if len(target) != 1:
                err.print("[red]CSV holds one target; use --format xlsx for several[/]")
                raise typer.Exit(2)
            rows = spreadsheet.crosswalk_rows(store, source, target[0])
        except LookupError as exc:
            raise _not_found(exc) from exc
    _write_lines(spreadsheet.csv_lines(spreadsheet.CROSSWALK_HEADER, rows), out)


@export_app.command("shared")
def export_shared(
    framework: Annotated[list[str], typer.Option("--framework", "-f", help="Framework id (repeat)")],
    min_frameworks: Annotated[int | None, typer.Option("--min", help="At least K of them (default: all)")] = None,
    format: TableFormat = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (CSV default: stdout)")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Controls serving several frameworks, as CSV or XLSX (summary + a sheet per framework)."""
    from ctrlgraph.interop import spreadsheet

    _table_out(format, out)
    k = min_frameworks or len(framework)
    if url:
        params = [*(("framework", f) for f in framework), ("min_frameworks", str(k))]
        _remote_table(url, "/v1/export/spreadsheet/shared-controls", params, format, out)
        return
    with _store(data_dir, url) as store:
        try:
            if format == "xlsx":
                assert out is not None
                _save_xlsx(list(spreadsheet.shared_sheets(store, framework, k)), out)
                return
            rows = spreadsheet.shared_rows(store, framework, k)
        except LookupError as exc:
            raise _not_found(exc) from exc
    _write_lines(spreadsheet.csv_lines(spreadsheet.SHARED_HEADER, rows), out)


@export_app.command("framework")
def export_framework(
    framework: Annotated[list[str], typer.Argument(help="Framework id(s)")],
    format: TableFormat = "csv",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (CSV default: stdout)")] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """Frameworks and their mappings in the import template (XLSX: a sheet per framework)."""
    from ctrlgraph.interop import spreadsheet

    _table_out(format, out)
    with _store(data_dir, url) as store:
        try:
            if format == "xlsx":
                assert out is not None
                sheets = [(f, spreadsheet.TEMPLATE, list(spreadsheet.template_rows(store, f))) for f in framework]
                _save_xlsx(sheets, out)
                return
            rows = [row for f in framework for row in spreadsheet.template_rows(store, f)]
        except LookupError as exc:
            raise _not_found(exc) from exc
    _write_lines(spreadsheet.csv_lines(spreadsheet.TEMPLATE, rows), out)


@export_app.command("ciso-assistant")
def export_ciso(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the YAML libraries into.")],
    framework: Annotated[
        list[str] | None, typer.Option("--framework", "-f", help="Framework id (repeat); default: every framework")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
) -> None:
    """CISO Assistant libraries: the common controls, each framework, and each
    framework's mapping set to the common controls."""
    from ctrlgraph.interop import ciso_assistant
    from ctrlgraph.interop.data import framework_ids, framework_mappings

    with _store(data_dir, url) as store:
        known = framework_ids(store)
        chosen = list(framework or sorted(known))
        for fid in chosen:
            if fid not in known:
                raise _not_found(LookupError(f"unknown framework {fid!r}; valid: {', '.join(sorted(known))}"))
        out.mkdir(parents=True, exist_ok=True)
        files = 0
        with _progress() as progress:
            task = progress.add_task("exporting CISO Assistant libraries", total=1 + len(chosen))
            (out / "ctrlgraph-controls.yaml").write_text(ciso_assistant.controls_library(store), encoding="utf-8")
            files += 1
            progress.advance(task)
            for fid in chosen:
                progress.update(task, description=f"{fid}.yaml")
                (out / f"{fid}.yaml").write_text(ciso_assistant.framework_library(store, fid), encoding="utf-8")
                files += 1
                if framework_mappings(store, known[fid][0]):
                    text = ciso_assistant.mapping_library(store, fid)
                    (out / f"mapping-{fid}-to-ctrlgraph-controls.yaml").write_text(text, encoding="utf-8")
                    files += 1
                progress.advance(task)
    console.print(f"wrote {files} CISO Assistant librar{'y' if files == 1 else 'ies'} to {out}")


# --------------------------------------------------------------------------
# import
# --------------------------------------------------------------------------
def _print_refused(exc: ImportRefused) -> None:
    name = f"{exc.file}: " if exc.file else ""
    shown = f" (the first {len(exc.problems)} listed)" if exc.total > len(exc.problems) else ""
    err.print(f"[bold red]{name}{exc.summary}[/]: {exc.total} problem(s){shown}; nothing was imported")
    table = Table("where", "problem", show_lines=False)
    for problem in exc.problems:
        table.add_row(str(problem.where), problem.message)
    err.print(table)


def _print_summary(summary: dict[str, Any], loaded: bool) -> None:
    verb = "imported" if loaded else "checked (not loaded)"
    console.print(
        f"{verb}: {', '.join(summary['frameworks']) or '-'} — {summary['requirements']} requirement(s), "
        f"{summary['mappings']} mapping(s), {summary.get('links', 0)} direct requirement mapping(s)"
    )
    for graph, count in summary["graphs"].items():
        console.print(f"  {graph}  ({count} triples)")
    for warning in summary.get("warnings", []):
        err.print(f"[yellow]warning:[/] {warning}")


def _remote_import(
    url: str,
    fmt: str,
    file: Path,
    framework: str | None,
    dry_run: bool,
    key: str | None,
    extra: dict[str, str] | None = None,
) -> None:
    import httpx

    params: dict[str, str] = {"filename": file.name, **(extra or {})}
    if framework:
        params["framework"] = framework
    if dry_run:
        params["dry_run"] = "true"
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(
        f"{url.rstrip('/')}/v1/import/{fmt}", params=params, content=file.read_bytes(), headers=headers, timeout=600
    )
    body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    if response.status_code == 422 and "problems" in body:
        err.print(f"[bold red]{body['detail']}[/]")
        table = Table("where", "problem")
        for problem in body["problems"]:
            table.add_row(problem["where"], problem["problem"])
        err.print(table)
        raise typer.Exit(1)
    if response.status_code >= 400:
        err.print(f"[red]{response.status_code}[/] {response.text}")
        raise typer.Exit(1)
    _print_summary(body, not dry_run)


def _import_command(fmt: str) -> Callable[..., None]:
    def command(
        file: Annotated[Path, typer.Argument(help="The file to import", exists=True, dir_okay=False, readable=True)],
        framework: Annotated[
            str | None,
            typer.Option(
                "--framework",
                "-f",
                help="New framework id (catalog, spreadsheet, CISO library) or the framework the mappings "
                "belong to (oscal-mapping, sssom); default: from the file",
            ),
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Also write the graph as Turtle (.ttl) or TriG with named graphs (.trig)"),
        ] = None,
        load: Annotated[
            bool, typer.Option("--load/--no-load", help="Load into the store (--no-load: check and --out only)")
        ] = True,
        data_dir: DataDir = DEFAULT_DATA_DIR,
        url: Annotated[
            str | None,
            typer.Option("--url", envvar="CTRLGRAPH_URL", help="Send the file to a running server instead"),
        ] = None,
        key: Annotated[str | None, typer.Option("--key", envvar="CTRLGRAPH_KEY", help="Admin key (with --url)")] = None,
        equivalent_to: Annotated[
            str | None,
            typer.Option(
                "--equivalent-to",
                help="A shipped framework the file's framework is (requirements matched by notation, so mappings "
                "onto it land on ours)",
            ),
        ] = None,
        replace: Annotated[
            bool,
            typer.Option("--replace", help="Replace the mappings earlier imports stored for the same framework (pair)"),
        ] = False,
        skip_unresolved: Annotated[
            bool,
            typer.Option("--skip-unresolved", help="Leave out direct mappings naming a requirement a framework lacks"),
        ] = False,
        source_col: Annotated[str | None, typer.Option(help="crosswalk: source column (letter or header)")] = None,
        target_col: Annotated[str | None, typer.Option(help="crosswalk: target column (letter or header)")] = None,
        relationship_col: Annotated[str | None, typer.Option(help="crosswalk: relationship column")] = None,
        source_framework: Annotated[str | None, typer.Option(help="crosswalk: source framework id or URN")] = None,
        target_framework: Annotated[str | None, typer.Option(help="crosswalk: target framework id or URN")] = None,
        sheet: Annotated[str | None, typer.Option(help="crosswalk: only this sheet (name or number)")] = None,
        columns_file: Annotated[
            Path | None, typer.Option("--columns", help="crosswalk: a YAML file with the column options")
        ] = None,
    ) -> None:
        from ctrlgraph.interop import ImportRefused, importer, parse

        options = {
            "source_col": source_col,
            "target_col": target_col,
            "relationship_col": relationship_col,
            "source_framework": source_framework,
            "target_framework": target_framework,
            "sheet": sheet,
        }
        if url:
            if out is not None:
                err.print("[red]--out works with the embedded store only[/]")
                raise typer.Exit(2)
            extra = {
                **{k: v for k, v in options.items() if v is not None},
                **({"equivalent_to": equivalent_to} if equivalent_to else {}),
                **({"replace": "true"} if replace else {}),
                **({"skip_unresolved": "true"} if skip_unresolved else {}),
            }
            _remote_import(url, fmt, file, framework, not load, key, extra)
            return
        columns = None
        if fmt == "crosswalk":
            from ctrlgraph.interop.spreadsheet import CrosswalkColumns

            try:
                text = columns_file.read_text(encoding="utf-8") if columns_file else "{}"
                columns = CrosswalkColumns.from_yaml(text, **options)
            except ImportRefused as exc:
                _print_refused(exc)
                raise typer.Exit(2) from exc
        stages = ["parsing", "checking", "building", "validating", *(["writing"] if load else [])]
        with _store(data_dir) as store, _progress() as progress:
            task = progress.add_task(f"importing {file.name}", total=len(stages))

            def step(stage: str) -> None:
                progress.update(task, description=f"{file.name}: {stage}", completed=stages.index(stage))

            try:
                step("parsing")
                draft = parse(fmt, file.read_bytes(), file.name, framework, equivalent_to, columns)
                result = importer.run_import(
                    store, draft, write=load, progress=step, replace=replace, skip_unresolved=skip_unresolved
                )
            except ImportRefused as exc:
                progress.stop()
                _print_refused(exc)
                raise typer.Exit(1) from exc
            progress.update(task, completed=len(stages))
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(result.trig() if out.suffix == ".trig" else result.turtle(), encoding="utf-8")
            err.print(f"wrote {out}")
        _print_summary(result.summary(), load)

    command.__doc__ = {
        "oscal-catalog": "An OSCAL 1.2 catalog (JSON) as a new framework.",
        "oscal-mapping": "An OSCAL 1.2 mapping-collection (framework -> common controls) as mappings.",
        "sssom": "An SSSOM/TSV mapping set (framework -> common controls) as mappings.",
        "csv": "A framework and its mappings from the CSV import template (docs/import-template.md).",
        "xlsx": "A framework and its mappings from the XLSX import template (docs/import-template.md).",
        "ciso-assistant": "A CISO Assistant library (YAML): a framework and/or requirement mapping sets.",
        "crosswalk": "Any crosswalk workbook (XLSX or CSV) by naming its columns: direct requirement mappings.",
    }[fmt]
    return command


for _fmt in FORMATS:
    import_app.command(_fmt)(_import_command(_fmt))


@import_app.command("list")
def list_imports(data_dir: DataDir = DEFAULT_DATA_DIR, url: Url = None) -> None:
    """The graphs written by imports (--url: on a running server)."""
    from ctrlgraph.interop import importer

    with _store(data_dir, url) as store:
        rows = importer.imported_frameworks(store)
    table = Table("graph", "format", "source", "triples", "modified")
    for r in rows:
        table.add_row(
            str(r["graph"]), str(r["format"] or ""), str(r["source"] or ""), str(r["triples"]), str(r["modified"] or "")
        )
    console.print(table)


@import_app.command("remove")
def remove_import(
    framework: Annotated[str, typer.Argument(help="Id of an imported framework")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """Remove an imported framework and its imported mappings (--url: through a
    running server, with an admin --key)."""
    from ctrlgraph.interop import ImportRefused, importer

    if url:
        result = call("DELETE", url, f"/v1/imports/{quote(framework, safe='')}", key)
        removed = result.get("removed", []) if isinstance(result, dict) else []
        console.print("removed " + (", ".join(removed) if removed else framework))
        return
    with _store(data_dir) as store:
        try:
            graphs = importer.remove_import(store, framework)
        except ImportRefused as exc:
            err.print(f"[red]{exc.problems[0].message}[/]")
            raise typer.Exit(1) from exc
    console.print("removed " + ", ".join(graphs))


@import_app.command("dir")
def import_folder(
    folder: Annotated[Path, typer.Argument(help="Folder of files to import", exists=True, file_okay=False)],
    load: Annotated[bool, typer.Option("--load/--no-load", help="Load into the store (--no-load: check only)")] = True,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    options: Annotated[
        Path | None,
        typer.Option("--options", help="YAML: file name -> import options (format, framework, crosswalk columns, …)"),
    ] = None,
) -> None:
    """Every file of a folder (also ``ctrlgraph import DIR``): formats told from
    extension and content, or a ``<file>.import.yaml`` beside it; frameworks
    before the mapping files that name them; a refused file does not stop the rest."""
    import yaml

    from ctrlgraph.interop import bulk

    given = yaml.safe_load(options.read_text(encoding="utf-8")) if options else None
    planned = bulk.plan(folder, given)
    with _store(data_dir) as store, _progress() as progress:
        task = progress.add_task(f"importing {folder}", total=len(planned))

        seen = 0

        def on_file(item: bulk.Planned) -> None:
            nonlocal seen
            progress.update(task, description=item.path.name, completed=seen)
            seen += 1

        outcomes = bulk.run(store, folder, write=load, on_file=on_file, given=given)
        progress.update(task, completed=len(planned))
    table = Table("file", "format", "result", "frameworks", "req.", "mappings", "direct", "s", "first problem")
    for o in outcomes:
        colour = {"imported": "green", "refused": "red", "skipped": "yellow"}[o.status]
        table.add_row(
            str(o.path.relative_to(folder)),
            o.format or "-",
            f"[{colour}]{o.status}[/]" + (f" ({o.problems})" if o.problems else ""),
            ", ".join(o.frameworks),
            str(o.requirements or ""),
            str(o.mappings or ""),
            str(o.links or "") + (f" ({o.waiting} waiting)" if o.waiting else ""),
            f"{o.seconds:.1f}",
            o.first_problem or "",
        )
    console.print(table)
    counts = {s: sum(1 for o in outcomes if o.status == s) for s in ("imported", "refused", "skipped")}
    console.print(", ".join(f"{n} {s}" for s, n in counts.items()))
    if counts["refused"]:
        raise typer.Exit(1)
