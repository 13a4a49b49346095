"""The stream every line of the command line goes through (aigov.report.ci_log), read back with
the runners' rules of tests/payloads.py."""

from __future__ import annotations

import io
import json
import sys

import pytest
from tests.conftest import run_aigov_process
from tests.payloads import PAYLOADS, github_commands, gitlab_markup

from aigov.report.ci_log import (
    RunnerSafeStream,
    WorkflowCommands,
    error_line,
    guarded_standard_streams,
    print_exception,
    runner_safe,
)
from aigov.report.github import command


def through_guard(*writes: str, flush_between: bool = False) -> str:
    sink = io.StringIO()
    guard = RunnerSafeStream(sink)
    for text in writes:
        guard.write(text)
        if flush_between:
            guard.flush()
    guard.flush()
    return sink.getvalue()


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_payload_starts_a_command_or_a_section(name: str) -> None:
    text = PAYLOADS[name]
    for written in (
        through_guard(text + "\n"),
        through_guard("  " + text, "\n" + text, "\n"),
        through_guard(*text, "\n", flush_between=True),  # one character at a time, each flushed
    ):
        assert github_commands(written) == [], written
        assert gitlab_markup(written) == [], written


def test_commands_split_over_writes_and_flushes_are_caught() -> None:
    # A prompt flushed without its newline, then the rest of the line.
    assert github_commands(through_guard(" :", ":stop-commands::x\n", flush_between=True)) == []
    assert github_commands(through_guard("##", "[error]x\n", flush_between=True)) == []
    assert github_commands(through_guard("#", "#", "[error]x", flush_between=True)) == []
    # What already went out of a line is not written twice nor changed.
    assert through_guard("ok: ", "::x\n", flush_between=True) == "ok: ::x\n"


def test_the_escapes_read_as_text_and_decode_back_in_json() -> None:
    assert through_guard("  ::add-mask::x\n") == "  \\u003a:add-mask::x\n"
    assert through_guard("a ##[error]b\n") == "a ##\\u005berror]b\n"
    assert through_guard("a\rb\x1b[31m\x9bc\r\n") == "a\\u000db\\u001b[31m\\u009bc\r\n"
    value = {"m": "##[error]x \x85\x9b ::y", "k": ["::stop-commands::z"]}
    printed = through_guard(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    assert github_commands(printed) == []
    assert json.loads(printed) == value
    assert runner_safe("x\n  ::error::y\n") == "x\n  \\u003a:error::y\n"
    assert runner_safe("a\r\nb\r") == "a\r\nb\\u000d"


def test_only_aigov_s_own_commands_pass() -> None:
    own = WorkflowCommands(command("error", {"file": "::x", "title": "##[t]"}, "m\n::y") + "\n")
    written = through_guard("before\n", own, "::error::forged\n")
    assert github_commands(written) == [own.rstrip("\n")]
    # the same text without the type (concatenated, formatted) is guarded like any other
    assert github_commands(through_guard(own + "")) == []


def test_error_lines_keep_repository_newlines_off_the_left_margin() -> None:
    message = "x has invalid files:\n  a.yaml:1:1: error\naigov: PASSED\r::error::y\x1b[2J"
    lines = error_line(message).split("\n")
    assert lines[0] == "aigov: error: x has invalid files:"
    assert lines[1] == "  a.yaml:1:1: error"  # aigov's own indentation kept
    assert lines[2:] == ["  aigov: PASSED", "  ::error::y\\x1b[2J"]


def test_the_command_line_writes_through_the_guard() -> None:
    run = run_aigov_process("explain", "::stop-commands::x ##[error]y")
    assert run.exit_code == 2
    assert github_commands(run.stdout + run.stderr) == []
    assert "stop-commands::x ##\\u005berror]y" in run.stderr


def test_streams_are_put_back(capsys: pytest.CaptureFixture[str]) -> None:
    before = sys.stdout, sys.stderr
    with guarded_standard_streams():
        assert isinstance(sys.stdout, RunnerSafeStream)
        print("::set-output name=a::b", end="")  # no newline: flushed on the way out
    assert (sys.stdout, sys.stderr) == before
    assert capsys.readouterr().out == "\\u003a:set-output name=a::b"


def test_a_crash_s_traceback_is_guarded_too(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise ValueError("bad key\n::set-output name=verdict::pass ##[error]x")
    except ValueError as exc:
        print_exception(type(exc), exc, exc.__traceback__)
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: bad key" in err
    assert github_commands(err) == []
