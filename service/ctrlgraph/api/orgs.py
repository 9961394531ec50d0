"""Organization routes (/v1/orgs/…): evidence upload and reading, validation,
AI Act classification, gap analysis and KPIs. Every route is scoped to the
caller's organization."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ctrlgraph.analysis import classification as classification_mod
from ctrlgraph.analysis import gaps as gaps_mod
from ctrlgraph.analysis import kpis as kpis_mod
from ctrlgraph.analysis import systems as systems_mod
from ctrlgraph.api.auth import RequiredPrincipal, require
from ctrlgraph.api.body import read_body
from ctrlgraph.api.deps import IsoDate, StoreDep
from ctrlgraph.api.tabular import csv_response, wants_csv
from ctrlgraph.evidence import repository, tenants
from ctrlgraph.evidence.parsing import ACCEPTED_TYPES, ParseProblem
from ctrlgraph.evidence.validation import EvidenceReport, graph_from_ntriples, validate_ntriples
from ctrlgraph.interop import spreadsheet
from ctrlgraph.models import (
    Classification,
    EvidenceVersionOut,
    GapAnalysis,
    History,
    KeyCreated,
    Kpis,
    Organization,
    RequirementGap,
    SystemObligations,
    SystemOut,
    ValidationReport,
    ValidationResult,
    WriteResult,
)
from ctrlgraph.sparql.negotiation import choose, parse_accept
from ctrlgraph.store.base import GraphStore

#: What every organization route may answer besides its own results (documented in the OpenAPI).
KEYED_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "A body that cannot be read (the message names the line or field)"},
    401: {"description": "No API key, or an invalid or revoked one (WWW-Authenticate: Bearer)"},
    403: {"description": "The key does not grant this scope for this organization"},
    404: {"description": "Unknown organization (or version, key)"},
    413: {"description": "A bound tripped (body size, parser, heavy-work time or memory): the bound is named"},
    429: {"description": "Rate limit, or too many failed key checks from this address (see Retry-After)"},
}
router = APIRouter(prefix="/v1", tags=["organizations"], responses=KEYED_RESPONSES)
XLSX = spreadsheet.XLSX_MEDIA_TYPE
DEFAULT_FRAMEWORKS = ["iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"]


class OrgCreate(BaseModel):
    id: str = Field(
        description="Short id: a-z, 0-9 and '-'",
        examples=["acme"],
        # documented for clients (and schema-driven fuzzers); the route checks it with its own message
        json_schema_extra={"pattern": "^[a-z0-9][a-z0-9-]{0,62}$"},
    )
    name: str = Field(min_length=1, examples=["Acme Analytics"])


class KeyCreate(BaseModel):
    scopes: list[Literal["read", "write"]] = Field(default_factory=lambda: ["read", "write"], min_length=1)


def report_model(report: EvidenceReport) -> ValidationReport:
    return ValidationReport(
        conforms=report.conforms,
        as_of=report.as_of.isoformat(),
        violations=len(report.violations),
        warnings=len(report.warnings),
        results=[
            ValidationResult(severity=f.severity, focus=f.focus, path=f.path, value=f.value, message=f.message)
            for f in report.findings
        ],
    )


def _org(store: GraphStore, org_id: str) -> dict[str, str]:
    org = tenants.get_org(store, org_id)
    if org is None:
        raise HTTPException(404, f"unknown organization {org_id!r}")
    return org


@router.post(
    "/orgs",
    status_code=201,
    response_model=Organization,
    tags=["administration"],
    responses={409: {"description": "An organization with this id exists already"}},
)
def create_org(body: OrgCreate, store: StoreDep, principal: RequiredPrincipal) -> Organization:
    """Create an organization (admin key)."""
    require(principal, "admin")
    if tenants.get_org(store, body.id) is not None:
        raise HTTPException(
            409, [{"loc": ["body", "id"], "msg": f"organization {body.id!r} already exists", "type": "conflict"}]
        )
    try:
        return Organization(**tenants.create_org(store, body.id, body.name))
    except tenants.TenantError as exc:
        raise HTTPException(422, [{"loc": ["body", "id"], "msg": str(exc), "type": "value_error"}]) from exc


@router.post("/orgs/{org}/keys", status_code=201, response_model=KeyCreated, tags=["administration"])
def create_key(org: str, body: KeyCreate, store: StoreDep, principal: RequiredPrincipal) -> KeyCreated:
    """Create an API key for an organization (admin key). The key is shown once."""
    require(principal, "admin")
    _org(store, org)
    try:
        key_id, key = tenants.create_key(store, org, list(body.scopes))
    except tenants.TenantError as exc:
        raise HTTPException(422, [{"loc": ["body", "scopes"], "msg": str(exc), "type": "value_error"}]) from exc
    return KeyCreated(key_id=key_id, key=key, organization=org, scopes=list(body.scopes))


@router.delete("/keys/{key_id}", status_code=204, tags=["administration"])
def revoke_key(key_id: str, store: StoreDep, principal: RequiredPrincipal) -> Response:
    """Revoke a key (admin key); it stops working on the next request."""
    require(principal, "admin")
    if not tenants.revoke_key(store, key_id):
        raise HTTPException(404, f"unknown key {key_id!r}")
    return Response(status_code=204)


UPLOAD_DOC = {
    "requestBody": {
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in ACCEPTED_TYPES},
        "required": True,
    }
}
UPLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "Unparsable body (the message names the line, or sheet/row/column)"},
    413: {"description": "Body larger than the limit (default 20 MB)"},
    415: {"description": "Unsupported Content-Type"},
    422: {"description": "SHACL violations: nothing stored; the report says what to fix"},
}


async def _write(
    request: Request, org: str, principal: tenants.Principal, mode: Literal["replace", "add"]
) -> WriteResult:
    store: GraphStore = request.app.state.store
    require(principal, "write", org)
    org_record = await run_in_threadpool(_org, store, org)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise HTTPException(
            415, f"Content-Type must be one of {', '.join(ACCEPTED_TYPES)} (got {media_type or 'none'})"
        )
    what = f"the evidence body (to remove all evidence, DELETE /v1/orgs/{org}/evidence)"
    body = await read_body(request, request.app.state.settings.max_body_bytes, what=what)
    try:
        outcome = await run_in_threadpool(
            repository.write_evidence,
            store,
            org,
            org_record["name"],
            bytes(body),
            media_type,
            mode,
            None,
            principal.key_id,
        )
    except repository.EvidenceTrespass as exc:
        raise trespass(exc) from exc
    except ParseProblem as exc:
        raise HTTPException(400, f"could not read the {media_type} body: {exc}") from exc
    except repository.EvidenceRejected as exc:
        raise rejected(exc, f"the evidence has {len(exc.report.violations)} SHACL violation(s)") from exc
    return written(request, org, mode, outcome)


def trespass(exc: repository.EvidenceTrespass) -> HTTPException:
    return HTTPException(
        422,
        {
            "message": f"{exc.message}; nothing was stored",
            "violations": exc.count,
            "triples": exc.triples,
        },
    )


def rejected(exc: repository.EvidenceRejected, why: str) -> HTTPException:
    return HTTPException(
        422, {"message": f"{why}; nothing was stored", "validation": report_model(exc.report).model_dump()}
    )


def written(request: Request, org: str, mode: str, outcome: repository.WriteOutcome) -> WriteResult:
    request.app.state.generation += 1
    return WriteResult(
        organization=org,
        mode=mode,
        triples=outcome.triples,
        version=outcome.version,
        content_hash=outcome.content_hash,
        validation=report_model(outcome.report),
    )


@router.put("/orgs/{org}/evidence", response_model=WriteResult, openapi_extra=UPLOAD_DOC, responses=UPLOAD_RESPONSES)
async def replace_evidence(org: str, request: Request, principal: RequiredPrincipal) -> WriteResult:
    """Replace the organization's evidence (Turtle, JSON-LD, N-Triples, RDF/XML, or the XLSX/CSV template).
    Validated with SHACL first; all-or-nothing."""
    return await _write(request, org, principal, "replace")


@router.post("/orgs/{org}/evidence", response_model=WriteResult, openapi_extra=UPLOAD_DOC, responses=UPLOAD_RESPONSES)
async def add_evidence(org: str, request: Request, principal: RequiredPrincipal) -> WriteResult:
    """Add to the organization's evidence; the merged evidence is validated; all-or-nothing."""
    return await _write(request, org, principal, "add")


@router.get(
    "/evidence/template",
    responses={200: {"content": {XLSX: {}}, "description": "An empty workbook: one sheet per kind, row 1 the columns"}},
    tags=["organizations"],
)
def get_evidence_template() -> Response:
    """The empty evidence spreadsheet template (docs/evidence-template.md): one sheet per kind,
    its first row naming the columns; fill it in and upload it to PUT …/evidence. No key needed."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ctrlgraph.evidence.template import KINDS

    workbook = Workbook()
    workbook.remove(workbook.active)
    for kind, (_cls, columns) in KINDS.items():
        sheet = workbook.create_sheet(kind)
        sheet.append(["id", *(c.name for c in columns)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="ctrlgraph-evidence-template.xlsx"'},
    )


class EvidenceCheck(BaseModel):
    organization: str
    mode: Literal["replace", "add"]
    accepted: bool = Field(description="True: the same body sent to PUT/POST …/evidence would be stored")
    triples: int = Field(description="Triples the organization's evidence would hold after the write")
    validation: ValidationReport


@router.post(
    "/orgs/{org}/evidence/validate",
    response_model=EvidenceCheck,
    openapi_extra=UPLOAD_DOC,
    responses={k: v for k, v in UPLOAD_RESPONSES.items() if k != 422},
)
async def validate_upload(
    org: str,
    request: Request,
    principal: RequiredPrincipal,
    mode: Annotated[
        Literal["replace", "add"], Query(description="Check as a replacement (PUT) or an addition (POST)")
    ] = "replace",
) -> EvidenceCheck:
    """Dry run of an evidence upload: parse and validate it exactly as the write would (merged with
    the stored evidence for mode=add) and return the SHACL report; nothing is stored. Violations
    would block the write; warnings would be stored with it."""
    store: GraphStore = request.app.state.store
    require(principal, "read", org)
    org_record = await run_in_threadpool(_org, store, org)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise HTTPException(
            415, f"Content-Type must be one of {', '.join(ACCEPTED_TYPES)} (got {media_type or 'none'})"
        )
    body = await read_body(request, request.app.state.settings.max_body_bytes, what="the evidence body")
    try:
        outcome = await run_in_threadpool(
            repository.check_evidence, store, org, org_record["name"], body, media_type, mode
        )
    except repository.EvidenceTrespass as exc:
        raise trespass(exc) from exc
    except ParseProblem as exc:
        raise HTTPException(400, f"could not read the {media_type} body: {exc}") from exc
    return EvidenceCheck(
        organization=org,
        mode=mode,
        accepted=outcome.report.conforms,
        triples=outcome.triples,
        validation=report_model(outcome.report),
    )


class EvidenceDeleted(BaseModel):
    organization: str
    mode: Literal["delete"] = "delete"
    version: int = Field(description="Number of the new version in the audit trail")
    content_hash: str
    triples: int = Field(description="Triples in the organization's evidence after the write (0)")
    triples_removed: int


@router.delete("/orgs/{org}/evidence", response_model=EvidenceDeleted)
def delete_evidence(org: str, request: Request, principal: RequiredPrincipal) -> EvidenceDeleted:
    """Remove all of the organization's evidence (and its validation report).
    Recorded in the audit trail like any write; earlier versions stay
    restorable. The only way to empty the evidence: an empty upload is 400."""
    store: GraphStore = request.app.state.store
    require(principal, "write", org)
    _org(store, org)
    version, removed, digest = repository.delete_evidence(store, org, principal.key_id)
    request.app.state.generation += 1
    return EvidenceDeleted(organization=org, version=version, content_hash=digest, triples=0, triples_removed=removed)


RDF_OUT = ["text/turtle", "application/ld+json", "application/n-triples"]


@router.get(
    "/orgs/{org}/evidence",
    responses={200: {"content": {t: {} for t in RDF_OUT}}, 406: {"description": "No acceptable format"}},
)
def get_evidence(
    org: str,
    request: Request,
    store: StoreDep,
    principal: RequiredPrincipal,
    at: Annotated[
        datetime | None, Query(description="Read the evidence as it was at this time (ISO 8601), from the audit trail")
    ] = None,
    version: Annotated[int | None, Query(ge=1, description="Read this version of the audit trail")] = None,
) -> Response:
    """The organization's evidence as Turtle (default), JSON-LD or N-Triples; with
    ``at`` or ``version``, as it was then."""
    require(principal, "read", org)
    _org(store, org)
    media_type = choose(parse_accept(request.headers.get("accept")), RDF_OUT)
    if media_type is None:
        return Response("acceptable: " + ", ".join(RDF_OUT) + "\n", status_code=406, media_type="text/plain")
    headers: dict[str, str] = {}
    if at is not None or version is not None:
        if version is None:
            found = repository.version_at(store, org, at)  # type: ignore[arg-type]
            if found is None:
                raise HTTPException(404, f"the organization had no evidence yet at {at}")
            version = found.number
        elif version not in {v.number for v in repository.history(store, org)}:
            raise HTTPException(404, f"no version {version} in the audit trail")
        ntriples = repository.read_version(store, org, version)
        headers["X-Evidence-Version"] = str(version)
    else:
        ntriples = repository.read_evidence(store, org)
    if media_type == "application/n-triples":
        return Response(ntriples, media_type=media_type, headers=headers)
    graph = graph_from_ntriples(ntriples)
    graph.bind("cg", "https://w3id.org/ctrlgraph/ns#")
    fmt = "turtle" if media_type == "text/turtle" else "json-ld"
    return Response(graph.serialize(format=fmt), media_type=media_type, headers=headers)


@router.get("/orgs/{org}/history", response_model=History)
def get_history(org: str, store: StoreDep, principal: RequiredPrincipal) -> History:
    """The audit trail: every change to the evidence — who (key id), when, triples added and
    removed, and the content hash of the result."""
    require(principal, "read", org)
    _org(store, org)
    return History(
        organization=org,
        versions=[
            EvidenceVersionOut(
                version=v.number,
                created=v.created,
                changed_by=v.changed_by,
                kind=v.kind,
                triples_added=v.added,
                triples_removed=v.removed,
                triples=v.triples,
                content_hash=v.content_hash,
            )
            for v in repository.history(store, org)
        ],
    )


@router.post("/orgs/{org}/history/{version}/restore", response_model=WriteResult)
def restore_version(
    org: str, version: int, request: Request, store: StoreDep, principal: RequiredPrincipal
) -> WriteResult:
    """Bring back an earlier version; the restore is itself a new version in the trail."""
    require(principal, "write", org)
    org_record = _org(store, org)
    if version not in {v.number for v in repository.history(store, org)}:
        raise HTTPException(404, f"no version {version} in the audit trail")
    ntriples = repository.read_version(store, org, version)
    try:
        outcome = repository.write_evidence(
            store,
            org,
            org_record["name"],
            ntriples.encode(),
            "application/n-triples",
            "restore",
            None,
            principal.key_id,
        )
    except repository.EvidenceTrespass as exc:
        raise trespass(exc) from exc
    except repository.EvidenceRejected as exc:
        raise rejected(exc, f"version {version} no longer conforms to the shapes") from exc
    return written(request, org, "restore", outcome)


@router.get(
    "/orgs/{org}/validation",
    response_model=ValidationReport,
    responses={200: {"content": {"application/json": {}, "text/turtle": {}}}},
)
def get_validation(
    org: str,
    request: Request,
    store: StoreDep,
    principal: RequiredPrincipal,
    as_of: Annotated[IsoDate | None, Query(description="Validate as of this date (default today)")] = None,
) -> ValidationReport | Response:
    """Validate the stored evidence now: the SHACL report as JSON, or as
    sh:ValidationReport Turtle (Accept: text/turtle)."""
    require(principal, "read", org)
    _org(store, org)
    report = validate_ntriples(repository.read_evidence(store, org), as_of, tenant=org)
    if choose(parse_accept(request.headers.get("accept")), ["application/json", "text/turtle"]) == "text/turtle":
        report.report.bind("sh", "http://www.w3.org/ns/shacl#")
        return Response(report.report.serialize(format="turtle"), media_type="text/turtle")
    return report_model(report)


@router.get("/orgs/{org}/classification", response_model=Classification)
def get_classification(org: str, store: StoreDep, principal: RequiredPrincipal) -> Classification:
    """EU AI Act classification of each AI system, with the rule and facts used."""
    require(principal, "read", org)
    _org(store, org)
    return classification_mod.classification(store, org, repository.evidence_graph(org))


@router.get(
    "/orgs/{org}/gaps",
    response_model=GapAnalysis,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
def get_gaps(
    org: str,
    request: Request,
    store: StoreDep,
    principal: RequiredPrincipal,
    framework: Annotated[
        list[str] | None, Query(description="Framework id (repeat); default: 42001, 27001, 9001, AI Act")
    ] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Judge evidence as of this date (YYYY-MM-DD, default today)")
    ] = None,
    format: Annotated[Literal["json", "csv", "xlsx"] | None, Query()] = None,
) -> GapAnalysis | Response:
    """Per applicable assessable requirement: met / partial / gap / invalid / not applicable,
    with the controls, evidence and SHACL results behind the verdict; summary per framework;
    the controls that would close the most open requirements."""
    require(principal, "read", org)
    _org(store, org)
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    result = gaps_mod.analyse(
        store, org, repository.evidence_graph(org), repository.report_graph(org), frameworks, as_of
    )
    header = ["framework", "notation", "title", "status", "reason", "controls", "certification blocking"]

    def row(r: RequirementGap) -> list[object]:
        return [
            r.framework,
            r.notation,
            r.title,
            r.status,
            r.reason,
            " ".join(f"{c.control}:{c.state}" for c in r.controls),
            "yes" if r.certification_blocking else "no",
        ]

    if format == "xlsx" or (format is None and XLSX in request.headers.get("accept", "")):
        # One sheet per framework, frozen header, filters (the interop workbook writer).
        sheets = [(f, header, [row(r) for r in result.requirements if r.framework == f]) for f in frameworks]
        handle = spreadsheet.workbook(sheets)
        return Response(
            handle.read(),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{org}-gaps.xlsx"'},
        )
    if wants_csv(request, format):
        return csv_response(header, (row(r) for r in result.requirements), f"{org}-gaps")
    return result


@router.get("/orgs/{org}/kpis", response_model=Kpis)
def get_kpis(
    org: str,
    store: StoreDep,
    principal: RequiredPrincipal,
    framework: Annotated[list[str] | None, Query()] = None,
    as_of: Annotated[
        IsoDate | None, Query(description="Judge evidence as of this date (YYYY-MM-DD, default today)")
    ] = None,
) -> Kpis:
    """Certification KPIs: risk-assessment coverage, treatment implementation, incident times,
    metrics out of threshold, documentation completeness per tier, % met per framework."""
    require(principal, "read", org)
    _org(store, org)
    return kpis_mod.kpis(
        store,
        org,
        repository.evidence_graph(org),
        repository.report_graph(org),
        list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS)),
        as_of,
    )


@router.get("/orgs/{org}/systems", response_model=list[SystemOut])
def get_systems(
    org: str,
    store: StoreDep,
    principal: RequiredPrincipal,
    as_of: Annotated[IsoDate | None, Query(description="Judge evidence as of this date (default today)")] = None,
) -> list[SystemOut]:
    """The AI system inventory: each system's id, roles, AI Act class (with the rules and facts used)
    and how many AI Act obligations are met, partial, gap, invalid or not applicable for it."""
    require(principal, "read", org)
    _org(store, org)
    return systems_mod.list_systems(store, org, repository.evidence_graph(org), repository.report_graph(org), as_of)


@router.get("/orgs/{org}/systems/{system_id}/obligations", response_model=SystemObligations)
def get_system_obligations(
    org: str,
    system_id: str,
    store: StoreDep,
    principal: RequiredPrincipal,
    as_of: Annotated[IsoDate | None, Query(description="Judge evidence as of this date (default today)")] = None,
) -> SystemObligations:
    """Every assessable AI Act provision for one AI system: those that apply (why: role, class, the
    applicability conditions and the facts they used; status judged with the evidence about this
    system), then those that do not, with the rule that excludes them."""
    require(principal, "read", org)
    _org(store, org)
    try:
        return systems_mod.system_obligations(
            store, org, repository.evidence_graph(org), repository.report_graph(org), system_id, as_of
        )
    except systems_mod.UnknownSystem as exc:
        raise HTTPException(404, str(exc)) from exc


@router.get("/orgs", response_model=list[Organization], tags=["administration"])
def list_orgs(store: StoreDep, principal: RequiredPrincipal) -> list[Organization] | JSONResponse:
    """Organizations: all of them for an admin key, one's own otherwise."""
    orgs = tenants.list_orgs(store)
    if not principal.is_admin:
        orgs = [o for o in orgs if o["id"] == principal.org]
    return [Organization(**o) for o in orgs]
