"""The outcome of one ``aigov check``/``aigov gate`` run, as every output format reads it.

A :class:`CheckReport` is what the JSON output holds: its fields are the result's keys, and the
schema ``schemas/aigov-result.schema.json`` (versioned by ``schema_version``) is generated from it
(:func:`result_schema`). It round-trips: ``CheckReport.model_validate(r.model_dump(mode="json"))
== r``; that is how a later job (the PR comment bot) renders the Markdown of a run it did not make.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

from pydantic import Field

from aigov import __version__
from aigov.documents.problems import Location
from aigov.gate import Decision, GateDecision
from aigov.i18n import language_of
from aigov.policy.findings import (
    SEVERITIES,
    Finding,
    PackInfo,
    Result,
    ResultValue,
    RuleTuningApplied,
    Severity,
)
from aigov.policy.links import released_reference

RESULT_SCHEMA_VERSION: Final = "1.0"


POLICY_REFERENCE_URL: Final = released_reference()
"""The policy reference as released with this aigov (tag ``v<version>``): built-in rules link
to their section of it (:mod:`aigov.policy.links`)."""


def severity_index(severity: str) -> int:
    """0 for critical … 4 for info; unknown severities sort last."""
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        return len(SEVERITIES)


def finding_order(finding: Finding) -> tuple[int, str, int, int, str, str]:
    """The order every output lists findings in: severity, then place, then rule and field."""
    where = finding.location
    return (
        severity_index(finding.severity),
        where.file,
        where.line,
        where.column,
        finding.rule_id,
        finding.field,
    )


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """``findings`` sorted by :func:`finding_order` (deterministic outputs)."""
    return sorted(findings, key=finding_order)


MANIFEST_FILE: Final = "aigov.yaml"


def finding_path(report: CheckReport, finding: Finding) -> str:
    """The finding's file relative to the repository root (what CI annotations, SARIF and Code
    Quality want, and what a reader finds in the repository whatever folder the check ran in).

    Findings hold paths relative to the checked project; ``report.folder`` is that project's
    folder under the repository root (the git work tree). A result written without it (by an
    older aigov) falls back to the repository as given when it is a relative path inside the
    working directory (``aigov check examples/credit-scoring``). A finding without a file points
    at ``aigov.yaml``.
    """
    file = finding.location.file.replace("\\", "/") or MANIFEST_FILE
    prefix = report.folder if report.folder is not None else _given_folder(report.repository)
    if prefix in ("", "."):
        return file
    return posixpath.normpath(posixpath.join(prefix, file))


def finding_place(report: CheckReport, finding: Finding) -> str:
    """``path:line:column`` of the finding (the line and column when known), the path from the
    repository root (:func:`finding_path`)."""
    where = finding.location
    return str(Location(finding_path(report, finding), where.line, where.column))


def _given_folder(repository: str) -> str:
    root = repository.replace("\\", "/")
    if not root or posixpath.isabs(root) or re.match(r"^[A-Za-z]:/", root):
        return ""
    prefix = posixpath.normpath(root)
    if prefix == ".." or prefix.startswith("../"):
        return ""
    return prefix


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space: for formats whose
    field holds one line (SARIF's short descriptions, JUnit's messages)."""
    return " ".join(text.split())


def rule_help_uri(rule: RuleInfo) -> str:
    """Where the rule is documented (``help_uri``); empty when it has no documentation: a rule
    whose pack declares none has no link rather than a dead one."""
    return rule.help_uri


RuleOutcomeName = Literal[
    "passed", "not_applicable", "failed", "error", "policy_error", "not_yet_effective"
]


class RuleInfo(ResultValue):
    """A rule as reports describe it (SARIF reportingDescriptors, the comment's links)."""

    id: str = Field(min_length=1, description="Rule id, e.g. `GDPR-35-DPIA`.")
    pack: str
    title: str
    severity: Severity
    references: tuple[str, ...] = Field(description="The articles the rule enforces.")
    description: str = ""
    remediation: str = Field(default="", description="How to fix a finding of this rule.")
    help_uri: str = Field(
        default="",
        description="Where the rule is documented: a built-in rule's section of the policy "
        "reference of the aigov release (tag v<version>), another pack's `documentation` URL; "
        "empty when the rule's pack declares none (no link).",
    )
    outcome: RuleOutcomeName | None = Field(
        default=None,
        # Written only when known: results written before it existed stay valid.
        exclude_if=lambda value: value is None,
        description="How the rule came out, when the producer knows it (optional).",
    )


class ToolInfo(ResultValue):
    """Name and version of the producing program."""

    name: Literal["aigov"] = "aigov"
    # A factory, not a default: the published schema must not change with each release.
    version: str = Field(
        default_factory=lambda: __version__, min_length=1, description="aigov's version (PEP 440)."
    )


class Summary(ResultValue):
    """Counts (derived from ``findings``, repeated for dashboards)."""

    rules_evaluated: int = Field(ge=0, description="Rules of the packs evaluated.")
    rules_passed: int = Field(ge=0, description="Rules whose assertion holds.")
    rules_not_applicable: int = Field(
        ge=0, description="Rules outside the evaluated stages or whose `when` is false."
    )
    findings: int = Field(ge=0, description="Length of `findings`.")
    blocking: int = Field(ge=0, description="Findings with `blocking: true`.")
    waived: int = Field(ge=0, description="Findings with `waived: true`.")

    @classmethod
    def of(
        cls,
        findings: Sequence[Finding],
        *,
        rules_evaluated: int = 0,
        rules_passed: int = 0,
        rules_not_applicable: int = 0,
    ) -> Summary:
        """The counts of ``findings`` beside the rule counts the engine gives."""
        return cls(
            rules_evaluated=rules_evaluated,
            rules_passed=rules_passed,
            rules_not_applicable=rules_not_applicable,
            findings=len(findings),
            blocking=sum(1 for f in findings if f.blocking),
            waived=sum(1 for f in findings if f.waived),
        )


class CheckReport(ResultValue):
    """Everything a renderer may show about one run; its JSON form is the result file."""

    schema_version: Literal["1.0"] = Field(
        default=RESULT_SCHEMA_VERSION,
        description="Version of this result format: MAJOR.MINOR. A consumer checks the major "
        "version.",
    )
    tool: ToolInfo = Field(
        default_factory=ToolInfo, description="The program that produced the result."
    )
    repository: str = Field(
        description="The checked repository as given on the command line; every finding's "
        "`file` is relative to it."
    )
    folder: str | None = Field(
        default=None,
        # Written by every run since; a result of an older aigov lacks it and stays valid.
        exclude_if=lambda value: value is None,
        description="The project's folder relative to the repository root (the git work tree; "
        "without git, the working directory), `/`-separated, `.` at the root: a finding's "
        "`file` under it is its path from the repository root, as annotations show it.",
    )
    project: str = Field(description="`metadata.id` of the project's aigov.yaml.")
    stage: str = Field(description="The lifecycle stage the manifest declares.")
    stages: tuple[str, ...] = Field(
        description="The stages whose rules were evaluated: the manifest's stage, a transition's "
        "old and new stages, or a deployment target's stage."
    )
    target: str | None = Field(
        default=None,
        description="`aigov gate --to TARGET`: the deployment environment; null for `aigov check`.",
    )
    today: dt.date = Field(
        description="The date the rules were evaluated at (effective dates, waiver expiry)."
    )
    decision: Decision = Field(
        description="`block` when at least one finding is blocking (exit code 1), else `pass` "
        "(exit code 0)."
    )
    block_on: Severity = Field(
        description="The organisation's threshold: effective, unwaived findings of this "
        "severity or above block."
    )
    on_policy_error: Literal["block", "warn"] = Field(
        default="block",
        description="The organisation's choice for a rule whose own expression fails "
        "(`policy_error` findings): `block` (fail closed) or `warn`.",
    )
    tuning: tuple[RuleTuningApplied, ...] = Field(
        default=(),
        description="What the organisation changed in the packs' rules (`aigov-org.yaml` "
        "`rules:`): severities, rules turned off, parameters, each with its reason.",
    )
    policy_source: str = Field(
        default="builtin",
        description="Where the policies came from: `builtin`, a folder, or a git URL and ref.",
    )
    commit: str | None = Field(default=None, description="The commit checked, when known.")
    base: str | None = Field(
        default=None, description="`--base REF`: the ref a pull request is compared with."
    )
    packs: tuple[PackInfo, ...] = Field(description="The policy packs evaluated, for audit trails.")
    summary: Summary = Field(
        description="Counts (derived from `findings`, repeated for dashboards)."
    )
    notes: tuple[str, ...] = Field(
        default=(),
        description="Things the reader must know that are not findings (e.g. a pull request "
        "edits the policy source).",
    )
    rules: tuple[RuleInfo, ...] = Field(
        description="Every rule evaluated (not only those with findings)."
    )
    findings: tuple[Finding, ...] = Field(
        description="Rules that do not hold, in evaluation order."
    )
    extra: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form data of the producing command (e.g. a transition's details); not "
        "covered by compatibility promises.",
    )

    @classmethod
    def of(
        cls,
        result: Result,
        decision: GateDecision,
        *,
        repository: str,
        rules: tuple[RuleInfo, ...],
        folder: str | None = None,
        target: str | None = None,
        policy_source: str = "builtin",
        commit: str | None = None,
        base: str | None = None,
        notes: tuple[str, ...] = (),
        extra: dict[str, Any] | None = None,
    ) -> CheckReport:
        """The report of one run: what the engine evaluated (``result``), the gate's verdict
        (``decision``) and what the run knows of itself."""
        return cls(
            repository=repository,
            folder=folder,
            project=result.project,
            stage=result.stage,
            stages=result.stages,
            today=result.today,
            decision=decision.decision,
            block_on=result.block_on,
            on_policy_error=result.on_policy_error,
            tuning=result.tuning,
            packs=result.packs,
            summary=Summary.of(
                decision.findings,
                rules_evaluated=result.rules_evaluated,
                rules_passed=result.rules_passed,
                rules_not_applicable=result.rules_not_applicable,
            ),
            rules=rules,
            findings=decision.findings,
            target=target,
            policy_source=policy_source,
            commit=commit,
            base=base,
            notes=notes,
            extra=extra or {},
        )

    @property
    def passed(self) -> bool:
        return self.decision == "pass"

    @property
    def tool_version(self) -> str:
        return self.tool.version

    @property
    def rules_evaluated(self) -> int:
        return self.summary.rules_evaluated

    @property
    def rules_passed(self) -> int:
        return self.summary.rules_passed

    @property
    def rules_not_applicable(self) -> int:
        return self.summary.rules_not_applicable

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def rule(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def rule_for(self, finding: Finding) -> RuleInfo:
        """The finding's rule; one described from the finding itself when not in ``rules``
        (e.g. ``AIGOV-WAIVER``, made by aigov rather than a pack)."""
        known = self.rule(finding.rule_id)
        if known is not None:
            return known
        return RuleInfo(
            id=finding.rule_id,
            pack=finding.pack,
            title=finding.title,
            severity=finding.severity,
            references=finding.references,
            remediation=finding.remediation,
        )

    def described_rules(self) -> tuple[RuleInfo, ...]:
        """``rules`` followed by the rules of findings that ``rules`` does not list."""
        seen = {r.id for r in self.rules}
        extra: list[RuleInfo] = []
        for finding in self.findings:
            if finding.rule_id not in seen:
                seen.add(finding.rule_id)
                extra.append(self.rule_for(finding))
        return (*self.rules, *extra)

    @property
    def waived(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.waived)

    @property
    def not_yet_effective(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == "not_yet_effective" and not f.waived)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Effective, unwaived findings of the project that do not block (below
        ``block_on``)."""
        return tuple(
            f
            for f in self.findings
            if not f.blocking
            and not f.waived
            and f.status not in ("not_yet_effective", "policy_error")
        )

    @property
    def policy_errors(self) -> tuple[Finding, ...]:
        """Rules whose own expression failed: the policy's bugs, not the project's."""
        return tuple(f for f in self.findings if f.status == "policy_error")


class ProjectsSummary(ResultValue):
    """Counts over the projects of a run (sums of each project's ``summary``)."""

    projects: int = Field(ge=0, description="Length of `projects`.")
    blocked: int = Field(ge=0, description="Projects whose decision is `block`.")
    rules_evaluated: int = Field(ge=0, description="Rules evaluated, summed over the projects.")
    findings: int = Field(ge=0, description="Findings, summed over the projects.")
    blocking: int = Field(ge=0, description="Blocking findings, summed over the projects.")
    waived: int = Field(ge=0, description="Waived findings, summed over the projects.")


class ProjectsReport(ResultValue):
    """The outcome of one run over several projects of a repository (``aigov check --all``, a
    pull request's touched projects, several paths): one section per project, the decision the
    worst of theirs. Its JSON form is ``schemas/aigov-projects-result.schema.json``."""

    schema_version: Literal["1.0"] = Field(
        default=RESULT_SCHEMA_VERSION,
        description="Version of this result format (as `aigov-result.schema.json`'s).",
    )
    tool: ToolInfo = Field(default_factory=ToolInfo, description="The producing program.")
    repository: str = Field(
        description="The repository root searched, as given on the command line."
    )
    target: str | None = Field(
        default=None, description="`aigov gate --to TARGET`: the environment; null for a check."
    )
    base: str | None = Field(
        default=None, description="`--base REF`: the ref a pull request is compared with."
    )
    decision: Decision = Field(
        description="`block` when a project is blocked (exit code 1), else `pass`."
    )
    summary: ProjectsSummary = Field(description="Counts over the projects.")
    unchanged: tuple[str, ...] = Field(
        default=(),
        description="With `--base`: the folders of the projects the change does not touch (not "
        "evaluated).",
    )
    notes: tuple[str, ...] = Field(
        default=(), description="What the reader must know about the run as a whole."
    )
    projects: tuple[CheckReport, ...] = Field(
        description="Each project's result (as `aigov-result.schema.json`), by folder."
    )

    @classmethod
    def of(
        cls,
        projects: Sequence[CheckReport],
        *,
        repository: str,
        target: str | None = None,
        base: str | None = None,
        unchanged: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> ProjectsReport:
        """The run's result from its projects' results."""
        return cls(
            repository=repository,
            target=target,
            base=base,
            decision="pass" if all(p.passed for p in projects) else "block",
            summary=ProjectsSummary(
                projects=len(projects),
                blocked=sum(1 for p in projects if not p.passed),
                rules_evaluated=sum(p.rules_evaluated for p in projects),
                findings=sum(p.summary.findings for p in projects),
                blocking=sum(p.summary.blocking for p in projects),
                waived=sum(p.summary.waived for p in projects),
            ),
            unchanged=tuple(unchanged),
            notes=tuple(notes),
            projects=tuple(projects),
        )

    @property
    def passed(self) -> bool:
        return self.decision == "pass"


AnyReport = CheckReport | ProjectsReport
"""What a run renders: one project's result, or several projects' (:class:`ProjectsReport`)."""


def project_reports(report: AnyReport) -> tuple[CheckReport, ...]:
    """The per-project results of ``report`` (itself when it is one project's)."""
    return report.projects if isinstance(report, ProjectsReport) else (report,)


def in_report_language(report: AnyReport) -> AnyReport:
    """``report`` with each finding's title, message and remediation in its project's language
    (``extra["lang"]``): the pack's translation where it has one (:attr:`Finding.translations`),
    else the English. What people read (text, Markdown, annotations) is rendered from it; the
    JSON result keeps the English with the translations beside it."""

    def one(project: CheckReport) -> CheckReport:
        lang = language_of(project.extra)
        if not any(t.lang == lang for f in project.findings for t in f.translations):
            return project
        findings = tuple(
            finding.model_copy(update=finding.text(lang).model_dump(exclude={"lang"}))
            for finding in project.findings
        )
        return project.model_copy(update={"findings": findings})

    if isinstance(report, ProjectsReport):
        return report.model_copy(update={"projects": tuple(one(p) for p in report.projects)})
    return one(report)
