"""A file of git URLs: each repository cloned once into the cache, then fetched.

The file (``--repos``) lists one repository a line: a git URL (``https://``, ``ssh://``,
``git@host:path``, ``file://``) or a local path, read relative to the file's folder. ``#`` starts a
comment; blank lines are skipped; a repository listed twice is scanned once. A clone keeps the
whole history by default, since the time-to-market reads the stage timeline from the history of
``aigov.yaml``; ``shallow=True`` clones and fetches one commit (the timeline then falls back to
the manifest's dates), and a shallow clone in the cache is deepened by the next full scan. git
never prompts for credentials (a repository it cannot read is an error row, not a hung scan), and
gitpython refuses unsafe transports (``ext::``) and options in URLs by default.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from aigov.errors import AigovError
from aigov.portfolio.model import RepositoryRef
from aigov.portfolio.sources import Materialized, SourceError

if TYPE_CHECKING:
    import git

_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0"}


class GitFetchError(AigovError):
    """git could not clone or fetch a repository; the message is git's own reason."""


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


def is_local_path(url: str) -> bool:
    """git's rule: neither ``scheme://…`` nor scp-like ``[user@]host:path`` (a colon before any
    slash); a Windows drive (``C:\\…``) is a path."""
    if "://" in url:
        return False
    if re.match(r"^[A-Za-z]:[\\/]", url):
        return True
    return ":" not in url.split("/", 1)[0]


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
            if is_local_path(url):
                # Relative to the file, not to the scan's folder (git fetches run in the clone).
                url = str((self.listing.parent / Path(url).expanduser()).resolve())
            identity = normalise_url(url)
            name = re.sub(r"\.git$", "", identity.rstrip("/").rsplit("/", 1)[-1]) or identity
            refs.setdefault(identity, RepositoryRef(identity, name, "git", url))
        return list(refs.values())

    def materialize(self, ref: RepositoryRef, known_head: str | None) -> Materialized:
        import git

        digest = hashlib.sha256(ref.id.encode()).hexdigest()[:16]
        folder = self.cache / f"{digest}-{re.sub(r'[^A-Za-z0-9._-]', '_', ref.name)[:40]}"
        # A plain path would be a "local clone", which ignores --depth: clone it as file://.
        remote = (
            Path(ref.location).resolve().as_uri() if is_local_path(ref.location) else ref.location
        )
        if (folder / ".git").is_dir():
            repo = git.Repo(folder)
            if self.shallow:
                depth = ["--depth=1"]
            elif (folder / ".git" / "shallow").exists():
                depth = ["--unshallow"]  # cloned by a --shallow scan: the history is needed now
            else:
                depth = []
            try:
                repo.git.fetch(remote, "HEAD", "--force", *depth, env=_GIT_ENV)
            except git.GitCommandError as exc:
                raise _fetch_error("fetch", ref, exc) from None
            repo.git.reset("--hard", "FETCH_HEAD")
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            try:
                repo = git.Repo.clone_from(
                    remote,
                    folder,
                    env=_GIT_ENV,
                    multi_options=["--depth=1"] if self.shallow else None,
                )
            except git.GitCommandError as exc:
                raise _fetch_error("clone", ref, exc) from None
        return Materialized(folder, repo.head.commit.hexsha)


def _fetch_error(action: str, ref: RepositoryRef, exc: git.GitCommandError) -> GitFetchError:
    """git's ``fatal:`` line (not gitpython's "exit code(128)"), without any credentials."""
    lines = [line.strip() for line in str(exc.stderr or "").splitlines()]
    lines = [line.removeprefix("stderr: '") for line in lines if line.strip("'")]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:"))]
    reason = (fatal or lines or [""])[0]
    reason = reason.removeprefix("fatal:").removeprefix("error:").strip()
    reason = re.sub(r"(://)[^/@\s]+@", r"\1", reason.replace(ref.location, ref.id))
    return GitFetchError(f"git {action} {ref.id}: {reason or f'exit code {exc.status}'}")
