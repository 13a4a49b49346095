"""Dotted context paths (``manifest.risk.gdpr.dpia``, ``contracts[0].schema``,
``model_card.sections["intended use"]``): parsing them and reading them from plain data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

ContextPath = tuple[str | int, ...]

_STEP = re.compile(
    r"""\s*(?:
        (?:^|\.)\s*(?P<field>[A-Za-z_][A-Za-z0-9_-]*)
      | \[\s*(?P<index>\d+)\s*\]
      | \[\s*"(?P<dq>[^"]*)"\s*\]
      | \[\s*'(?P<sq>[^']*)'\s*\]
    )""",
    re.VERBOSE,
)

MISSING: Final = object()

ROOTS: Final = (
    "manifest",
    "model_card",
    "contracts",
    "evidence",
    "change",
    "today",
    "org",
    "derived",
)
"""The roots of the expression context; ``derived`` is computed from the others
(:mod:`aigov.policy.derive`), never given."""


def parse_path(text: str) -> ContextPath | None:
    """``a.b[0]["c d"]`` -> ``("a", "b", 0, "c d")``; None when it is not a plain path."""
    steps: list[str | int] = []
    position = 0
    text = text.strip()
    while position < len(text):
        found = _STEP.match(text, position)
        if found is None or found.end() == position:
            return None
        if found["field"] is not None:
            steps.append(found["field"])
        elif found["index"] is not None:
            steps.append(int(found["index"]))
        else:
            steps.append(found["dq"] if found["dq"] is not None else found["sq"])
        position = found.end()
    return tuple(steps) if steps and isinstance(steps[0], str) else None


def lookup(data: Mapping[str, Any], path: ContextPath) -> Any:
    """The value at ``path`` in ``data``, or :data:`MISSING`."""
    value: Any = data
    for step in path:
        if isinstance(value, Mapping):
            if step not in value:
                return MISSING
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
            value = value[step]
        else:
            return MISSING
    return value


_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


def join_path(path: str, key: object) -> str:
    """``path`` then ``key`` as an expression reads it: ``a.b``, ``a["b c"]`` or ``a[0]``."""
    if isinstance(key, str) and _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    if isinstance(key, str):
        return f'{path}["{key}"]'
    return f"{path}[{key!r}]"
