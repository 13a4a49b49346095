"""Policy packs: the ``pack.yaml`` and ``rules/*.yaml`` models, and loading them from files.

The format is documented for pack authors in ``policies/README.md``. Loading works on the bytes
of a pack's files, whatever their origin (a folder, the built-in packs, a git tree at a pinned
ref; see :mod:`aigov.policy.sources`), so that every origin is validated and digested alike.
Every problem names the pack file, line and column; expressions are compiled here, once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pydantic import Field, field_validator

from aigov.documents.files import decode_text
from aigov.documents.problems import DocumentError, Location, Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument, parse_yaml
from aigov.documents.types import STAGES, Document, NonEmptyStr, Stage
from aigov.documents.validation import validate_document
from aigov.errors import AigovError
from aigov.policy.cel import (
    CompiledExpression,
    ExpressionError,
    ExpressionSyntaxError,
    compile_expression,
)
from aigov.policy.cel.scan import path_reads
from aigov.policy.findings import RULE_ID_PATTERN, Severity
from aigov.policy.params import PARAM_NAME_PATTERN, RuleParam, default_params
from aigov.policy.semver import Version
from aigov.policy.templates import placeholder_paths
from aigov.policy.translations import (
    RuleTranslation,
    is_locale_file,
    load_locale_file,
    locale_language,
)

PACK_FILE: Final = "pack.yaml"
RULES_FOLDER: Final = "rules"
DOCUMENTATION_PLACEHOLDERS: Final = ("rule_id", "anchor")
"""What a pack's ``documentation`` URL may contain, replaced for each rule."""
RESERVED_RULE_PREFIX: Final = "AIGOV-"
"""Rule ids of findings made by aigov itself (waiver problems): packs may not use them."""

_NAMED_DATE = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# manifest.a.b["c"][0] as written in an expression; stops before a method or macro call.
_DOCUMENT_PATH = re.compile(
    r"(?<![\w.])(?:manifest|model_card)"
    r"(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]*\s*\()|\[\s*(?:\d+|\"[^\"]*\"|'[^']*')\s*\])*"
)


def first_document_path(expression: str) -> str | None:
    """The first ``manifest.``/``model_card.`` path written in ``expression``, if any."""
    for found in _DOCUMENT_PATH.finditer(expression):
        path = re.sub(r"\s+", "", found[0])
        if path not in ("manifest", "model_card"):
            return path
    return None


class PackSourceInfo(Document):
    """Where the regulation a pack enforces is published."""

    title: NonEmptyStr
    url: str | None = None


def _semver_text(value: object) -> object:
    """``version: 1.0`` is a YAML number: say it is not a semantic version, not "not a string"."""
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if isinstance(text, str):
        Version.parse(text)  # a VersionError is a ValueError: pydantic reports its message
    return text


class ChangelogEntry(Document):
    version: str
    date: dt.date
    changes: list[NonEmptyStr] = Field(min_length=1)

    _version = field_validator("version", mode="before")(_semver_text)


class PolicyPack(Document):
    """``pack.yaml``: a pack's identity, version, regulation source, changelog, named dates."""

    api_version: Literal["aigov/v1"] = Field(alias="apiVersion")
    kind: Literal["PolicyPack"]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: NonEmptyStr
    description: str | None = None
    owner: NonEmptyStr | None = None
    """Who maintains the pack and how to reach them: a policy error sends the project team
    there (``Compliance office <compliance@bank.example>``)."""
    source: PackSourceInfo
    documentation: str | None = Field(
        default=None,
        description="Where the pack's rules are documented: an http(s) URL in which "
        "{rule_id} and {anchor} (the rule's heading in a reference written by `aigov policy "
        "doc`) are replaced per rule. Without it, findings of the pack's rules carry no link.",
    )
    dates: dict[str, dt.date] = {}
    changelog: list[ChangelogEntry] = []

    _version = field_validator("version", mode="before")(_semver_text)

    @field_validator("documentation")
    @classmethod
    def _documentation_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/\s?#@]+", value) or any(c.isspace() for c in value):
            raise ValueError(f"'{value}' is not an http(s) URL")
        unknown = set(re.findall(r"\{([^{}]*)\}", value)) - set(DOCUMENTATION_PLACEHOLDERS)
        if unknown:
            raise ValueError(
                f"unknown placeholder {{{sorted(unknown)[0]}}}: use "
                + " or ".join(f"{{{name}}}" for name in DOCUMENTATION_PLACEHOLDERS)
            )
        return value

    @field_validator("dates")
    @classmethod
    def _date_names(cls, value: dict[str, dt.date]) -> dict[str, dt.date]:
        for name in value:
            if not _NAMED_DATE.match(name):
                raise ValueError(f"date name '{name}' must be lower_snake_case")
        return value


class Applies(Document):
    stages: list[Stage] = Field(default_factory=lambda: list(STAGES), min_length=1)
    when: NonEmptyStr | None = None


class Fixtures(Document):
    pass_: list[dict[str, Any]] = Field(default=[], alias="pass")
    fail: list[dict[str, Any]] = []


class Rule(Document):
    """One rule, as written in a ``rules/*.yaml`` list."""

    id: str = Field(pattern=RULE_ID_PATTERN)
    title: NonEmptyStr
    severity: Severity
    references: list[NonEmptyStr] = Field(min_length=1)
    description: str | None = None
    applies: Applies = Field(default_factory=Applies)
    effective_from: str | None = None
    assert_: NonEmptyStr = Field(alias="assert")
    locate: str | None = Field(default=None, pattern=r"^(manifest|model_card|contracts)\b")
    message: NonEmptyStr
    remediation: NonEmptyStr
    params: dict[str, RuleParam] = {}
    """What the organisation may tune (``aigov-org.yaml`` ``rules:``); read as ``params.x``."""
    fixtures: Fixtures = Field(default_factory=Fixtures)

    @field_validator("params")
    @classmethod
    def _param_names(cls, value: dict[str, RuleParam]) -> dict[str, RuleParam]:
        for name in value:
            if not re.match(PARAM_NAME_PATTERN, name):
                raise ValueError(f"parameter name '{name}' must be lower_snake_case")
        return value

    @field_validator("effective_from", mode="before")
    @classmethod
    def _date_or_name(cls, value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and not (_ISO_DATE.match(value) or _NAMED_DATE.match(value)):
            raise ValueError(
                f"'{value}' is neither a date (YYYY-MM-DD) nor a named date of the pack"
            )
        if isinstance(value, str) and _ISO_DATE.match(value):
            dt.date.fromisoformat(value)  # raises ValueError for 2026-02-30
        return value


@dataclass(frozen=True, eq=False)
class PolicyRule:
    """A validated rule and where it was written; its expressions compile on first use.

    A pack loaded from source has compiled every expression already (a syntax error is a load
    problem), so the properties below are cache hits; a pack read from the pack cache
    (:mod:`aigov.policy.cache`, written only after such a full compile) compiles only the rules
    a run evaluates.
    """

    rule: Rule
    pack: str
    location: Location
    evidence: frozenset[str]
    """The evidence sources the rule reads (``mlflow``…): see :func:`evidence_read`."""
    stages: frozenset[str]
    """``applies.stages``, as a set for the engine's hot loop."""
    locate: str | None
    """The context path a finding points at: ``locate``, else the first manifest/model_card
    field the assert names."""
    index_forms: Mapping[str, str] = field(default_factory=dict, repr=False)
    """``when``/``assert`` -> the expression as compiled (:func:`index_form`), when known."""
    tuned_severity: Severity | None = None
    """The severity the organisation set for this rule (:mod:`aigov.policy.tuning`)."""
    tuned_params: Mapping[str, Any] = field(default_factory=dict)
    """Parameter values the organisation set, over the declared defaults."""
    translations: Mapping[str, RuleTranslation] = field(default_factory=dict)
    """Language -> the rule's title, message and remediation in it (the pack's
    ``locales/<lang>.yaml``, :mod:`aigov.policy.translations`)."""

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def severity(self) -> Severity:
        """The severity findings of this rule carry: the organisation's, else the pack's."""
        return self.tuned_severity or self.rule.severity

    @property
    def params(self) -> dict[str, Any]:
        """Every declared parameter's value for this run: the organisation's, else the
        default."""
        return {**default_params(self.rule.params), **self.tuned_params}

    @property
    def when(self) -> CompiledExpression | None:
        source = self.rule.applies.when
        if source is None:
            return None
        return _compile_known_good(self.id, "when", source, self.index_forms.get("when"))

    @property
    def assertion(self) -> CompiledExpression:
        source = self.rule.assert_
        return _compile_known_good(self.id, "assert", source, self.index_forms.get("assert"))

    @property
    def roots(self) -> frozenset[str]:
        """The context roots the rule's expressions read."""
        when = self.when
        return self.assertion.roots | (when.roots if when is not None else frozenset())


def _compile_known_good(
    rule_id: str, key: str, source: str, rewritten: str | None
) -> CompiledExpression:
    """An expression that compiled when its pack was loaded (``compile_expression`` caches it).

    It can only fail if the CEL library changed since a cache entry was written; the engine
    then reports the rule as an error instead of crashing.
    """
    try:
        return compile_expression(source, rewritten) if rewritten else compile_expression(source)
    except ExpressionSyntaxError as exc:
        raise ExpressionError(f"rule {rule_id}: invalid CEL in '{key}': {exc}") from None


@dataclass(frozen=True, eq=False)
class LoadedPack:
    """A pack read from one origin: its metadata, rules, content digest and file locations."""

    pack: PolicyPack
    rules: tuple[PolicyRule, ...]
    digest: str
    origin: str
    pack_file: str
    positions: Mapping[FieldPath, Location] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.pack.name

    @property
    def version(self) -> str:
        return self.pack.version


class PolicyLoadError(AigovError):
    """Packs or an org config could not be loaded; ``problems`` says where and why, all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.location, p.code, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


def pack_digest(files: Mapping[str, bytes]) -> str:
    """sha256 over the pack's files in sorted path order (path and bytes, length-prefixed)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        digest.update(f"{path}\0{len(content)}\0".encode())
        digest.update(content)
    return "sha256:" + digest.hexdigest()


def is_pack_file(path: str) -> bool:
    """Whether ``path`` (relative to a pack folder) is one the pack is made of."""
    if path == PACK_FILE or is_locale_file(path):
        return True
    folder, _, name = path.partition("/")
    return folder == RULES_FOLDER and "/" not in name and name.endswith((".yaml", ".yml"))


def load_pack(files: Mapping[str, bytes], *, origin: str, shown_as: str) -> LoadedPack:
    """Load one pack from its files (``pack.yaml``, ``rules/*.yaml``, ``locales/*.yaml``:
    path -> bytes).

    ``shown_as`` prefixes file names in problems and locations (e.g. ``policies/gdpr``);
    ``origin`` records where the pack came from. Raises :class:`PolicyLoadError` listing every
    problem: YAML, unknown or invalid fields, bad semver, unknown named dates, CEL syntax errors
    and duplicate rule ids.
    """
    own = {path: content for path, content in files.items() if is_pack_file(path)}
    problems: list[Problem] = []
    pack_shown = f"{shown_as}/{PACK_FILE}"
    rule_files = sorted(p for p in own if p != PACK_FILE and not is_locale_file(p))
    if PACK_FILE not in own:
        raise PolicyLoadError(
            [Problem(Location(pack_shown), "pack.missing", f"no {PACK_FILE} in this pack folder")]
        )
    pack: PolicyPack | None = None
    positions: dict[FieldPath, Location] = {}
    try:
        document = parse_yaml(decode_text(own[PACK_FILE], pack_shown), pack_shown)
        problems.extend(document.problems)
        pack, errors = validate_document(PolicyPack, document)
        problems.extend(errors)
        positions = {path: document.locate(path) for path in document.positions}
    except DocumentError as exc:
        problems.append(exc.problem)
    pack_dates = pack.dates if pack is not None else None  # unknown: pack.yaml is invalid
    rules: list[PolicyRule] = []
    seen: dict[str, Location] = {}
    for path in rule_files:
        shown = f"{shown_as}/{path}"
        for rule in _load_rule_file(
            own[path], shown, pack.name if pack else "?", pack_dates, problems
        ):
            if rule.id in seen:
                problems.append(
                    Problem(
                        rule.location,
                        "rule.duplicate-id",
                        f"rule id '{rule.id}' is already used at {seen[rule.id]}",
                        field="id",
                    )
                )
                continue
            seen[rule.id] = rule.location
            rules.append(rule)
    rules = _with_translations(rules, own, shown_as, problems)
    if problems or pack is None:
        raise PolicyLoadError(problems)
    return LoadedPack(pack, tuple(rules), pack_digest(own), origin, pack_shown, positions)


def _with_translations(
    rules: list[PolicyRule], files: Mapping[str, bytes], shown_as: str, problems: list[Problem]
) -> list[PolicyRule]:
    """``rules`` with the texts of the pack's ``locales/<lang>.yaml`` files attached."""
    locale_files = sorted(p for p in files if is_locale_file(p))
    if not locale_files:
        return rules
    english = {
        rule.id: {
            "title": rule.rule.title,
            "message": rule.rule.message,
            "remediation": rule.rule.remediation,
            "description": rule.rule.description or "",
        }
        for rule in rules
    }
    # A rule that failed to load is not "unknown" to its translation: its own problem is reported.
    complete = not problems
    by_rule: dict[str, dict[str, RuleTranslation]] = {}
    for path in locale_files:
        lang = locale_language(path)
        loaded = load_locale_file(
            files[path], path, f"{shown_as}/{path}", english, problems, rules_complete=complete
        )
        for rule_id, translation in loaded.items():
            by_rule.setdefault(rule_id, {})[lang] = translation
    return [
        dataclasses.replace(rule, translations=by_rule[rule.id]) if rule.id in by_rule else rule
        for rule in rules
    ]


def _load_rule_file(
    content: bytes,
    shown: str,
    pack_name: str,
    pack_dates: Mapping[str, dt.date] | None,
    problems: list[Problem],
) -> list[PolicyRule]:
    try:
        text = decode_text(content, shown)
        document = parse_yaml(text, shown)
    except DocumentError as exc:
        problems.append(exc.problem)
        return []
    problems.extend(document.problems)
    if document.data is None:
        return []
    if not isinstance(document.data, list):
        problems.append(
            Problem(
                document.locate(()),
                "rules.not-list",
                "a rules file holds a YAML list of rules ('- id: ...')",
            )
        )
        return []
    by_item: dict[int, dict[FieldPath, tuple[int, int]]] = {}
    for path, position in document.positions.items():
        if path and isinstance(path[0], int):
            by_item.setdefault(path[0], {})[path[1:]] = position
    rules: list[PolicyRule] = []
    for index, item in enumerate(document.data):
        item_positions = by_item.get(index, {})
        item_document = YamlDocument(shown, item, item_positions)
        if not isinstance(item, dict):
            problems.append(
                Problem(item_document.locate(()), "rules.not-mapping", "a rule is a mapping")
            )
            continue
        rule, errors = validate_document(Rule, item_document)
        label = f"rule {item.get('id')}: " if isinstance(item.get("id"), str) else ""
        problems.extend(
            Problem(p.location, p.code, label + p.message, p.field, p.level, p.hint) for p in errors
        )
        if rule is None:
            continue
        if not _compile_rule(rule, item_document, problems):
            continue
        undeclared = _undeclared_param(rule, item_document)
        if undeclared is not None:
            problems.append(undeclared)
            continue
        mistyped = _type_problems(rule, item_document, text)
        if mistyped:
            problems.extend(mistyped)
            continue
        if rule.id.startswith(RESERVED_RULE_PREFIX):
            problems.append(
                Problem(
                    item_document.locate(("id",)),
                    "rule.reserved-id",
                    f"rule ids starting with '{RESERVED_RULE_PREFIX}' are reserved for aigov",
                    field="id",
                )
            )
            continue
        unknown_date = _unknown_date(rule, item_document, pack_dates)
        if unknown_date is not None:
            problems.append(unknown_date)
            continue
        rules.append(
            PolicyRule(
                rule=rule,
                pack=pack_name,
                location=item_document.locate(()),
                evidence=evidence_read(rule),
                stages=frozenset(rule.applies.stages),
                locate=rule.locate or first_document_path(rule.assert_),
            )
        )
    return rules


def _type_problems(rule: Rule, document: YamlDocument, text: str) -> list[Problem]:
    """What the rule reads or calls that the context does not have (:mod:`.typecheck`)."""
    # Imported here: a run whose packs all come from the pack cache never type-checks them.
    from aigov.policy.typecheck import MESSAGE_KEY, check_rule

    texts: dict[FieldPath, str | None] = {
        ("applies", "when"): rule.applies.when,
        ("assert",): rule.assert_,
        MESSAGE_KEY: rule.message,
    }
    return check_rule(rule.id, rule.params, texts, document, text)


def _unknown_date(
    rule: Rule, document: YamlDocument, pack_dates: Mapping[str, dt.date] | None
) -> Problem | None:
    """The problem of an ``effective_from`` naming a date the pack does not define, if any
    (none when ``pack.yaml`` is invalid: its dates are unknown)."""
    name = rule.effective_from
    if name is None or pack_dates is None or _ISO_DATE.match(name) or name in pack_dates:
        return None
    known = ", ".join(sorted(pack_dates)) or "none"
    return Problem(
        document.locate(("effective_from",)),
        "rule.unknown-date",
        f"rule {rule.id}: effective_from names the date '{name}', which pack.yaml "
        "does not define under 'dates'",
        field="effective_from",
        hint=f"named dates of this pack: {known}",
    )


def _undeclared_param(rule: Rule, document: YamlDocument) -> Problem | None:
    """The problem of a ``params.x`` the rule reads without declaring it, if any: it would
    never have a value, so the rule would silently not apply."""
    undeclared = sorted(fields_read(rule, "params") - set(rule.params))
    if not undeclared:
        return None
    declared = ", ".join(sorted(rule.params)) or "none"
    close = difflib.get_close_matches(undeclared[0], sorted(rule.params), n=1, cutoff=0.6)
    return Problem(
        document.locate(("assert",)),
        "rule.undeclared-param",
        f"rule {rule.id}: reads params.{undeclared[0]}, which its 'params' does not declare",
        field="params",
        hint=(f"did you mean '{close[0]}'? " if close else "") + f"declared: {declared}",
    )


def fields_read(rule: Rule, root: str) -> frozenset[str]:
    """The fields of context root ``root`` a rule reads: in its expressions
    (``evidence.mlflow.x``, ``evidence["mlflow"]``, ``has(evidence.git)``) or its message's
    placeholders (``{{ params.min_auc }}``)."""
    read = {
        field
        for expression in (rule.assert_, rule.applies.when)
        if expression is not None
        for field in compile_expression(expression).fields(root)
    }
    read.update(
        str(path[1])
        for path in placeholder_paths(rule.message)
        if len(path) > 1 and path[0] == root
    )
    return frozenset(read)


def reads_path(rule: Rule, root: str, path: Sequence[str]) -> bool:
    """Whether the rule may read ``root`` at ``path`` (``evidence``, ``("mlflow",
    "metric_history")``) in its expressions or its message, so that a source fetches a costly
    part of its evidence only for the rules that read it."""
    wanted = tuple(path)
    if any(
        compile_expression(expression).reads(root, wanted)
        for expression in (rule.assert_, rule.applies.when)
        if expression is not None
    ):
        return True
    return any(
        written[0] == root and path_reads(written[1:], wanted)
        for written in placeholder_paths(rule.message)
    )


def evidence_read(rule: Rule) -> frozenset[str]:
    """The evidence sources a rule reads (:func:`fields_read` of ``evidence``). The engine
    collects only these, and fails the rule closed without them."""
    return fields_read(rule, "evidence")


def _compile_rule(rule: Rule, document: YamlDocument, problems: list[Problem]) -> bool:
    """Compile the rule's expressions (kept in ``compile_expression``'s cache); False on error."""
    failed = False
    for key, path, source in (
        ("when", ("applies", "when"), rule.applies.when),
        ("assert", ("assert",), rule.assert_),
    ):
        if source is None:
            continue
        try:
            compile_expression(source)
        except ExpressionSyntaxError as exc:
            failed = True
            lines = source.split("\n")
            shown = lines[exc.line - 1] if 0 < exc.line <= len(lines) else source
            where = (
                f"line {exc.line}, column {exc.column}"
                if len(lines) > 1
                else (f"column {exc.column}")
            )
            problems.append(
                Problem(
                    document.locate(path),
                    "rule.expression-syntax",
                    f"rule {rule.id}: invalid CEL in '{key}' at {where} of the expression: "
                    f"{exc.message}",
                    field=".".join(str(p) for p in path),
                    hint=f"{shown}\n          {' ' * max(exc.column - 1, 0)}^",
                )
            )
    return not failed
