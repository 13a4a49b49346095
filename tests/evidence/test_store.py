"""Stored data quality evidence judged without Great Expectations: the plain form the rules and
the stored file see, and a stored file the repository wrote by hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST

from aigov.documents.repository import Repository, load_repository
from aigov.errors import AigovError
from aigov.evidence import EvidenceUnavailable
from aigov.evidence.data_quality import (
    DataQualityEvidence,
    DataQualityUnavailable,
    unavailable_entry,
)
from aigov.evidence.store import StoredEvidenceError, assess, load_data_quality, write_data_quality

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: orders-1
name: Orders
version: 1.0.0
status: active
servers:
  - {server: remote, type: s3, location: "s3://b/o"}
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: string, required: true}
"""


def _repository(make_repo: Callable[..., Path]) -> Repository:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/orders.odcs.yaml": CONTRACT})
    repository = load_repository(root)
    assert not repository.problems.errors, repository.problems.errors
    return repository


def _evidence(repository: Repository) -> DataQualityEvidence:
    (contract,) = repository.contracts
    return DataQualityEvidence(
        schema_version="1",
        generated_at=NOW.isoformat(timespec="seconds"),
        aigov_version="0.0.0",
        great_expectations_version=None,
        success=False,
        contracts=(unavailable_entry(contract, "no local data server"),),
    )


def test_the_stored_file_is_the_plain_form_and_reads_back(make_repo: Callable[..., Path]) -> None:
    repository = _repository(make_repo)
    evidence = _evidence(repository)
    path = write_data_quality(repository.root.path, evidence)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored == evidence.plain() == load_data_quality(repository.root.path)
    (entry,) = stored["contracts"]
    # An unavailable contract has no statistics: an empty mapping, as rules have always read it.
    assert entry["statistics"] == {} and entry["server"] is None
    assert list(entry) == [
        "file", "id", "name", "version", "digest", "status", "reason", "server", "data_digest",
        "validated_at", "success", "statistics", "tables", "expectations",
    ]  # fmt: skip
    assert DataQualityEvidence.model_validate(stored) == evidence


def test_assessment_plain_form(make_repo: Callable[..., Path]) -> None:
    repository = _repository(make_repo)
    missing = assess({"kind": "aigov/data-quality-evidence"}, repository.contracts, now=NOW)
    plain = missing.plain()
    assert list(plain) == [
        "file", "generated_at", "age_days", "max_age_days", "issues", "contracts", "status",
        "success",
    ]  # fmt: skip
    (contract,) = plain["contracts"]
    # No stored result: nothing stored to copy, so no data digest or server.
    assert "data_digest" not in contract and "server" not in contract
    assert contract["status"] == "missing" and plain["status"] == "missing"
    assert plain["issues"] == [
        {
            "contract": "contracts/orders.odcs.yaml",
            "kind": "missing",
            "message": "no data quality evidence for contracts/orders.odcs.yaml: "
            "run `aigov data validate`",
        }
    ]
    stored = _evidence(repository).plain()
    judged = assess(stored, repository.contracts, now=NOW, max_age_days=30).plain()
    assert judged["max_age_days"] == 30 and isinstance(judged["max_age_days"], int)
    (contract,) = judged["contracts"]
    assert list(contract)[-3:] == ["data_digest", "server", "status"]
    assert contract["status"] == "unavailable" and judged["success"] is False


def test_a_hand_written_stored_file_is_judged_as_it_is(make_repo: Callable[..., Path]) -> None:
    repository = _repository(make_repo)
    (contract,) = repository.contracts
    stored = {
        "kind": "aigov/data-quality-evidence",
        "generated_at": "2026-11-23T12:00:00",
        "contracts": [
            {"file": contract.file, "digest": contract.digest, "success": False},
            "not a contract",
        ],
    }
    judged = assess(stored, repository.contracts, now=NOW, max_age_days=30)
    assert judged.age_days == 1.0 and judged.status == "stale"
    (entry,) = judged.plain()["contracts"]
    assert entry["statistics"] == {} and entry["tables"] == [] and entry["success"] is False
    assert judged.issues[0].kind == "stale"


def test_evidence_errors_are_aigov_errors() -> None:
    assert issubclass(EvidenceUnavailable, AigovError)
    assert issubclass(DataQualityUnavailable, EvidenceUnavailable)
    assert issubclass(StoredEvidenceError, AigovError)
    with pytest.raises(DataQualityUnavailable, match=r"^evidence unavailable: why$"):
        raise DataQualityUnavailable("why")
