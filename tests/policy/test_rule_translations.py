"""Rule translations (``policies/<pack>/locales/<lang>.yaml``): every built-in rule in French,
the loader's checks (file:line:column), and findings rendered in the report's language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from tests.conftest import MINIMAL_MANIFEST, PROJECT_ROOT, CliResult
from tests.policy.conftest import RULES_YAML, write_pack

from aigov.policy.cache import PackCache
from aigov.policy.pack import PolicyLoadError
from aigov.policy.sources import PolicySource, load_pack_folders, load_policy_set
from aigov.policy.translations import TRANSLATED_FIELDS, placeholders

POLICIES = PROJECT_ROOT / "policies"
BUILTIN_PACKS = sorted(p.name for p in POLICIES.iterdir() if (p / "pack.yaml").is_file())
REQUIRED_LANGUAGES = ("fr",)
"""Languages every built-in rule must be translated into (``--lang``)."""


def _english(pack: str) -> dict[str, dict[str, str]]:
    """Rule id -> title, message, remediation, as the pack's rule files write them."""
    rules: dict[str, dict[str, str]] = {}
    for path in sorted((POLICIES / pack / "rules").glob("*.y*ml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            rules[rule["id"]] = {name: str(rule[name]) for name in TRANSLATED_FIELDS}
    return rules


def _translated(pack: str, lang: str) -> dict[str, Any]:
    path = POLICIES / pack / "locales" / f"{lang}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _words(text: str) -> str:
    """The text without its placeholders: what a translation must change."""
    return " ".join(re.sub(r"\{\{.*?\}\}", "", text).split())


def test_every_builtin_pack_is_covered() -> None:
    # The packs the issue names: a renamed or missing folder must not shrink the checks below.
    assert {"ai-act", "gdpr", "lifecycle", "sla", "success-thresholds"} <= set(BUILTIN_PACKS)


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("pack", BUILTIN_PACKS)
def test_every_builtin_rule_is_translated(pack: str, lang: str) -> None:
    """A rule added (or a text emptied) without its translation fails here, naming it."""
    translated = _translated(pack, lang)
    untranslated = []
    for rule_id, english in _english(pack).items():
        entry = translated.get(rule_id)
        if not isinstance(entry, dict):
            untranslated.append(f"{rule_id} (no entry in policies/{pack}/locales/{lang}.yaml)")
            continue
        for name in TRANSLATED_FIELDS:
            text = entry.get(name)
            if not isinstance(text, str) or not text.strip():
                untranslated.append(f"{rule_id}.{name} (missing)")
            elif _words(text) == _words(english[name]):
                untranslated.append(f"{rule_id}.{name} (still the English text)")
    assert not untranslated, f"{pack}: {len(untranslated)} untranslated: {untranslated}"


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("pack", BUILTIN_PACKS)
def test_translations_keep_the_english_placeholders(pack: str, lang: str) -> None:
    english = _english(pack)
    differing = [
        f"{rule_id}.{name}: {sorted(placeholders(text))} vs {sorted(placeholders(source))}"
        for rule_id, entry in _translated(pack, lang).items()
        if rule_id in english and isinstance(entry, dict)
        for name in TRANSLATED_FIELDS
        for text, source in [(str(entry.get(name, "")), english[rule_id][name])]
        if placeholders(text) != placeholders(source)
    ]
    assert not differing, differing


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
@pytest.mark.parametrize("pack", BUILTIN_PACKS)
def test_no_translation_of_a_removed_rule(pack: str, lang: str) -> None:
    stale = sorted(set(_translated(pack, lang)) - set(_english(pack)))
    assert not stale, f"policies/{pack}/locales/{lang}.yaml translates rules it lacks: {stale}"


# --- the loader ----------------------------------------------------------------------------

FRENCH = """\
TEST-OVERSIGHT:
  title: Les systèmes à haut risque prévoient une possibilité de reprise en main humaine
  message: "{{ manifest.metadata.id }} ne prévoit aucune reprise en main humaine"
  remediation: Décrivez la reprise en main sous human_oversight dans MODEL_CARD.md.
TEST-OWNER:
  title: Le projet désigne un responsable métier
  message: "{{ manifest.metadata.id }} ne désigne aucun responsable métier"
  remediation: Ajoutez une partie prenante ayant le rôle business_owner.
"""


def _pack_with(make_pack: Callable[..., Path], locales: dict[str, str], **kwargs: str) -> Path:
    folder = make_pack(**kwargs)
    (folder / "locales").mkdir()
    for name, text in locales.items():
        (folder / "locales" / name).write_text(text, encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(PolicyLoadError) as caught:
        load_pack_folders([folder])
    return [str(p) for p in caught.value.problems]


def test_translations_load_with_their_rules(make_pack: Callable[..., Path]) -> None:
    folder = _pack_with(make_pack, {"fr.yaml": FRENCH})
    policy_set = load_pack_folders([folder])
    owner = policy_set.rule("TEST-OWNER")
    assert owner is not None
    assert owner.translations["fr"].title == "Le projet désigne un responsable métier"
    # The locale file is part of the pack: its digest changes with the translation.
    before = policy_set.packs[0].digest
    (folder / "locales" / "fr.yaml").write_text(FRENCH.replace("aucun", "nul"), encoding="utf-8")
    assert load_pack_folders([folder]).packs[0].digest != before


def test_translations_survive_the_pack_cache(
    make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    pack = load_pack_folders([_pack_with(make_pack, {"fr.yaml": FRENCH})]).packs[0]
    cache = PackCache(tmp_path / "cache")
    cache.store("key", pack)
    cached = cache.load("key")
    assert cached is not None
    assert [dict(r.translations) for r in cached.rules] == [
        dict(r.translations) for r in pack.rules
    ]
    assert cached.rules[1].translations["fr"].message.startswith("{{ manifest.metadata.id }} ne")


def test_a_translation_of_an_unknown_rule_is_located(make_pack: Callable[..., Path]) -> None:
    folder = _pack_with(make_pack, {"fr.yaml": FRENCH.replace("TEST-OWNER:", "TEST-OWNR:")})
    (problem,) = _problems(folder)
    assert problem.startswith(f"{folder}/locales/fr.yaml:5:1: error: 'TEST-OWNR' is not a rule")
    assert "[locale.unknown-rule]" in problem


def test_a_placeholder_the_english_lacks_is_located(make_pack: Callable[..., Path]) -> None:
    text = FRENCH.replace("aucun responsable métier", "aucun responsable {{ manifest.stage }}")
    (problem,) = _problems(_pack_with(make_pack, {"fr.yaml": text}))
    assert "/locales/fr.yaml:7:3: error: TEST-OWNER.message: the translated message has " in (
        problem
    )
    assert "placeholder {{ manifest.stage }}, which the English message lacks" in problem
    assert "hint: a translation uses the English text's {{ }} placeholders: " in problem


def test_a_stale_translation_gives_way_to_the_english(make_pack: Callable[..., Path]) -> None:
    # The English gained a placeholder the translation lacks: the English, which names the
    # value, is shown (the built-in packs' test above fails on such a translation).
    text = FRENCH.replace('"{{ manifest.metadata.id }} ne désigne', '"Le projet ne désigne')
    policy_set = load_pack_folders([_pack_with(make_pack, {"fr.yaml": text})])
    owner, oversight = policy_set.rule("TEST-OWNER"), policy_set.rule("TEST-OVERSIGHT")
    assert owner is not None and oversight is not None
    assert "fr" not in owner.translations
    assert "fr" in oversight.translations


def test_a_missing_text_and_malformed_yaml_are_located(make_pack: Callable[..., Path]) -> None:
    incomplete = FRENCH.replace(
        "  remediation: Ajoutez une partie prenante ayant le rôle business_owner.\n", ""
    )
    (missing,) = _problems(_pack_with(make_pack, {"fr.yaml": incomplete}))
    assert "/locales/fr.yaml:5:1: error: TEST-OWNER.remediation: required field" in missing
    broken = make_pack("packs/broken")
    (broken / "locales").mkdir()
    (broken / "locales" / "fr.yaml").write_text("TEST-OWNER:\n  title: [oops\n", "utf-8")
    (syntax,) = _problems(broken)
    assert syntax.startswith(f"{broken}/locales/fr.yaml:3:1: error: ")
    assert "[yaml.syntax]" in syntax


def test_a_translation_that_is_not_a_mapping_is_located(make_pack: Callable[..., Path]) -> None:
    text = FRENCH.replace(
        "TEST-OWNER:\n  title: Le projet désigne un responsable métier\n",
        "TEST-OWNER: Le projet désigne un responsable métier\nTEST-OTHER:\n",
    )
    folder = _pack_with(make_pack, {"fr.yaml": text})
    found = _problems(folder)
    shown = f"{folder}/locales/fr.yaml:5:1: error: TEST-OWNER: a rule's translation holds its title"
    assert any(p.startswith(shown) for p in found), found


def test_a_language_aigov_does_not_write_is_refused(make_pack: Callable[..., Path]) -> None:
    (problem,) = _problems(_pack_with(make_pack, {"de.yaml": FRENCH}))
    assert "/locales/de.yaml:1:1: error: aigov does not write 'de'" in problem
    assert "fr.yaml" in problem


# --- findings in the report's language -----------------------------------------------------


def _project(make_repo: Callable[..., Path]) -> Path:
    manifest = MINIMAL_MANIFEST.replace("stage: ideation", "stage: production")
    return make_repo({"aigov.yaml": manifest})


def test_check_reports_rule_text_in_french(
    make_pack: Callable[..., Path],
    make_repo: Callable[..., Path],
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
) -> None:
    # TEST-OWNER made to read a field the manifest lacks: the finding says it is missing.
    rules = RULES_YAML.format(prefix="TEST").replace(
        'manifest.metadata.stakeholders.exists(s, s.role == "business_owner")',
        'manifest.framing.problem != ""',
    )
    folder = _pack_with(make_pack, {"fr.yaml": FRENCH}, rules=rules)
    repo = _project(make_repo)
    args = ("check", str(repo), "--policies", str(folder), "--today", "2026-11-24", "--no-cache")
    text = run_cli(*args, "--lang", "fr")
    assert text.exit_code == 0, text.stderr
    assert "Le projet désigne un responsable métier" in text.stdout
    assert (
        "churn-model ne désigne aucun responsable métier "
        "(manifest.framing est absent)" in " ".join(text.stdout.split())
    )
    assert "Ajoutez une partie prenante ayant le rôle business_owner." in text.stdout
    assert "names no business owner" not in text.stdout
    markdown = run_cli(*args, "--lang", "fr", "-f", "markdown")
    assert "churn-model ne désigne aucun responsable métier" in markdown.stdout
    english = run_cli(*args)
    assert "churn-model names no business owner" in " ".join(english.stdout.split())
    # The JSON result keeps the English, with the translation beside it.
    result = json.loads(run_cli(*args, "--lang", "fr", "-f", "json").stdout)
    (finding,) = [f for f in result["findings"] if f["rule_id"] == "TEST-OWNER"]
    assert finding["message"] == (
        "churn-model names no business owner (manifest.framing is missing)"
    )
    assert finding["translations"] == [
        {
            "lang": "fr",
            "title": "Le projet désigne un responsable métier",
            "message": "churn-model ne désigne aucun responsable métier "
            "(manifest.framing est absent)",
            "remediation": "Ajoutez une partie prenante ayant le rôle business_owner.",
        }
    ]
    # The PR comment bot renders the saved result in its language.
    saved = tmp_path / "result.json"
    saved.write_text(json.dumps(result), encoding="utf-8")
    from aigov.report import render
    from aigov.report.document import CheckReport

    comment = render("markdown", CheckReport.model_validate(result))
    assert "churn-model ne désigne aucun responsable métier" in comment


def test_builtin_rules_in_french(
    make_repo: Callable[..., Path], run_cli: Callable[..., CliResult]
) -> None:
    # A project in production that declares no service level nor monitoring.
    repo = _project(make_repo)
    args = ("check", str(repo), "--today", "2026-11-24", "--skip-evidence", "mlflow")
    french = " ".join(run_cli(*args, "--lang", "fr").stdout.split())
    assert "SLA-DECLARED: Les niveaux de service sont déclarés" in french
    assert "churn-model est à l'étape production sans niveaux de service (sla)" in french
    assert "LC-MONITORING: La surveillance est définie avant la mise en production" in french
    assert "without service levels" not in french


def test_explain_in_french(run_cli: Callable[..., CliResult]) -> None:
    french = run_cli("explain", "SLA-DATA-DRIFT", "--lang", "fr")
    assert french.exit_code == 0, french.stderr
    assert french.stdout.startswith(
        "## SLA-DATA-DRIFT — La dérive des données est surveillée avec un seuil\n"
    )
    assert "- Sévérité : **élevée**" in french.stdout
    assert "### Comment corriger\n\nRenseignez monitoring.data_drift" in french.stdout
    assert "### Pourquoi\n\nLes distributions des données d'entrée évoluent" in french.stdout
    english = run_cli("explain", "SLA-DATA-DRIFT")
    assert "### How to fix\n\nFill monitoring.data_drift" in english.stdout


def test_not_yet_effective_findings_say_so_in_french(
    make_pack: Callable[..., Path],
    make_repo: Callable[..., Path],
    run_cli: Callable[..., CliResult],
) -> None:
    rules = RULES_YAML.format(prefix="TEST").replace(
        "  assert: manifest.metadata.stakeholders",
        "  effective_from: start_of_obligations\n  assert: manifest.metadata.stakeholders",
    )
    folder = _pack_with(make_pack, {"fr.yaml": FRENCH}, rules=rules)
    args = ("check", str(_project(make_repo)), "--policies", str(folder), "--today", "2026-01-01")
    french = " ".join(run_cli(*args, "--lang", "fr").stdout.split())
    assert (
        "churn-model ne désigne aucun responsable métier [s'applique à partir du 2026-08-02]"
        in french
    )
    english = " ".join(run_cli(*args).stdout.split())
    assert "churn-model names no business owner [applies from 2026-08-02]" in english


def test_policy_reference_in_french(run_cli: Callable[..., CliResult]) -> None:
    french = run_cli("policy", "doc", "--lang", "fr")
    assert french.exit_code == 0, french.stderr
    assert french.stdout.startswith("# Référentiel des politiques\n")
    assert "## Configuration de l'organisation (`aigov-org.yaml`)" in french.stdout
    assert "Paquet `sla` version " in french.stdout
    assert (
        "### SLA-DATA-DRIFT — La dérive des données est surveillée avec un seuil" in french.stdout
    )
    assert "#### Comment corriger\n\nRenseignez monitoring.data_drift" in french.stdout
    assert run_cli("policy", "doc").stdout.startswith("# Policy reference\n")


def test_an_org_pack_in_a_git_policy_source_ships_its_translations(tmp_path: Path) -> None:
    # The translation is read at the pinned ref like the rules, never from the working tree.
    root = tmp_path / "policy-repo"
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Compliance")
        config.set_value("user", "email", "compliance@example.com")
    write_pack(root / "bank", name="bank")
    (root / "bank" / "locales").mkdir()
    (root / "bank" / "locales" / "fr.yaml").write_text(FRENCH, encoding="utf-8")
    repo.index.add(["bank/pack.yaml", "bank/rules/main.yaml", "bank/locales/fr.yaml"])
    pinned = repo.index.commit("bank pack in English and French").hexsha
    (root / "bank" / "locales" / "fr.yaml").write_text("not: [valid", encoding="utf-8")
    policy_set = load_policy_set(PolicySource("git", str(root), pinned))
    owner = policy_set.rule("TEST-OWNER")
    assert owner is not None
    assert owner.translations["fr"].title == "Le projet désigne un responsable métier"
    with pytest.raises(PolicyLoadError):  # the working tree's broken copy is refused
        load_policy_set(PolicySource("folder", str(root)))
