"""AI Act and GDPR risk screening: questions as data, classification as pure functions.

``aigov init`` asks :data:`~aigov.init.screening.questions.QUESTIONS` (or reads their answers
from flags or a file), calls :func:`screen`, and writes :func:`risk_section` under ``risk:`` in
``aigov.yaml`` with the reasoning in ``risk.ai_act.rationale``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aigov.i18n import Translator
from aigov.init.screening.ai_act import AiActScreening, classify_ai_act
from aigov.init.screening.gdpr import GdprScreening, classify_gdpr
from aigov.init.screening.questions import Answers, Question, asked_questions

__all__ = [
    "AiActScreening",
    "GdprScreening",
    "Screening",
    "missing_answers",
    "risk_section",
    "screen",
]


@dataclass(frozen=True)
class Screening:
    ai_act: AiActScreening
    gdpr: GdprScreening


def screen(answers: Answers, tr: Translator | None = None) -> Screening:
    """Both screenings from the same flat answers."""
    return Screening(classify_ai_act(answers, tr), classify_gdpr(answers, tr))


def missing_answers(answers: Answers) -> list[Question]:
    """Required questions that are asked given ``answers`` and have no answer yet."""
    return [q for q in asked_questions(answers) if q.required and q.id not in answers]


def risk_section(
    screening: Screening, *, screened_on: dt.date, screened_by: str | None = None
) -> dict[str, Any]:
    """The ``risk`` mapping of ``aigov.yaml`` (validated by ``LifecycleManifest``)."""
    ai = screening.ai_act
    # Every screening answer is written, "no" and "none" included: an absent answer is
    # unanswered for the packs, never "no" (AIACT-SCREENING-ANSWERED).
    ai_act: dict[str, Any] = {
        "role": list(ai.roles),
        "category": ai.category,
        "rationale": ai.rationale,
    }
    if ai.uses:
        ai_act["uses"] = dict(ai.uses)
    ai_act["annex_iii_point"] = ai.annex_iii_point or "none"
    if ai.annex_iii_point:
        ai_act["annex_iii_area"] = ai.annex_iii_area
    ai_act["annex_i_safety_component"] = ai.annex_i_safety_component
    if ai.public_body is not None:
        ai_act["public_body"] = ai.public_body
    if ai.provides_public_services is not None:
        ai_act["provides_public_services"] = ai.provides_public_services
    if ai.affects_workers is not None:
        ai_act["affects_workers"] = ai.affects_workers
    screening_record: dict[str, Any] = {**ai.prohibited_answers, "screened_on": screened_on}
    if screened_by:
        screening_record["screened_by"] = screened_by
    ai_act["prohibited_practices"] = screening_record
    if ai.exemption is not None:
        exemption = {k: v for k, v in ai.exemption.items() if v is not None}
        if exemption.get("claimed"):
            exemption["documented_on"] = screened_on
        ai_act["art_6_3_exemption"] = exemption
    ai_act["transparency"] = dict(ai.transparency)
    ai_act["gpai"] = dict(ai.gpai) if ai.gpai["is_gpai_model"] else {"is_gpai_model": False}

    g = screening.gdpr
    gdpr: dict[str, Any] = {"personal_data": g.personal_data}
    if g.lawful_basis:
        gdpr["lawful_basis"] = g.lawful_basis
    if g.personal_data:
        special: dict[str, Any] = {"present": bool(g.special_categories)}
        if g.special_categories:
            special["categories"] = list(g.special_categories)
        if g.art9_condition:
            special["art9_condition"] = g.art9_condition
        gdpr["special_categories"] = special
    if g.minors is not None:
        gdpr["minors"] = {"present": g.minors}
    if g.third_country_transfers is not None:
        gdpr["third_country_transfers"] = g.third_country_transfers
    if g.automated_decision is not None:
        gdpr["automated_decision"] = g.automated_decision
    dpia: dict[str, Any] = {"status": g.dpia_status}
    if g.triggers:
        dpia["triggers"] = list(g.triggers)
    if g.criteria_answers is not None:
        dpia["criteria"] = dict(g.criteria_answers)
    if g.dpia_status == "not_required":
        dpia["not_required_rationale"] = g.rationale
    gdpr["dpia"] = dpia
    return {"ai_act": ai_act, "gdpr": gdpr}
