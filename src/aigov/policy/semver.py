"""Semantic versions of policy packs and the constraints an organisation pins them with.

One syntax, the comparator list (as in Python packaging and Cargo): comparators separated by
commas, all of which must hold::

    >=1.0,<2        1.x releases from 1.0.0 on
    ==1.2.3         exactly 1.2.3 (a bare ``1.2.3`` means the same)
    >=1.2.0,!=1.2.4 ...

Operators: ``==``, ``!=``, ``>=``, ``>``, ``<=``, ``<``. A version in a constraint may leave out
its minor and patch parts (``<2`` is ``<2.0.0``). ``*`` (or an empty constraint) allows any
version. Pre-release versions (``1.0.0-rc.1``) sort before their release, as SemVer says; build
metadata (``+build``) is ignored when comparing.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import total_ordering
from typing import Final

from aigov.errors import AigovError

SEMVER_PATTERN: Final = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_SEMVER = re.compile(SEMVER_PATTERN)
_PARTIAL = re.compile(r"^(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?)?(?:-([0-9A-Za-z.-]+))?$")
_COMPARATOR = re.compile(r"^\s*(==|!=|>=|<=|>|<)?\s*(\S+)\s*$")

_OPERATORS: Final[dict[str, Callable[[Version, Version], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}


class VersionError(AigovError, ValueError):
    """A version or a constraint that does not follow the syntax above.

    Also a ``ValueError``: pydantic validators and callers catch it as one."""


@total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version ``MAJOR.MINOR.PATCH[-PRERELEASE]`` (build metadata dropped)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str | int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse a full semantic version; raises ``VersionError``."""
        found = _SEMVER.match(text.strip())
        if found is None:
            raise VersionError(
                f"'{text}' is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"
            )
        return cls(int(found[1]), int(found[2]), int(found[3]), _prerelease(found[4]))

    @classmethod
    def parse_partial(cls, text: str) -> Version:
        """Parse ``1``, ``1.2`` or ``1.2.3`` (missing parts are 0), as written in constraints."""
        found = _PARTIAL.match(text.strip())
        if found is None:
            raise VersionError(f"'{text}' is not a version (e.g. 1, 1.2 or 1.2.3)")
        return cls(int(found[1]), int(found[2] or 0), int(found[3] or 0), _prerelease(found[4]))

    def _key(self) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
        # A release sorts after its pre-releases; numeric identifiers before alphanumeric ones.
        pre = tuple(
            (0, part, "") if isinstance(part, int) else (1, 0, part) for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(str(part) for part in self.prerelease)
        return text


def _prerelease(text: str | None) -> tuple[str | int, ...]:
    if not text:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in text.split("."))


@dataclass(frozen=True)
class VersionConstraint:
    """A list of comparators that a version must all satisfy; see the module docstring."""

    text: str
    comparators: tuple[tuple[str, Version], ...]

    @classmethod
    def parse(cls, text: str) -> VersionConstraint:
        """Parse ``>=1.0,<2``; raises ``VersionError`` naming the part that is wrong."""
        stripped = text.strip()
        if stripped in ("", "*"):
            return cls(stripped or "*", ())
        comparators: list[tuple[str, Version]] = []
        for part in stripped.split(","):
            found = _COMPARATOR.match(part)
            if found is None:
                raise VersionError(f"empty comparator in version constraint '{text}'")
            symbol = found[1] or "=="
            try:
                version = Version.parse_partial(found[2])
            except VersionError:
                raise VersionError(
                    f"'{part.strip()}' in '{text}' is not a comparator such as '>=1.0' or "
                    "'<2' (use ==, !=, >=, >, <=, < and separate them with commas)"
                ) from None
            comparators.append((symbol, version))
        return cls(stripped, tuple(comparators))

    def allows(self, version: Version) -> bool:
        return all(_OPERATORS[symbol](version, bound) for symbol, bound in self.comparators)

    def __str__(self) -> str:
        return self.text
