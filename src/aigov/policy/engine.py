"""The policy engine: a pure, deterministic function from a repository and a policy set to a
:class:`~aigov.policy.findings.Result`.

Nothing here reads files, the clock or the network: the repository is already loaded, evidence
is passed in (collect only :func:`evidence_needed`), and ``today`` is an argument. A rule that
cannot be evaluated gives a finding of status ``error``, never an exception.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from aigov.documents.repository import Repository
from aigov.evidence.change import ChangeContext
from aigov.evidence.collect import SOURCE_FIXES, UNAVAILABLE_KEY, Evidence
from aigov.i18n import Translator, translator
from aigov.policy.cel import (
    ExpressionError,
    MissingField,
    PreparedContext,
    prepare_context,
)
from aigov.policy.context import build_context, locate
from aigov.policy.explanation import Explanation, finding_translations, say
from aigov.policy.findings import AppliedWaiver, Finding, FindingText, PackInfo, Result
from aigov.policy.independence import project_members
from aigov.policy.pack import PolicyRule
from aigov.policy.paths import MISSING, ContextPath, lookup, parse_path
from aigov.policy.sources import PolicySet
from aigov.policy.templates import ABSENT_TEXT, ITEM_STEP, format_value, render_message
from aigov.policy.waivers import check_waivers

OutcomeStatus = Literal[
    "passed", "not_applicable", "failed", "error", "policy_error", "not_yet_effective"
]
"""``error``: evidence the rule reads could not be collected; ``policy_error``: the rule's own
expression failed (a bug of the policy, not of the project)."""


@dataclass(frozen=True)
class RuleOutcome:
    """How one rule came out against one context."""

    status: OutcomeStatus
    missing: str | None = None
    """The missing field that failed the assert, if that is why it failed."""
    error: str | None = None
    unavailable_source: str | None = None
    """The evidence source whose absence made the rule fail closed, if that is why."""
    unavailable_reason: str | None = None
    """Why that source could not be collected, as its collector said."""


def evaluate_rule(
    rule: PolicyRule,
    context: PreparedContext,
    stages: Sequence[str],
    today: dt.date,
    effective_from: dt.date | None,
    *,
    unavailable: Mapping[str, str] | None = None,
) -> RuleOutcome:
    """Applicability (stages, ``when``), then the evidence, the assert and the effective date.

    ``unavailable`` maps an evidence source that could not be collected to the reason: an
    applicable rule that reads it fails closed with "evidence unavailable" instead of passing
    on an empty history or a missing metric.
    """
    if rule.stages.isdisjoint(stages):
        return RuleOutcome("not_applicable")
    lacking = sorted(rule.evidence & unavailable.keys()) if unavailable else []
    lacking_outcome = (
        RuleOutcome(
            "error",
            error=f"evidence unavailable: {lacking[0]}: {unavailable[lacking[0]]}",
            unavailable_source=lacking[0],
            unavailable_reason=unavailable[lacking[0]],
        )
        if lacking and unavailable
        else None
    )
    try:
        if rule.when is not None and not rule.when.evaluate_bool(context):
            return RuleOutcome("not_applicable")
    except MissingField as exc:
        # A condition that cannot be decided for want of evidence fails closed; one that reads
        # an absent field of the repository's own files simply does not apply.
        if lacking_outcome is not None and exc.path.startswith("evidence"):
            return lacking_outcome
        return RuleOutcome("not_applicable")
    except ExpressionError as exc:
        return RuleOutcome("policy_error", error=f"'when' failed: {exc}")
    if lacking_outcome is not None:
        return lacking_outcome
    missing: str | None = None
    try:
        if rule.assertion.evaluate_bool(context):
            return RuleOutcome("passed")
    except MissingField as exc:
        missing = exc.path
    except ExpressionError as exc:
        return RuleOutcome("policy_error", error=f"'assert' failed: {exc}")
    if effective_from is not None and today < effective_from:
        return RuleOutcome("not_yet_effective", missing=missing)
    return RuleOutcome("failed", missing=missing)


def sources(evidence: Evidence | Mapping[str, Any]) -> set[str]:
    """The evidence sources collected (available or not)."""
    return set(evidence.collected() if isinstance(evidence, Evidence) else evidence)


def unavailable_evidence(evidence: Evidence | Mapping[str, Any]) -> dict[str, str]:
    """Evidence sources collected as unavailable (``{"unavailable": "reason"}`` in plain data,
    as a policy fixture gives it), with their reasons.

    Collectors that fail (a shallow clone, an unreachable MLflow server) record why instead of
    raising, so the run goes on and the rules needing them say why.
    """
    if isinstance(evidence, Evidence):
        return evidence.unavailable()
    return {
        source: str(value[UNAVAILABLE_KEY])
        for source, value in evidence.items()
        if isinstance(value, Mapping) and UNAVAILABLE_KEY in value
    }


def unavailable_fixes(evidence: Evidence | Mapping[str, Any]) -> dict[str, str]:
    """How to make each unavailable source available: the fix of the findings it fails, in place
    of the rule's remediation (which assumes the evidence is there)."""
    if isinstance(evidence, Evidence):
        return evidence.unavailable_fixes()
    return {source: SOURCE_FIXES.get(source, "") for source in unavailable_evidence(evidence)}


def evaluate(
    repository: Repository,
    policy_set: PolicySet,
    evidence: Evidence | Mapping[str, Any],
    today: dt.date,
    *,
    change: ChangeContext | Mapping[str, Any] | None = None,
    stages: Sequence[str] | None = None,
    pending_waivers: frozenset[int] = frozenset(),
    waiver_starts: Mapping[int, dt.date] | None = None,
) -> Result:
    """Evaluate every rule of ``policy_set`` against ``repository``.

    ``stages`` are the stages whose rules apply (default: the manifest's stage; see
    :func:`aigov.gate.gate_stages` for transitions and deployments). ``pending_waivers`` and
    ``waiver_starts`` come from :mod:`aigov.attestation` (see :func:`check_waivers`). Raises
    ``ValueError`` only when the repository has no valid manifest; each rule problem is a finding.
    """
    manifest = repository.manifest
    if manifest is None:
        raise ValueError("the repository has no valid aigov.yaml: run `aigov validate` first")
    org = policy_set.org
    context = build_context(repository, org, evidence=evidence, change=change, today=today)
    prepared = prepare_context(context)
    active = tuple(stages) if stages else (manifest.stage,)
    waivers, findings = _checked_waivers(
        repository, policy_set, context, today, pending_waivers, waiver_starts
    )
    passed = 0
    not_applicable: list[str] = []
    unavailable, fixes = unavailable_evidence(evidence), unavailable_fixes(evidence)
    for rule in policy_set.rules:
        effective_from = policy_set.effective_dates.get(rule.id)
        params = bind_params(prepared, rule)
        outcome = evaluate_rule(
            rule, prepared, active, today, effective_from, unavailable=unavailable
        )
        if outcome.status == "passed":
            passed += 1
            continue
        if outcome.status == "not_applicable":
            not_applicable.append(rule.id)
            continue
        rule_context = {**context, "params": params} if params is not None else context
        waiver = waivers.get(rule.id)
        if outcome.status == "policy_error":
            findings.append(_policy_error(rule, outcome, policy_set, waiver))
            continue
        findings.append(
            _finding(rule, outcome, rule_context, repository, effective_from, waiver, fixes)
        )
    return Result(
        project=manifest.metadata.id,
        stage=manifest.stage,
        stages=active,
        today=today,
        block_on=org.block_on,
        on_policy_error=org.on_policy_error,
        packs=tuple(
            PackInfo(name=pack.name, version=pack.version, digest=pack.digest, origin=pack.origin)
            for pack in policy_set.packs
        ),
        findings=tuple(findings),
        rules_evaluated=len(policy_set.rules),
        rules_passed=passed,
        rules_not_applicable=len(not_applicable),
        not_applicable=tuple(not_applicable),
        evidence_used=tuple(sorted(policy_set.evidence_needed(active) & sources(evidence))),
        tuning=policy_set.tuning,
    )


def _checked_waivers(
    repository: Repository,
    policy_set: PolicySet,
    context: Mapping[str, Any],
    today: dt.date,
    pending: frozenset[int],
    starts: Mapping[int, dt.date] | None,
) -> tuple[dict[str, AppliedWaiver], list[Finding]]:
    """The manifest's valid waivers by rule id, and a finding for each invalid one."""
    manifest = repository.manifest
    assert manifest is not None  # evaluate() refused a repository without one
    return check_waivers(
        manifest.waivers,
        stage=manifest.stage,
        org=policy_set.org,
        known_rules=lambda rule_id: (
            policy_set.rule(rule_id) is not None or policy_set.turned_off(rule_id)
        ),
        today=today,
        locate=lambda path: locate(repository, "manifest" + _path_suffix(path)),
        severity_of=lambda rule_id: _severity(policy_set, rule_id),
        pending=pending,
        starts=starts,
        members=project_members(context["manifest"].get("metadata")),
    )


def bind_params(prepared: PreparedContext, rule: PolicyRule) -> dict[str, Any] | None:
    """Give ``params`` the rule's parameter values in ``prepared`` (rules are evaluated one at
    a time, each with its own); None for a rule without parameters (``params`` then holds the
    previous rule's values, which such a rule cannot read: the pack loader refuses a rule that
    reads an undeclared parameter)."""
    if not rule.rule.params:
        return None
    params = rule.params
    prepared.bind("params", params)
    return params


def _path_suffix(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _finding(
    rule: PolicyRule,
    outcome: RuleOutcome,
    context: Mapping[str, Any],
    repository: Repository,
    effective_from: dt.date | None,
    waiver: AppliedWaiver | None,
    fixes: Mapping[str, str],
) -> Finding:
    spec = rule.rule
    source = outcome.unavailable_source
    source_fix = fixes.get(source) if source is not None else None
    target, item = finding_target(rule, outcome, context)

    def text(lang: str, title: str, message: str, remediation: str) -> FindingText:
        tr = translator(lang)
        return FindingText(
            lang=lang,
            title=title,
            message=_message(rule.id, message, context, outcome, effective_from, tr, item, lang),
            remediation=tr(source_fix) if source_fix else remediation,
        )

    english = text("en", spec.title, spec.message, spec.remediation)
    translations = tuple(
        text(lang, t.title, t.message, t.remediation)
        for lang, t in sorted(rule.translations.items())
    )
    status: Literal["failed", "error", "not_yet_effective"] = (
        "error"
        if outcome.status == "error"
        else "not_yet_effective"
        if outcome.status == "not_yet_effective"
        else "failed"
    )
    where = locate(repository, target)
    return Finding(
        rule_id=rule.id,
        pack=rule.pack,
        title=spec.title,
        severity=rule.severity,
        message=english.message,
        remediation=english.remediation,
        references=tuple(spec.references),
        file=where.file,
        line=where.line,
        column=where.column,
        status=status,
        field=target or "",
        effective_from=effective_from,
        waived=waiver is not None,
        waiver=waiver,
        translations=translations,
    )


def rule_finding(
    rule: PolicyRule,
    outcome: RuleOutcome,
    context: Mapping[str, Any],
    repository: Repository,
    effective_from: dt.date | None = None,
) -> Finding:
    """The finding :func:`evaluate` makes of a rule that failed against ``context`` (with its
    ``params``), unwaived: what ``aigov policy test`` checks a fail fixture's finding with."""
    return _finding(rule, outcome, context, repository, effective_from, None, {})


def _message(
    rule_id: str,
    template: str,
    context: Mapping[str, Any],
    outcome: RuleOutcome,
    effective_from: dt.date | None,
    tr: Translator,
    item: int | None = None,
    lang: str = "en",
) -> str:
    """A failed rule's message in ``lang`` (``tr``'s): the rule's (translated) ``template``
    rendered (``[*]`` standing for ``item``, see :func:`finding_target`), with why it failed
    when a field is missing and when it applies from."""
    if outcome.status == "error":
        if outcome.unavailable_source is not None and outcome.unavailable_reason is not None:
            # The collector's reason is translated when it is one of aigov's fixed sentences.
            return f"{rule_id}: " + tr(
                "evidence unavailable: {source}: {reason}",
                source=outcome.unavailable_source,
                reason=tr(outcome.unavailable_reason),
            )
        return f"{rule_id}: {outcome.error}"
    message = render_message(template, context, item=item, absent=tr(ABSENT_TEXT), lang=lang)
    if outcome.missing is not None:
        message = tr("{message} ({field} is missing)", message=message, field=outcome.missing)
    if outcome.status == "not_yet_effective" and effective_from is not None:
        message = tr(
            "{message} [applies from {date}]", message=message, date=effective_from.isoformat()
        )
    return message


def _policy_error(
    rule: PolicyRule, outcome: RuleOutcome, policy_set: PolicySet, waiver: AppliedWaiver | None
) -> Finding:
    """A rule whose own expression failed: the policy's bug, reported against the rule where it
    is written (not the project's files) and sent to the pack's owner, never with the rule's
    remediation, which would ask the project team to fix what is not theirs."""
    pack = policy_set.pack(rule.pack)
    owner = pack.pack.owner if pack is not None else None
    contact = (
        say("the policy owner ({owner})", owner=owner)
        if owner
        else say("the maintainers of pack '{pack}'", pack=rule.pack)
    )
    title = Explanation(
        {"en": rule.rule.title} | {lang: t.title for lang, t in rule.translations.items()}
    )
    # The expression's error is the expression library's, quoted as it says it.
    message = say("rule {rule} could not be evaluated: {error}", rule=rule.id, error=outcome.error)
    remediation = say(
        "Nothing to change in this project: this is an error in the policy. Tell {contact}, "
        "quoting the rule and the message.",
        contact=contact,
    )
    return Finding(
        rule_id=rule.id,
        pack=rule.pack,
        title=str(title),
        severity=rule.severity,
        message=str(message),
        remediation=str(remediation),
        references=tuple(rule.rule.references),
        file="",
        status="policy_error",
        policy_location=str(rule.location),
        waived=waiver is not None,
        waiver=waiver,
        translations=finding_translations(title, message, remediation),
    )


def _severity(policy_set: PolicySet, rule_id: str) -> str | None:
    rule = policy_set.rule(rule_id)
    return rule.severity if rule is not None else None


DOCUMENT_ROOTS: Final = ("manifest", "model_card", "contracts")
"""The context roots read from the repository's files, where a finding can point."""
MAX_ITEMS_TRIED: Final = 100
"""The items of a list :func:`offending_item` tries one by one (a finding about a later one
points at the list): each try converts the list's root again."""
_SELECTOR = re.compile(r"\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^\]]*?)\s*\]")


def finding_target(
    rule: PolicyRule, outcome: RuleOutcome, context: Mapping[str, Any]
) -> tuple[str | None, int | None]:
    """The context path a failed rule's finding points at, and the index of the item of a list
    it is about (what ``[*]`` stands for in its message), if any.

    A rule's ``locate`` is a path, in which ``[*]`` stands for the item of a list that fails the
    rule (:func:`offending_item`), directly (``manifest.success_criteria[*]``) or through a
    placeholder that picks an item of another list by one of its fields:
    ``manifest.success_criteria[metric={{ evidence.git.criteria[*].metric }}].threshold`` is the
    threshold of the criterion whose change in the history fails the rule. Without such an item
    the path stops at the list; a field the assert found missing points where it is missing.
    Without ``[*]`` in the locate, the first list the message follows by ``[*]`` is the one.
    """
    template = rule.locate
    item: int | None = None
    # The list is the locate's; a message may name one when the locate cannot point at its
    # items (evidence that is written nowhere in the repository).
    named = next((t for t in (template, rule.rule.message) if t and ITEM_STEP in t), None)
    if named is not None:
        list_path = parse_path(_list_text(named))
        if list_path is not None:
            item = offending_item(rule, context, list_path)
    target = _resolved(template, context, item) if template is not None else None
    missing = outcome.missing
    if missing is not None and missing.startswith(DOCUMENT_ROOTS) and item is None:
        target = missing
    return target, item


def offending_item(rule: PolicyRule, context: Mapping[str, Any], path: ContextPath) -> int | None:
    """The index of the first item of the list at ``path`` that alone fails the rule's assert,
    when the failure is the item's: the assert holds for the empty list (an ``all`` over it),
    or for another item alone, or the list holds that one item (a rule that names ``[*]`` is
    about its items); None when every item fails alike (an ``exists``, a ``size``, another
    clause). Tries the first :data:`MAX_ITEMS_TRIED` items."""
    items = lookup(context, path)
    root = str(path[0])
    if not isinstance(items, list) or not items or root not in context:
        return None
    # A context of its own, holding only what the assert reads (the list cut to one item per
    # try), so that each try converts little and the run's context stays as it was.
    assertion = rule.assertion
    read = {
        name: _read_part(value, assertion.fields(name))
        for name, value in context.items()
        if name in assertion.roots or name == root
    }
    base = read[root]
    try:
        narrowed = prepare_context({**read, root: _replaced(base, path[1:], [])})
    except ExpressionError:
        return None

    def fails(replacement: list[Any]) -> bool | None:
        narrowed.bind(root, _replaced(base, path[1:], replacement))
        try:
            return not assertion.evaluate_bool(narrowed)
        except MissingField:
            return True
        except ExpressionError:
            return None

    failing = [fails([item]) for item in items[:MAX_ITEMS_TRIED]]
    if True not in failing:
        return None
    if len(items) == 1 or False in failing or fails([]) is False:
        return failing.index(True)
    return None


def _read_part(value: Any, fields: frozenset[str]) -> Any:
    """``value`` (a context root) with only the ``fields`` an expression reads; whole when it
    reads none by name (the root as a whole, a list)."""
    if isinstance(value, Mapping) and fields:
        return {key: item for key, item in value.items() if key in fields}
    return value


def _replaced(data: Any, path: ContextPath, value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``path`` (which exists), sharing the rest."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(data, Mapping):
        return {**data, step: _replaced(data[step], rest, value)}
    copy = list(data)
    copy[int(step)] = _replaced(copy[int(step)], rest, value)
    return copy


def _list_text(template: str) -> str:
    """The path of the list whose item ``[*]`` stands for in a ``locate``: before the first
    ``[*]``, inside the placeholder that holds it if any."""
    before = template[: template.index(ITEM_STEP)]
    opened = before.rfind("{{")
    return before[opened + 2 :] if opened > before.rfind("}}") else before


def _resolved(template: str, context: Mapping[str, Any], item: int | None) -> str:
    """``locate`` as a plain path: ``[*]`` replaced by ``item`` and each ``[field=value]`` by
    the index of the first item whose field has that value; cut before the first step that
    cannot be resolved (no item, no match), so the finding points at the list."""
    text = render_message(template, context, item=item, absent="") if "{{" in template else template
    cut = text.find(ITEM_STEP)
    if item is not None:
        text, cut = text.replace(ITEM_STEP, f"[{item}]"), -1
    if cut >= 0:
        text = text[:cut]
    while (found := _SELECTOR.search(text)) is not None:
        head = parse_path(text[: found.start()])
        items = lookup(context, head) if head is not None else MISSING
        index = (
            next(
                (
                    i
                    for i, entry in enumerate(items)
                    if isinstance(entry, Mapping)
                    and found[2]
                    and format_value(entry.get(found[1]), absent="") == found[2]
                ),
                None,
            )
            if isinstance(items, list)
            else None
        )
        if index is None:
            return text[: found.start()]
        text = f"{text[: found.start()]}[{index}]{text[found.end() :]}"
    return text
