"""Baselines: adopt aigov on an existing repository without fixing every finding first.

A baseline is a saved JSON result (``aigov check -f json -o aigov-baseline.json``). With
``--baseline FILE`` a finding whose fingerprint is in it does not block; only new findings do.
Findings are matched by :func:`aigov.policy.findings.fingerprint_of` (rule id, file and field:
stable across runs, line moves and reworded messages), the same fingerprint SARIF and GitLab Code
Quality carry. This module reads the file; the gate (:func:`aigov.gate.decide`) matches the
findings. Baseline-matched findings stay in the report, listed under ``extra.baseline.matched``,
never hidden.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aigov.documents.files import read_json
from aigov.documents.problems import DocumentError
from aigov.errors import AigovError
from aigov.policy.findings import fingerprint_of

MAX_BASELINE_BYTES = 50 * 1024 * 1024


class BaselineError(AigovError, ValueError):
    """The baseline file cannot be read or is not an aigov JSON result."""


def load_baseline(path: Path, folder: str | None = None) -> frozenset[str]:
    """The fingerprints of every finding of the saved result at ``path``.

    A result of several projects (``aigov check --all -f json``) holds each project's findings
    apart: those of the project in ``folder`` (its folder from the repository root) are read,
    none of another project's (the same rule on the same field of two projects' ``aigov.yaml``
    has one fingerprint, and one project's accepted finding must not excuse another's).
    """
    if not path.exists() and not path.is_symlink():
        raise BaselineError(f"baseline {path} does not exist")
    try:
        # read_json refuses FIFOs and devices (reading one would block), huge files and bad
        # UTF-8, and names the line and column of a syntax error.
        data = read_json(path, str(path), max_bytes=MAX_BASELINE_BYTES)
    except DocumentError as exc:
        raise BaselineError(f"baseline {exc.problem}") from exc
    projects = data.get("projects") if isinstance(data, dict) else None
    if isinstance(projects, list):
        data = next(
            (p for p in projects if isinstance(p, dict) and p.get("folder", ".") == folder),
            {"findings": []},
        )
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list):
        raise BaselineError(
            f"baseline {path} is not an aigov result (save one with `aigov check -f json -o FILE`)"
        )
    return frozenset(_fingerprint(entry) for entry in findings if isinstance(entry, dict))


def _fingerprint(entry: dict[str, Any]) -> str:
    saved = entry.get("fingerprint")
    if isinstance(saved, str) and saved:
        return saved
    return fingerprint_of(
        str(entry.get("rule_id", "")), str(entry.get("file", "")), str(entry.get("field") or "")
    )
