"""The example repositories: the realistic ones are valid, each broken one fails as documented."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, CliResult, unwrapped

PROJECTS = sorted(p for p in EXAMPLES.iterdir() if (p / "aigov.yaml").is_file())
BROKEN_README = (EXAMPLES / "broken" / "README.md").read_text(encoding="utf-8")
# "## `case`" ... "```text\nFIRST LINE\n```" ... "Exit code: N"
DOCUMENTED = re.findall(
    r"^## `([\w-]+)`.*?```text\n(.*?)\n```.*?Exit code: (\d)", BROKEN_README, flags=re.M | re.S
)


def test_there_are_at_least_four_realistic_examples_at_different_stages() -> None:
    assert len(PROJECTS) >= 4
    stages = {
        re.search(r"^stage: (\S+)", (p / "aigov.yaml").read_text(), flags=re.M).group(1)  # type: ignore[union-attr]
        for p in PROJECTS
    }
    assert {"ideation", "poc", "industrialization", "production"} <= stages


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_example_is_valid_without_warnings(
    run_cli: Callable[..., CliResult], project: Path
) -> None:
    result = run_cli("validate", "--strict", str(project))
    assert result.exit_code == 0, result.stdout
    assert "0 error(s), 0 warning(s)" in result.stdout


def test_every_broken_case_is_documented() -> None:
    cases = sorted(p.name for p in (EXAMPLES / "broken").iterdir() if p.is_dir())
    assert sorted(case for case, _, _ in DOCUMENTED) == cases


@pytest.mark.parametrize(("case", "first_line", "exit_code"), DOCUMENTED, ids=lambda v: str(v)[:30])
def test_broken_case_fails_as_its_readme_says(
    run_cli: Callable[..., CliResult], case: str, first_line: str, exit_code: str
) -> None:
    result = run_cli("validate", str(EXAMPLES / "broken" / case))
    assert result.exit_code == int(exit_code)
    # The README quotes the first problem whole; the terminal output wraps it past 100 columns.
    assert unwrapped(result.stdout).splitlines()[0] == first_line
    assert "Traceback" not in result.stdout + result.stderr
