"""Planning routes: the minimal shared control set (/v1/plan), certification
deltas (/v1/plan/delta), the Statement of Applicability
(/v1/orgs/{org}/soa), the roadmap (/v1/orgs/{org}/roadmap) and the
Harmonized Structure integration view (/v1/integration).

Reference answers need no key; anything about an organization needs a key
that may read it. JSON by default; CSV, XLSX or Markdown where the route
offers them (``?format=`` or ``Accept``); an ``Accept`` none of them meets is
a 406.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from ctrlgraph.api.auth import OptionalPrincipal, RequiredPrincipal, require
from ctrlgraph.api.deps import IsoDate, StoreDep
from ctrlgraph.api.orgs import DEFAULT_FRAMEWORKS, KEYED_RESPONSES
from ctrlgraph.api.reference import unprocessable
from ctrlgraph.api.tabular import csv_response
from ctrlgraph.evidence import tenants
from ctrlgraph.evidence.tenants import Principal
from ctrlgraph.planning import BadParameter
from ctrlgraph.planning import delta as delta_mod
from ctrlgraph.planning import integration as integration_mod
from ctrlgraph.planning import plan as plan_mod
from ctrlgraph.planning import roadmap as roadmap_mod
from ctrlgraph.planning import soa as soa_mod
from ctrlgraph.planning.models import Delta, Integration, Plan, Roadmap, StatementOfApplicability
from ctrlgraph.planning.xlsx import XLSX_MEDIA_TYPE, workbook
from ctrlgraph.sparql.negotiation import choose, parse_accept
from ctrlgraph.store.base import GraphStore

router = APIRouter(prefix="/v1", tags=["planning"], responses=KEYED_RESPONSES)

JSON, CSV, MARKDOWN = "application/json", "text/csv", "text/markdown"
MEDIA = {"json": JSON, "csv": CSV, "xlsx": XLSX_MEDIA_TYPE, "markdown": MARKDOWN}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown framework (lists the valid ids) or organization"}
}
NOT_ACCEPTABLE: dict[int | str, dict[str, Any]] = {406: {"description": "No offered format is acceptable"}}

Frameworks = Annotated[
    list[str] | None,
    Query(description="Framework id; repeat for each (default: 42001, 27001, 9001 and the AI Act)"),
]
TimeLimit = Annotated[float, Query(gt=0, le=300, description="Seconds the solver may use (default 10)")]
Weighted = Annotated[bool, Query(description="Minimise total effort (cg:effort) instead of the number of controls")]
AsOf = Annotated[IsoDate | None, Query(description="Judge evidence as of this date (default today)")]
Org = Annotated[str | None, Query(description="Plan for what is still open for this organization (needs its read key)")]


def negotiate(request: Request, format: str | None, offered: list[str]) -> str:
    """The format to answer in: ``format`` if given, else the best ``Accept`` match."""
    if format is not None:
        return format
    media = choose(parse_accept(request.headers.get("accept")), [MEDIA[f] for f in offered])
    if media is None:
        raise HTTPException(406, "acceptable: " + ", ".join(MEDIA[f] for f in offered))
    return next(f for f in offered if MEDIA[f] == media)


def check_org(store: GraphStore, principal: Principal | None, org: str) -> None:
    """A key that may read the organization, and the organization exists."""
    if principal is None:
        raise HTTPException(
            401, "this call needs an API key (Authorization: Bearer …)", headers={"WWW-Authenticate": "Bearer"}
        )
    require(principal, "read", org)
    if tenants.get_org(store, org) is None:
        raise HTTPException(404, f"unknown organization {org!r}")


def _bad(exc: BadParameter) -> HTTPException:
    return unprocessable(exc.parameter, str(exc))


# --------------------------------------------------------------------------
# Minimal shared control set
# --------------------------------------------------------------------------
@router.get(
    "/plan",
    response_model=Plan,
    responses={200: {"content": {CSV: {}}}, **NOT_FOUND, **NOT_ACCEPTABLE},
)
def get_plan(
    request: Request,
    store: StoreDep,
    principal: OptionalPrincipal,
    framework: Frameworks = None,
    weighted: Weighted = False,
    time_limit: TimeLimit = 10.0,
    org: Org = None,
    as_of: AsOf = None,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Plan | Response:
    """The smallest set of common controls (or, weighted, the least total effort)
    whose implementation covers every applicable assessable requirement of the
    frameworks under the gap analysis' coverage rule: solved exactly as an
    integer program (OR-Tools CP-SAT) within the time limit, with the proof
    status and bound, compared with the greedy answer. Requirements no control
    can cover are listed with the reason. With ``org``, only what the
    organization's gap analysis still shows open is planned for."""
    if org is not None:
        check_org(store, principal, org)
    chosen = negotiate(request, format, ["json", "csv"])
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    result = plan_mod.plan(store, frameworks, weighted=weighted, time_limit=time_limit, org=org, as_of=as_of)
    if chosen == "csv":
        return csv_response(
            ["control", "title", "domain", "phase", "effort", "state", "frameworks", "closes", "requirements", "route"],
            (
                [
                    c.notation,
                    c.title,
                    c.domain,
                    c.phase,
                    c.effort,
                    c.state,
                    " ".join(c.frameworks),
                    c.closes,
                    "; ".join(f"{f} {', '.join(n)}" for f, n in c.requirements.items()),
                    plan_mod.route_cell(c),
                ]
                for c in result.controls
            ),
            "plan",
        )
    return result


# --------------------------------------------------------------------------
# Certification deltas
# --------------------------------------------------------------------------
@router.get(
    "/plan/delta",
    response_model=Delta,
    responses={200: {"content": {CSV: {}}}, **NOT_FOUND, **NOT_ACCEPTABLE},
)
def get_delta(
    request: Request,
    store: StoreDep,
    principal: OptionalPrincipal,
    want: Annotated[list[str], Query(min_length=1, description="Target framework id (repeat)")],
    have: Annotated[list[str] | None, Query(description="Framework already implemented (repeat)")] = None,
    org: Annotated[
        str | None, Query(description="Take what is in place from this organization's evidence (needs its read key)")
    ] = None,
    as_of: AsOf = None,
    weighted: Weighted = False,
    time_limit: TimeLimit = 10.0,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Delta | Response:
    """What remains for the target frameworks given the frameworks already
    implemented (every control covering one of their requirements is taken to
    be in place) and/or the organization's evidence: requirements already
    satisfied through shared controls, those partially, those open, and the
    minimal set of new controls, most closing first."""
    if org is not None:
        check_org(store, principal, org)
    chosen = negotiate(request, format, ["json", "csv"])
    try:
        result = delta_mod.delta(
            store, have or [], want, org=org, as_of=as_of, weighted=weighted, time_limit=time_limit
        )
    except BadParameter as exc:
        raise _bad(exc) from exc
    if chosen == "csv":
        return csv_response(
            ["framework", "notation", "title", "status", "reason", "controls", "route"],
            (
                [
                    r.framework,
                    r.notation,
                    r.title,
                    r.status,
                    r.reason,
                    " ".join(f"{c.control}:{c.state}" for c in r.controls),
                    delta_mod.route_cell(r),
                ]
                for r in result.requirements
            ),
            "delta",
        )
    return result


# --------------------------------------------------------------------------
# Statement of Applicability
# --------------------------------------------------------------------------
@router.get(
    "/orgs/{org}/soa",
    response_model=StatementOfApplicability,
    responses={200: {"content": {CSV: {}, XLSX_MEDIA_TYPE: {}}}, **NOT_FOUND, **NOT_ACCEPTABLE},
    tags=["organizations"],
)
def get_soa(
    org: str,
    request: Request,
    store: StoreDep,
    principal: RequiredPrincipal,
    framework: Annotated[
        list[str] | None,
        Query(description="iso27001-2022 and/or iso42001-2023 (default: both)"),
    ] = None,
    as_of: AsOf = None,
    format: Annotated[Literal["json", "csv", "xlsx"] | None, Query()] = None,
) -> StatementOfApplicability | Response:
    """The Statement of Applicability: every Annex A control, whether it applies,
    the justification for inclusion (the organization's own, the legal
    obligations and requirements its common controls serve, the risks of the
    AI systems its evidence is about) or exclusion (the justification of the
    not-applicable implementation), its implementation status, and the common
    controls and evidence behind it. JSON, CSV or an XLSX workbook."""
    check_org(store, principal, org)
    chosen = negotiate(request, format, ["json", "csv", "xlsx"])
    frameworks = list(dict.fromkeys(framework or ["iso27001-2022", "iso42001-2023"]))
    try:
        result = soa_mod.statement(store, org, frameworks, context=DEFAULT_FRAMEWORKS, as_of=as_of)
    except BadParameter as exc:
        raise _bad(exc) from exc
    if chosen == "csv":
        return csv_response(soa_mod.HEADER, soa_mod.rows(result), f"{org}-soa")
    if chosen == "xlsx":
        return Response(
            workbook(soa_mod.sheets(result)),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{org}-soa.xlsx"'},
        )
    return result


# --------------------------------------------------------------------------
# Roadmap
# --------------------------------------------------------------------------
@router.get(
    "/orgs/{org}/roadmap",
    response_model=Roadmap,
    responses={200: {"content": {CSV: {}, MARKDOWN: {}}}, **NOT_FOUND, **NOT_ACCEPTABLE},
    tags=["organizations"],
)
def get_roadmap(
    org: str,
    request: Request,
    store: StoreDep,
    principal: RequiredPrincipal,
    framework: Frameworks = None,
    as_of: AsOf = None,
    weighted: Annotated[
        bool, Query(description="Choose the controls by least total effort (default) or fewest controls")
    ] = True,
    time_limit: TimeLimit = 10.0,
    format: Annotated[Literal["json", "markdown", "csv"] | None, Query()] = None,
) -> Roadmap | Response:
    """The organization's open gaps as a phased plan (foundation → development →
    implementation → certification preparation): each step names the control
    to implement (or evidence to collect), the requirements it closes in every
    framework and the documents to produce; within a phase, controls serving
    more frameworks come first. JSON, Markdown or CSV."""
    check_org(store, principal, org)
    chosen = negotiate(request, format, ["json", "markdown", "csv"])
    frameworks = list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS))
    result = roadmap_mod.roadmap(store, org, frameworks, as_of=as_of, weighted=weighted, time_limit=time_limit)
    if chosen == "markdown":
        return Response(roadmap_mod.markdown(result), media_type="text/markdown; charset=utf-8")
    if chosen == "csv":
        return csv_response(roadmap_mod.HEADER, roadmap_mod.rows(result), f"{org}-roadmap")
    return result


# --------------------------------------------------------------------------
# Integration view
# --------------------------------------------------------------------------
@router.get(
    "/integration",
    response_model=Integration,
    responses={200: {"content": {CSV: {}}}, **NOT_FOUND, **NOT_ACCEPTABLE},
)
def get_integration(
    request: Request,
    store: StoreDep,
    framework: Frameworks = None,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Integration | Response:
    """For each management-system element of the Harmonized Structure (context,
    leadership, policy, risk, objectives, resources, competence, awareness,
    communication, documented information, operational control, monitoring,
    internal audit, management review, nonconformity, improvement) and each
    integration point (with ISO/IEC 27001: asset, risk, incident, supplier; with
    ISO 9001: objectives, process documentation, customers, continual
    improvement; common to all three: document control, training and
    competence, internal audit, management review): the frameworks' requirements, and the shared processes (common
    controls) that satisfy them."""
    chosen = negotiate(request, format, ["json", "csv"])
    result = integration_mod.integration(store, list(dict.fromkeys(framework or DEFAULT_FRAMEWORKS)))
    if chosen == "csv":
        return csv_response(integration_mod.HEADER, integration_mod.rows(result), "integration")
    return result
