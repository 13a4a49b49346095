"""Value types shared by the document models: stages, directions, ISO 8601 durations, URLs."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from aigov.documents.durations import DURATION_PATTERN, duration_days

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
    """Base of every model read from a file: unknown keys are errors, values are immutable.

    A key is read only as written in the file's format (``apiVersion``, ``assert``), never under
    the Python name of its field (``api_version``, ``assert_``): those are unknown keys."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=False,
        validate_by_alias=True,
        defer_build=True,
    )


class OpenDocument(BaseModel):
    """Base of models whose format is open to other tools' keys (Hugging Face card metadata)."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True, defer_build=True)
