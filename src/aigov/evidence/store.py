"""Stored evidence: the data quality result kept in the repository, read without Great Expectations.

``aigov data validate`` writes ``.aigov/evidence/data_quality.json`` (the plain form of
:class:`~aigov.evidence.data_quality.model.DataQualityEvidence`); ``aigov check`` reads it here
(json only, no heavy import) and learns whether it is still good evidence: present, not older
than the organisation's limit, and about the contract versions the repository declares now.
:func:`assess` returns that judgement, a
:class:`~aigov.evidence.data_quality.model.DataQualityAssessment` whose plain form is the
``evidence.data_quality`` root of the policy context, which the engine turns into findings (a
stored file that cannot be read at all makes the whole source ``{"unavailable": reason}``, see
:mod:`aigov.evidence.collect`)::

    status: current | stale | mismatched | unavailable | missing  # worst over the contracts
    file: ".aigov/evidence/data_quality.json"
    generated_at: str | null
    age_days: float | null
    max_age_days: float | null
    success: bool                # stored result passed and every contract is current
    issues: [{contract, kind, message}]    # kind: missing, stale, mismatched, unavailable,
                                           #       failed
    contracts:                   # one per contract the repository declares now
      - file, id, version, digest            # as declared now
        status: current | stale | mismatched | missing | unavailable
        stored_digest: str | null
        validated_at: str | null
        success: bool | null
        statistics: {...}                    # as stored (see aigov.evidence.data_quality)
        tables: [...]
        expectations: [...]

The stored file belongs to the checked repository: it is read as JSON, and its parts are copied
into the assessment as the file holds them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.documents.files import RepositoryRoot, read_json, write_atomically
from aigov.documents.problems import DocumentError, Location
from aigov.errors import AigovError

if TYPE_CHECKING:
    from aigov.documents.contract import DataContract
    from aigov.evidence.data_quality.model import (
        AssessmentStatus,
        ContractAssessment,
        DataQualityAssessment,
        DataQualityEvidence,
        DataQualityIssue,
    )

EVIDENCE_FOLDER = ".aigov/evidence"
DATA_QUALITY_FILE = f"{EVIDENCE_FOLDER}/data_quality.json"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
_RANK = {"current": 0, "stale": 1, "mismatched": 2, "unavailable": 3, "missing": 4}


class StoredEvidenceError(AigovError):
    """The stored evidence file exists but cannot be used (not JSON, wrong kind)."""


def write_data_quality(root: Path, evidence: DataQualityEvidence) -> Path:
    """Write the evidence document atomically under ``.aigov/evidence/``; returns its path.

    Raises :class:`StoredEvidenceError` when ``.aigov`` or its ``evidence`` folder is a symbolic
    link out of the repository: aigov writes nothing outside it. A link at the file itself is
    replaced, not followed.
    """
    target = root / DATA_QUALITY_FILE
    try:
        RepositoryRoot(root).resolve(
            EVIDENCE_FOLDER, referenced_from=Location(EVIDENCE_FOLDER), field=""
        )
    except DocumentError as exc:
        raise StoredEvidenceError(str(exc.problem)) from exc
    text = json.dumps(evidence.plain(), indent=2, ensure_ascii=False)
    write_atomically(target, text + "\n")
    return target


def load_data_quality(root: Path) -> dict[str, Any] | None:
    """The stored data quality evidence of the repository at ``root`` as JSON, or None when
    absent (the repository's claim: :func:`assess` judges it)."""
    path = root / DATA_QUALITY_FILE
    if not path.exists() and not path.is_symlink():
        return None
    try:
        # The file is the checked repository's: a symbolic link out of it is refused.
        real = RepositoryRoot(root).resolve(
            DATA_QUALITY_FILE, referenced_from=Location(DATA_QUALITY_FILE), field=""
        )
        document = read_json(real, DATA_QUALITY_FILE, max_bytes=MAX_EVIDENCE_BYTES)
    except DocumentError as exc:
        raise StoredEvidenceError(str(exc.problem)) from exc
    if not isinstance(document, dict) or document.get("kind") != "aigov/data-quality-evidence":
        raise StoredEvidenceError(f"{DATA_QUALITY_FILE}: not aigov data quality evidence")
    return document


def _parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def assess(
    stored: Mapping[str, Any] | None,
    contracts: Sequence[DataContract],
    *,
    now: dt.datetime,
    max_age_days: float | None = None,
) -> DataQualityAssessment:
    """Judge stored evidence (as :func:`load_data_quality` read it) against the contracts
    declared now (see the module docstring).

    Stale: validated longer than ``max_age_days`` before ``now``. Mismatched: the stored contract
    digest differs from the contract's digest now (the contract changed since validation).
    """
    from aigov.evidence.data_quality.model import DataQualityAssessment

    generated_at = stored.get("generated_at") if stored else None
    stored_by_file = {
        str(entry.get("file")): entry
        for entry in (stored or {}).get("contracts") or []
        if isinstance(entry, dict)
    }
    generated = _parse_time(generated_at)
    judged = [
        _judge(contract, stored_by_file.get(contract.file), now, max_age_days)
        for contract in contracts
    ]
    issues = [issue for issue in (_issue(c, max_age_days) for c in judged) if issue is not None]
    status: AssessmentStatus = "missing"
    if stored is not None:
        statuses = [c.status for c in judged]
        status = max(statuses, key=_RANK.__getitem__) if statuses else "current"
    return DataQualityAssessment(
        file=DATA_QUALITY_FILE,
        generated_at=generated_at,
        age_days=None if generated is None else _days(now - generated),
        max_age_days=max_age_days,
        issues=tuple(issues),
        contracts=tuple(judged),
        status=status,
        success=stored is not None and all(c.status == "current" and c.success for c in judged),
    )


def _days(age: dt.timedelta) -> float:
    return round(age.total_seconds() / 86400, 2)


def _judge(
    contract: DataContract,
    entry: Mapping[str, Any] | None,
    now: dt.datetime,
    max_age_days: float | None,
) -> ContractAssessment:
    from aigov.evidence.data_quality.model import ContractAssessment

    declared = {
        "file": contract.file,
        "id": contract.id,
        "version": contract.version,
        "digest": contract.digest,
    }
    if entry is None:
        return ContractAssessment(**declared, status="missing")
    # Copied as stored: the file is the repository's and may be partial (see ContractAssessment).
    copied = {
        "stored_digest": entry.get("digest"),
        "validated_at": entry.get("validated_at"),
        "success": entry.get("success"),
        "statistics": entry.get("statistics") or {},
        "tables": entry.get("tables") or [],
        "expectations": entry.get("expectations") or [],
        "reason": entry.get("reason"),
        "data_digest": entry.get("data_digest"),
        "server": entry.get("server"),
    }
    validated = _parse_time(entry.get("validated_at"))
    age_days = None
    status: AssessmentStatus = "current"
    if entry.get("status") == "unavailable":
        status = "unavailable"
    elif entry.get("digest") != contract.digest:
        status = "mismatched"
    else:
        age_days = None if validated is None else _days(now - validated)
        if max_age_days is not None and (
            validated is None or (now - validated) > dt.timedelta(days=max_age_days)
        ):
            status = "stale"
    return ContractAssessment(**declared, **copied, age_days=age_days, status=status)


def _issue(judged: ContractAssessment, max_age_days: float | None) -> DataQualityIssue | None:
    from aigov.evidence.data_quality.model import DataQualityIssue

    file, status = judged.file, judged.status
    if status == "missing":
        message = f"no data quality evidence for {file}: run `aigov data validate`"
    elif status == "unavailable":
        message = f"data quality of {file} could not be validated: {judged.reason}"
    elif status == "mismatched":
        message = (
            f"data quality evidence for {file} was produced for another version of the contract "
            f"(stored {judged.stored_digest}, now {judged.digest}): run `aigov data validate`"
        )
    elif status == "stale":
        message = (
            f"data quality evidence for {file} is {judged.age_days} days old "
            f"(limit {max_age_days} days): run `aigov data validate`"
        )
    elif judged.success is False:
        statistics = judged.statistics
        failures = statistics.get("blocking_failures", 0) if isinstance(statistics, dict) else 0
        message = f"data quality checks of {file} failed ({failures} blocking failure(s))"
        return DataQualityIssue(contract=file, kind="failed", message=message)
    else:
        return None
    return DataQualityIssue(contract=file, kind=status, message=message)
