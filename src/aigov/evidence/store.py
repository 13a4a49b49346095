"""Stored evidence: the data quality result kept in the repository, read without Great Expectations.

``aigov data validate`` writes ``.aigov/evidence/data_quality.json``; ``aigov check`` reads it here
(json only, no heavy import) and learns whether it is still good evidence: present, not older
than the organisation's limit, and about the contract versions the repository declares now.
:func:`assess` returns that judgement as plain data, the ``evidence.data_quality`` root of the
policy context, which the engine turns into findings (a stored file that cannot be read at all
makes the whole source ``{"unavailable": reason}``, see :mod:`aigov.evidence.collect`)::

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
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.documents.files import RepositoryRoot, read_json, write_atomically
from aigov.documents.problems import DocumentError, Location

if TYPE_CHECKING:
    from aigov.documents.contract import DataContract

EVIDENCE_FOLDER = ".aigov/evidence"
DATA_QUALITY_FILE = f"{EVIDENCE_FOLDER}/data_quality.json"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
_RANK = {"current": 0, "stale": 1, "mismatched": 2, "unavailable": 3, "missing": 4}


class StoredEvidenceError(Exception):
    """The stored evidence file exists but cannot be used (not JSON, wrong kind)."""


def write_data_quality(root: Path, evidence: dict[str, Any]) -> Path:
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
        raise StoredEvidenceError(str(exc.problem)) from None
    write_atomically(target, json.dumps(evidence, indent=2, ensure_ascii=False) + "\n")
    return target


def load_data_quality(root: Path) -> dict[str, Any] | None:
    """The stored data quality evidence of the repository at ``root``, or None when absent."""
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
        raise StoredEvidenceError(str(exc.problem)) from None
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
    stored: dict[str, Any] | None,
    contracts: Sequence[DataContract],
    *,
    now: dt.datetime,
    max_age_days: float | None = None,
) -> dict[str, Any]:
    """Judge stored evidence against the contracts declared now (see the module docstring).

    Stale: validated longer than ``max_age_days`` before ``now``. Mismatched: the stored contract
    digest differs from the contract's digest now (the contract changed since validation).
    """
    result: dict[str, Any] = {
        "file": DATA_QUALITY_FILE,
        "generated_at": stored.get("generated_at") if stored else None,
        "age_days": None,
        "max_age_days": max_age_days,
        "issues": [],
        "contracts": [],
    }
    stored_by_file = {
        str(entry.get("file")): entry
        for entry in (stored or {}).get("contracts") or []
        if isinstance(entry, dict)
    }
    generated = _parse_time(result["generated_at"])
    if generated is not None:
        result["age_days"] = round((now - generated).total_seconds() / 86400, 2)
    for contract in contracts:
        entry = stored_by_file.get(contract.file)
        judged = _judge(contract, entry, now, max_age_days)
        result["contracts"].append(judged)
        issue = _issue(judged, max_age_days)
        if issue:
            result["issues"].append(issue)
    statuses = [c["status"] for c in result["contracts"]]
    if stored is None:
        result["status"] = "missing"
    else:
        result["status"] = max(statuses, key=_RANK.__getitem__) if statuses else "current"
    result["success"] = stored is not None and all(
        c["status"] == "current" and c["success"] for c in result["contracts"]
    )
    return result


def _judge(
    contract: DataContract,
    entry: dict[str, Any] | None,
    now: dt.datetime,
    max_age_days: float | None,
) -> dict[str, Any]:
    judged: dict[str, Any] = {
        "file": contract.file,
        "id": contract.id,
        "version": contract.version,
        "digest": contract.digest,
        "stored_digest": None,
        "validated_at": None,
        "success": None,
        "age_days": None,
        "statistics": {},
        "tables": [],
        "expectations": [],
        "reason": None,
    }
    if entry is None:
        return judged | {"status": "missing"}
    judged |= {
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
    if entry.get("status") == "unavailable":
        return judged | {"status": "unavailable"}
    if entry.get("digest") != contract.digest:
        return judged | {"status": "mismatched"}
    validated = _parse_time(entry.get("validated_at"))
    if validated is not None:
        judged["age_days"] = round((now - validated).total_seconds() / 86400, 2)
    if max_age_days is not None and (
        validated is None or (now - validated) > dt.timedelta(days=max_age_days)
    ):
        return judged | {"status": "stale"}
    return judged | {"status": "current"}


def _issue(judged: dict[str, Any], max_age_days: float | None) -> dict[str, Any] | None:
    file, status = judged["file"], judged["status"]
    if status == "missing":
        message = f"no data quality evidence for {file}: run `aigov data validate`"
    elif status == "unavailable":
        message = f"data quality of {file} could not be validated: {judged['reason']}"
    elif status == "mismatched":
        message = (
            f"data quality evidence for {file} was produced for another version of the contract "
            f"(stored {judged['stored_digest']}, now {judged['digest']}): run `aigov data validate`"
        )
    elif status == "stale":
        message = (
            f"data quality evidence for {file} is {judged['age_days']} days old "
            f"(limit {max_age_days} days): run `aigov data validate`"
        )
    elif judged["success"] is False:
        failures = judged["statistics"].get("blocking_failures", 0)
        message = f"data quality checks of {file} failed ({failures} blocking failure(s))"
        return {"contract": file, "kind": "failed", "message": message}
    else:
        return None
    return {"contract": file, "kind": status, "message": message}
