"""Long messages are printed whole: wrapped in text output, on one line in JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import MINIMAL_MANIFEST, CliResult, unwrapped

from aigov.documents.problems import Location, Problem
from aigov.wrapping import TEXT_WIDTH, wrapped

LONG = " ".join(f"word{i}" for i in range(80))  # 80 words, about 560 characters


def test_a_short_line_is_left_alone() -> None:
    assert wrapped("short message", indent="  ") == "  short message"


def test_a_long_line_wraps_whole_with_indented_continuations() -> None:
    text = wrapped(LONG, indent="  ", continuation="    ")
    lines = text.split("\n")
    assert len(lines) > 5
    assert all(len(line) <= TEXT_WIDTH for line in lines)
    assert lines[0].startswith("  word0 ")
    assert all(line.startswith("    word") for line in lines[1:])
    assert " ".join(text.split()) == LONG


def test_a_path_or_url_longer_than_the_width_is_never_split() -> None:
    url = "https://example.com/" + "a-b" * 60
    text = wrapped(f"see {url} for the schema", continuation="    ")
    assert url in text.split("\n")[1]


def test_a_problem_wraps_its_message_and_its_hint_without_losing_a_word() -> None:
    problem = Problem(
        Location("contracts/a.odcs.yaml", 3, 5),
        "schema.invalid",
        LONG,
        field="schema[0]",
        hint=LONG,
    )
    text = problem.wrapped()
    lines = text.split("\n")
    assert lines[0].startswith("contracts/a.odcs.yaml:3:5: error: schema[0]: word0 ")
    assert all(line.startswith("    ") for line in lines[1:])
    hint_start = next(i for i, line in enumerate(lines) if line.startswith("    hint: "))
    assert all(line.startswith("        ") for line in lines[hint_start + 1 :])
    assert unwrapped(text).split("\n")[0].endswith(f"{LONG} [schema.invalid]")
    assert str(problem).count("\n") == 1  # str() keeps message and hint on a line each


def test_validate_prints_a_long_message_whole(
    run_cli: Callable[..., CliResult], make_repo: Callable[..., Path]
) -> None:
    field = "x" * 20 + "_" + "_".join(f"part{i}" for i in range(40))  # one long unknown key
    repo = make_repo({"aigov.yaml": MINIMAL_MANIFEST + f"{field}: 1\n"})
    text = run_cli("validate", str(repo))
    assert text.exit_code == 2
    assert field in text.stdout  # a word longer than the width is printed on its own line
    assert all(
        not line or line.startswith(("aigov.yaml:", "    ", "invalid:"))
        for line in text.stdout.splitlines()
    )
    report = run_cli("validate", str(repo), "--format", "json")
    messages = [p["message"] for p in json.loads(report.stdout)["problems"]]
    assert any(field in message and "\n" not in message for message in messages)
