"""Hostile variants of the files aigov reads, and the oracle that runs them through the CLI.

One piece of code for two drivers: the CI property test (``tests/test_fuzz.py``, hypothesis,
1,400 inputs) and the dedicated run (``benchmarks/fuzz.py``, 100,000 inputs). Both give
:func:`generate` a ``random.Random`` (hypothesis' shrinkable one, or one seeded by kind and input
number) and judge the result with :meth:`Workspace.run`.

Five kinds of input, each seeded from real files: the examples' ``aigov.yaml`` (broken ones
included), model cards (the examples' and the Hugging Face conformance cards), ODCS contracts (the
conformance examples and the examples'), policy pack files (every ``pack.yaml`` and rules file of
``policies/``) and the org config. A mutated file replaces the seed in a copy of its repository or
pack, and runs through the real commands in-process: ``validate`` then ``check`` for the
repository's files, ``check --policies`` and ``policy test`` for packs.

The oracle (:func:`judge`) asserts what aigov promises on hostile input: no exception escapes
``main()``, the exit code is 0, 1 or 2, no traceback is printed, every problem printed names
``file:line:column``, counts add up, machine-readable outputs parse, and ``validate`` and ``check``
agree on whether the files are valid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import random
import re
import shutil
import time
import traceback
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aigov.cli import main
from aigov.documents.files import MAX_FILE_BYTES
from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import parse_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT_ROOT / "examples"
POLICIES = PROJECT_ROOT / "policies"
CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance"

KINDS = ("manifest", "model_card", "contract", "pack", "org")
TODAY = "2026-11-24"
EXAMPLE_REPOSITORIES = ("credit-scoring", "customer-chatbot", "demand-forecast")
# The repository that model cards, contracts, packs and org configs are tried in: a POC with a
# card and one contract, so that most rules of the packs apply to it.
HOST = "customer-chatbot"
HOST_CONTRACT = "contracts/conversation-logs.odcs.yaml"
_SKIP_EVIDENCE = ("--skip-evidence", "mlflow", "--skip-evidence", "data_quality")
_IGNORED = shutil.ignore_patterns("mlruns.db", "mlartifacts", "data", "evidence", ".aigov")


# --- seeds -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """A real file, the folder it is tried in (relative to the workspace) and its path there."""

    kind: str
    name: str
    content: bytes
    folder: str
    target: str


def load_seeds() -> dict[str, list[Seed]]:
    """Every real file of each kind (needs ``shared/conformance`` beside the checkout)."""
    seeds: dict[str, list[Seed]] = {kind: [] for kind in KINDS}

    def add(kind: str, path: Path, folder: str, target: str) -> None:
        inside = path.is_relative_to(PROJECT_ROOT)
        name = path.relative_to(PROJECT_ROOT if inside else PROJECT_ROOT.parent).as_posix()
        seeds[kind].append(Seed(kind, name, path.read_bytes(), folder, target))

    for example in (*EXAMPLE_REPOSITORIES, "hr-attrition-ideation"):
        add("manifest", EXAMPLES / example / "aigov.yaml", f"repos/{example}", "aigov.yaml")
    for broken in sorted((EXAMPLES / "broken").glob("*/aigov.yaml")):
        add("manifest", broken, f"repos/broken-{broken.parent.name}", "aigov.yaml")
    cards = [EXAMPLES / example / "MODEL_CARD.md" for example in EXAMPLE_REPOSITORIES]
    cards += sorted((CONFORMANCE / "huggingface").glob("*.md"))
    for card in cards:
        if card.name != "SOURCES.md":
            add("model_card", card, f"repos/{HOST}", "MODEL_CARD.md")
    contracts = sorted((CONFORMANCE / "odcs" / "examples").glob("*.odcs.yaml"))
    contracts += sorted(EXAMPLES.glob("**/contracts/*.odcs.yaml"))
    for contract in contracts:
        add("contract", contract, f"repos/{HOST}", HOST_CONTRACT)
    for pack in sorted(p.parent for p in POLICIES.glob("*/pack.yaml")):
        for file in [pack / "pack.yaml", *sorted((pack / "rules").glob("*.yaml"))]:
            add("pack", file, f"packs/{pack.name}", file.relative_to(pack).as_posix())
    add("org", EXAMPLES / "org-policies" / "aigov-org.yaml", "org", "aigov-org.yaml")
    return seeds


# --- hostile values and fragments ------------------------------------------------------------

HUGE = 10**400
HOSTILE_SCALARS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    HUGE,
    -HUGE,
    2**63,
    -(2**63) - 1,
    math.nan,
    math.inf,
    -math.inf,
    1e-320,
    1e308,
    "",
    " ",
    "x" * 5000,
    "2026-02-30",
    "2026-13-01",
    "0000-00-00",
    "24/11/2026",
    "2026-11-24T25:61:00Z",
    "20261124",
    "2026-W48",
    dt.date(1, 1, 1),
    dt.date(9999, 12, 31),
    dt.datetime(2026, 11, 24, 12, 0),
    "P-1D",
    "P0D",
    "PT",
    "P99999999999999999999D",
    "1e999",
    "-.inf",
    ".nan",
    "0x7fffffffffffffffffff",
    "0o777",
    "yes",
    "NO",
    "~",
    "null",
    "\u202egnp.exe",
    "line\u2028separator",
    "next\x85line",
    "tab\tinside",
    "nul\x00inside",
    "new\nline: injected",
    "valid: 0 error(s), 0 warning(s) in .",
    "aigov.yaml:1:1: error: forged [yaml.syntax]",
    "{{ manifest.metadata.id }}",
    "{% for x in manifest %}{{ x }}{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${HOME}",
    "@here @channel",
    "<script>alert(1)</script>",
    "| a | b |\n|---|---|",
    "../../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\win.ini",
    "contracts/../../outside.odcs.yaml",
    "has(",
    "é" * 300,
    "🦜" * 100,
)
# Near misses of the enumerations the models accept (and the right values in the wrong place).
ENUM_WORDS = (
    *"""ideation data-exploration poc industrialization production retired Production prod high
    HIGH prohibited limited minimal gpai provider deployer critical medium low info approved
    rejected api batch edge cloud on-premise hybrid consent contract legitimate-interest higher
    lower v3.0.0 3.0.0 3.1.0 v2.2.2 DataContract AIProject PolicyPack OrgConfig aigov/v2""".split(),  # noqa: SIM905
    "production ",
    " poc",
)
UNKNOWN_KEYS = (
    "x-unknown",
    "stage_",
    "apiversion",
    "Metadata",
    "<<",
    "",
    "null",
    "true",
    "123",
    "__class__",
    "__proto__",
    "clé",
    "a\nb",
    "k" * 300,
    "? x",
    "- y",
    "# not a comment",
)
CEL_FRAGMENTS = (
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ".",
    ",",
    "has(",
    "size(",
    " && ",
    " || ",
    "!",
    " ? ",
    " : ",
    " == ",
    " in ",
    "1/0",
    "1 % 0",
    "9223372036854775807 + 1",
    "-9223372036854775808 - 1",
    "18446744073709551615u + 1u",
    "manifest.nope.deeper",
    "model_card['x']",
    "contracts[0]",
    "contracts[99]",
    "evidence.mlflow.runs[0]",
    "evidence.unknown",
    "today",
    "timestamp('x')",
    "duration('P1D')",
    "duration('1000000000000000h')",
    "int('x')",
    "double('nan')",
    "'a' + 1",
    "manifest.stage == 1",
    "[1,2][5]",
    "{'a':1}['b']",
    "dyn(1)",
    "manifest.stage.matches('[')",
    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaa!'.matches('(a+)+$')",
    "manifest.metadata.all(k, k)",
    "manifest.exists(x, x)",
    "[1,2,3].map(x, [x,x,x,x,x,x,x,x].map(y, [y,y,y,y,y,y,y,y]))",
    "\\",
    "'",
    '"',
    "\n",
    "{{",
    "}}",
    "{% if %}",
    "{{ manifest.__class__.__mro__ }}",
    "{{ 7*7 }}",
    "{{ manifest.metadata.id | upper }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
)
EXPRESSION_KEYS = frozenset({"assert", "when", "message", "remediation", "locate", "title"})
YAML_INDICATORS = (b"&", b"*", b"!", b"|", b">", b"%", b"@", b"`", b"#", b":", b"? ", b"- ")
YAML_INDICATORS += (b"{", b"}", b"[", b"]", b",", b"'", b'"', b"&a ", b"*a", b"!!", b"<<: ")
INVALID_UTF8 = (b"\xff", b"\xfe", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80")
INVALID_UTF8 += (b"\x80", b"\xe2\x82", b"\xf8\x88\x80\x80\x80")
ODD_CHARACTERS = ("\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\ufeff", "\u200b", "\x1b[31m")
TAGS = (b"!!python/object:os.system ", b"!!python/name:os.system ", b"!!binary ", b"!!set ")
TAGS += (b"!!omap ", b"!custom ", b"!!int ", b"!!float ", b"!!bool ", b"!!null ", b"!<tag:x> ")
EMPTY_DOCUMENTS = (b"", b"\n", b"---\n", b"...\n", b"~\n", b"# only a comment\n", b"[]\n")
EMPTY_DOCUMENTS += (b"{}\n", b"''\n", b"---\n---\n", b"\xef\xbb\xbf", b"   \n\t\n")
ALIAS_BOMB = b"""
lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
lol1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]
lol2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]
lol3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]
lol4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]
lol5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]
"""


# --- structure-level mutations (on the parsed data, then written back as YAML) ---------------

Tree = Any
TreePath = tuple[Any, ...]


def _containers(tree: Tree, limit: int = 4000) -> list[tuple[TreePath, Any]]:
    """(path, container) of every mapping and list in ``tree``, breadth first."""
    found: list[tuple[TreePath, Any]] = []
    queue: list[tuple[TreePath, Any]] = [((), tree)]
    while queue and len(found) < limit:
        path, node = queue.pop(0)
        if isinstance(node, dict):
            found.append((path, node))
            queue.extend(((*path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            found.append((path, node))
            queue.extend(((*path, i), v) for i, v in enumerate(node))
    return found


def _pick_slot(rng: random.Random, tree: Tree) -> tuple[Any, Any] | None:
    """A (container, key or index) holding some value of ``tree``."""
    slots = [
        (c, k) for _, c in _containers(tree) for k in (c if isinstance(c, dict) else range(len(c)))
    ]
    return rng.choice(slots) if slots else None


def _hostile_value(rng: random.Random, tree: Tree) -> Any:
    choice = rng.randrange(6)
    if choice == 0:
        return rng.choice(ENUM_WORDS)
    if choice == 1:
        return {rng.choice(UNKNOWN_KEYS): rng.choice(HOSTILE_SCALARS)}
    if choice == 2:
        return [rng.choice(HOSTILE_SCALARS) for _ in range(rng.randrange(4))]
    if choice == 3:
        slot = _pick_slot(rng, tree)
        return slot[0][slot[1]] if slot else None  # a value from elsewhere in the file
    return rng.choice(HOSTILE_SCALARS)


def _swap_type(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return rng.choice([list(value.values()), list(value), None, "mapping", 1])
    if isinstance(value, list):
        return rng.choice([{str(i): v for i, v in enumerate(value)}, None, "list", 0, value[:1]])
    return rng.choice([[value], {"value": value}, None, str(value), 0, [], {}])


def _nest(value: Any, depth: int, rng: random.Random) -> Any:
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"n": value}
    return value


def _mutate_tree(tree: Tree, rng: random.Random, names: list[str], kind: str) -> Tree:
    slot = _pick_slot(rng, tree)
    if slot is None:
        names.append("struct:replace-root")
        return _hostile_value(rng, tree)
    container, key = slot
    action = rng.choice(
        ["delete", "unknown-key", "swap-type", "enum", "hostile", "nest", "copy", "repeat"]
        + (["expression"] * 4 if kind in ("pack", "org") else [])
    )
    names.append(f"struct:{action}")
    value = container[key]
    if action == "delete":
        del container[key]
    elif action == "unknown-key":
        target = value if isinstance(value, dict) else container
        if isinstance(target, dict):
            target[rng.choice(UNKNOWN_KEYS)] = _hostile_value(rng, tree)
        else:
            target.append(_hostile_value(rng, tree))
    elif action == "swap-type":
        container[key] = _swap_type(value, rng)
    elif action == "enum":
        container[key] = rng.choice(ENUM_WORDS)
    elif action == "hostile":
        container[key] = _hostile_value(rng, tree)
    elif action == "nest":
        container[key] = _nest(value, rng.choice([3, 30, 95, 99, 100, 101, 150]), rng)
    elif action == "copy":
        other = _pick_slot(rng, tree)
        if other is not None:
            container[key] = other[0][other[1]]
    elif action == "repeat":
        container[key] = (
            [value] * rng.choice([2, 50, 1000])
            if not isinstance(value, list)
            else value * rng.choice([2, 20])
        )
    else:  # expression: the strings rules are made of (CEL, message templates)
        texts = [
            (c, k)
            for _, c in _containers(tree)
            if isinstance(c, dict)
            for k in c
            if k in EXPRESSION_KEYS and isinstance(c[k], str)
        ]
        if texts:
            container, key = rng.choice(texts)
        text = str(container[key])
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(text))
            cut = rng.choice([0, 0, 1, 5])
            text = text[:at] + rng.choice(CEL_FRAGMENTS) + text[at + cut :]
        container[key] = text
    return tree


def _dump(tree: Tree, rng: random.Random) -> bytes:
    text = yaml.safe_dump(
        tree,
        sort_keys=rng.random() < 0.2,
        allow_unicode=rng.random() < 0.7,
        default_flow_style=rng.choice([False, False, None, True]),
        width=rng.choice([40, 80, 10**9]),
        indent=rng.choice([2, 2, 4, 9]),
        explicit_start=rng.random() < 0.2,
    )
    return text.encode("utf-8")


def _split_front_matter(content: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(opening, front matter YAML, closing + body) of a card, when it has front matter."""
    if not content.startswith(b"---"):
        return None
    head_end = content.find(b"\n") + 1
    end = content.find(b"\n---", head_end)
    if head_end <= 0 or end < 0:
        return None
    return content[:head_end], content[head_end : end + 1], content[end + 1 :]


def mutate_structure(content: bytes, kind: str, rng: random.Random, names: list[str]) -> bytes:
    """Parse ``content`` (a card's front matter), change its data 1-3 times, write it back."""
    parts = _split_front_matter(content) if kind == "model_card" else (b"", content, b"")
    if parts is None:
        return content
    head, document, tail = parts
    try:
        tree = parse_yaml(document.decode("utf-8"), "seed").data
    except (DocumentError, UnicodeDecodeError):
        return content  # an already broken seed: only byte-level mutations apply
    for _ in range(rng.randint(1, 3)):
        tree = _mutate_tree(tree, rng, names, kind)
    try:
        dumped = _dump(tree, rng)
    except (yaml.YAMLError, RecursionError, ValueError):
        return content
    if kind == "model_card" and not dumped.endswith(b"\n"):
        dumped += b"\n"
    return head + dumped + tail


# --- byte- and text-level mutations ----------------------------------------------------------


def _lines(data: bytearray) -> list[bytes]:
    return bytes(data).split(b"\n")


def _line_starts(data: bytearray) -> list[int]:
    return [0, *(i + 1 for i, b in enumerate(data) if b == 0x0A)]


def _insert(data: bytearray, at: int, chunk: bytes) -> None:
    data[at:at] = chunk


def _at_line_start(rng: random.Random, data: bytearray) -> int:
    return rng.choice(_line_starts(data))


def _value_position(rng: random.Random, data: bytearray) -> int | None:
    """Just after a ``key: `` of some line, where a YAML value starts."""
    spots = [m.end() for m in re.finditer(rb"^[ -]*[\w.-]+: ", bytes(data), re.M)]
    return rng.choice(spots) if spots else None


def _bit_flip(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    if data:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def _random_bytes(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    at = rng.randint(0, len(data))
    data[at : at + rng.randint(0, 3)] = rng.randbytes(rng.randint(1, 6))


def _truncate(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    del data[rng.randint(0, len(data)) :]


def _delete_span(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    at = rng.randint(0, len(data))
    del data[at : at + rng.choice([1, 2, 10, 40, 400])]


def _splice(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    other = rng.choice(pool)
    start = rng.randint(0, len(other))
    chunk = other[start : start + rng.choice([5, 40, 400, 4000])]
    at = rng.randint(0, len(data))
    if rng.random() < 0.5:
        _insert(data, at, chunk)
    else:
        data[at:] = chunk  # the head of one file and the tail of another


def _indicator(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    spot = _value_position(rng, data) if rng.random() < 0.6 else None
    at = spot if spot is not None else rng.randint(0, len(data))
    chunk = rng.choice(YAML_INDICATORS)
    data[at : at + rng.choice([0, 0, 1])] = chunk


def _tab(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    at = _at_line_start(rng, data)
    if rng.random() < 0.5:
        data[at : at + 2] = b"\t"  # tab indentation
    else:
        _insert(data, rng.randint(0, len(data)), b"\t")


def _invalid_utf8(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    at = rng.randint(0, len(data))
    data[at : at + rng.choice([0, 1])] = rng.choice(INVALID_UTF8)


def _bom(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    at = 0 if rng.random() < 0.6 else rng.randint(0, len(data))
    _insert(data, at, b"\xef\xbb\xbf" * rng.choice([1, 1, 2]))


def _line_endings(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    text = bytes(data).replace(b"\r\n", b"\n")
    ending = rng.choice([b"\r\n", b"\r", b"\n\r"])
    if rng.random() < 0.7:
        text = text.replace(b"\n", ending)
    else:  # mixed: only some lines
        lines = text.split(b"\n")
        text = b"".join(line + (ending if rng.random() < 0.5 else b"\n") for line in lines)
    data[:] = text


def _nul(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    _insert(data, rng.randint(0, len(data)), b"\x00" * rng.choice([1, 1, 4]))


def _odd_character(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    _insert(data, rng.randint(0, len(data)), rng.choice(ODD_CHARACTERS).encode("utf-8"))


def _long_line(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    size = rng.choice([1000, 20_000, 200_000])
    filler = rng.choice([b"x", b"a b ", b"[", b"- ", b"\xc3\xa9", b"{a: "])
    spot = _value_position(rng, data)
    _insert(data, spot if spot is not None else len(data), filler * (size // len(filler)))


def _huge_file(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    data.extend(b"# padding\n" * ((MAX_FILE_BYTES - len(data)) // 10 + rng.choice([-1, 1, 2])))


def _duplicate_line(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(rng.choice([i, i, rng.randrange(len(lines))]), lines[i])  # duplicate keys
    data[:] = b"\n".join(lines)


def _shuffle_lines(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    lines = _lines(data)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    action = rng.randrange(4)
    if action == 0:
        lines[i], lines[j] = lines[j], lines[i]
    elif action == 1:
        del lines[i]
    elif action == 2:
        lines[i] = b" " * rng.choice([1, 2, 3, 8]) + lines[i]
    else:
        lines[i] = lines[i].lstrip(b" ")
    data[:] = b"\n".join(lines)


def _anchor_alias(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    spots = [m.end() for m in re.finditer(rb"^[ -]*[\w.-]+: ", bytes(data), re.M)]
    if len(spots) < 2:
        _insert(data, rng.randint(0, len(data)), rng.choice([b"&a ", b"*a", b"*undefined"]))
        return
    first, second = sorted(rng.sample(spots, 2))
    if rng.random() < 0.2:
        first, second = second, first  # an alias before its anchor
    name = rng.choice([b"a", b"x", b"\xc3\xa9t\xc3\xa9"])
    alias = rng.choice(
        [b"*" + name + b"\n", b"{<<: *" + name + b"}\n", b"[*" + name + b", *" + name + b"]\n"]
    )
    # Insert the later one first so the earlier offset stays right.
    if second > first:
        _insert(data, second, alias)
        _insert(data, first, b"&" + name + b" ")
    else:
        _insert(data, first, b"&" + name + b" ")
        _insert(data, second, alias)


def _alias_bomb(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    data.extend(ALIAS_BOMB if rng.random() < 0.7 else ALIAS_BOMB.replace(b"lol", b"- lol", 1))


def _deep_brackets(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    depth = rng.choice([50, 99, 101, 1000, 100_000])
    opener, closer = rng.choice([(b"[", b"]"), (b"{a: ", b"}"), (b"- ", b"")])
    spot = _value_position(rng, data)
    at = spot if spot is not None else len(data)
    _insert(data, at, opener * depth + (closer * depth if rng.random() < 0.7 else b""))


def _documents(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    action = rng.randrange(4)
    if action == 0:
        data[:] = bytes(data) + b"\n---\n" + bytes(data)
    elif action == 1:
        data[:] = b"---\n" + bytes(data) + b"\n...\n"
    elif action == 2:
        data[:] = rng.choice(EMPTY_DOCUMENTS)
    else:
        _insert(data, _at_line_start(rng, data), rng.choice([b"---\n", b"...\n", b"--- |\n"]))


def _directive(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    directive = rng.choice(
        [
            *(b"%YAML 1.1\n---\n", b"%YAML 2.0\n---\n", b"%YAML 1.2\n%YAML 1.2\n---\n"),
            *(b"%TAG !e! tag:example.com,2000:\n---\n", b"%FOO bar\n"),
        ]
    )
    _insert(data, 0, directive)


def _tag(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    spot = _value_position(rng, data)
    _insert(data, spot if spot is not None else 0, rng.choice(TAGS))


def _number(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    spot = _value_position(rng, data)
    if spot is None:
        return
    end = data.find(b"\n", spot)
    end = len(data) if end < 0 else end
    data[spot:end] = rng.choice(
        [
            *(b"9" * 400, b"-" + b"9" * 5000, b"1e999", b"-1e999", b".inf", b"-.Inf", b".NaN"),
            *(b"0x" + b"f" * 40, b"0o" + b"7" * 40, b"1_000", b"+12", b"0.", b".5", b"1e-400"),
            *(b"2026-02-30", b"2026-11-24T12:00:00+25:00", b"24/11/2026", b"!!timestamp x"),
        ]
    )


def _card_fence(rng: random.Random, data: bytearray, pool: Sequence[bytes]) -> None:
    """Model cards: break the ``---`` lines that delimit the front matter."""
    text = bytes(data)
    fences = [m.start() for m in re.finditer(rb"^---[ \t]*\r?$", text, re.M)]
    action = rng.randrange(5)
    if fences and action == 0:
        at = rng.choice(fences)
        data[at : at + 3] = b""  # one fence removed
    elif fences and action == 1:
        at = rng.choice(fences)
        data[at : at + 3] = rng.choice([b"--- ", b"----", b" ---", b"---\r", b"***", b"---x"])
    elif action == 2:
        _insert(data, 0, b"\n")  # front matter not on the first line
    elif action == 3:
        data[:] = b"---\n" + text  # a second opening fence / an unterminated one
    else:
        data[:] = text + b"\n---\nlicense: mit\n---\n"


BYTE_MUTATORS: tuple[
    tuple[str, Callable[[random.Random, bytearray, Sequence[bytes]], None], int], ...
] = (
    ("bit-flip", _bit_flip, 3),
    ("random-bytes", _random_bytes, 2),
    ("truncate", _truncate, 2),
    ("delete-span", _delete_span, 2),
    ("splice", _splice, 2),
    ("indicator", _indicator, 4),
    ("tab", _tab, 2),
    ("invalid-utf8", _invalid_utf8, 2),
    ("bom", _bom, 1),
    ("line-endings", _line_endings, 2),
    ("nul", _nul, 1),
    ("odd-character", _odd_character, 2),
    ("long-line", _long_line, 1),
    ("duplicate-line", _duplicate_line, 3),
    ("shuffle-lines", _shuffle_lines, 3),
    ("anchor-alias", _anchor_alias, 2),
    ("deep-brackets", _deep_brackets, 1),
    ("documents", _documents, 1),
    ("directive", _directive, 1),
    ("tag", _tag, 1),
    ("number", _number, 2),
)
_RARE: tuple[tuple[str, Callable[[random.Random, bytearray, Sequence[bytes]], None]], ...] = (
    ("alias-bomb", _alias_bomb),
    ("huge-file", _huge_file),
)


@dataclass(frozen=True)
class FuzzInput:
    """One generated file: its kind, the seed it grew from and the mutations applied, in order."""

    kind: str
    seed: Seed
    content: bytes
    mutations: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.kind} from {self.seed.name} via {', '.join(self.mutations)}"


def _seed_weight(seed: Seed) -> float:
    # An invalid variant of the 192 KB AdventureWorks contract costs ~1 s (jsonschema walks it
    # for the error details): drawn ten times less often, it still comes up, without taking
    # most of the run's time.
    return 1.0 if len(seed.content) <= 64 * 1024 else 0.1


def generate(kind: str, rng: random.Random, seeds: dict[str, list[Seed]]) -> FuzzInput:
    """A hostile variant of a real file of ``kind``: structure- and/or byte-level mutations."""
    seed = rng.choices(seeds[kind], [_seed_weight(s) for s in seeds[kind]])[0]
    names: list[str] = []
    content = seed.content
    roll = rng.random()
    if roll < 0.45:
        content = mutate_structure(content, kind, rng, names)
    if roll > 0.3 or not names:
        data = bytearray(content)
        pool = [s.content for s in seeds[kind]]
        mutators = [m for m in BYTE_MUTATORS]
        if kind == "model_card":
            mutators.append(("card-fence", _card_fence, 4))
        weights = [m[2] for m in mutators]
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            if rng.random() < 0.004:
                name, mutator = rng.choice(_RARE)
            else:
                name, mutator, _ = rng.choices(mutators, weights)[0]
            mutator(rng, data, pool)
            names.append(name)
        content = bytes(data)
    return FuzzInput(kind, seed, content, tuple(names))


# --- the oracle ------------------------------------------------------------------------------

# How ``Problem.__str__`` prints a located problem, and what else the commands print.
LOCATED = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>[1-9]\d*):(?P<column>[1-9]\d*): (?P<level>error|warning): "
)
HINT = re.compile(r"^ {2,6}hint: ")
HINT_CONTINUATION = re.compile(r"^ {8,}")
VALIDATE_SUMMARY = re.compile(
    r"^(?P<verdict>valid|invalid): (?P<errors>\d+) error\(s\), (?P<warnings>\d+) warning\(s\) in "
)
PACK_TEST_SUMMARY = re.compile(r"^(?P<count>\d+) problem\(s\): the packs cannot be tested$")


@dataclass
class Run:
    """One in-process ``aigov`` command: its arguments, exit code and outputs (or exception)."""

    argv: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    exception: str = ""
    seconds: float = 0.0


def run_aigov(argv: list[str]) -> Run:
    """``aigov.cli.main(argv)`` with stdout and stderr captured; an escaping exception is kept."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code: int | None = None
    exception = ""
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except KeyboardInterrupt:
            raise
        except BaseException:  # SystemExit included: main() returns its exit code
            exception = traceback.format_exc()
    return Run(argv, code, out.getvalue(), err.getvalue(), exception, time.perf_counter() - started)


def _lines_of(output: str) -> list[str]:
    # A log or a terminal starts a line at "\n" only (a "\r" is escaped by aigov), unlike
    # str.splitlines, which also breaks at U+2028, U+0085 and friends.
    return output.removesuffix("\n").split("\n") if output else []


def problem_lines(lines: Sequence[str]) -> tuple[list[re.Match[str]], list[str]]:
    """The located problem lines of ``lines``, and the lines that are no part of a problem."""
    located: list[re.Match[str]] = []
    stray: list[str] = []
    for line in lines:
        match = LOCATED.match(line)
        if match:
            located.append(match)
        elif not (HINT.match(line) or HINT_CONTINUATION.match(line)):
            stray.append(line)
    return located, stray


def judge(run: Run) -> list[str]:
    """What is wrong with one command's behaviour on hostile input (empty: nothing)."""
    verb = run.argv[0] if run.argv[0] != "policy" else "policy test"
    if run.exception:
        return [f"{verb}: exception escaped main():\n{run.exception}"]
    wrong: list[str] = []
    if run.exit_code not in (0, 1, 2):
        wrong.append(f"{verb}: exit code {run.exit_code}")
    if "Traceback (most recent call last)" in run.stdout + run.stderr:
        wrong.append(f"{verb}: traceback printed")
    if verb == "validate":
        wrong += _judge_validate(run)
    elif verb == "check":
        wrong += _judge_check(run)
    else:
        wrong += _judge_pack_test(run)
    return wrong


def _judge_validate(run: Run) -> list[str]:
    lines = _lines_of(run.stdout)
    if not lines or not (summary := VALIDATE_SUMMARY.match(lines[-1])):
        return ["validate: no summary line"]
    located, stray = problem_lines(lines[:-1])
    wrong = [f"validate: line without file:line:column: {line!r}" for line in stray]
    errors = sum(1 for m in located if m["level"] == "error")
    warnings = len(located) - errors
    if (errors, warnings) != (int(summary["errors"]), int(summary["warnings"])):
        wrong.append(f"validate: summary says {lines[-1]!r}, {errors} error lines printed")
    if (run.exit_code == 0) != (errors == 0):
        wrong.append(f"validate: exit {run.exit_code} with {errors} error(s)")
    return wrong


def _judge_check(run: Run) -> list[str]:
    if run.exit_code in (0, 1):
        wrong = (
            [f"check: exit {run.exit_code} printed on stderr: {run.stderr[:300]!r}"]
            if run.stderr
            else []
        )
        output_format = run.argv[run.argv.index("-f") + 1] if "-f" in run.argv else "text"
        try:
            if output_format in ("json", "sarif", "codequality"):
                json.loads(run.stdout)
            elif output_format == "junit":
                ElementTree.fromstring(run.stdout)
        except (ValueError, ElementTree.ParseError) as exc:
            wrong.append(f"check: -f {output_format} output does not parse: {exc}")
        return wrong
    lines = _lines_of(run.stderr)
    if not lines or not lines[0].startswith("aigov: error: "):
        return [f"check: exit 2 without 'aigov: error:' ({run.stderr[:200]!r})"]
    # Invalid repository files are listed indented by two spaces, policy problems are not.
    located, stray = problem_lines([re.sub(r"^  (?=\S)", "", line) for line in lines[1:]])
    wrong = [f"check: line without file:line:column: {line!r}" for line in stray]
    if not located:
        wrong.append(f"check: exit 2 names no file:line:column: {lines[0]!r}")
    return wrong


def _judge_pack_test(run: Run) -> list[str]:
    if run.exit_code != 2:
        return []
    lines = _lines_of(run.stderr)
    if not lines or not (summary := PACK_TEST_SUMMARY.match(lines[-1])):
        return [f"policy test: exit 2 without a problem count ({run.stderr[-200:]!r})"]
    located, stray = problem_lines(lines[:-1])
    wrong = [f"policy test: line without file:line:column: {line!r}" for line in stray]
    if len(located) != int(summary["count"]) or not located:
        wrong.append(f"policy test: {len(located)} located lines for {lines[-1]!r}")
    return wrong


# --- the workspace: copies of the seeds' folders, one per process ----------------------------


@dataclass
class Outcome:
    """How one input went: the commands run and what the oracle found wrong."""

    fuzz_input: FuzzInput
    runs: list[Run]
    violations: list[str]

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.runs)


@dataclass
class Workspace:
    """A folder holding a copy of every repository and pack the seeds are tried in.

    :meth:`run` writes an input over its seed's file, runs the commands, and puts the seed back,
    so one workspace serves any number of inputs (one per process: runs are not thread-safe).
    """

    root: Path
    seeds: dict[str, list[Seed]] = field(default_factory=load_seeds)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        for seed in (s for kind in self.seeds.values() for s in kind):
            folder = self.root / seed.folder
            if folder.exists():
                continue
            if seed.folder.startswith("repos/broken-"):
                source = EXAMPLES / "broken" / seed.folder.removeprefix("repos/broken-")
            elif seed.folder.startswith("repos/"):
                source = EXAMPLES / seed.folder.removeprefix("repos/")
            elif seed.folder.startswith("packs/"):
                source = POLICIES / seed.folder.removeprefix("packs/")
            else:
                source = EXAMPLES / "org-policies"
            shutil.copytree(source, folder, ignore=_IGNORED)

    def commands(self, fuzz_input: FuzzInput, rng: random.Random) -> list[list[str]]:
        seed = fuzz_input.seed
        folder = str(self.root / seed.folder)
        host = str(self.root / "repos" / HOST)
        common = ["--today", TODAY, *_SKIP_EVIDENCE, "--skip-evidence", "git"]
        output = [
            "-f",
            rng.choice(("text", "json", "sarif", "junit", "codequality", "markdown", "github")),
        ]
        if fuzz_input.kind == "pack":
            return [
                ["check", host, "--policies", folder, "--no-cache", *common, *output],
                ["policy", "test", folder],
            ]
        if fuzz_input.kind == "org":
            return [["check", host, "--policies", folder, *common, *output]]
        return [["validate", folder], ["check", folder, *common, *output]]

    def run(self, fuzz_input: FuzzInput, rng: random.Random | None = None) -> Outcome:
        """Run ``fuzz_input`` through the commands of its kind and judge every run."""
        rng = rng or random.Random(fuzz_input.content)
        target = self.root / fuzz_input.seed.folder / fuzz_input.seed.target
        original = target.read_bytes()
        target.write_bytes(fuzz_input.content)
        runs: list[Run] = []
        # The pack cache of the built-in packs lives here, not in the user's cache.
        saved = {name: os.environ.get(name) for name in ("AIGOV_CACHE_DIR", "AIGOV_NO_CACHE")}
        os.environ["AIGOV_CACHE_DIR"] = str(self.root / "cache")
        os.environ.pop("AIGOV_NO_CACHE", None)
        try:
            for argv in self.commands(fuzz_input, rng):
                if argv[0] == "check" and runs and runs[0].exit_code == 2 and rng.random() < 0.75:
                    break  # check re-reads what validate refused: try that path on a quarter
                runs.append(run_aigov(argv))
        finally:
            target.write_bytes(original)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        violations = [v for r in runs for v in judge(r)]
        if fuzz_input.kind in ("manifest", "model_card", "contract") and len(runs) == 2:
            valid, checked = runs[0].exit_code, runs[1].exit_code
            if None not in (valid, checked) and (valid == 2) != (checked == 2):
                violations.append(f"validate exit {valid} but check exit {checked}")
        return Outcome(fuzz_input, runs, violations)


def exit_codes(outcomes: Sequence[Outcome]) -> Counter[str]:
    """``"validate 0"``-style counts of the exit codes of ``outcomes``' runs."""
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        for run in outcome.runs:
            verb = "policy test" if run.argv[0] == "policy" else run.argv[0]
            counts[f"{verb} {run.exit_code if run.exit_code is not None else 'exception'}"] += 1
    return counts
