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
from aigov.documents.model_card import (
    MAX_CARD_HEADINGS,
    ModelCard,
    ModelCardMetadata,
    parse_sections,
    split_front_matter,
)
from aigov.documents.problems import DocumentError, Location, Problem, ProblemList
from aigov.documents.safe_yaml import YamlDocument, format_path, parse_yaml
from aigov.documents.validation import suggest_field, validate_document

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
        text = read_text(path, shown)
    except DocumentError as exc:
        repository.problems.add(exc.problem)
        return
    repository.model_card_file = shown
    card, document, problems = parse_model_card(text, shown)
    repository.model_card = card
    repository.model_card_document = document
    repository.problems.extend(problems)


def parse_model_card(text: str, shown_as: str) -> tuple[ModelCard, YamlDocument, list[Problem]]:
    """Parse a Hugging Face model card (CRLF-normalised text) as leniently as the Hub does.

    A card always loads: a missing front matter is a warning, an unusable ``model-index`` a
    warning and left out (the Hub's own behaviour); wrong governance keys are errors.
    """
    yaml_text, body, body_line = split_front_matter(text)
    problems: list[Problem] = []
    document, raw = _front_matter(yaml_text, shown_as, problems)
    metadata = _card_metadata(raw, document, problems)
    sections = parse_sections(body, body_line, limit=MAX_CARD_HEADINGS)
    if len(sections) > MAX_CARD_HEADINGS:
        problems.append(
            Problem(
                Location(shown_as, sections[-1].line, 1),
                "card.too-many-headings",
                f"the model card has more than {MAX_CARD_HEADINGS:,} headings",
                hint="A model card needs a few dozen sections: remove the generated ones.",
            )
        )
        sections = sections[:MAX_CARD_HEADINGS]
    card = ModelCard(
        metadata=metadata if metadata is not None else ModelCardMetadata(),
        raw_metadata=raw,
        has_front_matter=yaml_text is not None,
        body=body,
        body_line=body_line,
        sections=sections,
    )
    return card, document, problems


def _front_matter(
    yaml_text: str | None, shown_as: str, problems: list[Problem]
) -> tuple[YamlDocument, dict[str, Any]]:
    """The card's front matter parsed (its positions for locating problems) and its mapping;
    an empty mapping, with the reason in ``problems``, when there is none to read."""
    document = YamlDocument(shown_as, {}, {(): (1, 1)})
    if yaml_text is None:
        problems.append(
            Problem(
                Location(shown_as, 1, 1),
                "card.no-front-matter",
                "model card has no YAML front matter (the '---' block with license, model-index "
                "and the governance keys)",
                level="warning",
                hint="Start the file with a '---' line, the metadata, and another '---' line.",
            )
        )
        return document, {}
    try:
        document = parse_yaml(yaml_text, shown_as, line_offset=1)
    except DocumentError as exc:
        problems.append(exc.problem)
        return document, {}
    problems.extend(document.problems)
    if isinstance(document.data, dict):
        return document, document.data
    if document.data is not None:
        problems.append(
            Problem(document.locate(()), "yaml.not-mapping", "front matter is not a mapping")
        )
    return document, {}


def _card_metadata(
    raw: dict[str, Any], document: YamlDocument, problems: list[Problem]
) -> ModelCardMetadata | None:
    """The front matter validated; an unusable ``model-index`` is left out with warnings (the
    Hub keeps such a card without its evaluation results), unknown keys close to a known one
    are warnings that name it."""
    shown_as = document.file
    metadata_doc = YamlDocument(shown_as, raw, document.positions, document.line_offset)
    metadata, errors = validate_document(ModelCardMetadata, metadata_doc)
    index_errors = [p for p in errors if p.field.startswith("model-index")]
    if index_errors:
        problems.extend(
            Problem(p.location, "card.model-index", p.message, p.field, "warning", p.hint)
            for p in index_errors
        )
        metadata_doc = YamlDocument(
            shown_as,
            {k: v for k, v in raw.items() if k != "model-index"},
            document.positions,
            document.line_offset,
        )
        metadata, errors = validate_document(ModelCardMetadata, metadata_doc)
    problems.extend(errors)
    extra_keys = (metadata.model_extra or {}) if metadata is not None else {}
    for key in extra_keys:
        close = suggest_field(ModelCardMetadata, (key,))
        if close:
            problems.append(
                Problem(
                    document.locate((key,)),
                    "card.unknown-field",
                    f"unknown field '{key}'",
                    field=format_path((key,)),
                    level="warning",
                    hint=f"did you mean '{close[0]}'?",
                )
            )
    return metadata


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
