"""``aigov policy test``: every rule's pass and fail fixtures, evaluated by the engine's own code.

A fixture is a partial context. Defaults: ``manifest.stage`` is the first of the rule's
``applies.stages``; ``manifest.metadata.id`` is ``fixture-project``; ``today`` is 2026-11-24;
``org`` is the default org config with the fixture's keys merged over it; ``model_card`` is
``{exists: false, sections: {}, placeholders: 0}`` when absent, and gets ``exists: true`` (plus
empty ``sections`` and 0 ``placeholders``) when the fixture gives one; ``contracts`` is ``[]``
(each contract a fixture gives gets ``fields``, its properties at any depth, as a repository's
would, unless it sets them), ``evidence`` and ``change`` are ``{}``; ``params`` holds the rule's
parameters at their defaults, with the fixture's values over them. A pass fixture must leave the
rule passed or not applicable; a fail fixture must make it fail (a not-yet-effective failure
counts). A rule with no pass or no fail fixture fails the test.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from aigov.documents.contract import DataContract
from aigov.documents.files import RepositoryRoot
from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.model_card import PLACEHOLDER, parse_model_card
from aigov.documents.problems import Location
from aigov.documents.repository import (
    CONTRACTS_FOLDER,
    DEFAULT_MODEL_CARD,
    Repository,
    load_yaml_file,
)
from aigov.documents.safe_yaml import parse_yaml
from aigov.policy.cel import ExpressionError, prepare_context
from aigov.policy.context import contract_context, org_context
from aigov.policy.derive import derive
from aigov.policy.engine import RuleOutcome, evaluate_rule, rule_finding
from aigov.policy.findings import Finding
from aigov.policy.org import OrgConfig
from aigov.policy.pack import PolicyRule
from aigov.policy.params import param_value, param_value_problem
from aigov.policy.paths import ROOTS
from aigov.policy.shapes import data_problems
from aigov.policy.sources import PolicySet
from aigov.policy.typecheck import rule_roots

FIXTURE_TODAY: Final = dt.date(2026, 11, 24)
FIXTURE_PROJECT: Final = "fixture-project"
"""``manifest.metadata.id`` unless the fixture sets it."""
FIXTURE_ROOTS: Final = (*(root for root in ROOTS if root != "derived"), "params")
"""A fixture may also set some of the rule's parameters (the others keep their defaults); it
never sets ``derived``, derived from its facts as a repository's is."""

FixtureKind = Literal["pass", "fail"]


@dataclass(frozen=True)
class FixtureFailure:
    rule_id: str
    pack: str
    kind: FixtureKind | None
    index: int
    reason: str
    location: Location

    def __str__(self) -> str:
        which = f"{self.kind}[{self.index}]" if self.kind else "fixtures"
        return f"FAIL {self.rule_id} {which} ({self.location}): {self.reason}"


@dataclass(frozen=True)
class FixtureReport:
    passed: int
    failures: tuple[FixtureFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def fixture_context(rule: PolicyRule, fixture: Mapping[str, Any]) -> dict[str, Any]:
    """The full context of a fixture, with the defaults above; raises ValueError if invalid."""
    unknown = sorted(set(fixture) - set(FIXTURE_ROOTS))
    if unknown:
        raise ValueError(f"unknown context root '{unknown[0]}' (roots: {', '.join(FIXTURE_ROOTS)})")
    manifest = copy.deepcopy(fixture.get("manifest", {}))
    if not isinstance(manifest, dict):
        raise ValueError("'manifest' must be a mapping")
    manifest.setdefault("stage", rule.rule.applies.stages[0])
    # Every manifest has an id (the schema requires it) and messages quote it.
    metadata = manifest.setdefault("metadata", {})
    if isinstance(metadata, dict):
        metadata.setdefault("id", FIXTURE_PROJECT)
    card = fixture.get("model_card")
    model_card: dict[str, Any] = {"exists": card is not None, "sections": {}, "placeholders": 0}
    if card is not None:
        if not isinstance(card, dict):
            raise ValueError("'model_card' must be a mapping")
        model_card.update(copy.deepcopy(card))
    today = fixture.get("today", FIXTURE_TODAY)
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    if not isinstance(today, dt.date):
        raise ValueError("'today' must be a date (YYYY-MM-DD)")
    context = {
        **_params(rule, fixture.get("params", {})),
        "manifest": manifest,
        "model_card": model_card,
        "contracts": _contracts(fixture.get("contracts", [])),
        "evidence": copy.deepcopy(fixture.get("evidence", {})),
        "change": copy.deepcopy(fixture.get("change", {})),
        "today": today,
        "org": _merge(org_context(OrgConfig.default()), fixture.get("org", {})),
    }
    context["derived"] = derive(context)
    return context


def _params(rule: PolicyRule, given: Any) -> dict[str, Any]:
    """``{"params": ...}``: the rule's parameter values with the fixture's over them, each
    checked as an organisation's value would be; nothing for a rule without parameters."""
    if not isinstance(given, dict):
        raise ValueError("'params' must be a mapping")
    declared = rule.rule.params
    values = rule.params
    for name, value in given.items():
        if name not in declared:
            raise ValueError(f"the rule has no parameter '{name}'")
        problem = param_value_problem(declared[name], value)
        if problem is not None:
            raise ValueError(f"params.{name}: {problem}")
        values[name] = param_value(declared[name], value)
    return {"params": values} if declared else {}


def _contracts(contracts: Any) -> list[Any]:
    if not isinstance(contracts, list):
        raise ValueError("'contracts' must be a list")
    return [
        contract_context(copy.deepcopy(c), None)
        if isinstance(c, dict) and "fields" not in c
        # A contract that sets its own fields (or is not a mapping) is taken as written.
        else copy.deepcopy(c)
        for c in contracts
    ]


def _merge(base: dict[str, Any], override: Any) -> dict[str, Any]:
    if not isinstance(override, dict):
        raise ValueError("'org' must be a mapping")
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def run_fixture(
    rule: PolicyRule, fixture: Mapping[str, Any], effective_from: dt.date | None
) -> RuleOutcome:
    """Evaluate ``rule`` against one fixture, as the engine would against a repository."""
    context = fixture_context(rule, fixture)
    prepared = prepare_context(context)
    stage = str(context["manifest"].get("stage"))
    return evaluate_rule(rule, prepared, (stage,), context["today"], effective_from)


FIXTURE_MANIFEST_HEADER: Final = (
    "# yaml-language-server: $schema=../schemas/aigov-manifest.schema.json\n"
    "apiVersion: aigov/v1\n"
    "kind: AIProject\n"
)
"""What a fixture's aigov.yaml starts with, as a real manifest does: a finding pointing at the
top of the file would land here, where no field a rule reads is written."""
_CARD_KEYS: Final = frozenset({"exists", "sections", "placeholders"})
"""Keys of ``model_card`` that aigov computes from the card, not written in its front matter."""


def fixture_repository(rule: PolicyRule, fixture: Mapping[str, Any], folder: Path) -> Repository:
    """The files a fixture stands for, written under ``folder`` (aigov.yaml, MODEL_CARD.md when
    the fixture gives a card, ``contracts/*.odcs.yaml``) and read back with their positions, so
    that its finding has a line and a column as a repository's has. The manifest is partial (a
    fixture is): the repository holds its documents, not a validated manifest."""
    context = fixture_context(rule, fixture)
    folder.mkdir(parents=True, exist_ok=True)
    repository = Repository(RepositoryRoot(folder))
    manifest = FIXTURE_MANIFEST_HEADER + _yaml(context["manifest"])
    (folder / MANIFEST_FILE).write_text(manifest, encoding="utf-8")
    repository.manifest_document = load_yaml_file(folder / MANIFEST_FILE, MANIFEST_FILE)
    card = fixture.get("model_card")
    if isinstance(card, Mapping) and card.get("exists") is not False:
        front = {
            ("model-index" if key == "model_index" else key): value
            for key, value in card.items()
            if key not in _CARD_KEYS
        }
        sections = card.get("sections") or {}
        body = "".join(
            f"## {section.get('title', key) if isinstance(section, Mapping) else key}\n\n"
            f"{section.get('text', '') if isinstance(section, Mapping) else ''}\n\n"
            for key, section in sections.items()
        )
        count = card.get("placeholders")
        body += f"{PLACEHOLDER}\n\n" * (count if isinstance(count, int) else 0)
        # Without a key, no front matter: "---" lines around nothing are not one.
        text = f"---\n{_yaml(front)}---\n\n" if front else ""
        text += f"# Model card\n\n{body}"
        (folder / DEFAULT_MODEL_CARD).write_text(text, encoding="utf-8")
        parsed, document, _ = parse_model_card(text, DEFAULT_MODEL_CARD)
        repository.model_card, repository.model_card_document = parsed, document
        repository.model_card_file = DEFAULT_MODEL_CARD
    for index, contract in enumerate(context["contracts"]):
        if not isinstance(contract, Mapping):
            continue
        data = {key: value for key, value in contract.items() if key not in ("file", "fields")}
        name = f"{CONTRACTS_FOLDER}/contract-{index}.odcs.yaml"
        (folder / CONTRACTS_FOLDER).mkdir(exist_ok=True)
        (folder / name).write_text(_yaml(data) if data else "{}\n", encoding="utf-8")
        document = parse_yaml((folder / name).read_text(encoding="utf-8"), name)
        repository.contracts.append(DataContract(name, dict(document.data or {}), document))
    return repository


def fixture_finding(
    rule: PolicyRule,
    fixture: Mapping[str, Any],
    folder: Path,
    effective_from: dt.date | None = None,
) -> Finding | None:
    """The finding a fail fixture gives, located in the fixture's files as written by
    :func:`fixture_repository` in ``folder``; None when the rule does not fail."""
    context = fixture_context(rule, fixture)
    prepared = prepare_context(context)
    stage = str(context["manifest"].get("stage"))
    outcome = evaluate_rule(rule, prepared, (stage,), context["today"], effective_from)
    if outcome.status not in ("failed", "not_yet_effective"):
        return None
    repository = fixture_repository(rule, fixture, folder)
    return rule_finding(rule, outcome, context, repository, effective_from)


def _yaml(data: Any) -> str:
    """Block-style YAML, keys in the fixture's order, one field per line."""
    import yaml

    text: str = yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10_000
    )
    return text


def run_fixtures(policy_set: PolicySet) -> FixtureReport:
    """Run every fixture of every rule; a rule lacking pass or fail fixtures is a failure."""
    passed = 0
    failures: list[FixtureFailure] = []
    for rule in policy_set.rules:
        fixtures = rule.rule.fixtures
        effective_from = policy_set.effective_dates.get(rule.id)
        if not fixtures.pass_ or not fixtures.fail:
            lacking = "pass" if not fixtures.pass_ else "fail"
            failures.append(
                FixtureFailure(
                    rule.id, rule.pack, None, 0, f"no '{lacking}' fixture", rule.location
                )
            )
        for kind, items in (("pass", fixtures.pass_), ("fail", fixtures.fail)):
            for index, fixture in enumerate(items):
                reason = _check(rule, kind, fixture, effective_from)
                if reason is None:
                    passed += 1
                else:
                    failures.append(
                        FixtureFailure(
                            rule.id,
                            rule.pack,
                            "pass" if kind == "pass" else "fail",
                            index,
                            reason,
                            rule.location,
                        )
                    )
    return FixtureReport(passed, tuple(failures))


def fixture_problems(rule: PolicyRule, fixture: Mapping[str, Any]) -> list[str]:
    """Where a fixture does not fit the shapes the rule's expressions were checked against
    (:mod:`aigov.policy.shapes`): a fixture is partial, so an absent field is fine, but an
    unknown one (a typo the rule may share) or a value of another kind is not."""
    roots = rule_roots(rule.rule.params)
    problems: list[str] = []
    for root, value in fixture.items():
        if root in ("today", "params") or root not in roots:
            continue  # checked (or refused) by fixture_context
        problems.extend(data_problems(roots[root], value, root))
    return problems


def _check(
    rule: PolicyRule, kind: str, fixture: Mapping[str, Any], effective_from: dt.date | None
) -> str | None:
    mistyped = fixture_problems(rule, fixture)
    if mistyped:
        return "unusable fixture: " + "; ".join(mistyped)
    try:
        outcome = run_fixture(rule, fixture, effective_from)
    except (ValueError, ExpressionError) as exc:
        return f"unusable fixture: {exc}"
    if outcome.status in ("error", "policy_error"):
        return f"the rule could not be evaluated: {outcome.error}"
    if kind == "pass" and outcome.status not in ("passed", "not_applicable"):
        missing = f" ({outcome.missing} is missing)" if outcome.missing else ""
        return f"expected the rule to pass, it failed{missing}"
    if kind == "fail" and outcome.status not in ("failed", "not_yet_effective"):
        return f"expected the rule to fail, it was {outcome.status.replace('_', ' ')}"
    return None
