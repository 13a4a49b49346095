"""Rule messages: ``{{ dotted.path }}`` replaced by the context's value, and nothing else.

No template engine and no evaluation: a placeholder is a path into the plain context data, read
with :func:`aigov.policy.paths.lookup`. An absent or null value renders as a phrase
(:data:`ABSENT_TEXT`, or the caller's translation of it), never as ``null``, ``None`` or a
marker a compliance officer would have to decode.

A finding about one item of a list (see :func:`aigov.policy.engine.finding_target`) may quote
that item: ``[*]`` in a placeholder stands for its index
(``{{ evidence.git.criteria[*].metric }}``); without such an item, it renders as absent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from aigov.i18n import DEFAULT_LANGUAGE
from aigov.policy.explanation import translated
from aigov.policy.paths import MISSING, ContextPath, lookup, parse_path

ABSENT_TEXT: Final = "not recorded"
"""What a placeholder whose value is absent or null renders as (in English)."""
ITEM_STEP: Final = "[*]"
"""The placeholder step that stands for the index of the item a finding is about."""
_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")
MAX_VALUE_LENGTH: Final = 200
MAX_DERIVED_LENGTH: Final = 1000
"""``derived.*`` texts are aigov's own explanations (a chain of reasons; the repository values
they quote are capped where they are derived): longer than a quoted value, still bounded."""


def render_message(
    template: str,
    context: Mapping[str, Any],
    *,
    item: int | None = None,
    absent: str = ABSENT_TEXT,
    lang: str = DEFAULT_LANGUAGE,
) -> str:
    """``template`` with every ``{{ path }}`` replaced by its value in ``context``; ``item``
    is the index ``[*]`` stands for, ``absent`` the phrase for a value that is not there.

    A derived text (``derived.gdpr.dpia.because``) is quoted in ``lang`` when its fact carries
    it (:mod:`aigov.policy.explanation`), so that a French message quotes a French explanation.
    """
    if "{{" not in template:
        return template

    def replace(found: re.Match[str]) -> str:
        text = found[1]
        if ITEM_STEP in text:
            text = text.replace(ITEM_STEP, f"[{item}]") if item is not None else ""
        path = parse_path(text)
        value = MISSING if path is None else lookup(context, path)
        if path is not None and path[:1] == ("derived",) and isinstance(value, str):
            if lang != DEFAULT_LANGUAGE:
                parent = lookup(context, path[:-1])
                if isinstance(parent, Mapping):
                    value = translated(parent, str(path[-1]), lang) or value
            cut = MAX_DERIVED_LENGTH
            return value if len(value) <= cut else value[: cut - 1] + "…"
        return absent if value is MISSING or value is None else format_value(value, absent)

    return _PLACEHOLDER.sub(replace, template)


def placeholder_paths(template: str) -> list[ContextPath]:
    """The context paths the placeholders of ``template`` read (those that are plain paths;
    ``[*]`` read as the first item, the shape of every item)."""
    paths = (
        parse_path(found[1].replace(ITEM_STEP, "[0]")) for found in _PLACEHOLDER.finditer(template)
    )
    return [path for path in paths if path is not None]


def format_value(value: Any, absent: str = ABSENT_TEXT) -> str:
    """A context value as a reader expects it in a sentence: strings unquoted, a list as its
    items separated by commas, ``absent`` for null, JSON for a mapping."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = absent
    elif isinstance(value, list | tuple):
        text = ", ".join(format_value(item, absent) for item in value) or "none"
    elif isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        text = str(int(value))  # 14, as written in aigov.yaml, not 14.0 (YAML ints read as floats)
    elif isinstance(value, int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"
