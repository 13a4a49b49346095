"""Data contracts in the Open Data Contract Standard (ODCS) v3.

Each contract is validated against the official JSON Schema of the version it declares
(``apiVersion``), vendored in :mod:`aigov.documents.odcs` from the standard's own releases, never
a hand-written copy; every error is mapped back to the contract's file and line and names the
schema that judged it. The policy engine reads the validated plain data.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from aigov.documents.odcs import (
    SchemaChoice,
    choose_schema,
    explaining_validator,
    fast_validator,
    odcs_schema,
    supported_versions,
)
from aigov.documents.problems import Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument, format_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError as SchemaError

__all__ = ["DataContract", "odcs_schema", "validate_contract"]


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
    """Validate a parsed contract against the official schema of the ODCS version it declares;
    every error, located, naming that schema."""
    refusal = _refusal(document)
    if refusal is not None:
        return None, [refusal]
    data: dict[str, Any] = document.data
    choice = choose_schema(str(data["apiVersion"]))
    if choice is None:
        return None, [_unsupported_version(document, str(data["apiVersion"]))]
    notes = [] if choice.exact else [_fallback_warning(document, choice)]
    # A later patch (v3.0.3) is judged by its minor's newest schema, whose apiVersion enum cannot
    # list it yet: the rest of the contract is what that schema can tell about.
    instance = data if choice.exact else data | {"apiVersion": f"v{choice.version}"}
    fast = fast_validator(choice.version)
    if fast is not None and fast.is_valid(instance):
        return DataContract(document.file, data, document), notes
    problems = _schema_problems(document, instance, choice)
    if problems:
        return None, notes + sorted(problems, key=lambda p: (p.location, p.message))
    return DataContract(document.file, data, document), notes


def _refusal(document: YamlDocument) -> Problem | None:
    """Why ``document`` is not an ODCS v3 contract at all, if it is not."""
    data = document.data
    other = _other_format(data)
    if other is not None:
        key, found, way_out = other
        return Problem(
            document.locate((key,)),
            "contract.other-format",
            f"not an ODCS v3 contract: this is {found}",
            field=key,
            hint=way_out,
        )
    if not isinstance(data, dict) or data.get("kind") != "DataContract" or "apiVersion" not in data:
        found = (
            "a mapping without kind: DataContract"
            if isinstance(data, dict)
            else type(data).__name__
        )
        return Problem(
            document.locate(()),
            "contract.not-odcs",
            f"not an Open Data Contract Standard document (found {found})",
            hint="An ODCS v3 contract starts with 'apiVersion: v3.1.0' and 'kind: DataContract'.",
        )
    api_version = str(data.get("apiVersion"))
    if not api_version.startswith("v3."):
        return Problem(
            document.locate(("apiVersion",)),
            "contract.version",
            f"ODCS {api_version} is not supported: aigov reads ODCS v3 contracts",
            field="apiVersion",
            hint="Migrate the contract to ODCS v3 (apiVersion: v3.1.0).",
        )
    return None


def _versions() -> str:
    return ", ".join(f"v{version}" for version in supported_versions())


def _unsupported_version(document: YamlDocument, api_version: str) -> Problem:
    return Problem(
        document.locate(("apiVersion",)),
        "contract.version",
        f"no ODCS schema for apiVersion {api_version!r}: aigov validates ODCS {_versions()} "
        "(and later patches of these minor versions)",
        field="apiVersion",
        hint="Declare the ODCS version the contract is written in, e.g. 'apiVersion: v3.1.0'.",
    )


def _fallback_warning(document: YamlDocument, choice: SchemaChoice) -> Problem:
    minor = ".".join(choice.version.split(".")[:2])
    return Problem(
        document.locate(("apiVersion",)),
        "contract.version-fallback",
        f"aigov has no ODCS {choice.declared} schema: validated against the {choice.label}, "
        f"the newest of v{minor} it knows",
        field="apiVersion",
        level="warning",
        hint=f"aigov validates ODCS {_versions()}; a newer aigov may know {choice.declared}.",
    )


CONSEQUENCE: Final = "schema.unevaluated"
"""An error that only follows from another one (listed when it is the only one left)."""


def _schema_problems(
    document: YamlDocument, instance: dict[str, Any], choice: SchemaChoice
) -> set[Problem]:
    """The schema errors of an invalid contract, at most :data:`MAX_SCHEMA_PROBLEMS` (one more
    line says when there are more); iterating stops there, the rest is never read."""
    fast = fast_validator(choice.version)
    if fast is not None and len(document.positions) > EXPLAINED_VALUES:
        first = itertools.islice(fast.iter_errors(instance), MAX_SCHEMA_PROBLEMS + 1)
        listed = [_fast_problem(document, error, choice) for error in first]
    else:
        errors = explaining_validator(choice.version).iter_errors(instance)
        listed = [
            _problem(document, error, choice)
            for error in itertools.islice(errors, MAX_SCHEMA_PROBLEMS + 1)
        ]
    problems = set(listed[:MAX_SCHEMA_PROBLEMS])
    if any(problem.code != CONSEQUENCE for problem in problems):
        problems = {problem for problem in problems if problem.code != CONSEQUENCE}
    if len(listed) > MAX_SCHEMA_PROBLEMS:
        problems.add(
            Problem(
                document.locate(()),
                "schema.more-errors",
                f"more than {MAX_SCHEMA_PROBLEMS} {choice.label} errors: the first "
                f"{MAX_SCHEMA_PROBLEMS} found are listed",
                hint="Fix them and validate again.",
            )
        )
    return problems


def _fast_problem(document: YamlDocument, error: Any, choice: SchemaChoice) -> Problem:
    """A jsonschema-rs error as a problem: where it is and the library's own message, whole."""
    path: FieldPath = tuple(error.instance_path)
    return Problem(
        document.locate(path),
        "schema.invalid",
        f"{error.message} ({choice.label})",
        field=format_path(path),
    )


def _problem(document: YamlDocument, error: SchemaError, choice: SchemaChoice) -> Problem:
    from jsonschema.exceptions import best_match

    if error.context:  # oneOf/anyOf: the reason of the branch that came closest, not "any of"
        error = best_match(error.context)
    path: FieldPath = tuple(error.absolute_path)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(
        error.instance, dict
    ):
        unknown = _unknown_field(document, error, path, choice)
        if unknown is not None:
            return unknown
    if error.validator == "required" and isinstance(error.validator_value, list):
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in present]
        if missing:
            return Problem(
                document.locate(path),
                "schema.missing",
                f"required field '{missing[0]}' is missing ({choice.label})",
                field=format_path((*path, missing[0])),
            )
    return Problem(
        document.locate(path),
        "schema.invalid",
        f"{_message(error)} ({choice.label})",
        field=format_path(path),
    )


def _message(error: SchemaError) -> str:
    """The library's message, whole; a wrong type found on a mapping or a list is named by its
    kind instead of the library's repr of the whole subtree (one line per value of the tree)."""
    instance = error.instance
    found = "a mapping" if isinstance(instance, dict) else "a list"
    if error.validator == "type" and isinstance(instance, dict | list):
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        return f"{found} is not of type {' or '.join(repr(n) for n in names)}"
    return error.message


def _unknown_field(
    document: YamlDocument, error: SchemaError, path: FieldPath, choice: SchemaChoice
) -> Problem | None:
    """An unknown key, located at the key, with the closest field the schema declares."""
    allowed = _declared_properties(error.schema, odcs_schema(choice.version))
    present = error.instance if isinstance(error.instance, dict) else {}
    unknown = sorted(key for key in present if key not in allowed)
    if not unknown:
        # Every key is declared: the subschema that declares them failed on this object (its own
        # error says why), so unevaluatedProperties sees them as unevaluated. Not a finding.
        reported = ", ".join(f"'{key}'" for key in sorted(present))
        return Problem(
            document.locate(path),
            CONSEQUENCE,
            f"fields {reported} left unevaluated by another error of this object ({choice.label})",
            field=format_path(path),
        )
    extra_path = (*path, unknown[0])
    close = difflib.get_close_matches(unknown[0], sorted(allowed), n=1, cutoff=0.6)
    names = ", ".join(f"'{name}'" for name in unknown)
    return Problem(
        document.locate(extra_path),
        "schema.unknown-field",
        f"unknown field{'s' if len(unknown) > 1 else ''} {names} ({choice.label})",
        field=format_path(extra_path),
        hint=f"did you mean '{close[0]}'?" if close else "",
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
