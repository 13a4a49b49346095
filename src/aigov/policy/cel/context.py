"""Contexts: the plain data a rule reads, converted once to the library's values.

Top-level ``datetime.date``/``datetime.datetime`` values (``today``) become CEL timestamps
(midnight UTC for a date, naive datetimes are taken as UTC). Dates anywhere deeper become ISO
8601 strings, because documents hold dates as strings and rules read them with ``date(...)``.
Tuples become lists; anything that is not JSON-like data is refused with ``ExpressionError``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from aigov.policy.cel.errors import ExpressionError
from aigov.policy.cel.functions import FUNCTIONS, midnight_utc
from aigov.policy.cel.native import library
from aigov.policy.paths import join_path


@dataclass(frozen=True, eq=False)
class PreparedContext:
    """A context converted once to the library's values, to evaluate many expressions against.

    ``data`` is the normalised plain data (a copy: later changes to the caller's mapping are not
    seen); it is also what missing-field paths are traced in. The library documents its contexts
    as not thread-safe: prepare one per thread.
    """

    data: dict[str, Any]
    _native: Any = field(repr=False)

    def bind(self, name: str, value: Mapping[str, Any] | list[Any]) -> None:
        """Set one root (a rule's ``params``) between evaluations, without converting the whole
        context again. Contexts are used by one thread, one expression at a time."""
        plain = _plain(value)
        self._native.add_variable(name, plain)
        self.data[name] = plain  # missing-field paths are traced in data


def prepare_context(context: Mapping[str, Any]) -> PreparedContext:
    """Convert a context (root name -> JSON-like data) once for repeated evaluation.

    Converting a realistic manifest costs milliseconds; evaluating a rule against the prepared
    context about a microsecond. Raises ``ExpressionError`` naming the first value that is not
    JSON-like data (see the docstring of :mod:`aigov.policy.cel` for how dates are converted).
    """
    data: dict[str, Any] = {}
    for name, value in context.items():
        if not isinstance(name, str):
            raise ExpressionError(f"context root names must be strings, got {name!r}")
        if isinstance(value, dt.datetime):
            stamp = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
            data[name] = stamp.astimezone(dt.UTC)
        elif isinstance(value, dt.date):
            data[name] = midnight_utc(value)
        else:
            try:
                data[name] = _plain(value)
            except _Unsupported as unsupported:
                path = name
                for key in reversed(unsupported.where):
                    path = f"{path}[{key}]" if isinstance(key, int) else join_path(path, key)
                raise ExpressionError(
                    f"context value at {path} {unsupported.problem}"
                ) from unsupported
    try:
        native = library().Context(data, dict(FUNCTIONS))
    except Exception as exc:  # the checks above should leave nothing for the library to refuse
        raise ExpressionError(f"cannot convert the context: {exc}") from exc
    return PreparedContext(data, native)


_SCALARS: Final = frozenset({str, bool, int, float, type(None)})


class _Unsupported(Exception):
    """A value ``prepare_context`` refuses; ``where`` collects its keys, innermost first."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.where: list[object] = []


def _plain(value: Any) -> Any:
    """A normalised copy of ``value`` (the path of a refused value is built only on failure)."""
    if type(value) in _SCALARS:
        if type(value) is int and value not in _INT64:
            return _double(value)
        return value
    if isinstance(value, Mapping):
        copy: dict[Any, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str | int):  # CEL map keys: string, int, uint, bool
                raise _Unsupported(f"has a key of unsupported type {type(key).__name__}: {key!r}")
            try:
                copy[key] = _plain(item)
            except _Unsupported as unsupported:
                unsupported.where.append(key)
                raise
        return copy
    if isinstance(value, list | tuple):
        items = []
        for index, item in enumerate(value):
            try:
                items.append(_plain(item))
            except _Unsupported as unsupported:
                unsupported.where.append(index)
                raise
        return items
    if isinstance(value, dt.date):  # datetime is a date too
        return value.isoformat()
    # Subclasses such as StrEnum/IntEnum members (a pydantic dump may keep them): their value.
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    raise _Unsupported(
        f"has unsupported type {type(value).__name__}; contexts hold JSON-like data only "
        "(dict, list, str, int, float, bool, None)"
    )


_INT64: Final = range(-(2**63), 2**63)


def _double(value: int) -> float:
    """CEL integers are 64-bit; YAML's are not: a larger one is read as a double (as CEL reads
    JSON numbers), infinite beyond the double range, instead of failing the whole context."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
