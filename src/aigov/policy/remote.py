"""Policy sources in a remote git repository, fetched at a pinned ref into the user's cache.

``--policies https://host/org/policies.git@v2.3.0`` (also ``ssh://[user@]host[:port]/path@REF``
and the scp-like ``user@host:path@REF``; ``git+`` before the scheme is accepted). Only the ref
is fetched, shallow (``--depth 1``), into a bare repository under the user's cache
(``$AIGOV_CACHE_DIR/sources``, else ``$XDG_CACHE_HOME/aigov/sources``, else
``~/.cache/aigov/sources``; with ``AIGOV_NO_CACHE=1`` a temporary one, removed after reading).
Files are then read from git objects (:mod:`aigov.policy.git_tree`): nothing is checked out or
run.

Reuse: a full commit sha already fetched, or a tag fetched before, is read from the cache with
no network call (a tag is taken to be immutable; pin a digest to detect one that was moved). A
branch (or ``HEAD``) is asked for on every run (``git ls-remote``) and fetched again when it
moved: it is a moving ref, and the report's policy source line says so unless a digest pins it.

Credentials: for https, the token in ``AIGOV_POLICIES_TOKEN`` (username from the URL, default
``x-access-token``) is given to git as an ``Authorization`` header scoped to the configured
URL by environment variables (``GIT_CONFIG_COUNT``/``KEY``/``VALUE``): never on a command line
(visible in ``ps``), never written to disk, scrubbed from every message. Redirects are refused
(``http.followRedirects=false``) so that the header cannot follow one to another host, only
the URL's own transport is allowed (``GIT_ALLOW_PROTOCOL``), and the token is never sent over
plain http except to a loopback address (local mirrors and tests).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal
from urllib.parse import urlsplit

from aigov.errors import AigovError
from aigov.git_objects import GitError, run_git

TOKEN_VARIABLE: Final = "AIGOV_POLICIES_TOKEN"
DEFAULT_USERNAME: Final = "x-access-token"
FETCH_TIMEOUT_SECONDS: Final = 300
"""A shallow fetch of a policy repository is small; past this the host is treated as down."""

_FULL_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_USER = re.compile(r"^[A-Za-z0-9._~+-]+$")
_SCP_LIKE = re.compile(r"^(?P<user>[A-Za-z0-9._~+-]+)@(?P<host>[^/:@]+):(?P<path>[^@]+)$")

RefKind = Literal["tag", "branch", "commit"]


class RemoteSourceError(AigovError):
    """A remote policy source cannot be parsed or fetched; the message never holds the token."""


@dataclass(frozen=True)
class RemoteLocation:
    """A remote repository: the URL git fetches (no credentials in it), its transport and host,
    and the username a token is sent with (https)."""

    url: str
    scheme: Literal["https", "http", "ssh"]
    host: str
    username: str | None = None


@dataclass(frozen=True)
class RemoteSpec:
    """``URL@REF[#sha256:DIGEST]`` parsed."""

    location: RemoteLocation
    ref: str
    digest: str | None = None


def is_remote(text: str) -> bool:
    """Whether ``text`` names a remote repository (and not a folder or ``git+file://``)."""
    rest = text.removeprefix("git+").partition("#")[0]
    if rest.startswith(("https://", "http://", "ssh://")):
        return True
    return bool(_SCP_LIKE.match(rest) or _SCP_LIKE.match(rest.rpartition("@")[0]))


def parse_remote(text: str, ref: str | None = None) -> RemoteSpec:
    """``URL@REF`` (or ``URL`` with ``ref``), optionally followed by ``#sha256:DIGEST``."""
    rest, digest = _split_digest(text.removeprefix("git+"))
    if rest.startswith(("https://", "http://", "ssh://")):
        scheme_end = rest.index("://") + 3
        slash = rest.find("/", scheme_end)
        head, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
        path, at, pinned = path.rpartition("@") if "@" in path else (path, "", "")
        location = _url_location(head + path, text)
    else:
        scp = _SCP_LIKE.match(rest) if rest.count("@") == 1 else None
        if scp is None:
            base, at, pinned = rest.rpartition("@")
            scp = _SCP_LIKE.match(base)
        else:
            at, pinned = "", ""
        if scp is None:
            raise RemoteSourceError(f"'{text}' is not a repository URL (user@host:path@REF)")
        location = RemoteLocation(
            f"{scp['user']}@{scp['host']}:{scp['path']}", "ssh", _checked_host(scp["host"], text)
        )
    if not at:
        pinned = ref or ""
    if not pinned:
        raise RemoteSourceError(
            f"'{text}': pin the ref, e.g. {location.url}@v1.2.0 (a tag or a commit sha)"
        )
    return RemoteSpec(location, check_ref(pinned, text), digest)


def _split_digest(text: str) -> tuple[str, str | None]:
    base, hashed, digest = text.rpartition("#")
    if not hashed:
        return text, None
    if not _DIGEST.match(digest):
        raise RemoteSourceError(
            f"'{text}': the pinned digest must be #sha256: followed by 64 hexadecimal digits"
        )
    return base, digest


def _url_location(url: str, text: str) -> RemoteLocation:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise RemoteSourceError(f"'{text}' is not a repository URL") from None
    if parts.query or parts.fragment or not parts.path.strip("/"):
        raise RemoteSourceError(f"'{text}': give the repository's URL, with its path")
    if parts.password is not None:
        raise RemoteSourceError(
            f"'{_without_password(url)}': a password or token in the URL would be printed in "
            f"reports; put the token in {TOKEN_VARIABLE}"
        )
    host = _checked_host(parts.hostname or "", text)
    user = parts.username
    if user is not None and not _USER.match(user):
        raise RemoteSourceError(f"'{text}': unexpected characters in the user name")
    scheme = parts.scheme.lower()
    if scheme == "ssh":
        return RemoteLocation(url, "ssh", host)
    bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
    return RemoteLocation(bare, "https" if scheme == "https" else "http", host, user)


def _without_password(url: str) -> str:
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)


def _checked_host(host: str, text: str) -> str:
    # A host starting with '-' would reach ssh as an option (CVE-2017-1000117).
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host.lower()
    except ValueError:
        pass
    if not _HOST.match(host):
        raise RemoteSourceError(f"'{text}': '{host}' is not a host name")
    return host.lower()


def check_ref(ref: str, text: str = "") -> str:
    """``ref`` when it is a plain branch, tag or commit name (no refspec or option syntax)."""
    if (
        not re.match(r"^[A-Za-z0-9_][A-Za-z0-9._/+-]*$", ref)
        or ".." in ref
        or "//" in ref
        or ref.endswith(("/", ".", ".lock"))
    ):
        raise RemoteSourceError(f"'{text or ref}': '{ref}' is not a branch, tag or commit name")
    return ref


# --- fetching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchedRef:
    """A ref of a remote repository, present in a local bare repository."""

    repository: Path
    commit: str
    kind: RefKind
    fetched: bool
    """Whether the network was used (False: reused from the cache)."""


class _Git:
    """git commands against one remote, with the token given through the environment."""

    def __init__(self, location: RemoteLocation, repository: Path, environ: Mapping[str, str]):
        self.location = location
        self.repository = repository
        token = environ.get(TOKEN_VARIABLE, "").strip()
        self._secrets: tuple[str, ...] = ()
        self.env = _base_environment(environ, location.scheme)
        config: list[tuple[str, str]] = [("http.followRedirects", "false")]
        if token and location.scheme in ("https", "http"):
            if location.scheme == "http" and not _loopback(location.host):
                raise RemoteSourceError(
                    f"{TOKEN_VARIABLE} is set but {location.url} is plain http: the token is "
                    "sent over https only"
                )
            user = location.username or DEFAULT_USERNAME
            basic = base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
            config.append((f"http.{location.url}.extraHeader", f"Authorization: Basic {basic}"))
            self._secrets = (token, basic)
        self.token_set = bool(token)
        _add_config(self.env, config)

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def run(self, *arguments: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return run_git(
                self.repository,
                *arguments,
                check=False,
                environment=self.env,
                timeout=FETCH_TIMEOUT_SECONDS,
            )
        except GitError as exc:  # git missing, or no answer in time
            raise RemoteSourceError(f"{self.location.url}: {self.scrub(str(exc))}") from None

    def remote(self, action: str, *arguments: str) -> str:
        """Run a command that talks to the remote; its output, or a one-line error."""
        completed = self.run(*arguments)
        if completed.returncode != 0:
            raise RemoteSourceError(self.failure(action, completed.stderr))
        return completed.stdout.decode("utf-8", "replace")

    def failure(self, action: str, stderr: bytes) -> str:
        """git's complaint as one clear line, the token scrubbed."""
        lines = [
            line.removeprefix("fatal: ").removeprefix("error: ").strip()
            for line in self.scrub(stderr.decode("utf-8", "replace")).splitlines()
            if line.strip() and not line.startswith(("hint:", "warning:"))
        ]
        said = lines[-1] if lines else "git failed"
        lowered = " ".join(lines).lower()
        where = self.location.url
        reason = _reason(lowered)
        if reason == "redirect":
            return f"{where}: the server redirects, and aigov follows no redirect: {said}"
        if reason == "unreachable":
            return f"cannot reach {self.location.host} to {action}: {said}"
        if reason == "auth":
            state = "set" if self.token_set else "not set"
            return f"{where}: authentication failed ({TOKEN_VARIABLE} {state}): {said}"
        if reason == "missing":
            return f"{where}: no repository there: {said}"
        return f"{where}: git could not {action}: {said}"


# What git (through curl or ssh) says, in English (LC_ALL=C), for each kind of failure.
_REASONS: Final = (
    (
        "auth",
        (
            "authentication failed",
            "could not read username",
            "permission denied",
            " 401",
            " 403",
            "terminal prompts disabled",
            "host key verification failed",
        ),
    ),
    ("redirect", ("redirect", " 301", " 302", " 307", " 308")),
    (
        "unreachable",
        (
            "could not resolve",
            "failed to connect",
            "connection refused",
            "timed out",
            "network is unreachable",
            "no route to host",
            "could not read from remote repository",
        ),
    ),
    ("missing", ("not found", " 404", "does not appear to be a git repository")),
)


def _reason(message: str) -> str | None:
    """Why git failed, from its lower-cased messages: the first kind whose words appear."""
    return next((kind for kind, words in _REASONS if any(w in message for w in words)), None)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _base_environment(environ: Mapping[str, str], scheme: str) -> dict[str, str]:
    env = dict(environ)
    env.pop(TOKEN_VARIABLE, None)  # git needs only the header
    # run_git adds GIT_TERMINAL_PROMPT=0 (never wait for a password) and LC_ALL=C (the
    # messages _reason matches are English).
    env["GIT_ALLOW_PROTOCOL"] = scheme  # the URL's transport, nothing else
    if scheme == "ssh" and not env.get("GIT_SSH_COMMAND") and not env.get("GIT_SSH"):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def _add_config(env: dict[str, str], entries: Sequence[tuple[str, str]]) -> None:
    """Append ``entries`` to the configuration git reads from the environment."""
    try:
        count = int(env.get("GIT_CONFIG_COUNT", "0"))
    except ValueError:
        count = 0
    for key, value in entries:
        env[f"GIT_CONFIG_KEY_{count}"] = key
        env[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    env["GIT_CONFIG_COUNT"] = str(count)


def repository_folder(location: RemoteLocation, directory: Path) -> Path:
    """The bare repository under ``directory`` that caches ``location``'s fetched refs."""
    name = hashlib.sha256(location.url.encode()).hexdigest()[:32]
    return directory / f"{name}.git"


def fetch_ref(
    spec: RemoteSpec, directory: Path, environ: Mapping[str, str] | None = None
) -> FetchedRef:
    """Make ``spec.ref`` of the remote present in the cache under ``directory``."""
    env = os.environ if environ is None else environ
    repository = repository_folder(spec.location, directory)
    _init_bare(repository)
    git = _Git(spec.location, repository, env)
    ref = spec.ref
    if _FULL_SHA.match(ref):
        local = _resolve(git, ref)
        if local is not None:
            return FetchedRef(repository, local, "commit", False)
        _fetch(git, ref, f"refs/aigov/commits/{ref}")
        return FetchedRef(repository, _must_resolve(git, ref, spec), "commit", True)
    cached_tag = _resolve(git, f"refs/aigov/tags/{ref}")
    if cached_tag is not None:
        return FetchedRef(repository, cached_tag, "tag", False)
    advertised = _ls_remote(git, ref)
    if f"refs/tags/{ref}" in advertised:
        _fetch(git, f"refs/tags/{ref}", f"refs/aigov/tags/{ref}")
        return FetchedRef(
            repository, _must_resolve(git, f"refs/aigov/tags/{ref}", spec), "tag", True
        )
    branch = "HEAD" if ref == "HEAD" else f"refs/heads/{ref}"
    if branch not in advertised:
        if re.match(r"^[0-9a-f]{7,39}$", ref):
            raise RemoteSourceError(
                f"{spec.location.url}: '{ref}' is not a branch or tag; pin a commit by its full sha"
            )
        raise RemoteSourceError(f"{spec.location.url}: no branch or tag '{ref}'")
    local_ref = f"refs/aigov/heads/{ref}"
    if _resolve(git, advertised[branch]) is not None:  # the branch did not move
        git.run("update-ref", local_ref, advertised[branch])
        return FetchedRef(repository, advertised[branch], "branch", False)
    _fetch(git, branch, local_ref)
    return FetchedRef(repository, _must_resolve(git, local_ref, spec), "branch", True)


def _init_bare(repository: Path) -> None:
    if (repository / "HEAD").is_file():
        return
    repository.parent.mkdir(parents=True, exist_ok=True)
    # --template= : no sample hooks or other template files in aigov's own cache repository.
    try:
        run_git(repository.parent, "init", "--quiet", "--bare", "--template=", repository.name)
    except GitError as exc:
        if not (repository / "HEAD").is_file():  # else another run created it meanwhile
            raise RemoteSourceError(f"cannot create the policy cache {repository}: {exc}") from None


def _resolve(git: _Git, name: str) -> str | None:
    completed = git.run(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"
    )
    sha = completed.stdout.decode("ascii", "replace").strip()
    return sha if completed.returncode == 0 and sha else None


def _must_resolve(git: _Git, name: str, spec: RemoteSpec) -> str:
    commit = _resolve(git, name)
    if commit is None:
        raise RemoteSourceError(f"{spec.location.url}: '{spec.ref}' does not name a commit")
    return commit


def _ls_remote(git: _Git, ref: str) -> dict[str, str]:
    """Ref name -> sha of the remote's refs named ``ref`` (peeled tags folded in)."""
    output = git.remote("list its refs", "ls-remote", git.location.url, ref)
    found: dict[str, str] = {}
    for line in output.splitlines():
        sha, _, name = line.partition("\t")
        found[name.removesuffix("^{}")] = sha
    return found


def _fetch(git: _Git, remote_ref: str, local_ref: str) -> None:
    git.remote(
        "fetch",
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--depth=1",
        "--no-recurse-submodules",
        git.location.url,
        f"+{remote_ref}:{local_ref}",
    )
