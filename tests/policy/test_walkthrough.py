"""policies/README.md's compliance officer's walkthrough, run as written: each file it shows is
written, each command it shows is run, in document order, and must end as the text says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
README = PROJECT_ROOT / "policies" / "README.md"
SECTION = "## A compliance officer's walkthrough"
BLOCK = re.compile(r"^```(yaml|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXITS = re.compile(r"#\s*exits (\d+)")


def _walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    following = text.find("\n## ", start + len(SECTION))
    return text[start : following if following != -1 else len(text)]


def _steps() -> list[tuple[str, str]]:
    """(``file``, path + content) or (``command``, line), in the order the section shows them."""
    steps: list[tuple[str, str]] = []
    for kind, body in BLOCK.findall(_walkthrough()):
        if kind == "yaml":
            first, _, rest = body.partition("\n")
            if first.startswith("# "):  # a file to write; other YAML blocks are illustrations
                steps.append(("file", f"{first[2:].strip()}\n{rest}"))
            continue
        steps += [("command", line[2:]) for line in body.splitlines() if line.startswith("$ ")]
    return steps


def test_the_walkthrough_shows_files_and_commands() -> None:
    steps = _steps()
    assert sum(kind == "file" for kind, _ in steps) >= 3
    assert sum(kind == "command" for kind, _ in steps) >= 4


def test_every_step_of_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(
        PROJECT_ROOT / "examples" / "credit-scoring",
        tmp_path / "project",
        ignore=shutil.ignore_patterns("mlruns*", "*.db"),
    )
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GIT_AUTHOR_NAME": "Officer",
        "GIT_AUTHOR_EMAIL": "officer@bank.example",
        "GIT_COMMITTER_NAME": "Officer",
        "GIT_COMMITTER_EMAIL": "officer@bank.example",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    outputs: list[str] = []
    for kind, step in _steps():
        if kind == "file":
            path, _, content = step.partition("\n")
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_text(content, encoding="utf-8")
            continue
        expected = int(found[1]) if (found := EXITS.search(step)) else 0
        done = subprocess.run(
            ["bash", "-c", step], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == expected, f"$ {step}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        outputs.append(done.stdout)
    everything = "\n".join(outputs)
    assert "3 passed, 0 failed" in everything  # the pack's fixtures
    assert "| `params.min_auc` | double, ≥ 0.5, ≤ 1 | `0.75` | `0.8` |" in everything
    assert everything.count("BANK-AUC-FLOOR") >= 3  # explain, then both checks block on it
    assert "aims at an AUC below the bank's floor of 0.8" in everything
