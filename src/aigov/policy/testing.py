"""``aigov policy test``: every rule's pass and fail fixtures, evaluated by the engine's own code.

A fixture is a partial context. Defaults: ``manifest.stage`` is the first of the rule's
``applies.stages``; ``today`` is 2026-11-24; ``org`` is the default org config with the
fixture's keys merged over it; ``model_card`` is ``{exists: false, sections: {},
placeholders: 0}`` when absent, and gets ``exists: true`` (plus empty ``sections`` and 0
``placeholders``) when the fixture gives one; ``contracts`` is ``[]`` (each contract a fixture
gives gets ``fields``, its properties at any depth, as a repository's would, unless it sets
them), ``evidence`` and ``change`` are ``{}``; ``params`` holds the rule's parameters at their
defaults, with the fixture's values over them. A pass fixture must leave the rule passed or not
applicable; a fail fixture must make it fail (a not-yet-effective failure counts). A rule with
no pass or no fail fixture fails the test.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from aigov.documents.problems import Location
from aigov.policy.cel import ExpressionError, prepare_context
from aigov.policy.context import ROOTS, contract_context, org_context
from aigov.policy.engine import RuleOutcome, evaluate_rule
from aigov.policy.org import OrgConfig
from aigov.policy.pack import PolicyRule
from aigov.policy.params import param_value, param_value_problem
from aigov.policy.shapes import data_problems
from aigov.policy.sources import PolicySet
from aigov.policy.typecheck import rule_roots

FIXTURE_TODAY: Final = dt.date(2026, 11, 24)
FIXTURE_ROOTS: Final = (*ROOTS, "params")
"""A fixture may also set some of the rule's parameters (the others keep their defaults)."""

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
    return {
        **_params(rule, fixture.get("params", {})),
        "manifest": manifest,
        "model_card": model_card,
        "contracts": _contracts(fixture.get("contracts", [])),
        "evidence": copy.deepcopy(fixture.get("evidence", {})),
        "change": copy.deepcopy(fixture.get("change", {})),
        "today": today,
        "org": _merge(org_context(OrgConfig.default()), fixture.get("org", {})),
    }


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
