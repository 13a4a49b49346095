"""The screening questions, as data: what is asked, in which order, when, and which article asks it.

Each :class:`Question` has an ``id`` (the key of its answer in an answers file:
``art5.social_scoring`` or nested ``art5: {social_scoring: no}``), an English prompt (translated
by :mod:`aigov.i18n`), the legal reference it comes from, a kind, and a condition on the answers
before it (``asked_if``): a question that is not asked has no answer and no effect on the
classification.

The texts paraphrase the articles of Regulation (EU) 2024/1689 (AI Act) and Regulation (EU)
2016/679 (GDPR) and the WP29/EDPB DPIA guidelines (WP248 rev.01); they are screening aids, not
legal advice, and the classification records which answer led where.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from aigov.documents.manifest import AiActRole, Art9Condition, LawfulBasis, SpecialCategory

Answers = Mapping[str, Any]
QuestionKind = Literal["yes_no", "choice", "choices", "text"]
NONE: Final = "none"
"""The choice meaning "none of these" (an Annex III point, an Art. 6(3) condition…)."""


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    reference: str
    kind: QuestionKind = "yes_no"
    choices: tuple[str, ...] = ()
    asked_if: Callable[[Answers], bool] | None = None
    required: bool = True
    """An asked question needs an answer (non-interactive runs stop when one is missing)."""
    section: str = "AI Act"

    def is_asked(self, answers: Answers) -> bool:
        return self.asked_if is None or self.asked_if(answers)


# --- Annex III (AI Act Art. 6(2)) -----------------------------------------------------------

ANNEX_III: Final[dict[str, tuple[str, str]]] = {
    "1(a)": ("biometrics", "Remote biometric identification (not mere identity verification)"),
    "1(b)": ("biometrics", "Biometric categorisation by sensitive or protected attributes"),
    "1(c)": ("biometrics", "Emotion recognition"),
    "2": (
        "critical_infrastructure",
        "Safety component of critical digital infrastructure, road traffic, or the supply of "
        "water, gas, heating or electricity",
    ),
    "3(a)": ("education", "Access or admission to, or assignment in, education and training"),
    "3(b)": ("education", "Evaluating learning outcomes, including steering the learning process"),
    "3(c)": ("education", "Assessing the appropriate level of education a person will receive"),
    "3(d)": ("education", "Monitoring and detecting prohibited behaviour of students in tests"),
    "4(a)": (
        "employment",
        "Recruitment or selection: targeted job ads, filtering applications, evaluating candidates",
    ),
    "4(b)": (
        "employment",
        "Decisions on work terms, promotion or termination, task allocation from behaviour or "
        "traits, or monitoring and evaluating workers' performance and behaviour",
    ),
    "5(a)": (
        "essential_services",
        "Public authorities evaluating eligibility for essential public assistance benefits and "
        "services, including healthcare",
    ),
    "5(b)": (
        "essential_services",
        "Evaluating the creditworthiness of natural persons or their credit score (fraud "
        "detection excepted)",
    ),
    "5(c)": ("essential_services", "Risk assessment and pricing in life and health insurance"),
    "5(d)": (
        "essential_services",
        "Evaluating and classifying emergency calls, dispatching emergency services, "
        "emergency healthcare patient triage",
    ),
    "6(a)": ("law_enforcement", "Assessing the risk of a person becoming a victim of crime"),
    "6(b)": ("law_enforcement", "Polygraphs and similar tools"),
    "6(c)": ("law_enforcement", "Evaluating the reliability of evidence"),
    "6(d)": (
        "law_enforcement",
        "Assessing the risk of offending or re-offending (not solely on profiling), or "
        "personality traits or past criminal behaviour",
    ),
    "6(e)": (
        "law_enforcement",
        "Profiling in the detection, investigation or prosecution of crime",
    ),
    "7(a)": ("migration_border", "Polygraphs and similar tools (migration, asylum, border)"),
    "7(b)": (
        "migration_border",
        "Assessing a security, irregular-migration or health risk posed by a person entering",
    ),
    "7(c)": (
        "migration_border",
        "Examining applications for asylum, visas or residence permits and related complaints",
    ),
    "7(d)": (
        "migration_border",
        "Detecting, recognising or identifying persons (travel-document verification excepted)",
    ),
    "8(a)": (
        "justice_democracy",
        "Assisting a judicial authority (or alternative dispute resolution) in researching and "
        "interpreting facts and the law and applying the law",
    ),
    "8(b)": (
        "justice_democracy",
        "Influencing the outcome of an election or referendum or people's voting behaviour",
    ),
}

# --- Art. 5(1): prohibited practices ---------------------------------------------------------

PROHIBITED_PRACTICES: Final[dict[str, tuple[str, str]]] = {
    # answer key (ProhibitedPracticesScreening field): (Art. 5(1) point, question)
    "subliminal_manipulation": (
        "5(1)(a)",
        "Does the system use subliminal, purposefully manipulative or deceptive techniques that "
        "materially distort people's behaviour in a way likely to cause significant harm?",
    ),
    "exploits_vulnerabilities": (
        "5(1)(b)",
        "Does it exploit vulnerabilities of people due to their age, disability or a specific "
        "social or economic situation, distorting their behaviour in a way likely to cause "
        "significant harm?",
    ),
    "social_scoring": (
        "5(1)(c)",
        "Does it evaluate or classify people over time from their social behaviour or personal "
        "characteristics, with a social score leading to detrimental treatment in unrelated "
        "contexts or out of proportion to that behaviour?",
    ),
    "crime_prediction_by_profiling": (
        "5(1)(d)",
        "Does it assess or predict the risk of a person committing a criminal offence based "
        "solely on profiling or on personality traits?",
    ),
    "untargeted_facial_scraping": (
        "5(1)(e)",
        "Does it create or expand facial recognition databases through untargeted scraping of "
        "facial images from the internet or CCTV footage?",
    ),
    "emotion_recognition_work_education": (
        "5(1)(f)",
        "Does it infer the emotions of people at the workplace or in education institutions "
        "(other than for medical or safety reasons)?",
    ),
    "biometric_categorisation_sensitive": (
        "5(1)(g)",
        "Does it categorise people from their biometric data to deduce their race, political "
        "opinions, trade union membership, religious or philosophical beliefs, sex life or "
        "sexual orientation?",
    ),
    "realtime_remote_biometric_identification": (
        "5(1)(h)",
        "Is it used for real-time remote biometric identification in publicly accessible spaces "
        "for law enforcement (outside the narrow exceptions of Art. 5(1)(h)(i)-(iii))?",
    ),
}

ART_6_3_CONDITIONS: Final[dict[str, tuple[str, str]]] = {
    "narrow_procedural_task": ("6(3)(a)", "It performs a narrow procedural task"),
    "improves_prior_human_activity": (
        "6(3)(b)",
        "It improves the result of a previously completed human activity",
    ),
    "detects_decision_patterns": (
        "6(3)(c)",
        "It detects decision-making patterns or deviations from them, without replacing or "
        "influencing the prior human assessment without proper human review",
    ),
    "preparatory_task": ("6(3)(d)", "It performs a task preparatory to an Annex III assessment"),
}

TRANSPARENCY_CASES: Final[dict[str, tuple[str, str]]] = {
    "interacts_with_people": (
        "50(1)",
        "Does the system interact directly with natural persons (a chatbot, a voice assistant)?",
    ),
    "generates_synthetic_content": (
        "50(2)",
        "Does it generate synthetic audio, image, video or text content?",
    ),
    "emotion_recognition_or_biometric_categorisation": (
        "50(3)",
        "Is it an emotion recognition or biometric categorisation system (you deploy)?",
    ),
    "deep_fake": (
        "50(4)",
        "Does it generate or manipulate image, audio or video content that is a deep fake, or "
        "text published to inform the public on matters of public interest?",
    ),
}

# The answers a question accepts are the manifest's own enumerations (one source of truth).
SPECIAL_CATEGORIES: Final[tuple[str, ...]] = get_args(SpecialCategory)
ART9_CONDITIONS: Final[tuple[str, ...]] = get_args(Art9Condition)
LAWFUL_BASES: Final[tuple[str, ...]] = get_args(LawfulBasis)
ROLES: Final[tuple[str, ...]] = get_args(AiActRole)


def _yes(key: str) -> Callable[[Answers], bool]:
    return lambda answers: answers.get(key) is True


def _annex_iii(answers: Answers) -> bool:
    return bool(answers.get("ai_act.annex_iii_point", NONE) != NONE)


def _deploys_annex_iii(answers: Answers) -> bool:
    roles = answers.get("ai_act.role") or ()
    deployer = "deployer" in ([roles] if isinstance(roles, str) else roles)
    return _annex_iii(answers) and (deployer or answers.get("ai_act.used_by_organisation") is True)


def _exemption_possible(answers: Answers) -> bool:
    return _annex_iii(answers) and answers.get("profiling") is False


def _condition_claimed(answers: Answers) -> bool:
    return _exemption_possible(answers) and answers.get("ai_act.art_6_3_condition", NONE) != NONE


def _personal_or_annex_iii(answers: Answers) -> bool:
    return answers.get("gdpr.personal_data") is True or _annex_iii(answers)


def _art22(answers: Answers) -> bool:
    return answers.get("gdpr.solely_automated") is True


QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        "ai_act.role",
        "What are your organisation's roles for this AI system (several if it both builds and "
        "uses it)?",
        "AI Act Art. 3(3)-(7)",
        kind="choices",
        choices=ROLES,
    ),
    Question(
        "ai_act.developed_by_organisation",
        "Does your organisation develop the system, or have it developed, to place it on the "
        "market or put it into service under its own name?",
        "AI Act Art. 3(3)",
    ),
    Question(
        "ai_act.used_by_organisation",
        "Does your organisation use the system under its own authority (its staff operate it)?",
        "AI Act Art. 3(4)",
    ),
    *(
        Question(f"art5.{key}", text, f"AI Act Art. {point}")
        for key, (point, text) in PROHIBITED_PRACTICES.items()
    ),
    Question(
        "ai_act.annex_i_safety_component",
        "Is the system a safety component of a product (or itself a product) covered by the "
        "Union harmonisation legislation of Annex I that needs a third-party conformity "
        "assessment?",
        "AI Act Art. 6(1), Annex I",
    ),
    Question(
        "ai_act.annex_iii_point",
        "Which Annex III use does the system's intended purpose fall under ('none' if none)?",
        "AI Act Art. 6(2), Annex III",
        kind="choice",
        choices=(NONE, *ANNEX_III),
    ),
    Question(
        "gdpr.personal_data",
        "Does the system process personal data (any information relating to an identified or "
        "identifiable natural person), in training or in use?",
        "GDPR Art. 4(1)",
        section="GDPR",
    ),
    Question(
        "profiling",
        "Does it profile natural persons: automated evaluation of personal aspects such as "
        "performance at work, economic situation, health, preferences, reliability, behaviour, "
        "location or movements?",
        "GDPR Art. 4(4); AI Act Art. 6(3) second subparagraph",
        asked_if=_personal_or_annex_iii,
        section="GDPR",
    ),
    Question(
        "ai_act.art_6_3_condition",
        "Does one of the Art. 6(3) conditions describe the system ('none' if none)?",
        "AI Act Art. 6(3)(a)-(d)",
        kind="choice",
        choices=(NONE, *ART_6_3_CONDITIONS),
        asked_if=_exemption_possible,
    ),
    Question(
        "ai_act.art_6_3_no_significant_risk",
        "Have you assessed that the system poses no significant risk of harm to health, safety "
        "or fundamental rights, including by not materially influencing decisions?",
        "AI Act Art. 6(3) first subparagraph, Art. 6(4)",
        asked_if=_condition_claimed,
    ),
    Question(
        "ai_act.art_6_3_rationale",
        "In one sentence, why does the condition apply?",
        "AI Act Art. 6(4)",
        kind="text",
        asked_if=_condition_claimed,
        required=False,
    ),
    Question(
        "ai_act.public_body",
        "Is the deploying organisation a body governed by public law (a public authority, "
        "agency or other public body)?",
        "AI Act Art. 27(1), Art. 49(3)",
        asked_if=_deploys_annex_iii,
    ),
    Question(
        "ai_act.provides_public_services",
        "Is it a private entity providing public services (e.g. education, healthcare, "
        "social services, housing)?",
        "AI Act Art. 27(1)",
        asked_if=lambda a: _deploys_annex_iii(a) and a.get("ai_act.public_body") is False,
    ),
    Question(
        "ai_act.affects_workers",
        "Is the system used at the workplace on your organisation's own workers?",
        "AI Act Art. 26(7)",
        asked_if=_deploys_annex_iii,
    ),
    *(
        Question(f"transparency.{key}", text, f"AI Act Art. {point}")
        for key, (point, text) in TRANSPARENCY_CASES.items()
    ),
    Question(
        "gpai.is_gpai_model",
        "Do you place on the market a general-purpose AI model (one that competently performs "
        "a wide range of distinct tasks), rather than only use one?",
        "AI Act Art. 3(63), Art. 53",
    ),
    Question(
        "gpai.systemic_risk",
        "Does the model have high-impact capabilities (e.g. more than 10^25 FLOPs of training "
        "compute) or has the Commission designated it as posing systemic risk?",
        "AI Act Art. 51, Art. 55",
        asked_if=_yes("gpai.is_gpai_model"),
    ),
    Question(
        "gdpr.lawful_basis",
        "What is the lawful basis of the processing ('none' if not decided yet)?",
        "GDPR Art. 6(1)",
        kind="choice",
        choices=(NONE, *LAWFUL_BASES),
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.special_categories",
        "Which special categories of personal data are processed (comma-separated, 'none')?",
        "GDPR Art. 9(1)",
        kind="choices",
        choices=(NONE, *SPECIAL_CATEGORIES),
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.art9_condition",
        "Which Art. 9(2) condition allows processing them ('none' if not decided yet)?",
        "GDPR Art. 9(2)",
        kind="choice",
        choices=(NONE, *ART9_CONDITIONS),
        asked_if=lambda a: (
            a.get("gdpr.personal_data") is True
            and bool([c for c in a.get("gdpr.special_categories") or () if c != NONE])
        ),
        section="GDPR",
    ),
    Question(
        "gdpr.criminal_data",
        "Does it process personal data relating to criminal convictions and offences?",
        "GDPR Art. 10",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.highly_personal_data",
        "Does it process other data of a highly personal nature (financial data, location, "
        "private communications…)?",
        "WP248 rev.01 criterion 4",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.legal_effect",
        "Are decisions that produce legal effects or similarly significantly affect people "
        "(credit, employment, access to a service…) based on the system's output?",
        "GDPR Art. 35(3)(a); WP248 rev.01 criterion 2",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.solely_automated",
        "Are those decisions taken solely by automated means, without meaningful human review?",
        "GDPR Art. 22(1)",
        asked_if=_yes("gdpr.legal_effect"),
        section="GDPR",
    ),
    Question(
        "gdpr.art22_exception",
        "Which Art. 22(2) exception allows it ('none' if none yet)?",
        "GDPR Art. 22(2)",
        kind="choice",
        choices=(NONE, "contract", "union_or_member_state_law", "explicit_consent"),
        asked_if=_art22,
        section="GDPR",
    ),
    Question(
        "gdpr.systematic_monitoring",
        "Does it observe, monitor or control people systematically?",
        "WP248 rev.01 criterion 3",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.public_area_monitoring",
        "Does it systematically monitor a publicly accessible area on a large scale?",
        "GDPR Art. 35(3)(c)",
        asked_if=_yes("gdpr.systematic_monitoring"),
        section="GDPR",
    ),
    Question(
        "gdpr.large_scale",
        "Is the data processed on a large scale (many people, volume, duration, geography)?",
        "GDPR Art. 35(3)(b); WP248 rev.01 criterion 5",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.data_matching",
        "Does it match or combine datasets from different processing operations or controllers?",
        "WP248 rev.01 criterion 6",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.vulnerable_subjects",
        "Are the data subjects vulnerable (children, employees, patients, elderly people, "
        "asylum seekers…)?",
        "WP248 rev.01 criterion 7",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.innovative_technology",
        "Does it apply innovative technology or organisational solutions (e.g. a new kind of "
        "AI use)?",
        "WP248 rev.01 criterion 8",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.prevents_right_or_service",
        "Can the processing itself prevent people from exercising a right or using a service or "
        "a contract?",
        "WP248 rev.01 criterion 9; GDPR Recital 91",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.minors",
        "Do the data subjects include children (persons under 18)?",
        "GDPR Art. 8(1); Recital 38; WP248 rev.01 criterion 7",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
    Question(
        "gdpr.third_country_transfers",
        "Is personal data transferred outside the EEA (storage, support or a processor in a "
        "third country)?",
        "GDPR Art. 44",
        asked_if=_yes("gdpr.personal_data"),
        section="GDPR",
    ),
)
"""Every screening question, in the order they are asked."""

QUESTIONS_BY_ID: Final[dict[str, Question]] = {q.id: q for q in QUESTIONS}

_YES = {"yes", "y", "true", "oui", "o", "1"}
_NO = {"no", "n", "false", "non", "0"}


def parse_answer(question: Question, raw: Any) -> Any:
    """``raw`` (from a prompt, a flag or YAML) as the question's value; ValueError if it is not one.

    yes/no accepts booleans and yes/no/y/n/true/false/oui/non; a choice, one of its choices
    (or its number in the list, from 1); several choices, a list or a comma-separated string.
    """
    if question.kind == "yes_no":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise ValueError("answer yes or no")
    if question.kind == "text":
        return str(raw).strip()
    if question.kind == "choice":
        return _choice(question, raw)
    items = raw if isinstance(raw, list | tuple) else str(raw).split(",")
    values = [_choice(question, item) for item in items if str(item).strip()]
    chosen = [v for v in values if v != NONE]
    return list(dict.fromkeys(chosen))


def _choice(question: Question, raw: Any) -> str:
    text = str(raw).strip()
    if text.isdigit() and 1 <= int(text) <= len(question.choices):
        return question.choices[int(text) - 1]
    if text in question.choices:
        return text
    raise ValueError("choose one of: " + ", ".join(question.choices))


def flatten(answers: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"art5": {"social_scoring": False}}`` as ``{"art5.social_scoring": False}``."""
    flat: dict[str, Any] = {}
    for key, value in answers.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name not in QUESTIONS_BY_ID:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def asked_questions(answers: Answers) -> list[Question]:
    """The questions asked given ``answers`` (conditions read the answers before them)."""
    return [q for q in QUESTIONS if q.is_asked(answers)]
