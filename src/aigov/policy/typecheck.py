"""A pack's expressions checked against the declared shape of the context, when the pack loads.

A typo in a rule (``manifest.risk.ai_act.categroy``) would otherwise read an absent field in
every repository: the rule silently never fires, and its fixtures, written with the same typo,
pass. The CEL library compiles expressions without declarations (it has none to give), so this
module checks what the text reads (:class:`~aigov.policy.cel.scan.SourceScan`) against the
shapes of :mod:`aigov.policy.shapes`:

- every field a chain reads, ``has()`` tests included, exists where the schema is closed
  (macro variables take the item shape of the list they range over);
- every name is a context root or a macro variable, every function or method is CEL's or one
  of :data:`~aigov.policy.cel.functions.FUNCTIONS`;
- where it is certain from the schema: a comparison's two sides can be equal or ordered
  (a string field against a number, a date string against ``today``), a string literal
  compared with an enumerated field is one of its values, a method or function applies to its
  receiver (``size()`` of a number);
- the message's ``{{ placeholders }}`` name fields that exist.

Each problem points at the offending token in the pack file (line and column inside the YAML
scalar, folded or not), with "did you mean" when a known name is close.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aigov.documents.problems import Location, Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument
from aigov.policy.cel.functions import FUNCTIONS
from aigov.policy.cel.scan import (
    MACROS,
    Chain,
    SourceScan,
    Token,
    literal_value,
    matching_brackets,
    tokenize,
)
from aigov.policy.params import RuleParam
from aigov.policy.paths import ROOTS, join_path, parse_path
from aigov.policy.shapes import (
    ANY,
    NotAMap,
    Shape,
    Unknown,
    describe,
    did_you_mean,
    params_shape,
    root_shape,
)
from aigov.policy.templates import ITEM_STEP

_TIMESTAMP_GETTERS: Final = frozenset(
    {"getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear"}
    | {"getHours", "getMinutes", "getSeconds", "getMilliseconds"}
)
_STRING_METHODS: Final = frozenset({"contains", "startsWith", "endsWith", "matches"})
_CONVERSIONS: Final = frozenset(
    {"int", "uint", "double", "string", "bytes", "type", "dyn", "timestamp", "duration"}
)
# What the library (common-expression-language 0.10) knows besides FUNCTIONS, found by
# calling each name of the CEL specification: bool(), lowerAscii() and the like are absent.
GLOBAL_FUNCTIONS: Final = frozenset({"size", "has"} | _CONVERSIONS)
METHODS: Final = frozenset(
    {"size", "hasValue", "value", "orValue"} | _STRING_METHODS | _TIMESTAMP_GETTERS | MACROS
)

_SIZED: Final = frozenset({"string", "list", "map", "bytes"})
_RECEIVERS: Final[Mapping[str, frozenset[str]]] = {
    "size": _SIZED,
    **{name: frozenset({"string"}) for name in _STRING_METHODS},
    **{name: frozenset({"list", "map"}) for name in MACROS},
    **{name: frozenset({"timestamp", "duration"}) for name in _TIMESTAMP_GETTERS},
}
"""What a method (or a function, of its first argument) applies to."""
_FIRST_ARGUMENT: Final[Mapping[str, frozenset[str]]] = {
    "size": _SIZED,
    "date": frozenset({"string", "timestamp"}),
    "duration_days": frozenset({"string"}),
    "latest": frozenset({"list"}),
    "greatest": frozenset({"list"}),
    "flatten": frozenset({"list"}),
    "pluck": frozenset({"list"}),
    "contains_all": frozenset({"list"}),
}
_RESULTS: Final[Mapping[str, frozenset[str]]] = {
    "size": frozenset({"number"}),
    "int": frozenset({"number"}),
    "uint": frozenset({"number"}),
    "double": frozenset({"number"}),
    "string": frozenset({"string"}),
    "timestamp": frozenset({"timestamp"}),
    "duration": frozenset({"duration"}),
    "date": frozenset({"timestamp"}),
    "latest": frozenset({"timestamp"}),
    "days_between": frozenset({"number"}),
    "duration_days": frozenset({"number"}),
    "is_date": frozenset({"bool"}),
    "is_duration": frozenset({"bool"}),
    "contains_all": frozenset({"bool"}),
    "recorded": frozenset({"bool"}),
    "pluck": frozenset({"list"}),
    "flatten": frozenset({"list"}),
    "has": frozenset({"bool"}),
    **{name: frozenset({"bool"}) for name in _STRING_METHODS},
    **{name: frozenset({"bool"}) for name in ("all", "exists", "exists_one")},
    **{name: frozenset({"list"}) for name in ("map", "filter")},
    **{name: frozenset({"number"}) for name in _TIMESTAMP_GETTERS},
}
"""What a function or method gives, for the comparisons it appears in."""
_COMPARISONS: Final = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})
_BEFORE_OPERAND: Final = frozenset({"", "(", ",", "&&", "||", "?", ":", "[", "{"})
_AFTER_OPERAND: Final = frozenset({"", ")", ",", "&&", "||", "?", ":", "]", "}"})


@dataclass(frozen=True)
class TypeProblem:
    """One thing an expression gets wrong, at character ``offset`` of its text."""

    offset: int
    code: str
    message: str


@dataclass
class _Checker:
    """The check of one expression: its tokens, what it reads, the shapes found so far."""

    source: str
    roots: Mapping[str, Shape]
    tokens: Sequence[Token]
    scan: SourceScan
    closing: Mapping[int, int]
    opening: Mapping[int, int]
    starting: Mapping[int, Chain]  # the chains by the index of their first token
    ending: Mapping[int, Chain]  # the chains by the index of the token after them
    problems: list[TypeProblem]
    shapes: dict[int, Shape | None]  # chain position -> shape of what it reads (None: broken)

    def problem(self, token: int, code: str, message: str) -> None:
        self.problems.append(TypeProblem(self.tokens[token].start, code, message))

    def text(self, index: int) -> str:
        return self.tokens[index].text if 0 <= index < len(self.tokens) else ""

    def kind(self, index: int) -> str:
        return self.tokens[index].kind if 0 <= index < len(self.tokens) else ""

    def chain_shape(self, chain: Chain, depth: int = 0) -> Shape | None:
        """The shape of what ``chain`` reads (None after a problem), reporting problems once."""
        if chain.position in self.shapes:
            return self.shapes[chain.position]
        self.shapes[chain.position] = None  # a binding's source never loops back to itself
        start = self._start(chain, depth)
        shape = None if start is None else self._walk(chain, start)
        self.shapes[chain.position] = shape
        return shape

    def _start(self, chain: Chain, depth: int) -> Shape | None:
        binding = self.scan.binding_of(chain)
        if binding is not None:
            if binding.source is None or depth > 20:
                return ANY
            source = self.chain_shape(binding.source, depth + 1)
            return None if source is None else source.element()
        shape = self.roots.get(chain.root)
        if shape is None:
            hint = did_you_mean(chain.root, sorted(self.roots))
            self.problem(
                chain.position, "rule.unknown-name", f"unknown name '{chain.root}': {hint}"
            )
        return shape

    def _walk(self, chain: Chain, shape: Shape) -> Shape | None:
        """The shape ``chain.steps`` reach from ``shape``; None after a problem (``tested``
        included: has() of a field the schema does not have is never true)."""
        found = _reach(shape, self._root_label(chain), chain.steps)
        if isinstance(found, Shape) and chain.tested is not None:
            tested = _reach(found, self._path(chain), (chain.tested,))
            if not isinstance(tested, Shape):
                found = (len(chain.steps), tested[1], tested[2])
        if isinstance(found, Shape):
            return found
        number, code, message = found
        self.problem(chain.step_tokens[number], code, message)
        return None

    def check(self) -> None:
        for chain in self.scan.chains:
            self.chain_shape(chain)
        for index, token in enumerate(self.tokens):
            if token.kind == "ident" and self.text(index + 1) == "(":
                self._check_call(index)
            elif token.text in _COMPARISONS and token.kind in ("op", "ident"):
                self._check_comparison(index)

    def _check_call(self, index: int) -> None:
        name = self.text(index)
        method = self.text(index - 1) == "."
        known = (METHODS if method else GLOBAL_FUNCTIONS) | FUNCTIONS.keys()
        if name not in known:
            hint = did_you_mean(name, sorted(known))
            what = "method" if method else "function"
            self.problem(index, "rule.unknown-function", f"unknown {what} '{name}()': {hint}")
            return
        receiver = self.ending.get(index - 1) if method else self._argument(index)
        accepted = _RECEIVERS.get(name) if method else _FIRST_ARGUMENT.get(name)
        if receiver is None or accepted is None or receiver.tested is not None:
            return
        kinds = self._kinds(receiver)
        if kinds and not kinds & accepted:
            where = self._path(receiver)
            self.problem(
                index,
                "rule.type-mismatch",
                f"{name}() does not apply to {where}, which is {describe(kinds)}",
            )

    def _argument(self, index: int) -> Chain | None:
        """The plain chain that is the first argument of the call at ``index``, if any."""
        chain = self.starting.get(index + 2)
        if chain is None or self.text(chain.end) not in (")", ","):
            return None
        return chain

    def _kinds(self, chain: Chain) -> frozenset[str]:
        """The kinds ``chain`` may have, null aside (the context leaves unset fields out);
        empty when unknown."""
        shape = self.chain_shape(chain)
        kinds = shape.kinds() if shape is not None else None
        return (kinds or frozenset()) - {"null"}

    def _root_label(self, chain: Chain, depth: int = 0) -> str:
        """A chain's root as messages name it: a macro variable as an element of its list
        (``contracts[].fields[]`` for ``f`` in ``c.fields.exists(f, ...)``)."""
        binding = self.scan.binding_of(chain)
        if binding is None or binding.source is None or depth > 20:
            return chain.root
        return self._path(binding.source, depth + 1) + "[]"

    def _path(self, chain: Chain, depth: int = 0) -> str:
        path = self._root_label(chain, depth)
        for step in chain.steps:
            path = join_path(path, step)
        return path

    def _check_comparison(self, index: int) -> None:
        left = self._operand_before(index)
        right = self._operand_after(index)
        if left is None or right is None:
            return
        op = self.text(index)
        if op == "in":
            if self.text(right[0]) == "[":
                self._check_membership(left, right)
            return
        left_kinds, right_kinds = self._operand_kinds(*left), self._operand_kinds(*right)
        if left_kinds is None or right_kinds is None or "null" in left_kinds | right_kinds:
            return
        if not left_kinds & right_kinds:
            self.problem(
                index,
                "rule.type-mismatch",
                f"'{op}' compares {self._shown(*left)}, {describe(left_kinds)}, with "
                f"{self._shown(*right)}, {describe(right_kinds)}: never true",
            )
            return
        if op == "==":  # a value the field never takes: the rule never fires
            for field, literal in ((left, right), (right, left)):
                self._check_value(field, literal)

    def _check_membership(self, left: tuple[int, int], right: tuple[int, int]) -> None:
        """``field in ["a", "b"]``: each listed string is a value the field can take."""
        items = [i for i in range(right[0] + 1, right[1] - 1) if self.text(i) != ","]
        if any(self.tokens[i].kind != "string" for i in items):
            return
        for item in items:
            self._check_value(left, (item, item + 1))

    def _check_value(self, field: tuple[int, int], literal: tuple[int, int]) -> None:
        """A string literal compared with an enumerated field is one of its values."""
        chain = self._chain_spanning(*field)
        if chain is None or literal[1] - literal[0] != 1:
            return
        value = literal_value(self.tokens[literal[0]])
        shape = self.chain_shape(chain)
        values = shape.values() if shape is not None else None
        if not isinstance(value, str) or values is None or value in values:
            return
        options = [str(v) for v in values]
        hint = did_you_mean(value, options)
        shown = hint if hint.startswith("did") else f"its values: {', '.join(options)}"
        self.problem(
            literal[0],
            "rule.unknown-value",
            f"{self._path(chain)} is never '{value}': {shown}",
        )

    def _chain_spanning(self, start: int, end: int) -> Chain | None:
        chain = self.starting.get(start)
        return chain if chain is not None and chain.end == end and not chain.tested else None

    def _shown(self, start: int, end: int) -> str:
        return self.source[self.tokens[start].start : self.tokens[end - 1].end]

    def _operand_kinds(self, start: int, end: int) -> frozenset[str] | None:
        """The kinds of the operand spanning tokens ``start``..``end`` (exclusive), when known."""
        first = self.tokens[start]
        if end - start == 1 and first.kind in ("string", "number"):
            return frozenset({"bytes" if first.text[:1] in "bB" else first.kind})
        if end - start == 1 and first.text in ("true", "false", "null"):
            return frozenset({"null" if first.text == "null" else "bool"})
        if end - start == 2 and first.text == "-" and self.tokens[start + 1].kind == "number":
            return frozenset({"number"})
        if first.text == "[" and self.closing.get(start) == end - 1:
            return frozenset({"list"})
        chain = self._chain_spanning(start, end)
        if chain is not None:
            return self._kinds(chain) or None
        name = self.opening.get(end - 1, -1) - 1  # a call ending the operand: its name
        if name < start or self.tokens[name].kind != "ident":
            return None
        if name == start or (self.text(name - 1) == "." and self._receiver_starts(name, start)):
            return _RESULTS.get(self.tokens[name].text)
        return None

    def _receiver_starts(self, method: int, start: int) -> bool:
        chain = self.ending.get(method - 1)
        return chain is not None and chain.position == start

    def _operand_before(self, index: int) -> tuple[int, int] | None:
        """The token span of the operand ending right before the operator at ``index``."""
        last = index - 1
        if last < 0:
            return None
        start = last
        if self.text(last) == ")":
            opening = self.opening.get(last)
            if opening is None or opening == 0 or self.tokens[opening - 1].kind != "ident":
                return None
            start = opening - 1
            if self.text(start - 1) == ".":
                receiver = self.ending.get(start - 1)
                if receiver is None:
                    return None
                start = receiver.position
        elif index in self.ending:
            start = self.ending[index].position
        elif self.text(last) == "]":
            start = self.opening.get(last, -1)
        elif self.tokens[last].kind == "number" and self.text(last - 1) == "-":
            start = last - 1
        if start < 0 or self.text(start - 1) not in _BEFORE_OPERAND:
            return None
        return start, index

    def _operand_after(self, index: int) -> tuple[int, int] | None:
        """The token span of the operand starting right after the operator at ``index``."""
        start = index + 1
        if start >= len(self.tokens):
            return None
        end = start + 1
        if self.text(start) == "-" and self.kind(start + 1) == "number":
            end = start + 2
        elif self.text(start) == "[":
            end = self.closing.get(start, len(self.tokens)) + 1
        elif self.tokens[start].kind == "ident" and self.text(start + 1) == "(":
            end = self.closing.get(start + 1, len(self.tokens)) + 1
        else:
            chain = self.starting.get(start)
            if chain is not None:
                end = chain.end
                if self.text(end) == "." and self.text(end + 2) == "(":
                    end = self.closing.get(end + 2, len(self.tokens)) + 1
        if self.text(end) not in _AFTER_OPERAND:
            return None
        return start, end


def expression_problems(source: str, roots: Mapping[str, Shape]) -> list[TypeProblem]:
    """What ``source`` reads or calls that the shapes of ``roots`` do not have."""
    tokens = tokenize(source)
    closing = matching_brackets(tokens)
    opening = {close: open_ for open_, close in closing.items()}
    scan = SourceScan.of(tokens)
    checker = _Checker(
        source,
        roots,
        tokens,
        scan,
        closing,
        opening,
        {chain.position: chain for chain in scan.chains},
        {chain.end: chain for chain in scan.chains},
        [],
        {},
    )
    checker.check()
    return sorted(checker.problems, key=lambda p: p.offset)


def placeholder_problems(message: str, roots: Mapping[str, Shape]) -> list[TypeProblem]:
    """What the ``{{ placeholders }}`` of ``message`` read that the shapes do not have."""
    problems: list[TypeProblem] = []
    start = message.find("{{")
    while start >= 0:
        close = message.find("}}", start)
        if close < 0:
            break
        inner = message[start + 2 : close]
        # ``[*]`` (the item a finding is about) has the shape of any item: checked as the first.
        path = parse_path(inner.replace(ITEM_STEP, "[0]"))
        if path is not None:
            found = _path_problem(path, roots)
            if found is not None:
                step, code, text = found
                offset = start + 2 + max(inner.find(str(step)), 0)
                problems.append(TypeProblem(offset, code, text))
        start = message.find("{{", close)
    return problems


def _reach(shape: Shape, path: str, steps: Sequence[str | int]) -> Shape | tuple[int, str, str]:
    """The shape ``steps`` reach from ``shape`` (read at ``path``), or the problem of the first
    step that does not exist: (its index, code, message)."""
    for number, step in enumerate(steps):
        member = shape.member(step)
        if isinstance(member, Unknown):
            hint = member.suggestion(str(step))
            return number, "rule.unknown-field", f"unknown field '{step}' in {path}: {hint}"
        if isinstance(member, NotAMap):
            what = "field" if isinstance(step, str) else "index"
            kinds = describe(member.kinds)
            return number, "rule.type-mismatch", f"{path} is {kinds}: it has no {what} '{step}'"
        shape, path = member, join_path(path, step)
    return shape


def _path_problem(
    path: tuple[str | int, ...], roots: Mapping[str, Shape]
) -> tuple[object, str, str] | None:
    """A placeholder path's problem: (the step to point at, code, message), if any."""
    root = str(path[0])
    shape = roots.get(root)
    if shape is None:
        hint = did_you_mean(root, sorted(roots))
        return root, "rule.unknown-name", f"unknown name '{root}': {hint}"
    found = _reach(shape, root, path[1:])
    if isinstance(found, Shape):
        return None
    number, code, message = found
    return path[1 + number], code, message


class _Roots(Mapping[str, Shape]):
    """The context roots' shapes, each built the first time an expression reads it."""

    def __init__(self, params: Shape) -> None:
        self._params = params

    def __getitem__(self, name: str) -> Shape:
        shape = self._params if name == "params" else root_shape(name)
        if shape is None:
            raise KeyError(name)
        return shape

    def __iter__(self) -> Iterator[str]:
        return iter((*ROOTS, "params"))

    def __len__(self) -> int:
        return len(ROOTS) + 1


def rule_roots(params: Mapping[str, RuleParam]) -> Mapping[str, Shape]:
    """The shapes a rule's expressions and fixtures are checked against, ``params`` being the
    parameters it declares."""
    return _Roots(params_shape(params))


MESSAGE_KEY: Final = ("message",)
"""The rule key whose text is a message with placeholders, not an expression."""


def check_rule(
    rule_id: str,
    params: Mapping[str, RuleParam],
    texts: Mapping[FieldPath, str | None],
    document: YamlDocument,
    text: str,
) -> list[Problem]:
    """Every problem of a rule's expressions and message (``texts``: their key in the rule ->
    their text) against the context's shapes, at its place in the rule file (``text``, whose
    parse is ``document``)."""
    roots = rule_roots(params)
    problems: list[Problem] = []
    for path, source in texts.items():
        if source is None:
            continue
        found = (
            placeholder_problems(source, roots)
            if path == MESSAGE_KEY
            else expression_problems(source, roots)
        )
        for problem in found:
            location, column = locate_in_scalar(document, text, path, source, problem.offset)
            where = "" if column is None else f" (column {column} of the expression)"
            problems.append(
                Problem(
                    location,
                    problem.code,
                    f"rule {rule_id}: {problem.message}{where}",
                    field=".".join(str(step) for step in path),
                )
            )
    return problems


def locate_in_scalar(
    document: YamlDocument, text: str, path: FieldPath, value: str, offset: int
) -> tuple[Location, int | None]:
    """Where character ``offset`` of the string at ``path`` was written in ``text``.

    Follows the YAML scalar as written (plain, quoted or block, folded over several lines):
    its non-blank characters are the value's, in order. When the text cannot be followed
    (an escape it does not know), the key's location and the column inside the value
    (1-based, second item) are returned instead.
    """
    key = document.positions.get(tuple(path))
    fallback = (document.locate(path), offset + 1)
    if key is None:
        return fallback
    lines = text.split("\n")
    row, column = key[0] - document.line_offset - 1, key[1] - 1
    if not 0 <= row < len(lines):
        return fallback
    colon = lines[row].find(":", column + len(str(path[-1])))
    if colon < 0:
        return fallback
    rest = "\n".join(lines[row:])
    position = colon + 1
    while position < len(rest) and rest[position] in " \t":
        position += 1
    style = rest[position : position + 1]
    if style in ("|", ">"):
        position = rest.find("\n", position) + 1
    elif style in ("'", '"'):
        position += 1
    found = _follow(rest, position, value, offset, style)
    if found is None:
        return fallback
    before = rest[:found]
    line = row + 1 + before.count("\n") + document.line_offset
    return Location(document.file, line, found - (before.rfind("\n") + 1) + 1), None


def _follow(raw: str, position: int, value: str, offset: int, style: str) -> int | None:
    """The index in ``raw`` of ``value[offset]``, matching non-blank characters in order."""
    for index in range(min(offset, len(value) - 1) + 1):
        wanted = value[index]
        if wanted.isspace():
            continue
        while position < len(raw) and raw[position] != wanted:
            if raw[position].isspace() or (style == '"' and raw[position] == "\\"):
                position += 1
            else:
                return None
        if position >= len(raw):
            return None
        if index < offset:
            position += 1
            if style in ("'", '"') and wanted == ("'" if style == "'" else "\\"):
                position += 1  # the second character of '' or \\
    return position
