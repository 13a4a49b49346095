"""derived.gdpr: what the GDPR concludes from the repository's other facts, with its because."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from aigov.documents.repository import load_repository
from aigov.policy.context import build_context, contract_context
from aigov.policy.derive.gdpr import (
    contract_personal_data,
    derive,
    dpia,
    dpo_advice,
    information,
    is_non_answer,
    lawful_bases,
    non_answers,
    retention,
    undeclared_transfers,
)
from aigov.policy.org import OrgConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def english(fact: dict[str, Any]) -> dict[str, Any]:
    """A fact without its texts in other languages (tests/test_i18n.py checks those)."""
    return {key: value for key, value in fact.items() if key != "translations"}


def contract(*properties: dict[str, Any], **top: Any) -> dict[str, Any]:
    data = {"schema": [{"name": "t", "properties": list(properties)}], **top}
    return contract_context(data, top.get("file", "contracts/c.odcs.yaml"))


@pytest.mark.parametrize(
    ("column", "reason"),
    [
        ({"name": "email"}, "e-mail address"),
        ({"name": "customerEmail"}, "e-mail address"),
        ({"name": "mobile_number"}, "phone number"),
        ({"name": "iban"}, "bank account or card number"),
        ({"name": "national_id"}, "national identification number"),
        ({"name": "last_name"}, "name of a person"),
        ({"name": "gps_lat"}, "precise location"),
        ({"name": "device_id"}, "device or online identifier"),
        ({"name": "patient_id"}, "identifier of a person (Recital 26)"),
        (
            {"name": "c7", "description": "Date of birth of the insured"},
            "description: date of birth",
        ),
        ({"name": "x", "tags": ["pii"]}, "tagged pii"),
        ({"name": "x", "classification": "personal"}, "classification personal"),
        (
            {"name": "x", "customProperties": [{"property": "personalData", "value": True}]},
            "customProperties personalData",
        ),
    ],
)
def test_columns_that_hold_personal_data_say_why(column: dict[str, Any], reason: str) -> None:
    found = contract_personal_data([contract(column)])
    assert found["value"] is True
    assert found["columns"][0]["reason"] == reason
    assert f"contracts/c.odcs.yaml: t.{column['name']} ({reason})" in found["because"]
    assert found["columns"][0]["field"] == "contracts[0].fields[0]"


@pytest.mark.parametrize("level", ["public", "internal", "confidential", "restricted"])
def test_secrecy_levels_are_not_personal_data(level: str) -> None:
    found = contract_personal_data([contract({"name": "turnover_eur", "classification": level})])
    assert english(found) == {
        "value": False,
        "because": "no contract column shows personal data",
        "columns": [],
        "contracts": [],
    }


def test_names_and_descriptions_that_only_look_personal() -> None:
    looks = contract(
        {"name": "email_template_id", "description": "Which e-mail template the alert used"},
        {
            "name": "atm_device_id",
            "description": "Identifier of the ATM, a machine owned by the bank (asset register id)",
        },
        {"name": "email_count_7d"},
    )
    assert contract_personal_data([looks])["value"] is False
    real = contract(
        {"name": "customer_email_hash"},
        {"name": "device_id", "description": "Advertising device of the customer"},
    )
    assert [c["reason"] for c in contract_personal_data([real])["columns"]] == [
        "e-mail address",
        "device or online identifier",
    ]


def test_a_table_or_a_column_states_it_holds_no_personal_data() -> None:
    opted_out_table = contract_context(
        {
            "schema": [
                {
                    "name": "templates",
                    "customProperties": [{"property": "personalData", "value": False}],
                    "properties": [{"name": "email_template"}, {"name": "owner", "tags": ["pii"]}],
                },
                {"name": "sends", "properties": [{"name": "recipient_email"}]},
            ]
        },
        "contracts/mail.odcs.yaml",
    )
    found = contract_personal_data([opted_out_table])
    # The opted-out table's unmarked column is not inferred; an explicit pii tag still counts,
    # and the other table is judged on its own.
    assert [c["column"] for c in found["columns"]] == [
        "templates.owner",
        "sends.recipient_email",
    ]
    column = contract(
        {"name": "email_hash", "customProperties": [{"property": "personalData", "value": "false"}]}
    )
    assert contract_personal_data([column])["value"] is False


def test_servers_outside_the_eea_are_undeclared_transfers() -> None:
    data = contract(
        {"name": "email", "tags": ["pii"]},
        servers=[
            {
                "server": "eu",
                "type": "s3",
                "location": "s3://b/x",
                "endpointUrl": "https://s3.eu-west-3.amazonaws.com",
            },
            {"server": "us", "type": "snowflake", "account": "xy12345.us-east-1"},
            {
                "server": "uk",
                "type": "bigquery",
                "customProperties": [{"property": "region", "value": "europe-west2"}],
            },
        ],
    )
    personal = contract_personal_data([data])
    gdpr = {"personal_data": True, "transfers": [{"country": "GB"}]}
    found = undeclared_transfers(gdpr, [data], personal)
    assert [f["country"] for f in found["value"]] == ["US"]
    assert found["value"][0]["field"] == "contracts[0].servers[1].account"
    assert "server us, account xy12345.us-east-1 (US, outside the EEA)" in found["because"]
    # A contract without personal data moves no personal data.
    quiet = contract(
        {"name": "sku"},
        servers=[{"server": "us", "type": "api", "host": "api.us-east-1.example.com"}],
    )
    assert (
        undeclared_transfers({"personal_data": False}, [quiet], contract_personal_data([quiet]))[
            "value"
        ]
        == []
    )


def test_the_scalar_lawful_basis_applies_to_every_purpose_not_listed() -> None:
    facts = lawful_bases(
        {
            "purposes": ["Scoring", "Fraud analytics", "Collections"],
            "lawful_basis": "contract",
            "lawful_bases": [{"purpose": "Fraud analytics", "basis": "legitimate_interests"}],
        }
    )
    assert [(v["purpose"], v["basis"]) for v in facts["value"]] == [
        ("Scoring", "contract"),
        ("Fraud analytics", "legitimate_interests"),
        ("Collections", "contract"),
    ]
    assert facts["missing"] == [] and facts["without_assessment"] == ["Fraud analytics"]
    assert facts["because"] == "legitimate interests without an assessment for 'Fraud analytics'"
    missing = lawful_bases(
        {
            "purposes": ["Scoring", "Marketing"],
            "lawful_bases": [{"purpose": "Scoring", "basis": "contract"}],
        }
    )
    assert (
        missing["missing"] == ["Marketing"]
        and missing["because"] == "no lawful basis for 'Marketing'"
    )


@pytest.mark.parametrize(
    "purpose",
    ["Third-party advertisements", "Targeted offers by e-mail",
     "Ciblage publicitaire des clients", "Marketing campaigns"],
)  # fmt: skip
def test_a_contract_does_not_make_advertising_necessary(purpose: str) -> None:
    facts = lawful_bases({"purposes": ["Scoring", purpose], "lawful_basis": "contract"})
    assert [str(i) for i in facts["invalid"]] == [
        f"'{purpose}' on contract: advertising and marketing are not necessary to perform a "
        "contract with the data subject (Art. 6(1)(b); EDPB Guidelines 2/2019, binding decision "
        "3/2022)"
    ]
    consented = lawful_bases({"purposes": [purpose], "lawful_basis": "consent"})
    assert not consented["invalid"]


def test_retention_per_category_and_a_contract_kept_longer() -> None:
    gdpr = {"data_categories": ["identity", "repayments"], "retention": "P5Y"}
    data = contract(
        {"name": "customer_id", "tags": ["pii"]},
        name="repayment_history",
        slaProperties=[{"property": "retention", "value": 10, "unit": "y"}],
    )
    kept, longer = retention(gdpr, [data], contract_personal_data([data]))
    assert kept["missing"] == [] and kept["longest_days"] == 1825
    assert longer["value"][0]["contract_retention"] == "10 y"
    assert longer["because"] == (
        "contracts/c.odcs.yaml keeps data 10 y (slaProperties retention), longer than P5Y "
        "(risk.gdpr.retention)"
    )
    declared = {
        **gdpr,
        "retention_periods": [{"data_category": "repayment history", "period": "P10Y"}],
    }
    assert retention(declared, [data], contract_personal_data([data]))[1]["value"] == []


ALL_NO = dict.fromkeys(
    [
        "evaluation_or_scoring",
        "automated_decision_legal_effect",
        "systematic_monitoring",
        "sensitive_data",
        "large_scale",
        "data_matching",
        "vulnerable_subjects",
        "innovative_technology",
        "prevents_right_or_service",
    ],
    False,
)


def test_the_dpia_chain_screened_triggered_done() -> None:
    unanswered = dpia({"risk": {"gdpr": {"dpia": {"status": "required"}}}})
    assert unanswered["value"] is False and len(unanswered["unanswered"]) == 9
    assert unanswered["because"].startswith("screened: WP248 criteria met: none; unanswered: 1, 2")
    assert (
        "→ triggered: undecided until every criterion is answered → done: status required"
        in (unanswered["because"])
    )
    # Criteria 3 and 9 (no trigger value) met, answered as such: a DPIA is required.
    answered = {**ALL_NO, "systematic_monitoring": True, "prevents_right_or_service": True}
    required = dpia({"risk": {"gdpr": {"dpia": {"status": "not_required", "criteria": answered}}}})
    assert required["value"] is True and required["met"] == [
        "systematic_monitoring",
        "prevents_right_or_service",
    ]
    assert required["because"] == (
        "screened: WP248 criteria met: 3, 9 → triggered: required (2 criteria) → done: status "
        "not_required, no reference"
    )


def test_facts_declared_elsewhere_meet_a_criterion_answered_no() -> None:
    manifest = {
        "risk": {
            "ai_act": {"annex_iii_point": "5(b)"},
            "gdpr": {
                "automated_decision": {"solely_automated": True, "legal_or_similar_effect": True},
                "dpia": {"status": "completed", "reference": "D-1", "criteria": ALL_NO},
            },
        }
    }
    facts = dpia(manifest)
    assert facts["cases"] == ["35(3)(a)"] and facts["value"] is True
    assert "answered no but met: 1 (AI Act Annex III point 5(b))" in facts["because"]
    assert (
        "2 automated decision with legal or similar effect (automated_decision."
        in facts["met_because"]
    )


def test_dpo_advice_comes_from_the_dpo_not_the_project() -> None:
    metadata = {
        "owner": "Credit risk",
        "stakeholders": [
            {"name": "Nadia Benali", "role": "data_protection_officer"},
            {"name": "Julien Roussel", "role": "data_science"},
        ],
    }

    def advised_by(who: str) -> dict[str, Any]:
        advice = {"given_by": who, "date": "2025-11-20"}
        return dpo_advice(
            {"metadata": metadata, "risk": {"gdpr": {"dpia": {"dpo_advice": advice}}}}
        )

    assert english(advised_by("Nadia Benali")) == {
        "value": True,
        "because": "advice given by the DPO Nadia Benali on 2025-11-20",
    }
    assert advised_by("Julien Roussel")["because"] == (
        "the advice was given by Julien Roussel, who is data scientist of the project, not its DPO"
    )
    assert "project's owner" in advised_by("credit risk")["because"]
    assert advised_by("Someone Else")["value"] is False


def test_dpo_advice_is_sought_while_the_dpia_is_carried_out() -> None:
    metadata = {"stakeholders": [{"name": "Nadia Benali", "role": "data_protection_officer"}]}

    def advised_on(day: str, concluded: str) -> dict[str, Any]:
        dpia = {"completed_on": concluded, "dpo_advice": {"given_by": "Nadia Benali", "date": day}}
        return dpo_advice({"metadata": metadata, "risk": {"gdpr": {"dpia": dpia}}})

    assert advised_on("2027-11-20", "2027-11-28")["value"] is True
    assert advised_on("2027-11-28", "2027-11-28")["value"] is True  # the day it is concluded
    late = advised_on("2027-12-05", "2027-11-28")
    assert late["value"] is False
    assert late["because"] == (
        "the DPO's advice is dated 2027-12-05, after the DPIA was concluded on 2027-11-28: "
        "Art. 35(2) asks for it while the DPIA is carried out"
    )


def test_information_per_source_and_non_answers() -> None:
    gaps = information(
        {
            "information": [
                {"source": "data_subject", "notice": "NI-1"},
                {
                    "source": "other_source",
                    "data_categories": ["FICP"],
                    "art14_5_exception": "impossible_or_disproportionate",
                },
            ]
        }
    )
    assert gaps["value"] is False
    assert gaps["gaps"] == [
        "FICP: Art. 14(5)(b) needs the information made publicly available (public_information)"
    ]
    assert information({"information_notice": "n/a"})["because"] == (
        "risk.gdpr.information_notice says 'n/a', not a notice"
    )
    found = non_answers(
        {
            "minimisation": "None.",
            "security_measures": ["TLS", "tbd"],
            "record_of_processing": "T-17",
        }
    )
    assert found["value"] == ["minimisation", "security_measures[1]"]
    assert all(is_non_answer(t) for t in ("none", "N/A", "-", "  ", "à définir", "not applicable"))
    assert not any(is_non_answer(t) for t in ("None of the features are identifiers", "T-CRED-017"))


def test_the_credit_scoring_example_derives_what_it_declares() -> None:
    repository = load_repository(EXAMPLES / "credit-scoring")
    context = build_context(
        repository, OrgConfig.default(), evidence={}, change=None, today=dt.date(2026, 12, 4)
    )
    facts = derive(context)
    assert context["derived"]["gdpr"] == facts
    assert facts["contract_personal_data"]["value"] is True
    assert (
        "contracts/credit-applications.odcs.yaml: credit_application.customer_id (tagged pii)"
        in (facts["contract_personal_data"]["because"])
    )
    assert facts["dpia"]["value"] is True and facts["dpia"]["unanswered"] == []
    assert facts["dpo_advice"]["value"] is True
    assert facts["contract_retention"]["value"] == []  # repayment history declared at P10Y
    assert facts["undeclared_transfers"]["value"] == []
    # No raw null in any because.
    assert not any("None" in f["because"] or "null" in f["because"] for f in facts.values())


def test_bases_the_controller_cannot_use_for_these_people() -> None:
    public = lawful_bases(
        {"lawful_basis": "legitimate_interests", "legitimate_interest_assessment": "LIA-1"},
        {"public_body": True},
    )
    assert public["invalid"] == [
        "'every purpose' on legitimate_interests: legitimate interests is not available to a "
        "public authority performing its tasks (Art. 6(1) second subparagraph)"
    ]
    assert public["without_assessment"] == []  # one root cause, one finding
    workers = lawful_bases({"lawful_basis": "consent", "data_subjects": ["sales advisers"]})
    assert workers["because"] == (
        "'every purpose' on consent: workers' consent is not freely given (Art. 7(4), Recital 43)"
    )
    customers = lawful_bases({"lawful_basis": "consent", "data_subjects": ["customers"]})
    assert customers["invalid"] == []
    assert lawful_bases({"lawful_basis": "consent"}, {"affects_workers": True})["invalid"]


def test_the_art9_condition_must_fit_the_purpose() -> None:
    from aigov.policy.derive.gdpr import art9

    health = {"present": True, "categories": ["health"], "art9_condition": "health_or_social_care"}
    misfit = art9(
        {
            "purposes": ["Target disability insurance offers at claimants"],
            "special_categories": health,
        }
    )
    assert english(misfit) == {
        "value": False,
        "because": "Art. 9(2)(h) covers medicine, diagnosis and the provision or management of "
        "care, not the commercial purpose 'Target disability insurance offers at claimants'",
    }
    care = art9({"purposes": ["Triage of emergency calls"], "special_categories": health})
    assert care["value"] is True
    consent = {**health, "art9_condition": "explicit_consent"}
    assert art9({"purposes": ["Target offers"], "special_categories": consent})["value"] is True
    assert art9({"special_categories": {"present": True}})["value"] is False
