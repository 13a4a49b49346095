"""The GDPR screening: personal data, special categories, Art. 22, and whether a DPIA is required.

A DPIA is required (Art. 35(1)) in the three cases Art. 35(3) lists — (a) a systematic and
extensive evaluation of personal aspects based on automated processing, including profiling, on
which decisions with legal or similarly significant effects are based; (b) large-scale processing
of special categories (Art. 9(1)) or criminal data (Art. 10); (c) large-scale systematic
monitoring of a publicly accessible area — and, following the WP29/EDPB guidelines (WP248 rev.01),
when the processing meets two or more of their nine criteria.

Every one of the nine criteria is recorded as an explicit answer under ``dpia.criteria`` (the
``dpia.triggers`` vocabulary has no value for criteria 3, 4 and 9): a criterion left unanswered is
not a "no", and the gdpr pack blocks on it where the DPIA decision matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from aigov.i18n import Translator, translator
from aigov.init.screening.questions import NONE, Answers

WP248_CRITERIA: Final[dict[str, str]] = {
    # criterion: its name (WP248 rev.01 numbering)
    "evaluation_or_scoring": "1. evaluation or scoring",
    "automated_decision_legal_effect": "2. automated decision-making with legal or similar effect",
    "systematic_monitoring": "3. systematic monitoring",
    "sensitive_data": "4. sensitive or highly personal data",
    "large_scale": "5. large-scale processing",
    "data_matching": "6. matching or combining datasets",
    "vulnerable_subjects": "7. vulnerable data subjects",
    "innovative_technology": "8. innovative use of technology",
    "prevents_right_or_service": "9. prevents exercising a right or using a service",
}
# The manifest's DpiaTrigger value recording each WP248 criterion, where it has one.
_TRIGGER_OF_CRITERION: Final[dict[str, str]] = {
    "evaluation_or_scoring": "systematic_extensive_evaluation",
    "automated_decision_legal_effect": "automated_decision_legal_effect",
    "large_scale": "large_scale",
    "data_matching": "data_matching",
    "vulnerable_subjects": "vulnerable_subjects",
    "innovative_technology": "innovative_technology",
}


@dataclass(frozen=True)
class GdprScreening:
    personal_data: bool
    dpia_status: str
    """``required`` or ``not_required``."""
    triggers: tuple[str, ...]
    """Manifest ``dpia.triggers`` values, in the vocabulary's order of appearance."""
    art35_3_cases: tuple[str, ...]
    """Points of Art. 35(3) that apply, e.g. ``35(3)(a)``."""
    wp248_criteria: tuple[str, ...]
    reasons: tuple[str, ...]
    lawful_basis: str | None = None
    special_categories: tuple[str, ...] = ()
    art9_condition: str | None = None
    automated_decision: dict[str, Any] | None = None
    criteria_answers: dict[str, bool] | None = None
    """Each of the nine WP248 criteria (keys of :data:`WP248_CRITERIA`) answered true or false."""
    minors: bool | None = None
    """Children among the data subjects (Art. 8), None when not asked."""
    third_country_transfers: bool | None = None
    """Personal data leaving the EEA (Art. 44), None when not asked."""

    @property
    def rationale(self) -> str:
        return " ".join(self.reasons)


def classify_gdpr(answers: Answers, tr: Translator | None = None) -> GdprScreening:
    """Screen the processing from flat answers (see :mod:`aigov.init.screening.questions`); pure."""
    tr = tr or translator("en")
    if answers.get("gdpr.personal_data") is not True:
        return GdprScreening(
            personal_data=False,
            dpia_status="not_required",
            triggers=(),
            art35_3_cases=(),
            wp248_criteria=(),
            reasons=(tr("No personal data is processed: the GDPR does not apply (Art. 2(1))."),),
        )
    yes = {key: answers.get(key) is True for key in answers}
    special = tuple(c for c in answers.get("gdpr.special_categories") or () if c != NONE)
    profiling = yes.get("profiling", False)
    legal_effect = yes.get("gdpr.legal_effect", False)
    large_scale = yes.get("gdpr.large_scale", False)
    sensitive = bool(special) or yes.get("gdpr.criminal_data", False)

    cases: list[str] = []
    if profiling and legal_effect:
        cases.append("35(3)(a)")
    if large_scale and sensitive:
        cases.append("35(3)(b)")
    if yes.get("gdpr.public_area_monitoring", False):
        cases.append("35(3)(c)")

    met = {
        "evaluation_or_scoring": profiling,
        "automated_decision_legal_effect": legal_effect,
        "systematic_monitoring": yes.get("gdpr.systematic_monitoring", False),
        "sensitive_data": sensitive or yes.get("gdpr.highly_personal_data", False),
        "large_scale": large_scale,
        "data_matching": yes.get("gdpr.data_matching", False),
        # Children are vulnerable data subjects (WP248 rev.01 criterion 7, Recital 38).
        "vulnerable_subjects": yes.get("gdpr.vulnerable_subjects", False)
        or yes.get("gdpr.minors", False),
        "innovative_technology": yes.get("gdpr.innovative_technology", False),
        "prevents_right_or_service": yes.get("gdpr.prevents_right_or_service", False),
    }
    criteria = tuple(name for name, hit in met.items() if hit)
    triggers = [_TRIGGER_OF_CRITERION[c] for c in criteria if c in _TRIGGER_OF_CRITERION]
    if "35(3)(b)" in cases:
        triggers.append("large_scale_special_categories")
    if "35(3)(c)" in cases:
        triggers.append("systematic_public_monitoring")

    required, reasons = _dpia_reasons(cases, criteria, tr)
    automated: dict[str, Any] | None = None
    if legal_effect:
        automated = _automated_decision(answers, yes, reasons, tr)
    if special:
        reasons.append(
            tr(
                "Special categories of personal data are processed (Art. 9(1)): an Art. 9(2) "
                "condition is needed."
            )
        )
    basis = answers.get("gdpr.lawful_basis", NONE)
    condition = answers.get("gdpr.art9_condition", NONE)
    return GdprScreening(
        personal_data=True,
        dpia_status="required" if required else "not_required",
        triggers=tuple(dict.fromkeys(triggers)),
        art35_3_cases=tuple(cases),
        wp248_criteria=criteria,
        reasons=tuple(reasons),
        lawful_basis=None if basis in (None, NONE) else str(basis),
        special_categories=special,
        art9_condition=None if condition in (None, NONE) else str(condition),
        automated_decision=automated,
        criteria_answers=met,
        minors=_answered(answers, "gdpr.minors"),
        third_country_transfers=_answered(answers, "gdpr.third_country_transfers"),
    )


def _answered(answers: Answers, key: str) -> bool | None:
    value = answers.get(key)
    return value if isinstance(value, bool) else None


def _dpia_reasons(
    cases: list[str], criteria: tuple[str, ...], tr: Translator
) -> tuple[bool, list[str]]:
    """Whether a DPIA is required (an Art. 35(3) case, or two WP248 criteria), and why."""
    reasons: list[str] = []
    named = "; ".join(tr(WP248_CRITERIA[c]) for c in criteria)
    if cases:
        reasons.append(
            tr(
                "A DPIA is required: the processing falls under GDPR Art. {cases}.",
                cases=", ".join(cases),
            )
        )
    if len(criteria) >= 2:
        reasons.append(
            tr(
                "It meets {count} of the nine WP248 criteria ({named}): a DPIA is required "
                "from two criteria.",
                count=len(criteria),
                named=named,
            )
        )
    elif criteria:
        reasons.append(
            tr(
                "It meets one WP248 criterion ({named}); reassess if the processing changes.",
                named=named,
            )
        )
    required = bool(cases) or len(criteria) >= 2
    if not required:
        reasons.append(
            tr("No DPIA is required: no case of Art. 35(3) and fewer than two WP248 criteria.")
        )
    return required, reasons


def _automated_decision(
    answers: Answers, yes: dict[str, bool], reasons: list[str], tr: Translator
) -> dict[str, Any]:
    """Art. 22 for decisions with legal or similar effects; its reason appended to ``reasons``."""
    solely = yes.get("gdpr.solely_automated", False)
    automated: dict[str, Any] = {"solely_automated": solely, "legal_or_similar_effect": True}
    exception = answers.get("gdpr.art22_exception", NONE)
    if solely:
        if exception not in (None, NONE):
            automated["exception"] = str(exception)
        reasons.append(
            tr(
                "Decisions with legal or similar effects are taken solely by automated "
                "means: Art. 22 applies; document the Art. 22(2) exception, the human "
                "review channel and how people contest a decision (Art. 22(3))."
            )
        )
    return automated
