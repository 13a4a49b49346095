"""The forge-neutral parts: marker, status line, bodies."""

from __future__ import annotations

from tests.conftest import replaced
from tests.report.conftest import build_blocked_report, build_clean_report

from aigov.scm.context import ChangeRequest
from aigov.scm.publish import (
    MAX_STATUS_DESCRIPTION,
    ForgeComment,
    comment_body,
    is_ours,
    marker,
    marker_sha,
    resolved_body,
    status_description,
)

SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
REQUEST = ChangeRequest(
    forge="github",
    api_url="https://api.github.com",
    project="o/r",
    number=2,
    head_sha=SHA,
    token="secret",
    run_url="https://github.com/o/r/actions/runs/1",
    source_url=f"https://github.com/o/r/blob/{SHA}",
)


def test_marker_round_trip() -> None:
    assert marker_sha(marker(SHA) + "\nbody") == SHA
    assert marker_sha("<!-- aigov-report -->\nold body") == ""
    assert marker_sha("quoted: <!-- aigov-report -->") is None
    assert marker_sha("hello") is None


def test_a_comment_is_ours_by_its_marker_and_its_author() -> None:
    body = marker(SHA) + "\nbody"
    assert is_ours(ForgeComment(1, body, "aigov-bot"), "aigov-bot")
    assert not is_ours(ForgeComment(1, body, "mallory"), "aigov-bot")
    assert not is_ours(ForgeComment(1, "hello", "aigov-bot"), "aigov-bot")
    assert not is_ours(ForgeComment(1, body, "github-actions[bot]", True), "aigov-bot")
    # The forge will not tell who the token is: a bot account's comment, and only that.
    assert is_ours(ForgeComment(1, body, "github-actions[bot]", True), None)
    assert not is_ours(ForgeComment(1, body, "github-actions", False), None)
    assert not is_ours(ForgeComment(1, body, "", False), None)


def test_status_description_fits() -> None:
    report = build_blocked_report()
    many = tuple(replaced(report.blocking[0], rule_id=f"RULE-NUMBER-{i}") for i in range(40))
    text = status_description(replaced(report, findings=many))
    assert len(text) == MAX_STATUS_DESCRIPTION and text.endswith("…")
    assert status_description(build_clean_report()).startswith("passed: 2 rules")


def test_bodies_start_with_the_marker_and_never_echo_the_token() -> None:
    body = comment_body(build_blocked_report(), REQUEST)
    assert body.startswith(marker(SHA) + "\n## ❌")
    assert body.count("<!-- aigov-report") == 1
    resolved = resolved_body(build_clean_report(), REQUEST)
    assert resolved.startswith(marker(SHA) + "\n## ✅ aigov: resolved")
    assert "secret" not in body + resolved
