"""``ctrlgraph org``, ``key``, ``validate`` and ``upload``: organizations, their
keys and their evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ctrlgraph.cli.common import DEFAULT_DATA_DIR, DataDir, Key, Url, call, console, err, open_local_store
from ctrlgraph.cli.root import app

org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)
key_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(key_app, name="key")


@org_app.command("create")
def org_create(
    org_id: Annotated[str, typer.Argument(help="Short id, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")],
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """Create an organization (embedded store, or --url with an admin --key)."""
    from ctrlgraph.evidence import tenants

    if url:
        call("POST", url, "/v1/orgs", key, json={"id": org_id, "name": name})
    else:
        store = open_local_store(data_dir)
        try:
            tenants.create_org(store, org_id, name)
        except tenants.TenantError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        finally:
            store.close()
    console.print(f"organization {org_id!r} created")


@key_app.command("create")
def key_create(
    org: Annotated[str | None, typer.Option(help="Organization the key belongs to")] = None,
    scope: Annotated[list[str] | None, typer.Option(help="read / write (repeat); default both")] = None,
    admin: Annotated[bool, typer.Option(help="Create an admin key instead")] = False,
    data_dir: DataDir = DEFAULT_DATA_DIR,
    url: Url = None,
    key: Key = None,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    from ctrlgraph.evidence import tenants

    scopes = ["admin"] if admin else (scope or ["read", "write"])
    if url:
        if admin:
            err.print("[red]admin keys are created on the server's own store (without --url)[/]")
            raise typer.Exit(2)
        result = call("POST", url, f"/v1/orgs/{org}/keys", key, json={"scopes": scopes})
        key_id, secret = result["key_id"], result["key"]  # type: ignore[index]
    else:
        store = open_local_store(data_dir)
        try:
            key_id, secret = tenants.create_key(store, None if admin else org, scopes)
        except tenants.TenantError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from exc
        finally:
            store.close()
    console.print(f"key id {key_id} ({', '.join(scopes)}); the key, shown once:")
    print(secret)


@key_app.command("revoke")
def key_revoke(key_id: str, data_dir: DataDir = DEFAULT_DATA_DIR, url: Url = None, key: Key = None) -> None:
    """Revoke a key by its id."""
    from ctrlgraph.evidence import tenants

    if url:
        call("DELETE", url, f"/v1/keys/{key_id}", key)
    else:
        store = open_local_store(data_dir)
        try:
            if not tenants.revoke_key(store, key_id):
                err.print(f"[red]unknown key {key_id}[/]")
                raise typer.Exit(1)
        finally:
            store.close()
    console.print(f"key {key_id} revoked")


MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".json": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
}


def _media_type(path: Path) -> str:
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        err.print(f"[red]unknown file type {path.suffix!r}[/]; use one of {', '.join(MEDIA_TYPES)}")
        raise typer.Exit(2)
    return media_type


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Evidence file (Turtle, JSON-LD, XLSX…)")],
    org: Annotated[str, typer.Option(help="Organization id the evidence describes")] = "local",
) -> None:
    """Validate an evidence file offline against shapes/evidence.ttl (exit 1 on violations)."""
    from ctrlgraph.evidence.parsing import ParseProblem, parse_rdf, to_ntriples
    from ctrlgraph.evidence.validation import graph_from_ntriples, validate_evidence

    media_type = _media_type(file)
    try:
        if media_type in ("text/csv", MEDIA_TYPES[".xlsx"]):
            from ctrlgraph.evidence.template import template_to_ntriples

            ntriples = template_to_ntriples(file.read_bytes(), media_type, org)
        else:
            ntriples = to_ntriples(parse_rdf(file.read_bytes(), media_type, org))
    except ParseProblem as exc:
        err.print(f"[red]{file}: {exc}[/]")
        raise typer.Exit(2) from exc
    report = validate_evidence(graph_from_ntriples(ntriples))
    table = Table("severity", "focus node", "path", "message")
    for f in report.findings:
        colour = "red" if f.severity == "Violation" else "yellow"
        table.add_row(f"[{colour}]{f.severity}[/]", f.focus, (f.path or "").rsplit("#", 1)[-1], f.message)
    if report.findings:
        console.print(table)
    console.print(f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)")
    if report.violations:
        raise typer.Exit(1)


@app.command()
def upload(
    org: Annotated[str, typer.Argument(help="Organization id")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    url: Annotated[str, typer.Option("--url", envvar="CTRLGRAPH_URL", help="Server URL")],
    key: Key = None,
    add: Annotated[bool, typer.Option("--add", help="Add to the evidence instead of replacing it")] = False,
) -> None:
    """Upload an organization's evidence to a running server (PUT, or POST with --add)."""
    result = call(
        "POST" if add else "PUT",
        url,
        f"/v1/orgs/{org}/evidence",
        key,
        content=file.read_bytes(),
        headers={"Content-Type": _media_type(file)},
    )
    validation = result["validation"]  # type: ignore[index]
    console.print(
        f"stored {result['triples']} triples for {org}: "  # type: ignore[index]
        f"{validation['violations']} violation(s), {validation['warnings']} warning(s)"
    )
    for r in validation["results"]:
        console.print(f"  [yellow]{r['severity']}[/] {r['focus']}: {r['message']}")
