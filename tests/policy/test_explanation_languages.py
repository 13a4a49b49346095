"""aigov's own sentences in French: the AIGOV-WAIVER and AIGOV-ATTESTATION findings and the
derived explanations rule messages quote (``--lang fr`` shows no English sentence)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import EXAMPLES, MINIMAL_MANIFEST, CliResult

from aigov.attestation.apply import for_deployment
from aigov.attestation.judge import committee_problem, judge, pending_findings
from aigov.attestation.records import standing_records
from aigov.attestation.witnesses import ForgeReviews
from aigov.documents.manifest import Waiver
from aigov.documents.problems import Location
from aigov.documents.repository import load_repository
from aigov.policy.context import build_context
from aigov.policy.engine import evaluate
from aigov.policy.explanation import TRANSLATIONS_KEY
from aigov.policy.findings import Finding
from aigov.policy.independence import project_members
from aigov.policy.org import OrgConfig
from aigov.policy.sources import load_policy_set
from aigov.policy.waivers import check_waivers

TODAY = dt.date(2026, 11, 24)
ENGLISH = re.compile(
    r"\b(?:the|is|are|of|and|not|no|nobody|for|was|has|have|with|by|to|from|which|who|its|their"
    r"|every|declared|without|records?|needs?|granted|expired|allows?|waiver|rule|column|shows"
    r"|personal|processor|outside|criteria|screened|triggered|advice|given|project"
    r"|owner|signed|review|approving)\b"
)
"""English words none of which may be left in a French text."""


def english_words(text: str) -> list[str]:
    """The English words of ``text`` outside what aigov quotes as the files write it: field
    names and paths (``approved_by``, ``risk.gdpr.personal_data``), code and quoted values
    ('Assess the creditworthiness…', « … »; an apostrophe inside a word is not a quote)."""
    prose = re.sub(
        r"`[^`]*`|(?<!\w)'.*?'(?!\w)|«[^»]*»|\b[\w-]+(?:\.[\w-]+)+\b|\b\w+_\w+\b", " ", text
    )
    return ENGLISH.findall(prose)


def assert_french(finding: Finding, *, quoted: str = "") -> None:
    """The finding's French title, message and remediation hold no English word (``quoted``,
    text aigov quotes from elsewhere, left out) and differ from the English."""
    french = finding.text("fr")
    assert french.lang == "fr", finding.rule_id
    for name in ("title", "message", "remediation"):
        text = getattr(french, name).replace(quoted, "") if quoted else getattr(french, name)
        assert text != getattr(finding, name), (name, text)
        assert not english_words(text), (name, text, english_words(text))


# --- AIGOV-WAIVER ---------------------------------------------------------------------------

ORG = {
    "apiVersion": "aigov/v1",
    "kind": "OrgConfig",
    "waivers": {"approvers": ["dpo@example.com", "Isabelle Marchand"], "max_days": 90},
}
MEMBERS = project_members(
    {"owner": "Risques", "stakeholders": [{"name": "Isabelle Marchand", "role": "business_owner"}]}
)
VALID = {
    "rule": "E-DPIA",
    "reason": "DPIA signed off next week",
    "approved_by": "dpo@example.com",
    "ticket": "GRC-42",
    "expires": "2026-12-31",
    "stage": "production",
    "granted_on": "2026-11-20",
}
INVALID = {
    "rule": {"rule": "E-NOPE"},
    "approver": {"approved_by": "someone@example.com"},
    "member": {"approved_by": "Isabelle Marchand"},
    "critical": {"rule": "E-CRIT"},
    "future": {"granted_on": "2026-12-01"},
    "expired": {"expires": "2026-11-01", "granted_on": "2026-10-01"},
    "too long": {"expires": "2027-06-30"},
    "stage": {"stage": "poc"},
}


def waiver_findings(org: Mapping[str, Any], **changes: str) -> list[Finding]:
    _, findings = check_waivers(
        [Waiver.model_validate({**VALID, **changes})],
        stage="production",
        org=OrgConfig.model_validate(org),
        known_rules=lambda rule: rule in ("E-DPIA", "E-CRIT"),
        today=TODAY,
        locate=lambda _: Location("aigov.yaml", 1, 1),
        severity_of=lambda rule: "critical" if rule == "E-CRIT" else "high",
        members=MEMBERS,
    )
    return findings


@pytest.mark.parametrize("case", INVALID)
def test_every_waiver_finding_is_in_french(case: str) -> None:
    [finding] = waiver_findings(ORG, **INVALID[case])
    assert_french(finding)


def test_a_waiver_finding_names_its_values_in_french() -> None:
    [member] = waiver_findings(ORG, **INVALID["member"])
    assert member.text("fr").message == (
        "dérogation à E-DPIA (GRC-42) : « Isabelle Marchand » est le responsable métier du "
        "projet (metadata.stakeholders) : nul n'approuve une dérogation de son propre projet"
    )
    [nobody] = waiver_findings({**ORG, "waivers": {"approvers": []}})
    assert nobody.text("fr").remediation.endswith(": personne (aucun approbateur configuré).")
    assert_french(nobody)
    # English stays what it was: the JSON result and SARIF read it.
    assert member.message.startswith("waiver of E-DPIA (GRC-42): 'Isabelle Marchand' is the")


# --- AIGOV-ATTESTATION ----------------------------------------------------------------------

ATTESTING_ORG = {
    "apiVersion": "aigov/v1",
    "kind": "OrgConfig",
    "waivers": {"approvers": ["Isabelle Marchand"]},
    "committees": {"production": ["Comité Crédit"]},
    "people": [
        {"name": "Isabelle Marchand", "roles": ["waiver_approver"], "github": "imarchand"},
        {"name": "Paul Risque", "roles": ["waiver_approver"], "github": "prisque"},
    ],
    "attestation": {"methods": ["forge-review", "signed-commit"]},
}
HEAD = {
    "metadata": {
        "owner": "Risques",
        "stakeholders": [{"name": "Isabelle Marchand", "role": "business_owner"}],
    },
    "waivers": [{"rule": "E-DPIA", "ticket": "T-1", "approved_by": "Isabelle Marchand"}],
    "approvals": [{"committee": "Comité Risque", "to_stage": "production", "reference": "CC-1"}],
}


def pending(org: Mapping[str, Any]) -> Iterator[tuple[Finding, str]]:
    """Each pending record's finding, with the texts it quotes from elsewhere (the record's
    summary, the forge's note)."""
    records = standing_records(HEAD)
    note = "2 approbations lues"
    judged = judge(
        records,
        OrgConfig.model_validate(org),
        introduced={},
        reviews=lambda _: ForgeReviews("github", frozenset(), "auteur", note),
        signature=lambda _: None,
        to_stages={1: "production"},
        members=project_members(HEAD["metadata"]),
    )
    findings = pending_findings(
        judged, lambda _: Location("aigov.yaml", 1, 1), when="written by this change"
    )
    for item, finding in zip([j for j in judged if j.pending], findings, strict=True):
        yield finding, item.record.summary


def test_every_pending_record_is_explained_in_french() -> None:
    found = list(pending(ATTESTING_ORG))
    assert [f.field for f, _ in found] == ["manifest.waivers[0]", "manifest.approvals[0]"]
    for finding, summary in found:
        assert_french(finding, quoted=summary)
    waiver = found[0][0].text("fr").message
    assert "écrit par cette modification, non attesté — il faut une revue d'approbation" in waiver
    assert "pas Isabelle Marchand (le responsable métier du projet" in waiver
    assert "2 approbations lues" in waiver
    nobody = list(pending({**ATTESTING_ORG, "people": []}))
    assert_french(nobody[0][0], quoted=nobody[0][1])


def test_a_committee_problem_is_in_french() -> None:
    [_, approval] = standing_records(HEAD)
    problem = committee_problem(approval, OrgConfig.model_validate(ATTESTING_ORG), "production")
    assert problem is not None
    assert problem.text("fr") == (
        "« Comité Risque » n'est pas le comité de l'organisation pour production (Comité Crédit)"
    )


def test_an_untrusted_deployment_is_explained_in_french(tmp_path: Path) -> None:
    org = OrgConfig.model_validate(
        {
            "apiVersion": "aigov/v1",
            "kind": "OrgConfig",
            "attestation": {"deployment": "branch-protection"},
        }
    )
    outcome = for_deployment(
        load_repository(EXAMPLES / "credit-scoring"),
        work_tree=tmp_path,
        manifest_path="aigov.yaml",
        org=org,
        allowed_signers=None,
        today=TODAY,
        env={},
    )
    [finding] = outcome.findings
    assert_french(finding)


def test_aigov_findings_are_explained_in_french(run_cli: Callable[..., CliResult]) -> None:
    for rule_id, heading in (
        ("AIGOV-WAIVER", "# AIGOV-WAIVER — Les dérogations sont approuvées"),
        ("AIGOV-ATTESTATION", "# AIGOV-ATTESTATION — Les enregistrements de gouvernance"),
    ):
        french = run_cli("explain", rule_id, "--lang", "fr")
        assert french.exit_code == 0 and french.stdout.startswith(heading)
        assert not english_words(french.stdout), english_words(french.stdout)
        assert run_cli("explain", rule_id).stdout.startswith(f"# {rule_id} — ")


# --- derived explanations -------------------------------------------------------------------


def _texts(fact: Any, where: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, key, holder) of every text a derived fact carries with translations."""
    if isinstance(fact, Mapping):
        if TRANSLATIONS_KEY in fact:
            for key in fact[TRANSLATIONS_KEY].get("fr", {}):
                yield f"{where}.{key}", key, fact
        for key, value in fact.items():
            if key != TRANSLATIONS_KEY:
                yield from _texts(value, f"{where}.{key}")
    elif isinstance(fact, list):
        for index, item in enumerate(fact):
            yield from _texts(item, f"{where}[{index}]")


MANIFESTS = sorted(
    [
        *EXAMPLES.glob("*/aigov.yaml"),
        *(EXAMPLES.parent / "tests" / "scenarios").glob("*/aigov.yaml"),
    ]
)


@pytest.mark.parametrize("regulation", ["gdpr", "ai_act"])
def test_every_derived_explanation_is_in_french(regulation: str) -> None:
    """Over the examples and scenarios: each text of ``derived.<regulation>`` (``because``,
    ``met_because``, a row's ``because``) has a French text without an English word."""
    checked = 0
    for path in MANIFESTS:
        repository = load_repository(path.parent)
        if repository.manifest is None:
            continue
        context = build_context(
            repository, OrgConfig.default(), evidence={}, change=None, today=TODAY
        )
        facts = context["derived"][regulation]
        for fact_name, fact in facts.items():
            assert "because" in fact[TRANSLATIONS_KEY]["fr"], fact_name
        for where, key, holder in _texts(facts, f"derived.{regulation}"):
            french = holder[TRANSLATIONS_KEY]["fr"][key]
            assert french and not english_words(french), (path, where, french)
            checked += 1
    assert checked > 100


def test_a_french_message_quotes_a_french_derivation(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    """credit-scoring, its manifest saying no personal data, with a contract whose e-mail and
    birth-date columns carry no PII marking: the GDPR finding explains why in French."""
    root = tmp_path / "credit-scoring"
    shutil.copytree(EXAMPLES / "credit-scoring", root)
    manifest = yaml.safe_load((root / "aigov.yaml").read_text(encoding="utf-8"))
    manifest["risk"]["gdpr"]["personal_data"] = False
    manifest["data"]["contracts"] = ["contracts/newsletter.odcs.yaml"]
    (root / "aigov.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    (root / "contracts" / "newsletter.odcs.yaml").write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: newsletter\nname: newsletter\n"
        "version: 1.0.0\nstatus: active\nschema:\n  - name: subscriber\n    properties:\n"
        "      - {name: customer_email, logicalType: string}\n"
        "      - {name: birth_date, logicalType: date}\n",
        "utf-8",
    )
    result = run_cli("check", str(root), "--lang", "fr", "-f", "json", "--today", "2026-11-24")
    findings = json.loads(result.stdout)["findings"]
    [finding] = [f for f in findings if f["rule_id"] == "GDPR-CONTRACT-PERSONAL-DATA"]
    [french] = [t for t in finding["translations"] if t["lang"] == "fr"]
    assert finding["message"].endswith(
        "contracts/newsletter.odcs.yaml: subscriber.customer_email (e-mail address), "
        "subscriber.birth_date (date of birth)"
    )
    assert french["message"].endswith(
        "contracts/newsletter.odcs.yaml : subscriber.customer_email (adresse e-mail), "
        "subscriber.birth_date (date de naissance)"
    )
    assert not english_words(french["message"]), english_words(french["message"])
    text = run_cli("check", str(root), "--lang", "fr", "--today", "2026-11-24").stdout
    assert "(adresse e-mail)" in text and "(e-mail address)" not in text


def test_a_policy_error_is_explained_in_french(
    run_cli: Callable[..., CliResult], make_repo: Callable[..., Path], tmp_path: Path
) -> None:
    from tests.policy.test_policy_errors import _policies

    repo = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    result = run_cli("check", str(repo), "--policies", str(_policies(tmp_path)), "-f", "json")
    (finding,) = json.loads(result.stdout)["findings"]
    [french] = finding["translations"]
    assert french["message"].startswith("la règle BUGGY-NAME-NUMBER n'a pas pu être évaluée : ")
    assert french["remediation"] == (
        "Rien à changer dans ce projet : c'est une erreur de la politique. Prévenez le "
        "responsable de la politique (Compliance office <compliance@bank.example>) en citant la "
        "règle et le message."
    )
    assert french["title"] == finding["title"]  # the pack translates none of its rules


CHECKED_PACKS = ("aigov", "ai-act", "gdpr", "lifecycle", "sla", "success-thresholds")
"""The built-in packs and aigov's own findings, whose French findings hold no English word."""


def test_no_french_finding_holds_an_english_word() -> None:
    """Every finding of the built-in packs over the examples and scenarios, in French: title,
    message (with the derivations it quotes) and remediation without an English word."""
    policy_set = load_policy_set()
    english: list[tuple[str, str, str]] = []
    findings = 0
    for path in MANIFESTS:
        repository = load_repository(path.parent)
        if repository.manifest is None:
            continue
        for finding in evaluate(repository, policy_set, {}, TODAY).findings:
            if finding.pack not in CHECKED_PACKS:
                continue
            findings += 1
            french = finding.text("fr")
            for text in (french.title, french.message, french.remediation):
                if french.lang != "fr" or english_words(text):
                    english.append((path.parent.name, finding.rule_id, text))
    assert findings > 200
    assert not english, english[:5]
