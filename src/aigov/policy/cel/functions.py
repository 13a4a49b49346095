"""The functions rules call besides the CEL standard library (see :mod:`aigov.policy.cel`).

Each is plain Python the library calls back with library values (``datetime`` for timestamps,
lists, dicts, scalars); a ``TypeError`` or ``ValueError`` it raises becomes an
``ExpressionError`` carrying its message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from aigov.documents.answers import is_recorded_text
from aigov.documents.durations import duration_days

_UTC = dt.UTC
_DATE_TYPE_ERROR = "expects an ISO 8601 date string (e.g. '2026-11-24') or a timestamp"


def _parse_date(value: object, function: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, str):
        raise TypeError(f"{function}() {_DATE_TYPE_ERROR}, got {cel_type_name(value)}")
    try:
        return dt.datetime.fromisoformat(value.strip()).date()
    except ValueError as exc:
        raise ValueError(f"{function}(): {value!r} is not an ISO 8601 date") from exc


def midnight_utc(day: dt.date) -> dt.datetime:
    """Midnight UTC of ``day``: how the expressions see a calendar date."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=_UTC)


def _date(value: object) -> dt.datetime:
    return midnight_utc(_parse_date(value, "date"))


def _days_between(start: object, end: object) -> int:
    return (_parse_date(end, "days_between") - _parse_date(start, "days_between")).days


def _duration_days(value: object) -> int:
    if not isinstance(value, str):
        raise TypeError(
            f"duration_days() expects an ISO 8601 duration string (e.g. 'P6M'), "
            f"got {cel_type_name(value)}"
        )
    days = duration_days(value.strip())
    if days is None:
        raise ValueError(
            f"duration_days(): {value!r} is not an ISO 8601 duration with whole, non-negative "
            "components (e.g. 'P90D', 'P1Y2M', 'PT72H')"
        )
    return days


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
        raise TypeError(f"pluck() expects a field name, got {cel_type_name(field)}")
    if conditions is not None:
        accepted = _accepted(conditions)
        maps = [item for item in maps if _meets(item, accepted)]
    try:
        return [item[field] for item in maps]
    except KeyError as exc:
        raise ValueError(f"pluck(): an element has no field {field!r}") from exc


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
        raise TypeError(f"latest() expects a list, got {cel_type_name(values)}")
    found: dt.datetime = _greatest([_date(value) for value in values])
    return found


def _greatest(values: object) -> Any:
    if not isinstance(values, list):
        raise TypeError(f"greatest() expects a list, got {cel_type_name(values)}")
    if not values:
        raise ValueError("greatest() of an empty list")
    kinds = {_ORDERED_KINDS.get(type(value)) for value in values}
    if len(kinds) != 1 or None in kinds:
        found = ", ".join(sorted({cel_type_name(value) for value in values}))
        raise TypeError(
            f"greatest() expects a list of numbers, of strings or of timestamps, got {found}"
        )
    return max(values)


def _flatten(values: object) -> list[Any]:
    if not isinstance(values, list):
        raise TypeError(f"flatten() expects a list, got {cel_type_name(values)}")
    flat: list[Any] = []
    for value in values:
        if isinstance(value, list):
            flat.extend(value)
        else:
            flat.append(value)
    return flat


def _contains_all(values: object, wanted: object) -> bool:
    if not isinstance(values, list) or not isinstance(wanted, list):
        found = f"{cel_type_name(values)}, {cel_type_name(wanted)}"
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
        raise TypeError(f"{function}() compares scalars, got a {cel_type_name(value)}")
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


def _recorded(value: object) -> bool:
    """``recorded(text)``: whether a field meant to record a measure records one (not blank,
    not "none", "n/a", "TBD"…: :mod:`aigov.documents.answers`)."""
    return is_recorded_text(value)


def cel_type_name(value: object) -> str:
    """The CEL name of a value's type, for error messages (``map``, not ``dict``)."""
    return _CEL_TYPE_NAMES.get(type(value), type(value).__name__)


# Handed to the library with every prepared context.
FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
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
    "recorded": _recorded,
}
