"""An evidence unavailable finding says how to make the evidence available, not how to satisfy the
rule (whose remediation assumes the evidence): on a real shallow clone (``git clone --depth 1``),
its fix says how to fetch the history; after ``git fetch --unshallow`` the findings are gone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.commands.test_check import example_repo

from aigov.evidence.collect import SOURCE_FIXES
from aigov.evidence.git_history import SHALLOW_FIX


def _history(origin: Path) -> None:
    """The example committed in three commits on main (a history to cut)."""
    _, repo = example_repo(origin.parent, "customer-chatbot", origin.name)
    for line in ("Owner: data science", "Reviewed"):
        with (origin / "README.md").open("a", encoding="utf-8") as readme:
            readme.write(f"\n{line}\n")
        repo.git.add(A=True)
        repo.index.commit(line)


def _check(folder: Path, *options: str) -> dict[str, Any]:
    out = folder.parent / "result.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aigov",
            "check",
            str(folder),
            "-f",
            "json",
            "-o",
            str(out),
            *options,
        ],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    assert done.returncode in (0, 1), done.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _unavailable(result: dict[str, Any], source: str) -> list[dict[str, Any]]:
    return [
        finding
        for finding in result["findings"]
        if finding["message"].split(": ", 1)[-1].startswith(f"evidence unavailable: {source}:")
    ]


@pytest.fixture
def shallow_clone(tmp_path: Path) -> Path:
    origin = tmp_path / "origin"
    _history(origin)
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", origin.as_uri(), str(clone)], check=True
    )
    assert (clone / ".git" / "shallow").exists()
    return clone


def test_a_shallow_clone_s_findings_say_how_to_fetch_the_history(shallow_clone: Path) -> None:
    result = _check(shallow_clone)
    findings = _unavailable(result, "git")
    assert findings, result["findings"]
    for finding in findings:
        assert finding["blocking"] is True  # fail closed, as before
        assert finding["remediation"] == SHALLOW_FIX
        for how in ('GIT_DEPTH: \\"0\\"', "fetch-depth: 0", "git fetch --unshallow"):
            assert how in json.dumps(finding["remediation"]), how

    # The fix works: with the whole history the git evidence is there.
    subprocess.run(["git", "fetch", "--quiet", "--unshallow"], cwd=shallow_clone, check=True)
    assert _unavailable(_check(shallow_clone), "git") == []


def test_the_text_report_shows_the_fix(shallow_clone: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aigov", "check", str(shallow_clone)],
        capture_output=True,
        text=True,
        cwd=shallow_clone,
    )
    assert done.returncode == 1, done.stderr
    assert "git fetch --unshallow" in done.stdout


def test_skipped_evidence_says_to_collect_it(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    _history(origin)
    findings = _unavailable(_check(origin, "--skip-evidence", "git"), "git")
    assert findings
    assert {finding["remediation"] for finding in findings} == {
        "check without --skip-evidence for this source, so that its evidence is collected"
    }


def test_every_source_has_a_general_fix() -> None:
    from aigov.evidence.collect import SOURCES

    assert set(SOURCE_FIXES) == set(SOURCES)
    assert all(fix.strip() for fix in SOURCE_FIXES.values())
