"""Safe YAML loading: plain JSON-like data plus the position of every field.

Every file aigov reads may come from an untrusted pull request, so this loader is built to refuse
hostile input quickly and to explain every mistake with file:line:column:

- it builds data from libyaml's event stream with an explicit stack, so deep nesting cannot
  overflow the C stack (PyYAML's own composer segfaults on ~100,000 nested brackets);
- aliases are counted by the size of what they expand to (keys, items and scalars, as the same
  data written out would count), so a billion-laughs document is refused after a bounded amount
  of work instead of exhausting memory downstream, and an aliased document passes exactly when
  its written-out form would;
- scalars follow the YAML 1.2 core schema, as JSON Schema validation expects: ``2024-01-01`` stays a
  string, ``yes``/``no``/``on`` stay strings, only ``true``/``false`` are booleans;
- duplicate keys are errors (YAML forbids them; PyYAML silently keeps the last one);
- unknown tags (``!!python/object`` and friends) are refused, never constructed.
"""

from __future__ import annotations

import contextlib
import gc
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from aigov.documents.problems import DocumentError, Location, Problem

try:  # libyaml is an order of magnitude faster; the pure-Python parser is a correct fallback.
    from yaml.cyaml import CParser as _Parser  # type: ignore[attr-defined]

    _POSITIONS_IN_BYTES = True  # libyaml's reader errors count bytes of the UTF-8 text
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)

    _POSITIONS_IN_BYTES = False


# A path into a document: mapping keys and list indices from the root.
FieldPath = tuple[str | int, ...]

MAX_DEPTH = 100
MAX_NODES = 200_000

_CORE = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


@dataclass
class YamlDocument:
    """Data loaded from one YAML text, with where each field was written.

    ``positions`` maps a field path to the 1-based (line, column) of its key (for a mapping entry)
    or of the item itself (for a list item); the root is at the start of the document.
    """

    file: str
    data: Any
    positions: dict[FieldPath, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)

    def locate(self, path: FieldPath) -> Location:
        """Where ``path`` stands, or its nearest written ancestor when the field is absent."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(tuple(path[:end]))
            if found is not None:
                return Location(self.file, found[0] + self.line_offset, found[1])
        return Location(self.file, 1 + self.line_offset, 1)

    def has_position(self, path: FieldPath) -> bool:
        return tuple(path) in self.positions


def format_path(path: FieldPath) -> str:
    """``("risk", "gdpr", "transfers", 0)`` -> ``risk.gdpr.transfers[0]``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# A plain scalar can only be null, a boolean or a number if it starts with one of these: most
# scalars are words, and skipping the patterns for them halves the cost of loading rule packs.
_NON_STRING_START = frozenset("0123456789+-.~nNtTfF")


def _resolve_plain(value: str) -> Any:
    if value and value[0] not in _NON_STRING_START:
        return value
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT10.match(value):
        return int(value)
    if _INT8.match(value):
        return int(value[2:], 8)
    if _INT16.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return -math.inf if value.startswith("-") else math.inf
    if _NAN.match(value):
        return math.nan
    return value


class _Frame:
    """A collection being built: a mapping waiting for keys and values, or a sequence."""

    __slots__ = ("anchor", "container", "key", "key_pos", "merges", "nodes", "path", "seen")

    def __init__(self, container: Any, path: FieldPath, anchor: str | None) -> None:
        self.container = container
        self.path = path
        self.anchor = anchor
        self.key: str | None = None
        self.key_pos: tuple[int, int] = (1, 1)
        self.merges: list[Any] = []
        self.nodes = 1
        self.seen: dict[str, tuple[int, int]] = {}


class _Builder:
    def __init__(self, file: str, line_offset: int) -> None:
        self.file = file
        self.line_offset = line_offset
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.positions: dict[FieldPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.total_nodes = 0
        self.expanded_alias = False

    def fail(self, mark: Any, code: str, message: str, hint: str = "") -> DocumentError:
        line, column = _pos(mark)
        where = Location(self.file, line + self.line_offset, column)
        return DocumentError(Problem(where, code, message, hint=hint))

    def count(self, nodes: int, mark: Any) -> None:
        self.total_nodes += nodes
        if self.total_nodes > MAX_NODES and self.expanded_alias:
            raise self.fail(
                mark,
                "yaml.too-large",
                f"the document expands to more than {MAX_NODES:,} values (alias expansion)",
                "YAML aliases (*name) that repeat large anchors are refused: write the data out.",
            )
        if self.total_nodes > MAX_NODES:
            raise self.fail(
                mark,
                "yaml.too-large",
                f"the document holds more than {MAX_NODES:,} values (keys, items and scalars)",
                "No aigov document needs that many: split the data or leave it out.",
            )

    def build(self, events: Iterator[yaml.Event]) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        # Most frequent events first: each test costs, and a document has ~2 events per value.
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                value = self._scalar(event)
                self.count(1, event.start_mark)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                root = self._place(
                    stack, value, 1, event.start_mark, is_key_allowed=True, event=event
                )
                continue
            if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frame = stack.pop()
                value = frame.container
                if frame.merges:
                    value = self._merge(frame)
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (value, frame.nodes)
                if stack:
                    stack[-1].nodes += frame.nodes
                    self._attach(stack[-1], value, event.start_mark)
                else:
                    root = value
                continue
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in self.anchors:
                    raise self.fail(
                        event.start_mark,
                        "yaml.alias",
                        f"alias *{event.anchor} refers to no anchor defined before it",
                    )
                value, nodes = self.anchors[event.anchor]
                self.expanded_alias = True
                self.count(nodes, event.start_mark)
                root = self._place(stack, value, nodes, event.start_mark, is_key_allowed=False)
                continue
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self._check_tag(
                    event, "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                )
                if len(stack) >= MAX_DEPTH:
                    raise self.fail(
                        event.start_mark,
                        "yaml.too-deep",
                        f"the document nests more than {MAX_DEPTH} levels deep",
                    )
                if stack and stack[-1].key is None and isinstance(stack[-1].container, dict):
                    raise self.fail(
                        event.start_mark,
                        "yaml.complex-key",
                        "a mapping key must be a plain value, not a list or mapping",
                    )
                self.count(1, event.start_mark)
                path = self._child_path(stack, event.start_mark) if stack else ()
                if not stack:
                    self.positions[()] = _pos(event.start_mark)
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append(_Frame(container, path, event.anchor))
                continue
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.fail(
                        event.start_mark,
                        "yaml.multiple-documents",
                        "expected a single YAML document, found another '---' document",
                    )
        return root  # the stream and document end events need nothing

    def _child_path(self, stack: list[_Frame], mark: Any) -> FieldPath:
        parent = stack[-1]
        if isinstance(parent.container, dict):
            assert parent.key is not None
            path = (*parent.path, parent.key)
            self.positions[path] = parent.key_pos
        else:
            path = (*parent.path, len(parent.container))
            self.positions[path] = _pos(mark)
        return path

    def _place(
        self,
        stack: list[_Frame],
        value: Any,
        nodes: int,
        mark: Any,
        *,
        is_key_allowed: bool,
        event: yaml.ScalarEvent | None = None,
    ) -> Any:
        if not stack:
            self.positions[()] = _pos(mark)
            return value
        frame = stack[-1]
        if isinstance(frame.container, dict) and frame.key is None:
            if not is_key_allowed:
                raise self.fail(
                    mark, "yaml.complex-key", "an alias cannot be used as a mapping key"
                )
            # A key counts in its mapping's size, so that an alias of the mapping costs what
            # the mapping written out costs (the document total already counted it).
            frame.nodes += nodes
            # Keys keep their source text: JSON-like data has string keys only.
            key = event.value if event is not None else str(value)
            if key == "<<" and event is not None and event.implicit[0]:
                frame.key = "<<"
                frame.key_pos = _pos(mark)
                return None
            pos = _pos(mark)
            if key in frame.seen:
                first_line = frame.seen[key][0] + self.line_offset
                where = Location(self.file, pos[0] + self.line_offset, pos[1])
                self.problems.append(
                    Problem(
                        where,
                        "yaml.duplicate-key",
                        f"duplicate key '{key}' (first defined on line {first_line})",
                        field=format_path((*frame.path, key)),
                        hint="YAML forbids repeating a key in one mapping: keep one of them.",
                    )
                )
            frame.seen[key] = pos
            frame.key = key
            frame.key_pos = pos
            return None
        frame.nodes += nodes
        self._child_path(stack, mark)
        self._attach(frame, value, mark)
        return None

    def _attach(self, frame: _Frame, value: Any, mark: Any) -> None:
        if isinstance(frame.container, dict):
            if frame.key == "<<":
                merged = value if isinstance(value, list) else [value]
                if not all(isinstance(item, dict) for item in merged):
                    raise self.fail(
                        mark, "yaml.merge", "a merge key '<<' takes a mapping or a list of mappings"
                    )
                frame.merges.extend(merged)
            else:
                frame.container[frame.key] = value
            frame.key = None
        else:
            frame.container.append(value)

    def _merge(self, frame: _Frame) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for source in reversed(frame.merges):
            merged.update(source)
        merged.update(frame.container)
        return merged

    def _scalar(self, event: yaml.ScalarEvent) -> Any:
        tag = event.tag
        if tag is None:
            return self._resolve(event) if event.implicit[0] else event.value
        if tag == "!":
            return event.value
        if tag is not None and tag.startswith(_CORE):
            kind = tag[len(_CORE) :]
            if kind in ("str", "timestamp", "binary"):
                return event.value
            resolved: Any = self._resolve(event)
            accepted: dict[str, tuple[type, ...]] = {
                "int": (int,),
                "float": (int, float),
                "bool": (bool,),
                "null": (type(None),),
            }
            if kind in accepted:
                # bool is a subclass of int: "!!int true" must not pass as an integer.
                is_bool = isinstance(resolved, bool)
                if isinstance(resolved, accepted[kind]) and (kind == "bool" or not is_bool):
                    return float(str(resolved)) if kind == "float" else resolved
                raise self.fail(
                    event.start_mark, "yaml.tag", f"'{event.value}' is not a valid !!{kind}"
                )
        raise self.fail(
            event.start_mark,
            "yaml.tag",
            f"unsupported YAML tag {tag!r}",
            "Only plain data is accepted: remove the tag.",
        )

    def _resolve(self, event: yaml.ScalarEvent) -> Any:
        try:
            return _resolve_plain(event.value)
        except ValueError:
            # Python refuses to convert decimal integers of more than 4,300 digits (a guard
            # against quadratic-time parsing): such a number is no usable value here either.
            raise self.fail(
                event.start_mark,
                "yaml.number",
                f"a number of {len(event.value):,} characters is too large to read",
                "Write the value as a string in quotes if it is not a number.",
            ) from None

    def _check_tag(self, event: yaml.CollectionStartEvent, kind: str) -> None:
        if event.tag not in (None, "!", f"{_CORE}{kind}"):
            raise self.fail(event.start_mark, "yaml.tag", f"unsupported YAML tag {event.tag!r}")


def _pos(mark: Any) -> tuple[int, int]:
    if mark is None:
        return (1, 1)
    return (int(mark.line) + 1, int(mark.column) + 1)


def parse_yaml(text: str, file: str, *, line_offset: int = 0) -> YamlDocument:
    """Parse one YAML document held in ``text``; ``file`` names it in every problem.

    ``line_offset`` shifts reported lines, for YAML embedded in a larger file (front matter).
    Raises :class:`DocumentError` when the text is not usable at all; recoverable problems
    (duplicate keys) are listed on the returned document.
    """
    builder = _Builder(file, line_offset)
    parser = _Parser(text)
    try:
        with _collector_paused():
            data = builder.build(_events(parser))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file, line_offset) from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids; no mark, a position
        raise _reader_error(exc, text, file, line_offset) from None
    except yaml.YAMLError as exc:
        raise DocumentError(
            Problem(Location(file, 1 + line_offset, 1), "yaml.syntax", str(exc).strip())
        ) from None
    finally:
        parser.dispose()
    return YamlDocument(file, data, builder.positions, line_offset, builder.problems)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a document is built.

    Building allocates a few objects per value and keeps them all, so each collection walks
    everything built so far: half the time of a 200,000-value document went to collections that
    found nothing (the data is a tree of aliases defined before use: it has no cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _events(parser: Any) -> Iterator[yaml.Event]:
    while parser.check_event():
        yield parser.get_event()


def _reader_error(
    exc: yaml.reader.ReaderError, text: str, file: str, line_offset: int
) -> DocumentError:
    """Where the character that YAML forbids stands (a control character, U+FFFE…)."""
    position = int(exc.position)
    if _POSITIONS_IN_BYTES:
        position = len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    character = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return DocumentError(
        Problem(
            Location(file, line + line_offset, column),
            "yaml.syntax",
            f"character U+{character:04X} is not allowed in YAML ({exc.reason})",
            hint="Remove the character, or write it as an escape in a double-quoted string.",
        )
    )


def _syntax_error(
    exc: yaml.MarkedYAMLError, text: str, file: str, line_offset: int
) -> DocumentError:
    mark = exc.problem_mark or exc.context_mark
    line, column = _pos(mark)
    reason = (exc.problem or "invalid YAML").strip()
    if exc.context:
        reason = f"{reason} ({exc.context.strip()})"
    hint = ""
    lines = text.splitlines()
    if 0 < line <= len(lines) and "\t" in lines[line - 1][: max(column, 1) + 1]:
        hint = "YAML does not allow tabs for indentation: indent with spaces."
    elif "could not find expected ':'" in reason or "mapping values are not allowed" in reason:
        hint = "Check the indentation and that each 'key: value' has a space after the colon."
    if exc.context_mark is not None and exc.problem_mark is not None:
        opened = _pos(exc.context_mark)
        if opened[0] != line:
            # libyaml notices an unclosed bracket or quote where the next token starts; the
            # mistake is usually where the construct opened.
            started = f"the construct started at line {opened[0] + line_offset}, column {opened[1]}"
            hint = f"{hint} ({started})" if hint else started.capitalize() + "."
    where = Location(file, line + line_offset, column)
    return DocumentError(Problem(where, "yaml.syntax", reason, hint=hint))
