"""What the forge sources share: the governed files of one commit, written into the cache.

A forge source reads ``aigov.yaml`` first, then the files it names (``model.card``,
``data.contracts``) and ``.aigov/result.json``, through the forge's API, and writes them under
``cache/<repository>/<commit>/``: the scan evaluates that folder as it would a checkout.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from aigov.documents.files import write_atomically
from aigov.portfolio.evaluate import PUBLISHED_RESULT
from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import SourceError

if TYPE_CHECKING:
    from aigov.scm.forge import HostedRepository

FileReader = Callable[[str], bytes | None]
"""Reads one file of the commit (repository-relative path); None when it does not exist."""


def governed_paths(manifest_text: bytes) -> list[str]:
    """The model card and data contracts an ``aigov.yaml`` names (safe YAML, bad input → [])."""
    from aigov.documents.problems import DocumentError
    from aigov.documents.safe_yaml import parse_yaml

    try:
        data: Any = parse_yaml(manifest_text.decode("utf-8"), "aigov.yaml").data
    except (UnicodeDecodeError, DocumentError):
        return []
    if not isinstance(data, dict):
        return []
    model = data.get("model") if isinstance(data.get("model"), dict) else {}
    card = model.get("card", "MODEL_CARD.md") if isinstance(model, dict) else "MODEL_CARD.md"
    section = data.get("data") if isinstance(data.get("data"), dict) else {}
    contracts = section.get("contracts", []) if isinstance(section, dict) else []
    paths = [card] if isinstance(card, str) else []
    paths += [c for c in contracts if isinstance(c, str)] if isinstance(contracts, list) else []
    return [p for p in paths if _confined(p)]


def _confined(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def snapshot(folder: Path, read: FileReader) -> Path:
    """Write the governed files of one commit into ``folder`` (replaced whole, atomically)."""
    manifest = read("aigov.yaml")
    if manifest is None:
        raise FileNotFoundError("no aigov.yaml at the root of the default branch")
    files = {"aigov.yaml": manifest}
    for path in [*governed_paths(manifest), PUBLISHED_RESULT]:
        content = read(path)
        if content is not None:
            files[path] = content
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    for path, content in files.items():
        target = partial / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    # Older commits of the same repository are of no further use.
    for sibling in folder.parent.iterdir():
        if sibling != folder and sibling.is_dir():
            shutil.rmtree(sibling, ignore_errors=True)
    return folder


def read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    write_atomically(path, json.dumps(state))


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)[:120]


@contextmanager
def forge_failures() -> Iterator[None]:
    """A forge that cannot be read (:class:`~aigov.scm.forge.ForgeReadError`, its line naming
    what was read) as a :class:`SourceError`."""
    from aigov.scm.forge import ForgeReadError

    try:
        yield
    except ForgeReadError as exc:
        raise SourceError(str(exc)) from exc


def hosted_refs(
    forge: str, listing: Callable[[], list[HostedRepository]]
) -> list[tuple[RepositoryRef, HostedRepository]]:
    """The repositories a forge lists, each with its ref (id ``forge:full_name``)."""
    with forge_failures():
        repositories = listing()
    return [
        (RepositoryRef(f"{forge}:{repo.full_name}", repo.name, forge, repo.web_url), repo)
        for repo in repositories
    ]
