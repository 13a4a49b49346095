"""The gate: which stages' rules apply to a run, and whether its findings block.

``aigov check`` (a pull request) and ``aigov gate --to ENV`` (a deployment) are built on this.
A finding blocks when it is effective, not waived, and at or above the org's ``block_on``
severity; a finding the engine could not evaluate (status ``error``) blocks like a failure, so
that a broken rule fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from aigov.errors import EXIT_BLOCKED, EXIT_PASS
from aigov.policy.findings import Finding, Result, finding_fingerprint, severity_rank

if TYPE_CHECKING:
    from aigov.evidence.change import ChangeContext

DEPLOYMENT_TARGET_STAGES: Final[dict[str, str]] = {
    "production": "production",
    "prod": "production",
    "staging": "industrialization",
    "preprod": "industrialization",
}
"""Deployment environments and the lifecycle stage whose rules guard them."""

Decision = Literal["pass", "block"]


def is_blocking(finding: Finding, block_on: str, on_policy_error: str = "block") -> bool:
    """Effective, not waived, and severity at or above ``block_on``; a policy error blocks
    whatever its severity when the organisation fails closed (``on_policy_error: block``)."""
    if finding.status == "policy_error":
        return not finding.waived and on_policy_error == "block"
    return (
        finding.status != "not_yet_effective"
        and not finding.waived
        and severity_rank(finding.severity) >= severity_rank(block_on)
    )


def gate_stages(
    manifest_stage: str,
    change: ChangeContext | None = None,
    target: str | None = None,
) -> tuple[str, ...]:
    """The stages whose rules a run evaluates.

    - a deployment to ``target``: that environment's stage (``production`` for production);
    - a pull request that moves the stage forward: the exit criteria of the old stage and the
      entry criteria of the new one (rules of both stages);
    - a pull request that moves it back, or retires the project (``change.direction`` is
      ``backward`` or ``retire``): the new stage's rules only; the old stage's exit criteria
      do not hold a project back from leaving it (the transition rules have their own
      requirements for such moves);
    - otherwise: the manifest's stage.
    """
    if target is not None:
        stage = DEPLOYMENT_TARGET_STAGES.get(target)
        if stage is None:
            known = ", ".join(sorted(DEPLOYMENT_TARGET_STAGES))
            raise ValueError(f"unknown deployment target '{target}' (known: {known})")
        return (stage,)
    if change is not None and change.stage_changed:
        base, head = change.base_stage, change.head_stage
        if change.direction in ("backward", "retire") and head:
            return (head,)
        stages = tuple(str(s) for s in (base, head) if s)
        return tuple(dict.fromkeys(stages)) or (manifest_stage,)
    return (manifest_stage,)


@dataclass(frozen=True)
class GateDecision:
    """Pass or block, and the findings behind the decision."""

    passed: bool
    block_on: str
    stages: tuple[str, ...]
    findings: tuple[Finding, ...]
    """Every finding, with ``blocking`` set by this decision."""
    blocking: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    not_yet_effective: tuple[Finding, ...]
    baseline_matched: tuple[str, ...] = ()
    """Fingerprints of the findings the baseline excused (they stay listed, not blocking)."""
    target: str | None = None

    @property
    def decision(self) -> Decision:
        return "pass" if self.passed else "block"

    @property
    def exit_code(self) -> int:
        return EXIT_PASS if self.passed else EXIT_BLOCKED


def decide(
    result: Result, baseline: frozenset[str] = frozenset(), *, target: str | None = None
) -> GateDecision:
    """The verdict on an evaluated ``result``: the only place aigov decides pass or block.

    A finding blocks when it is effective, not waived and at or above ``result.block_on``
    (:func:`is_blocking`), or when its maker made it blocking (aigov's findings about the gate's
    own integrity: a waiver that cannot count, a record nobody attested); and in either case
    only when ``baseline`` (fingerprints of a saved result, :mod:`aigov.baseline`) does not hold
    it.
    """
    findings: list[Finding] = []
    matched: list[str] = []
    for finding in result.findings:
        blocking = finding.blocking or is_blocking(finding, result.block_on, result.on_policy_error)
        if baseline:
            fingerprint = finding_fingerprint(finding)
            if fingerprint in baseline:
                matched.append(fingerprint)
                blocking = False
        if blocking != finding.blocking:
            finding = finding.model_copy(update={"blocking": blocking})
        findings.append(finding)
    blocking_findings = tuple(f for f in findings if f.blocking)
    return GateDecision(
        passed=not blocking_findings,
        block_on=result.block_on,
        stages=result.stages,
        findings=tuple(findings),
        blocking=blocking_findings,
        waived=tuple(f for f in findings if f.waived),
        not_yet_effective=tuple(f for f in findings if f.status == "not_yet_effective"),
        baseline_matched=tuple(matched),
        target=target,
    )
