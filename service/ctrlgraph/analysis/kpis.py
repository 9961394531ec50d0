"""Certification KPIs of one organization, as of a date. Each KPI's definition
is ctrlgraph.models.KPI_DEFINITIONS (shown in the OpenAPI schema and repeated
in the response with its numerator, denominator, what is missing and the
rule); a KPI with no denominator is null with the reason. Per AI system:
residual risk against the accepted threshold, and fairness (demographic parity
difference, equalized odds difference), accuracy and robustness against their
thresholds.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from statistics import mean

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ctrlgraph import queries
from ctrlgraph.analysis import classification
from ctrlgraph.analysis.gaps import analyse
from ctrlgraph.iri import CG
from ctrlgraph.models import (
    KPI_DEFINITIONS,
    Indicator,
    Kpis,
    MeasureOut,
    MetricOut,
    SystemKpis,
    TierCompleteness,
)
from ctrlgraph.paths import ontology_dir
from ctrlgraph.store.base import GraphStore, Iri, bind

TIERS = {
    CG + "PolicyTier": "policy",
    CG + "ProcedureTier": "procedure",
    CG + "WorkInstructionTier": "work instruction",
    CG + "RecordTier": "record",
}


@cache
def expected_kinds() -> dict[str, str]:
    """Document kind IRI -> tier IRI, read from the ontology (once: it ships with the code)."""
    onto = Graph().parse(ontology_dir() / "evidence.ttl")
    result: dict[str, str] = {}
    for kind in onto.subjects(RDF.type, URIRef(CG + "DocumentKind")):
        tier = onto.value(kind, URIRef(CG + "documentationTier"))
        if tier is not None and onto.value(kind, RDFS.label) is not None:
            result[str(kind)] = str(tier)
    return result


def _dt(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _hours(pairs: list[tuple[object, object]]) -> float | None:
    spans = [(_dt(b) - _dt(a)).total_seconds() / 3600 for a, b in pairs if a is not None and b is not None]
    return round(mean(spans), 2) if spans else None


LEVELS = {CG + "LowRisk": 1, CG + "MediumRisk": 2, CG + "HighRiskLevel": 3, CG + "CriticalRisk": 4}
LEVEL_NAMES = {
    CG + "LowRisk": "low",
    CG + "MediumRisk": "medium",
    CG + "HighRiskLevel": "high",
    CG + "CriticalRisk": "critical",
}
MEASURES = {
    CG + "DemographicParityDifference": "demographic parity difference",
    CG + "EqualizedOddsDifference": "equalized odds difference",
    CG + "AccuracyMeasure": "accuracy",
    CG + "RobustnessMeasure": "robustness",
}


def _percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def _indicator(
    key: str,
    name: str,
    unit: str,
    value: float | None,
    rule: str,
    numerator: int | None = None,
    denominator: int | None = None,
    missing: list[str] | None = None,
    empty: str = "nothing to measure",
) -> Indicator:
    return Indicator(
        name=name,
        definition=KPI_DEFINITIONS[key],
        unit=unit,
        value=value,
        numerator=numerator,
        denominator=denominator,
        missing=missing or [],
        rule=rule,
        reason=None if value is not None else empty,
    )


def kpis(
    store: GraphStore,
    org_id: str,
    evidence_graph: str,
    report_graph: str,
    frameworks: list[str],
    as_of: date | None = None,
) -> Kpis:
    as_of = as_of or date.today()
    today = as_of.isoformat()

    def run(name: str) -> list[dict[str, object]]:
        return store.select(bind(queries.load(name), {"evidence": Iri(evidence_graph)}))  # evidence only

    inventory = {s.iri: s for s in classification.systems(store, evidence_graph)}
    assessed = {str(s["system"]): s for s in run("org/kpi_risk")}

    def current(iri: str) -> bool:
        s = assessed.get(iri, {})
        review, last = s.get("nextReview"), s.get("lastAssessed")
        if review is not None:
            return str(review) >= today
        return last is not None and str(last) >= (as_of - timedelta(days=365)).isoformat()

    needing = sorted((s for s in inventory.values() if s.high_risk), key=lambda s: s.name)
    covered = [s for s in needing if current(s.iri)]
    coverage = _indicator(
        "risk_assessment_coverage",
        "risk-assessment coverage",
        "%",
        _percent(len(covered), len(needing)),
        "denominator: AI systems classified high-risk ("
        + (", ".join(s.name for s in needing) or "none")
        + "); numerator: those with a current risk assessment",
        len(covered),
        len(needing),
        [s.name for s in needing if s not in covered],
        "no AI system is classified high-risk, so none needs a risk assessment under this KPI",
    )

    risks = run("org/kpi_treatment")
    treated = [r for r in risks if int(r.get("treated", 0)) == 1]  # type: ignore[call-overload]
    treatment = _indicator(
        "risk_treatment_implementation",
        "risk-treatment implementation",
        "%",
        _percent(len(treated), len(risks)),
        "denominator: identified risks (cg:Risk); numerator: those with an implemented treatment",
        len(treated),
        len(risks),
        sorted(str(r["risk"]).rsplit("/", 1)[-1] for r in risks if r not in treated),
        "no risk is recorded",
    )

    incidents = run("org/kpi_incidents")
    times: dict[str, Indicator] = {}
    for key, name, start, end in (
        ("mean_time_to_detect_hours", "mean time to detect", "occurred", "detected"),
        ("mean_time_to_respond_hours", "mean time to respond", "detected", "responded"),
        ("mean_time_to_resolve_hours", "mean time to resolve", "detected", "resolved"),
    ):
        pairs = [(i.get(start), i.get(end)) for i in incidents if i.get(start) is not None and i.get(end) is not None]
        times[key] = _indicator(
            key,
            name,
            "hours",
            _hours(pairs),
            f"incidents with both cg:{start}At and cg:{end}At",
            len(pairs),
            len(incidents),
            sorted(str(i["incident"]).rsplit("/", 1)[-1] for i in incidents if i.get(end) is None),
            "no incident records both times",
        )

    metrics: list[MetricOut] = []
    by_system: dict[str, list[tuple[str | None, MetricOut]]] = {}
    for m in run("org/kpi_metrics"):
        threshold, value = float(m["threshold"]), float(m["value"])  # type: ignore[arg-type]
        at_least = str(m["direction"]) == CG + "AtLeast"
        out = MetricOut(
            name=str(m["name"]),
            system=None if m.get("systemName") is None else str(m["systemName"]),
            kind=None if m.get("kind") is None else str(m["kind"]).rsplit("#", 1)[-1],
            measure=MEASURES.get(str(m.get("measure"))),
            threshold=threshold,
            direction="at least" if at_least else "at most",
            value=value,
            within_threshold=value >= threshold if at_least else value <= threshold,
        )
        metrics.append(out)
        if m.get("system") is not None:
            by_system.setdefault(str(m["system"]), []).append((out.measure, out))
    out_of = [m for m in metrics if not m.within_threshold]
    metrics_indicator = _indicator(
        "metrics_out_of_threshold",
        "metrics out of threshold",
        "count",
        float(len(out_of)),
        "every recorded cg:Metric",
        len(out_of),
        len(metrics),
        [m.name for m in out_of],
    )

    # Residual risk against the accepted threshold, per system.
    residual_rows = run("org/kpi_residual")
    system_kpis: list[SystemKpis] = []
    judged: list[str] = []
    within: list[str] = []
    for iri, system in sorted(inventory.items(), key=lambda kv: (kv[1].name, kv[0])):
        rows = [r for r in residual_rows if str(r["system"]) == iri]
        levels = [str(r.get("residual") or r.get("level")) for r in rows if r.get("risk") is not None]
        levels = [lv for lv in levels if lv in LEVELS]
        threshold = next(
            (str(r[k]) for k in ("systemThreshold", "orgThreshold") for r in rows if r.get(k) is not None), None
        )
        highest = max(levels, key=lambda lv: LEVELS[lv]) if levels else None
        ok: bool | None = None
        if highest is None:
            why = "no assessed risk recorded for this system"
        elif threshold is None:
            why = "no risk acceptance threshold (cg:riskAcceptanceThreshold on the system or the organization)"
        else:
            ok = LEVELS[highest] <= LEVELS.get(threshold, 0)
            why = (
                f"highest residual risk {LEVEL_NAMES[highest]} "
                f"{'within' if ok else 'above'} the accepted {LEVEL_NAMES.get(threshold, threshold)}"
            )
            judged.append(system.name)
            if ok:
                within.append(system.name)
        measures: list[MeasureOut] = []
        recorded = by_system.get(iri, [])
        for measure in MEASURES.values():
            found = [m for kind, m in recorded if kind == measure]
            if found:
                measures.extend(
                    MeasureOut(
                        measure=measure,
                        metric=m.name,
                        value=m.value,
                        threshold=m.threshold,
                        direction=m.direction,
                        within_threshold=m.within_threshold,
                    )
                    for m in found
                )
            elif system.high_risk:
                measures.append(
                    MeasureOut(
                        measure=measure,
                        reason="not measured: record a cg:Metric with cg:metricMeasure and a threshold "
                        "(AI Act Art. 15, ISO/IEC 42001 9.1)",
                    )
                )
        system_kpis.append(
            SystemKpis(
                system=iri,
                name=system.name,
                high_risk=system.high_risk,
                residual_risk=LEVEL_NAMES.get(highest) if highest else None,
                accepted_risk=LEVEL_NAMES.get(threshold, threshold) if threshold else None,
                residual_within_threshold=ok,
                residual_reason=why,
                measures=measures,
            )
        )
    residual = _indicator(
        "residual_risk_within_threshold",
        "residual risk within the accepted threshold",
        "%",
        _percent(len(within), len(judged)),
        "denominator: AI systems with assessed risks and an accepted threshold; numerator: those whose highest "
        "residual level does not exceed it",
        len(within),
        len(judged),
        sorted(set(judged) - set(within)),
        "no AI system has both assessed risks and a risk acceptance threshold",
    )

    documents = run("org/kpi_documents")
    kinds = expected_kinds()
    tiers: list[TierCompleteness] = []
    for tier_iri, tier in TIERS.items():
        expected = [k for k, t in kinds.items() if t == tier_iri]
        present = {
            str(d["kind"])
            for d in documents
            if d.get("kind") is not None
            and str(d["kind"]) in expected
            and d.get("approved") is not None
            and (d.get("review") is None or str(d["review"]) >= today)
        }
        tiers.append(
            TierCompleteness(
                tier=tier,
                expected=len(expected),
                present=len(present),
                percent=_percent(len(present), len(expected)),
                documents=sum(1 for d in documents if str(d["tier"]) == tier_iri),
                reason=None if expected else "no document kind of this tier is expected (ontology/evidence.ttl)",
            )
        )
    gaps = analyse(store, org_id, evidence_graph, report_graph, frameworks, as_of)
    indicators = {
        "risk_assessment_coverage": coverage,
        "risk_treatment_implementation": treatment,
        **times,
        "metrics_out_of_threshold": metrics_indicator,
        "residual_risk_within_threshold": residual,
    }
    return Kpis(
        organization=org_id,
        as_of=today,
        ai_systems=len(inventory),
        risk_assessment_coverage=coverage.value,
        risks=len(risks),
        risk_treatment_implementation=treatment.value,
        incidents=len(incidents),
        mean_time_to_detect_hours=times["mean_time_to_detect_hours"].value,
        mean_time_to_respond_hours=times["mean_time_to_respond_hours"].value,
        mean_time_to_resolve_hours=times["mean_time_to_resolve_hours"].value,
        metrics=metrics,
        metrics_out_of_threshold=len(out_of),
        residual_risk_within_threshold=residual.value,
        documentation=tiers,
        percent_met={s.framework: s.percent_met for s in gaps.summary},
        indicators=indicators,
        systems=system_kpis,
    )
