"""Compiling and evaluating expressions with the CEL library, and turning whatever it raises
into :class:`ExpressionSyntaxError`, :class:`MissingField` or :class:`ExpressionError`."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aigov.policy.cel.context import PreparedContext, prepare_context
from aigov.policy.cel.errors import (
    ExpressionError,
    ExpressionSyntaxError,
    MissingField,
    truncate,
)
from aigov.policy.cel.functions import cel_type_name
from aigov.policy.cel.native import library
from aigov.policy.cel.scan import SourceScan, Token, index_form, tokenize

MAX_EXPRESSION_LENGTH: Final = 4000
"""Longest expression text accepted by :func:`compile_expression`, in characters."""


@dataclass(frozen=True)
class CompiledExpression:
    """A compiled expression; build it with :func:`compile_expression`.

    ``roots`` are the context roots the expression reads (``manifest``, ``evidence``...), so the
    engine can load heavy evidence only for the rules that need it.
    """

    source: str
    _program: Any = field(repr=False, compare=False)
    _tokens: Sequence[Token] | None = field(repr=False, compare=False)
    _variables: frozenset[str] = field(repr=False, compare=False)

    @functools.cached_property
    def roots(self) -> frozenset[str]:
        """The context roots the expression reads (identifiers not bound by a macro)."""
        return frozenset(self._scan.unbound_identifiers & self._variables)

    def fields(self, root: str) -> frozenset[str]:
        """The fields of context root ``root`` the expression reads: ``{"mlflow"}`` for
        ``evidence.mlflow.x``, ``evidence["mlflow"]`` or ``has(evidence.mlflow)``, so that only
        the evidence a rule reads is collected."""
        if root not in self.source:  # most rules read no evidence: no scan to build
            return frozenset()
        return self._scan.fields(root) if root in self.roots else frozenset()

    def reads(self, root: str, path: Sequence[str]) -> bool:
        """Whether the expression may read ``root`` at ``path`` (see :meth:`SourceScan.reads`)."""
        if root not in self.source:
            return False
        return root in self.roots and self._scan.reads(root, path)

    def written_paths(self, root: str) -> frozenset[str]:
        """The paths below ``root`` the expression reads (see :meth:`SourceScan.written_paths`)."""
        if root not in self.source or root not in self.roots:
            return frozenset()
        return self._scan.written_paths(root)

    @functools.cached_property
    def _scan(self) -> SourceScan:
        # Only needed for ``roots`` and to name a missing field: not on a run's hot path.
        return SourceScan.of(self._tokens if self._tokens is not None else tokenize(self.source))

    def evaluate(self, context: PreparedContext | Mapping[str, Any]) -> Any:
        """Evaluate against a prepared context (fast) or a plain mapping (converted each call).

        Returns plain Python values: bool, int, float, str, bytes, list, dict, None, and
        ``datetime.datetime`` (UTC) / ``datetime.timedelta`` for CEL timestamps / durations.
        Raises ``MissingField`` when an absent field, key or index is read, and
        ``ExpressionError`` for every other failure; no library exception escapes.
        """
        prepared = context if isinstance(context, PreparedContext) else prepare_context(context)
        try:
            result = self._program.execute(prepared._native)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # Rust panics surface as BaseException
            raise self._translate(exc, prepared.data) from exc
        if type(result) is bool:  # the common case: a rule's condition
            return result
        return _result(result)

    def evaluate_bool(self, context: PreparedContext | Mapping[str, Any]) -> bool:
        """Evaluate a condition; raises ``ExpressionError`` if the result is not a bool."""
        result = self.evaluate(context)
        if type(result) is not bool:
            raise ExpressionError(
                f"expression must evaluate to a bool, got {cel_type_name(result)} "
                f"{truncate(repr(result))}"
            )
        return result

    def _translate(self, exc: BaseException, data: Mapping[str, Any]) -> Exception:
        message = str(exc)
        if isinstance(exc, KeyError) and exc.args:
            return MissingField(self._scan.missing_path(data, key=str(exc.args[0])))
        if isinstance(exc, IndexError):
            index = re.search(r"index out of bounds: (-?\d+)", message)
            if index is not None:
                return MissingField(self._scan.missing_path(data, index=int(index[1])))
        undefined = re.match(r"Undefined variable or function: '([^']*)'", message)
        if undefined is not None:
            name = undefined[1]
            if name in self._scan.called and name not in self._scan.unbound_identifiers:
                return ExpressionError(f"unknown function '{name}'")
            return MissingField(name.lstrip("."))
        failed = re.search(
            r"Python function call failed: \w+: (.*?)(?:\. Check function arguments.*)?$",
            message,
            re.DOTALL,
        )
        if failed is not None:
            return ExpressionError(failed[1])
        if isinstance(exc, ZeroDivisionError):
            return ExpressionError("division by zero")
        if not isinstance(exc, Exception):
            return ExpressionError(f"internal error in the CEL library: {message}")
        return ExpressionError(message or type(exc).__name__)


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str, rewritten: str | None = None) -> CompiledExpression:
    """Compile an expression once; the same text returns the same cached object.

    ``rewritten`` is what :func:`~aigov.policy.cel.scan.index_form` gave for ``source`` before
    (the pack cache keeps it), which spares tokenizing the text again.
    Raises ``ExpressionSyntaxError`` (with a 1-based line and column inside ``source``) for
    invalid CEL and for expressions longer than ``MAX_EXPRESSION_LENGTH`` characters.
    """
    if len(source) > MAX_EXPRESSION_LENGTH:
        line, column = _position(source, MAX_EXPRESSION_LENGTH)
        raise ExpressionSyntaxError(
            f"expression is {len(source):,} characters long; the limit is "
            f"{MAX_EXPRESSION_LENGTH:,} (split it into several rules)",
            line,
            column + 1,
        )
    tokens = None
    if rewritten is None:
        tokens = tokenize(source)
        indexed = index_form(source, tokens)
    else:
        indexed = rewritten
    program = None
    if indexed != source:
        # The rewrite should always compile; if it ever missed a corner of the grammar, the
        # program compiled from the text as written means the same, only slower. Compiling the
        # rewrite first spares a second compile in the common case (pack loading time).
        with contextlib.suppress(Exception):
            program = library().compile(indexed)
    try:
        if program is None:
            program = library().compile(source)
        variables = frozenset(program.variables())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Rust panics surface as BaseException
        raise _syntax_error(source, exc) from exc
    return CompiledExpression(source, program, tokens, variables)


# ERROR: <input>:3:6: Syntax error: extraneous input ')' expecting <EOF>
_PARSE_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (?:Syntax error: )?([^\n]*)")
_INNER_MESSAGE = re.compile(r'msg: "((?:[^"\\]|\\.)*)"')


def _syntax_error(source: str, exc: BaseException) -> ExpressionSyntaxError:
    text = str(exc)
    found = _PARSE_ERROR.search(text)
    if found is None:
        return ExpressionSyntaxError(f"invalid expression: {truncate(text)}", 1, 1)
    line, column, message = int(found[1]), int(found[2]), found[3]
    inner = _INNER_MESSAGE.search(message)  # OtherError(ParseError { ..., msg: "..." })
    if inner is not None:
        message = inner[1]
        if message.startswith("Recursion limit"):
            message = f"expression nested too deeply ({message})"
    lines = source.split("\n")
    line = min(max(line, 1), len(lines))
    column = min(max(column, 1), len(lines[line - 1]) + 1)
    return ExpressionSyntaxError(message, line, column)


def _position(source: str, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column of a character offset."""
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1)


def _result(value: Any) -> Any:
    """Library values -> plain Python values; maps sorted by key for deterministic output."""
    if isinstance(value, list):
        return [_result(item) for item in value]
    if isinstance(value, dict):
        items = [(key, _result(item)) for key, item in value.items()]
        items.sort(key=lambda pair: (type(pair[0]).__name__, pair[0]))
        return dict(items)
    if type(value).__name__ == "OptionalValue":
        return _result(value.value()) if value.has_value() else None
    return value
