"""REST routes over the reference graph (/v1/…): reading needs no key."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from ctrlgraph import catalog
from ctrlgraph.api.deps import StoreDep
from ctrlgraph.api.tabular import csv_response, model_json, wants_csv
from ctrlgraph.cells import for_csv
from ctrlgraph.models import (
    ControlDetail,
    ControlSummary,
    Crosswalk,
    Framework,
    RelatedRequirements,
    RequirementDetail,
    RequirementTree,
    SharedControls,
)

router = APIRouter(prefix="/v1", tags=["reference"])

Format = Annotated[Literal["json", "csv"] | None, Query(description="json (default) or csv; or use Accept")]
CSV = {"text/csv": {}}


def unprocessable(parameter: str, message: str) -> HTTPException:
    """A 422 in FastAPI's own shape, naming the query parameter at fault."""
    return HTTPException(status_code=422, detail=[{"loc": ["query", parameter], "msg": message, "type": "value_error"}])


@router.get("/frameworks", response_model=list[Framework], responses={200: {"content": CSV}})
def list_frameworks(request: Request, store: StoreDep, format: Format = None) -> list[Framework] | Response:
    """Every framework: id, title, version, publisher and requirement counts."""
    result = catalog.frameworks(store)
    if wants_csv(request, format):
        return csv_response(
            ["id", "title", "version", "publisher", "requirements", "assessable", "mapped"],
            (
                [f.id, f.title, f.version, f.publisher, f.requirement_count, f.assessable_count, f.mapped_count]
                for f in result
            ),
            "frameworks",
        )
    return result


@router.get(
    "/frameworks/{framework_id}/requirements",
    response_model=RequirementTree,
    responses={200: {"content": CSV}, 404: {"description": "Unknown framework (lists the valid ids)"}},
)
def framework_requirements(
    framework_id: str, request: Request, store: StoreDep, format: Format = None
) -> RequirementTree | Response:
    """The requirement tree of a framework, in document order."""
    tree = catalog.requirement_tree(store, framework_id)
    if wants_csv(request, format):
        return csv_response(
            ["notation", "title", "parent", "assessable", "type", "depth"],
            ([n.notation, n.title, n.parent, n.assessable, n.type, n.depth] for n in tree.requirements),
            f"{framework_id}-requirements",
        )
    return tree


@router.get(
    "/requirements",
    response_model=RequirementDetail,
    responses={404: {"description": "Unknown framework or notation (lists the valid values)"}},
)
def get_requirement(
    request: Request,
    store: StoreDep,
    framework: Annotated[str, Query(description="Framework id, e.g. iso42001-2023")],
    notation: Annotated[str, Query(description="Reference as cited, e.g. 6.1.2, Art. 12 or Art. 9(2)(a)")],
) -> RequirementDetail:
    """One requirement with its mappings and Harmonized Structure links. A
    container (article, section, annex point, clause such as 9.2) answers
    with its parts and the mappings and links of all of them rolled up, each
    saying which part it sits on. The requirements of other frameworks that
    share those controls are at the URL in ``related``
    (GET /v1/requirements/related), a page at a time."""
    related_url = request.url_for("related_requirements").include_query_params(framework=framework, notation=notation)
    return model_json(catalog.requirement(store, framework, notation, str(related_url)))


@router.get(
    "/requirements/related",
    response_model=RelatedRequirements,
    name="related_requirements",
    responses={404: {"description": "Unknown framework or notation (lists the valid values)"}},
)
def get_related_requirements(
    request: Request,
    store: StoreDep,
    framework: Annotated[str, Query(description="Framework id, e.g. iso42001-2023")],
    notation: Annotated[str, Query(description="Reference as cited, e.g. 6.1.2, Art. 12 or Art. 9(2)(a)")],
    limit: Annotated[
        int,
        Query(ge=0, le=catalog.RELATED_LIMIT_MAX, description="Related requirements per page (0: count them only)"),
    ] = catalog.RELATED_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Related requirements to skip (paging)")] = 0,
) -> RelatedRequirements:
    """The requirements of other frameworks that share a control with this
    requirement or any of its parts (relationship composed, path kept, parts
    named), a page at a time in IRI order: ``total`` counts them all exactly
    and ``next`` is the URL of the next page (null on the last)."""
    page = catalog.related(store, framework, notation, limit, offset)
    if limit and offset + limit < page.total:
        page.next = str(request.url.include_query_params(offset=offset + limit))
    return model_json(page)


@router.get("/controls", response_model=list[ControlSummary], responses={200: {"content": CSV}})
def list_controls(request: Request, store: StoreDep, format: Format = None) -> list[ControlSummary] | Response:
    """Every common control with its domain, phase and how many frameworks and requirements it serves
    (by its own mappings and by the direct+control route, as /v1/shared-controls counts them)."""
    result = catalog.controls(store)
    if wants_csv(request, format):
        return csv_response(
            ["notation", "title", "domain", "phase", "effort", "frameworks", "requirements"],
            ([c.notation, c.title, c.domain, c.phase, c.effort, c.frameworks, c.requirements] for c in result),
            "controls",
        )
    return result


@router.get(
    "/controls/{notation}",
    response_model=ControlDetail,
    responses={200: {"content": CSV}, 404: {"description": "Unknown control (lists the valid notations)"}},
)
def get_control(notation: str, request: Request, store: StoreDep, format: Format = None) -> ControlDetail | Response:
    """A control with every requirement it serves, grouped by framework; each says its route."""
    detail = catalog.control(store, notation)
    if wants_csv(request, format):
        columns = ["notation", "title", "relationship", "strength", "explanation", "route", "through"]
        return csv_response(
            ["control", "framework", *columns],
            (
                [detail.notation, fw, *(getattr(r, c) for c in columns)]
                for fw, reqs in detail.serves.items()
                for r in reqs
            ),
            f"control-{notation}",
        )
    return detail


@router.get(
    "/shared-controls",
    response_model=SharedControls,
    responses={200: {"content": CSV}, 404: {"description": "Unknown framework (lists the valid ids)"}},
)
def shared_controls(
    request: Request,
    store: StoreDep,
    framework: Annotated[list[str], Query(description="Framework id; repeat for each framework", min_length=1)],
    min_frameworks: Annotated[
        int | None, Query(ge=1, description="Serve at least this many of the given frameworks (default: all)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    format: Format = None,
) -> SharedControls | Response:
    """Controls that serve at least K of the given frameworks, ranked by the
    number of frameworks and then of requirements served."""
    frameworks = list(dict.fromkeys(framework))
    k = len(frameworks) if min_frameworks is None else min_frameworks
    if k > len(frameworks):
        raise unprocessable(
            "min_frameworks", f"min_frameworks ({k}) is larger than the number of frameworks given ({len(frameworks)})"
        )
    result = catalog.shared_controls(store, frameworks, k, limit)
    if wants_csv(request, format):
        return csv_response(
            ["control", "title", "frameworks", "requirements", "framework", "notations"],
            (
                [
                    c.notation,
                    c.title,
                    c.framework_count,
                    c.requirement_count,
                    fw,
                    " ".join(r.notation for r in reqs),
                ]
                for c in result.controls
                for fw, reqs in c.requirements.items()
            ),
            "shared-controls",
        )
    return model_json(result)


SSSOM_PREDICATES = {
    "equal": "skos:exactMatch",
    "subset of": "skos:broadMatch",
    "superset of": "skos:narrowMatch",
    "intersects with": "skos:relatedMatch",
}


@router.get(
    "/crosswalk",
    response_model=Crosswalk,
    responses={
        200: {"content": {"text/csv": {}, "text/tab-separated-values": {}}},
        404: {"description": "Unknown framework (lists the valid ids)"},
    },
)
def crosswalk(
    request: Request,
    store: StoreDep,
    source: Annotated[str, Query(description="Source framework id")],
    target: Annotated[str, Query(description="Target framework id")],
    format: Annotated[Literal["json", "csv", "sssom"] | None, Query()] = None,
    level: Annotated[
        Literal["requirement", "article"],
        Query(
            description="requirement: pairs as mapped; article: each side rolled up to its article (AI Act Art. N, "
            "an annex; for ISO a clause such as 9.2), one pair per article pair, with the requirement pairs in parts"
        ),
    ] = "requirement",
) -> Crosswalk | Response:
    """Requirement pairs of two frameworks derived through shared controls:
    relationship composed by the STRM composition table
    (ontology/strm-composition.ttl), strength = weakest link, paths = controls."""
    if source == target:
        raise unprocessable("target", "source and target must be different frameworks")
    result = catalog.crosswalk(store, source, target, level)
    if format == "sssom":
        return Response(sssom_tsv(result), media_type="text/tab-separated-values; charset=utf-8")
    if wants_csv(request, format):
        return csv_response(
            ["source", "source_title", "target", "target_title", "relationship", "determined", "strength", "via"],
            (
                [
                    p.source,
                    p.source_title,
                    p.target,
                    p.target_title,
                    p.relationship,
                    p.determined,
                    p.strength,
                    " ".join(x.via for x in p.paths),
                ]
                for p in result.pairs
            ),
            f"crosswalk-{source}-{target}",
        )
    return model_json(result)


def sssom_tsv(result: Crosswalk) -> str:
    """A crosswalk as SSSOM TSV: YAML metadata block, then one row per pair."""
    base = "https://w3id.org/ctrlgraph/id/"

    def clean(text: str) -> str:
        return str(for_csv(text.replace("\t", " ").replace("\n", " ")))

    lines = [
        f"# mapping_set_id: {base}crosswalk/{result.source}/{result.target}",
        "# license: https://www.apache.org/licenses/LICENSE-2.0",
        f"# mapping_set_description: Crosswalk {result.source} -> {result.target}"
        " derived through ctrlgraph common controls",
        "# curie_map:",
        f"#   src: {base}{result.source}/",
        f"#   tgt: {base}{result.target}/",
        f"#   ctl: {base}control/",
        "#   skos: http://www.w3.org/2004/02/skos/core#",
        "#   semapv: https://w3id.org/semapv/vocab/",
        "# extension_definitions:",
        "#   - slot_name: strm_relationship",
        "#     property: https://w3id.org/ctrlgraph/ns#relationship",
        "\t".join(
            [
                "subject_id",
                "subject_label",
                "predicate_id",
                "object_id",
                "object_label",
                "mapping_justification",
                "confidence",
                "strm_relationship",
                "comment",
            ]
        ),
    ]
    from ctrlgraph.iri import slug

    for p in result.pairs:
        lines.append(
            "\t".join(
                [
                    f"src:{slug(p.source)}",
                    clean(f"{p.source} {p.source_title}"),
                    SSSOM_PREDICATES[p.relationship],
                    f"tgt:{slug(p.target)}",
                    clean(f"{p.target} {p.target_title}"),
                    "semapv:MappingChaining",
                    f"{p.strength / 10:.1f}" if p.strength is not None else "",
                    p.relationship,
                    clean("via " + ", ".join(f"ctl:{x.control}" if x.control else "direct" for x in p.paths)),
                ]
            )
        )
    return "\n".join(lines) + "\n"
