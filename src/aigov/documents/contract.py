"""Data contracts in the Open Data Contract Standard (ODCS) v3.

The official JSON Schema and pydantic model come from the ``open-data-contract-standard`` package:
aigov validates against that schema (never a hand-written copy) and maps each error back to the
contract's file and line. The package's pydantic model is built only when code asks for it: it
costs ~100 ms to import, and the policy engine reads the validated plain data instead.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from aigov.documents.problems import Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument, format_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError
    from jsonschema.protocols import Validator

ODCS_PACKAGE = "open_data_contract_standard"


@dataclass(frozen=True)
class DataContract:
    """One validated ODCS contract: its plain data, where it came from, and a content digest."""

    file: str
    data: dict[str, Any]
    document: YamlDocument = field(repr=False, compare=False)

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def version(self) -> str:
        return str(self.data.get("version", ""))

    @functools.cached_property
    def digest(self) -> str:
        canonical = json.dumps(self.data, sort_keys=True, separators=(",", ":"), default=str)
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


MAX_SCHEMA_PROBLEMS: Final = 100
"""Schema errors listed per contract; one more line says when there are more (fix these first)."""

EXPLAINED_VALUES: Final = 20_000
"""Up to this many values (keys, items, scalars), each error of an invalid contract is explained by
the ``jsonschema`` library, whose error context is the most helpful; a larger contract gets
jsonschema-rs's messages: the Python library spends about a millisecond per property, so a
hostile contract of 35,000 properties with one mistake took a minute."""


@functools.cache
def odcs_schema() -> dict[str, Any]:
    """The official ODCS JSON Schema shipped by the ``open-data-contract-standard`` package."""
    text = resources.files(ODCS_PACKAGE).joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def _fast_validator() -> Any:
    """jsonschema-rs: compiled in Rust, ~1 ms per contract instead of ~60 ms (measured).

    It gives the verdict on every pull request; only an invalid contract pays for the
    ``jsonschema`` library, whose error context explains the failure best.
    """
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - optional accelerator
        return None
    return jsonschema_rs.validator_for(odcs_schema())


@functools.cache
def _validator() -> Validator:
    import jsonschema

    schema = odcs_schema()
    cls = jsonschema.validators.validator_for(schema)
    validator: Validator = cls(schema)
    return validator


ODCS_V3_HINT: Final = (
    "ODCS v3 restructured the contract (dataset -> schema, columns -> properties): rewrite it as "
    "an ODCS v3 contract ('apiVersion: v3.1.0', 'kind: DataContract', 'schema:'); the standard "
    "is at https://bitol-io.github.io/open-data-contract-standard/latest/"
)


def _other_format(data: object) -> tuple[str, str, str] | None:
    """(the key that tells, what the file is, how to convert it) for a data contract written in
    another format than ODCS v3: the Data Contract Specification (datacontract.com) or ODCS v2
    (``apiVersion``/``standardVersion``/``templateVersion`` 2.x, or a v2 ``dataset`` list)."""
    if not isinstance(data, dict):
        return None
    if "dataContractSpecification" in data:
        version = data["dataContractSpecification"]
        return (
            "dataContractSpecification",
            f"a Data Contract Specification {version} document (datacontract.com)",
            "Convert it with the Data Contract CLI: 'datacontract export --format odcs FILE' "
            "writes it as an ODCS v3 contract.",
        )
    for key in ("apiVersion", "standardVersion", "templateVersion"):
        version = str(data.get(key, "")).strip()
        if re.match(r"^v?[12]\.", version):
            return (
                key,
                f"an ODCS {version if version.startswith('v') else 'v' + version} document",
                ODCS_V3_HINT,
            )
    if "dataset" in data and "apiVersion" not in data:
        return "dataset", "an ODCS v2 document (a 'dataset' list, no apiVersion)", ODCS_V3_HINT
    return None


def validate_contract(document: YamlDocument) -> tuple[DataContract | None, list[Problem]]:
    """Validate a parsed contract against the official ODCS schema; every error, located."""
    data = document.data
    other = _other_format(data)
    if other is not None:
        key, found, way_out = other
        return None, [
            Problem(
                document.locate((key,)),
                "contract.other-format",
                f"not an ODCS v3 contract: this is {found}",
                field=key,
                hint=way_out,
            )
        ]
    if not isinstance(data, dict) or data.get("kind") != "DataContract" or "apiVersion" not in data:
        found = (
            "a mapping without kind: DataContract"
            if isinstance(data, dict)
            else type(data).__name__
        )
        return None, [
            Problem(
                document.locate(()),
                "contract.not-odcs",
                f"not an Open Data Contract Standard document (found {found})",
                hint="An ODCS v3 contract starts with 'apiVersion: v3.1.0' "
                "and 'kind: DataContract'.",
            )
        ]
    api_version = str(data.get("apiVersion"))
    if not api_version.startswith("v3."):
        return None, [
            Problem(
                document.locate(("apiVersion",)),
                "contract.version",
                f"ODCS {api_version} is not supported: aigov reads ODCS v3 contracts",
                field="apiVersion",
                hint="Migrate the contract to ODCS v3 (apiVersion: v3.1.0).",
            )
        ]
    fast = _fast_validator()
    if fast is not None and fast.is_valid(data):
        return DataContract(document.file, data, document), []
    # One more than listed tells there are more; iterating stops there, the rest is never read.
    if fast is not None and len(document.positions) > EXPLAINED_VALUES:
        first = itertools.islice(fast.iter_errors(data), MAX_SCHEMA_PROBLEMS + 1)
        listed = [_fast_problem(document, error) for error in first]
    else:
        errors = itertools.islice(_validator().iter_errors(data), MAX_SCHEMA_PROBLEMS + 1)
        listed = [_problem(document, error) for error in errors]
    problems = set(listed[:MAX_SCHEMA_PROBLEMS])
    if len(listed) > MAX_SCHEMA_PROBLEMS:
        problems.add(
            Problem(
                document.locate(()),
                "schema.more-errors",
                f"more than {MAX_SCHEMA_PROBLEMS} ODCS schema errors: the first "
                f"{MAX_SCHEMA_PROBLEMS} found are listed",
                hint="Fix them and validate again.",
            )
        )
    if problems:
        return None, sorted(problems, key=lambda p: (p.location, p.message))
    return DataContract(document.file, data, document), []


def _fast_problem(document: YamlDocument, error: Any) -> Problem:
    """A jsonschema-rs error as a problem: where it is and the library's own message."""
    path: FieldPath = tuple(error.instance_path)
    return Problem(
        document.locate(path),
        "schema.invalid",
        f"{_shorten(str(error.message))} (ODCS schema)",
        field=format_path(path),
    )


def _problem(document: YamlDocument, error: SchemaError) -> Problem:
    from jsonschema.exceptions import best_match

    if error.context:  # oneOf/anyOf: explain the branch that came closest
        error = best_match(error.context)
    path: FieldPath = tuple(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        error.instance, dict
    ):
        allowed = _declared_properties(error.schema, odcs_schema())
        unknown = sorted(key for key in error.instance if key not in allowed) or sorted(
            re.findall(r"'([^']+)'", error.message.split("(", 1)[-1])
        )
        if unknown:
            extra_path = (*path, unknown[0])
            close = difflib.get_close_matches(unknown[0], sorted(allowed), n=1, cutoff=0.6)
            names = ", ".join(f"'{name}'" for name in unknown)
            return Problem(
                document.locate(extra_path),
                "schema.unknown-field",
                f"unknown field{'s' if len(unknown) > 1 else ''} {names} (ODCS schema)",
                field=format_path(extra_path),
                hint=f"did you mean '{close[0]}'?" if close else "",
            )
    if error.validator == "required" and isinstance(error.validator_value, list):
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in present]
        if missing:
            return Problem(
                document.locate(path),
                "schema.missing",
                f"required field '{missing[0]}' is missing (ODCS schema)",
                field=format_path((*path, missing[0])),
            )
    return Problem(
        document.locate(path),
        "schema.invalid",
        f"{_shorten(error.message)} (ODCS schema)",
        field=format_path(path),
    )


def _declared_properties(schema: Any, root: dict[str, Any], depth: int = 0) -> set[str]:
    """Property names a (sub)schema declares, following local $refs and schema combinators."""
    if not isinstance(schema, dict) or depth > 8:
        return set()
    names = set(schema.get("properties", {}))
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        names |= _declared_properties(target, root, depth + 1)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, []):
            names |= _declared_properties(branch, root, depth + 1)
    for keyword in ("if", "then", "else"):
        names |= _declared_properties(schema.get(keyword), root, depth + 1)
    return names


def _shorten(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."
