"""The text report's header for transitions and deployments, and its section of findings that
the baseline already holds (apart from the warnings, which are below the blocking severity)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES, CliResult, replaced

from aigov.report import render
from aigov.report.document import CheckReport


def test_a_transition_reads_from_the_old_stage_to_the_new(blocked_report: CheckReport) -> None:
    moving = replaced(
        blocked_report, stage="industrialization", stages=("poc", "industrialization")
    )
    first = render("text", moving).splitlines()[0]
    assert "churn-model (stage poc → industrialization)" in first


def test_a_deployment_names_the_project_stage_and_the_target(passing_report: CheckReport) -> None:
    first = render("text", passing_report).splitlines()[0]
    assert first.startswith("aigov: PASSED: credit-scoring → production (stage industrialization)")


def test_baselined_findings_have_their_own_section(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    project = tmp_path / "customer-chatbot"
    shutil.copytree(EXAMPLES / "customer-chatbot", project)
    baseline = tmp_path / "baseline.json"
    gate = ("gate", "--to", "production", str(project))
    first = run_cli(*gate, "-f", "json", "-o", str(baseline))
    saved = json.loads(baseline.read_text(encoding="utf-8"))
    blocking = [f["rule_id"] for f in saved["findings"] if f["blocking"]]
    below = [f["rule_id"] for f in saved["findings"] if f["severity"] in ("medium", "low")]
    assert below  # in the baseline too, but below the blocking severity: still warnings
    assert first.exit_code == 1 and blocking

    again = run_cli(*gate, "--baseline", str(baseline))
    assert again.exit_code == 0, again.stdout
    lines = again.stdout.splitlines()
    heading = next(line for line in lines if line.startswith("Already in the baseline"))
    assert heading == f"Already in the baseline (do not block) ({len(blocking)}):"
    start = lines.index(heading)
    section = "\n".join(lines[start : lines.index("", start)])
    for rule_id in blocking:
        assert f": {rule_id}" in section
    warnings = [line for line in lines if line.startswith("Warnings (below")]
    if warnings:  # what stays there is below the blocking severity, never a baselined finding
        start = lines.index(warnings[0])
        listed = "\n".join(lines[start : lines.index("", start)])
        assert not any(
            f": {rule_id} [" in listed or f": {rule_id}:" in listed for rule_id in blocking
        )
    summary = next(line for line in lines if line.strip().startswith("findings:"))
    assert f"in the baseline {len(blocking)}" in summary
