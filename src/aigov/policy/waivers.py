"""Waivers declared in ``aigov.yaml``: which are valid, and findings for those that are not.

A waiver is valid when its rule exists, an org approver granted it, it has not expired (it
covers its ``expires`` day), its ``granted_on`` is not in the future, it lasts no longer than the
org's ``waivers.max_days`` from the day of the commit that introduced it (else from
``granted_on``, else today), it was granted for the current stage (a stage change voids it), and
its rule is not critical unless the org lists the rule in ``waivers.waivable_critical``, and
its approver is not a member of the project (its owner, business owner or a data scientist,
:mod:`aigov.policy.independence`) unless the org lists the rule in
``waivers.project_members_may_approve``. An
invalid waiver is itself a blocking finding, ``AIGOV-WAIVER``. A waiver whose attestation is
pending (:mod:`aigov.attestation`) excuses nothing; its own finding says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from aigov.documents.manifest import Waiver
from aigov.documents.problems import Location
from aigov.policy.explanation import Explanation, finding_translations, say, verbatim
from aigov.policy.findings import AppliedWaiver, Finding
from aigov.policy.independence import member_role
from aigov.policy.org import OrgConfig

WAIVER_RULE_ID: Final = "AIGOV-WAIVER"
WAIVER_PACK: Final = "aigov"
_TITLE = "Waivers are approved, current and time-boxed"
WAIVER_EXPLANATION: Final = (
    f"# {WAIVER_RULE_ID} — {_TITLE}\n\n"
    "A waiver in aigov.yaml names an unknown rule, was approved by someone who is not an org "
    "approver or who is the project's own owner, business owner or data scientist, has "
    "expired, was granted on a future day, runs longer than the org allows (from "
    "the day it was granted or committed, whichever is earlier), was granted for another stage, "
    "or covers a critical rule the org does not list under waivers.waivable_critical. Fix or "
    "remove the waiver.\n"
)
_REFERENCES = ("aigov-org.yaml waivers (organisation waiver policy)",)


def check_waivers(
    waivers: Sequence[Waiver],
    *,
    stage: str,
    org: OrgConfig,
    known_rules: Callable[[str], bool],
    today: dt.date,
    locate: Callable[[tuple[str | int, ...]], Location],
    severity_of: Callable[[str], str | None] = lambda _: None,
    pending: frozenset[int] = frozenset(),
    starts: Mapping[int, dt.date] | None = None,
    members: Mapping[str, str] | None = None,
) -> tuple[dict[str, AppliedWaiver], list[Finding]]:
    """(rule id -> its first valid waiver, one finding per invalid waiver).

    ``pending``: indices of waivers not attested (they excuse nothing); ``starts``: index -> the
    day its duration runs from (the commit that introduced it); ``members``: the project's
    members (:func:`aigov.policy.independence.project_members`), who may not grant its waivers.
    """
    valid: dict[str, AppliedWaiver] = {}
    findings: list[Finding] = []
    for index, waiver in enumerate(waivers):
        if index in pending:
            continue
        problem = _problem(
            waiver,
            stage=stage,
            org=org,
            known_rules=known_rules,
            today=today,
            severity=severity_of(waiver.rule),
            start=(starts or {}).get(index),
            members=members or {},
        )
        if problem is None:
            valid.setdefault(
                waiver.rule,
                AppliedWaiver(
                    rule=waiver.rule,
                    reason=waiver.reason,
                    approved_by=waiver.approved_by,
                    ticket=waiver.ticket,
                    expires=waiver.expires,
                    stage=waiver.stage,
                ),
            )
            continue
        key, problem_text, remediation = problem
        where = locate(("waivers", index, key))
        title = say(_TITLE)
        message = say(
            "waiver of {rule} ({ticket}): {problem}",
            rule=waiver.rule,
            ticket=waiver.ticket,
            problem=problem_text,
        )
        findings.append(
            Finding(
                rule_id=WAIVER_RULE_ID,
                pack=WAIVER_PACK,
                title=str(title),
                severity="critical",
                message=str(message),
                remediation=str(remediation),
                references=_REFERENCES,
                file=where.file,
                line=where.line,
                column=where.column,
                field=f"manifest.waivers[{index}].{key}",
                blocking=True,
                translations=finding_translations(title, message, remediation),
            )
        )
    return valid, findings


WaiverProblem = tuple[str, Explanation, Explanation]
"""(field at fault, message, remediation) of an invalid waiver."""


def _problem(
    waiver: Waiver,
    *,
    stage: str,
    org: OrgConfig,
    known_rules: Callable[[str], bool],
    today: dt.date,
    severity: str | None,
    start: dt.date | None,
    members: Mapping[str, str],
) -> WaiverProblem | None:
    """(field at fault, message, remediation) or None when the waiver is valid."""
    if not known_rules(waiver.rule):
        return (
            "rule",
            say("no rule '{rule}' in the packs evaluated", rule=waiver.rule),
            say("Fix the rule id (see `aigov explain`) or remove the waiver."),
        )
    return _grant_problem(waiver, org, severity, members) or _period_problem(
        waiver, stage, org, today, start
    )


def _grant_problem(
    waiver: Waiver, org: OrgConfig, severity: str | None, members: Mapping[str, str]
) -> WaiverProblem | None:
    """Whether the waiver's grant is valid: an org approver, independent of the project, for a
    rule the organisation lets be waived."""
    if waiver.approved_by not in org.waivers.approvers:
        who = (
            verbatim(", ".join(org.waivers.approvers))
            if org.waivers.approvers
            else say("nobody (no approvers configured)")
        )
        return (
            "approved_by",
            say(
                "'{person}' is not a waiver approver of the organisation",
                person=waiver.approved_by,
            ),
            say("Have one of the approvers listed in aigov-org.yaml grant it: {who}.", who=who),
        )
    role = member_role(waiver.approved_by, members)
    if role is not None and waiver.rule not in org.waivers.project_members_may_approve:
        return (
            "approved_by",
            say(
                "'{person}' is {role}: nobody approves a waiver of their own project",
                person=waiver.approved_by,
                role=say(role),  # a fixed phrase of MEMBER_ROLES: a catalog message
            ),
            say(
                "Have an org approver independent of the project grant it (not its owner, "
                "business owner or data scientist); aigov-org.yaml may allow it for this rule "
                "under waivers.project_members_may_approve."
            ),
        )
    if severity == "critical" and waiver.rule not in org.waivers.waivable_critical:
        return (
            "rule",
            say(
                "{rule} is critical, and the organisation does not allow waiving it",
                rule=waiver.rule,
            ),
            say(
                "Fix the finding; a critical rule can be waived only where aigov-org.yaml "
                "lists it under waivers.waivable_critical."
            ),
        )
    return None


def _period_problem(
    waiver: Waiver, stage: str, org: OrgConfig, today: dt.date, start: dt.date | None
) -> WaiverProblem | None:
    """Whether the waiver is in force: granted in the past, not expired, within the longest
    waiver the organisation allows, for the project's current stage."""
    if waiver.granted_on is not None and waiver.granted_on > today:
        return (
            "granted_on",
            say("granted_on {date} is in the future", date=waiver.granted_on.isoformat()),
            say("Set granted_on to the day the waiver was granted."),
        )
    if waiver.expires < today:
        return (
            "expires",
            say("expired on {date}", date=waiver.expires.isoformat()),
            say("Fix the finding, or have the waiver renewed with a new expiry date."),
        )
    start = min((d for d in (start, waiver.granted_on) if d is not None), default=today)
    if (waiver.expires - start).days > org.waivers.max_days:
        return (
            "expires",
            say(
                "runs {days} days from {start}; the organisation allows at most {max_days} days",
                days=(waiver.expires - start).days,
                start=start.isoformat(),
                max_days=org.waivers.max_days,
            ),
            say(
                "Set expires no later than {date}.",
                date=(start + dt.timedelta(org.waivers.max_days)).isoformat(),
            ),
        )
    if waiver.stage != stage:
        return (
            "stage",
            say(
                "was granted for stage {granted}; the project is now at {stage}",
                granted=waiver.stage,
                stage=stage,
            ),
            say("A stage change voids waivers: fix the finding or have the waiver granted again."),
        )
    return None
