"""The gate: stages evaluated per run, and which findings block."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.conftest import at, replaced

from aigov.documents.problems import Location
from aigov.evidence.change import ChangeContext
from aigov.gate import decide, gate_stages, is_blocking
from aigov.policy.findings import Finding, Result

FINDING = Finding(
    rule_id="R-1",
    pack="p",
    title="t",
    severity="high",
    message="m",
    remediation="r",
    references=("Art. 1",),
    **at(Location("aigov.yaml", 3, 1)),
)


@pytest.mark.parametrize(
    ("changes", "block_on", "blocking"),
    [
        ({}, "high", True),
        ({}, "critical", False),
        ({"severity": "medium"}, "high", False),
        ({"severity": "critical"}, "high", True),
        ({"severity": "info"}, "info", True),
        ({"status": "error"}, "high", True),
        ({"status": "not_yet_effective"}, "info", False),
        ({"waived": True}, "info", False),
    ],
)
def test_is_blocking(changes: dict[str, object], block_on: str, blocking: bool) -> None:
    assert is_blocking(replaced(FINDING, **changes), block_on) is blocking  # type: ignore[arg-type]


def test_gate_stages() -> None:
    assert gate_stages("poc") == ("poc",)
    assert gate_stages("poc", ChangeContext(stage_changed=False)) == ("poc",)
    change = ChangeContext(stage_changed=True, base_stage="poc", head_stage="industrialization")
    assert gate_stages("industrialization", change) == ("poc", "industrialization")
    assert gate_stages("industrialization", target="production") == ("production",)
    with pytest.raises(ValueError, match="unknown deployment target 'moon'"):
        gate_stages("poc", target="moon")


def test_decide() -> None:
    blocking = replaced(FINDING, blocking=True)
    later = replaced(FINDING, rule_id="R-2", status="not_yet_effective")
    result = Result(
        project="x",
        stage="poc",
        stages=("poc",),
        today=dt.date(2026, 11, 24),
        block_on="high",
        packs=(),
        findings=(blocking, later),
    )
    decision = decide(result)
    assert not decision.passed and decision.exit_code == 1
    assert decision.blocking == (blocking,) and decision.not_yet_effective == (later,)
    passed = decide(replaced(result, findings=(later,)))
    assert passed.passed and passed.exit_code == 0


def test_gate_stages_moving_back_or_retiring() -> None:
    # Leaving a stage backwards or retiring is not held back by the old stage's exit criteria.
    back = ChangeContext(stage_changed=True, base_stage="production", head_stage="poc")
    assert gate_stages("poc", back.model_copy(update={"direction": "backward"})) == ("poc",)
    retire = ChangeContext(stage_changed=True, base_stage="poc", head_stage="retired")
    assert gate_stages("retired", retire.model_copy(update={"direction": "retire"})) == ("retired",)
    assert gate_stages("poc", back) == ("production", "poc")  # no direction: both stages
