"""What the AI Act concludes from the facts of ``risk.ai_act`` (and of ``risk.gdpr``), each as
``{value, because}`` under ``derived.ai_act``:

- ``roles``: the roles declared, plus those Art. 3(3)-(4) and 25(1) give from who builds, uses,
  rebrands or modifies the system (``uses``), less deployer for a purely personal use (Art. 2(10));
- ``in_scope`` / ``exclusion_holds``: whether an Art. 2 exclusion holds, its conditions checked
  (the open-source one never for a system high-risk in fact, whatever its declared category);
- ``prohibited``: the Art. 5(1) practices answered yes that no exception of Art. 5 covers;
  ``art5_unanswered``: the Art. 5(1) points left unanswered;
- ``annex_iii``: the Annex III point (or area) in words, for messages;
- ``profiling``: whether the system profiles natural persons (from the Annex III point, the
  declarations, the GDPR evaluation criterion);
- ``art_6_3``: whether the Art. 6(3) derogation validly applies (conditions, profiling, a claim
  contradicted by solely automated decisions);
- ``high_risk_applies``: whether Chapter III binds the system now (Art. 111(2); Art. 113(c) for a
  system high-risk only as an Annex I safety component);
- ``fria``: whether Art. 27 requires a fundamental rights impact assessment;
- ``gpai_open_source``: whether Art. 53(2) exempts a GPAI model from Art. 53(1)(a)-(b);
- ``disclosure`` / ``marking``: whether an Art. 50 disclosure or marking is recorded as a fact
  (text such as "none" or "n/a" never counts); ``override``, ``stop_procedure`` and
  ``oversight_training``: the same for the model card's Art. 14 and Art. 26(2) measures;
  ``overseers_trained``: overseers named and their training recorded as a fact (Art. 26(2), 4);
- ``late_incidents``: serious incidents reported late or not at all (Art. 73; Art. 26(5) for a
  deployer);
- ``unanswered_classification`` / ``unanswered``: screening questions without an answer, those a
  classification or an obligation rests on (blocking from the stage they matter) and the others.

Every explanation is written in English under ``because`` and in the other languages aigov
writes under ``translations`` (:mod:`aigov.policy.explanation`); the labels of the tables
below are messages of aigov's catalog.

The input is the plain context (a fixture's manifest may be partial and hold dates as dates or
strings); nothing here raises on a missing or odd value: it is unanswered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from aigov.documents.answers import is_recorded_text
from aigov.policy.explanation import (
    TRANSLATIONS_KEY,
    TRANSLATIONS_SCHEMA,
    Explanation,
    explanation_of,
    joined,
    say,
    texts,
    verbatim,
)

ANNEX_III_POINTS: Final[Mapping[str, str]] = {
    "1": "biometrics",
    "1(a)": "remote biometric identification",
    "1(b)": "biometric categorisation by sensitive or protected attributes",
    "1(c)": "emotion recognition",
    "2": "safety component of critical infrastructure",
    "3": "education and vocational training",
    "3(a)": "access or admission to education",
    "3(b)": "evaluation of learning outcomes",
    "3(c)": "assessment of the appropriate level of education",
    "3(d)": "monitoring of prohibited behaviour of students during tests",
    "4": "employment and workers management",
    "4(a)": "recruitment or selection of natural persons, evaluation of candidates",
    "4(b)": "decisions on work relationships, monitoring and evaluation of workers",
    "5": "access to essential private and public services",
    "5(a)": "eligibility for public assistance benefits and services",
    "5(b)": "creditworthiness scoring of natural persons",
    "5(c)": "risk assessment and pricing in life and health insurance",
    "5(d)": "evaluation and classification of emergency calls, triage",
    "6": "law enforcement",
    "6(a)": "risk of a natural person becoming a victim of crime",
    "6(b)": "polygraphs and similar tools in law enforcement",
    "6(c)": "reliability of evidence",
    "6(d)": "risk of a natural person offending or re-offending",
    "6(e)": "profiling of natural persons in criminal investigations",
    "7": "migration, asylum and border control",
    "7(a)": "polygraphs and similar tools at the border",
    "7(b)": "risk assessment of a natural person entering a Member State",
    "7(c)": "examination of applications for asylum, visa or residence permits",
    "7(d)": "detection, recognition or identification of natural persons at the border",
    "8": "administration of justice and democratic processes",
    "8(a)": "assisting a judicial authority in researching and interpreting facts and law",
    "8(b)": "influencing the outcome of an election or referendum",
}
"""Annex III points, as short as a message can quote them."""
_AREA_POINT: Final = {
    "biometrics": "1",
    "critical_infrastructure": "2",
    "education": "3",
    "employment": "4",
    "essential_services": "5",
    "law_enforcement": "6",
    "migration_border": "7",
    "justice_democracy": "8",
}
PROFILING_POINTS: Final = frozenset({"4(b)", "5(b)", "5(c)", "6(a)", "6(d)", "6(e)", "7(b)"})
"""Annex III uses whose wording is itself an evaluation of personal aspects of a natural person
(GDPR Art. 4(4): work performance, economic situation, health, reliability, behaviour): profiling
by their nature. 4(a) is not among them: recruitment tools include narrow procedural tasks such
as detecting duplicate applications (Recital 53); its candidate evaluation shows through the
declarations or the GDPR evaluation criterion."""
FRIA_POINTS: Final = frozenset({"5(b)", "5(c)"})
"""Art. 27(1): deployers of these uses assess fundamental rights impact whoever they are."""
_FRIA_PUBLIC_AREAS: Final = frozenset(
    {"education", "law_enforcement", "migration_border", "justice_democracy"}
)
"""Annex III areas run by public bodies or public service providers unless recorded otherwise."""

PROHIBITED_PRACTICES: Final[tuple[tuple[str, str, str | None], ...]] = (
    ("subliminal_manipulation", "Art. 5(1)(a) manipulative or deceptive techniques", None),
    ("exploits_vulnerabilities", "Art. 5(1)(b) exploitation of vulnerabilities", None),
    ("social_scoring", "Art. 5(1)(c) social scoring", None),
    (
        "crime_prediction_by_profiling",
        "Art. 5(1)(d) predicting criminal offences from profiling or personality traits",
        None,
    ),
    ("untargeted_facial_scraping", "Art. 5(1)(e) untargeted scraping of facial images", None),
    (
        "emotion_recognition_work_education",
        "Art. 5(1)(f) emotion recognition at the workplace or in education",
        "medical_or_safety_reasons",
    ),
    (
        "biometric_categorisation_sensitive",
        "Art. 5(1)(g) biometric categorisation inferring sensitive attributes",
        "lawful_biometric_dataset_labelling",
    ),
    (
        "realtime_remote_biometric_identification",
        "Art. 5(1)(h) real-time remote biometric identification in public spaces for law "
        "enforcement",
        "authorised_targeted_search",
    ),
)
"""(answer key, the practice with its point, the exception the Regulation writes into it)."""
_EXCEPTIONS: Final = {
    "medical_or_safety_reasons": "for medical or safety reasons (Art. 5(1)(f))",
    "lawful_biometric_dataset_labelling": "labelling or filtering of lawfully acquired biometric "
    "datasets (Art. 5(1)(g))",
    "authorised_targeted_search": "a targeted search under Art. 5(1)(h)(i)-(iii) with prior "
    "authorisation (Art. 5(3))",
}
ART_6_3_CONDITIONS: Final = {
    "narrow_procedural_task": "(a) narrow procedural task",
    "improves_prior_human_activity": "(b) improves the result of a completed human activity",
    "detects_decision_patterns": "(c) detects decision-making patterns",
    "preparatory_task": "(d) preparatory task to an assessment",
}
_NEEDS_HUMAN_ASSESSMENT: Final = frozenset({"detects_decision_patterns", "preparatory_task"})
"""Art. 6(3)(c)-(d) presuppose a human assessment the system prepares or is reviewed by."""
TRANSITION_DATE: Final = dt.date(2026, 8, 2)
"""Art. 111(2): high-risk systems placed on the market or put into service before this date."""
ANNEX_I_DATE: Final = dt.date(2027, 8, 2)
"""Art. 113(c): Art. 6(1) and its obligations apply from this date."""
PUBLIC_AUTHORITIES_DEADLINE: Final = dt.date(2030, 8, 2)
"""Art. 111(2) second sentence: those intended for public authorities comply by this date."""
INCIDENT_DEADLINES: Final = {
    "death": (10, "Art. 73(4)"),
    "critical_infrastructure_disruption": (2, "Art. 73(3)"),
}
"""Days to report a serious incident once aware; 15 otherwise (Art. 73(2)), 2 if widespread."""
_PUBLIC_TAGS: Final = frozenset({"public-body", "public-service"})


def _fact(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["value", "because"],
        "properties": {
            "value": dict(schema),
            "because": {"type": "string"},
            TRANSLATIONS_KEY: TRANSLATIONS_SCHEMA,
        },
    }


_BOOL: Final = {"type": "boolean"}
_STRINGS: Final = {"type": "array", "items": {"type": "string"}}
SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "roles": _fact(_STRINGS),
        "in_scope": _fact(_BOOL),
        "exclusion_holds": _fact(_BOOL),
        "prohibited": _fact(_STRINGS),
        "art5_unanswered": _fact(_STRINGS),
        "annex_iii": _fact({"type": "string"}),
        "profiling": _fact(_BOOL),
        "art_6_3": _fact(_BOOL),
        "high_risk_applies": _fact(_BOOL),
        "fria": _fact(_BOOL),
        "gpai_open_source": _fact(_BOOL),
        "disclosure": _fact(_BOOL),
        "marking": _fact(_BOOL),
        "late_incidents": _fact(_STRINGS),
        "override": _fact(_BOOL),
        "stop_procedure": _fact(_BOOL),
        "oversight_training": _fact(_BOOL),
        "overseers_trained": _fact(_BOOL),
        "unanswered_classification": _fact(_STRINGS),
        "unanswered": _fact(_STRINGS),
    },
}
"""The shape of ``derived.ai_act``."""


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else []


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


_QUOTED_LENGTH: Final = 80
"""Repository text quoted in an explanation is cut here: the explanation stays aigov's."""


def _quote(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _QUOTED_LENGTH else text[: _QUOTED_LENGTH - 1] + "…"


def _fact_of(value: Any, because: Explanation) -> dict[str, Any]:
    return {"value": value, **texts(because=because)}


def _words(items: Iterable[Explanation | str]) -> Explanation:
    return joined("; ", items)


def _point_words(point: str) -> Explanation:
    """``5(b) creditworthiness scoring of natural persons``: the point and its label."""
    return say("{point} {label}", point=point, label=say(ANNEX_III_POINTS[point]))


def derive(context: Mapping[str, Any]) -> dict[str, Any]:
    """``derived.ai_act`` of a plain context (see the module docstring)."""
    manifest = _map(context.get("manifest"))
    risk = _map(manifest.get("risk"))
    ai = _map(risk.get("ai_act"))
    gdpr = _map(risk.get("gdpr"))
    today = _date(context.get("today")) or dt.date.today()
    stage = str(manifest.get("stage") or "")
    tags = {str(t) for t in _list(_map(manifest.get("metadata")).get("tags"))}
    oversight = _map(_map(context.get("model_card")).get("human_oversight"))

    point = _annex_point(ai)
    roles = roles_of(ai)
    profiling = _profiling(ai, gdpr, point)
    art_6_3 = _art_6_3(ai, gdpr, profiling)
    prohibited, unanswered_art5 = _prohibited(ai, gdpr)
    # High-risk in fact, whatever the category says: an Annex III use without a valid Art. 6(3)
    # derogation, or an Annex I safety component (Art. 6(1)-(2)).
    high_risk = (
        ai.get("category") in ("high", "prohibited")
        or (point is not None and not art_6_3["value"])
        or ai.get("annex_i_safety_component") is True
        or bool(prohibited["value"])
    )
    in_scope, exclusion = _scope(ai, stage, high_risk)
    return {
        "roles": roles,
        "in_scope": in_scope,
        "exclusion_holds": exclusion,
        "prohibited": prohibited,
        "art5_unanswered": unanswered_art5,
        "annex_iii": _annex_fact(ai, point),
        "profiling": profiling,
        "art_6_3": art_6_3,
        "high_risk_applies": _high_risk_applies(ai, point, today, _map(context.get("org"))),
        "fria": _fria(ai, point, roles["value"], tags),
        "gpai_open_source": _gpai_open_source(ai),
        "disclosure": _recorded(_map(ai.get("transparency")), "disclosure_made", "disclosure"),
        "marking": _recorded(_map(ai.get("transparency")), None, "content_marking"),
        "late_incidents": _late_incidents(ai, roles["value"], today),
        "override": _recorded(oversight, None, "override", "human_oversight."),
        "stop_procedure": _recorded(oversight, None, "stop_procedure", "human_oversight."),
        "oversight_training": _recorded(oversight, None, "training", "human_oversight."),
        "overseers_trained": _overseers_trained(oversight, _map(ai.get("ai_literacy"))),
        **_unanswered(ai, roles["value"], point, stage),
    }


def _annex_point(ai: Mapping[str, Any]) -> str | None:
    """The Annex III point written (``5(b)``), or the area's number when only the area is."""
    point = ai.get("annex_iii_point")
    if isinstance(point, str) and point in ANNEX_III_POINTS:
        return point
    area = ai.get("annex_iii_area")
    return _AREA_POINT.get(area) if isinstance(area, str) else None


def _annex_fact(ai: Mapping[str, Any], point: str | None) -> dict[str, Any]:
    """The Annex III point in words (``value``, which messages quote too) and why."""
    words, because = _annex_words(ai, point)
    return texts(value=words, because=because)


def _annex_words(ai: Mapping[str, Any], point: str | None) -> tuple[Explanation, Explanation]:
    if point is None:
        if ai.get("annex_iii_point") == "none":
            return say("no Annex III use"), say("risk.ai_act.annex_iii_point is none")
        return (
            say("no Annex III use declared"),
            say("risk.ai_act.annex_iii_point is not answered"),
        )
    if "(" in point:
        words = say("Annex III {point}", point=_point_words(point))
        return words, say("risk.ai_act.annex_iii_point is {point}", point=point)
    words = say(
        "Annex III point {point} ({label}; letter not given)",
        point=point,
        label=say(ANNEX_III_POINTS[point]),
    )
    return words, say("risk.ai_act.annex_iii_area is {area}", area=_quote(ai.get("annex_iii_area")))


def roles_of(ai: Mapping[str, Any]) -> dict[str, Any]:
    """The roles of ``risk.ai_act`` as written: declared, plus those Art. 3(3)-(4) derive from
    ``uses`` (also what ``aigov init`` writes)."""
    declared = [str(r) for r in _list(ai.get("role"))]
    uses = _map(ai.get("uses"))
    roles = list(declared)
    reasons = [
        say("declared {roles}", roles=", ".join(declared)) if declared else say("no role declared")
    ]
    builds = uses.get("developed_by_organisation") is True
    used = uses.get("used_by_organisation") is True
    supplied = uses.get("supplied_to_others") is True
    personal = uses.get("personal_non_professional") is True
    if builds and (used or supplied) and "provider" not in roles:
        roles.append("provider")
        reasons.append(
            say(
                "provider derived: the organisation develops the system and puts it into "
                "service for its own use under its own name (Art. 3(3), 3(11))"
            )
            if used
            else say(
                "provider derived: the organisation develops the system and places it on the "
                "market under its own name (Art. 3(3), 3(11))"
            )
        )
    high = ai.get("category") == "high"
    article_25 = [
        words
        for key, words in (
            ("own_name_on_system", say("puts its name or trademark on it (Art. 25(1)(a))")),
            (
                "substantially_modified",
                say("substantially modifies it or its purpose (Art. 25(1)(b)-(c))"),
            ),
        )
        if uses.get(key) is True
    ]
    if high and article_25 and "provider" not in roles:
        roles.append("provider")
        reasons.append(
            say(
                "provider derived: the organisation {what}",
                what=article_25[0]
                if len(article_25) == 1
                else say("{one} and {other}", one=article_25[0], other=article_25[1]),
            )
        )
    if used and not personal and "deployer" not in roles:
        roles.append("deployer")
        reasons.append(
            say(
                "deployer derived: the organisation uses the system under its authority (Art. 3(4))"
            )
        )
    if personal and "deployer" in roles:
        roles.remove("deployer")
        reasons.append(
            say(
                "deployer obligations do not apply to natural persons in a purely personal "
                "non-professional activity (Art. 2(10), Art. 3(4))"
            )
        )
    return _fact_of(roles, _words(reasons))


def _scope(
    ai: Mapping[str, Any], stage: str, high_risk: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(in_scope, exclusion_holds): an Art. 2 exclusion holds only with its conditions."""
    claim = _map(ai.get("scope_exclusion"))
    ground = claim.get("ground")
    if not claim:
        because = say("no Art. 2 exclusion is claimed")
        return _fact_of(True, because), _fact_of(False, because)
    exclusively = claim.get("exclusively_for_ground")
    fails: list[Explanation] = []
    if ground == "military_defence_national_security":
        article = "Art. 2(3)"
        holds = say("used exclusively for military, defence or national security purposes")
        if exclusively is not True:
            fails.append(
                say("exclusive military, defence or national security use is denied")
                if exclusively is False
                else say(
                    "exclusive military, defence or national security use is not confirmed "
                    "(exclusively_for_ground)"
                )
            )
    elif ground == "scientific_research":
        article = "Art. 2(6)"
        holds = say("developed and put into service for the sole purpose of scientific research")
        if exclusively is not True:
            fails.append(say("the sole purpose of scientific research is not confirmed"))
    elif ground == "pre_market_research":
        article = "Art. 2(8)"
        holds = say("research, testing or development before placing on the market")
        fails += _pre_market_fails(claim, stage)
    elif ground == "personal_non_professional":
        because = say(
            "Art. 2(10) relieves only deployers who are natural persons in a personal "
            "non-professional activity; provider obligations remain"
        )
        return _fact_of(True, because), _fact_of(True, because)
    elif ground == "free_open_source":
        article = "Art. 2(12)"
        holds = say(
            "released under the free and open-source licence {licence}",
            licence=_quote(claim.get("licence")),
        )
        fails += _open_source_fails(ai, claim, high_risk)
    else:
        because = say("unknown Art. 2 ground {ground}", ground=_quote(ground))
        return _fact_of(True, because), _fact_of(False, because)
    if fails:
        because = say(
            "the {article} exclusion does not hold: {fails}", article=article, fails=_words(fails)
        )
        return _fact_of(True, because), _fact_of(False, because)
    because = say("outside the AI Act under {article}: {holds}", article=article, holds=holds)
    return _fact_of(False, because), _fact_of(True, because)


def _pre_market_fails(claim: Mapping[str, Any], stage: str) -> list[Explanation]:
    """Why the Art. 2(8) research-before-the-market exclusion does not hold (empty: it does)."""
    fails = []
    placed = claim.get("placed_on_market")
    if placed is not False:
        fails.append(
            say("the system is placed on the market or put into service")
            if placed is True
            else say("not being on the market is not confirmed (placed_on_market)")
        )
    if stage == "production":
        fails.append(say("the project is in production, i.e. put into service"))
    if claim.get("real_world_testing") is not False:
        fails.append(
            say("testing in real-world conditions is not excluded")
            if claim.get("real_world_testing") is True
            else say("real-world testing is not answered (real_world_testing)")
        )
    return fails


def _open_source_fails(
    ai: Mapping[str, Any], claim: Mapping[str, Any], high_risk: bool
) -> list[Explanation]:
    """Why the Art. 2(12) free and open-source exclusion does not hold (empty: it does)."""
    fails = []
    category = ai.get("category")
    if not is_recorded_text(claim.get("licence")):
        fails.append(say("no free and open-source licence is named (licence)"))
    if category == "prohibited":
        fails.append(say("it falls under Art. 5"))
    elif high_risk:
        point = _annex_point(ai)
        fails.append(
            say(
                "it is a high-risk system ({why})",
                why=say("classified {category}", category=category)
                if category == "high"
                else say("{point}, no valid Art. 6(3) derogation", point=_annex_words(ai, point)[0])
                if point
                else say("Annex I safety component"),
            )
        )
    situations = [
        key for key, yes in _map(ai.get("transparency")).items() if yes is True and key in _ART50
    ]
    if situations:
        fails.append(
            say(
                "it falls under Art. 50 ({situations})",
                situations=joined(", ", (say(_ART50[s]) for s in situations)),
            )
        )
    return fails


_ART50: Final = {
    "interacts_with_people": "Art. 50(1) interaction with natural persons",
    "generates_synthetic_content": "Art. 50(2) synthetic content",
    "emotion_recognition_or_biometric_categorisation": "Art. 50(3) emotion recognition or "
    "biometric categorisation",
    "deep_fake": "Art. 50(4) deep fakes",
}


_ART_5_1_G_ATTRIBUTES: Final = {
    "racial_or_ethnic_origin": "racial or ethnic origin",
    "political_opinions": "political opinions",
    "trade_union_membership": "trade union membership",
    "religious_or_philosophical_beliefs": "religious or philosophical beliefs",
    "sex_life_or_orientation": "sex life or sexual orientation",
}
"""The attributes Art. 5(1)(g) forbids deducing from biometric data (GDPR Art. 9(1) categories)."""


def _sensitive_categorisation(ai: Mapping[str, Any], gdpr: Mapping[str, Any]) -> list[str]:
    """The Art. 5(1)(g) attributes a biometric categorisation system is recorded to produce:
    the transparency answers say it categorises people biometrically, its Annex III area is
    biometrics (not identification, 1(a), nor emotion recognition, 1(c)), and the special
    categories it processes are biometric data and such an attribute."""
    transparency = _map(ai.get("transparency"))
    categorises = transparency.get("emotion_recognition_or_biometric_categorisation")
    point = _annex_point(ai)
    if categorises is not True or point in ("1(a)", "1(c)"):
        return []
    if ai.get("annex_iii_area") != "biometrics" and point != "1(b)":
        return []
    categories = {str(c) for c in _list(_map(gdpr.get("special_categories")).get("categories"))}
    if "biometric" not in categories:
        return []
    return [key for key in _ART_5_1_G_ATTRIBUTES if key in categories]


def _prohibited(
    ai: Mapping[str, Any], gdpr: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    screening = _map(ai.get("prohibited_practices"))
    exceptions = set(_list(screening.get("exceptions")))
    authorised = is_recorded_text(screening.get("exception_reference"))
    banned: list[str] = []
    banned_words: list[Explanation] = []
    excepted: list[Explanation] = []
    unanswered: list[str] = []
    unanswered_words: list[Explanation] = []
    for key, practice, exception in PROHIBITED_PRACTICES:
        answer = screening.get(key)
        if answer is None or not isinstance(answer, bool):
            unanswered.append(f"{practice} ({key})")
            unanswered_words.append(say("{practice} ({key})", practice=say(practice), key=key))
        elif answer:
            # Art. 5(1)(h) needs the prior authorisation of Art. 5(3) on record.
            covered = exception in exceptions and (
                exception != "authorised_targeted_search" or authorised
            )
            if covered and exception is not None:
                excepted.append(
                    say(
                        "{practice}, excepted: {exception}",
                        practice=say(practice),
                        exception=say(_EXCEPTIONS[exception]),
                    )
                )
            else:
                banned.append(practice)
                banned_words.append(say(practice))
    deduced = _sensitive_categorisation(ai, gdpr)
    if (
        deduced
        and screening.get("biometric_categorisation_sensitive") is not True
        and ("lawful_biometric_dataset_labelling" not in exceptions)
    ):
        # The recorded facts answer the question the screening answered no to.
        banned.append("Art. 5(1)(g) biometric categorisation inferring sensitive attributes")
        banned_words.append(
            say(
                "Art. 5(1)(g) biometric categorisation deducing {attributes} (risk.gdpr."
                "special_categories and the transparency answers), whatever the screening says",
                attributes=_words([say(_ART_5_1_G_ATTRIBUTES[key]) for key in deduced]),
            )
        )
    if banned:
        because = say("answered yes: {practices}", practices=_words(banned_words))
    elif excepted:
        because = say("no prohibited practice: {practices}", practices=_words(excepted))
    else:
        because = say("no Art. 5(1) practice answered yes")
    missing = (
        say("unanswered: {points}", points=_words(unanswered_words))
        if unanswered
        else say("every Art. 5(1) point is answered")
    )
    if not screening:
        missing = say("risk.ai_act.prohibited_practices is absent: {missing}", missing=missing)
    return _fact_of(banned, because), _fact_of(unanswered, missing)


def _profiling(ai: Mapping[str, Any], gdpr: Mapping[str, Any], point: str | None) -> dict[str, Any]:
    """Profiling (GDPR Art. 4(4)) whatever ``performs_profiling`` says, when the facts show it."""
    reasons: list[Explanation] = []
    if point in PROFILING_POINTS:
        reasons.append(say("Annex III {point}", point=_point_words(point)))
    declared = _map(ai.get("art_6_3_exemption")).get("performs_profiling")
    if declared is True:
        reasons.append(say("risk.ai_act.art_6_3_exemption.performs_profiling is true"))
    dpia = _map(gdpr.get("dpia"))
    if _map(dpia.get("criteria")).get("evaluation_or_scoring") is True:
        reasons.append(
            say("risk.gdpr.dpia.criteria.evaluation_or_scoring is true (evaluation or scoring)")
        )
    if "systematic_extensive_evaluation" in _list(dpia.get("triggers")):
        reasons.append(
            say(
                "risk.gdpr.dpia.triggers lists systematic_extensive_evaluation (GDPR Art. 35(3)(a))"
            )
        )
    if reasons:
        because = say("treated as profiling: {reasons}", reasons=_words(reasons))
        if declared is False:
            because = say("{because} (although performs_profiling is false)", because=because)
        return _fact_of(True, because)
    return _fact_of(False, say("no Annex III point, declaration or DPIA criterion shows profiling"))


def _conditions(claim: Mapping[str, Any]) -> list[str]:
    conditions = [str(c) for c in _list(claim.get("conditions")) if c in ART_6_3_CONDITIONS]
    single = claim.get("condition")
    if single in ART_6_3_CONDITIONS and single not in conditions:
        conditions.append(str(single))
    return conditions


def _art_6_3(
    ai: Mapping[str, Any], gdpr: Mapping[str, Any], profiling: Mapping[str, Any]
) -> dict[str, Any]:
    """Whether the Art. 6(3) derogation validly takes an Annex III system out of high-risk."""
    claim = _map(ai.get("art_6_3_exemption"))
    if claim.get("claimed") is not True:
        return _fact_of(False, say("the Art. 6(3) derogation is not claimed"))
    conditions = _conditions(claim)
    if not conditions:
        return _fact_of(
            False, say("the Art. 6(3) derogation is claimed without any of its conditions (a)-(d)")
        )
    named = joined(", ", (say(ART_6_3_CONDITIONS[c]) for c in conditions))
    if profiling.get("value") is True:
        return _fact_of(
            False,
            say(
                "the Art. 6(3) derogation ({named}) is unavailable, {profiling}; an Annex III "
                "system that profiles is always high-risk (Art. 6(3) last subparagraph)",
                named=named,
                profiling=explanation_of(profiling),
            ),
        )
    decision = _map(gdpr.get("automated_decision"))
    if decision.get("solely_automated") is True and set(conditions) <= _NEEDS_HUMAN_ASSESSMENT:
        return _fact_of(
            False,
            say(
                "the Art. 6(3) claim {named} contradicts risk.gdpr.automated_decision."
                "solely_automated: true (the system's output is the decision, with no human "
                "assessment to prepare or review)",
                named=named,
            ),
        )
    if claim.get("performs_profiling") is not False:
        return _fact_of(
            False,
            say(
                "the Art. 6(3) derogation ({named}) is claimed without stating that the system "
                "does not profile (performs_profiling: false)",
                named=named,
            ),
        )
    return _fact_of(True, say("condition {named}, no profiling", named=named))


def _high_risk_applies(
    ai: Mapping[str, Any], point: str | None, today: dt.date, org: Mapping[str, Any]
) -> dict[str, Any]:
    # Art. 113(c): a system high-risk only as an Annex I safety component (Art. 6(1)) is bound
    # from 2027-08-02, or the date the organisation moved it to.
    annex_i_date = _date(_map(org.get("dates")).get("annex_i_obligations")) or ANNEX_I_DATE
    if ai.get("annex_i_safety_component") is True and point is None and today < annex_i_date:
        return _fact_of(
            False,
            say(
                "high-risk only as an Annex I safety component (Art. 6(1)): bound from {date} "
                "(Art. 113(c))",
                date=annex_i_date.isoformat(),
            ),
        )
    market = _map(ai.get("market"))
    placed = _date(market.get("placed_on_market"))
    if placed is None:
        return _fact_of(True, say("no date before 2026-08-02 of placing on the market is recorded"))
    if placed >= TRANSITION_DATE:
        return _fact_of(
            True,
            say("placed on the market or put into service on {date}", date=placed.isoformat()),
        )
    changed = _date(market.get("significant_change_on"))
    if changed is not None and changed >= TRANSITION_DATE:
        return _fact_of(
            True,
            say(
                "placed on the market on {date}, but its design changed significantly on "
                "{changed} (Art. 111(2))",
                date=placed.isoformat(),
                changed=changed.isoformat(),
            ),
        )
    if market.get("no_significant_change") is not True and changed is None:
        return _fact_of(
            True,
            say(
                "placed on the market on {date}, but the absence of a significant change since "
                "2026-08-02 is not recorded (market.no_significant_change)",
                date=placed.isoformat(),
            ),
        )
    if market.get("intended_for_public_authorities") is True:
        if today >= PUBLIC_AUTHORITIES_DEADLINE:
            return _fact_of(
                True,
                say(
                    "placed on the market on {date} and intended for public authorities: "
                    "compliance due by 2030-08-02 (Art. 111(2))",
                    date=placed.isoformat(),
                ),
            )
        return _fact_of(
            False,
            say(
                "placed on the market on {date}, intended for public authorities: Chapter III "
                "applies from 2030-08-02 (Art. 111(2))",
                date=placed.isoformat(),
            ),
        )
    return _fact_of(
        False,
        say(
            "placed on the market on {date}, before 2026-08-02, without significant change in "
            "design since (Art. 111(2))",
            date=placed.isoformat(),
        ),
    )


def _fria(
    ai: Mapping[str, Any], point: str | None, roles: list[str], tags: set[str]
) -> dict[str, Any]:
    """Art. 27(1): which deployers of which high-risk systems assess fundamental rights impact."""
    if "deployer" not in roles:
        return _fact_of(False, say("not a deployer (Art. 27 binds deployers)"))
    if ai.get("category") != "high" or point is None:
        return _fact_of(False, say("not a high-risk system of Annex III (Art. 6(2))"))
    if point == "2":
        return _fact_of(
            False, say("Annex III point 2 critical infrastructure is excluded (Art. 27(1))")
        )
    if point in FRIA_POINTS:
        return _fact_of(True, say("deployer of Annex III {point}", point=_point_words(point)))
    if ai.get("public_body") is True:
        return _fact_of(True, say("the deployer is a body governed by public law (public_body)"))
    if ai.get("provides_public_services") is True:
        return _fact_of(
            True, say("the deployer provides public services (provides_public_services)")
        )
    if tags & _PUBLIC_TAGS:
        return _fact_of(
            True,
            say("the project is tagged {tags}", tags=", ".join(sorted(tags & _PUBLIC_TAGS))),
        )
    if point == "5":
        return _fact_of(
            True,
            say(
                "Annex III area essential services without its letter: 5(b) or 5(c) cannot be "
                "excluded (give annex_iii_point)"
            ),
        )
    if ai.get("public_body") is False and ai.get("provides_public_services") is False:
        return _fact_of(
            False,
            say("neither a public body nor a provider of public services, and not 5(b)/5(c)"),
        )
    area = point.split("(")[0]
    if any(_AREA_POINT[a] == area for a in _FRIA_PUBLIC_AREAS):
        return _fact_of(
            True,
            say(
                "Annex III {point} is run by public bodies or public services unless "
                "public_body and provides_public_services are answered false",
                point=_point_words(point),
            ),
        )
    return _fact_of(
        False, say("not a public body or public service (unanswered), and not 5(b)/5(c)")
    )


def _gpai_open_source(ai: Mapping[str, Any]) -> dict[str, Any]:
    gpai = _map(ai.get("gpai"))
    release = _map(gpai.get("open_source"))
    if gpai.get("is_gpai_model") is not True or not release:
        return _fact_of(False, say("no free and open-source release of a GPAI model is recorded"))
    if gpai.get("systemic_risk") is True:
        return _fact_of(False, say("Art. 53(2) does not apply to GPAI models with systemic risk"))
    missing = [
        words
        for key, words in (
            ("weights_public", say("weights")),
            ("architecture_public", say("architecture information")),
            ("usage_information_public", say("usage information")),
        )
        if release.get(key) is not True
    ]
    if not is_recorded_text(release.get("licence")):
        missing.insert(0, say("a free and open-source licence"))
    if missing:
        return _fact_of(
            False,
            say(
                "Art. 53(2) needs public {missing}, which is not recorded",
                missing=joined(", ", missing),
            ),
        )
    return _fact_of(
        True,
        say(
            "Art. 53(2): released under {licence} with weights, architecture and usage "
            "information public, no systemic risk",
            licence=_quote(release.get("licence")),
        ),
    )


def _recorded(
    section: Mapping[str, Any], flag: str | None, text: str, where: str = ""
) -> dict[str, Any]:
    """A measure recorded as a fact (``flag`` true) or as text that says something; ``where``
    prefixes the field's name in the explanation."""
    if flag is not None and section.get(flag) is False:
        return _fact_of(False, say("{field} is false", field=flag))
    if flag is not None and section.get(flag) is True:
        return _fact_of(True, say("{field} is true", field=flag))
    value = section.get(text)
    field = f"{where}{text}"
    if is_recorded_text(value):
        return _fact_of(True, say("{field} describes it", field=field))
    if isinstance(value, str) and value.strip():
        return _fact_of(
            False,
            say(
                "{field} says '{value}', which records no measure", field=field, value=_quote(value)
            ),
        )
    return _fact_of(False, say("no {field} is recorded", field=field))


def _overseers_trained(oversight: Mapping[str, Any], literacy: Mapping[str, Any]) -> dict[str, Any]:
    """Art. 26(2): overseers named, with training recorded as a fact (Art. 4 measures delivered
    on a date), not only described in the model card."""
    gaps: list[Explanation] = []
    if not [o for o in _list(oversight.get("operators")) if is_recorded_text(o)]:
        gaps.append(say("no overseer is named (human_oversight.operators)"))
    training = _recorded(oversight, None, "training", "human_oversight.")
    if not training["value"]:
        gaps.append(explanation_of(training))
    if not _list(literacy.get("measures")) or _date(literacy.get("last_delivered_on")) is None:
        gaps.append(
            say(
                "risk.ai_act.ai_literacy records no training measure delivered on a date "
                "(measures, last_delivered_on)"
            )
        )
    if gaps:
        return _fact_of(False, _words(gaps))
    return _fact_of(True, say("overseers named, trained and the training recorded"))


def _late_incidents(ai: Mapping[str, Any], roles: list[str], today: dt.date) -> dict[str, Any]:
    """Serious incidents reported late or not at all: by a provider to the authority within the
    Art. 73(2)-(4) deadlines; by a deployer that is not the provider to the provider (or the
    authority) immediately (Art. 26(5)), which aigov reads as within the shortest deadline of
    Art. 73, two days."""
    provider = bool({"provider", "product_manufacturer"} & set(roles))
    late: list[str] = []
    reasons: list[Explanation] = []
    for incident in _list(ai.get("serious_incidents")):
        incident = _map(incident)
        aware = _date(incident.get("aware_on"))
        if aware is None:
            continue
        days, article = INCIDENT_DEADLINES.get(str(incident.get("kind")), (15, "Art. 73(2)"))
        if incident.get("widespread") is True:
            days, article = 2, "Art. 73(3)"
        dates = [_date(incident.get("reported_on"))]
        article_words = verbatim(article)
        if not provider:
            days, article = 2, "Art. 26(5)"
            article_words = say("Art. 26(5): immediately")
            dates.append(_date(incident.get("provider_informed_on")))
        due = aware + dt.timedelta(days=days)
        reported = min((d for d in dates if d is not None), default=None)
        name = _quote(incident.get("id") or "an incident")
        named = verbatim(name) if incident.get("id") else say("an incident")
        kind = (
            verbatim(_quote(incident["kind"])) if incident.get("kind") else say("kind not recorded")
        )
        what = say("{name} ({kind}, aware {aware})", name=named, kind=kind, aware=aware.isoformat())
        deadline = say(
            "due {due} ({article}: {days} days)",
            due=due.isoformat(),
            article=article_words,
            days=days,
        )
        if reported is None and today > due:
            late.append(name)
            reasons.append(say("{what} not reported, {deadline}", what=what, deadline=deadline))
        elif reported is not None and reported > due:
            late.append(name)
            reasons.append(
                say(
                    "{what} reported {reported}, {deadline}",
                    what=what,
                    reported=reported.isoformat(),
                    deadline=deadline,
                )
            )
    return _fact_of(
        late, _words(reasons) if reasons else say("every serious incident was reported in time")
    )


_ANNEX_III_QUESTION: Final = (
    "is it used for an Annex III purpose? give the point, e.g. 5(b), or none (Art. 6(2))"
)
_ANNEX_I_QUESTION: Final = "is it a safety component of an Annex I product? (Art. 6(1))"
_GPAI_QUESTION: Final = "is it a general-purpose AI model? (Art. 3(63), Art. 53)"
_WORKERS_QUESTION: Final = "is it used at the workplace on the organisation's workers? (Art. 26(7))"
_PUBLIC_BODY_QUESTION: Final = "is the deployer a body governed by public law? (Art. 27(1))"
_PUBLIC_SERVICES_QUESTION: Final = "does the deployer provide public services? (Art. 27(1))"
_PERSONS_QUESTION: Final = (
    "are the persons it decides or helps decide about told it is used on them? (Art. 26(11))"
)
_Question = tuple[str, Explanation | str]
"""(the field to answer, the question and its article: a message of the catalog)."""


def _unanswered(
    ai: Mapping[str, Any], roles: list[str], point: str | None, stage: str
) -> dict[str, Any]:
    """Screening questions without an answer: those that back a classification below high
    (``unanswered_classification``, blocking from industrialization) and the others
    (``unanswered``, with the classification's own before industrialization)."""
    category = ai.get("category")
    below_high = category in ("minimal", "limited")
    classification: list[_Question] = []
    others: list[_Question] = []
    if below_high and point is None and ai.get("annex_iii_point") != "none":
        classification.append(("risk.ai_act.annex_iii_point", _ANNEX_III_QUESTION))
    if below_high and not isinstance(ai.get("annex_i_safety_component"), bool):
        classification.append(("risk.ai_act.annex_i_safety_component", _ANNEX_I_QUESTION))
    transparency = _map(ai.get("transparency"))
    art50 = [
        (f"risk.ai_act.transparency.{key}", say("{situation}?", situation=say(words)))
        for key, words in _ART50.items()
        if not isinstance(transparency.get(key), bool)
    ]
    # Below high-risk, the category is the Art. 50 answer itself (limited: one applies;
    # minimal: none does): it rests on these four answers.
    (classification if below_high else others).extend(art50)
    gpai = _map(ai.get("gpai"))
    if "provider" in roles and not isinstance(gpai.get("is_gpai_model"), bool):
        others.append(("risk.ai_act.gpai.is_gpai_model", _GPAI_QUESTION))
    deployer_high = "deployer" in roles and category == "high" and point is not None
    deployer: list[_Question] = []
    if deployer_high and point not in FRIA_POINTS and point != "2":
        if not isinstance(ai.get("public_body"), bool):
            deployer.append(("risk.ai_act.public_body", _PUBLIC_BODY_QUESTION))
        if ai.get("public_body") is not True and not isinstance(
            ai.get("provides_public_services"), bool
        ):
            deployer.append(("risk.ai_act.provides_public_services", _PUBLIC_SERVICES_QUESTION))
    if deployer_high and not isinstance(ai.get("affects_workers"), bool):
        deployer.append(("risk.ai_act.affects_workers", _WORKERS_QUESTION))
    if deployer_high and point != "2" and not isinstance(ai.get("affected_persons_informed"), bool):
        others.append(("risk.ai_act.affected_persons_informed", _PERSONS_QUESTION))
    # The deployer's answers decide Art. 27 and Art. 26(7), due before first use: they block
    # when the system is put into service.
    (classification if stage == "production" else others).extend(deployer)
    # aigov holds high-risk systems to Art. 9-15 from industrialization: their classification
    # must be settled by then.
    if stage not in ("industrialization", "production"):
        others = classification + others
        classification = []
    return {
        "unanswered_classification": _questions(classification),
        "unanswered": _questions(others),
    }


def _questions(questions: list[_Question]) -> dict[str, Any]:
    fields = [field for field, _ in questions]
    if not questions:
        return _fact_of(fields, say("every screening question is answered"))
    asked = (
        say(
            "{field}: {question}",
            field=field,
            question=question if isinstance(question, Explanation) else say(question),
        )
        for field, question in questions
    )
    return _fact_of(fields, _words(asked))
