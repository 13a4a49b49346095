"""Waivers declared in ``aigov.yaml``: which are valid, and findings for those that are not.

A waiver is valid when its rule exists, an org approver granted it, it has not expired (it
covers its ``expires`` day), it lasts no longer than the org's ``waivers.max_days`` from
``granted_on`` (or from today when not given), and it was granted for the current stage (a
stage change voids it). An invalid waiver is itself a blocking finding, ``AIGOV-WAIVER``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Final

from aigov.documents.manifest import Waiver
from aigov.documents.problems import Location
from aigov.policy.findings import AppliedWaiver, Finding
from aigov.policy.org import OrgConfig

WAIVER_RULE_ID: Final = "AIGOV-WAIVER"
WAIVER_PACK: Final = "aigov"
_TITLE = "Waivers are approved, current and time-boxed"
_REFERENCES = ("aigov-org.yaml waivers (organisation waiver policy)",)


def check_waivers(
    waivers: Sequence[Waiver],
    *,
    stage: str,
    org: OrgConfig,
    known_rules: Callable[[str], bool],
    today: dt.date,
    locate: Callable[[tuple[str | int, ...]], Location],
) -> tuple[dict[str, AppliedWaiver], list[Finding]]:
    """(rule id -> its first valid waiver, one finding per invalid waiver)."""
    valid: dict[str, AppliedWaiver] = {}
    findings: list[Finding] = []
    for index, waiver in enumerate(waivers):
        problem = _problem(waiver, stage=stage, org=org, known_rules=known_rules, today=today)
        if problem is None:
            valid.setdefault(
                waiver.rule,
                AppliedWaiver(
                    waiver.rule,
                    waiver.reason,
                    waiver.approved_by,
                    waiver.ticket,
                    waiver.expires,
                    waiver.stage,
                ),
            )
            continue
        key, message, remediation = problem
        findings.append(
            Finding(
                rule_id=WAIVER_RULE_ID,
                pack=WAIVER_PACK,
                title=_TITLE,
                severity="critical",
                message=f"waiver of {waiver.rule} ({waiver.ticket}): {message}",
                remediation=remediation,
                references=_REFERENCES,
                location=locate(("waivers", index, key)),
                field=f"manifest.waivers[{index}].{key}",
                blocking=True,
            )
        )
    return valid, findings


def _problem(
    waiver: Waiver,
    *,
    stage: str,
    org: OrgConfig,
    known_rules: Callable[[str], bool],
    today: dt.date,
) -> tuple[str, str, str] | None:
    """(field at fault, message, remediation) or None when the waiver is valid."""
    if not known_rules(waiver.rule):
        return (
            "rule",
            f"no rule '{waiver.rule}' in the packs evaluated",
            "Fix the rule id (see `aigov explain`) or remove the waiver.",
        )
    if waiver.approved_by not in org.waivers.approvers:
        who = ", ".join(org.waivers.approvers) or "nobody (no approvers configured)"
        return (
            "approved_by",
            f"'{waiver.approved_by}' is not a waiver approver of the organisation",
            f"Have one of the approvers listed in aigov-org.yaml grant it: {who}.",
        )
    if waiver.expires < today:
        return (
            "expires",
            f"expired on {waiver.expires.isoformat()}",
            "Fix the finding, or have the waiver renewed with a new expiry date.",
        )
    start = waiver.granted_on or today
    if (waiver.expires - start).days > org.waivers.max_days:
        return (
            "expires",
            f"runs {(waiver.expires - start).days} days from {start.isoformat()}; the "
            f"organisation allows at most {org.waivers.max_days} days",
            f"Set expires no later than {start + dt.timedelta(org.waivers.max_days)}.",
        )
    if waiver.stage != stage:
        return (
            "stage",
            f"was granted for stage {waiver.stage}; the project is now at {stage}",
            "A stage change voids waivers: fix the finding or have the waiver granted again.",
        )
    return None
