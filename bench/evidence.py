"""Benchmark: validate and gap-analyse one large organization.

An organization with 50 AI systems and 10,000 evidence items in all (control
implementations, evidence artifacts, assessments, risks, treatments,
incidents, metrics, documents) is generated, validated with pySHACL against
shapes/evidence.ttl, stored, and gap-analysed against the four frameworks.
Targets on a 2-core machine: validation <= 5 s, gap analysis <= 1 s.

    python bench/evidence.py [--items 10000] [--systems 50] [--repeat 3] [--output FILE.md]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from ctrlgraph import catalog
from ctrlgraph.analysis.gaps import analyse
from ctrlgraph.evidence import repository, tenants
from ctrlgraph.evidence.validation import graph_from_ntriples, validate_evidence
from ctrlgraph.loader import load_reference
from ctrlgraph.store import OxigraphStore

FRAMEWORKS = ["iso42001-2023", "iso27001-2022", "iso9001-2015", "eu-ai-act-2024"]
CG = "https://w3id.org/ctrlgraph/ns#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"


def generate(org: str, controls: list[str], items: int, systems: int, seed: int = 7) -> str:
    """N-Triples of a synthetic organization with ``items`` evidence items."""
    rng = random.Random(seed)
    base = f"https://w3id.org/ctrlgraph/org/{org}/"
    lines: list[str] = []

    def t(s: str, p: str, o: str) -> None:
        lines.append(f"<{s}> <{p}> {o} .")

    def lit(v: str) -> str:
        return '"' + v.replace('"', "'") + '"'

    def d(v: date) -> str:
        return f'"{v.isoformat()}"^^<{XSD}date>'

    today = date(2026, 11, 27)
    count = 0
    org_iri = tenants.org_iri(org)
    t(org_iri, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"<{CG}Organization>")
    t(org_iri, "http://purl.org/dc/terms/identifier", lit(org))
    t(org_iri, RDFS_LABEL, lit("Bench Org"))
    a = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    stages = ["DesignStage", "DevelopmentStage", "OperationStage"]
    for i in range(systems):
        s = f"{base}system/{i}"
        t(s, a, f"<{CG}AISystem>")
        t(s, RDFS_LABEL, lit(f"System {i}"))
        t(s, f"{CG}intendedPurpose", lit(f"Purpose {i}"))
        t(s, f"{CG}lifecycleStage", f"<{CG}{rng.choice(stages)}>")
        t(s, f"{CG}owner", lit("Owner"))
        t(s, f"{CG}operatorRole", f"<{CG}{rng.choice(['Provider', 'Deployer'])}>")
        if i % 5 == 0:
            t(s, f"{CG}annexIIIArea", f"<https://w3id.org/ctrlgraph/id/eu-ai-act-2024/annex-iii-{1 + i % 8}>")
        t(s, f"{CG}interactsWithPersons", f'"{str(i % 3 == 0).lower()}"^^<{XSD}boolean>')
        count += 1
    for kind in ("AimsPolicy", "AiRiskManagementPolicy", "AiLifecycleProcedure"):
        doc = f"{base}doc/{kind}"
        t(doc, a, f"<{CG}Document>")
        t(doc, RDFS_LABEL, lit(kind))
        t(doc, f"{CG}documentationTier", f"<{CG}{'PolicyTier' if 'Policy' in kind else 'ProcedureTier'}>")
        t(doc, f"{CG}documentKind", f"<{CG}{kind}>")
        t(doc, f"{CG}version", lit("1.0"))
        t(doc, f"{CG}approver", lit("CEO"))
        t(doc, f"{CG}approvedOn", d(today - timedelta(days=100)))
        t(doc, f"{CG}nextReviewOn", d(today + timedelta(days=265)))
        count += 1
    implemented = rng.sample(controls, k=int(len(controls) * 0.7))
    for c in implemented:
        impl = f"{base}impl/{c.rsplit('/', 1)[-1]}"
        t(impl, a, f"<{CG}ControlImplementation>")
        t(impl, f"{CG}implementsControl", f"<{c}>")
        t(impl, f"{CG}implementationStatus", f"<{CG}{rng.choice(['Implemented', 'Operational', 'Planned'])}>")
        t(impl, f"{CG}owner", lit("Owner"))
        count += 1
    for i in range(systems):
        s = f"{base}system/{i}"
        ra = f"{base}risk-assessment/{i}"
        t(ra, a, f"<{CG}RiskAssessment>")
        t(ra, f"{CG}aboutSystem", f"<{s}>")
        t(ra, f"{CG}performedOn", d(today - timedelta(days=rng.randint(10, 400))))
        for j in range(3):
            risk = f"{base}risk/{i}-{j}"
            t(ra, f"{CG}identifiesRisk", f"<{risk}>")
            t(risk, a, f"<{CG}Risk>")
            t(risk, RDFS_LABEL, lit(f"Risk {i}-{j}"))
            t(risk, f"{CG}riskLevel", f"<{CG}{rng.choice(['LowRisk', 'MediumRisk', 'HighRiskLevel'])}>")
            tr = f"{base}treatment/{i}-{j}"
            t(tr, a, f"<{CG}RiskTreatment>")
            t(tr, f"{CG}treats", f"<{risk}>")
            t(tr, f"{CG}treatmentStatus", f"<{CG}{rng.choice(['TreatmentPlanned', 'TreatmentImplemented'])}>")
            count += 2
        ia = f"{base}impact-assessment/{i}"
        t(ia, a, f"<{CG}ImpactAssessment>")
        t(ia, f"{CG}aboutSystem", f"<{s}>")
        t(ia, f"{CG}performedOn", d(today - timedelta(days=30)))
        m = f"{base}metric/{i}"
        t(m, a, f"<{CG}Metric>")
        t(m, RDFS_LABEL, lit(f"Accuracy {i}"))
        t(m, f"{CG}aboutSystem", f"<{s}>")
        t(m, f"{CG}metricKind", f"<{CG}PerformanceMetric>")
        t(m, f"{CG}threshold", f'"0.8"^^<{XSD}decimal>')
        t(m, f"{CG}thresholdDirection", f"<{CG}AtLeast>")
        t(m, f"{CG}measuredValue", f'"{rng.uniform(0.7, 0.95):.3f}"^^<{XSD}decimal>')
        count += 4
    impls = [f"{base}impl/{c.rsplit('/', 1)[-1]}" for c in implemented]
    i = 0
    while count < items:
        if i % 20 == 0:
            inc = f"{base}incident/{i}"
            t(inc, a, f"<{CG}Incident>")
            t(inc, RDFS_LABEL, lit(f"Incident {i}"))
            t(inc, f"{CG}detectedAt", f'"2026-0{1 + i % 9}-10T10:00:00Z"^^<{XSD}dateTime>')
            t(inc, f"{CG}resolvedAt", f'"2026-0{1 + i % 9}-11T10:00:00Z"^^<{XSD}dateTime>')
        else:
            ev = f"{base}ev/{i}"
            collected = today - timedelta(days=rng.randint(1, 500))
            t(ev, a, f"<{CG}EvidenceArtifact>")
            t(ev, RDFS_LABEL, lit(f"Evidence {i}"))
            t(ev, f"{CG}location", lit(f"https://evidence.example/{i}"))
            t(ev, f"{CG}collectedOn", d(collected))
            t(ev, f"{CG}validUntil", d(collected + timedelta(days=365)))
            t(ev, f"{CG}supports", f"<{rng.choice(impls)}>")
        count += 1
        i += 1
    return "\n".join(lines) + "\n"


def timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--systems", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = OxigraphStore(Path(tmp) / "store")
        load_reference(store)
        tenants.create_org(store, "bench", "Bench Org")
        controls = [c.iri for c in catalog.controls(store)]
        ntriples = generate("bench", controls, args.items, args.systems)
        graph = graph_from_ntriples(ntriples)
        as_of = date(2026, 11, 27)
        validation_median, validation_max = timed(lambda: validate_evidence(graph, as_of), args.repeat)
        report = validate_evidence(graph, as_of)
        store.replace_graphs(
            {
                repository.evidence_graph("bench"): ntriples,
                repository.report_graph("bench"): report.report.serialize(format="nt"),
            }
        )
        gaps_median, gaps_max = timed(
            lambda: analyse(
                store,
                "bench",
                repository.evidence_graph("bench"),
                repository.report_graph("bench"),
                FRAMEWORKS,
                as_of,
            ),
            args.repeat,
        )
        result = analyse(
            store, "bench", repository.evidence_graph("bench"), repository.report_graph("bench"), FRAMEWORKS, as_of
        )
        store.close()

    rows = [
        ("evidence items", f"{args.items:,} ({len(graph):,} triples, {args.systems} AI systems)", "", ""),
        ("SHACL results", f"{len(report.violations)} violations, {len(report.warnings)} warnings", "", ""),
        (
            "validation (pySHACL), median / max",
            f"{validation_median:.2f} s / {validation_max:.2f} s",
            "≤ 5 s",
            "pass" if validation_median <= 5 else "MISS",
        ),
        (
            "gap analysis, 4 frameworks, median / max",
            f"{gaps_median * 1000:.0f} ms / {gaps_max * 1000:.0f} ms",
            "≤ 1 s",
            "pass" if gaps_median <= 1 else "MISS",
        ),
        ("requirements analysed", str(len(result.requirements)), "", ""),
    ]
    table = "| what | measured | target | |\n|---|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows
    )
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
