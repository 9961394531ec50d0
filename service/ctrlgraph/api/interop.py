"""Exports (OSCAL, SSSOM, CSV, XLSX) and imports under /v1.

Large documents are streamed: JSON and TSV/CSV are written chunk by chunk as
the client reads, XLSX from a spooled temporary file. Imports take the file as
the request body (or as the first file of a multipart form), and answer 422
with every problem (row or line, column, reason) when the file is refused —
nothing is written then.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from ctrlgraph.api.auth import OptionalPrincipal, RequiredPrincipal, require
from ctrlgraph.api.deps import StoreDep
from ctrlgraph.api.reference import unprocessable
from ctrlgraph.interop import FORMATS, ImportRefused, ciso_assistant, importer, oscal, parse, spreadsheet, sssom
from ctrlgraph.interop.data import iter_json
from ctrlgraph.store import readable
from ctrlgraph.store.base import GraphStore
from ctrlgraph.store.readable import ReadableStore

router = APIRouter(prefix="/v1", tags=["interop"])

ImportFormat = Literal["oscal-catalog", "oscal-mapping", "sssom", "csv", "xlsx", "ciso-assistant", "crosswalk"]
TableFormat = Annotated[Literal["csv", "xlsx"], Query(description="csv (default) or xlsx (one sheet per framework)")]
NOT_FOUND = {404: {"description": "Unknown framework or notation (lists the valid values), or nothing to export"}}
assert set(FORMATS) == set(ImportFormat.__args__)  # type: ignore[attr-defined]


def _batched(chunks: Iterable[str], size: int = 64 * 1024) -> Iterator[bytes]:
    """Join small text chunks into blocks of about ``size`` bytes (one ASGI
    message each) while still streaming."""
    parts: list[str] = []
    length = 0
    for chunk in chunks:
        parts.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(parts).encode("utf-8")
            parts, length = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def _json(document: dict[str, Any], filename: str) -> StreamingResponse:
    return StreamingResponse(
        _batched(iter_json(document)),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _text(lines: Iterable[str], media_type: str, filename: str) -> StreamingResponse:
    lines = iter(lines)
    first = next(lines, "")  # run the queries (and raise NotFound) before the response starts
    return StreamingResponse(
        _batched(itertools.chain([first], lines)),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _xlsx(sheets: Iterator[tuple[str, list[str], Any]], filename: str) -> StreamingResponse:
    handle = spreadsheet.workbook(sheets)

    def chunks() -> Iterator[bytes]:
        try:
            while block := handle.read(64 * 1024):
                yield block
        finally:
            handle.close()

    return StreamingResponse(
        chunks(),
        media_type=spreadsheet.XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _nothing(exc: Exception) -> HTTPException:
    return HTTPException(status_code=404, detail=str(exc))


# --------------------------------------------------------------------------
# OSCAL
# --------------------------------------------------------------------------
@router.get("/export/oscal/catalog/controls", responses=NOT_FOUND)
def oscal_controls_catalog(store: StoreDep) -> StreamingResponse:
    """The common controls as an OSCAL 1.2 catalog: one group per domain, the
    statement and the evidence expected as parts."""
    return _json(oscal.controls_catalog(store), oscal.file_name("catalog", oscal.CONTROLS_ID))


@router.get("/export/oscal/catalog/{framework_id}", responses=NOT_FOUND)
def oscal_catalog(framework_id: str, store: StoreDep) -> StreamingResponse:
    """A framework as an OSCAL 1.2 catalog (grouping nodes as groups, the rest
    as controls; titles only for ISO standards, the legal text for EU law)."""
    return _json(oscal.catalog(store, framework_id), oscal.file_name("catalog", framework_id))


@router.get("/export/oscal/mapping/{source}/{target}", responses=NOT_FOUND)
def oscal_mapping(source: str, target: str, store: StoreDep) -> StreamingResponse:
    """An OSCAL 1.2 mapping-collection: ``target=controls`` gives the stored
    mappings of ``source`` to the common controls; another framework id gives
    the crosswalk derived through shared controls."""
    if source == target:
        raise HTTPException(
            status_code=422,
            detail=[{"loc": ["path", "target"], "msg": "source and target must differ", "type": "value_error"}],
        )
    try:
        document = oscal.mapping_collection(store, source, target)
    except oscal.NothingToExport as exc:
        raise _nothing(exc) from exc
    return _json(document, oscal.file_name("mapping", source, target))


@router.get("/export/oscal/profile", responses=NOT_FOUND)
def oscal_profile(
    store: StoreDep,
    principal: OptionalPrincipal,
    framework: Annotated[str, Query(description="Framework id, e.g. iso27001-2022")],
    control: Annotated[
        list[str] | None, Query(description="Notation of a requirement to select; repeat (e.g. A.5.1)")
    ] = None,
    org: Annotated[
        str | None,
        Query(
            description="Select the Annex A controls this organization's Statement of Applicability marks applicable"
        ),
    ] = None,
    title: Annotated[str | None, Query(description="Title of the profile")] = None,
) -> StreamingResponse:
    """An OSCAL 1.2 profile selecting requirements of a framework (a grouping
    node selects everything below it): the given ``control`` notations, or,
    with ``org`` (and that organization's read key), the controls its
    Statement of Applicability marks applicable."""
    if org is not None:
        if principal is None:
            raise HTTPException(401, "org= needs the organization's API key", headers={"WWW-Authenticate": "Bearer"})
        require(principal, "read", org)
        from ctrlgraph.planning import soa

        statement = soa.statement(store, org, [framework])
        control = [e.notation for e in statement.entries if e.applicable]
        title = title or f"{org}: applicable {framework} controls (Statement of Applicability)"
    if not control:
        raise HTTPException(
            422, [{"loc": ["query", "control"], "msg": "give control= (repeat) or org=", "type": "value_error"}]
        )
    try:
        document = oscal.profile(store, framework, control, title)
    except oscal.NothingToExport as exc:
        raise _nothing(exc) from exc
    return _json(document, f"profile-{framework}.json")


# --------------------------------------------------------------------------
# SSSOM and spreadsheets
# --------------------------------------------------------------------------
@router.get("/export/sssom/{framework_id}", responses=NOT_FOUND)
def sssom_mapping_set(framework_id: str, store: StoreDep) -> StreamingResponse:
    """The stored mappings of a framework to the common controls as SSSOM/TSV."""
    return _text(
        sssom.iter_tsv(store, framework_id),
        "text/tab-separated-values; charset=utf-8",
        f"{framework_id}.sssom.tsv",
    )


@router.get("/export/spreadsheet/crosswalk", responses=NOT_FOUND)
def crosswalk_table(
    store: StoreDep,
    source: Annotated[str, Query(description="Source framework id")],
    target: Annotated[list[str], Query(min_length=1, description="Target framework id; repeat (xlsx: one sheet each)")],
    format: TableFormat = "csv",
) -> StreamingResponse:
    """Derived crosswalk pairs as CSV (one target) or XLSX (a sheet per target)."""
    targets = list(dict.fromkeys(t for t in target if t != source))
    if not targets:
        raise unprocessable("target", "give at least one target other than the source")
    if format == "xlsx":
        for t in targets:  # 404 before the workbook is built
            spreadsheet.crosswalk_rows(store, source, t)
        return _xlsx(spreadsheet.crosswalk_sheets(store, source, targets), f"crosswalk-{source}.xlsx")
    if len(targets) > 1:
        raise unprocessable("format", "CSV holds one target; use format=xlsx for several")
    rows = spreadsheet.crosswalk_rows(store, source, targets[0])
    return _text(
        spreadsheet.csv_lines(spreadsheet.CROSSWALK_HEADER, rows),
        "text/csv; charset=utf-8",
        f"crosswalk-{source}-{targets[0]}.csv",
    )


@router.get("/export/spreadsheet/shared-controls", responses=NOT_FOUND)
def shared_controls_table(
    store: StoreDep,
    framework: Annotated[list[str], Query(min_length=1, description="Framework id; repeat")],
    min_frameworks: Annotated[int | None, Query(ge=1, description="At least K of them (default: all)")] = None,
    format: TableFormat = "csv",
) -> StreamingResponse:
    """Controls serving several frameworks: CSV, or XLSX with a summary sheet
    and one sheet per framework."""
    frameworks = list(dict.fromkeys(framework))
    k = min_frameworks or len(frameworks)
    if k > len(frameworks):
        raise unprocessable("min_frameworks", "min_frameworks is larger than the number of frameworks")
    if format == "xlsx":
        sheets = list(spreadsheet.shared_sheets(store, frameworks, k))
        return _xlsx(iter(sheets), "shared-controls.xlsx")
    rows = spreadsheet.shared_rows(store, frameworks, k)
    return _text(
        spreadsheet.csv_lines(spreadsheet.SHARED_HEADER, rows), "text/csv; charset=utf-8", "shared-controls.csv"
    )


@router.get("/export/spreadsheet/framework/{framework_id}", responses=NOT_FOUND)
def framework_table(framework_id: str, store: StoreDep, format: TableFormat = "csv") -> StreamingResponse:
    """A framework and its mappings in the import template
    (docs/import-template.md): edit it and import it back under a new id."""
    rows = spreadsheet.template_rows(store, framework_id)
    first = next(rows, None)  # raises NotFound before the response starts
    rows = itertools.chain([first] if first is not None else [], rows)
    if format == "xlsx":
        return _xlsx(iter([(framework_id, spreadsheet.TEMPLATE, rows)]), f"{framework_id}.xlsx")
    return _text(spreadsheet.csv_lines(spreadsheet.TEMPLATE, rows), "text/csv; charset=utf-8", f"{framework_id}.csv")


@router.get("/export/ciso-assistant/{framework_id}", responses=NOT_FOUND)
def ciso_assistant_library(
    framework_id: str,
    store: StoreDep,
    kind: Annotated[
        Literal["framework", "mapping"],
        Query(description="framework: the requirement tree; mapping: its mapping set to the common controls"),
    ] = "framework",
) -> StreamingResponse:
    """A CISO Assistant library (YAML): a framework, its requirement mapping
    set to the common controls, or (``framework_id=controls``) the common
    controls themselves, which the mapping sets target."""
    if framework_id == oscal.CONTROLS_ID:
        text, name = ciso_assistant.controls_library(store), "ctrlgraph-controls.yaml"
    elif kind == "mapping":
        text, name = ciso_assistant.mapping_library(store, framework_id), f"mapping-{framework_id}.yaml"
    else:
        text, name = ciso_assistant.framework_library(store, framework_id), f"{framework_id}.yaml"
    return _text(iter([text]), "application/yaml; charset=utf-8", name)


# --------------------------------------------------------------------------
# Imports
# --------------------------------------------------------------------------
def _refused(exc: ImportRefused) -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "detail": f"{exc.file + ': ' if exc.file else ''}{exc.summary}: {exc.total} problem(s); "
            "nothing was imported",
            "file": exc.file,
            "problem_count": exc.total,
            "problems": [{**p.as_dict(), **({"file": exc.file} if exc.file else {})} for p in exc.problems],
        },
    )


async def _body(request: Request) -> tuple[bytes, str | None]:
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status_code=413, detail=f"the file is larger than {limit} bytes")
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        for value in form.values():
            if hasattr(value, "read"):
                data = await value.read()  # type: ignore[union-attr]
                return data, getattr(value, "filename", None)
        raise HTTPException(
            status_code=422, detail=[{"loc": ["body"], "msg": "the form has no file", "type": "value_error"}]
        )
    data = await request.body()
    if len(data) > limit:
        raise HTTPException(status_code=413, detail=f"the file is larger than {limit} bytes")
    return data, None


def import_job(
    copy: ReadableStore | None,
    fmt: str,
    data: bytes,
    name: str,
    framework: str | None,
    equivalent_to: str | None,
    columns: spreadsheet.CrosswalkColumns | None,
    replace: bool,
    skip_unresolved: bool,
) -> tuple[str, object]:
    """Parse an import file, check it against the store and validate it with
    SHACL: the heavy part of an import, run in a bounded worker process on a
    checkpoint of the store, so a large or hostile file never holds the
    serving process. Returns ("ok", BuiltImport), or ("refused", problems)
    as data. ``copy`` None: only parse (the draft comes back)."""
    draft = None
    try:
        draft = parse(fmt, data, name, framework, equivalent_to, columns)
        if copy is None:
            return "draft", draft
        store = copy.open()
        try:
            result = importer.build_import(store, draft, replace=replace, skip_unresolved=skip_unresolved)
        finally:
            store.close()
    except ImportRefused as exc:
        if draft is not None:
            exc.in_file(draft.source_name)
        return "refused", (exc.problems, exc.summary, exc.total, exc.file)
    return "ok", result.built()


#: One admin import (checked against the store, then written) at a time, so
#: the check a worker made on a checkpoint still holds when the write lands.
_IMPORT_LOCK = threading.Lock()


def _import(
    store: GraphStore,
    fmt: str,
    data: bytes,
    name: str,
    framework: str | None,
    write: bool,
    options: dict[str, Any] | None = None,
) -> dict:
    opts = options or {}
    columns = None
    if fmt == "crosswalk":
        columns = spreadsheet.CrosswalkColumns.from_yaml("{}", **(opts.get("columns") or {}))
    from ctrlgraph import work

    replace, skip = bool(opts.get("replace")), bool(opts.get("skip_unresolved"))
    with _IMPORT_LOCK:
        if not readable.supported(store):  # an in-memory store: parse in a worker, check and build here
            kind, value = work.pool().run(
                "import", import_job, None, fmt, data, name, framework, opts.get("equivalent_to"), columns, False, False
            )
            if kind == "draft":
                result = importer.run_import(store, value, write=write, replace=replace, skip_unresolved=skip)  # type: ignore[arg-type]
                return {**result.summary(), "written": write}
        else:
            with readable.readable_copy(store) as copy:
                kind, value = work.pool().run(
                    "import", import_job, copy, fmt, data, name, framework, opts.get("equivalent_to"), columns,
                    replace, skip,
                )  # fmt: skip
        if kind == "refused":
            problems, summary, total, file = value  # type: ignore[misc]
            refused = ImportRefused(problems, summary, total=total)
            refused.file = file
            raise refused
        built: importer.BuiltImport = value  # type: ignore[assignment]
        if write:
            importer.apply_import(store, built)  # one SPARQL update: pyoxigraph runs it without the GIL
    return {**built.summary(), "written": write}


@router.post(
    "/import/{format}",
    responses={
        200: {"description": "Imported (or, with dry_run, checked): frameworks, graphs, counts, warnings"},
        413: {"description": "The file is too large"},
        422: {"description": "The file was refused: every problem with its row or line, column and reason"},
    },
)
async def import_file(
    format: ImportFormat,
    request: Request,
    principal: RequiredPrincipal,
    framework: Annotated[
        str | None,
        Query(
            description="oscal-catalog, csv, xlsx, ciso-assistant: the id of the new framework (default: from the "
            "file); oscal-mapping, sssom: the framework the mappings belong to"
        ),
    ] = None,
    filename: Annotated[str | None, Query(description="Name of the file, recorded as the graph's source")] = None,
    dry_run: Annotated[bool, Query(description="Check and validate only; write nothing")] = False,
    equivalent_to: Annotated[
        str | None,
        Query(description="A shipped framework the file's framework is (requirements matched by notation)"),
    ] = None,
    replace: Annotated[
        bool,
        Query(
            description="Replace the mappings earlier imports stored for the same framework or framework pair "
            "(default: add to them; a contradiction is refused)"
        ),
    ] = False,
    skip_unresolved: Annotated[
        bool, Query(description="Leave out direct mappings naming a requirement a framework does not have")
    ] = False,
    source_col: Annotated[str | None, Query(description="crosswalk: source column (letter or header)")] = None,
    target_col: Annotated[str | None, Query(description="crosswalk: target column (letter or header)")] = None,
    relationship_col: Annotated[str | None, Query(description="crosswalk: relationship column")] = None,
    source_framework: Annotated[str | None, Query(description="crosswalk: source framework id or URN")] = None,
    target_framework: Annotated[str | None, Query(description="crosswalk: target framework id or URN")] = None,
    sheet: Annotated[str | None, Query(description="crosswalk: only this sheet (name or number)")] = None,
) -> Any:
    """Import a file: a framework (oscal-catalog, csv, xlsx, ciso-assistant)
    and/or mappings to the common controls (oscal-mapping, sssom, csv, xlsx,
    ciso-assistant). The body is the file. Each framework becomes the named
    graphs ``…/graph/imported/<id>`` and ``…/graph/imported/<id>-links``,
    written in one transaction with the derived aggregates; a refused file
    changes nothing. Needs an admin key."""
    require(principal, "admin")
    data, form_name = await _body(request)
    if not data:
        raise HTTPException(
            status_code=422,
            detail=[{"loc": ["body"], "msg": "the request body (the file) is empty", "type": "value_error"}],
        )
    name = filename or form_name or f"upload.{format}"
    store = request.app.state.store
    try:
        options = {
            "equivalent_to": equivalent_to,
            "replace": replace,
            "skip_unresolved": skip_unresolved,
            "columns": {
                "source_col": source_col,
                "target_col": target_col,
                "relationship_col": relationship_col,
                "source_framework": source_framework,
                "target_framework": target_framework,
                "sheet": sheet,
            },
        }
        summary = await run_in_threadpool(_import, store, format, data, name, framework, not dry_run, options)
    except ImportRefused as exc:
        return _refused(exc)
    if not dry_run:
        request.app.state.generation += 1  # SPARQL workers reopen the store
    return summary


@router.get("/imports")
def list_imports(store: StoreDep) -> list[dict[str, object]]:
    """The graphs written by imports, with their source, format and size."""
    return importer.imported_frameworks(store)


@router.delete("/imports/{framework_id}", responses={404: {"description": "Not an imported framework"}})
def delete_import(
    framework_id: str, request: Request, store: StoreDep, principal: RequiredPrincipal
) -> dict[str, object]:
    """Remove an imported framework and its imported mappings (one transaction). Needs an admin key."""
    require(principal, "admin")
    try:
        with _IMPORT_LOCK:
            graphs = importer.remove_import(store, framework_id)
    except ImportRefused as exc:
        raise HTTPException(status_code=404, detail=exc.problems[0].message) from exc
    request.app.state.generation += 1
    return {"removed": graphs}
