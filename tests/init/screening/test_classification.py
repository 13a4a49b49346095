"""The AI Act and GDPR screening: each answer leads to the category the Regulation gives it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aigov.documents.manifest import LifecycleManifest
from aigov.i18n import translator
from aigov.init.screening import missing_answers, risk_section, screen
from aigov.init.screening.ai_act import classify_ai_act
from aigov.init.screening.gdpr import classify_gdpr
from aigov.init.screening.questions import (
    PROHIBITED_PRACTICES,
    QUESTIONS,
    QUESTIONS_BY_ID,
    flatten,
    parse_answer,
)

NO_PROHIBITED = {f"art5.{key}": False for key in PROHIBITED_PRACTICES}
NO_TRANSPARENCY = {
    "transparency.interacts_with_people": False,
    "transparency.generates_synthetic_content": False,
    "transparency.emotion_recognition_or_biometric_categorisation": False,
    "transparency.deep_fake": False,
}
BASE: dict[str, Any] = {
    "ai_act.role": "provider",
    "ai_act.developed_by_organisation": True,
    "ai_act.used_by_organisation": False,
    **NO_PROHIBITED,
    "ai_act.annex_i_safety_component": False,
    "ai_act.annex_iii_point": "none",
    "gdpr.personal_data": False,
    **NO_TRANSPARENCY,
    "gpai.is_gpai_model": False,
}


def answers(**changes: Any) -> dict[str, Any]:
    return {**BASE, **{k.replace("__", "."): v for k, v in changes.items()}}


@pytest.mark.parametrize("practice", sorted(PROHIBITED_PRACTICES))
def test_any_prohibited_practice_makes_the_system_prohibited(practice: str) -> None:
    result = classify_ai_act({**answers(), f"art5.{practice}": True})
    point = PROHIBITED_PRACTICES[practice][0]
    assert result.category == "prohibited"
    assert result.prohibited_points == (point,)
    assert f"Art. {point}" in result.rationale


def test_prohibited_wins_over_annex_iii() -> None:
    result = classify_ai_act(
        answers(art5__social_scoring=True, ai_act__annex_iii_point="5(b)", profiling=True)
    )
    assert result.category == "prohibited"


def test_annex_i_safety_component_is_high_risk() -> None:
    result = classify_ai_act(answers(ai_act__annex_i_safety_component=True))
    assert result.category == "high"
    assert "Art. 6(1)" in result.rationale


def test_annex_iii_with_profiling_is_always_high_risk() -> None:
    result = classify_ai_act(
        answers(
            ai_act__annex_iii_point="5(b)",
            profiling=True,
            # even if a condition were claimed, profiling blocks the derogation
            ai_act__art_6_3_condition="preparatory_task",
            ai_act__art_6_3_no_significant_risk=True,
        )
    )
    assert result.category == "high"
    assert result.annex_iii_area == "essential_services"
    assert result.annex_iii_point == "5(b)"
    assert result.exemption == {"claimed": False, "performs_profiling": True}
    assert "Art. 6(3) second subparagraph" in result.rationale
    assert "creditworthiness" in result.rationale


def test_annex_iii_exemption_needs_a_condition_and_no_significant_risk() -> None:
    exempt = classify_ai_act(
        answers(
            ai_act__annex_iii_point="4(a)",
            profiling=False,
            ai_act__art_6_3_condition="narrow_procedural_task",
            ai_act__art_6_3_no_significant_risk=True,
            ai_act__art_6_3_rationale="Sorts CVs by the job they apply to.",
        )
    )
    assert exempt.category == "minimal"
    assert exempt.exemption is not None and exempt.exemption["claimed"] is True
    assert exempt.exemption["conditions"] == ["narrow_procedural_task"]
    assert "Art. 6(3)(a)" in exempt.rationale and "Art. 49(2)" in exempt.rationale
    no_assessment = classify_ai_act(
        answers(
            ai_act__annex_iii_point="4(a)",
            profiling=False,
            ai_act__art_6_3_condition="narrow_procedural_task",
            ai_act__art_6_3_no_significant_risk=False,
        )
    )
    assert no_assessment.category == "high"
    no_condition = classify_ai_act(
        answers(ai_act__annex_iii_point="4(a)", profiling=False, ai_act__art_6_3_condition="none")
    )
    assert no_condition.category == "high"
    assert "none of the Art. 6(3) conditions" in no_condition.rationale


def test_exempt_annex_iii_system_with_a_chatbot_is_limited() -> None:
    result = classify_ai_act(
        answers(
            ai_act__annex_iii_point="3(b)",
            profiling=False,
            ai_act__art_6_3_condition="improves_prior_human_activity",
            ai_act__art_6_3_no_significant_risk=True,
            transparency__interacts_with_people=True,
        )
    )
    assert result.category == "limited"
    assert "Art. 50(1)" in result.rationale


@pytest.mark.parametrize(
    ("case", "article"),
    [
        ("interacts_with_people", "50(1)"),
        ("generates_synthetic_content", "50(2)"),
        ("emotion_recognition_or_biometric_categorisation", "50(3)"),
        ("deep_fake", "50(4)"),
    ],
)
def test_transparency_cases_are_limited_risk(case: str, article: str) -> None:
    result = classify_ai_act({**answers(), f"transparency.{case}": True})
    assert result.category == "limited"
    assert f"Art. {article}" in result.rationale
    assert result.transparency[case] is True


def test_nothing_is_minimal_and_gpai_is_recorded() -> None:
    assert classify_ai_act(answers()).category == "minimal"
    gpai = classify_ai_act(answers(gpai__is_gpai_model=True, gpai__systemic_risk=True))
    assert gpai.gpai == {"is_gpai_model": True, "systemic_risk": True}
    assert "Art. 55" in gpai.rationale


def test_no_personal_data_needs_no_dpia() -> None:
    result = classify_gdpr(answers())
    assert result.dpia_status == "not_required"
    assert result.triggers == ()


def test_art35_3_a_profiling_with_legal_effect_requires_a_dpia() -> None:
    result = classify_gdpr(
        answers(gdpr__personal_data=True, profiling=True, gdpr__legal_effect=True)
    )
    assert result.dpia_status == "required"
    assert result.art35_3_cases == ("35(3)(a)",)
    assert result.triggers == ("systematic_extensive_evaluation", "automated_decision_legal_effect")


def test_art35_3_b_and_c() -> None:
    sensitive = classify_gdpr(
        answers(
            gdpr__personal_data=True, gdpr__special_categories=["health"], gdpr__large_scale=True
        )
    )
    assert sensitive.art35_3_cases == ("35(3)(b)",)
    assert "large_scale_special_categories" in sensitive.triggers
    monitoring = classify_gdpr(
        answers(
            gdpr__personal_data=True,
            gdpr__systematic_monitoring=True,
            gdpr__public_area_monitoring=True,
        )
    )
    assert monitoring.art35_3_cases == ("35(3)(c)",)
    assert "systematic_public_monitoring" in monitoring.triggers


def test_two_wp248_criteria_require_a_dpia_one_does_not() -> None:
    one = classify_gdpr(answers(gdpr__personal_data=True, gdpr__data_matching=True))
    assert one.dpia_status == "not_required"
    assert "reassess" in one.rationale
    two = classify_gdpr(
        answers(gdpr__personal_data=True, gdpr__data_matching=True, gdpr__vulnerable_subjects=True)
    )
    assert two.dpia_status == "required"
    assert two.triggers == ("data_matching", "vulnerable_subjects")
    assert "2 of the nine WP248 criteria" in two.rationale


def test_solely_automated_decisions_bring_art22() -> None:
    result = classify_gdpr(
        answers(
            gdpr__personal_data=True,
            gdpr__legal_effect=True,
            gdpr__solely_automated=True,
            gdpr__art22_exception="contract",
        )
    )
    assert result.automated_decision == {
        "solely_automated": True,
        "legal_or_similar_effect": True,
        "exception": "contract",
    }
    assert "Art. 22" in result.rationale


def test_risk_section_is_a_valid_manifest_risk() -> None:
    screening = screen(
        answers(
            ai_act__annex_iii_point="5(b)",
            profiling=True,
            gdpr__personal_data=True,
            gdpr__lawful_basis="contract",
            gdpr__special_categories=[],
            gdpr__legal_effect=True,
            gdpr__solely_automated=True,
            gdpr__large_scale=True,
            transparency__interacts_with_people=True,
        )
    )
    risk = risk_section(screening, screened_on=dt.date(2026, 11, 24), screened_by="DPO")
    manifest = LifecycleManifest.model_validate(
        {
            "apiVersion": "aigov/v1",
            "kind": "AIProject",
            "metadata": {"id": "x1", "name": "X", "owner": "o", "business_unit": "b"},
            "stage": "ideation",
            "risk": risk,
        }
    )
    assert manifest.risk is not None and manifest.risk.ai_act is not None
    assert manifest.risk.ai_act.category == "high"
    assert manifest.risk.ai_act.prohibited_practices is not None
    assert manifest.risk.ai_act.prohibited_practices.screened_by == "DPO"
    assert manifest.risk.gdpr is not None and manifest.risk.gdpr.dpia is not None
    assert manifest.risk.gdpr.dpia.status == "required"


def test_questions_follow_the_answers() -> None:
    missing = {q.id for q in missing_answers({})}
    assert "art5.social_scoring" in missing
    assert "ai_act.art_6_3_condition" not in missing  # only asked for an Annex III use
    assert "gdpr.lawful_basis" not in missing  # only asked with personal data
    after = {q.id for q in missing_answers({"ai_act.annex_iii_point": "1(c)", "profiling": False})}
    assert "ai_act.art_6_3_condition" in after
    assert missing_answers(answers()) == []
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)


def test_parse_answer_and_flatten() -> None:
    yes_no = QUESTIONS_BY_ID["art5.social_scoring"]
    assert parse_answer(yes_no, "oui") is True and parse_answer(yes_no, "No") is False
    with pytest.raises(ValueError, match="yes or no"):
        parse_answer(yes_no, "maybe")
    point = QUESTIONS_BY_ID["ai_act.annex_iii_point"]
    assert parse_answer(point, "5(b)") == "5(b)"
    assert parse_answer(point, "1") == "none"
    with pytest.raises(ValueError, match="choose one of"):
        parse_answer(point, "9(z)")
    many = QUESTIONS_BY_ID["gdpr.special_categories"]
    assert parse_answer(many, "health, biometric") == ["health", "biometric"]
    assert parse_answer(many, "none") == []
    assert flatten({"art5": {"social_scoring": False}, "profiling": True}) == {
        "art5.social_scoring": False,
        "profiling": True,
    }


def test_rationale_in_french() -> None:
    result = classify_ai_act(
        answers(ai_act__annex_iii_point="5(b)", profiling=True), translator("fr")
    )
    assert "Annexe III" in result.rationale
    assert "profilage" in result.rationale
    gdpr = classify_gdpr(
        answers(gdpr__personal_data=True, profiling=True, gdpr__legal_effect=True),
        translator("fr"),
    )
    assert "AIPD" in gdpr.rationale


def test_an_organisation_that_builds_and_uses_its_system_is_provider_and_deployer() -> None:
    """Art. 3(3)-(4): the roles follow from who builds and who uses the system, and the
    deployer's questions (Art. 26(7), Art. 27(1)) are then asked for an Annex III use."""
    both = answers(ai_act__used_by_organisation=True, ai_act__annex_iii_point="5(b)")
    result = classify_ai_act({**both, "profiling": True})
    assert result.roles == ("provider", "deployer")
    asked = {q.id for q in missing_answers({**both, "profiling": True})}
    assert {"ai_act.public_body", "ai_act.affects_workers"} <= asked
    assert "ai_act.public_body" not in {q.id for q in missing_answers(answers())}
