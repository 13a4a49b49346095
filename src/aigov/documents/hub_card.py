"""A model card's front matter read as the Hugging Face Hub client reads it (huggingface_hub 2.4).

The Hub client (``huggingface_hub.repocard``) finds the front matter with one regular
expression, loads it with PyYAML's ``safe_load`` and builds ``ModelCardData`` without checking
the types of the usual keys; only ``tags`` is normalised (a string becomes a one-element list,
repeats are removed), and ``model-index`` is flattened into evaluation results by
``model_index_to_eval_results``. aigov reads the same cards: what the Hub client reads, aigov
reads; what aigov cannot give the rules in a usable type is dropped with a located warning
that says what was dropped; what the Hub client refuses outright aigov refuses with a located
error. One difference is deliberate: the Hub client drops every evaluation result when one is
unreadable (or refuses the card); aigov drops only the unreadable one.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from aigov.documents.problems import Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument, format_path

# huggingface_hub.repocard.REGEX_YAML_BLOCK (2.4.0), unchanged: whitespace (blank lines,
# spaces) may precede the opening '---', the block ends at the first '---' line after it.
HUB_FRONT_MATTER = re.compile(
    r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))"
)

MODEL_INDEX = "model-index"
# The Hub's keys that hold an identifier or a list of them (ModelCardData's annotations say
# ``str | list[str]``; the client accepts any value and checks none).
HUB_TEXT_KEYS = (
    "language",
    "license",
    "library_name",
    "tags",
    "datasets",
    "metrics",
    "pipeline_tag",
    "base_model",
    "model_name",
    "license_name",
    "license_link",
)
_YAML11_HINT = (
    "A YAML 1.1 writer turns an unquoted no/off/yes/on into a boolean: quote the value "
    "(e.g. 'no' for Norwegian)."
)


class _Reader:
    """Collects the warnings (and the rare errors) of one card's reading, located."""

    def __init__(self, document: YamlDocument) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def warn(
        self, path: FieldPath, message: str, hint: str = "", code: str = "card.dropped"
    ) -> None:
        self.problems.append(
            Problem(
                self.document.locate(path),
                code,
                message,
                field=format_path(path),
                level="warning",
                hint=hint,
            )
        )

    def refuse(self, path: FieldPath, code: str, message: str, hint: str = "") -> None:
        self.problems.append(
            Problem(self.document.locate(path), code, message, format_path(path), hint=hint)
        )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "text" if isinstance(value, str) else "a number"


def _not_a_list(item: dict[str, Any], key: str) -> str:
    if key not in item:
        return f"'{key}' is missing"
    return f"'{key}' is {_kind(item[key])}, not a list"


def read_hub_keys(
    data: dict[str, Any], document: YamlDocument
) -> tuple[dict[str, Any], list[Problem]]:
    """``data`` with the Hub's identifier keys kept as text or lists of text (``tags`` a list,
    without repeats, as the Hub client makes it); an unusable item or value is dropped with a
    warning, a ``tags`` value the Hub client cannot read (a number, a boolean) is an error."""
    reader = _Reader(document)
    cleaned = dict(data)
    for key in HUB_TEXT_KEYS:
        if key not in data or data[key] is None:
            continue
        value = data[key]
        if isinstance(value, str):
            cleaned[key] = [value] if key == "tags" else value
        elif isinstance(value, list):
            cleaned[key] = _text_items(reader, key, value)
        else:
            del cleaned[key]
            if key == "tags" and not isinstance(value, dict):
                reader.refuse(
                    (key,),
                    "card.tags",
                    f"tags is {_kind(value)}: the Hub client refuses a card whose tags are not a "
                    "list or a text",
                )
            else:
                hint = _YAML11_HINT if isinstance(value, bool) else ""
                reader.warn((key,), f"dropped: {_kind(value)} is not text or a list of text", hint)
    return cleaned, reader.problems


def _text_items(reader: _Reader, key: str, items: list[Any]) -> list[str]:
    kept: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, str):
            hint = _YAML11_HINT if isinstance(item, bool) else ""
            if item is None:
                hint = "An empty '-' item holds nothing: remove it or write the value."
            reader.warn((key, index), f"item dropped: {_kind(item)} is not text", hint)
        elif key != "tags" or item not in kept:  # the Hub client removes repeated tags
            kept.append(item)
    return kept


def read_aliased_spellings(
    data: dict[str, Any], aliases: dict[str, str], document: YamlDocument
) -> tuple[dict[str, Any], list[Problem]]:
    """``data`` without the keys spelled as the Python name of a field whose key is another
    spelling (``model_index`` for ``model-index``): the Hub ignores them, so aigov does not read
    them as that field, and says so."""
    reader = _Reader(document)
    cleaned = dict(data)
    for python_name, key in aliases.items():
        if python_name in data:
            del cleaned[python_name]
            reader.warn(
                (python_name,),
                f"'{python_name}' is not read: the Hub ignores this spelling and reads only "
                f"'{key}'",
                hint=f"Rename the key to '{key}' (older transformers Trainer versions wrote "
                f"'{python_name}').",
                code="card.ignored-key",
            )
    return cleaned, reader.problems


# --- model-index -------------------------------------------------------------------------


def read_model_index(
    value: Any, document: YamlDocument
) -> tuple[list[dict[str, Any]] | None, list[Problem]]:
    """The ``model-index`` entries with every evaluation result the Hub client reads
    (``model_index_to_eval_results``): one unreadable entry, result or metric is dropped alone,
    with a warning; a ``source`` the Hub client fails on is an error, as it refuses the card."""
    reader = _Reader(document)
    if not value:  # the Hub client skips an empty or null model-index
        return ([] if isinstance(value, list) else None), []
    if not isinstance(value, list):
        reader.warn(
            (MODEL_INDEX,),
            f"dropped: {_kind(value)}, not a list of models with their results",
            code="card.model-index",
        )
        return None, reader.problems
    entries = [
        entry
        for index, item in enumerate(value)
        if (entry := _entry(reader, (MODEL_INDEX, index), item)) is not None
    ]
    return entries, reader.problems


def _count(items: Any, inner: str) -> int:
    """How many metric values ``items`` (results, or one result's metrics) holds, for messages."""
    if not isinstance(items, list):
        return 0
    if not inner:
        return len(items)
    return sum(_count(item.get(inner), "") for item in items if isinstance(item, dict))


def _values(count: int) -> str:
    return f"{count} metric value{'s' if count != 1 else ''}"


def _entry(reader: _Reader, path: FieldPath, item: Any) -> dict[str, Any] | None:
    def drop(why: str) -> None:
        held = _count(item.get("results"), "metrics") if isinstance(item, dict) else 0
        reader.warn(path, f"model dropped with its {_values(held)}: {why}", code="card.model-index")

    if not isinstance(item, dict):
        drop(f"{_kind(item)}, not a mapping with name and results")
        return None
    if "name" not in item:
        drop("it has no 'name'")
        return None
    name = _optional_text(reader, (*path, "name"), item["name"])
    results = item.get("results")
    if not isinstance(results, list):
        drop(_not_a_list(item, "results"))
        return None
    kept = [
        result
        for index, written in enumerate(results)
        if (result := _result(reader, (*path, "results", index), written)) is not None
    ]
    return {**item, "name": name, "results": kept}


_RESULT_PARTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("task", ("type",), ("name",)),
    ("dataset", ("type", "name"), ("config", "split", "revision")),
)


def _result(reader: _Reader, path: FieldPath, item: Any) -> dict[str, Any] | None:
    def drop(why: str) -> None:
        held = _count(item.get("metrics"), "") if isinstance(item, dict) else 0
        reader.warn(
            path, f"result dropped with its {_values(held)}: {why}", code="card.model-index"
        )

    if not isinstance(item, dict):
        drop(f"{_kind(item)}, not a mapping with task, dataset and metrics")
        return None
    kept = dict(item)
    for part, required, optional in _RESULT_PARTS:
        read = _identity(reader, (*path, part), item.get(part), required, optional)
        if isinstance(read, str):
            drop(read if part in item else f"it has no '{part}'")
            return None
        kept[part] = read
    if not _source_readable(reader, (*path, "source"), item.get("source")):
        return None
    metrics = item.get("metrics")
    if not isinstance(metrics, list):
        drop(_not_a_list(item, "metrics"))
        return None
    kept["metrics"] = [
        metric
        for index, written in enumerate(metrics)
        if (metric := _metric(reader, (*path, "metrics", index), written)) is not None
    ]
    return kept


def _identity(
    reader: _Reader,
    path: FieldPath,
    value: Any,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> dict[str, Any] | str:
    """A task or dataset mapping with its identifiers as text, or why it cannot be read."""
    if not isinstance(value, dict):
        return f"'{path[-1]}' is {_kind(value)}, not a mapping"
    kept = dict(value)
    for key in required:
        if key not in value:
            return f"'{path[-1]}' has no '{key}'"
        text = _required_text(value[key])
        if text is None:
            return f"'{path[-1]}.{key}' is {_kind(value[key])}, not text"
        kept[key] = text
    for key in optional:
        if key in value:
            kept[key] = _optional_text(reader, (*path, key), value[key])
    return kept


def _required_text(value: Any) -> str | None:
    """An identifier as text: numbers as written in decimal (``split: 2021``), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _optional_text(reader: _Reader, path: FieldPath, value: Any) -> str | None:
    text = _required_text(value)
    if text is None and value is not None:
        reader.warn(path, f"dropped: {_kind(value)} is not text", code="card.model-index")
    return text


def _source_readable(reader: _Reader, path: FieldPath, source: Any) -> bool:
    """The Hub client fails on a ``source`` that is not a mapping, or that names a source
    without its URL (``EvalResult.__post_init__``), even when told to ignore metadata errors."""
    if not source:
        return True
    if not isinstance(source, dict):
        reader.refuse(
            path,
            "card.model-index",
            f"source is {_kind(source)}: the Hub client refuses the card (it expects a mapping "
            "with name and url)",
        )
        return False
    if source.get("name") is not None and source.get("url") is None:
        reader.refuse(
            path,
            "card.model-index",
            "source has a name but no url: the Hub client refuses the card",
            hint="Add the url of the source (e.g. the leaderboard page).",
        )
        return False
    return True


def _metric(reader: _Reader, path: FieldPath, item: Any) -> dict[str, Any] | None:
    def drop(why: str) -> None:
        reader.warn(path, f"metric value dropped: {why}", code="card.model-index")

    if not isinstance(item, dict):
        drop(f"{_kind(item)}, not a mapping with type and value")
        return None
    for key in ("type", "value"):
        if key not in item:
            drop(f"it has no '{key}'")
            return None
    metric_type = _required_text(item["type"])
    if metric_type is None:
        drop(f"'type' is {_kind(item['type'])}, not text")
        return None
    kept = {**item, "type": metric_type}
    for key in ("name", "config"):
        if key in item:
            kept[key] = _optional_text(reader, (*path, key), item[key])
    if "verified" in item and not isinstance(item["verified"], bool | None):
        reader.warn((*path, "verified"), f"dropped: {_kind(item['verified'])} is not true or false")
        del kept["verified"]
    if item["value"] is None:
        reader.warn(
            (*path, "value"),
            f"metric '{metric_type}' has a null value: kept without a value, as the Hub reads it",
            hint="Write the measured value, or remove the metric.",
            code="card.model-index",
        )
    return kept


# --- tabs --------------------------------------------------------------------------------


def pyyaml_tab(yaml_text: str) -> tuple[int, int] | None:
    """The (line, column), 1-based in ``yaml_text``, of the first tab that PyYAML's scanner
    refuses ("found character '\\t' that cannot start any token") though libyaml reads it.

    PyYAML accepts a tab only inside a quoted string, a block scalar (``|``, ``>``) or a
    comment. A tab after a ``#`` that starts its line or follows a blank is accepted either way
    (in a comment, or in a quoted or block scalar that holds the ``#``); for the others,
    libyaml's tokens give the spans of the quoted and block scalars.
    """
    if "\t" not in yaml_text:
        return None
    candidates: list[tuple[int, int]] = []  # (line index, offset of its first tab)
    offset = 0
    for number, line in enumerate(yaml_text.split("\n")):
        tab = line.find("\t")
        if tab >= 0:
            comment = _COMMENT.search(line)
            if comment is None or tab < comment.start():
                candidates.append((number, offset + tab))
        offset += len(line) + 1
    if not candidates:
        return None
    starts = [0, *(m.end() for m in re.finditer("\n", yaml_text))]
    spans = sorted(_quoted_spans(yaml_text, starts))
    for number, first_tab in candidates:
        line_end = starts[number + 1] - 1 if number + 1 < len(starts) else len(yaml_text)
        for tab in range(first_tab, line_end):
            if yaml_text[tab] != "\t" or _within(spans, tab):
                continue
            if tab < _comment_start(yaml_text, starts[number], line_end, spans):
                return number + 1, tab - starts[number] + 1
            break
    return None


_COMMENT = re.compile(r"(?:^|[ \t])#")


def _quoted_spans(text: str, starts: list[int]) -> Iterator[tuple[int, int]]:
    """(start, end) offsets of the quoted and block scalars, from libyaml's tokens."""
    try:
        for token in yaml.scan(text, Loader=yaml.CSafeLoader):
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"', "|", ">"):
                yield _offset(starts, token.start_mark), _offset(starts, token.end_mark)
    except yaml.YAMLError:
        return  # the parser reports it; the spans found so far are all there are before it


def _offset(starts: list[int], mark: Any) -> int:
    line = min(int(mark.line), len(starts) - 1)
    return starts[line] + int(mark.column)


def _within(spans: list[tuple[int, int]], offset: int) -> bool:
    index = bisect.bisect_right(spans, (offset, math.inf)) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def _comment_start(text: str, line_start: int, line_end: int, spans: list[tuple[int, int]]) -> int:
    """Where the comment of a line begins: its first ``#`` outside quoted text that starts the
    line or follows a blank; the end of the line if it has none."""
    for hash_at in (m.start() for m in re.finditer("#", text[line_start:line_end])):
        at = line_start + hash_at
        if (at == line_start or text[at - 1] in " \t") and not _within(spans, at):
            return at
    return line_end
