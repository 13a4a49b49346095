"""Which of ``aigov init``'s project questions the organisation's packs make required.

A question is required when leaving it unanswered would make the first ``aigov check`` block:
the files ``init`` would write are evaluated by the real engine against the organisation's packs
twice, with the answer and without it, at the project's stage and date; a rule at the blocking
severity that fails only without it, and that reads the part of the manifest the answer is
written to (:func:`aigov.policy.pack.fields_read`), requires it. So a DPO is required when
personal data are processed (GDPR-37-DPO-STAKEHOLDER's ``when``), a business owner from ideation
on (LC-OWNER-BUSINESS), and an organisation that lowers a rule's severity below ``block_on`` or
turns it off makes the question optional again: nothing is hard-coded here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from aigov.documents.repository import load_repository
from aigov.init.scaffold import ProjectAnswers, scaffold
from aigov.init.screening import Screening
from aigov.policy.engine import evaluate
from aigov.policy.findings import severity_rank
from aigov.policy.pack import fields_read
from aigov.policy.sources import PolicySet

OPTIONAL_FIELDS: Final[dict[str, str]] = {
    "problem": "framing",
    "business_owner": "metadata",
    "data_protection_officer": "metadata",
    "screened_by": "risk",
}
"""The project questions ``init`` does not need to write valid files, and the part of the
manifest (``manifest.<root>``) each answer is written to."""

_STAND_IN: Final = "To be named"


@dataclass(frozen=True)
class RequiringRule:
    """A rule of the organisation's packs that blocks without an answer."""

    id: str
    severity: str
    references: tuple[str, ...]

    def cited(self) -> str:
        """``LC-OWNER-BUSINESS, high: EU AI Act Art. 17(1)(m)``."""
        articles = "; ".join(self.references)
        return f"{self.id}, {self.severity}" + (f": {articles}" if articles else "")


def required_fields(
    policy_set: PolicySet, project: ProjectAnswers, screening: Screening, today: dt.date
) -> dict[str, tuple[RequiringRule, ...]]:
    """Each of :data:`OPTIONAL_FIELDS` that a blocking rule needs, with the rules needing it."""
    answered = dataclasses.replace(
        project, **{name: getattr(project, name) or _STAND_IN for name in OPTIONAL_FIELDS}
    )
    blocking = _blocking_rules(policy_set, answered, screening, today)
    required: dict[str, tuple[RequiringRule, ...]] = {}
    for name, root in OPTIONAL_FIELDS.items():
        unanswered: dict[str, Any] = {name: None}
        without = dataclasses.replace(answered, **unanswered)
        rules = tuple(
            rule
            for rule in _blocking_rules(policy_set, without, screening, today).values()
            if rule.id not in blocking and _reads(policy_set, rule.id, root)
        )
        if rules:
            required[name] = rules
    return required


def _reads(policy_set: PolicySet, rule_id: str, root: str) -> bool:
    """Whether the rule reads ``manifest.<root>`` (its failure is about that answer)."""
    rule = policy_set.rule(rule_id)
    return rule is not None and root in fields_read(rule.rule, "manifest")


def _blocking_rules(
    policy_set: PolicySet, project: ProjectAnswers, screening: Screening, today: dt.date
) -> dict[str, RequiringRule]:
    """The rules that would block the files ``init`` writes for ``project`` (no evidence yet:
    a rule reading evidence fails with and without the answer, and so requires nothing)."""
    with tempfile.TemporaryDirectory(prefix="aigov-init-") as folder:
        root = Path(folder)
        for relative, text in scaffold(project, screening, today=today).items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(text, encoding="utf-8")
        repository = load_repository(root)
        if repository.manifest is None:
            return {}
        result = evaluate(repository, policy_set, {}, today)
    threshold = severity_rank(policy_set.org.block_on)
    return {
        finding.rule_id: RequiringRule(finding.rule_id, finding.severity, finding.references)
        for finding in result.findings
        if finding.status == "failed" and severity_rank(finding.severity) >= threshold
    }
