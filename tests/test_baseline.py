"""Baselines: fingerprints read from a saved result; the gate stops blocking on the findings they
match."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from tests.conftest import at, replaced

from aigov.baseline import BaselineError, load_baseline
from aigov.documents.problems import Location
from aigov.gate import decide
from aigov.policy.findings import Finding, Result, finding_fingerprint

FINDING = Finding(
    rule_id="GDPR-35-DPIA-DONE",
    pack="gdpr",
    title="t",
    severity="critical",
    message="m",
    remediation="r",
    references=("GDPR Art. 35",),
    **at(Location("aigov.yaml", 12, 3)),
    field="manifest.risk.gdpr.dpia",
    blocking=True,
)


def apply_baseline(
    findings: list[Finding], fingerprints: frozenset[str]
) -> tuple[tuple[Finding, ...], list[str]]:
    """The gate's decision on ``findings`` with the baseline: (findings, fingerprints matched)."""
    result = Result(
        project="p",
        stage="poc",
        stages=("poc",),
        today=dt.date(2026, 11, 24),
        block_on="high",
        packs=(),
        findings=tuple(findings),
    )
    decision = decide(result, fingerprints)
    return decision.findings, list(decision.baseline_matched)


def saved(tmp_path: Path, findings: list[dict[str, object]]) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"schema_version": "1.0", "findings": findings}), "utf-8")
    return path


def test_fingerprint_ignores_line_and_message(tmp_path: Path) -> None:
    entry = {**FINDING.model_dump(mode="json"), "line": 99, "message": "reworded"}
    fingerprints = load_baseline(saved(tmp_path, [entry]))
    assert fingerprints == {finding_fingerprint(FINDING)}
    moved = replaced(FINDING, **at(Location("aigov.yaml", 40, 1)), message="x")
    findings, matched = apply_baseline([moved], fingerprints)
    assert not findings[0].blocking and matched == [finding_fingerprint(FINDING)]


def test_other_field_or_file_is_new(tmp_path: Path) -> None:
    fingerprints = load_baseline(saved(tmp_path, [FINDING.model_dump(mode="json")]))
    for changed in (
        replaced(FINDING, field="manifest.risk.gdpr.retention"),
        replaced(FINDING, location=Location("MODEL_CARD.md", 12, 3)),
        replaced(FINDING, rule_id="GDPR-35-DPIA-REFERENCE"),
    ):
        findings, matched = apply_baseline([changed], fingerprints)
        assert findings[0].blocking and not matched


def test_saved_fingerprint_is_used_when_present(tmp_path: Path) -> None:
    entry = {**FINDING.model_dump(mode="json"), "fingerprint": "abc"}
    assert load_baseline(saved(tmp_path, [entry])) == {"abc"}


@pytest.mark.parametrize(
    ("content", "message"),
    [("{oops", "not valid JSON"), ("[]", "not an aigov result"), (None, "does not exist")],
)
def test_unusable_baselines(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError, match=message):
        load_baseline(path)
