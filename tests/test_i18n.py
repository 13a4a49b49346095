"""Every message aigov writes in French is in the catalog, with the same placeholders."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, CliResult

from aigov.attestation.judge import ATTESTATION_EXPLANATION
from aigov.evidence.collect import RUN_DATA_CHECKS_FIX, SOURCE_FIXES
from aigov.evidence.git_history import SHALLOW_FIX, SHALLOW_HINT
from aigov.i18n import catalog, normalise_language, number, translator
from aigov.init.screening.gdpr import WP248_CRITERIA
from aigov.init.screening.questions import ANNEX_III, ART_6_3_CONDITIONS, QUESTIONS
from aigov.policy import independence
from aigov.policy.derive import ai_act as derive_ai_act
from aigov.policy.derive import gdpr as derive_gdpr
from aigov.policy.reference import PREAMBLE
from aigov.policy.waivers import WAIVER_EXPLANATION

SRC = Path(__file__).resolve().parent.parent / "src" / "aigov"
TRANSLATED_MODULES = [
    *sorted((SRC / "init").glob("*.py")),
    *sorted((SRC / "init" / "screening").glob("*.py")),
    *sorted((SRC / "deliverables").glob("*.py")),
    SRC / "commands" / "init.py",
    SRC / "commands" / "docs.py",
    SRC / "report" / "text.py",
    SRC / "report" / "markdown.py",
    SRC / "policy" / "engine.py",
    SRC / "report" / "github.py",
    SRC / "policy" / "reference.py",
]
EXPLAINED_MODULES = [
    SRC / "policy" / "engine.py",
    SRC / "policy" / "waivers.py",
    SRC / "policy" / "independence.py",
    SRC / "attestation" / "judge.py",
    SRC / "attestation" / "apply.py",
    *sorted((SRC / "policy" / "derive").glob("*.py")),
]
"""Modules that write aigov's own sentences with ``say`` (:mod:`aigov.policy.explanation`): the
AIGOV-WAIVER and AIGOV-ATTESTATION findings, the derived explanations rule messages quote."""
READ_BY_PEOPLE = [SRC / "report" / f"{name}.py" for name in ("text", "markdown", "github")]
"""The report formats written in the report's language (``aigov.report.READ_BY_PEOPLE``)."""
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _messages() -> set[str]:
    found: set[str] = set()
    for path in TRANSLATED_MODULES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    templates = [SRC / "deliverables" / "templates", SRC / "init" / "templates"]
    for template in (path for folder in templates for path in folder.rglob("*.j2")):
        found.update(re.findall(r'tr\("((?:[^"\\]|\\.)*)"', template.read_text(encoding="utf-8")))
    found.update(q.prompt for q in QUESTIONS)
    found.update(label for _, label in ANNEX_III.values())
    found.update(label for _, label in ART_6_3_CONDITIONS.values())
    found.update(WP248_CRITERIA.values())
    found.update(_evidence_sentences())
    found.add(PREAMBLE)  # the policy reference's introduction (aigov policy doc --lang)
    found.update(_explained_sentences())
    return found


def _explained_sentences() -> set[str]:
    """The messages ``say`` is given in :data:`EXPLAINED_MODULES` (a literal, or a module's
    string constant such as a finding's title), the phrases ``apply.py`` passes as ``when``,
    and the fixed phrases of the tables a derivation quotes through ``say``; the explanations
    ``aigov explain`` prints for the findings aigov makes itself."""
    found: set[str] = set()
    for path in EXPLAINED_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
                elif isinstance(first, ast.Name) and first.id in constants:
                    found.add(constants[first.id])
            if isinstance(node, ast.keyword) and node.arg == "when":
                found.update(_constant_text(node.value))
    found.update([independence.OWNER, *independence.MEMBER_ROLES.values()])
    found.update(meaning for _, meaning in derive_gdpr._NAME_SEMANTICS)
    found.update(meaning for _, meaning in derive_gdpr._DESCRIPTION_SEMANTICS)
    found.update(covers for _, covers in derive_gdpr._ART9_CONTEXT.values())
    found.update([*derive_gdpr.WP248.values(), *derive_gdpr._NOT_INDEPENDENT.values()])
    found.update(derive_ai_act.ANNEX_III_POINTS.values())
    found.update(practice for _, practice, _ in derive_ai_act.PROHIBITED_PRACTICES)
    found.update(derive_ai_act._EXCEPTIONS.values())
    found.update(derive_ai_act.ART_6_3_CONDITIONS.values())
    found.update(derive_ai_act._ART50.values())
    found.update(v for name, v in vars(derive_ai_act).items() if name.endswith("_QUESTION"))
    found.update([WAIVER_EXPLANATION, ATTESTATION_EXPLANATION])
    return found


def test_aigov_sentences_are_found() -> None:
    """The scan above sees the sentences of each kind (a renamed ``say`` would empty it)."""
    found = _explained_sentences()
    for sentence in (
        "waiver of {rule} ({ticket}): {problem}",  # a literal
        "Waivers are approved, current and time-boxed",  # a module constant (title)
        "written by this change",  # apply.py's when=
        "e-mail address",  # a table a derivation quotes
        "screened: {screened} → triggered: {triggered} → done: {done}",
    ):
        assert sentence in found, sentence


def _evidence_sentences() -> set[str]:
    """What a finding says when its evidence is unavailable, when aigov wrote it whole: each
    source's fix (``fix=`` in the collectors and the check) and the fixed reasons."""
    found = {*SOURCE_FIXES.values(), RUN_DATA_CHECKS_FIX, SHALLOW_FIX, SHALLOW_HINT}
    found.add("not collected (--skip-evidence)")
    for path in (SRC / "checking.py", *sorted((SRC / "evidence").glob("*.py"))):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "fix":
                found.update(_constant_text(node.value))
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "unavailable":
                found.update(_constant_text(node.args[0]) if node.args else [])
    return found


def _constant_text(node: ast.expr) -> list[str]:
    """The text of a string literal, or of an f-string made of literals and RUN_DATA_CHECKS_FIX
    (the one constant the collectors build fixes from)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif (
                isinstance(value, ast.FormattedValue)
                and getattr(value.value, "id", None) == "RUN_DATA_CHECKS_FIX"
            ):
                parts.append(RUN_DATA_CHECKS_FIX)
            else:
                return []  # built from values known only at run time: shown as written
        return ["".join(parts)]
    return []


def test_every_message_is_translated_to_french() -> None:
    french = catalog("fr")
    missing = sorted(m for m in _messages() if m not in french)
    assert not missing, missing


def _untranslated_literals(path: Path) -> list[str]:
    """String literals of ``path`` holding words (two or more) that do not go through ``tr``
    or ``term``: text such a report would print in English whatever ``--lang`` says.
    Docstrings (a string on its own as a statement) are not output."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    translated: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Call):  # _tr(report)("...")
                func = func.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name in ("tr", "term", "_tr", "report_translator"):
                translated.update(id(inner) for inner in ast.walk(node))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            translated.add(id(node.value))
    return [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in translated
        and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", node.value)
    ]


@pytest.mark.parametrize("path", READ_BY_PEOPLE, ids=lambda path: path.name)
def test_reports_people_read_print_no_untranslated_sentence(path: Path) -> None:
    untranslated = _untranslated_literals(path)
    assert not untranslated, untranslated


def test_translations_keep_their_placeholders() -> None:
    for english, french in catalog("fr").items():
        assert set(_PLACEHOLDER.findall(english)) == set(_PLACEHOLDER.findall(french)), english


def test_gdpr_vocabulary_in_french() -> None:
    values = " ".join(catalog("fr").values())
    for term in (
        "AIPD",
        "responsable du traitement",
        "base légale",
        "RGPD",
        "délégué à la protection",
    ):
        assert term.lower() in values.lower(), term


@pytest.mark.parametrize(
    ("given", "expected"), [(None, "en"), ("fr", "fr"), ("fr-FR", "fr"), ("FR", "fr"), ("de", "en")]
)
def test_language_normalisation(given: str | None, expected: str) -> None:
    assert normalise_language(given) == expected


def test_translator_falls_back_to_english_and_fills_placeholders() -> None:
    fr = translator("fr")
    assert fr("Missing: {field}", field="sla") == "Manquant : sla"
    assert fr("a message nobody translated") == "a message nobody translated"
    assert translator("en")("{years} years", years=3) == "3 years"


def test_numbers() -> None:
    assert number(4200000.0, "en") == "4,200,000"
    assert number(4200000.0, "fr") == "4 200 000"
    assert number(0.0287, "fr") == "0,0287"
    assert number(None, "en") == ""


def test_check_in_french(run_cli: Callable[..., CliResult]) -> None:
    root = str(EXAMPLES / "hr-attrition-ideation")
    text = run_cli("check", root, "--lang", "fr", "--today", "2026-11-24")
    assert text.exit_code == 0
    assert text.stdout.startswith("aigov : ACCEPTÉ : hr-attrition (étape ideation)")
    assert "Résumé :" in text.stdout
    markdown = run_cli("check", root, "--lang", "fr", "-f", "markdown", "--today", "2026-11-24")
    assert "## ✅ aigov : accepté" in markdown.stdout
    english = run_cli("check", root, "--today", "2026-11-24")
    assert english.stdout.startswith("aigov: PASSED: ")
