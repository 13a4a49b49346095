"""Evidence from the data: a data contract's checks run with Great Expectations.

Four steps, one module each, the data flowing down:

- :mod:`.suite` compiles each ODCS contract's schema and quality rules into the checks of a Great
  Expectations 1.x suite per table: a table of ``clause -> expectation`` rows, pure data;
- :mod:`.source` finds the data the contract's ``servers`` entry points to (a CSV, Parquet or
  SQLite file inside the repository, or a SQL database when named) and reads it;
- :mod:`.run` runs the suites (the only module that imports ``great_expectations``);
- :mod:`.summary` turns the results into evidence, shaped by :mod:`.model`.

The result, :class:`DataQualityEvidence` (``evidence.data_quality``), is stored by
:mod:`aigov.evidence.store` and read back by ``aigov check`` without Great Expectations.
Unexpected values are never stored, only counts: the data may hold personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aigov import __version__
from aigov.evidence.data_quality.model import (
    EVIDENCE_KIND,
    ContractEvidence,
    DataQualityAssessment,
    DataQualityEvidence,
)
from aigov.evidence.data_quality.run import gx_version, run_suites
from aigov.evidence.data_quality.source import (
    DataQualityUnavailable,
    DataSource,
    choose_source,
    file_digest,
)
from aigov.evidence.data_quality.suite import Check, TablePlan, compile_contract, judge
from aigov.evidence.data_quality.summary import contract_entry, judge_result, unavailable_entry

if TYPE_CHECKING:
    from aigov.documents.contract import DataContract
    from aigov.documents.files import RepositoryRoot

EVIDENCE_SCHEMA_VERSION = "1"

__all__ = [
    "Check",
    "ContractEvidence",
    "DataQualityAssessment",
    "DataQualityEvidence",
    "DataQualityUnavailable",
    "DataSource",
    "TablePlan",
    "choose_source",
    "compile_contract",
    "judge",
    "unavailable_entry",
    "validate_contract",
    "validate_contracts",
]


def validate_contract(
    contract: DataContract,
    root: RepositoryRoot,
    *,
    server: str | None = None,
    now: dt.datetime | None = None,
) -> ContractEvidence:
    """Validate one contract's data; returns its entry of ``evidence.data_quality.contracts``.

    Raises :class:`DataQualityUnavailable` when no server can be read or the data is unreadable.
    """
    moment = now or dt.datetime.now(dt.UTC)
    source = choose_source(contract, root, server)
    runs = run_suites(source, compile_contract(contract), moment, contract.id or contract.file)
    expectations = [
        judge_result(check, run.results.get(check.id), source.sample)
        for run in runs
        for check in run.plan.checks
    ]
    digest = file_digest(source.path) if source.path is not None else None
    return contract_entry(contract, source, digest, runs, expectations, moment)


def validate_contracts(
    contracts: Sequence[DataContract],
    root: RepositoryRoot,
    *,
    server: str | None = None,
    now: dt.datetime | None = None,
) -> DataQualityEvidence:
    """The ``evidence.data_quality`` document for every contract of a repository.

    A contract whose data cannot be read is an ``unavailable`` entry with its reason, so one
    unreadable file never hides the results of the others.
    """
    moment = now or dt.datetime.now(dt.UTC)
    entries = []
    for contract in contracts:
        try:
            entries.append(validate_contract(contract, root, server=server, now=moment))
        except DataQualityUnavailable as exc:
            entries.append(unavailable_entry(contract, str(exc)))
    return DataQualityEvidence(
        schema_version=EVIDENCE_SCHEMA_VERSION,
        kind=EVIDENCE_KIND,
        generated_at=moment.isoformat(timespec="seconds"),
        aigov_version=__version__,
        great_expectations_version=gx_version(),
        success=bool(entries) and all(e.success for e in entries),
        contracts=tuple(entries),
    )
