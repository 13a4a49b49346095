"""A file of git URLs: each repository cloned once into the cache, then fetched.

One URL a line (``#`` starts a comment). A clone keeps the whole history by default, since the
time-to-market reads the stage timeline from the history of ``aigov.yaml``; ``shallow=True``
clones and fetches one commit (the timeline then falls back to the manifest's dates). gitpython
refuses unsafe transports (``ext::``) and options in URLs by default.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError


def normalise_url(url: str) -> str:
    """A repository's identity from its URL: no credentials, no ``.git``, no trailing slash."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        text = urlunsplit((parts.scheme, host, parts.path, "", ""))
    text = text.rstrip("/")
    return text[: -len(".git")] if text.endswith(".git") else text


class GitUrlSource:
    """Repositories listed by URL in a file, cloned or fetched into ``cache``."""

    def __init__(self, listing: Path, cache: Path, *, shallow: bool = False) -> None:
        self.listing = listing
        self.cache = cache
        self.shallow = shallow
        self.description = f"repos:{listing}"

    def list(self) -> list[RepositoryRef]:
        try:
            lines = self.listing.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SourceError(f"{self.listing}: {exc.strerror or exc}") from None
        refs: dict[str, RepositoryRef] = {}
        for line in lines:
            url = line.split("#", 1)[0].strip()
            if not url:
                continue
            identity = normalise_url(url)
            name = re.sub(r"\.git$", "", identity.rstrip("/").rsplit("/", 1)[-1]) or identity
            refs.setdefault(identity, RepositoryRef(identity, name, "git", url))
        return list(refs.values())

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        import git

        digest = hashlib.sha256(ref.id.encode()).hexdigest()[:16]
        folder = self.cache / f"{digest}-{re.sub(r'[^A-Za-z0-9._-]', '_', ref.name)[:40]}"
        depth = {"depth": 1} if self.shallow else {}
        if (folder / ".git").is_dir():
            repo = git.Repo(folder)
            repo.git.fetch(ref.location, "HEAD", "--force", *(["--depth=1"] if depth else []))
            repo.git.reset("--hard", "FETCH_HEAD")
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            repo = git.Repo.clone_from(ref.location, folder, **depth)  # type: ignore[arg-type]
        return Materialized(folder, repo.head.commit.hexsha)
