"""Realistic CheckReports shared by the renderer tests.

- ``blocked_report``: a poc project blocked by a critical and a high finding (one with line 0, one
  an evaluation error), with a medium warning, a waived finding, a not-yet-effective one and an
  invalid-waiver finding (``AIGOV-WAIVER``, a rule that ``rules`` does not list);
- ``passing_report``: a deployment gate that passes with only a waived finding;
- ``hostile_report``: repository and policy text written to break every output format;
- ``clean_report``: no finding at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import at, replaced, report_of

from aigov.documents.problems import Location
from aigov.policy.findings import AppliedWaiver, Finding, PackInfo
from aigov.policy.links import builtin_rule_link
from aigov.report.document import CheckReport, RuleInfo

TODAY = dt.date(2026, 3, 15)

PACKS = (
    PackInfo(name="gdpr", version="1.2.0", digest="sha256:" + "a1" * 32, origin="builtin"),
    PackInfo(name="ai-act", version="1.0.0", digest="sha256:" + "b2" * 32, origin="builtin"),
)

_WRITTEN_RULES = (
    RuleInfo(
        id="GDPR-35-DPIA",
        pack="gdpr",
        title="A DPIA is recorded for high-risk processing",
        severity="critical",
        references=("GDPR Art. 35(1)", "GDPR Art. 35(3)"),
        description="Processing likely to result in a high risk needs a DPIA before it starts.",
        remediation="Record the DPIA under risk.gdpr.dpia (reference, date, outcome).",
    ),
    RuleInfo(
        id="AIACT-5-SCREENING",
        pack="ai-act",
        title="The prohibited practices screening is answered",
        severity="high",
        references=("EU AI Act Art. 5(1)",),
        description="Every AI project answers the eight Art. 5(1) questions from ideation on.",
        remediation="Fill risk.ai_act.prohibited_practices with the eight answers.",
    ),
    RuleInfo(
        id="AIACT-9-RISK-MANAGEMENT",
        pack="ai-act",
        title="High-risk systems have a risk management system",
        severity="high",
        references=("EU AI Act Art. 9",),
        description="A high-risk system runs a documented risk management process.",
        remediation="Link the risk management plan in risk.ai_act.risk_management.",
        help_uri="https://example.com/rules/aiact-9",
    ),
    RuleInfo(
        id="GDPR-30-RECORD",
        pack="gdpr",
        title="The processing is in the record of processing activities",
        severity="medium",
        references=("GDPR Art. 30",),
        remediation="Add the ROPA reference under risk.gdpr.ropa_id.",
    ),
    RuleInfo(
        id="GDPR-13-NOTICE",
        pack="gdpr",
        title="Data subjects are informed",
        severity="high",
        references=("GDPR Art. 13",),
        remediation="Link the privacy notice in risk.gdpr.notice.",
    ),
    RuleInfo(
        id="AIACT-50-TRANSPARENCY",
        pack="ai-act",
        title="People know they interact with an AI system",
        severity="high",
        references=("EU AI Act Art. 50(1)",),
        remediation="Describe the disclosure in risk.ai_act.transparency.",
    ),
    RuleInfo(
        id="GDPR-5-MINIMISATION",
        pack="gdpr",
        title="Only the data needed is collected",
        severity="low",
        references=("GDPR Art. 5(1)(c)",),
        remediation="List the features and why each is needed.",
    ),
)
# As a run gives them: built-in rules link to the released reference, a rule with its own
# link keeps it, and GDPR-30-RECORD stands for a rule whose pack declares no documentation.
RULES = tuple(
    rule
    if rule.help_uri or rule.id == "GDPR-30-RECORD"
    else rule.model_copy(update={"help_uri": builtin_rule_link(rule.id, rule.title)})
    for rule in _WRITTEN_RULES
)

WAIVER = AppliedWaiver(
    rule="GDPR-13-NOTICE",
    reason="Notice being rewritten by Legal",
    approved_by="dpo@example.com",
    ticket="LEGAL-42",
    expires=dt.date(2026, 4, 30),
    stage="poc",
)


def _finding(rule: RuleInfo, message: str, location: Location, **kwargs: object) -> Finding:
    return Finding(
        rule_id=rule.id,
        pack=rule.pack,
        title=rule.title,
        severity=rule.severity,
        message=message,
        remediation=rule.remediation,
        references=rule.references,
        **at(location),
        **kwargs,  # type: ignore[arg-type]
    )


def build_blocked_report() -> CheckReport:
    dpia, screening, _risk, record, notice, transparency, _ = RULES
    findings = (
        _finding(
            record,
            "The project is not in the record of processing activities",
            Location("aigov.yaml", 14, 5),
            field="manifest.risk.gdpr",
        ),
        _finding(
            dpia,
            "No DPIA is recorded (manifest.risk.gdpr.dpia is missing)",
            Location("aigov.yaml", 12, 3),
            field="manifest.risk.gdpr.dpia",
            blocking=True,
        ),
        _finding(
            screening,
            "rule AIACT-5-SCREENING could not be evaluated: 'assert' failed: no such key",
            Location("aigov.yaml", 0, 0),
            status="error",
            field="manifest.risk.ai_act",
            blocking=True,
        ),
        _finding(
            notice,
            "No privacy notice is linked",
            Location("aigov.yaml", 20, 5),
            field="manifest.risk.gdpr.notice",
            waived=True,
            waiver=WAIVER,
        ),
        _finding(
            transparency,
            "The disclosure is not described [applies from 2026-08-02]",
            Location("MODEL_CARD.md", 3, 1),
            status="not_yet_effective",
            field="model_card.transparency",
            effective_from=dt.date(2026, 8, 2),
        ),
        Finding(
            rule_id="AIGOV-WAIVER",
            pack="aigov",
            title="Waivers are approved, current and time-boxed",
            severity="critical",
            message="waiver of AIACT-9-RISK-MANAGEMENT (RISK-7): approver bob@example.com "
            "is not listed under waivers.approvers",
            remediation="Have a listed approver approve the waiver.",
            references=("aigov-org.yaml waivers (organisation waiver policy)",),
            **at(Location("aigov.yaml", 31, 7)),
            field="manifest.waivers[1].approved_by",
            blocking=True,
        ),
    )
    return report_of(
        repository=".",
        project="churn-model",
        stage="poc",
        stages=("poc",),
        today=TODAY,
        decision="block",
        block_on="high",
        packs=PACKS,
        rules=(
            *RULES[:2],
            replaced(RULES[2], outcome="passed"),
            *RULES[3:6],
            replaced(RULES[6], outcome="not_applicable"),
        ),
        findings=findings,
        rules_evaluated=len(RULES),
        rules_passed=1,
        rules_not_applicable=1,
        policy_source="builtin",
        commit="0123456789abcdef0123456789abcdef01234567",
        base="main",
        notes=("This pull request edits the policy source; the base branch's policies apply.",),
        tool_version="0.1.0",
    )


def build_passing_report() -> CheckReport:
    notice = RULES[4]
    return report_of(
        repository="examples/credit-scoring",
        project="credit-scoring",
        stage="industrialization",
        stages=("production",),
        today=TODAY,
        decision="pass",
        block_on="high",
        packs=PACKS,
        rules=RULES,
        findings=(
            _finding(
                notice,
                "No privacy notice is linked",
                Location("aigov.yaml", 20, 5),
                field="manifest.risk.gdpr.notice",
                waived=True,
                waiver=WAIVER,
            ),
        ),
        rules_evaluated=len(RULES),
        rules_passed=5,
        rules_not_applicable=1,
        target="production",
        tool_version="0.1.0",
    )


def build_clean_report() -> CheckReport:
    return report_of(
        repository=".",
        project="demand-forecast",
        stage="ideation",
        stages=("ideation",),
        today=TODAY,
        decision="pass",
        block_on="high",
        packs=PACKS[:1],
        rules=RULES[:2],
        findings=(),
        rules_evaluated=2,
        rules_passed=1,
        rules_not_applicable=1,
        tool_version="0.1.0",
    )


HOSTILE_MESSAGE = (
    "bad | col | <script>alert(1)</script> @org/team `code` [x](javascript:alert(1)) "
    "100% done,really: yes\r\nline two\n# heading\n> quote & more \x1b[31mred\x1b[0m"
)
HOSTILE_FILE = "docs/we:ird,name%20<x>.md"


def build_hostile_report() -> CheckReport:
    rule = RuleInfo(
        id="EVIL-1",
        pack="evil|pack",
        title="Title with | pipe and <b>bold</b> and @everyone",
        severity="high",
        references=("Art. <1> | @someone", "](javascript:alert(1))"),
        description="Description\nwith newline & <i>html</i>",
        remediation="Fix `it` | now\n- or @org/team will ![img](http://x/y.png)",
    )
    waiver = AppliedWaiver(
        rule="EVIL-1",
        reason="because | <img src=x onerror=alert(1)>",
        approved_by="@admin",
        ticket="T-1\n## injected",
        expires=dt.date(2026, 5, 1),
        stage="poc",
    )
    findings = (
        _finding(rule, HOSTILE_MESSAGE, Location(HOSTILE_FILE, 7, 2), field="x", blocking=True),
        _finding(
            rule,
            "waived: <b>x</b>",
            Location("ünïcødé/файл.yaml", 2, 1),
            field="y",
            waived=True,
            waiver=waiver,
        ),
    )
    return report_of(
        repository=".",
        project="proj | <x> @team",
        stage="poc",
        stages=("poc",),
        today=TODAY,
        decision="block",
        block_on="high",
        packs=(
            PackInfo(
                name="evil|pack",
                version="1.0.0<x>",
                digest="sha256:" + "c3" * 32,
                origin="git:@org/x",
            ),
        ),
        rules=(rule,),
        findings=findings,
        rules_evaluated=1,
        rules_passed=0,
        notes=("note with <script>x</script> and @org/team\nand a | pipe",),
        tool_version="0.1.0",
    )


@pytest.fixture
def blocked_report() -> CheckReport:
    return build_blocked_report()


@pytest.fixture
def passing_report() -> CheckReport:
    return build_passing_report()


@pytest.fixture
def clean_report() -> CheckReport:
    return build_clean_report()


@pytest.fixture
def hostile_report() -> CheckReport:
    return build_hostile_report()


ALL_REPORTS = {
    "blocked": build_blocked_report,
    "passing": build_passing_report,
    "clean": build_clean_report,
    "hostile": build_hostile_report,
}


@pytest.fixture(params=sorted(ALL_REPORTS))
def any_report(request: pytest.FixtureRequest) -> CheckReport:
    return ALL_REPORTS[request.param]()
