"""The shape of data quality evidence: what ``aigov data validate`` writes to
``.aigov/evidence/data_quality.json`` (:class:`DataQualityEvidence`) and what ``aigov check``
judges from it (:class:`DataQualityAssessment`, the ``evidence.data_quality`` root of the policy
context).

Field names are the keys of the stored file and of the context; ``plain()`` is the one place
a model becomes plain data (JSON types, in field order). Unexpected values are never part of it,
only counts: the data may hold personal data.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_serializer, field_validator
from pydantic import model_serializer as _model_serializer
from pydantic_core.core_schema import SerializerFunctionWrapHandler

EVIDENCE_KIND: Final = "aigov/data-quality-evidence"

CheckStatus = Literal["passed", "failed", "error", "skipped"]
AssessmentStatus = Literal["current", "stale", "mismatched", "unavailable", "missing"]


class _Value(BaseModel):
    # defer_build: a run that never builds this evidence never pays for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def plain(self) -> dict[str, Any]:
        """The plain form: the stored file's and the policy context's data, keys in field order."""
        return self.model_dump(mode="json", by_alias=True)


class ServerEvidence(_Value):
    """The contract's server whose data was validated."""

    server: str
    type: str
    environment: str | None
    sample: bool
    format: str | None
    path: str | None
    """Shown relative to the repository; ``host/database`` for a remote database."""
    schema_name: str | None = Field(alias="schema")


class ExpectationEvidence(_Value):
    """One check of a contract and its outcome (``id`` is ``table[.column].check[#n]``)."""

    id: str
    table: str
    column: str | None
    check: str
    dimension: str
    severity: str
    source: str
    """The contract field that asked for it, e.g. ``schema[0].properties[2].required``."""
    expectation: str | None
    """The Great Expectations class; None for a skipped rule (SQL, text, unknown metric)."""
    kwargs: dict[str, JsonValue]
    operator: tuple[str, JsonValue] | None
    """The ODCS operator judged on the failing rows, e.g. ``["mustBeLessOrEqualTo", 10]``."""
    enforced: bool
    """False for row-count and freshness checks on a sample server."""
    observed: dict[str, JsonValue]
    """Counts and observed values only (``element_count``, ``unexpected_count``, ...)."""
    reason: str | None
    status: CheckStatus


class CheckStatistics(_Value):
    """How a contract's checks ended."""

    evaluated: int
    passed: int
    failed: int
    errors: int
    skipped: int
    not_enforced_failures: int
    blocking_failures: int
    warning_failures: int


class ColumnEvidence(_Value):
    """One property of a table: present in the data, its nulls, its checks."""

    name: str
    present: bool
    null_count: int | None
    completeness: float | None
    """Percent of non-null rows."""
    checks_passed: int
    checks_failed: int


class FreshnessEvidence(_Value):
    """The newest value of the column the contract's latency SLA names."""

    column: str | None
    latest: JsonValue
    age_hours: float | None
    max_age_hours: float | None
    fresh: bool
    enforced: bool


class TableEvidence(_Value):
    """One schema object of a contract: rows, completeness, consistency, freshness, columns."""

    name: str
    physical_name: str
    rows: int | None
    completeness: float | None
    """Percent of non-null cells over the columns profiled."""
    consistency: float | None
    """Percent of conformity, consistency and uniqueness checks passed."""
    freshness: FreshnessEvidence | None
    columns: tuple[ColumnEvidence, ...]


class ContractEvidence(_Value):
    """One contract's validation: ``validated``, or ``unavailable`` with its reason."""

    file: str
    id: str
    name: JsonValue
    version: str
    digest: str
    """The contract's digest when validated: a later change of the contract makes it mismatched."""
    status: Literal["validated", "unavailable"]
    reason: str | None
    server: ServerEvidence | None
    data_digest: str | None
    validated_at: str | None
    success: bool
    statistics: CheckStatistics | None
    """None when unavailable (stored as ``{}``)."""
    tables: tuple[TableEvidence, ...]
    expectations: tuple[ExpectationEvidence, ...]

    @field_validator("statistics", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == {} else value

    @field_serializer("statistics")
    def _none_is_empty(self, value: CheckStatistics | None) -> dict[str, Any]:
        return {} if value is None else value.model_dump(mode="json")


class DataQualityEvidence(_Value):
    """What ``aigov data validate`` stores: every contract's result."""

    schema_version: str
    kind: Literal["aigov/data-quality-evidence"] = EVIDENCE_KIND
    generated_at: str
    aigov_version: str
    great_expectations_version: str | None
    success: bool
    """Every contract validated and none has a blocking failure."""
    contracts: tuple[ContractEvidence, ...]


# --- judged by ``aigov check`` (aigov.evidence.store.assess) -----------------------------------


class DataQualityIssue(_Value):
    """Why a contract's stored evidence does not count, or that its checks failed."""

    contract: str
    kind: Literal["missing", "stale", "mismatched", "unavailable", "failed"]
    message: str


class ContractAssessment(_Value):
    """One contract declared now, judged against its stored result.

    The stored parts (``stored_digest`` ... ``server``) are copied as the file holds them: the
    file belongs to the checked repository and a hand-written one may lack fields or hold
    others, so they are JSON values here, shaped as :class:`ContractEvidence` when aigov wrote
    them. ``data_digest`` and ``server`` are absent when no result is stored.
    """

    file: str
    id: str
    version: str
    digest: str
    """The contract's digest now."""
    stored_digest: JsonValue = None
    validated_at: JsonValue = None
    success: JsonValue = None
    age_days: float | None = None
    statistics: JsonValue = Field(default_factory=dict)
    tables: JsonValue = Field(default_factory=list)
    expectations: JsonValue = Field(default_factory=list)
    reason: JsonValue = None
    data_digest: JsonValue = None
    server: JsonValue = None
    status: AssessmentStatus

    @_model_serializer(mode="wrap")
    def _without_stored_fields_when_missing(
        self, handler: SerializerFunctionWrapHandler
    ) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.status == "missing":
            del data["data_digest"], data["server"]
        return data


class DataQualityAssessment(_Value):
    """``evidence.data_quality``: the stored evidence judged against the contracts declared now.

    ``status`` is the worst over the contracts; ``success`` that the stored result passed and
    every contract is current.
    """

    file: str
    generated_at: JsonValue
    age_days: float | None
    max_age_days: int | float | None  # the org's limit as written (an int stays an int)
    issues: tuple[DataQualityIssue, ...]
    contracts: tuple[ContractAssessment, ...]
    status: AssessmentStatus
    success: bool
