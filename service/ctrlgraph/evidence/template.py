"""The spreadsheet template for evidence: one sheet (XLSX) or one CSV per kind.

Each sheet's first row holds column names; the ``id`` column is a local id
(unique within the sheet) that other sheets refer to. Column types come from
:data:`KINDS`; the allowed values of a controlled column are the labels of the
individuals of its range class in ontology/evidence.ttl (e.g. lifecycle_stage:
"design", "development", …), so the template never drifts from the ontology.
Multiple values in one cell are separated by ';'. Documented in
docs/evidence-template.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ctrlgraph.cells import from_csv
from ctrlgraph.evidence.parsing import ParseProblem, base_iri
from ctrlgraph.iri import CG, control_iri, requirement_iri
from ctrlgraph.paths import ontology_dir


@dataclass(frozen=True)
class Column:
    name: str
    prop: str
    kind: str  # string | date | datetime | bool | decimal | enum | ref:<sheet> | control | aiact | requirement
    required: bool = False
    multi: bool = False


def _c(name: str, prop: str, kind: str = "string", required: bool = False, multi: bool = False) -> Column:
    return Column(name, prop if prop.startswith("http") else CG + prop, kind, required, multi)


LABEL = str(RDFS.label)
KINDS: dict[str, tuple[str, list[Column]]] = {
    "organization": (
        "Organization",
        [
            _c("name", LABEL, required=True),
            _c("aims_scope", "aimsScope"),
            _c("legal_form", "legalForm", "enum"),
            _c("established_in_union", "establishedInUnion", "bool"),
            _c("regulated_financial_institution", "regulatedFinancialInstitution", "bool"),
            _c("sector", "sector"),
            _c("risk_acceptance_threshold", "riskAcceptanceThreshold", "enum"),
        ],
    ),
    "ai_systems": (
        "AISystem",
        [
            _c("name", LABEL, required=True),
            _c("intended_purpose", "intendedPurpose"),
            _c("lifecycle_stage", "lifecycleStage", "enum"),
            _c("owner", "owner"),
            _c("operator_role", "operatorRole", "enum", multi=True),
            _c("annex_iii_area", "annexIIIArea", "aiact"),
            _c("prohibited_practice", "prohibitedPractice", "aiact"),
            _c("safety_component_annex_i", "safetyComponentAnnexI", "bool"),
            _c("profiles_natural_persons", "profilesNaturalPersons", "bool"),
            _c("claims_art6_3_derogation", "claimsArt6_3Derogation", "bool"),
            _c("derogation_documented", "derogationDocumented", "bool"),
            _c("interacts_with_persons", "interactsWithPersons", "bool"),
            _c("generates_synthetic_content", "generatesSyntheticContent", "bool"),
            _c(
                "emotion_recognition_or_biometric_categorisation", "emotionRecognitionOrBiometricCategorisation", "bool"
            ),
            _c("generates_deep_fakes", "generatesDeepFakes", "bool"),
            _c("is_gpai_model", "isGpaiModel", "bool"),
            _c("gpai_systemic_risk", "gpaiSystemicRisk", "bool"),
            _c("annex_i_product_legislation", "annexIProductLegislation", "aiact"),
            _c("art6_3_ground", "art6_3Ground", "aiact"),
            _c("remote_biometric_identification", "remoteBiometricIdentification", "enum"),
            _c("law_enforcement_use", "lawEnforcementUse", "bool"),
            _c("used_at_workplace", "usedAtWorkplace", "bool"),
            _c("risk_acceptance_threshold", "riskAcceptanceThreshold", "enum"),
        ],
    ),
    "documents": (
        "Document",
        [
            _c("title", LABEL, required=True),
            _c("tier", "documentationTier", "enum"),
            _c("kind", "documentKind", "enum"),
            _c("version", "version"),
            _c("approver", "approver"),
            _c("approved_on", "approvedOn", "date"),
            _c("next_review_on", "nextReviewOn", "date"),
        ],
    ),
    "implementations": (
        "ControlImplementation",
        [
            _c("control", "implementsControl", "control", required=True),
            _c("status", "implementationStatus", "enum"),
            _c("owner", "owner"),
            _c("justification", "justification"),
        ],
    ),
    "evidence": (
        "EvidenceArtifact",
        [
            _c("what", LABEL, required=True),
            _c("location", "location"),
            _c("collected_on", "collectedOn", "date"),
            _c("valid_until", "validUntil", "date"),
            _c("supports", "supports", "ref:implementations", required=True, multi=True),
            _c("evidence_type", "evidenceType", "enum"),
            _c("about_system", "aboutSystem", "ref:ai_systems"),
        ],
    ),
    "risk_assessments": (
        "RiskAssessment",
        [
            _c("about_system", "aboutSystem", "ref:ai_systems", required=True),
            _c("performed_on", "performedOn", "date"),
            _c("next_review_on", "nextReviewOn", "date"),
            _c("identifies_risks", "identifiesRisk", "ref:risks", multi=True),
        ],
    ),
    "risks": (
        "Risk",
        [
            _c("description", LABEL, required=True),
            _c("level", "riskLevel", "enum"),
            _c("residual_level", "residualRiskLevel", "enum"),
        ],
    ),
    "treatments": (
        "RiskTreatment",
        [
            _c("description", LABEL),
            _c("treats", "treats", "ref:risks", multi=True, required=True),
            _c("status", "treatmentStatus", "enum"),
            _c("owner", "owner"),
        ],
    ),
    "impact_assessments": (
        "ImpactAssessment",
        [_c("about_system", "aboutSystem", "ref:ai_systems", required=True), _c("performed_on", "performedOn", "date")],
    ),
    "incidents": (
        "Incident",
        [
            _c("description", LABEL, required=True),
            _c("about_system", "aboutSystem", "ref:ai_systems"),
            _c("occurred_at", "occurredAt", "datetime"),
            _c("detected_at", "detectedAt", "datetime"),
            _c("responded_at", "respondedAt", "datetime"),
            _c("resolved_at", "resolvedAt", "datetime"),
        ],
    ),
    "metrics": (
        "Metric",
        [
            _c("name", LABEL, required=True),
            _c("about_system", "aboutSystem", "ref:ai_systems"),
            _c("kind", "metricKind", "enum"),
            _c("measure", "metricMeasure", "enum"),
            _c("threshold", "threshold", "decimal"),
            _c("direction", "thresholdDirection", "enum"),
            _c("measured_value", "measuredValue", "decimal"),
            _c("measured_on", "measuredOn", "date"),
        ],
    ),
    "audits": ("InternalAudit", [_c("title", LABEL, required=True), _c("performed_on", "performedOn", "date")]),
    "findings": (
        "Finding",
        [
            _c("description", LABEL, required=True),
            _c("audit", "fromAudit", "ref:audits"),
            _c("status", "findingStatus", "enum"),
            _c("control", "aboutControl", "control"),
        ],
    ),
    "reviews": ("ManagementReview", [_c("title", LABEL), _c("performed_on", "performedOn", "date")]),
    "trainings": (
        "TrainingRecord",
        [
            _c("title", LABEL, required=True),
            _c("performed_on", "performedOn", "date", required=True),
            _c("about_system", "aboutSystem", "ref:ai_systems"),
        ],
    ),
    "exclusions": (
        "RequirementExclusion",
        [
            _c("requirement", "excludesRequirement", "requirement", required=True),
            _c("justification", "justification", required=True),
            _c("owner", "owner"),
        ],
    ),
}


@cache
def _ontology() -> Graph:
    graph = Graph()
    for path in sorted(ontology_dir().glob("*.ttl")):
        graph.parse(path)
    return graph


@cache
def enum_values(prop: str) -> dict[str, str]:
    """label -> IRI of the individuals of ``prop``'s range class."""
    onto = _ontology()
    range_class = onto.value(URIRef(prop), RDFS.range)
    values: dict[str, str] = {}
    for individual in onto.subjects(RDF.type, range_class):
        if (individual, RDF.type, OWL.NamedIndividual) in onto:
            label = onto.value(individual, RDFS.label)
            if label is not None:
                values[str(label).lower()] = str(individual)
                values[str(individual).rsplit("#", 1)[-1].lower()] = str(individual)
    return values


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _rows_from_csv(body: bytes) -> list[list[str]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseProblem("", f"the CSV is not UTF-8 (byte {exc.start})") from exc
    try:
        return [[from_csv(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ParseProblem("", f"not a readable CSV: {exc}") from exc


def _rows_from_xlsx(body: bytes) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook

    from ctrlgraph.bounds import check_xlsx

    check_xlsx(body)  # before openpyxl pads sheets to their declared size or unzips a bomb
    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:
        raise ParseProblem("", f"not a readable XLSX workbook: {exc}") from exc
    sheets: dict[str, list[list[str]]] = {}
    for sheet in workbook.worksheets:
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(
                ["" if v is None else (v.isoformat() if isinstance(v, (date, datetime)) else str(v)) for v in row]
            )
        sheets[sheet.title] = rows
    return sheets


def template_to_ntriples(body: bytes, media_type: str, org_id: str, kind: str | None = None) -> str:
    """Convert a workbook (every sheet named after a kind) or one CSV (``kind``,
    or the ``kind`` named on its first line as ``# kind: ai_systems``)."""
    if media_type == "text/csv":
        rows = _rows_from_csv(body)
        if rows and rows[0] and rows[0][0].startswith("# kind:"):
            kind = kind or rows[0][0].split(":", 1)[1].strip()
            rows = rows[1:]
        if not kind:
            raise ParseProblem("line 1", "say which kind of evidence the CSV holds: first line '# kind: ai_systems'")
        sheets = {kind: rows}
    else:
        sheets = _rows_from_xlsx(body)
    base = base_iri(org_id)
    graph = Graph()
    ids: dict[str, set[str]] = {}
    problems: list[str] = []
    for sheet, rows in sheets.items():
        if sheet not in KINDS:
            problems.append(f"sheet {sheet}: unknown kind (use one of {', '.join(KINDS)})")
            continue
        header = [h.strip().lower() for h in rows[0]] if rows else []
        if "id" not in header:
            problems.append(f"sheet {sheet}, row 1: the first row must name the columns, including 'id'")
            continue
        ids[sheet] = {r[header.index("id")].strip() for r in rows[1:] if len(r) > header.index("id")}
    if problems:
        raise ParseProblem("", "; ".join(problems))
    for sheet, rows in sheets.items():
        class_name, columns = KINDS[sheet]
        header = [h.strip().lower() for h in rows[0]]
        by_name = {c.name: c for c in columns}
        for position, name in enumerate(header):
            if name != "id" and name not in by_name:
                problems.append(
                    f"sheet {sheet}, row 1, column {_column_letter(position)}: unknown column {name!r} "
                    f"(expected: id, {', '.join(by_name)})"
                )
        seen: set[str] = set()
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            cells = dict(zip(header, (c.strip() for c in row), strict=False))
            local = cells.get("id", "")
            where = f"sheet {sheet}, row {number}"
            if not local:
                problems.append(f"{where}, column A: id is empty")
                continue
            if local in seen:
                problems.append(f"{where}, column A: id {local!r} is used twice")
            seen.add(local)
            subject = URIRef(f"{base}{sheet}/{local}") if sheet != "organization" else URIRef(base.rstrip("/"))
            graph.add((subject, RDF.type, URIRef(CG + class_name)))
            if sheet == "organization":
                graph.add((subject, URIRef("http://purl.org/dc/terms/identifier"), Literal(org_id)))
            for column in columns:
                raw = cells.get(column.name, "")
                letter = _column_letter(header.index(column.name)) if column.name in header else "?"
                if not raw:
                    if column.required:
                        problems.append(f"{where}, column {letter} ({column.name}): required")
                    continue
                for value in [v.strip() for v in raw.split(";")] if column.multi else [raw]:
                    try:
                        obj = _convert(column, value, base, ids)
                    except ValueError as exc:
                        problems.append(f"{where}, column {letter} ({column.name}): {exc}")
                        continue
                    graph.add((subject, URIRef(column.prop), obj))
    if problems:
        raise ParseProblem(
            "", "; ".join(problems[:50]) + (f"; … {len(problems) - 50} more" if len(problems) > 50 else "")
        )
    return graph.serialize(format="nt")


def _convert(column: Column, value: str, base: str, ids: dict[str, set[str]]) -> URIRef | Literal:
    kind = column.kind
    if kind == "string":
        return Literal(value)
    if kind == "bool":
        lowered = value.lower()
        if lowered in ("true", "yes", "1", "y"):
            return Literal(True)
        if lowered in ("false", "no", "0", "n"):
            return Literal(False)
        raise ValueError(f"{value!r} is not yes/no")
    if kind == "date":
        try:
            return Literal(date.fromisoformat(value[:10]).isoformat(), datatype=XSD.date)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if kind == "datetime":
        try:
            return Literal(datetime.fromisoformat(value).isoformat(), datatype=XSD.dateTime)
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (YYYY-MM-DDTHH:MM:SS)") from None
    if kind == "decimal":
        try:
            return Literal(str(Decimal(value)), datatype=XSD.decimal)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if kind == "enum":
        allowed = enum_values(column.prop)
        if value.lower() not in allowed:
            labels = sorted({k for k, v in allowed.items() if not k[0].isupper()})
            raise ValueError(f"{value!r} is not one of: {', '.join(labels)}")
        return URIRef(allowed[value.lower()])
    if kind == "control":
        return URIRef(control_iri(value.upper()))
    if kind == "aiact":
        return URIRef(requirement_iri("eu-ai-act-2024", value))
    if kind == "requirement":  # "iso27001-2022 A.7.4"
        framework, _, notation = value.partition(" ")
        if not notation.strip():
            raise ValueError(f"{value!r} is not '<framework id> <notation>', e.g. 'iso27001-2022 A.7.4'")
        return URIRef(requirement_iri(framework, notation.strip()))
    if kind.startswith("ref:"):
        sheet = kind[4:]
        if value not in ids.get(sheet, set()):
            raise ValueError(f"no row with id {value!r} in sheet {sheet}")
        return URIRef(f"{base}{sheet}/{value}")
    raise ValueError(f"unsupported column type {kind}")  # pragma: no cover
