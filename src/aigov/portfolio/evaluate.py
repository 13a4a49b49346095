"""Evaluate one repository checked out in a folder into a portfolio row.

The verdict comes from :func:`aigov.checking.check_repository`, the library behind ``aigov check``
(never a second copy of the evaluation); this module only adds what the KPIs read from the same
loaded repository and the evidence that run collected: the framing sheet, the stage timeline, the
waivers, and (with MLflow) the quality and adoption histories.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aigov.documents.files import MAX_FILE_BYTES, read_json
from aigov.documents.problems import DocumentError
from aigov.documents.types import STAGES
from aigov.evidence.collect import Evidence, EvidenceUnavailableRecord
from aigov.evidence.mlflow_evidence import MetricPoint, MlflowEvidence
from aigov.portfolio.model import RepositoryRef, RepositoryResult

if TYPE_CHECKING:
    from aigov.documents.manifest import LifecycleManifest
    from aigov.evidence.git_history import GitEvidence
    from aigov.policy.sources import PolicySet

PUBLISHED_RESULT: Final = ".aigov/result.json"
"""Where a repository's own CI may keep its last ``aigov check -f json`` result: the pack
versions it names tell which repositories gate on outdated packs."""

GOVERNED_FILES: Final = ("aigov.yaml", "MODEL_CARD.md", PUBLISHED_RESULT)


def folder_head(path: Path) -> str:
    """The commit checked out when ``path`` is a git work tree's root, else a content digest.

    Read from ``.git`` directly (no git process): the scan asks it of every repository to find
    its cached result.
    """
    git_dir = path / ".git"
    if git_dir.is_dir():
        head = _git_head(git_dir)
        if head is not None:
            return head
    digest = hashlib.sha256()
    for name in GOVERNED_FILES:
        _hash_file(digest, path, name)
    contracts = path / "contracts"
    if contracts.is_dir():
        for child in sorted(contracts.iterdir()):
            _hash_file(digest, path, f"contracts/{child.name}")
    return "sha256:" + digest.hexdigest()


def _hash_file(digest: Any, root: Path, name: str) -> None:
    content = _regular_file(root / name, MAX_FILE_BYTES)
    if content is None:
        return
    digest.update(name.encode() + b"\0" + str(len(content)).encode() + b"\0" + content)


def _regular_file(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of a regular file of at most ``max_bytes``; None for anything else (a FIFO or
    a device planted in a scanned folder would block the scan or never end)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        with open(path, "rb") as handle:
            return handle.read(max_bytes)
    except OSError:
        return None


_REF = re.compile(r"^refs/(?:[A-Za-z0-9._-]+/)*[A-Za-z0-9._-]+$")


def _git_head(git_dir: Path) -> str | None:
    head = (_regular_file(git_dir / "HEAD", 4096) or b"").decode("utf-8", "replace").strip()
    if not head.startswith("ref: "):
        return head or None
    ref = head[5:].strip()
    if not _REF.match(ref) or ".." in ref:  # a ref path never leaves .git
        return None
    loose = _regular_file(git_dir / ref, 4096)
    if loose is not None:
        return loose.decode("utf-8", "replace").strip()
    packed = _regular_file(git_dir / "packed-refs", MAX_FILE_BYTES) or b""
    for line in packed.decode("utf-8", "replace").splitlines():
        sha, _, name = line.partition(" ")
        if name == ref:
            return sha
    return None


def evaluate_folder(
    ref: RepositoryRef,
    path: Path,
    head: str | None,
    policy_set: PolicySet,
    *,
    today: dt.date,
    with_mlflow: bool = False,
) -> RepositoryResult:
    """The row of one repository; an error row (never an exception) when it cannot be evaluated."""
    from aigov.checking import CheckInputError, CheckOptions, check_repository
    from aigov.documents.repository import load_repository

    try:
        repository = load_repository(path)
        options = CheckOptions(
            path=path,
            policy_set=policy_set,
            today=today,
            skip_evidence=frozenset() if with_mlflow else frozenset({"mlflow"}),
        )
        report, evidence = check_repository(repository, options)
    except CheckInputError as exc:
        return RepositoryResult.failed(ref, _first_problem(exc), head)
    except Exception as exc:  # a broken repository is a row, never the end of the scan
        return RepositoryResult.failed(ref, f"{type(exc).__name__}: {exc}", head)
    manifest = repository.manifest
    assert manifest is not None  # check_repository refuses a repository without one
    if evidence.git is None:
        evidence = _collect(repository, "git", today, policy_set, evidence)
    if with_mlflow and evidence.mlflow is None and manifest.model and manifest.model.registry:
        evidence = _collect(repository, "mlflow", today, policy_set, evidence)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    findings = sorted(
        report.findings, key=lambda f: (f.waived, not f.blocking, order.get(f.severity, 5))
    )
    data: dict[str, Any] = {
        "project": {
            "id": manifest.metadata.id,
            "name": manifest.metadata.name,
            "owner": manifest.metadata.owner,
            "business_unit": manifest.metadata.business_unit,
            "stage": manifest.stage,
        },
        "decision": report.decision,
        "block_on": report.block_on,
        "rules_evaluated": report.rules_evaluated,
        "rules_passed": report.rules_passed,
        "findings": [
            {
                "rule": f.rule_id,
                "pack": f.pack,
                "severity": f.severity,
                "blocking": f.blocking,
                "waived": f.waived,
                "status": f.status,
                "references": list(f.references),
            }
            for f in findings
        ],
        "packs": [{"name": p.name, "version": p.version, "digest": p.digest} for p in report.packs],
        "published_packs": _published_packs(path),
        "waivers": [
            {
                "rule": w.rule,
                "ticket": w.ticket,
                "approved_by": w.approved_by,
                "granted_on": w.granted_on.isoformat() if w.granted_on else None,
                "expires": w.expires.isoformat(),
                "stage": w.stage,
            }
            for w in manifest.waivers
        ],
        "framing": _framing(manifest),
        "timeline": _timeline(manifest, evidence.git),
        "monitoring": _monitoring(manifest, evidence.mlflow, with_mlflow),
    }
    return RepositoryResult.evaluated(ref, head, data)


def _first_problem(exc: Exception) -> str:
    problems = getattr(exc, "problems", ())
    head = str(exc).splitlines()[0]
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return f"{head} {problems[0]}{more}"
    return head


def _collect(
    repository: Any, source: str, today: dt.date, policy_set: PolicySet, evidence: Evidence
) -> Evidence:
    """``evidence`` with ``source`` collected too (the check's rules did not read it)."""
    from aigov.evidence.collect import EvidenceRequest, collect_evidence

    now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
    request = EvidenceRequest.for_org(policy_set.org, now=now)
    found = collect_evidence(repository, {source}, request)
    return dataclasses.replace(evidence, **{source: getattr(found, source)})


def _published_packs(path: Path) -> list[dict[str, str]] | None:
    try:
        data = read_json(path / PUBLISHED_RESULT, PUBLISHED_RESULT)
        return [{"name": str(p["name"]), "version": str(p["version"])} for p in data["packs"]]
    except (DocumentError, KeyError, TypeError):
        return None


def _framing(manifest: LifecycleManifest) -> dict[str, Any] | None:
    framing = manifest.framing
    if framing is None:
        return None
    return {
        "budget": framing.budget.model_dump(mode="json") if framing.budget else None,
        "expected_value": (
            framing.expected_value.model_dump(mode="json", exclude={"rationale"})
            if framing.expected_value
            else None
        ),
        "impact": framing.impact,
        "feasibility": framing.feasibility.model_dump(mode="json") if framing.feasibility else None,
    }


def _timeline(
    manifest: LifecycleManifest, git: GitEvidence | EvidenceUnavailableRecord | None
) -> dict[str, Any]:
    """First entry into each stage, from git when its history starts at ideation, else declared.

    The git history of ``aigov.yaml`` is the audit trail, but a repository imported late (its
    first commit already at ``production``) would give a time-to-market of zero days: then the
    ``timeline`` dates written in the manifest are used, and the row says so.
    """
    declared: dict[str, str] = {
        str(stage): day.isoformat() for stage, day in manifest.timeline.items()
    }
    from_git: dict[str, str] = {}
    git_note = None
    if isinstance(git, EvidenceUnavailableRecord):
        git_note = git.reason
    elif git is not None:
        for entry in git.timeline:
            from_git.setdefault(entry.stage, entry.date[:10])
    source: str | None = None
    stages: dict[str, str] = {}
    if from_git and next(iter(from_git)) == STAGES[0]:
        source, stages = "git", from_git
    elif declared:
        source, stages = "manifest", declared
    return {"source": source, "stages": stages, "git": from_git, "git_note": git_note}


def _series(history: Mapping[str, list[MetricPoint]], key: str) -> list[list[Any]]:
    points = history.get(key) or []
    return [[p.date, p.value] for p in points if p.date is not None]


def _monitoring(
    manifest: LifecycleManifest,
    mlflow: MlflowEvidence | EvidenceUnavailableRecord | None,
    asked: bool,
) -> dict[str, Any]:
    monitoring = manifest.monitoring
    performance = monitoring.performance if monitoring else None
    adoption = monitoring.adoption if monitoring else None
    if not asked:
        state = "not collected (scan without --with-mlflow)"
    elif mlflow is None:
        state = "no model.registry in aigov.yaml"
    elif isinstance(mlflow, EvidenceUnavailableRecord):
        state = f"unavailable: {mlflow.reason}"
    else:
        state = "collected"
    history = mlflow.metric_history if isinstance(mlflow, MlflowEvidence) else {}
    quality = None
    if performance is not None:
        quality = {
            "metric": performance.metric,
            "threshold": performance.threshold,
            "direction": performance.direction,
            "points": _series(history, performance.metric),
        }
    usage = None
    if adoption is not None:
        usage = {
            "metric": adoption.metric,
            "target_per_day": adoption.target_per_day,
            "source": adoption.source,
            "points": _series(history, adoption.metric),
        }
    return {"mlflow": state, "quality": quality, "adoption": usage}
