"""Each AI Act classification rule, on small inventories."""

from __future__ import annotations

import pytest

from ctrlgraph.analysis.classification import classify_system
from ctrlgraph.iri import CG

AIACT = "https://w3id.org/ctrlgraph/id/eu-ai-act-2024/"


def system(**facts: object) -> dict[str, object]:
    return {"system": "https://example.org/s", "name": "S", "roles": CG + "Provider", **facts}


def rules(facts: dict[str, object]) -> list[str]:
    return [r.rule.split(" ")[0] for r in classify_system(facts).rules]


def categories(facts: dict[str, object]) -> set[str]:
    return {c.rsplit("#", 1)[-1] for c in classify_system(facts).display_categories}


def test_r1_prohibited_practice() -> None:
    facts = system(prohibited=AIACT + "art-5-1-c")
    assert rules(facts) == ["R1"] and categories(facts) == {"ProhibitedPractice"}
    assert "art-5-1-c" in classify_system(facts).rules[0].facts[0]


def test_r2_annex_i_safety_component() -> None:
    facts = system(safety=True)
    assert rules(facts) == ["R2"] and classify_system(facts).high_risk


def test_r3_annex_iii_is_high_risk() -> None:
    facts = system(annex=AIACT + "annex-iii-4-a")
    assert rules(facts) == ["R3"] and classify_system(facts).high_risk


def test_r3_undocumented_derogation_stays_high_risk() -> None:
    facts = system(annex=AIACT + "annex-iii-4-a", claims=True, documented=False)
    result = classify_system(facts)
    assert result.high_risk and "Art. 6(4)" in " ".join(result.rules[0].facts)


def test_r4_documented_derogation_is_not_high_risk() -> None:
    facts = system(annex=AIACT + "annex-iii-4-a", claims=True, documented=True)
    assert rules(facts) == ["R4", "R8"] and not classify_system(facts).high_risk
    assert categories(facts) == {"MinimalRisk"}


def test_r5_profiling_overrides_the_derogation() -> None:
    facts = system(annex=AIACT + "annex-iii-4-a", claims=True, documented=True, profiles=True)
    assert rules(facts) == ["R5"] and classify_system(facts).high_risk


@pytest.mark.parametrize(
    ("flag", "paragraph"), [("interacts", "50(1)"), ("synthetic", "50(2)"), ("emotion", "50(3)"), ("deepfake", "50(4)")]
)
def test_r6_transparency(flag: str, paragraph: str) -> None:
    result = classify_system(system(**{flag: True}))
    assert [r.rule.split(" ")[0] for r in result.rules] == ["R6"] and paragraph in result.rules[0].rule
    assert not result.high_risk and categories(system(**{flag: True})) == {"TransparencyRisk"}


def test_r7_gpai_with_systemic_risk() -> None:
    result = classify_system(system(gpai=True, systemic=True))
    assert [r.rule.split(" ")[0] for r in result.rules] == ["R7"]
    assert categories(system(gpai=True, systemic=True)) == {"GpaiModel", "GpaiSystemicRisk"}
    assert CG + "GpaiModelProvider" in result.roles


def test_r8_minimal() -> None:
    facts = system()
    assert rules(facts) == ["R8"] and categories(facts) == {"MinimalRisk"}
