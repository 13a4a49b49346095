"""The AI Act risk classification: answers to the screening questions → category, with reasons.

The order is the Regulation's own:

1. Art. 5(1): any prohibited practice → ``prohibited`` (the points are named).
2. Art. 6(1): a safety component of an Annex I product needing third-party assessment → ``high``.
3. Art. 6(2) and Annex III: a listed use → ``high``, unless Art. 6(3) applies: one of its
   conditions (a)-(d) holds, the provider assessed no significant risk, and the system does not
   profile natural persons (Art. 6(3) second subparagraph: profiling is always high-risk).
4. Art. 50: a transparency case (interaction, synthetic content, emotion recognition or biometric
   categorisation, deep fakes) → ``limited`` when nothing above applies.
5. Otherwise ``minimal``.

General-purpose AI models (Art. 51-55) carry their own obligations whatever the category: they are
recorded beside it (``gpai``) and in the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aigov.i18n import Translator, translator
from aigov.init.screening.questions import (
    ANNEX_III,
    ART_6_3_CONDITIONS,
    NONE,
    PROHIBITED_PRACTICES,
    TRANSPARENCY_CASES,
    Answers,
)
from aigov.policy.derive.ai_act import roles_of


@dataclass(frozen=True)
class AiActScreening:
    """The outcome: category, what led there, and the screening answers to record."""

    roles: tuple[str, ...]
    category: str
    reasons: tuple[str, ...]
    prohibited_points: tuple[str, ...] = ()
    annex_iii_point: str | None = None
    annex_iii_area: str | None = None
    annex_i_safety_component: bool = False
    exemption: dict[str, Any] | None = None
    transparency: dict[str, bool] = field(default_factory=dict)
    gpai: dict[str, bool] = field(default_factory=dict)
    prohibited_answers: dict[str, bool] = field(default_factory=dict)
    uses: dict[str, bool] = field(default_factory=dict)
    """Who develops and who uses the system (``risk.ai_act.uses``): the roles follow from it."""
    public_body: bool | None = None
    provides_public_services: bool | None = None
    affects_workers: bool | None = None

    @property
    def rationale(self) -> str:
        """The reasons as one paragraph, for ``risk.ai_act.rationale``."""
        return " ".join(self.reasons)


def classify_ai_act(answers: Answers, tr: Translator | None = None) -> AiActScreening:
    """Classify from flat answers (see :mod:`aigov.init.screening.questions`); pure."""
    tr = tr or translator("en")
    reasons: list[str] = []
    prohibited_answers = {key: answers.get(f"art5.{key}") is True for key in PROHIBITED_PRACTICES}
    prohibited = tuple(
        PROHIBITED_PRACTICES[key][0] for key, yes in prohibited_answers.items() if yes
    )
    point = answers.get("ai_act.annex_iii_point", NONE)
    point = None if point in (None, NONE) else str(point)
    area = ANNEX_III[point][0] if point else None
    annex_i = answers.get("ai_act.annex_i_safety_component") is True
    transparency = {key: answers.get(f"transparency.{key}") is True for key in TRANSPARENCY_CASES}
    gpai = {
        "is_gpai_model": answers.get("gpai.is_gpai_model") is True,
        "systemic_risk": answers.get("gpai.systemic_risk") is True,
    }
    exemption: dict[str, Any] | None = None

    if prohibited:
        category = "prohibited"
        points = ", ".join(f"Art. {p}" for p in prohibited)
        reasons.append(
            tr(
                "Prohibited practice: the screening answered yes to {points}; such a system "
                "cannot be placed on the market or used in the EU.",
                points=points,
            )
        )
    elif annex_i:
        category = "high"
        reasons.append(
            tr(
                "High-risk under Art. 6(1): safety component of a product covered by Annex I "
                "that needs a third-party conformity assessment."
            )
        )
    elif point is not None:
        category, reason, exemption = _annex_iii(answers, point, transparency, tr)
        reasons.append(reason)
    elif any(transparency.values()):
        category = "limited"
    else:
        category = "minimal"
        reasons.append(
            tr(
                "Minimal risk: no prohibited practice (Art. 5), not a high-risk use (Art. 6, "
                "Annex I, Annex III) and no transparency case (Art. 50)."
            )
        )

    reasons += _obligations(category, point, transparency, gpai, tr)
    uses = {
        key: answers[f"ai_act.{key}"]
        for key in ("developed_by_organisation", "used_by_organisation")
        if isinstance(answers.get(f"ai_act.{key}"), bool)
    }
    declared = answers.get("ai_act.role") or ["provider"]
    roles = roles_of({"role": declared, "uses": uses})["value"]
    return AiActScreening(
        roles=tuple(roles),
        uses=uses,
        public_body=_answer(answers, "ai_act.public_body"),
        provides_public_services=_answer(answers, "ai_act.provides_public_services"),
        affects_workers=_answer(answers, "ai_act.affects_workers"),
        category=category,
        reasons=tuple(reasons),
        prohibited_points=prohibited,
        annex_iii_point=point,
        annex_iii_area=area,
        annex_i_safety_component=annex_i,
        exemption=exemption,
        transparency=transparency,
        gpai=gpai,
        prohibited_answers=prohibited_answers,
    )


def _answer(answers: Answers, key: str) -> bool | None:
    value = answers.get(key)
    return value if isinstance(value, bool) else None


def _annex_iii(
    answers: Answers, point: str, transparency: dict[str, bool], tr: Translator
) -> tuple[str, str, dict[str, Any]]:
    """Category, reason and Art. 6(3) exemption of a use listed in Annex III (Art. 6(2)-(3))."""
    profiling = answers.get("profiling") is True
    condition = answers.get("ai_act.art_6_3_condition", NONE)
    condition = None if condition in (None, NONE) else str(condition)
    no_risk = answers.get("ai_act.art_6_3_no_significant_risk") is True
    listed = tr("Annex III point {point} ({use}).", point=point, use=tr(ANNEX_III[point][1]))
    if profiling:
        reason = tr(
            "High-risk under Art. 6(2): the system profiles natural persons, so the "
            "Art. 6(3) derogation cannot apply (Art. 6(3) second subparagraph)."
        )
        return "high", listed + " " + reason, {"claimed": False, "performs_profiling": True}
    if condition is not None and no_risk:
        category = "limited" if any(transparency.values()) else "minimal"
        article = ART_6_3_CONDITIONS[condition][0]
        reason = tr(
            "Not high-risk under Art. {article}: {condition}; no significant risk of "
            "harm was assessed and the system does not profile natural persons. "
            "Document this assessment (Art. 6(4)) and register the system in the EU "
            "database (Art. 49(2)).",
            article=article,
            condition=tr(ART_6_3_CONDITIONS[condition][1]).lower(),
        )
        exemption = {
            "claimed": True,
            "conditions": [condition],
            "performs_profiling": False,
            "rationale": str(answers.get("ai_act.art_6_3_rationale") or "") or None,
        }
        return category, listed + " " + reason, exemption
    why = (
        tr("the absence of a significant risk of harm has not been assessed")
        if condition is not None
        else tr("none of the Art. 6(3) conditions applies")
    )
    reason = tr("High-risk under Art. 6(2): {why}.", why=why)
    return "high", listed + " " + reason, {"claimed": False, "performs_profiling": False}


def _obligations(
    category: str,
    point: str | None,
    transparency: dict[str, bool],
    gpai: dict[str, bool],
    tr: Translator,
) -> list[str]:
    """The transparency (Art. 50) and general-purpose AI (Art. 53, 55) obligations that apply."""
    reasons: list[str] = []
    cases = [f"Art. {TRANSPARENCY_CASES[key][0]}" for key, yes in transparency.items() if yes]
    if cases and category != "prohibited":
        lead = (
            tr("Limited risk: transparency obligations apply ({cases}).", cases=", ".join(cases))
            if category == "limited" and point is None
            else tr("Transparency obligations also apply ({cases}).", cases=", ".join(cases))
        )
        reasons.append(lead)
    if gpai["is_gpai_model"]:
        if gpai["systemic_risk"]:
            reasons.append(
                tr(
                    "General-purpose AI model with systemic risk: the obligations of Art. 53 "
                    "and Art. 55 apply."
                )
            )
        else:
            reasons.append(tr("General-purpose AI model: the obligations of Art. 53 apply."))
    return reasons
