"""The organisation's tuning of its packs' rules: severity, on/off, parameters.

``aigov-org.yaml`` ``rules:`` names rules by id; each change is checked against the packs
evaluated (the rule exists, the parameter is declared, its value has the declared type and
bounds) and located in the org file, then applied to the rules of the policy set. Every change is
kept as a :class:`~aigov.policy.findings.RuleTuningApplied`, which the result, the report and the
portfolio show: an auditor sees what the organisation changed from the packs as published.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Sequence

from aigov.documents.problems import Location, Problem
from aigov.policy.findings import ParamChange, RuleTuningApplied
from aigov.policy.org import OrgConfig, RuleTuning
from aigov.policy.pack import PolicyRule
from aigov.policy.params import param_value, param_value_problem

Locator = Callable[..., Location]
"""The org file location of a field path (``at("rules", "X", "params", "y")``)."""


@dataclasses.dataclass(frozen=True)
class TunedRules:
    """The rules a run evaluates after the organisation's tuning, and what was changed."""

    rules: tuple[PolicyRule, ...]
    """The enabled rules, with the organisation's severity and parameters."""
    applied: tuple[RuleTuningApplied, ...]
    problems: tuple[Problem, ...]


def tune_rules(rules: Sequence[PolicyRule], org: OrgConfig, at: Locator) -> TunedRules:
    """Apply ``org.rules`` to ``rules``; every problem located (``at``), all reported at once."""
    by_id = {rule.id: rule for rule in rules}
    problems: list[Problem] = []
    changes: dict[str, PolicyRule | None] = {}
    applied: list[RuleTuningApplied] = []
    for rule_id, tuning in org.rules.items():
        rule = by_id.get(rule_id)
        if rule is None:
            problems.append(_unknown_rule(rule_id, sorted(by_id), at))
            continue
        params, param_problems = _checked_params(rule, tuning, at)
        problems += param_problems
        if param_problems:
            continue
        changes[rule_id] = (
            dataclasses.replace(rule, tuned_severity=tuning.severity, tuned_params=params)
            if tuning.enabled
            else None
        )
        applied.append(_record(rule, tuning, params))
    tuned: list[PolicyRule] = []
    for rule in rules:
        change = changes.get(rule.id, rule)
        if change is not None:  # None: turned off
            tuned.append(change)
    return TunedRules(tuple(tuned), tuple(applied), tuple(problems))


def _checked_params(
    rule: PolicyRule, tuning: RuleTuning, at: Locator
) -> tuple[dict[str, object], list[Problem]]:
    declared = rule.rule.params
    values: dict[str, object] = {}
    problems: list[Problem] = []
    for name, value in tuning.params.items():
        where = at("rules", rule.id, "params", name)
        field = f"rules.{rule.id}.params.{name}"
        param = declared.get(name)
        if param is None:
            close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
            known = ", ".join(sorted(declared)) or "none"
            problems.append(
                Problem(
                    where,
                    "org.unknown-param",
                    f"rule {rule.id} (pack {rule.pack}) has no parameter '{name}'",
                    field=field,
                    hint=(f"did you mean '{close[0]}'? " if close else "")
                    + f"its parameters: {known}",
                )
            )
            continue
        problem = param_value_problem(param, value)
        if problem is not None:
            problems.append(
                Problem(
                    where,
                    "org.invalid-param",
                    f"rule {rule.id} parameter '{name}': {problem}",
                    field=field,
                    hint=f"{name}: {param.description} (default {param.default!r})",
                )
            )
            continue
        values[name] = param_value(param, value)
    return values, problems


def _record(rule: PolicyRule, tuning: RuleTuning, params: dict[str, object]) -> RuleTuningApplied:
    declared = rule.rule.params
    return RuleTuningApplied(
        rule_id=rule.id,
        pack=rule.pack,
        enabled=tuning.enabled,
        severity=tuning.severity,
        pack_severity=rule.rule.severity,
        params=tuple(
            ParamChange(name=name, default=declared[name].default, value=value)
            for name, value in sorted(params.items())
        ),
        reason=tuning.reason,
    )


def _unknown_rule(rule_id: str, known: list[str], at: Locator) -> Problem:
    close = difflib.get_close_matches(rule_id, known, n=1, cutoff=0.6)
    return Problem(
        at("rules", rule_id),
        "org.unknown-rule",
        f"no pack evaluated has a rule '{rule_id}'",
        field=f"rules.{rule_id}",
        hint=f"did you mean '{close[0]}'?" if close else "`aigov policy list` lists the rules",
    )
