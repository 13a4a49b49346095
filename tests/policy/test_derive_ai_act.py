"""derived.ai_act: the conclusions the AI Act draws from the manifest's facts, with their reasons,
on plain contexts and on a real repository loaded from disk."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from aigov.documents.answers import is_recorded_text
from aigov.documents.manifest import AiAct
from aigov.documents.repository import load_repository
from aigov.policy.context import build_context
from aigov.policy.derive import derive
from aigov.policy.org import OrgConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TODAY = dt.date(2026, 12, 4)


def facts(ai_act: dict[str, Any], *, stage: str = "production", **risk: Any) -> dict[str, Any]:
    manifest = {"stage": stage, "risk": {"ai_act": ai_act, **risk}}
    derived: dict[str, Any] = derive({"manifest": manifest, "today": TODAY})["ai_act"]
    return derived


def test_a_scalar_role_reads_as_a_one_item_list_and_a_list_as_written() -> None:
    assert AiAct.model_validate({"role": "provider", "category": "high"}).role == ["provider"]
    both = AiAct.model_validate({"role": ["provider", "deployer"], "category": "high"})
    assert both.role == ["provider", "deployer"]
    with pytest.raises(ValueError, match="listed twice"):
        AiAct.model_validate({"role": ["deployer", "deployer"], "category": "high"})


def test_building_and_using_the_system_makes_the_organisation_provider_and_deployer() -> None:
    roles = facts(
        {
            "role": "provider",
            "category": "high",
            "uses": {"developed_by_organisation": True, "used_by_organisation": True},
        }
    )["roles"]
    assert roles["value"] == ["provider", "deployer"]
    assert "Art. 3(4)" in roles["because"]
    bought = facts({"role": "deployer", "category": "high", "uses": {"used_by_organisation": True}})
    assert bought["roles"]["value"] == ["deployer"]
    personal = facts(
        {
            "role": ["provider", "deployer"],
            "category": "minimal",
            "uses": {"used_by_organisation": True, "personal_non_professional": True},
        }
    )
    assert (
        personal["roles"]["value"] == ["provider"] and "Art. 2(10)" in personal["roles"]["because"]
    )


@pytest.mark.parametrize("point", ["5(b)", "4(b)", "5(c)", "6(d)"])
def test_annex_iii_evaluation_of_persons_is_profiling_and_closes_art_6_3(point: str) -> None:
    derived = facts(
        {
            "role": "provider",
            "category": "minimal",
            "annex_iii_point": point,
            "art_6_3_exemption": {
                "claimed": True,
                "conditions": ["narrow_procedural_task"],
                "performs_profiling": False,
            },
        }
    )
    assert derived["profiling"]["value"] is True
    assert f"Annex III {point}" in derived["profiling"]["because"]
    assert "although performs_profiling is false" in derived["profiling"]["because"]
    assert derived["art_6_3"]["value"] is False
    assert "last subparagraph" in derived["art_6_3"]["because"]


def test_a_preparatory_task_claim_contradicts_solely_automated_decisions() -> None:
    claim = {
        "role": "provider",
        "category": "minimal",
        "annex_iii_point": "3(c)",
        "art_6_3_exemption": {
            "claimed": True,
            "condition": "preparatory_task",
            "performs_profiling": False,
        },
    }
    automated = {"personal_data": True, "automated_decision": {"solely_automated": True}}
    derived = facts(claim, gdpr=automated)
    assert derived["art_6_3"]["value"] is False
    assert "solely_automated" in derived["art_6_3"]["because"]
    assert "(d) preparatory task" in derived["art_6_3"]["because"]
    reviewed = {"personal_data": True, "automated_decision": {"solely_automated": False}}
    assert facts(claim, gdpr=reviewed)["art_6_3"]["value"] is True


def test_the_gdpr_evaluation_criterion_is_profiling_too() -> None:
    derived = facts(
        {"role": "provider", "category": "minimal"},
        gdpr={
            "personal_data": True,
            "dpia": {"status": "required", "criteria": {"evaluation_or_scoring": True}},
        },
    )
    assert derived["profiling"]["value"] is True
    assert "evaluation_or_scoring" in derived["profiling"]["because"]
    assert facts({"role": "provider", "category": "minimal"})["profiling"]["value"] is False


def test_prohibited_practices_are_named_with_their_point_and_exceptions_apply() -> None:
    answers = dict.fromkeys(
        [
            "subliminal_manipulation",
            "exploits_vulnerabilities",
            "social_scoring",
            "crime_prediction_by_profiling",
            "untargeted_facial_scraping",
            "biometric_categorisation_sensitive",
            "realtime_remote_biometric_identification",
        ],
        False,
    )
    answers["emotion_recognition_work_education"] = True
    banned = facts({"role": "deployer", "category": "high", "prohibited_practices": answers})
    assert banned["prohibited"]["value"] == [
        "Art. 5(1)(f) emotion recognition at the workplace or in education"
    ]
    assert banned["art5_unanswered"]["value"] == []
    medical = {**answers, "exceptions": ["medical_or_safety_reasons"]}
    excepted = facts({"role": "deployer", "category": "high", "prohibited_practices": medical})
    assert excepted["prohibited"]["value"] == []
    assert "medical or safety reasons" in excepted["prohibited"]["because"]
    partial = facts(
        {"role": "deployer", "category": "high", "prohibited_practices": {"social_scoring": False}}
    )
    assert len(partial["art5_unanswered"]["value"]) == 7


def test_art_2_exclusions_hold_only_with_their_conditions() -> None:
    research = {
        "ground": "pre_market_research",
        "placed_on_market": False,
        "real_world_testing": False,
    }
    held = facts({"role": "provider", "category": "high", "scope_exclusion": research}, stage="poc")
    assert held["in_scope"]["value"] is False and "Art. 2(8)" in held["in_scope"]["because"]
    in_production = facts({"role": "provider", "category": "high", "scope_exclusion": research})
    assert in_production["in_scope"]["value"] is True
    assert "put into service" in in_production["in_scope"]["because"]
    licence = {"ground": "free_open_source", "licence": "Apache-2.0"}
    high = facts({"role": "provider", "category": "high", "scope_exclusion": licence})
    assert high["exclusion_holds"]["value"] is False and "high-risk" in high["in_scope"]["because"]
    minimal = facts({"role": "provider", "category": "minimal", "scope_exclusion": licence})
    assert minimal["in_scope"]["value"] is False
    military = {"ground": "military_defence_national_security"}
    assert facts({"role": "provider", "category": "high", "scope_exclusion": military})["in_scope"][
        "value"
    ]


def test_art_111_2_spares_systems_on_the_market_before_august_2026_until_a_significant_change() -> (
    None
):
    base = {"role": "provider", "category": "high"}
    old = {"placed_on_market": "2025-06-01", "no_significant_change": True}
    assert facts({**base, "market": old})["high_risk_applies"]["value"] is False
    changed = {"placed_on_market": "2025-06-01", "significant_change_on": "2026-09-10"}
    assert facts({**base, "market": changed})["high_risk_applies"]["value"] is True
    silent = {"placed_on_market": "2025-06-01"}
    assert facts({**base, "market": silent})["high_risk_applies"]["value"] is True
    public = {**old, "intended_for_public_authorities": True}
    assert facts({**base, "market": public})["high_risk_applies"]["value"] is False
    assert "2030-08-02" in facts({**base, "market": public})["high_risk_applies"]["because"]


def test_fria_follows_art_27_1() -> None:
    deployer = {"role": "deployer", "category": "high"}
    assert facts({**deployer, "annex_iii_point": "5(b)"})["fria"]["value"] is True
    assert facts({**deployer, "annex_iii_point": "2"})["fria"]["value"] is False
    private_hr = {
        **deployer,
        "annex_iii_point": "4(a)",
        "public_body": False,
        "provides_public_services": False,
    }
    assert facts(private_hr)["fria"]["value"] is False
    assert facts({**private_hr, "public_body": True})["fria"]["value"] is True
    assert (
        facts({"role": "provider", "category": "high", "annex_iii_point": "5(b)"})["fria"]["value"]
        is False
    )


def test_text_that_says_none_is_not_a_measure() -> None:
    for text in ("none", "N/A", "n/a", " - ", "Not applicable", "TBD", ""):
        assert not is_recorded_text(text), text
    assert is_recorded_text("Banner on every page: you are talking to an AI")
    derived = facts(
        {
            "role": "deployer",
            "category": "limited",
            "transparency": {"interacts_with_people": True, "disclosure": "n/a"},
        }
    )
    assert derived["disclosure"]["value"] is False and "'n/a'" in derived["disclosure"]["because"]


def test_late_serious_incidents_name_the_deadline() -> None:
    incidents = [
        {"id": "INC-1", "kind": "death", "aware_on": "2026-10-01", "reported_on": "2026-10-20"},
        {
            "id": "INC-2",
            "kind": "serious_harm_to_health",
            "aware_on": "2026-11-01",
            "reported_on": "2026-11-10",
        },
        {"id": "INC-3", "kind": "fundamental_rights_infringement", "aware_on": "2026-11-01"},
    ]
    late = facts({"role": "provider", "category": "high", "serious_incidents": incidents})[
        "late_incidents"
    ]
    assert late["value"] == ["INC-1", "INC-3"]
    assert "Art. 73(4): 10 days" in late["because"] and "not reported" in late["because"]


def test_unanswered_classification_questions_block_from_industrialization() -> None:
    minimal = {"role": "provider", "category": "minimal"}
    production = facts(minimal)
    assert "risk.ai_act.annex_iii_point" in production["unanswered_classification"]["value"]
    assert "Art. 50(1)" in production["unanswered_classification"]["because"]
    assert facts(minimal, stage="industrialization")["unanswered_classification"]["value"]
    poc = facts(minimal, stage="poc")
    assert poc["unanswered_classification"]["value"] == []
    assert "risk.ai_act.annex_iii_point" in poc["unanswered"]["value"]
    answered = {
        **minimal,
        "annex_iii_point": "none",
        "annex_i_safety_component": False,
        "transparency": dict.fromkeys(
            [
                "interacts_with_people",
                "generates_synthetic_content",
                "emotion_recognition_or_biometric_categorisation",
                "deep_fake",
            ],
            False,
        ),
        "gpai": {"is_gpai_model": False},
    }
    assert facts(answered)["unanswered_classification"]["value"] == []
    assert facts(answered)["unanswered"]["value"] == []


def test_a_repository_context_carries_the_derivations(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "hr-attrition-ideation", root)
    text = (root / "aigov.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    role: provider\n",
        "    role: provider\n"
        "    uses: {developed_by_organisation: true, used_by_organisation: true}\n",
    )
    (root / "aigov.yaml").write_text(text, encoding="utf-8")
    repository = load_repository(root)
    context = build_context(repository, OrgConfig.default(), evidence={}, change=None, today=TODAY)
    assert context["derived"]["ai_act"]["roles"]["value"] == ["provider", "deployer"]
    assert context["manifest"]["risk"]["ai_act"]["role"] == ["provider"]


def test_recruitment_is_not_profiling_by_its_point_alone() -> None:
    """Recital 53: detecting duplicate applications is a narrow procedural task of Annex III
    4(a); its candidate evaluation is profiling when the facts say so."""
    duplicates = {
        "role": "provider",
        "category": "minimal",
        "annex_iii_point": "4(a)",
        "art_6_3_exemption": {
            "claimed": True,
            "conditions": ["narrow_procedural_task"],
            "performs_profiling": False,
        },
    }
    assert facts(duplicates)["art_6_3"]["value"] is True
    scoring = {
        "personal_data": True,
        "dpia": {"status": "required", "criteria": {"evaluation_or_scoring": True}},
    }
    assert facts(duplicates, gdpr=scoring)["art_6_3"]["value"] is False


def test_oversight_text_saying_not_applicable_is_no_measure() -> None:
    card = {"human_oversight": {"override": "not applicable", "stop_procedure": "Feature flag"}}
    manifest = {"stage": "production", "risk": {"ai_act": {"role": "provider", "category": "high"}}}
    derived = derive({"manifest": manifest, "model_card": card, "today": TODAY})["ai_act"]
    assert derived["override"]["value"] is False
    assert "human_oversight.override says 'not applicable'" in derived["override"]["because"]
    assert derived["stop_procedure"]["value"] is True
    assert derived["oversight_training"]["value"] is False


def test_overseers_are_trained_only_with_a_recorded_training_measure() -> None:
    card = {
        "human_oversight": {"operators": ["Regulating physicians"], "training": "3-hour module"}
    }
    high = {
        "role": "deployer",
        "category": "high",
        "ai_literacy": {"measures": [], "staff_covered": []},
    }
    manifest = {"stage": "production", "risk": {"ai_act": high}}
    derived = derive({"manifest": manifest, "model_card": card, "today": TODAY})["ai_act"]
    assert derived["overseers_trained"]["value"] is False
    assert "ai_literacy records no training measure" in derived["overseers_trained"]["because"]
    high["ai_literacy"] = {"measures": ["training"], "last_delivered_on": "2026-02-01"}
    derived = derive({"manifest": manifest, "model_card": card, "today": TODAY})["ai_act"]
    assert derived["overseers_trained"]["value"] is True


def test_a_limited_classification_rests_on_the_art_50_answers() -> None:
    limited = {
        "role": "provider",
        "category": "limited",
        "annex_iii_point": "none",
        "annex_i_safety_component": False,
    }
    unanswered = facts(limited)["unanswered_classification"]
    assert "risk.ai_act.transparency.interacts_with_people" in unanswered["value"]
    high = facts({"role": "provider", "category": "high", "annex_iii_area": "employment"})
    assert high["unanswered_classification"]["value"] == []
    assert "risk.ai_act.transparency.deep_fake" in high["unanswered"]["value"]


def test_a_deployer_that_rebrands_a_high_risk_system_becomes_its_provider() -> None:
    rebrand = {
        "role": "deployer",
        "category": "high",
        "uses": {"used_by_organisation": True, "own_name_on_system": True},
    }
    roles = facts(rebrand)["roles"]
    assert roles["value"] == ["deployer", "provider"] and "Art. 25(1)(a)" in roles["because"]
    minimal = {**rebrand, "category": "minimal"}
    assert facts(minimal)["roles"]["value"] == ["deployer"]


def test_annex_i_only_systems_are_bound_from_the_annex_i_date() -> None:
    annex_i = {"role": "provider", "category": "high", "annex_i_safety_component": True}
    early = facts(annex_i)["high_risk_applies"]
    assert early["value"] is False and "Art. 113(c)" in early["because"]
    manifest = {"stage": "production", "risk": {"ai_act": annex_i}}
    later = derive({"manifest": manifest, "today": dt.date(2027, 9, 1)})["ai_act"]
    assert later["high_risk_applies"]["value"] is True
    moved = {"dates": {"annex_i_obligations": "2028-08-02"}}
    still = derive({"manifest": manifest, "today": dt.date(2027, 9, 1), "org": moved})["ai_act"]
    assert still["high_risk_applies"]["value"] is False
    both = {**annex_i, "annex_iii_point": "5(b)"}
    assert facts(both)["high_risk_applies"]["value"] is True


def test_an_open_source_annex_iii_system_is_not_excluded_whatever_its_category() -> None:
    """Art. 2(12): the exclusion is void for a system that is high-risk in fact (Annex III 4(a)
    without a valid Art. 6(3) derogation), even when the manifest classifies it minimal."""
    claim = {"ground": "free_open_source", "licence": "MIT", "placed_on_market": True}
    ranker = {
        "role": "provider",
        "category": "minimal",
        "annex_iii_point": "4(a)",
        "scope_exclusion": claim,
    }
    derived = facts(ranker)
    assert derived["exclusion_holds"]["value"] is False
    assert "Annex III 4(a)" in derived["in_scope"]["because"]


def test_a_pull_request_claiming_a_disclosure_needs_attestation() -> None:
    """disclosure_made: true lifts AIACT-50-DISCLOSURE, so it is a record to attest; answering an
    Art. 50 situation true only adds obligations and is not."""
    from aigov.attestation.records import changed_records

    def manifest(transparency: dict[str, Any]) -> dict[str, Any]:
        ai_act = {"role": ["deployer"], "category": "limited", "transparency": transparency}
        return {"risk": {"ai_act": ai_act}}

    base = manifest({"interacts_with_people": True})
    claimed = manifest({"interacts_with_people": True, "disclosure_made": True})
    assert [r.kind for r in changed_records(base, claimed)] == ["obligations"]
    more = manifest({"interacts_with_people": True, "deep_fake": True})
    assert changed_records(base, more) == []


def test_a_deployer_informs_the_provider_of_a_serious_incident_immediately() -> None:
    """Art. 26(5): a deployer that is not the provider informs it immediately (two days)."""
    incident = {"id": "INC-9", "kind": "serious_harm_to_health", "aware_on": "2026-11-01"}
    deployer = {"role": "deployer", "category": "high"}
    late = facts({**deployer, "serious_incidents": [incident]})["late_incidents"]
    assert late["value"] == ["INC-9"] and "Art. 26(5)" in late["because"]
    told = {**incident, "provider_informed_on": "2026-11-02"}
    assert facts({**deployer, "serious_incidents": [told]})["late_incidents"]["value"] == []
    provider = {
        "role": "provider",
        "category": "high",
        "serious_incidents": [{**incident, "reported_on": "2026-11-10"}],
    }
    assert facts(provider)["late_incidents"]["value"] == []


SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.mark.parametrize(
    "manifest_file",
    sorted(SCENARIOS.glob("*/aigov.yaml")) + sorted(EXAMPLES.glob("*/aigov.yaml")),
    ids=lambda path: path.parent.name,
)
def test_every_explanation_reads_as_words(manifest_file: Path) -> None:
    """On every scenario and example manifest, each derived fact explains itself without a raw
    None/null and its value has the declared kind."""
    import re

    import yaml

    manifest = yaml.safe_load(manifest_file.read_text(encoding="utf-8"))
    derived = derive({"manifest": manifest, "today": TODAY})["ai_act"]
    for name, fact in derived.items():
        assert set(fact) == {"value", "because", "translations"}, name
        assert fact["because"] and not re.search(r"\b(None|null)\b", fact["because"]), (name, fact)
        assert isinstance(fact["value"], bool | list | str), name


def test_a_derived_explanation_is_quoted_whole_and_repository_text_stays_capped() -> None:
    from aigov.policy.templates import MAX_DERIVED_LENGTH, MAX_VALUE_LENGTH, render_message

    chain = "reason; " * 60  # 480 characters of aigov's own words
    context = {"derived": {"ai_act": {"art_6_3": {"because": chain}}}, "manifest": {"x": "y" * 500}}
    assert render_message("{{ derived.ai_act.art_6_3.because }}", context) == chain
    assert len(render_message("{{ manifest.x }}", context)) == MAX_VALUE_LENGTH
    huge = {"derived": {"ai_act": {"art_6_3": {"because": "z" * 5000}}}}
    assert len(render_message("{{ derived.ai_act.art_6_3.because }}", huge)) == MAX_DERIVED_LENGTH
    disclosure = {"interacts_with_people": True, "disclosure": "n/a" + " " * 3}
    quoted = facts({"role": "deployer", "category": "limited", "transparency": disclosure})
    assert "'n/a'" in quoted["disclosure"]["because"]


def _categorising(point: str | None, categories: list[str], answer: bool = False) -> dict[str, Any]:
    ai_act = {
        "role": "deployer",
        "category": "high",
        "annex_iii_area": "biometrics",
        "transparency": {"emotion_recognition_or_biometric_categorisation": True},
        "prohibited_practices": {"biometric_categorisation_sensitive": answer},
    }
    if point is not None:
        ai_act["annex_iii_point"] = point
    gdpr = {
        "personal_data": True,
        "special_categories": {"present": True, "categories": categories},
    }
    return facts(ai_act, gdpr=gdpr)


def test_biometric_categorisation_deducing_origin_is_prohibited_whatever_the_screening_says() -> (
    None
):
    """Art. 5(1)(g): the facts recorded elsewhere answer the screening question answered no."""
    banned = _categorising(None, ["biometric", "racial_or_ethnic_origin"])["prohibited"]
    assert banned["value"] == [
        "Art. 5(1)(g) biometric categorisation inferring sensitive attributes"
    ]
    assert "deducing racial or ethnic origin" in banned["because"]
    assert "whatever the screening says" in banned["because"]
    # Answered yes: the same single practice, not two.
    assert (
        len(_categorising("1(b)", ["biometric", "political_opinions"], True)["prohibited"]["value"])
        == 1
    )


@pytest.mark.parametrize(
    ("point", "categories"),
    [
        ("1(c)", ["biometric", "racial_or_ethnic_origin"]),  # emotion recognition: Art. 5(1)(f)'s
        ("1(a)", ["biometric", "racial_or_ethnic_origin"]),  # identification, not categorisation
        (None, ["racial_or_ethnic_origin"]),  # not deduced from biometric data
        (None, ["biometric", "health"]),  # not an Art. 5(1)(g) attribute
    ],
)
def test_other_biometric_systems_are_not_taken_for_art_5_1_g(
    point: str | None, categories: list[str]
) -> None:
    assert _categorising(point, categories)["prohibited"]["value"] == []
