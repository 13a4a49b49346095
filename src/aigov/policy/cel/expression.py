"""Policy expressions: CEL compiled once per rule, evaluated against plain JSON-like data.

Rules carry ``when`` and ``assert`` expressions in CEL (the Common Expression Language used by
Kubernetes admission policies and Kyverno): no loops, no side effects, no access to Python. This
module is the only one that talks to the CEL library (``common-expression-language``, a Rust
implementation: about 1 µs per evaluation against a prepared context, where ``cel-python`` takes
150 µs to 5 ms); all it lets out is a plain Python value or one of the three exceptions below.

Typical use by the engine::

    expression = compile_expression('manifest.risk.ai_act.category == "high"')  # cached
    prepared = prepare_context({"manifest": manifest, "today": date.today()})   # once per project
    expression.evaluate_bool(prepared)

Context conversion
    Top-level ``datetime.date``/``datetime.datetime`` values (``today``) become CEL timestamps
    (midnight UTC for a date, naive datetimes are taken as UTC). Dates anywhere deeper become ISO
    8601 strings, because documents hold dates as strings and rules read them with ``date(...)``.
    Tuples become lists; anything that is not JSON-like data is refused with ``ExpressionError``.

Custom functions (besides the CEL standard library)
    ``date(s) -> timestamp``
        An ISO 8601 date (``"2026-11-24"``) or date-time (``"2026-11-24T10:00:00+02:00"``) string,
        or a timestamp, reduced to its calendar date at midnight UTC. The time of day and the offset
        are dropped (the date as written is the date used), so ``date(x) <= today`` compares days.
    ``days_between(a, b) -> int``
        Whole calendar days from ``a`` to ``b`` (negative when ``b`` is earlier); each argument is a
        timestamp or anything ``date()`` accepts.
    ``duration_days(s) -> int``
        Length in days of an ISO 8601 duration (``"P90D"``, ``"P6M"``, ``"P1Y2M"``, ``"PT72H"``).
        Calendar units are approximated: P1Y = 365 days, P1M = 30 days, P1W = 7 days; a time part
        is floored to whole days (``PT36H`` = 1). Only non-negative integer components are accepted.
    ``is_date(s) -> bool`` / ``is_duration(s) -> bool``
        Whether ``date(s)`` / ``duration_days(s)`` would accept ``s``, so a rule can check a format
        without failing on it.

List helpers, linear in the lists they read
    This library's ``map`` and ``filter`` macros copy the list built so far at each element
    they add: quadratic in their result (``xs.map(x, x)`` over 8,000 ints takes 1.8 s), and a
    macro inside a macro over the same list is quadratic too. Rules over the lists a pull
    request writes (approvals, criteria, properties…) select and compare with these instead.

    ``pluck(list, field) -> list`` / ``pluck(list, field, conditions) -> list``
        The ``field`` of each map of ``list`` (an absent one is an error); with ``conditions``, of
        the maps only that have every field it names with one of the values it lists:
        ``pluck(manifest.approvals, "date", {"decision": ["rejected", "deferred"]})``. One call
        reads the list once (passing a list to a function converts it: ~15 µs per map).
    ``greatest(list) -> value`` / ``latest(list) -> timestamp``
        The largest element of a non-empty list of numbers, of strings or of timestamps, as
        cel-go's ``math.greatest``; ``latest`` reads each element with ``date()`` first. An empty
        list is an error: test it with ``exists`` or ``size`` first.
    ``flatten(list) -> list`` / ``contains_all(list, values) -> bool``
        ``flatten`` splices the lists a list holds into it, one level deep (cel-go's
        ``lists.flatten``); ``contains_all`` tells whether every element of ``values`` equals an
        element of ``list`` (cel-go's ``sets.contains``); both lists hold scalars.

Semantics worth knowing when writing rules
    - Touching an absent field, key or list index is an error (``MissingField``), exactly as in CEL:
      ``has(a.b.c)`` tests ``c`` but needs ``a.b`` to exist. ``&&`` and ``||`` absorb errors
      (``!has(a.b) || a.b.c == 1`` is safe), but this library's ``all``/``exists``/``exists_one``
      macros stop at the first error in list order (the CEL spec would let a later ``true`` win),
      so guard fields inside macros with ``has()``.
    - Map keys are iterated in an unspecified order that changes between runs (the library stores
      maps in a randomly seeded hash map): a macro over a map must not depend on the order, and
      ``map``/``filter`` over a map give lists in that order. Returned maps are sorted by key.
    - Ints and doubles do not mix in arithmetic (``1 + 2.5`` is an error) but compare fine.

Performance (``python benchmarks/bench_expressions.py``)
    Simple rules run at 1-2 million evaluations/s on a prepared context. The library copies every
    list element a macro visits (~100 ns per nested value), so a macro over large nested data is
    the expensive case: ``contracts.exists(c, c.schema.exists(...))`` over 150 properties takes
    ~230 µs. It also copies the value a field selection returns, which is why compiled programs
    read ``a.b`` as ``a["b"]`` (see ``_index_form``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import importlib
import importlib.machinery
import importlib.util
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Final, NamedTuple

__all__ = [
    "MAX_EXPRESSION_LENGTH",
    "CompiledExpression",
    "ExpressionError",
    "ExpressionSyntaxError",
    "MissingField",
    "PreparedContext",
    "compile_expression",
    "index_form",
    "prepare_context",
    "referenced_roots",
]

MAX_EXPRESSION_LENGTH: Final = 4000
"""Longest expression text accepted by :func:`compile_expression`, in characters."""


class ExpressionSyntaxError(Exception):
    """An expression could not be compiled; ``line``/``column`` are 1-based, in the expression."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})"


class MissingField(Exception):
    """Evaluation touched a field, key or list index absent from the context.

    ``path`` is the dotted path as far as it can be known, e.g. ``model_card.human_oversight`` or
    ``manifest.approvals[0]``; inside a macro it names the offending element
    (``contracts[1].schema``). When the path cannot be traced, it is the absent key alone.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"missing field: {self.path}"


class ExpressionError(Exception):
    """Any other evaluation failure: type mismatch, no such overload, division by zero..."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Loading the CEL library


@functools.cache
def _cel() -> ModuleType:
    """The CEL native extension, loaded on first use.

    ``import cel`` costs ~120 ms because the package ``__init__`` also imports its interactive CLI
    (typer, rich, prompt_toolkit), while the Rust extension it re-exports loads in ~5 ms. So we
    locate ``cel/cel.<platform>.so`` with the import system's own finder (same suffixes and rules
    as a normal import) without running ``cel/__init__.py``, and fall back to ``import cel`` if
    the package layout ever changes.
    """
    module = sys.modules.get("cel.cel") or _load_native_extension()
    if module is None:
        module = importlib.import_module("cel")
    import logging  # only needed here, and only once

    # The Rust side logs every failing Python callback (e.g. date("garbage")) at WARNING on the
    # "cel" logger; we turn those failures into ExpressionError, so the log line would only be
    # noise on stderr (logging's last-resort handler) in a library that must never print.
    cel_logger = logging.getLogger("cel")
    cel_logger.addHandler(logging.NullHandler())
    cel_logger.propagate = False
    return module


def _load_native_extension() -> ModuleType | None:
    try:
        package = importlib.util.find_spec("cel")  # locates the package, does not execute it
        if package is None or not package.submodule_search_locations:
            return None
        for location in package.submodule_search_locations:
            finder = importlib.machinery.FileFinder(
                location,
                (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
            )
            spec = finder.find_spec("cel.cel")
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if not all(hasattr(module, name) for name in ("compile", "Context", "Program")):
                return None
            # Registered under its real name so that a later ``import cel`` (its __init__ does
            # ``from .cel import *``) reuses it: PyO3 extensions cannot be initialised twice.
            sys.modules["cel.cel"] = module
            return module
    except (ImportError, OSError):
        return None
    return None


# --------------------------------------------------------------------------------------------
# Custom functions

_UTC = dt.UTC
_DATE_TYPE_ERROR = "expects an ISO 8601 date string (e.g. '2026-11-24') or a timestamp"


def _parse_date(value: object, function: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        raise TypeError(f"{function}() {_DATE_TYPE_ERROR}, got {_cel_type_name(value)}")
    try:
        return dt.datetime.fromisoformat(value.strip()).date()
    except ValueError:
        raise ValueError(f"{function}(): {value!r} is not an ISO 8601 date") from None


def _midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=_UTC)


def _date(value: object) -> dt.datetime:
    return _midnight_utc(_parse_date(value, "date"))


def _days_between(start: object, end: object) -> int:
    return (_parse_date(end, "days_between") - _parse_date(start, "days_between")).days


_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)
_DAYS_PER_UNIT: Final = {"years": 365, "months": 30, "weeks": 7, "days": 1}
_SECONDS_PER_UNIT: Final = {"hours": 3600, "minutes": 60, "seconds": 1}


def _duration_days(value: object) -> int:
    if not isinstance(value, str):
        raise TypeError(
            f"duration_days() expects an ISO 8601 duration string (e.g. 'P6M'), "
            f"got {_cel_type_name(value)}"
        )
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        raise ValueError(
            f"duration_days(): {value!r} is not an ISO 8601 duration with whole, non-negative "
            "components (e.g. 'P90D', 'P1Y2M', 'PT72H')"
        )
    parts = {unit: int(amount) for unit, amount in match.groupdict().items() if amount}
    days = sum(parts.get(unit, 0) * factor for unit, factor in _DAYS_PER_UNIT.items())
    seconds = sum(parts.get(unit, 0) * factor for unit, factor in _SECONDS_PER_UNIT.items())
    return days + seconds // 86400


def _is_date(value: object) -> bool:
    try:
        _parse_date(value, "is_date")
    except (TypeError, ValueError):
        return False
    return True


def _is_duration(value: object) -> bool:
    try:
        _duration_days(value)
    except (TypeError, ValueError):
        return False
    return True


def _pluck(values: object, field: object, conditions: object = None) -> list[Any]:
    maps = _maps(values, "pluck")
    if not isinstance(field, str):
        raise TypeError(f"pluck() expects a field name, got {_cel_type_name(field)}")
    if conditions is not None:
        accepted = _accepted(conditions)
        maps = [item for item in maps if _meets(item, accepted)]
    try:
        return [item[field] for item in maps]
    except KeyError:
        raise ValueError(f"pluck(): an element has no field {field!r}") from None


def _accepted(conditions: object) -> dict[str, set[tuple[bool, object]]]:
    if not isinstance(conditions, dict) or not all(
        isinstance(wanted, list) for wanted in conditions.values()
    ):
        raise TypeError("pluck() conditions map field names to lists of values")
    return {
        field: {_set_key(value, "pluck") for value in wanted}
        for field, wanted in conditions.items()
    }


def _meets(item: dict[str, Any], accepted: dict[str, set[tuple[bool, object]]]) -> bool:
    return all(field in item and _set_key(item[field], "") in ok for field, ok in accepted.items())


def _maps(values: object, function: str) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
        raise TypeError(f"{function}() expects a list of maps")
    return values


def _latest(values: object) -> dt.datetime:
    if not isinstance(values, list):
        raise TypeError(f"latest() expects a list, got {_cel_type_name(values)}")
    found: dt.datetime = _greatest([_date(value) for value in values])
    return found


def _greatest(values: object) -> Any:
    if not isinstance(values, list):
        raise TypeError(f"greatest() expects a list, got {_cel_type_name(values)}")
    if not values:
        raise ValueError("greatest() of an empty list")
    kinds = {_ORDERED_KINDS.get(type(value)) for value in values}
    if len(kinds) != 1 or None in kinds:
        found = ", ".join(sorted({_cel_type_name(value) for value in values}))
        raise TypeError(
            f"greatest() expects a list of numbers, of strings or of timestamps, got {found}"
        )
    return max(values)


def _flatten(values: object) -> list[Any]:
    if not isinstance(values, list):
        raise TypeError(f"flatten() expects a list, got {_cel_type_name(values)}")
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _contains_all(values: object, wanted: object) -> bool:
    if not isinstance(values, list) or not isinstance(wanted, list):
        found = f"{_cel_type_name(values)}, {_cel_type_name(wanted)}"
        raise TypeError(f"contains_all() expects two lists, got {found}")
    present = {_set_key(value, "contains_all") for value in values}
    return all(_set_key(value, "contains_all") in present for value in wanted)


def _set_key(value: object, function: str) -> tuple[bool, object]:
    """``value`` as a set member with CEL's equality: 1 == 1.0, but true != 1 (Python's ==).

    A list or map never equals a scalar: without ``function`` to blame, it gets a key no scalar
    has (``pluck`` conditions on a field that holds a list)."""
    if isinstance(value, list | dict):
        if not function:
            return (False, _UNEQUAL)
        raise TypeError(f"{function}() compares scalars, got a {_cel_type_name(value)}")
    return (isinstance(value, bool), value)


_UNEQUAL: Final = object()


# The element types greatest() compares, by the kind they compare with (ints with doubles).
_ORDERED_KINDS: Final[dict[type, str]] = {
    int: "number",
    float: "number",
    str: "string",
    dt.datetime: "timestamp",
}


_CEL_TYPE_NAMES: Final[dict[type, str]] = {
    bool: "bool",
    int: "int",
    float: "double",
    str: "string",
    bytes: "bytes",
    list: "list",
    dict: "map",
    type(None): "null",
    dt.datetime: "timestamp",
    dt.timedelta: "duration",
}


def _cel_type_name(value: object) -> str:
    return _CEL_TYPE_NAMES.get(type(value), type(value).__name__)


_FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
    "date": _date,
    "days_between": _days_between,
    "duration_days": _duration_days,
    "is_date": _is_date,
    "is_duration": _is_duration,
    "pluck": _pluck,
    "greatest": _greatest,
    "latest": _latest,
    "flatten": _flatten,
    "contains_all": _contains_all,
}


# --------------------------------------------------------------------------------------------
# Contexts


@dataclass(frozen=True, eq=False)
class PreparedContext:
    """A context converted once to the library's values, to evaluate many expressions against.

    ``data`` is the normalised plain data (a copy: later changes to the caller's mapping are not
    seen); it is also what missing-field paths are traced in. The library documents its contexts
    as not thread-safe: prepare one per thread.
    """

    data: Mapping[str, Any]
    _native: Any = field(repr=False)


def prepare_context(context: Mapping[str, Any]) -> PreparedContext:
    """Convert a context (root name -> JSON-like data) once for repeated evaluation.

    Converting a realistic manifest costs milliseconds; evaluating a rule against the prepared
    context about a microsecond. Raises ``ExpressionError`` naming the first value that is not
    JSON-like data (see the module docstring for how dates are converted).
    """
    data: dict[str, Any] = {}
    for name, value in context.items():
        if not isinstance(name, str):
            raise ExpressionError(f"context root names must be strings, got {name!r}")
        if isinstance(value, dt.datetime):
            stamp = value if value.tzinfo is not None else value.replace(tzinfo=_UTC)
            data[name] = stamp.astimezone(_UTC)
        elif isinstance(value, dt.date):
            data[name] = _midnight_utc(value)
        else:
            try:
                data[name] = _plain(value)
            except _Unsupported as unsupported:
                path = name
                for key in reversed(unsupported.where):
                    path = f"{path}[{key}]" if isinstance(key, int) else _join(path, key)
                raise ExpressionError(f"context value at {path} {unsupported.problem}") from None
    try:
        native = _cel().Context(data, dict(_FUNCTIONS))
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


def _join(path: str, key: object) -> str:
    if isinstance(key, str) and _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    if isinstance(key, str):
        return f'{path}["{key}"]'
    return f"{path}[{key!r}]"


_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


# --------------------------------------------------------------------------------------------
# Compiling


@dataclass(frozen=True)
class CompiledExpression:
    """A compiled expression; build it with :func:`compile_expression`.

    ``roots`` are the context roots the expression reads (``manifest``, ``evidence``...), so the
    engine can load heavy evidence only for the rules that need it.
    """

    source: str
    _program: Any = field(repr=False, compare=False)
    _tokens: Sequence[_Token] | None = field(repr=False, compare=False)
    _variables: frozenset[str] = field(repr=False, compare=False)

    @functools.cached_property
    def roots(self) -> frozenset[str]:
        """The context roots the expression reads (identifiers not bound by a macro)."""
        return frozenset(self._scan.unbound_identifiers & self._variables)

    @functools.cached_property
    def _scan(self) -> _SourceScan:
        # Only needed for ``roots`` and to name a missing field: not on a run's hot path.
        return _SourceScan.of(self._tokens if self._tokens is not None else _tokenize(self.source))

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
                f"expression must evaluate to a bool, got {_cel_type_name(result)} "
                f"{_truncate(repr(result))}"
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

    ``rewritten`` is what :func:`index_form` gave for ``source`` before (the pack cache keeps
    it), which spares tokenizing the text again.
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
        tokens = _tokenize(source)
        indexed = _index_form(source, tokens)
    else:
        indexed = rewritten
    program = None
    if indexed != source:
        # The rewrite should always compile; if it ever missed a corner of the grammar, the
        # program compiled from the text as written means the same, only slower. Compiling the
        # rewrite first spares a second compile in the common case (pack loading time).
        with contextlib.suppress(Exception):
            program = _cel().compile(indexed)
    try:
        if program is None:
            program = _cel().compile(source)
        variables = frozenset(program.variables())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # Rust panics surface as BaseException
        raise _syntax_error(source, exc) from None
    return CompiledExpression(source, program, tokens, variables)


def index_form(source: str) -> str:
    """``source`` as compiled: field selections written as subscripts (see ``_index_form``)."""
    return _index_form(source, _tokenize(source))


def referenced_roots(source: str) -> frozenset[str]:
    """The context roots an expression reads (compiles it, so the result is cached)."""
    return compile_expression(source).roots


# ERROR: <input>:3:6: Syntax error: extraneous input ')' expecting <EOF>
_PARSE_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (?:Syntax error: )?([^\n]*)")
_INNER_MESSAGE = re.compile(r'msg: "((?:[^"\\]|\\.)*)"')


def _syntax_error(source: str, exc: BaseException) -> ExpressionSyntaxError:
    text = str(exc)
    found = _PARSE_ERROR.search(text)
    if found is None:
        return ExpressionSyntaxError(f"invalid expression: {_truncate(text)}", 1, 1)
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


def _truncate(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


# --------------------------------------------------------------------------------------------
# Source scanning: which identifiers are context roots, and which path a missing key was on.
#
# The library reports an absent key by its name alone (KeyError('gdpr')). To name the full path,
# we list the access chains written in the expression (manifest.risk.gdpr.lawful_basis,
# c.schema inside contracts.exists(c, ...)) and walk them through the plain data until one stops
# at that key. This runs only on the error path, and only after the library accepted the text.

_TOKEN = re.compile(
    r"""
    (?P<space>\s+|//[^\n]*)
    |(?P<string>(?:[rR][bB]?|[bB][rR]?)?
        (?:\"\"\"(?:\\.|[^\\])*?\"\"\"|'''(?:\\.|[^\\])*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))
    |(?P<number>0[xX][0-9a-fA-F]+[uU]?|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+[uU]?)
    |(?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
    |(?P<op>==|!=|<=|>=|&&|\|\||.)
    """,
    re.VERBOSE | re.DOTALL,
)
_MACROS: Final = frozenset({"all", "exists", "exists_one", "map", "filter"})
# Identifiers that are CEL literals or type names, never context roots.
_RESERVED: Final = frozenset(
    {"true", "false", "null", "in", "int", "uint", "double", "bool", "string", "bytes", "list"}
    | {"map", "null_type", "type", "dyn"}
)


class _Token(NamedTuple):
    # A NamedTuple, not a frozen dataclass: tokenising every rule at pack load creates thousands.
    kind: str
    text: str
    start: int
    end: int


def _tokenize(source: str) -> list[_Token]:
    """CEL tokens without spaces and comments; never fails (unknown characters are ops)."""
    return [
        _Token(str(found.lastgroup), found[0], found.start(), found.end())
        for found in _TOKEN.finditer(source)
        if found.lastgroup != "space"
    ]


@dataclass(frozen=True)
class _Chain:
    """``root.field["key"][0]...`` as written at token ``position``."""

    root: str
    steps: tuple[str | int, ...]
    position: int


@dataclass(frozen=True)
class _Binding:
    """A macro variable (``c`` in ``contracts.all(c, ...)``), bound inside ``scope``."""

    name: str
    source: _Chain | None  # the list it ranges over, when written as a plain chain
    scope: range


@dataclass(frozen=True)
class _SourceScan:
    chains: tuple[_Chain, ...]
    bindings: tuple[_Binding, ...]
    unbound_identifiers: frozenset[str]  # chain roots not bound by a macro: context roots
    called: frozenset[str]  # names written as function or method calls

    @classmethod
    def of(cls, tokens: Sequence[_Token]) -> _SourceScan:
        closing = _matching_brackets(tokens)
        chains: list[_Chain] = []
        chain_before: dict[int, _Chain] = {}  # index of the token right after a chain -> chain
        for index, token in enumerate(tokens):
            if token.kind != "ident" or token.text in _RESERVED:
                continue
            if _text(tokens, index - 1) == "." or _text(tokens, index + 1) == "(":
                continue  # a field or method name, or a global function call
            chain, end = _read_chain(tokens, index)
            chain_before[end] = chain
            in_has = _text(tokens, index - 1) == "(" and _text(tokens, index - 2) == "has"
            if in_has and _text(tokens, end) == ")" and chain.steps:  # has(a.b.c) only tests c
                chain = _Chain(chain.root, chain.steps[:-1], chain.position)
            chains.append(chain)
        bindings: list[_Binding] = []
        for index, token in enumerate(tokens):  # receiver.macro(variable, ...)
            if (
                token.text in _MACROS
                and _text(tokens, index - 1) == "."
                and _text(tokens, index + 1) == "("
                and _kind(tokens, index + 2) == "ident"
                and _text(tokens, index + 3) == ","
            ):
                scope = range(index + 1, closing.get(index + 1, len(tokens)))
                receiver = chain_before.get(index - 1)  # None when it is not a plain chain
                bindings.append(_Binding(tokens[index + 2].text, receiver, scope))
        called = frozenset(
            token.text
            for index, token in enumerate(tokens)
            if token.kind == "ident" and _text(tokens, index + 1) == "("
        )
        scan = cls(tuple(chains), tuple(bindings), frozenset(), called)
        unbound = frozenset(c.root for c in chains if scan._binding(c) is None)
        return cls(scan.chains, scan.bindings, unbound, called)

    def _binding(self, chain: _Chain) -> _Binding | None:
        """The innermost macro binding of ``chain.root`` visible where the chain is written."""
        visible = [b for b in self.bindings if b.name == chain.root and chain.position in b.scope]
        return min(visible, key=lambda b: len(b.scope), default=None)

    def missing_path(
        self, data: Mapping[str, Any], *, key: str | None = None, index: int | None = None
    ) -> str:
        """The first written path that stops at the absent ``key`` (or list ``index``)."""
        for chain in self.chains:
            for path, value in self._starts(chain, data, depth=0):
                outcome = _walk(path, value, chain.steps)
                if outcome is None:
                    continue
                missing_path, missing = outcome
                if (key is not None and str(missing) == key) or (
                    index is not None and missing == index
                ):
                    return missing_path
        if key is not None:
            return key
        return f"[{index}]"

    def _starts(
        self, chain: _Chain, data: Mapping[str, Any], depth: int
    ) -> Iterator[tuple[str, Any]]:
        binding = self._binding(chain)
        if binding is None:
            if chain.root in data:
                yield chain.root, data[chain.root]
            return
        if binding.source is None or depth > 20:
            return
        for path, value in self._starts(binding.source, data, depth + 1):
            walked = _walk(path, value, binding.source.steps, complete=True)
            if walked is not None and isinstance(walked[1], list):
                for position, item in enumerate(walked[1]):
                    yield f"{walked[0]}[{position}]", item


def _walk(
    path: str, value: Any, steps: Sequence[str | int], *, complete: bool = False
) -> tuple[str, Any] | None:
    """Follow ``steps`` from ``value``.

    Returns (path of the absent element, its key or index) where the walk stops on an absent
    element, or None. With ``complete``, returns (path, value) at the end of a full walk instead.
    """
    for step in steps:
        if isinstance(value, Mapping):
            if step not in value:
                return None if complete else (_join(path, step), step)
            path, value = _join(path, step), value[step]
        elif isinstance(value, list) and isinstance(step, int) and not isinstance(step, bool):
            if not 0 <= step < len(value):
                return None if complete else (f"{path}[{step}]", step)
            path, value = f"{path}[{step}]", value[step]
        else:
            return None  # a type error, not a missing field
    return (path, value) if complete else None


def _index_form(source: str, tokens: Sequence[_Token]) -> str:
    """``source`` with field selections ``a.b`` written as ``a["b"]``.

    Same meaning for maps (both read key "b", both fail when it is absent), but the library
    deep-copies the selected value on ``a.b`` (~100 ns per nested node: 100 µs for a 1,000-key
    map) and not on ``a["b"]``, which makes typical rules 2-3 times faster. The last selection in
    ``has(...)`` stays, as has() requires one.
    """
    closing = _matching_brackets(tokens)
    kept: set[int] = set()  # the "." of has(x.y.<field>)
    for index, token in enumerate(tokens):
        if (
            token.text == "has"
            and _text(tokens, index + 1) == "("
            and _text(tokens, index - 1) != "."
        ):
            end = closing.get(index + 1, -1)
            if _text(tokens, end - 2) == "." and _kind(tokens, end - 1) == "ident":
                kept.add(end - 2)
    pieces: list[str] = []
    copied = 0
    for index, token in enumerate(tokens):
        if (
            token.text == "."
            and index not in kept
            and _kind(tokens, index + 1) == "ident"
            and _text(tokens, index + 2) != "("  # a method or macro call, not a field
            and index > 0
            and (
                tokens[index - 1].kind in ("ident", "string", "number")
                or tokens[index - 1].text in ")]}"
            )
        ):
            pieces.append(source[copied : token.start])
            pieces.append(f'["{tokens[index + 1].text}"]')
            copied = tokens[index + 1].end
    pieces.append(source[copied:])
    return "".join(pieces)


def _read_chain(tokens: Sequence[_Token], start: int) -> tuple[_Chain, int]:
    """The chain starting at identifier ``tokens[start]``, and the index of the token after it."""
    steps: list[str | int] = []
    index = start + 1
    while index < len(tokens):
        if (
            tokens[index].text == "."
            and _kind(tokens, index + 1) == "ident"
            and _text(tokens, index + 2) != "("
        ):
            steps.append(tokens[index + 1].text)
            index += 2
        elif tokens[index].text == "[" and _text(tokens, index + 2) == "]":
            literal = _literal(tokens[index + 1])
            if literal is None:
                break
            steps.append(literal)
            index += 3
        else:
            break
    return _Chain(tokens[start].text, tuple(steps), start), index


def _literal(token: _Token) -> str | int | None:
    """A subscript written as a plain string or int literal, else None (computed subscript)."""
    if token.kind == "number" and token.text.isdigit():
        return int(token.text)
    if token.kind == "string" and token.text[0] in "\"'" and "\\" not in token.text:
        quote = 3 if token.text[:3] in ('"""', "'''") else 1
        return token.text[quote:-quote]
    return None


def _matching_brackets(tokens: Sequence[_Token]) -> dict[int, int]:
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for index, token in enumerate(tokens):
        if token.text in "([{" and token.kind == "op":
            stack.append(index)
        elif token.text in ")]}" and token.kind == "op" and stack:
            pairs[stack.pop()] = index
    return pairs


def _text(tokens: Sequence[_Token], index: int) -> str:
    return tokens[index].text if 0 <= index < len(tokens) else ""


def _kind(tokens: Sequence[_Token], index: int) -> str:
    return tokens[index].kind if 0 <= index < len(tokens) else ""
