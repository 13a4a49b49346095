"""Baselines: fingerprints read from a saved result; matched findings stop blocking."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from aigov.baseline import BaselineError, apply_baseline, is_baselined, load_baseline
from aigov.documents.problems import Location
from aigov.policy.findings import Finding
from aigov.report.document import finding_fingerprint

FINDING = Finding(
    rule_id="GDPR-35-DPIA-DONE",
    pack="gdpr",
    title="t",
    severity="critical",
    message="m",
    remediation="r",
    references=("GDPR Art. 35",),
    location=Location("aigov.yaml", 12, 3),
    field="manifest.risk.gdpr.dpia",
    blocking=True,
)


def saved(tmp_path: Path, findings: list[dict[str, object]]) -> Path:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"schema_version": "1.0", "findings": findings}), "utf-8")
    return path


def test_fingerprint_ignores_line_and_message(tmp_path: Path) -> None:
    entry = {**FINDING.to_dict(), "line": 99, "message": "reworded"}
    fingerprints = load_baseline(saved(tmp_path, [entry]))
    assert fingerprints == {finding_fingerprint(FINDING)}
    moved = dataclasses.replace(FINDING, location=Location("aigov.yaml", 40, 1), message="x")
    findings, matched = apply_baseline([moved], fingerprints)
    assert not findings[0].blocking and matched == [finding_fingerprint(FINDING)]
    assert is_baselined(matched[0], {"baseline": {"matched": matched}})


def test_other_field_or_file_is_new(tmp_path: Path) -> None:
    fingerprints = load_baseline(saved(tmp_path, [FINDING.to_dict()]))
    for changed in (
        dataclasses.replace(FINDING, field="manifest.risk.gdpr.retention"),
        dataclasses.replace(FINDING, location=Location("MODEL_CARD.md", 12, 3)),
        dataclasses.replace(FINDING, rule_id="GDPR-35-DPIA-REFERENCE"),
    ):
        findings, matched = apply_baseline([changed], fingerprints)
        assert findings[0].blocking and not matched


def test_saved_fingerprint_is_used_when_present(tmp_path: Path) -> None:
    entry = {**FINDING.to_dict(), "fingerprint": "abc"}
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
