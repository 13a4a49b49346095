"""Read commits, trees and files of a git repository through git's plumbing commands.

The check path needs four questions answered: where the work tree is, which commits touched a
file, what a file held in a commit, and which files a pull request changes. Asking ``git`` itself
(a few short-lived plumbing processes, ~2 ms each) costs far less than importing GitPython
(~40 ms, a seventh of the ``aigov check`` budget), so the PR path reads git here; GitPython stays
where its porcelain earns its import (cloning repositories for the portfolio scan).

Nothing from the repository is executed: only plumbing commands run (``rev-parse``,
``rev-list``, ``merge-base``, ``diff-tree``, ``ls-tree``, ``cat-file``), which read the object
database and never touch the work tree, so no hook, filter, textconv or fsmonitor configured in
the repository runs. User-given refs are passed after ``--end-of-options`` so that a ref cannot
be read as an option, and ``GIT_NO_REPLACE_OBJECTS`` keeps ``refs/replace`` from substituting
objects.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from aigov.errors import AigovError

GIT_TIMEOUT_SECONDS = 60
"""A single plumbing command never legitimately takes this long; past it the repository is
treated as unreadable instead of stalling the pipeline."""

_READ_CHUNK = 1 << 16


class GitError(AigovError):
    """git is missing, the path is not a repository, or a command failed; the message says which."""


def _environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(
        GIT_TERMINAL_PROMPT="0",  # never wait for credentials on a CI runner
        GIT_OPTIONAL_LOCKS="0",  # read-only: do not refresh the index behind the user's back
        GIT_NO_REPLACE_OBJECTS="1",
        LC_ALL="C",  # error messages are parsed for nothing, but quoted: keep them in English
    )
    return env


def run_git(
    repository: Path,
    *arguments: str,
    check: bool = True,
    environment: Mapping[str, str] | None = None,
    timeout: float = GIT_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repository ARGUMENTS`` and return its output (bytes); raises GitError.

    ``environment`` replaces this process's environment as the base git runs with (the
    settings above still apply): a caller passing git configuration or credentials through
    ``GIT_CONFIG_*`` variables (:mod:`aigov.policy.remote`)."""
    try:
        completed = subprocess.run(
            _command(repository, *arguments),
            capture_output=True,
            stdin=subprocess.DEVNULL,
            env=_environment(environment),
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (no `git` on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"`git {arguments[0]}` did not answer within {timeout:g} s") from None
    if check and completed.returncode != 0:
        raise GitError(_first_line(completed.stderr) or f"`git {arguments[0]}` failed")
    return completed


def _command(repository: Path, *arguments: str) -> list[str]:
    return ["git", "-C", str(repository), "-c", "core.fsmonitor=false", *arguments]


def _first_line(stderr: bytes) -> str:
    text = stderr.decode("utf-8", "replace").strip()
    first = text.splitlines()[0] if text else ""
    return first.removeprefix("fatal: ").removeprefix("error: ")


@dataclass(frozen=True)
class WorkTree:
    """The git repository holding a folder: its top level, git dir, and HEAD (None if unborn)."""

    top_level: Path
    git_dir: Path
    shallow: bool
    head: str | None


def find_work_tree(path: Path) -> WorkTree:
    """The repository holding ``path`` (searching parent folders, as git does)."""
    completed = run_git(
        path,
        "rev-parse",
        "--show-toplevel",
        "--absolute-git-dir",
        "--is-shallow-repository",
        "HEAD",
        check=False,
    )
    lines = completed.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 3:
        reason = _first_line(completed.stderr)
        if "not a git repository" in reason:
            raise GitError(f"{path} is not inside a git repository")
        raise GitError(reason or f"git cannot read {path}")
    if not lines[0]:  # a bare repository has no work tree
        raise GitError(f"{path} is not inside a git work tree")
    head = lines[3] if completed.returncode == 0 and len(lines) > 3 else None
    return WorkTree(Path(lines[0]), Path(lines[1]), lines[2] == "true", head)


def resolve_commit(repository: Path, ref: str) -> str | None:
    """The full sha of the commit ``ref`` names, or None when it names no commit here."""
    completed = run_git(
        repository,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{ref}^{{commit}}",
        check=False,
    )
    sha = completed.stdout.decode("ascii", "replace").strip()
    return sha if completed.returncode == 0 and sha else None


def merge_base(repository: Path, first: str, second: str) -> str | None:
    """The best common ancestor of two commits (None when their histories are unrelated)."""
    completed = run_git(repository, "merge-base", "--end-of-options", first, second, check=False)
    if completed.returncode == 1:  # git's "no merge base"
        return None
    if completed.returncode != 0:
        raise GitError(_first_line(completed.stderr) or "`git merge-base` failed")
    return completed.stdout.decode("ascii").strip()


def changed_paths(repository: Path, old: str, new: str) -> list[str]:
    """Every path added, removed or modified between two commits (both sides of a rename)."""
    output = run_git(
        repository,
        "diff-tree",
        "-r",
        "-z",
        "--name-only",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--end-of-options",
        old,
        new,
    ).stdout
    return sorted({name for name in output.decode("utf-8", "surrogateescape").split("\0") if name})


def files_named(folder: Path, name: str) -> list[str]:
    """The files called ``name`` under ``folder`` that git tracks or would track (untracked ones
    not ignored by ``.gitignore``, ``.git/info/exclude`` or ``core.excludesFile``), as paths
    relative to ``folder``.

    ``ls-files`` lists the index and reads the work tree's folders; like the plumbing above it
    runs no hook, filter or fsmonitor (turned off for every command), so it reads git's ignore
    rules without executing anything from the repository.
    """
    output = run_git(
        folder,
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
        "--",
        f":(glob)**/{name}",
    ).stdout
    return sorted({path for path in output.decode("utf-8", "surrogateescape").split("\0") if path})


@dataclass(frozen=True)
class TreeEntry:
    path: str
    mode: int
    kind: str  # "blob", "tree" or "commit" (a submodule)
    sha: str
    size: int | None  # None for trees and submodules


SYMLINK_MODE = 0o120000


def list_tree(repository: Path, commit: str) -> Iterator[TreeEntry]:
    """Every entry of a commit's tree, recursively (``git ls-tree -r -l``)."""
    output = run_git(
        repository, "ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", commit
    ).stdout
    for record in output.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha, size = meta.split()
        yield TreeEntry(
            path.decode("utf-8", "surrogateescape"),
            int(mode, 8),
            kind.decode("ascii"),
            sha.decode("ascii"),
            int(size) if size != b"-" else None,
        )


def commits_touching(
    repository: Path, head: str, path: str, format_fields: Sequence[str]
) -> list[list[str]]:
    """The commits from ``head`` that changed ``path``, oldest first, as their format fields.

    ``format_fields`` are ``git log`` placeholders (``%H``, ``%cd``, ``%an``…); one ``rev-list``
    prints them all, NUL-separated (NUL cannot occur in any of them). Dates (``%cd``, ``%ad``)
    come raw, ``<unix seconds> <±hhmm>``: git refuses to format a time before 1970 in its zone
    (``%cI`` of ``0 -1200`` is a fatal error), and a history may hold any date.

    The order is topological (``--topo-order``): a commit never comes before one of its
    ancestors, whatever dates its committer wrote — dates are claims, ancestry is not.

    Every parent is followed (``--full-history``): git's default history simplification drops
    a merge's side whose file matches the merge result, so an orphan branch that loosened a
    threshold and was merged with ``-s ours`` would vanish from the manifest's history.
    ``head`` may be a range (``BASE..HEAD``).
    """
    output = run_git(
        repository,
        "rev-list",
        "--reverse",
        "--topo-order",
        "--full-history",
        "--date=raw",
        f"--format={'%x00'.join(format_fields)}",
        "--end-of-options",
        head,
        "--",
        path,
    ).stdout
    commits = []
    for line in output.decode("utf-8", "replace").split("\n"):
        fields = line.split("\0")
        if len(fields) == len(format_fields):  # not rev-list's own "commit <sha>" lines
            commits.append(fields)
    return commits


@dataclass(frozen=True)
class Signature:
    """A commit's signature as ``git verify-commit`` judged it against an allowed-signers file."""

    commit: str
    good: bool
    principal: str | None
    """The allowed-signers principal whose key made a good signature (None otherwise)."""
    detail: str


def verify_commit_signature(repository: Path, commit: str, allowed_signers: Path) -> Signature:
    """Whether ``commit`` carries a good SSH signature by a key of ``allowed_signers``.

    The verification program and format are pinned on the command line so that the
    repository's own configuration cannot substitute a program that says "Good" to anything.
    GPG signatures are reported as not verified: an allowed-signers file lists SSH keys only.
    """
    completed = run_git(
        repository,
        "-c",
        "gpg.ssh.program=ssh-keygen",
        "-c",
        "gpg.program=/bin/false",
        "-c",
        "gpg.x509.program=/bin/false",
        "-c",
        f"gpg.ssh.allowedSignersFile={allowed_signers}",
        "-c",
        "gpg.ssh.revocationFile=",
        "verify-commit",
        "--raw",
        "--end-of-options",
        commit,
        check=False,
    )
    text = completed.stderr.decode("utf-8", "replace")
    for line in text.splitlines():
        # ssh-keygen -Y verify: Good "git" signature for PRINCIPAL with ED25519 key SHA256:…
        if completed.returncode == 0 and line.startswith('Good "git" signature for '):
            principal = line.removeprefix('Good "git" signature for ').rsplit(" with ", 1)[0]
            return Signature(commit, True, principal, line)
    reason = _first_line(completed.stderr) or "no signature"
    if reason.startswith('Good "git" signature with'):  # a valid key, but not an allowed one
        reason = "signed with a key that the allowed signers file does not list"
    return Signature(commit, False, None, reason)


class ObjectReader:
    """Read many objects through one ``git cat-file --batch`` process (a context manager).

    Objects are asked for one at a time and each answer is read before the next question, so
    neither pipe can fill up; an object larger than the caller's limit is drained in chunks and
    never held in memory.
    """

    def __init__(self, repository: Path) -> None:
        try:
            self._process = subprocess.Popen(
                _command(repository, "cat-file", "--batch"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=_environment(),
            )
        except FileNotFoundError:
            raise GitError("git is not installed (no `git` on PATH)") from None
        assert self._process.stdin is not None and self._process.stdout is not None
        self._stdin: IO[bytes] = self._process.stdin
        self._stdout: IO[bytes] = self._process.stdout

    def read(self, name: str, *, max_bytes: int) -> tuple[str, bytes] | None:
        """``(kind, content)`` of the object ``name`` (``<commit>:<path>`` works), or None when
        it does not exist or is larger than ``max_bytes``."""
        if "\n" in name:
            return None  # would be read as two requests
        try:
            self._stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            self._stdin.flush()
            header = self._stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            raise GitError(f"`git cat-file` stopped answering: {exc}") from None
        parts = header.split()
        if len(parts) != 3:  # "<name> missing" / "<name> ambiguous" / git exited
            if not header:
                raise GitError("`git cat-file` stopped answering")
            return None
        kind, size = parts[1].decode("ascii"), int(parts[2])
        if size > max_bytes:
            remaining = size + 1  # the content and its trailing newline
            while remaining:
                chunk = self._stdout.read(min(remaining, _READ_CHUNK))
                if not chunk:
                    raise GitError("`git cat-file` stopped answering")
                remaining -= len(chunk)
            return None
        content = self._stdout.read(size)
        self._stdout.read(1)
        return kind, content

    def close(self) -> None:
        if self._process.poll() is None:
            self._stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._stdout.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
