"""Load everything one AI repository declares: manifest, model card, data contracts.

Loading never stops at the first problem: each file is read on its own, and a broken manifest still
lets the card and contracts it names be checked, so ``aigov validate`` reports all at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigov.documents.contract import DataContract, validate_contract
from aigov.documents.files import RepositoryRoot, read_text
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.model_card import ModelCard, parse_model_card
from aigov.documents.problems import DocumentError, Location, Problem, ProblemList
from aigov.documents.safe_yaml import YamlDocument, parse_yaml
from aigov.documents.validation import validate_document

DEFAULT_MODEL_CARD = "MODEL_CARD.md"
CONTRACTS_FOLDER = "contracts"
CONTRACT_SUFFIXES = (".odcs.yaml", ".odcs.yml")


@dataclass
class Repository:
    """What one repository declares, with the parsed documents kept for locating fields."""

    root: RepositoryRoot
    manifest: LifecycleManifest | None = None
    manifest_document: YamlDocument | None = None
    model_card: ModelCard | None = None
    model_card_file: str | None = None
    model_card_document: YamlDocument | None = None
    contracts: list[DataContract] = field(default_factory=list)
    problems: ProblemList = field(default_factory=ProblemList)

    @property
    def is_valid(self) -> bool:
        return not self.problems.errors


def load_repository(path: Path | str) -> Repository:
    """Load and validate the repository at ``path``; problems are collected, not raised."""
    root = RepositoryRoot(path)
    repository = Repository(root)
    raw_manifest = _load_manifest(repository)
    _load_model_card(repository, raw_manifest)
    _load_contracts(repository, raw_manifest)
    return repository


def load_yaml_file(path: Path, shown_as: str) -> YamlDocument:
    """Read and parse one YAML file with every safety limit; raises DocumentError."""
    document = parse_yaml(read_text(path, shown_as), shown_as)
    if document.data is None:
        raise DocumentError(Problem(Location(shown_as, 1, 1), "file.empty", "file is empty"))
    if not isinstance(document.data, dict):
        raise DocumentError(
            Problem(
                document.locate(()),
                "yaml.not-mapping",
                f"expected a mapping of keys to values at the top, found a {_kind(document.data)}",
            )
        )
    return document


def _kind(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


def _load_manifest(repository: Repository) -> dict[str, Any]:
    path = repository.root.path / MANIFEST_FILE
    if not path.exists() and not path.is_symlink():
        repository.problems.add(
            Problem(
                Location(MANIFEST_FILE),
                "manifest.missing",
                "no lifecycle manifest in this repository",
                hint="Create one with `aigov init`.",
            )
        )
        return {}
    try:
        repository.root.resolve(MANIFEST_FILE, referenced_from=Location(MANIFEST_FILE), field="")
        document = load_yaml_file(path, MANIFEST_FILE)
    except DocumentError as exc:
        repository.problems.add(exc.problem)
        return {}
    repository.manifest_document = document
    repository.problems.extend(document.problems)
    manifest, problems = validate_document(LifecycleManifest, document)
    repository.problems.extend(problems)
    repository.manifest = manifest
    data: dict[str, Any] = document.data
    return data


def _declared(raw: dict[str, Any], *keys: str) -> Any:
    current: Any = raw
    for key in keys:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def _load_model_card(repository: Repository, raw_manifest: dict[str, Any]) -> None:
    declared = _declared(raw_manifest, "model", "card")
    reference = declared if isinstance(declared, str) and declared else DEFAULT_MODEL_CARD
    manifest_doc = repository.manifest_document
    where = manifest_doc.locate(("model", "card")) if manifest_doc else Location(MANIFEST_FILE)
    try:
        path = repository.root.resolve(reference, referenced_from=where, field="model.card")
    except DocumentError as exc:
        repository.problems.add(exc.problem)
        return
    shown = repository.root.display(path)
    if not path.exists():
        if declared is not None:
            repository.problems.add(
                Problem(
                    where, "file.missing", f"model card '{reference}' not found", field="model.card"
                )
            )
        return
    try:
        # NUL is allowed: the Hub reads such a card; the YAML reader refuses it in the front
        # matter, as PyYAML does.
        text = read_text(path, shown, allow_nul=True)
    except DocumentError as exc:
        repository.problems.add(exc.problem)
        return
    repository.model_card_file = shown
    card, document, problems = parse_model_card(text, shown)
    repository.model_card = card
    repository.model_card_document = document
    repository.problems.extend(problems)


def _contract_references(
    repository: Repository, raw_manifest: dict[str, Any]
) -> list[tuple[str, Location]]:
    declared = _declared(raw_manifest, "data", "contracts")
    document = repository.manifest_document
    if isinstance(declared, list):
        return [
            (
                item,
                document.locate(("data", "contracts", index))
                if document
                else Location(MANIFEST_FILE),
            )
            for index, item in enumerate(declared)
            if isinstance(item, str) and item
        ]
    folder = repository.root.path / CONTRACTS_FOLDER
    if not folder.is_dir():
        return []
    found = sorted(p for p in folder.iterdir() if p.name.endswith(CONTRACT_SUFFIXES))
    return [
        (f"{CONTRACTS_FOLDER}/{p.name}", Location(f"{CONTRACTS_FOLDER}/{p.name}")) for p in found
    ]


def _load_contracts(repository: Repository, raw_manifest: dict[str, Any]) -> None:
    listed: dict[Path, str] = {}  # each file once, however many times it is listed
    for index, (reference, where) in enumerate(_contract_references(repository, raw_manifest)):
        field_name = f"data.contracts[{index}]"
        try:
            path = repository.root.resolve(reference, referenced_from=where, field=field_name)
            shown = repository.root.display(path)
            if path in listed:
                repository.problems.add(
                    Problem(
                        where,
                        "contract.listed-twice",
                        f"data contract '{reference}' is already listed as {listed[path]}; "
                        "it is read once",
                        field_name,
                        level="warning",
                    )
                )
                continue
            listed[path] = field_name
            if not path.exists():
                raise DocumentError(
                    Problem(
                        where, "file.missing", f"data contract '{reference}' not found", field_name
                    )
                )
            document = load_yaml_file(path, shown)
        except DocumentError as exc:
            repository.problems.add(exc.problem)
            continue
        repository.problems.extend(document.problems)
        contract, problems = validate_contract(document)
        repository.problems.extend(problems)
        if contract is not None:
            repository.contracts.append(contract)
