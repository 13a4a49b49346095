"""Who owns a path per a CODEOWNERS file, as GitHub and GitLab read it (pure: no I/O).

GitHub: one list of ``PATTERN OWNER…`` lines, the last matching line wins (a line without owners
leaves the path unowned); patterns follow ``.gitignore`` (a ``/`` at the start or in the middle
anchors at the root, ``*`` stays within a folder, ``**`` crosses folders) except that ``!`` and
``[ ]`` are not supported (such lines are skipped, as GitHub skips invalid lines) and ``docs/*``
does not reach into sub-folders; ``#`` starts a comment, also after the owners.

GitLab: sections (``[Name]``, ``^[Name]``, ``[Name][2]``, optionally followed by default owners;
names compare without case and repeated sections are one); the lines before the first section
are one more section. In each section the last matching line wins (``!PATTERN`` excludes the
path from that section); the owners of every section apply together. Patterns are
``File.fnmatch`` globs: only a leading ``/`` anchors at the root, and only a trailing ``/``
reaches into a folder's contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

_SECTION: Final = re.compile(r"^\^?\[([^\]]+)\](?:\[\d+\])?(.*)$")
_TOKEN: Final = re.compile(r"(?:\\.|\S)+")


@dataclass
class _Section:
    default_owners: tuple[str, ...] = ()
    lines: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def codeowners_for(codeowners_text: str, path: str, forge: str) -> tuple[str, ...]:
    """The owners of ``path`` (relative to the repository root) per ``codeowners_text``, in
    file order without repeats; ``()`` when nobody owns it."""
    path = path.lstrip("/")
    if forge == "github":
        return _github_owners(codeowners_text, path)
    if forge == "gitlab":
        return _gitlab_owners(codeowners_text, path)
    raise ValueError(f"unknown forge '{forge}' (github or gitlab)")


def _github_owners(text: str, path: str) -> tuple[str, ...]:
    owners: tuple[str, ...] = ()
    for line in text.splitlines():
        tokens = _tokens(line)
        if not tokens or tokens[0].startswith("#"):
            continue
        pattern, rest = _unescape(tokens[0]), tokens[1:]
        if pattern.startswith("!") or "[" in pattern:
            continue  # unsupported by GitHub: the line is skipped
        comment = next((i for i, t in enumerate(rest) if t.startswith("#")), len(rest))
        if _github_match(pattern, path):
            owners = tuple(rest[:comment])
    return _unique(owners)


def _gitlab_owners(text: str, path: str) -> tuple[str, ...]:
    sections: dict[str, _Section] = {"": _Section()}
    current = sections[""]
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        heading = _SECTION.match(stripped)
        if heading:
            current = sections.setdefault(heading.group(1).strip().lower(), _Section())
            defaults = _owners_in(_tokens(heading.group(2)))
            current.default_owners = current.default_owners or defaults
            continue
        tokens = _tokens(stripped)
        current.lines.append((_unescape(tokens[0]), _owners_in(tokens[1:])))
    owners: list[str] = []
    for section in sections.values():
        decided: tuple[str, ...] = ()
        for pattern, listed in section.lines:
            excluded = pattern.startswith("!")
            if _gitlab_match(pattern.removeprefix("!"), path):
                decided = () if excluded else (listed or section.default_owners)
        owners.extend(decided)
    return _unique(owners)


def _github_match(pattern: str, path: str) -> bool:
    folder_only = pattern.endswith("/")
    body = pattern.strip("/")
    if not body:
        return False
    anchored = pattern.startswith("/") or "/" in body
    last = body.rsplit("/", 1)[-1]
    below = folder_only or not any(c in last for c in "*?")
    return _matches(body, path, anchored=anchored, below=below, folder_only=folder_only)


def _gitlab_match(pattern: str, path: str) -> bool:
    folder_only = pattern.endswith("/")
    body = pattern.strip("/")
    if not body:
        return False
    anchored = pattern.startswith("/")
    return _matches(body, path, anchored=anchored, below=folder_only, folder_only=folder_only)


def _matches(body: str, path: str, *, anchored: bool, below: bool, folder_only: bool) -> bool:
    """``path`` is ``body`` (a file), or lies inside a folder ``body`` when ``below``."""
    prefix = "" if anchored else "(?:.*/)?"
    itself = "" if folder_only else "|"
    suffix = f"(?:{itself}/.*)" if below else ""
    return re.fullmatch(prefix + _glob(body) + suffix, path) is not None


def _glob(pattern: str) -> str:
    """A glob as a regex: ``*`` and ``?`` within one folder, ``**`` across folders."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and (end := pattern.find("]", i + 2)) != -1:
            out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _tokens(line: str) -> list[str]:
    """Whitespace-separated words, ``\\ `` (an escaped space) kept inside a word."""
    return _TOKEN.findall(line)


def _unescape(word: str) -> str:
    return re.sub(r"\\(.)", r"\1", word)


def _owners_in(words: list[str]) -> tuple[str, ...]:
    """GitLab reads owners anywhere on the line, comments included: the ``@`` mentions and the
    email addresses."""
    return tuple(w for w in words if "@" in w)


def _unique(owners: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(owners))
