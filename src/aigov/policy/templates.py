"""Rule messages: ``{{ dotted.path }}`` replaced by the context's value, and nothing else.

No template engine and no evaluation: a placeholder is a path into the plain context data, read
with :func:`aigov.policy.paths.lookup`; an absent value renders as ``<missing>``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from aigov.policy.paths import MISSING, ContextPath, lookup, parse_path

MISSING_TEXT: Final = "<missing>"
_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
MAX_VALUE_LENGTH: Final = 200


def render_message(template: str, context: Mapping[str, Any]) -> str:
    """``template`` with every ``{{ path }}`` replaced by its value in ``context``."""
    if "{{" not in template:
        return template

    def replace(found: re.Match[str]) -> str:
        path = parse_path(found[1])
        value = MISSING if path is None else lookup(context, path)
        return MISSING_TEXT if value is MISSING else format_value(value)

    return _PLACEHOLDER.sub(replace, template)


def placeholder_paths(template: str) -> list[ContextPath]:
    """The context paths the placeholders of ``template`` read (those that are plain paths)."""
    paths = (parse_path(found[1]) for found in _PLACEHOLDER.finditer(template))
    return [path for path in paths if path is not None]


def format_value(value: Any) -> str:
    """A context value as a reader expects it in a sentence (strings unquoted, JSON otherwise)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"
