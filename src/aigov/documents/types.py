"""Value types shared by the document models: stages, directions, ISO 8601 durations, URLs."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

Stage = Literal["ideation", "data-exploration", "poc", "industrialization", "production", "retired"]
STAGES: tuple[Stage, ...] = (
    "ideation",
    "data-exploration",
    "poc",
    "industrialization",
    "production",
    "retired",
)

Direction = Literal["higher_is_better", "lower_is_better"]
Score = Annotated[int, Field(ge=1, le=5, description="1 (lowest) to 5 (highest)")]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Percentage = Annotated[float, Field(ge=0, le=100)]

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


def _validate_duration(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 duration string such as P90D, P6M or PT4H")
    if duration_days(value) is None:
        raise ValueError(f"'{value}' is not an ISO 8601 duration such as P90D, P6M or PT4H")
    return value


# Kept as the text the author wrote (so outputs quote it back), validated as ISO 8601.
IsoDuration = Annotated[
    str,
    PlainValidator(_validate_duration),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "ISO 8601 duration, e.g. P90D, P6M, P1Y, PT4H",
        }
    ),
]


MAX_URL_LENGTH = 2083


def _validate_http_url(value: Any) -> str:
    if not isinstance(value, str) or not _is_http_url(value):
        raise ValueError("expected an http(s) URL such as https://grafana.example.org/d/model")
    return value


def _is_http_url(value: str) -> bool:
    if len(value) > MAX_URL_LENGTH or any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:  # an unclosed IPv6 bracket, a port out of range
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


# Kept as the text the author wrote (pydantic's HttpUrl would add a trailing slash, and its
# module imports importlib.metadata: a sixth of the cold `aigov check` budget). Only http and
# https are accepted, so a `javascript:` link can never reach a rendered document.
HttpUrl = Annotated[
    str,
    PlainValidator(_validate_http_url),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uri",
            "pattern": "^https?://",
            "minLength": 1,
            "maxLength": MAX_URL_LENGTH,
            "description": "an http(s) URL",
        }
    ),
]


class Document(BaseModel):
    """Base of every model read from a file: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class OpenDocument(BaseModel):
    """Base of models whose format is open to other tools' keys (Hugging Face card metadata)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, defer_build=True)
