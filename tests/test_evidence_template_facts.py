"""The spreadsheet template carries the organization and system facts, record
kinds and requirement-level exclusions of ontology/evidence.ttl."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from ctrlgraph.evidence.parsing import ParseProblem
from ctrlgraph.evidence.template import template_to_ntriples
from ctrlgraph.evidence.validation import validate_evidence
from ctrlgraph.iri import CG

AIACT = "https://w3id.org/ctrlgraph/id/eu-ai-act-2024/"


def convert(kind: str, text: str) -> Graph:
    return Graph().parse(data=template_to_ntriples(f"# kind: {kind}\n{text}".encode(), "text/csv", "t"), format="nt")


def test_organization_facts() -> None:
    g = convert(
        "organization",
        "id,name,legal_form,established_in_union,regulated_financial_institution,sector,risk_acceptance_threshold\n"
        "o,Town Hall,public authority,yes,no,Public administration,medium\n",
    )
    org = URIRef("https://w3id.org/ctrlgraph/org/t")
    assert g.value(org, URIRef(CG + "legalForm")) == URIRef(CG + "PublicAuthority")
    assert g.value(org, URIRef(CG + "establishedInUnion")) == Literal(True)
    assert g.value(org, URIRef(CG + "riskAcceptanceThreshold")) == URIRef(CG + "MediumRisk")


def test_system_facts_and_their_shapes() -> None:
    g = convert(
        "ai_systems",
        "id,name,intended_purpose,lifecycle_stage,owner,operator_role,annex_iii_area,annex_i_product_legislation,"
        "art6_3_ground,remote_biometric_identification,law_enforcement_use,used_at_workplace\n"
        "s,Gate,Matches faces,operation and monitoring,Ops,provider,Annex III(1)(a),Annex I(11),Art. 6(3)(a),"
        "real-time remote biometric identification,yes,no\n",
    )
    system = URIRef("https://w3id.org/ctrlgraph/org/t/ai_systems/s")
    assert g.value(system, URIRef(CG + "annexIProductLegislation")) == URIRef(AIACT + "annex-i-11")
    assert g.value(system, URIRef(CG + "art6_3Ground")) == URIRef(AIACT + "art-6-3-a")
    assert g.value(system, URIRef(CG + "remoteBiometricIdentification")) == URIRef(
        CG + "RealTimeRemoteBiometricIdentification"
    )
    assert validate_evidence(g).conforms


def test_exclusions_and_trainings() -> None:
    g = convert(
        "exclusions",
        "id,requirement,justification,owner\nx,iso27001-2022 A.7.4,No premises to monitor,CISO\n",
    )
    assert (None, URIRef(CG + "excludesRequirement"), URIRef("https://w3id.org/ctrlgraph/id/iso27001-2022/a-7-4")) in g
    assert validate_evidence(g).conforms
    with pytest.raises(ParseProblem, match="column B"):
        convert("exclusions", "id,requirement,justification\nx,A.7.4,No premises\n")
    clause = convert("exclusions", "id,requirement,justification\nx,iso27001-2022 6.1.2,We do not assess risks\n")
    report = validate_evidence(clause)
    assert not report.conforms and "cannot be excluded" in report.violations[0].message
    training = convert("trainings", "id,title,performed_on\nt,AI literacy for all staff,2026-03-12\n")
    assert validate_evidence(training).conforms
