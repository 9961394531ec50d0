"""Certification KPIs of one organization, as of a date.

* risk-assessment coverage: AI systems whose latest risk assessment is current
  (next review date not passed; without one, performed within 365 days);
* risk-treatment implementation: identified risks with an implemented treatment;
* mean time to detect (occurred -> detected), respond (detected -> responded)
  and resolve (detected -> resolved), in hours, over incidents with both times;
* metrics out of threshold (at least / at most);
* documentation completeness per tier: expected kinds present, approved and
  not overdue, over expected kinds (ontology/evidence.ttl);
* % of applicable requirements met per framework (the gap analysis).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from statistics import mean

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ctrlgraph import queries
from ctrlgraph.analysis.gaps import analyse
from ctrlgraph.iri import CG
from ctrlgraph.models import Kpis, MetricOut, TierCompleteness
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

    systems = run("org/kpi_risk")
    current = 0
    for s in systems:
        review, last = s.get("nextReview"), s.get("lastAssessed")
        if review is not None and str(review) >= today:
            current += 1
        elif review is None and last is not None and str(last) >= (as_of - timedelta(days=365)).isoformat():
            current += 1
    risks = run("org/kpi_treatment")
    treated = sum(1 for r in risks if int(r.get("treated", 0)) == 1)  # type: ignore[arg-type]
    incidents = run("org/kpi_incidents")
    metrics = []
    for m in run("org/kpi_metrics"):
        threshold, value = float(m["threshold"]), float(m["value"])  # type: ignore[arg-type]
        at_least = str(m["direction"]) == CG + "AtLeast"
        metrics.append(
            MetricOut(
                name=str(m["name"]),
                system=None if m.get("systemName") is None else str(m["systemName"]),
                kind=None if m.get("kind") is None else str(m["kind"]).rsplit("#", 1)[-1],
                threshold=threshold,
                direction="at least" if at_least else "at most",
                value=value,
                within_threshold=value >= threshold if at_least else value <= threshold,
            )
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
                percent=round(100 * len(present) / len(expected), 1) if expected else 100.0,
                documents=sum(1 for d in documents if str(d["tier"]) == tier_iri),
            )
        )
    gaps = analyse(store, org_id, evidence_graph, report_graph, frameworks, as_of)
    return Kpis(
        organization=org_id,
        as_of=today,
        ai_systems=len(systems),
        risk_assessment_coverage=round(100 * current / len(systems), 1) if systems else 0.0,
        risks=len(risks),
        risk_treatment_implementation=round(100 * treated / len(risks), 1) if risks else 0.0,
        incidents=len(incidents),
        mean_time_to_detect_hours=_hours([(i.get("occurred"), i.get("detected")) for i in incidents]),
        mean_time_to_respond_hours=_hours([(i.get("detected"), i.get("responded")) for i in incidents]),
        mean_time_to_resolve_hours=_hours([(i.get("detected"), i.get("resolved")) for i in incidents]),
        metrics=metrics,
        metrics_out_of_threshold=sum(1 for m in metrics if not m.within_threshold),
        documentation=tiers,
        percent_met={s.framework: s.percent_met for s in gaps.summary},
    )
