"""aigov init records each of the nine WP248 DPIA criteria as an explicit answer (issue 19)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aigov.documents.manifest import LifecycleManifest, Wp248Criteria
from aigov.init.screening import risk_section, screen
from aigov.init.screening.gdpr import WP248_CRITERIA, classify_gdpr
from aigov.init.screening.questions import PROHIBITED_PRACTICES

BASE: dict[str, Any] = {
    "ai_act.role": "deployer",
    **{f"art5.{key}": False for key in PROHIBITED_PRACTICES},
    "ai_act.annex_i_safety_component": False,
    "ai_act.annex_iii_point": "none",
    "transparency.interacts_with_people": False,
    "transparency.generates_synthetic_content": False,
    "transparency.emotion_recognition_or_biometric_categorisation": False,
    "transparency.deep_fake": False,
    "gpai.is_gpai_model": False,
    "gdpr.personal_data": True,
    "profiling": False,
    "gdpr.lawful_basis": "contract",
    "gdpr.special_categories": [],
    "gdpr.criminal_data": False,
    "gdpr.highly_personal_data": False,
    "gdpr.legal_effect": False,
    "gdpr.systematic_monitoring": True,
    "gdpr.public_area_monitoring": False,
    "gdpr.large_scale": False,
    "gdpr.data_matching": False,
    "gdpr.vulnerable_subjects": False,
    "gdpr.innovative_technology": False,
    "gdpr.prevents_right_or_service": True,
    "gdpr.minors": False,
    "gdpr.third_country_transfers": True,
}


def test_criteria_3_and_9_are_recorded_and_together_require_a_dpia() -> None:
    result = classify_gdpr(BASE)
    assert result.dpia_status == "required"
    # Neither criterion 3 nor 9 has a dpia.triggers value: only the recorded answers keep them.
    assert result.triggers == ()
    assert result.criteria_answers is not None
    assert set(result.criteria_answers) == set(WP248_CRITERIA)
    assert result.criteria_answers["systematic_monitoring"] is True
    assert result.criteria_answers["prevents_right_or_service"] is True
    assert result.criteria_answers["sensitive_data"] is False


def test_the_manifest_written_by_init_answers_all_nine_criteria() -> None:
    risk = risk_section(screen(BASE), screened_on=dt.date(2026, 12, 4))
    manifest = LifecycleManifest.model_validate(
        {
            "apiVersion": "aigov/v1",
            "kind": "AIProject",
            "metadata": {"id": "x1", "name": "X", "owner": "o", "business_unit": "b"},
            "stage": "ideation",
            "risk": risk,
        }
    )
    assert manifest.risk is not None and manifest.risk.gdpr is not None
    dpia = manifest.risk.gdpr.dpia
    assert dpia is not None and dpia.criteria is not None
    answers = dpia.criteria.model_dump()
    assert set(answers) == set(Wp248Criteria.model_fields)
    assert all(isinstance(value, bool) for value in answers.values())
    assert answers["systematic_monitoring"] and answers["prevents_right_or_service"]


def test_init_records_the_children_and_transfer_answers() -> None:
    risk = risk_section(screen(BASE), screened_on=dt.date(2026, 12, 4))
    assert risk["gdpr"]["minors"] == {"present": False}
    assert risk["gdpr"]["third_country_transfers"] is True
    # Children are vulnerable data subjects: criterion 7 met, with 3 and 9 a DPIA is required.
    with_children = classify_gdpr({**BASE, "gdpr.minors": True})
    assert with_children.criteria_answers is not None
    assert with_children.criteria_answers["vulnerable_subjects"] is True
    assert "vulnerable_subjects" in with_children.triggers


def test_without_personal_data_no_criteria_are_claimed() -> None:
    result = classify_gdpr({**BASE, "gdpr.personal_data": False})
    assert result.criteria_answers is None
