"""Each applicability condition of mappings/frameworks/eu-ai-act-2024-conditions.ttl,
with a system that meets it and one that does not, on the real reference graph
and a real store. Each decision names its rule and the facts it used."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pyoxigraph as ox
import pytest

from ctrlgraph.analysis.classification import Applicability, Decision, applicability
from ctrlgraph.store import OxigraphStore

PREFIXES = """@prefix cg: <https://w3id.org/ctrlgraph/ns#> .
@prefix aiact: <https://w3id.org/ctrlgraph/id/eu-ai-act-2024/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
AIACT = "https://w3id.org/ctrlgraph/id/eu-ai-act-2024/"
_graphs = itertools.count()


@pytest.fixture(scope="module")
def store(reference_nquads: bytes) -> Iterator[OxigraphStore]:
    store = OxigraphStore(None)
    store.raw.bulk_load(reference_nquads, format=ox.RdfFormat.N_QUADS)
    yield store


def judge(store: OxigraphStore, org: str, **systems: str) -> tuple[Applicability, dict[str, str]]:
    """Load one organization (``org``: its facts as Turtle predicate-object lists) with the given
    systems (name -> facts) into a graph of its own and decide applicability."""
    n = next(_graphs)
    base = f"https://example.org/org{n}/"
    text = PREFIXES + f'<{base}> a cg:Organization ; rdfs:label "Org {n}" {(" ; " + org) if org else ""} .\n'
    for name, facts in systems.items():
        text += f'<{base}{name}> a cg:AISystem ; rdfs:label "{name}" ; {facts} .\n'
    graph = f"https://w3id.org/ctrlgraph/graph/org/conditions-{n}"
    store.raw_tenants.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return applicability(store, graph), {name: base + name for name in systems}


def decision(result: Applicability, system: str, notation: str) -> Decision:
    iri = next(i for i, n in result.notations.items() if n == notation)
    return result.decisions[iri][system]


HR_DEPLOYER = "cg:operatorRole cg:Deployer"
HR_PROVIDER = "cg:operatorRole cg:Provider"

# (provision, organization facts, facts of a system that meets the condition, of one that does not,
#  condition id, a fact the met decision quotes, a fact the unmet decision quotes)
CASES = [
    (
        "Art. 27(1)(a)",
        "cg:legalForm cg:OtherPrivateEntity",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-5-b",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        "C-FRIA",
        "cg:annexIIIArea annex-iii-5-b",
        "cg:legalForm OtherPrivateEntity",
    ),
    (
        "Art. 6(4)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a ; cg:claimsArt6_3Derogation true ; "
        "cg:derogationDocumented true ; cg:art6_3Ground aiact:art-6-3-a",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a ; cg:claimsArt6_3Derogation true ; "
        "cg:derogationDocumented true ; cg:profilesNaturalPersons true",
        "C-6(3)",
        "ground art-6-3-a",
        "cg:profilesNaturalPersons true",
    ),
    (
        "Art. 49(2)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-3-b ; cg:claimsArt6_3Derogation true ; "
        "cg:derogationDocumented true",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-3-b",
        "C-6(3)",
        "cg:claimsArt6_3Derogation true",
        "cg:claimsArt6_3Derogation not recorded",
    ),
    (
        "Art. 12(3)(a)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1-a",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1-b",
        "C-III-1(a)",
        "cg:annexIIIArea annex-iii-1-a",
        "cg:annexIIIArea annex-iii-1-b",
    ),
    (
        "Art. 14(5)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1 ; "
        "cg:remoteBiometricIdentification cg:PostRemoteBiometricIdentification",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1-c",
        "C-III-1(a)",
        "cg:remoteBiometricIdentification cg:PostRemoteBiometricIdentification",
        "cg:remoteBiometricIdentification not recorded",
    ),
    (
        "Art. 43(1)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1-c",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-5-b",
        "C-III-1",
        "cg:annexIIIArea annex-iii-1-c",
        "cg:annexIIIArea annex-iii-5-b",
    ),
    (
        "Art. 43(2)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-5-b",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-1-c",
        "C-III-2..8",
        "cg:annexIIIArea annex-iii-5-b",
        "cg:annexIIIArea annex-iii-1-c",
    ),
    (
        "Art. 43(3)",
        "",
        f"{HR_PROVIDER} ; cg:safetyComponentAnnexI true ; cg:annexIProductLegislation aiact:annex-i-11",
        f"{HR_PROVIDER} ; cg:safetyComponentAnnexI true ; cg:annexIProductLegislation aiact:annex-i-14",
        "C-I-A",
        "annex-i-11 (Section A)",
        "cg:annexIProductLegislation annex-i-14",
    ),
    (
        "Art. 49(1)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-2",
        "C-III-not-2",
        "cg:annexIIIArea annex-iii-4-a",
        "cg:annexIIIArea annex-iii-2",
    ),
    (
        "Art. 49(4)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-7-b",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        "C-III-1,6,7",
        "cg:annexIIIArea annex-iii-7-b",
        "cg:annexIIIArea annex-iii-4-a",
    ),
    (
        "Art. 49(5)",
        "",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-2",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-3-a",
        "C-III-2",
        "cg:annexIIIArea annex-iii-2",
        "cg:annexIIIArea annex-iii-3-a",
    ),
    (
        "Art. 26(10)",
        "",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-1-a ; "
        "cg:remoteBiometricIdentification cg:PostRemoteBiometricIdentification ; cg:lawEnforcementUse true",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-1-a ; "
        "cg:remoteBiometricIdentification cg:PostRemoteBiometricIdentification ; cg:lawEnforcementUse false",
        "C-post-RBI",
        "cg:lawEnforcementUse true",
        "cg:lawEnforcementUse false",
    ),
    (
        "Art. 26(7)",
        "",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-4-b ; cg:usedAtWorkplace true",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        "C-workplace",
        "cg:usedAtWorkplace true",
        "cg:usedAtWorkplace not recorded",
    ),
    (
        "Art. 26(11)",
        "",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        f"{HR_DEPLOYER} ; cg:safetyComponentAnnexI true",
        "C-III",
        "cg:annexIIIArea annex-iii-4-a",
        "cg:annexIIIArea not recorded",
    ),
    (
        "Art. 86(1)",
        "",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-5-b",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-2",
        "C-III-not-2",
        "cg:annexIIIArea annex-iii-5-b",
        "cg:annexIIIArea annex-iii-2",
    ),
    (
        "Art. 50(1)",
        "",
        f"{HR_PROVIDER} ; cg:interactsWithPersons true",
        f"{HR_PROVIDER} ; cg:generatesSyntheticContent true",
        "C-50(1)",
        "cg:interactsWithPersons true",
        "cg:interactsWithPersons not recorded",
    ),
    (
        "Art. 50(2)",
        "",
        f"{HR_PROVIDER} ; cg:generatesSyntheticContent true",
        f"{HR_PROVIDER} ; cg:interactsWithPersons true ; cg:generatesSyntheticContent false",
        "C-50(2)",
        "cg:generatesSyntheticContent true",
        "cg:generatesSyntheticContent false",
    ),
    (
        "Art. 50(3)",
        "",
        # an emotion recognition system is also high-risk (Annex III 1(c)); Art. 50(3) binds it all the same
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-1-c ; cg:emotionRecognitionOrBiometricCategorisation true",
        f"{HR_DEPLOYER} ; cg:generatesDeepFakes true",
        "C-50(3)",
        "cg:emotionRecognitionOrBiometricCategorisation true",
        "cg:emotionRecognitionOrBiometricCategorisation not recorded",
    ),
    (
        "Art. 50(4)",
        "",
        f"{HR_DEPLOYER} ; cg:generatesDeepFakes true",
        f"{HR_DEPLOYER} ; cg:emotionRecognitionOrBiometricCategorisation true ; cg:generatesDeepFakes false",
        "C-50(4)",
        "cg:generatesDeepFakes true",
        "cg:generatesDeepFakes false",
    ),
    (
        "Art. 5(3)",
        "",
        f"{HR_DEPLOYER} ; cg:remoteBiometricIdentification cg:RealTimeRemoteBiometricIdentification ; "
        "cg:lawEnforcementUse true",
        f"{HR_DEPLOYER} ; cg:remoteBiometricIdentification cg:PostRemoteBiometricIdentification ; "
        "cg:lawEnforcementUse true",
        "C-real-time-RBI",
        "cg:RealTimeRemoteBiometricIdentification",
        "cg:remoteBiometricIdentification PostRemoteBiometricIdentification",
    ),
]


@pytest.mark.parametrize(("provision", "org", "meets", "fails", "condition", "met_fact", "unmet_fact"), CASES)
def test_system_condition(
    store: OxigraphStore,
    provision: str,
    org: str,
    meets: str,
    fails: str,
    condition: str,
    met_fact: str,
    unmet_fact: str,
) -> None:
    result, iris = judge(store, org, Meets=meets, Fails=fails)
    yes, no = decision(result, iris["Meets"], provision), decision(result, iris["Fails"], provision)
    assert yes.applies, yes
    assert any(condition in r for r in yes.rules), yes.rules
    assert any(met_fact in f for f in yes.facts), yes.facts
    assert not no.applies, no
    assert condition in no.reason and unmet_fact in no.reason, no.reason
    assert any(condition in r for r in no.rules)


# Conditions on the organization: one organization meets it, an otherwise identical one does not.
ORG_CASES = [
    (
        "Art. 27(1)(a)",
        "cg:legalForm cg:PrivatePublicServiceEntity",
        "cg:legalForm cg:OtherPrivateEntity",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        "C-FRIA",
        "PrivatePublicServiceEntity",
    ),
    (
        "Art. 27(3)",
        "cg:legalForm cg:PublicLawBody",
        "cg:legalForm cg:PublicLawBody",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-2",  # Annex III point 2 is excepted
        "C-FRIA",
        None,
    ),
    (
        "Art. 26(8)",
        "cg:legalForm cg:PublicAuthority",
        "cg:legalForm cg:PublicLawBody",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-5-a",
        "C-public-authority",
        "PublicAuthority",
    ),
    (
        "Art. 49(3)",
        "cg:legalForm cg:PublicAuthority",
        "cg:legalForm cg:OtherPrivateEntity",
        f"{HR_DEPLOYER} ; cg:annexIIIArea aiact:annex-iii-5-a",
        "C-public-authority",
        "PublicAuthority",
    ),
    (
        "Art. 22(1)",
        "cg:establishedInUnion false",
        "cg:establishedInUnion true",
        f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a",
        "C-3rd-country",
        "establishedInUnion false",
    ),
    (
        "Art. 54(1)",
        "cg:establishedInUnion false",
        "",
        f"{HR_PROVIDER} ; cg:isGpaiModel true",
        "C-3rd-country",
        "establishedInUnion false",
    ),
]


@pytest.mark.parametrize(("provision", "meets", "fails", "system", "condition", "met_fact"), ORG_CASES)
def test_organization_condition(
    store: OxigraphStore, provision: str, meets: str, fails: str, system: str, condition: str, met_fact: str | None
) -> None:
    yes_result, yes_iris = judge(store, meets, S=system)
    no_result, no_iris = judge(store, fails, S=system)
    yes, no = decision(yes_result, yes_iris["S"], provision), decision(no_result, no_iris["S"], provision)
    if met_fact is None:  # the condition excludes this system in both organizations
        assert not yes.applies and condition in yes.reason
    else:
        assert yes.applies, yes
        assert any(met_fact in f for f in yes.facts), yes.facts
    assert not no.applies and condition in no.reason, no
    if "cg:" in fails:
        assert fails.split(" ", 1)[1].replace("cg:", "") in no.reason, no.reason
    else:
        assert "not recorded" in no.reason, no.reason


def test_provisions_without_a_condition_still_follow_role_and_class(store: OxigraphStore) -> None:
    result, iris = judge(store, "", Hr=f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a", Chat=HR_DEPLOYER)
    assert decision(result, iris["Hr"], "Art. 9(1)").applies
    chat = decision(result, iris["Chat"], "Art. 9(1)")
    assert not chat.applies and "binds the provider of high-risk AI systems" in chat.reason
    # the reason names the system's own class, not the provision's scope
    assert "system classified: high-risk" in decision(result, iris["Hr"], "Art. 4").reason
    assert "system classified: minimal" in decision(result, iris["Chat"], "Art. 4").reason


def test_a_tenant_cannot_add_a_condition_through_its_evidence(store: OxigraphStore) -> None:
    """Conditions are read from the shipped conditions graph only."""
    evil = (
        f"<{AIACT}art-9-1> cg:applicabilityCondition <https://example.org/evil> . "
        '<https://example.org/evil> cg:conditionPattern "FILTER(false)" ; '
        '<http://purl.org/dc/terms/identifier> "EVIL" ; rdfs:label "x" ; cg:legalBasis <https://example.org/x> . '
        "<https://example.org/s> cg:x 1 "
    )
    result, iris = judge(store, "", Hr=f"{HR_PROVIDER} ; cg:annexIIIArea aiact:annex-iii-4-a . {evil}")
    assert decision(result, iris["Hr"], "Art. 9(1)").applies
