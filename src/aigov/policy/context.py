"""The data an expression sees, built from a loaded repository (see ``policies/README.md``),
and the way back from a context path to the file, line and column that wrote it.

The evidence and the change arrive typed (:class:`~aigov.evidence.collect.Evidence`,
:class:`~aigov.evidence.change.ChangeContext`) and become plain data here, the one place they
do (besides the JSON result's ``extra.change``); a policy fixture gives them as plain data."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Mapping
from typing import Any, Final

from aigov.documents.contract_fields import contract_fields
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.model_card import PLACEHOLDER, ModelCard
from aigov.documents.problems import Location
from aigov.documents.repository import DEFAULT_MODEL_CARD, Repository
from aigov.documents.safe_yaml import YamlDocument
from aigov.evidence.change import ChangeContext
from aigov.evidence.collect import Evidence
from aigov.policy.derive import derive
from aigov.policy.org import OrgConfig
from aigov.policy.paths import ContextPath, parse_path


def section_key(title: str) -> str:
    """A model card heading as a key of ``model_card.sections``: lower case, spaces collapsed."""
    return " ".join(title.lower().split())


def model_card_context(card: ModelCard | None) -> dict[str, Any]:
    """Front matter keys (``model_index`` for ``model-index``), ``exists``, ``sections``,
    ``placeholders``."""
    if card is None:
        return {"exists": False, "sections": {}, "placeholders": 0}
    data: dict[str, Any] = card.metadata.model_dump(mode="json", exclude_none=True)
    sections: dict[str, Any] = {}
    for section in card.sections:
        sections.setdefault(
            section_key(section.title),
            {
                "title": section.title,
                "text": section.text,
                "line": section.line,
                "empty": section.is_empty,
                "placeholder": section.has_placeholder,
            },
        )
    data.update(exists=True, sections=sections, placeholders=card.body.count(PLACEHOLDER))
    return data


def contract_context(data: Mapping[str, Any], file: str | None) -> dict[str, Any]:
    """A contract as rules read it: as written, plus ``file`` (unless None) and ``fields``
    (every property at any depth, flat: see :mod:`aigov.documents.contract_fields`)."""
    context = {**data, "fields": [field.plain() for field in contract_fields(data)]}
    if file is not None:
        context["file"] = file
    return context


def org_context(org: OrgConfig) -> dict[str, Any]:
    # Unset optional limits are absent, not null, so that rules can test them with has().
    data: dict[str, Any] = org.model_dump(
        mode="json", exclude={"api_version", "kind"}, exclude_none=True
    )
    return data


def build_context(
    repository: Repository,
    org: OrgConfig,
    *,
    evidence: Evidence | Mapping[str, Any],
    change: ChangeContext | Mapping[str, Any] | None,
    today: dt.date,
) -> dict[str, Any]:
    """The expression context of one repository; raises ValueError without a valid manifest."""
    if repository.manifest is None:
        raise ValueError("the repository has no valid aigov.yaml: run `aigov validate` first")
    context = {
        "manifest": repository.manifest.model_dump(mode="json", by_alias=True, exclude_none=True),
        "model_card": model_card_context(repository.model_card),
        "contracts": [
            contract_context(contract.data, contract.file) for contract in repository.contracts
        ],
        "evidence": evidence.plain() if isinstance(evidence, Evidence) else dict(evidence),
        "change": change.plain() if isinstance(change, ChangeContext) else dict(change or {}),
        "today": today,
        "org": org_context(org),
    }
    context["derived"] = derive(context)
    return context


def locate(repository: Repository, path_text: str | None) -> Location:
    """Where the field at a context path was written, or where it is missing from: its nearest
    written ancestor (a top-level section the file lacks: see :func:`manifest_location`)."""
    manifest_root = (
        repository.manifest_document.locate(())
        if repository.manifest_document
        else Location(MANIFEST_FILE)
    )
    path = parse_path(path_text) if path_text else None
    if not path:
        return manifest_root
    root, rest = path[0], path[1:]
    if root == "manifest" and repository.manifest_document is not None:
        return manifest_location(repository.manifest_document, rest)
    if root == "model_card":
        return _locate_in_card(repository, rest)
    if (
        root == "contracts"
        and rest
        and isinstance(rest[0], int)
        and rest[0] < len(repository.contracts)
    ):
        contract = repository.contracts[rest[0]]
        inner = _contract_path(contract.data, rest[1:])
        return section_location(contract.document, inner, _contract_sections())
    if root == "contracts" and repository.manifest_document is not None:
        # No such contract file: the manifest's list of contracts is where one is declared.
        return manifest_location(repository.manifest_document, ("data", "contracts"))
    return manifest_root


MANIFEST_SECTIONS: Final = tuple(
    field.alias or name for name, field in LifecycleManifest.model_fields.items()
)
"""The top-level keys of aigov.yaml in the order the manifest's model declares them."""


def manifest_location(document: YamlDocument, path: ContextPath) -> Location:
    """Where ``path`` is written in aigov.yaml, or where it is missing from (see
    :func:`section_location`)."""
    return section_location(document, path, MANIFEST_SECTIONS)


_IDENTITY_KEYS: Final = frozenset({"apiVersion", "kind", "version"})
"""Top-level keys every such file starts with, which say nothing about a missing section."""


def section_location(
    document: YamlDocument, path: ContextPath, sections: tuple[str, ...]
) -> Location:
    """Where ``path`` is written in ``document``, or its nearest written ancestor.

    A top-level key the file lacks has no ancestor but the file itself, whose first line
    (``apiVersion``) would gather every such finding: it is placed instead at the key that comes
    before it in the order of ``sections`` (the document's keys as its schema declares them:
    where it is to be written), else the one after it.
    """
    if not path or document.has_position(path[:1]):
        return document.locate(path)
    key = str(path[0])
    index = sections.index(key) if key in sections else len(sections)
    before = [s for s in reversed(sections[:index]) if s not in _IDENTITY_KEYS]
    after = [s for s in sections[index + 1 :] if s not in _IDENTITY_KEYS]
    for section in (*before, *after):
        if document.has_position((section,)):
            return document.locate((section,))
    return document.locate(())


@functools.cache
def _contract_sections() -> tuple[str, ...]:
    """The top-level keys of an ODCS contract in the order of its official schema."""
    from aigov.documents.odcs import odcs_schema

    return tuple(odcs_schema().get("properties", {}))


def _contract_path(data: Mapping[str, Any], path: ContextPath) -> ContextPath:
    """A path into a contract's context as a path into its file: ``fields[j]…`` is the j-th
    property of the walk, wherever it is nested."""
    if len(path) < 2 or path[0] != "fields" or not isinstance(path[1], int) or path[1] < 0:
        return path
    field = next(itertools.islice(contract_fields(data), path[1], None), None)
    return () if field is None else (*field.where, *path[2:])


def _locate_in_card(repository: Repository, path: ContextPath) -> Location:
    card, document = repository.model_card, repository.model_card_document
    if card is None or document is None:
        # No card: point at the manifest's reference to it (or where it is to be written), not
        # at a file that does not exist, where no annotation can be shown.
        if repository.manifest_document is not None:
            return manifest_location(repository.manifest_document, ("model", "card"))
        return Location(repository.model_card_file or DEFAULT_MODEL_CARD)
    file = repository.model_card_file or DEFAULT_MODEL_CARD
    if not path or path[0] in ("exists", "placeholders"):
        lines = card.placeholder_lines
        return Location(file, lines[0] if lines and path[:1] == ("placeholders",) else 1, 1)
    if path[0] == "sections":
        if len(path) > 1:
            found = card.section(str(path[1]))
            wanted = section_key(str(path[1]))
            match = next((s for s in card.sections if section_key(s.title) == wanted), found)
            if match is not None:
                return Location(file, match.line, 1)
        return Location(file, card.body_line, 1)
    first = "model-index" if path[0] == "model_index" else path[0]
    if not document.has_position((first,)) and card.body_line > 1:
        # A key the front matter lacks: its closing line, where the key is to be added (its
        # first line would gather every such finding).
        return Location(file, card.body_line - 1, 1)
    return document.locate((first, *path[1:]))
