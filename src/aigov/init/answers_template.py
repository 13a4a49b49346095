"""The answers file of ``aigov init``, as a template: every question with its article, the values
it accepts and when it is asked (``aigov init --print-questions [--lang fr]``).

The template is YAML that ``aigov init --answers FILE`` reads as it is: one dotted key per
question (``art5.social_scoring``), in the order they are asked; a value left empty is an
unanswered question, which a run without a terminal names with its article (exit 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import yaml

from aigov.documents.types import STAGES
from aigov.i18n import Translator
from aigov.init.requirements import OPTIONAL_FIELDS, RequiringRule
from aigov.init.screening.questions import (
    ANNEX_III,
    ART_6_3_CONDITIONS,
    NONE,
    QUESTIONS,
    Question,
)

WHEN_ASKED: Final[dict[str, str]] = {
    "profiling": "asked when personal data are processed or an Annex III use is chosen",
    "ai_act.art_6_3_condition": "asked for an Annex III use that does not profile people",
    "ai_act.art_6_3_no_significant_risk": "asked when an Art. 6(3) condition is chosen",
    "ai_act.art_6_3_rationale": "asked when an Art. 6(3) condition is chosen (optional)",
    "ai_act.public_body": "asked when your organisation uses (deploys) an Annex III system",
    "ai_act.provides_public_services": (
        "asked when your organisation deploys an Annex III system and is not a public body"
    ),
    "ai_act.affects_workers": "asked when your organisation uses (deploys) an Annex III system",
    "gpai.systemic_risk": "asked when you place a general-purpose AI model on the market",
    "gdpr.art9_condition": "asked when special categories of personal data are processed",
    "gdpr.solely_automated": "asked when decisions with legal or similar effects are based on it",
    "gdpr.art22_exception": "asked when those decisions are solely automated",
    "gdpr.public_area_monitoring": "asked when people are monitored systematically",
}
"""When a question with a condition (``asked_if``) is asked, in words; the GDPR questions not
listed here are asked when personal data are processed."""
_PERSONAL_DATA: Final = "asked when personal data are processed"

PROJECT_HELP: Final[dict[str, str]] = {
    "id": "project id, unique in the portfolio: 2-63 lowercase letters, digits, '.', '_', '-'",
    "name": "project name",
    "owner": "accountable person or team",
    "business_unit": "business unit",
    "stage": "lifecycle stage",
    "problem": "the business problem, in one sentence (framing sheet)",
    "business_owner": "business owner's name",
    "data_protection_officer": "data protection officer's name",
    "contract": "name of the first data contract (default: <id>-data)",
    "screened_by": "who answers this screening",
}
_REQUIRED_PROJECT: Final = ("id", "name", "owner", "business_unit")


def answers_template(
    tr: Translator,
    required: Mapping[str, tuple[RequiringRule, ...]],
    *,
    stage: str = "ideation",
) -> str:
    """The template in ``tr``'s language; ``required`` names the project fields the
    organisation's blocking rules need (:func:`aigov.init.requirements.required_fields`)."""
    lines = [
        "# " + tr("aigov init answers: fill in every value, then run"),
        "#   aigov init PATH --answers " + tr("THIS_FILE"),
        "# " + tr("A value left empty is a question not answered yet; yes/no also reads oui/non."),
        "",
        "project:",
    ]
    for name, help_text in PROJECT_HELP.items():
        lines += _project_field(tr, name, help_text, required.get(name, ()), stage)
    # Dotted keys, in the order the questions are asked (a condition reads the answers above).
    section = None
    for question in QUESTIONS:
        if question.section != section:
            section = question.section
            lines += ["", f"# == {tr(section)} =="]
        lines += ["", *_question(tr, question)]
    return "\n".join(lines) + "\n"


def _project_field(
    tr: Translator, name: str, help_text: str, rules: tuple[RequiringRule, ...], stage: str
) -> list[str]:
    value = stage if name == "stage" else ""
    if name in _REQUIRED_PROJECT:
        need = tr("required")
    elif rules:
        need = tr("required by {rules}", rules="; ".join(rule.cited() for rule in rules))
    elif name in OPTIONAL_FIELDS or name == "contract":
        need = tr("optional")
    else:
        need = tr("one of: {values}", values=", ".join(STAGES))
    return [f"  # {tr(help_text)} — {need}", f"  {name}: {_scalar(value)}".rstrip()]


def _question(tr: Translator, question: Question) -> list[str]:
    lines = [f"# [{question.reference}] {tr(question.prompt)}"]
    if question.kind == "yes_no":
        lines.append("#   " + tr("yes or no"))
    elif question.kind == "text":
        lines.append(
            "#   " + tr("free text") + ("" if question.required else ", " + tr("optional"))
        )
    else:
        many = question.kind == "choices"
        lines.append(
            "#   "
            + (tr("several of (a list):") if many else tr("one of:"))
            + ("" if _labelled(question) else " " + ", ".join(question.choices))
        )
        if _labelled(question):
            lines += [f"#     {choice}: {tr(_label(choice))}" for choice in question.choices]
    if question.asked_if is not None:
        lines.append("#   " + tr(WHEN_ASKED.get(question.id, _PERSONAL_DATA)))
    lines.append(f"{question.id}:")
    return lines


def _labelled(question: Question) -> bool:
    return any(choice in ANNEX_III or choice in ART_6_3_CONDITIONS for choice in question.choices)


def _label(choice: str) -> str:
    if choice == NONE:
        return "none of these"
    if choice in ANNEX_III:
        return ANNEX_III[choice][1]
    return ART_6_3_CONDITIONS[choice][1]


def _scalar(value: str) -> str:
    return (
        yaml.safe_dump(value, default_style=None).removesuffix("\n...\n").strip() if value else ""
    )
