"""Problems found while loading a repository's files, each pinned to a file, line and field."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

from aigov.errors import AigovError
from aigov.wrapping import wrapped

ProblemLevel = Literal["error", "warning"]

INVISIBLE_FORMAT_CHARS: Final = "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff"
"""Bidi marks, embeddings, overrides and isolates, zero-width and invisible characters (a regex
character-class body): in repository text they can reorder or hide what a reader sees."""
HINT_INDENT: Final = "    "
_UNPRINTABLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE_FORMAT_CHARS}]")


def escape_controls(text: str) -> str:
    """``text`` with control characters (but tab and newline), bidi and invisible characters
    shown as ``\\xNN``/``\\uNNNN``: repository text printed to a terminal or a CI log cannot
    drive it with escape sequences or disguise a line."""
    return _UNPRINTABLE.sub(_escaped, text)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


@dataclass(frozen=True, order=True)
class Location:
    """Where something stands in a file: a repository-relative path and 1-based line/column."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, explained for the person who must fix it."""

    location: Location
    code: str
    message: str
    field: str = ""
    level: ProblemLevel = "error"
    hint: str = ""

    def __str__(self) -> str:
        where = str(self.location)
        what = f"{self.field}: " if self.field else ""
        # One line per problem: a key or value quoted in the message may hold a newline, which
        # would print a line of the repository's choosing (a forged "file:1:1: error").
        text = f"{where}: {self.level}: {what}{self.message} [{self.code}]".replace("\n", "\\n")
        if self.hint:
            text += f"\n{HINT_INDENT}hint: {self.hint}"
        return escape_controls(text)

    def wrapped(self) -> str:
        """The problem for a terminal or a CI log: whole, long lines wrapped under their start
        (``str()`` keeps each part on one line, for messages that quote it)."""
        first, _, hint = str(self).partition("\n")
        lines = [wrapped(first, continuation=HINT_INDENT)]
        if hint:
            lines.append(wrapped(hint.strip(), indent=HINT_INDENT, continuation=HINT_INDENT * 2))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(data.pop("location"))
        return data


@dataclass
class ProblemList:
    """Collects every problem of a run so that all of them are reported at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem] | ProblemList) -> None:
        self.items.extend(problems.items if isinstance(problems, ProblemList) else problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.location, p.code, p.message))


class DocumentError(AigovError):
    """A file could not be read or parsed at all; carries the problem that explains why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem

    def user_message(self) -> str:
        return self.problem.wrapped()
