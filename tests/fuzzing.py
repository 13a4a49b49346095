"""Hostile variants of the files aigov reads, and the oracle that runs them through the CLI.

One piece of code for two drivers: the CI property test (``tests/test_fuzz.py``, hypothesis,
3,000 inputs) and the dedicated run (``benchmarks/fuzz.py``, 100,000 inputs). Both give
:func:`generate` a ``random.Random`` (hypothesis' shrinkable one, or one seeded by kind and input
number) and judge the result with :meth:`Workspace.run`.

Five kinds of input, each seeded from real files: the examples' ``aigov.yaml`` (broken ones
included), model cards (the examples' and the Hugging Face conformance cards), ODCS contracts (the
conformance examples and the examples'), policy pack files (every ``pack.yaml`` and rules file of
``policies/``) and the org config. A mutated file replaces the seed in a copy of its repository or
pack, and runs through the real commands in-process: ``validate`` then ``check`` for the
repository's files, ``check --policies`` and ``policy test`` for packs.

Two families of mutations. Hostile ones (byte-level, and structure-level on the parsed data)
break the file, and test that every problem is reported well. Schema-aware ones
(:func:`mutate_schema_aware`, for a share of the manifests, cards and contracts) keep it valid
with unusual but legal values (another stage, an expired waiver, a bound, a far date, an emoji,
an emptied list), so that ``check`` runs the policy engine on it.

The oracle (:func:`judge`) asserts what aigov promises on hostile input: no exception escapes
``main()``, the exit code is 0, 1 or 2, no traceback is printed, every problem printed names
``file:line:column``, counts add up, machine-readable outputs parse, ``validate`` and ``check``
agree on whether the files are valid, and on valid files every rule evaluates (no "could not be
evaluated" finding: a rule or the engine that fails on a legal value).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import math
import os
import pickle
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
from tests.sarif_schema import sarif_validator

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
    # libyaml's emitter: the pure-Python one took 30 ms for a manifest, most of an input's cost.
    text = yaml.dump(
        tree,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
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
    return _redump(tree, rng, content, (head, tail), kind)


def _redump(
    tree: Tree, rng: random.Random, content: bytes, around: tuple[bytes, bytes], kind: str
) -> bytes:
    """The mutated ``tree`` written back between a card's front matter fences (``around``), or
    the unmutated ``content`` when YAML cannot write it."""
    try:
        dumped = _dump(tree, rng)
    except (yaml.YAMLError, RecursionError, ValueError):
        return content
    if kind == "model_card" and not dumped.endswith(b"\n"):
        dumped += b"\n"
    head, tail = around
    return head + dumped + tail


# --- schema-aware mutations: unusual but legal values, for the policy engine -----------------
#
# Hostile mutations stop at `validate` for all but a few percent of manifests and contracts, so
# the rules, waivers and stage logic would hardly ever run on fuzzed data. These walk a seed's
# data alongside its JSON Schema (the ones aigov generates in schemas/, the official ODCS one),
# give one field another value that the schema allows, and keep the change only when the whole
# document still satisfies its schema.

# Share of the inputs of a kind made by schema-aware mutations only (the rest stay hostile).
SCHEMA_AWARE_SHARE = {"manifest": 0.35, "model_card": 0.2, "contract": 0.3}
SCHEMA_FILES = {
    "manifest": "aigov-manifest.schema.json",
    "model_card": "model-card-metadata.schema.json",
}
# Where a field is picked: first a top-level section (these weigh more: what the rules, waivers
# and stage logic read), then a field inside it.
SECTION_WEIGHTS = {
    "manifest": {"stage": 4.0, "risk": 3.0, "waivers": 3.0, "approvals": 2.0, "timeline": 2.0},
    "contract": {"schema": 2.0},
    "model_card": {},
}
# Manifest fields naming files of the repository: another value would be a missing file.
_FILE_REFERENCES = (("model", "card"), ("data", "contracts"))

UNUSUAL_STRINGS = (
    "",
    " ",
    "x",
    "x" * 256,
    "x" * 5000,
    "Ünïcödé — “quotes” ‘and’ «guillemets»",
    "\u202erevocer\u202c",
    "مرحبا بالعالم",
    "שלום עולם",
    "模型治理",
    "🦜🔥👩‍👩‍👧",
    "🦜" * 1000,
    "a\u200bb\u200dc",
    "e\u0301",
    "é" * 300,
    "line one\nline two",
    "trailing space ",
    "\ttab first",
    "carriage\rreturn",
    "\x1b[31mred\x1b[0m",
    "line\u2028separator",
    "{{ manifest.metadata.id }}",
    "{% raw %}{{ x }}{% endraw %}",
    "${HOME}",
    "<script>alert(1)</script>",
    "**bold** _it_ `code`",
    "| a | b |",
    "@channel",
    "null",
    "true",
    "~",
    "0",
    "-1",
    "'",
    '"',
    "\\",
    "# not a comment",
    "- not a list",
    "key: value",
    "valid: 0 error(s), 0 warning(s) in .",
    "aigov.yaml:1:1: error: forged [yaml.syntax]",
)
DURATIONS = (
    *("P0D", "PT0S", "P1D", "PT1S", "PT1H", "P1M", "P1Y", "P52W", "P100Y", "P9999Y"),
    *(
        "P1Y2M3W4DT5H6M7S",
        "P0Y0M0W0DT0H0M0S",
        "PT86400S",
        "P" + "9" * 20 + "D",
        "PT" + "9" * 30 + "S",
    ),
)
URLS = (
    "https://a",
    "http://localhost",
    "https://grafana.example.org/d/model?var=é#frag",
    "https://[::1]:65535/x",
    "https://xn--bcher-kva.example/ü",
    "https://example.org/" + "a" * 2000,
    "https://example.org/{{ manifest.metadata.id }}",
)
# Values legal for a pattern that the generic strings rarely match (checked against it anyway).
PATTERN_VALUES: dict[str, tuple[str, ...]] = {
    "^[a-z0-9][a-z0-9._-]{1,62}$": ("a0", "x" * 63, "a.b_c-d", "0-", "9.9.9", "a" + "-" * 62),
    "^[A-Z]{3}$": ("EUR", "USD", "JPY", "XXX", "ZZZ"),
    "^https?://": URLS,
    "^[1-8](\\([a-e]\\))?$": ("1", "8", "5(b)", "1(a)", "8(e)"),
    "^[A-Z0-9][A-Z0-9._-]*$": ("X", "0", "A" * 300, "UNKNOWN-RULE-1", "AIGOV-WAIVER"),
    "^[A-Za-z0-9_-]+$": ("a", "_", "-", "0", "x" * 300, "ID_1"),
    "^sftp://.*": ("sftp://", "sftp://host/é/ü"),
}
ANY_VALUES: tuple[Any, ...] = (
    *(0, -1, 2**63, -(2**63) - 1, 10**30, 1e308, 5e-324, -0.0, True, None, ""),
    *("🦜", [], {}, [1, "a", None], {"a": {"b": [1]}}),
)


@dataclass(frozen=True)
class DocumentSchema:
    """The JSON Schema of one kind of document, and whether a whole document satisfies it."""

    root: dict[str, Any]
    is_valid: Callable[[Any], bool]


@functools.cache
def document_schema(kind: str) -> DocumentSchema:
    """The schema of ``kind`` (the committed one, or the official ODCS one for contracts)."""
    if kind == "contract":
        from aigov.documents.contract import odcs_schema

        root = odcs_schema()
    else:
        root = json.loads((PROJECT_ROOT / "schemas" / SCHEMA_FILES[kind]).read_text("utf-8"))
    import jsonschema_rs

    return DocumentSchema(root, jsonschema_rs.validator_for(root).is_valid)


@functools.cache
def _domain_values() -> dict[str, tuple[str, ...]]:
    """Strings the engine compares with, by field name: rule ids, org approvers, committees."""
    rule_ids = [
        rule["id"]
        for file in sorted(POLICIES.glob("*/rules/*.yaml"))
        for rule in yaml.safe_load(file.read_text("utf-8")) or []
        if isinstance(rule, dict) and isinstance(rule.get("id"), str)
    ]
    org = yaml.safe_load((EXAMPLES / "org-policies" / "aigov-org.yaml").read_text("utf-8"))
    committees = [name for names in org["committees"].values() for name in names]
    return {
        "rule": tuple(rule_ids),
        "approved_by": tuple(org["waivers"]["approvers"]),
        "committee": tuple(committees),
        "tags": ("pii", "personal-data", "gdpr", "sensitive"),
        "classification": ("public", "internal", "restricted", "confidential", "secret"),
    }


_ABSENT = object()


def _deref(root: dict[str, Any], ref: str) -> Any:
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        target = target.get(key, {}) if isinstance(target, dict) else {}
    return target


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "other")


def _type_allows(declared: Any, value: Any) -> bool:
    if declared is None:
        return True
    types = [declared] if isinstance(declared, str) else list(declared)
    found = _json_type(value)
    return found in types or (found == "integer" and "number" in types)


def _view(
    node: Any, value: Any, root: dict[str, Any], rng: random.Random | None = None, depth: int = 0
) -> dict[str, Any]:
    """The keywords that apply to ``value`` at ``node``: ``$ref`` and ``allOf`` merged, the
    ``anyOf``/``oneOf`` branch that fits the value (a random one for a value yet to be made),
    the ``then`` of an ``if`` that holds. ``x-nullable``: a branch allows null.

    The view of a scalar or a list is computed once per node and type (a walk of a manifest
    needs some 250 views): its value could only matter to ``oneOf`` branches told apart by an
    enum, which these schemas do not have for scalars. Callers never change a view."""
    if rng is not None or isinstance(value, dict) or depth:
        merged: dict[str, Any] = {}
        _merge_view(merged, node, value, root, rng, depth)
        return merged
    key = (id(node), "absent" if value is _ABSENT else _json_type(value))
    found = _VIEWS.get(key)
    if found is None:
        merged = {}
        _merge_view(merged, node, value, root, None, 0)
        # The node is kept with its view, so that its id is never another node's.
        found = _VIEWS[key] = (node, merged)
    return found[1]


_VIEWS: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}
_BOTH: dict[tuple[int, int], tuple[Any, Any, dict[str, Any]]] = {}


def _both(first: Any, second: Any) -> dict[str, Any]:
    """``allOf`` of two schemas of one property, made once per pair (see :func:`_view`)."""
    key = (id(first), id(second))
    found = _BOTH.get(key)
    if found is None:
        found = _BOTH[key] = (first, second, {"allOf": [first, second]})
    return found[2]


def _merge_view(
    merged: dict[str, Any],
    node: Any,
    value: Any,
    root: dict[str, Any],
    rng: random.Random | None,
    depth: int,
) -> None:
    if not isinstance(node, dict) or depth > 12:
        return
    for key, item in node.items():
        if key == "properties":
            properties = merged.setdefault("properties", {})
            for name, sub in item.items():
                properties[name] = _both(properties[name], sub) if name in properties else sub
        elif key == "required":
            merged["required"] = [*merged.get("required", []), *item]
        elif key not in ("$ref", "allOf", "anyOf", "oneOf", "if", "then", "else"):
            merged.setdefault(key, item)
    if isinstance(node.get("$ref"), str):
        _merge_view(merged, _deref(root, node["$ref"]), value, root, rng, depth + 1)
    for sub in node.get("allOf", []):
        _merge_view(merged, sub, value, root, rng, depth + 1)
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword) or []
        if not branches:
            continue
        nulls = [b for b in branches if b.get("type") == "null"]  # how pydantic writes Optional
        if nulls:
            merged["x-nullable"] = True
        others = [b for b in branches if b not in nulls] or branches
        if value is _ABSENT:
            chosen = rng.choice(others) if rng is not None else others[0]
        elif value is None and nulls:
            chosen = nulls[0]
        elif len(others) == 1:
            chosen = others[0]
        else:
            chosen = next((b for b in others if _fits(b, value, root, depth + 1)), None)
        _merge_view(merged, chosen, value, root, rng, depth + 1)
    condition = node.get("if")
    if (
        isinstance(condition, dict)
        and value is not _ABSENT
        and _fits(condition, value, root, depth)
    ):
        _merge_view(merged, node.get("then"), value, root, rng, depth + 1)


def _fits(node: Any, value: Any, root: dict[str, Any], depth: int) -> bool:
    """Whether ``value`` plausibly satisfies ``node`` (type, enum, const, required, and the
    const/enum of its properties: enough to tell the branches of the schemas apart)."""
    view = _view(node, value, root, None, depth + 1)
    if not _type_allows(view.get("type"), value):
        return False
    if "const" in view and view["const"] != value:
        return False
    if "enum" in view and value not in view["enum"]:
        return False
    if isinstance(value, dict):
        if any(name not in value for name in view.get("required", [])):
            return False
        for name, sub in view.get("properties", {}).items():
            if name in value and isinstance(sub, dict):
                if "const" in sub and sub["const"] != value[name]:
                    return False
                if "enum" in sub and value[name] not in sub["enum"]:
                    return False
    return True


@dataclass
class SchemaSlot:
    """A field of the document (or one it may have), with the schema keywords that apply."""

    path: TreePath
    container: Any
    key: Any
    node: Any
    view: dict[str, Any] | None  # None: a key the schema does not declare
    present: bool
    required: bool


def _schema_slots(tree: Tree, schema: DocumentSchema, limit: int = 20_000) -> list[SchemaSlot]:
    """Every field of ``tree`` and every optional field its objects could have, breadth first."""
    slots: list[SchemaSlot] = []
    queue: list[tuple[TreePath, Any, dict[str, Any]]] = [
        ((), tree, _view(schema.root, tree, schema.root))
    ]
    while queue and len(slots) < limit:
        path, value, view = queue.pop(0)
        if isinstance(value, dict):
            properties = view.get("properties", {})
            required = set(view.get("required", []))
            extra = view.get("additionalProperties")
            for key, child in value.items():
                node = properties.get(key, extra if isinstance(extra, dict) else None)
                # An undeclared key of an open object holds any value; of a closed one, none.
                closed = extra is False or view.get("unevaluatedProperties") is False
                child_view = (
                    _view(node, child, schema.root)
                    if node is not None
                    else (None if closed else {})
                )
                slots.append(
                    SchemaSlot((*path, key), value, key, node, child_view, True, key in required)
                )
                if child_view is not None:
                    queue.append(((*path, key), child, child_view))
            names = list(properties)
            if not properties and isinstance(extra, dict):
                names = list(view.get("propertyNames", {}).get("enum", []))
            for key in names:
                if key not in value:
                    node = properties.get(key, extra)
                    slots.append(SchemaSlot((*path, key), value, key, node, None, False, False))
        elif isinstance(value, list):
            items = view.get("items")
            for index, child in enumerate(value):
                child_view = _view(items, child, schema.root) if isinstance(items, dict) else {}
                slots.append(
                    SchemaSlot((*path, index), value, index, items, child_view, True, True)
                )
                queue.append(((*path, index), child, child_view))
    return slots


def _dates(current: Any) -> list[str]:
    today = dt.date.fromisoformat(TODAY)
    days = [today, *(today + dt.timedelta(days=n) for n in (-1, 1, -365, 3650))]
    days += [dt.date(1970, 1, 1), dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(2024, 2, 29)]
    with contextlib.suppress(TypeError, ValueError):
        day = dt.date.fromisoformat(str(current)[:10]) if current is not None else None
        for shift in (1, -1, 30, -30, 365, -365, 36500, -36500) if day else ():
            with contextlib.suppress(OverflowError):
                days.append(day + dt.timedelta(days=shift))
    return [day.isoformat() for day in days]


@functools.cache
def _pattern(text: str) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except re.error:
        return None


def _strings(view: dict[str, Any], current: Any, name: Any) -> list[str]:
    """Strings legal at ``view`` (format, pattern, length), unusual ones first among them."""
    form = view.get("format")
    pool: list[Any]
    if form == "date":
        pool = _dates(current)
    elif form == "date-time":
        pool = [
            f"{day}T{time}" for day in _dates(current) for time in ("00:00:00Z", "23:59:59+14:00")
        ]
    elif form in ("uri", "iri", "uri-reference"):
        pool = list(URLS)
    else:
        pool = [*UNUSUAL_STRINGS, *view.get("examples", []), *_domain_values().get(str(name), ())]
        if isinstance(current, str) and current:
            pool += [current + " (v2)", current * 2, current[: len(current) // 2], current.upper()]
    pattern = view.get("pattern")
    if isinstance(pattern, str):
        compiled = _pattern(pattern)
        pool = [*PATTERN_VALUES.get(pattern, ()), *DURATIONS, *pool]
        pool = [
            s for s in pool if compiled is not None and isinstance(s, str) and compiled.search(s)
        ]
    low, high = view.get("minLength", 0), view.get("maxLength")
    return [
        s
        for s in pool
        if isinstance(s, str)
        and len(s) >= low
        and (high is None or len(s) <= high)
        and s != current
    ]


def _numbers(view: dict[str, Any], current: Any, integer: bool) -> list[int | float]:
    """Numbers legal at ``view``: its bounds and just inside them, zero, extremes of floats."""
    pool: list[int | float] = [0, 1, -1, 2, 0.5, -0.0, 1e-300, 5e-324, 1e308, -1e308]
    pool += [2**31 - 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63), 10**20, 99.999999, 100]
    for bound in (
        view.get(k) for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
    ):
        if isinstance(bound, int | float) and not isinstance(bound, bool):
            pool += [bound, bound + 1, bound - 1, bound + 1e-9, bound - 1e-9]
    if isinstance(current, int | float) and not isinstance(current, bool):
        pool += [current * 10, -current, current + 1, current / 3]
    if integer:
        pool = [int(v) for v in pool if isinstance(v, int) or v.is_integer()]
    low, high = view.get("minimum"), view.get("maximum")
    above, below = view.get("exclusiveMinimum"), view.get("exclusiveMaximum")
    step = view.get("multipleOf")
    return [
        v
        for v in pool
        if (not isinstance(v, float) or math.isfinite(v))
        and (low is None or v >= low)
        and (high is None or v <= high)
        and (above is None or v > above)
        and (below is None or v < below)
        and (not step or (v / step).is_integer())
        and v != current
    ]


_CONSTRAINING = frozenset(
    {"type", "enum", "const", "properties", "items", "pattern", "format", "required", "not"}
    | {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    | {"minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "additionalProperties"}
)


def _pick_type(view: dict[str, Any], rng: random.Random) -> str:
    declared = view.get("type")
    if isinstance(declared, list):
        declared = rng.choice([t for t in declared if t != "null"] or declared)
    if isinstance(declared, str):
        return declared
    if "properties" in view:
        return "object"
    return "array" if "items" in view else "string"


def _generate(
    node: Any, root: dict[str, Any], rng: random.Random, name: Any, depth: int = 0
) -> Any:
    """A new value legal at ``node``: required fields always, optional ones now and then."""
    if depth > 8:
        return None
    view = _view(node, _ABSENT, root, rng)
    if "const" in view:
        return view["const"]
    if view.get("enum"):
        return rng.choice(view["enum"])
    kind = _pick_type(view, rng)
    if kind == "null":
        return None
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        numbers = _numbers(view, None, kind == "integer")
        return rng.choice(numbers) if numbers else view.get("minimum", 1)
    if kind == "string":
        strings = _strings(view, None, name)
        return rng.choice(strings) if strings else "x"
    if kind == "array":
        low = view.get("minItems", 0)
        count = low if depth > 3 else rng.randint(low, max(low, min(view.get("maxItems", 3), 3)))
        return [_generate(view.get("items"), root, rng, name, depth + 1) for _ in range(count)]
    properties = view.get("properties", {})
    required = set(view.get("required", []))
    made = {
        key: _generate(sub, root, rng, key, depth + 1)
        for key, sub in properties.items()
        if key in required or (depth < 3 and rng.random() < 0.3)
    }
    extra = view.get("additionalProperties")
    if not properties and isinstance(extra, dict):
        names = view.get("propertyNames", {}).get("enum", [])
        for key in rng.sample(names, rng.randint(0, len(names))):
            made[key] = _generate(extra, root, rng, key, depth + 1)
    return made


def _without(items: list[Any], index: int) -> list[Any]:
    return items[:index] + items[index + 1 :]


def _strip_references(path: TreePath, value: Any) -> Any:
    """``value`` made for ``path`` without the file references below it (see _FILE_REFERENCES)."""
    for reference in _FILE_REFERENCES:
        if len(path) < len(reference) and reference[: len(path)] == path:
            target = value
            for key in reference[len(path) : -1]:
                target = target.get(key) if isinstance(target, dict) else None
            if isinstance(target, dict):
                target.pop(reference[-1], None)
    return value


def _legal_change(
    slot: SchemaSlot, root: dict[str, Any], rng: random.Random, kind: str
) -> tuple[str, Any] | None:
    """(name, new value) of one change to ``slot`` that its schema allows; None: no change."""
    name = next((p for p in reversed(slot.path) if isinstance(p, str)), "")
    frozen = kind == "manifest" and any(slot.path[: len(f)] == f for f in _FILE_REFERENCES)
    if not slot.present:
        if frozen:
            return None
        return "add-optional", _strip_references(slot.path, _generate(slot.node, root, rng, name))
    value = slot.container[slot.key]
    view = slot.view
    options: list[tuple[str, Callable[[], Any]]] = []
    if isinstance(slot.container, dict) and not slot.required:
        options.append(("drop-optional", lambda: None))
    if view is None:
        return rng.choice(options) if options else None
    if view.get("x-nullable") and value is not None:
        options.append(("null", lambda: None))
    if isinstance(value, list):
        low, high = view.get("minItems", 0), view.get("maxItems")
        unique = view.get("uniqueItems", False)
        if value and low == 0:
            options.append(("list-empty", lambda: []))
        if len(value) > low:
            options.append(("list-drop", lambda: _without(value, rng.randrange(len(value)))))
        if len(value) > 1:
            options.append(("list-reverse", lambda: value[::-1]))
        if value and not unique and (high is None or len(value) < high):
            options.append(("list-duplicate", lambda: [*value, rng.choice(value)]))
            if high is None and not frozen:  # 100 references to one contract: 100 loads
                options.append(("list-repeat", lambda: value * rng.choice([10, 100])))
        if not frozen and (high is None or len(value) < high):
            items = view.get("items")
            options.append(("list-add", lambda: [*value, _generate(items, root, rng, name)]))
    elif frozen:
        pass
    elif not _CONSTRAINING & view.keys():  # an open object's own key: any JSON value is legal
        options.append(("any-value", lambda: rng.choice(ANY_VALUES)))
    elif len(view.get("enum", ())) > 1:
        others = [v for v in view["enum"] if v != value]
        options += [("enum", lambda: rng.choice(others))] * 3
    elif isinstance(value, bool):
        options += [("boolean", lambda: not value)] * 2
    elif isinstance(value, int | float):
        numbers = _numbers(view, value, view.get("type") == "integer")
        if numbers:
            options += [("number", lambda: rng.choice(numbers))] * 3
    elif isinstance(value, str):
        strings = _strings(view, value, name)
        label = "date" if view.get("format") in ("date", "date-time") else "string"
        if strings:
            options += [(label, lambda: rng.choice(strings))] * 3
    if slot.node is not None and not frozen and rng.random() < 0.3:
        made = _generate(slot.node, root, rng, name)
        options.append(("regenerate", lambda: _strip_references(slot.path, made)))
    if not options:
        return None
    action, make = rng.choice(options)
    return action, make()


def _pick_schema_slot(
    slots: Sequence[SchemaSlot], kind: str, rng: random.Random
) -> SchemaSlot | None:
    """A slot of a section drawn by :data:`SECTION_WEIGHTS`, then one inside it (lists and
    numbers weigh more: they are fewer than strings, and the rules count and compare them)."""
    weights = SECTION_WEIGHTS.get(kind, {})
    sections: dict[str, list[SchemaSlot]] = {}
    for slot in slots:
        # Top-level fields a document lacks are one section ("+"), unless named in the weights.
        name = str(slot.path[0])
        sections.setdefault(name if slot.present or name in weights else "+", []).append(slot)
    if not sections:
        return None
    names = list(sections)
    chosen = rng.choices(names, [weights.get(n, 1.0) for n in names])[0]
    # Objects declare more optional fields than they fill: add one a quarter of the time only.
    present = [s for s in sections[chosen] if s.present]
    absent = [s for s in sections[chosen] if not s.present]
    if absent and (not present or rng.random() < 0.25):
        return rng.choice(absent)
    return rng.choices(present, [_slot_weight(s) for s in present])[0]


def _slot_weight(slot: SchemaSlot) -> float:
    value = slot.container[slot.key]
    if isinstance(value, list):
        return 4.0
    return 2.0 if isinstance(value, int | float) and not isinstance(value, bool) else 1.0


@functools.cache
def _valid_seed_data(kind: str, content: bytes) -> bytes | None:
    """The seed's data, pickled, when it satisfies its schema: parsed once, copied fast."""
    tree = schema_tree(content, kind)
    if tree is _ABSENT or not document_schema(kind).is_valid(tree):
        return None
    return pickle.dumps(tree)


def _schema_valid_seed(kind: str, content: bytes) -> bool:
    return _valid_seed_data(kind, content) is not None


def schema_tree(content: bytes, kind: str) -> Any:
    """The data of ``content`` (a card's front matter) that its schema describes, if it parses."""
    parts = _split_front_matter(content) if kind == "model_card" else (b"", content, b"")
    if parts is None:
        return _ABSENT
    try:
        return parse_yaml(parts[1].decode("utf-8"), "seed").data
    except (DocumentError, UnicodeDecodeError):
        return _ABSENT


def mutate_schema_aware(content: bytes, kind: str, rng: random.Random, names: list[str]) -> bytes:
    """Give 1-3 fields of ``content`` (a card's front matter) other values its schema allows.

    A change that leaves the document invalid (a ``oneOf`` matched twice, an ``if``/``then``
    of the ODCS schema) is undone and another one tried: the result satisfies the schema.
    """
    data = _valid_seed_data(kind, content)
    if data is None:
        return content
    tree, schema = pickle.loads(data), document_schema(kind)
    wanted, applied = rng.choice([1, 1, 2, 2, 3]), 0
    slots = _schema_slots(tree, schema)
    for _ in range(wanted * 5):
        slot = _pick_schema_slot(slots, kind, rng)
        change = _legal_change(slot, schema.root, rng, kind) if slot is not None else None
        if slot is None or change is None:
            continue
        action, value = change
        saved = dict(slot.container) if isinstance(slot.container, dict) else list(slot.container)
        if action == "drop-optional":
            del slot.container[slot.key]
        else:
            slot.container[slot.key] = value
        if schema.is_valid(tree):
            names.append(f"schema:{action}")
            applied += 1
            if applied == wanted:
                break
            slots = _schema_slots(tree, schema)  # the change may have replaced a whole subtree
        elif isinstance(slot.container, dict):
            slot.container.clear()
            slot.container.update(saved)
        else:
            slot.container[:] = saved
    if not applied:
        return content
    front_matter = _split_front_matter(content) if kind == "model_card" else None
    head, _, tail = front_matter or (b"", b"", b"")
    return _redump(tree, rng, content, (head, tail), kind)


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

    @property
    def schema_aware(self) -> bool:
        """Made by schema-aware mutations only: meant to be valid, and to reach the engine."""
        return bool(self.mutations) and all(m.startswith("schema:") for m in self.mutations)


def _seed_weight(seed: Seed) -> float:
    # An invalid variant of the 192 KB AdventureWorks contract costs ~1 s (jsonschema walks it
    # for the error details): drawn ten times less often, it still comes up, without taking
    # most of the run's time.
    return 1.0 if len(seed.content) <= 64 * 1024 else 0.1


def generate(kind: str, rng: random.Random, seeds: dict[str, list[Seed]]) -> FuzzInput:
    """A variant of a real file of ``kind``: for a share of the manifests, cards and contracts
    (:data:`SCHEMA_AWARE_SHARE`) a valid one with unusual values, otherwise a hostile one
    (structure- and/or byte-level mutations)."""
    names: list[str] = []
    share = SCHEMA_AWARE_SHARE.get(kind)  # packs and org configs: hostile only, as before
    # Not `random() < share`: hypothesis' randoms (the CI driver) draw 0.0 far more often than
    # chance, which would make most CI inputs valid ones; this way CI has at most the share.
    if share and rng.random() >= 1 - share:
        # The broken examples' repositories stay invalid whatever their file says (a contract
        # that is not ODCS, a card path escaping the repository): no start for valid inputs.
        valid = [
            s
            for s in seeds[kind]
            if not s.folder.startswith("repos/broken-") and _schema_valid_seed(kind, s.content)
        ]
        if valid:
            seed = rng.choices(valid, [_seed_weight(s) for s in valid])[0]
            content = mutate_schema_aware(seed.content, kind, rng, names)
            if names:
                return FuzzInput(kind, seed, content, tuple(names))
    seed = rng.choices(seeds[kind], [_seed_weight(s) for s in seeds[kind]])[0]
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
PROBLEM_CONTINUATION = re.compile(r"^ {4}(?!hint: )\S")
"""A long problem line wrapped (aigov.wrapping): its continuation, indented under it."""
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
    joined: list[str] = []
    for line in lines:  # a wrapped problem is read whole, as a reader reads it
        if joined and PROBLEM_CONTINUATION.match(line) and not HINT.match(joined[-1]):
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    for line in joined:
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
    elif verb in ("check", "gate"):  # the gate is a check of another stage's rules
        wrong += _judge_check(run)
    else:
        wrong += _judge_pack_test(run)
    return wrong


# A rule whose expression raised: "rule R could not be evaluated: 'assert' failed: …" in every
# output format (the evidence a run skips is reported as "evidence unavailable" instead).
EVALUATION_ERROR = re.compile(r"could not be evaluated: \S{0,6}(?:when|assert)\S{0,6} failed")


def judge_engine(run: Run) -> list[str]:
    """What is wrong with ``check`` on files that ``validate`` accepted: the engine's rules
    (built-in or the examples' org packs) must evaluate on every valid document."""
    if run.exit_code not in (0, 1):
        return []
    return [
        f"{run.argv[0]}: a rule failed to evaluate on valid files: {line.strip()[:300]}"
        for line in _lines_of(run.stdout)
        if EVALUATION_ERROR.search(line)
    ]


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
    verb = run.argv[0]
    if run.exit_code in (0, 1):
        wrong = (
            [f"{verb}: exit {run.exit_code} printed on stderr: {run.stderr[:300]!r}"]
            if run.stderr
            else []
        )
        output_format = run.argv[run.argv.index("-f") + 1] if "-f" in run.argv else "text"
        try:
            if output_format in ("json", "sarif", "codequality"):
                document = json.loads(run.stdout)
                if output_format == "sarif" and not sarif_validator().is_valid(document):
                    wrong.append(f"{verb}: -f sarif output is not valid SARIF 2.1.0")
            elif output_format == "junit":
                ElementTree.fromstring(run.stdout)
        except (ValueError, ElementTree.ParseError) as exc:
            wrong.append(f"{verb}: -f {output_format} output does not parse: {exc}")
        if output_format == "github":
            # Workflow commands only: a line of a repository's text could be read as one.
            wrong += [
                f"{verb}: -f github line that is no workflow command: {line[:200]!r}"
                for line in _lines_of(run.stdout)
                if not line.startswith("::")
            ]
        return wrong
    lines = _lines_of(run.stderr)
    if not lines or not lines[0].startswith("aigov: error: "):
        return [f"{verb}: exit 2 without 'aigov: error:' ({run.stderr[:200]!r})"]
    # Invalid repository files are listed indented by two spaces, policy problems are not.
    located, stray = problem_lines([re.sub(r"^  (?=\S)", "", line) for line in lines[1:]])
    wrong = [f"{verb}: line without file:line:column: {line!r}" for line in stray]
    if not located:
        wrong.append(f"{verb}: exit 2 names no file:line:column: {lines[0]!r}")
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
        output = [
            "-f",
            rng.choice(("text", "json", "sarif", "junit", "codequality", "markdown", "github")),
        ]
        verb, skipped = ["check"], ["mlflow", "data_quality", "git"]
        if fuzz_input.schema_aware:
            # Valid files reach the engine: half the time with the examples' org config (waiver
            # approvers, committees, limits), half the time collecting data quality evidence
            # (none is stored: the rules see it missing), a quarter of the time through the
            # deployment gate (another stage's rules).
            if rng.random() < 0.5:
                output += ["--policies", str(self.root / "org")]
            if rng.random() < 0.5:
                skipped.remove("data_quality")
            if rng.random() < 0.25:
                verb = ["gate", "--to", rng.choice(("production", "prod", "staging", "preprod"))]
        common = ["--today", TODAY, *(arg for name in skipped for arg in ("--skip-evidence", name))]
        if fuzz_input.kind == "pack":
            return [
                ["check", host, "--policies", folder, "--no-cache", *common, *output],
                ["policy", "test", folder],
            ]
        if fuzz_input.kind == "org":
            return [["check", host, "--policies", folder, *common, *output]]
        return [["validate", folder], [*verb, folder, *common, *output]]

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
                if (
                    argv[0] in ("check", "gate")
                    and runs
                    and runs[0].exit_code == 2
                    and rng.random() < 0.75
                ):
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
            if valid == 0:
                violations += judge_engine(runs[1])
        return Outcome(fuzz_input, runs, violations)


def exit_codes(outcomes: Sequence[Outcome]) -> Counter[str]:
    """``"validate 0"``-style counts of the exit codes of ``outcomes``' runs."""
    counts: Counter[str] = Counter()
    for outcome in outcomes:
        for run in outcome.runs:
            verb = "policy test" if run.argv[0] == "policy" else run.argv[0]
            counts[f"{verb} {run.exit_code if run.exit_code is not None else 'exception'}"] += 1
    return counts
