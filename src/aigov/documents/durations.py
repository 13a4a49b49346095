"""ISO 8601 durations (``P90D``, ``P6M``, ``PT4H``), as documents write them and rules read them.

One parser for both: :data:`aigov.documents.types.IsoDuration` validates document fields with
it, and the expressions' ``duration_days()`` is :func:`duration_days`. No pydantic here, so the
expression layer imports it without the cost of the document models.
"""

from __future__ import annotations

import re
from typing import Final

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
DURATION_PATTERN = _DURATION.pattern


_DAYS_PER_UNIT: Final = {"years": 365, "months": 30, "weeks": 7, "days": 1}
_SECONDS_PER_UNIT: Final = {"hours": 3600, "minutes": 60, "seconds": 1}


def duration_days(text: str) -> int | None:
    """Length of an ISO 8601 duration in whole days, or None when ``text`` is not one.

    Regulatory retention periods are written in months and years; comparing them needs one
    scale: a year is 365 days, a month 30, a week 7, and a time part is floored to whole days
    (``PT36H`` is 1). Only non-negative integer components are accepted. The expression
    language's ``duration_days()`` is this function.
    """
    match = _DURATION.match(text)
    if match is None:
        return None
    parts = {unit: int(amount) for unit, amount in match.groupdict().items() if amount}
    days = sum(parts.get(unit, 0) * factor for unit, factor in _DAYS_PER_UNIT.items())
    seconds = sum(parts.get(unit, 0) * factor for unit, factor in _SECONDS_PER_UNIT.items())
    return days + seconds // 86400
