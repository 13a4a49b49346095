"""Rule translations: ``locales/<lang>.yaml`` beside a pack's ``rules/``.

A locale file maps a rule id of the pack to the rule's ``title``, ``message`` and
``remediation`` in that language::

    SLA-DATA-DRIFT:
      title: La dérive des données est surveillée avec un seuil
      message: "{{ manifest.metadata.id }} ne surveille pas la dérive des données"
      remediation: Renseignez monitoring.data_drift (method, threshold, features, window).

A translated text uses the ``{{ }}`` placeholders of the English one: a placeholder the English
text lacks is a load error (it could read a field no rule test covers, and print ``<missing>``).
A translation that lacks one of the English placeholders is stale (the English text changed
after it was written): it is not used, the rule is reported in English, which names every value,
and the built-in packs' test fails until it is brought up to date. A rule a locale file does not
translate is reported in English too. The files belong to the pack: its digest covers them, so they
come from the trusted policy source like its rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from aigov.documents.files import decode_text
from aigov.documents.problems import DocumentError, Location, Problem
from aigov.documents.safe_yaml import FieldPath, YamlDocument, parse_yaml
from aigov.documents.types import Document, NonEmptyStr
from aigov.documents.validation import validate_document
from aigov.i18n import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_FOLDER: Final = "locales"
TRANSLATED_FIELDS: Final = ("title", "message", "remediation")
"""What every translated rule has; ``description`` is optional."""
_CHECKED_FIELDS: Final = (*TRANSLATED_FIELDS, "description")
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class RuleTranslation(Document):
    """One rule's text in another language (an entry of ``locales/<lang>.yaml``)."""

    title: NonEmptyStr
    message: NonEmptyStr
    remediation: NonEmptyStr
    description: NonEmptyStr | None = None
    """Why the rule matters (``aigov explain``); the English one is shown without it."""


RuleTranslations = Mapping[str, RuleTranslation]
"""Language -> the rule's text in it."""


def is_locale_file(path: str) -> bool:
    """Whether ``path`` (relative to a pack folder) is a ``locales/<lang>.yaml``."""
    folder, _, name = path.partition("/")
    return folder == LOCALES_FOLDER and "/" not in name and name.endswith((".yaml", ".yml"))


def locale_language(path: str) -> str:
    """``fr`` for ``locales/fr.yaml``."""
    return path.rpartition("/")[2].rsplit(".", 1)[0]


def placeholders(text: str) -> frozenset[str]:
    """The ``{{ }}`` placeholders of ``text``, whitespace ignored."""
    return frozenset(re.sub(r"\s+", "", found) for found in _PLACEHOLDER.findall(text))


def load_locale_file(
    content: bytes,
    path: str,
    shown: str,
    english: Mapping[str, Mapping[str, str]],
    problems: list[Problem],
    *,
    rules_complete: bool = True,
) -> dict[str, RuleTranslation]:
    """The translations of ``locales/<lang>.yaml`` (``path``; ``shown`` in problems), checked
    against the pack's ``english`` texts (rule id -> field -> text); every problem is appended
    to ``problems`` with its file, line and column. With ``rules_complete`` false (some rule
    failed to load), an id missing from ``english`` is not reported as unknown."""
    lang = locale_language(path)
    if lang not in LANGUAGES or lang == DEFAULT_LANGUAGE:
        others = ", ".join(f"{code}.yaml" for code in LANGUAGES if code != DEFAULT_LANGUAGE)
        problems.append(
            Problem(
                Location(shown, 1, 1),
                "locale.unknown-language",
                f"aigov does not write '{lang}': rule translations are read from {others}",
            )
        )
        return {}
    try:
        document = parse_yaml(decode_text(content, shown), shown)
    except DocumentError as exc:
        problems.append(exc.problem)
        return {}
    problems.extend(document.problems)
    if document.data is None:
        return {}
    if not isinstance(document.data, dict):
        problems.append(
            Problem(
                document.locate(()),
                "locale.not-mapping",
                "a locale file maps each rule id to its title, message and remediation "
                "('RULE-ID:' then the three keys indented under it)",
            )
        )
        return {}
    by_rule: dict[str, dict[FieldPath, tuple[int, int]]] = {}
    for field_path, position in document.positions.items():
        if field_path and isinstance(field_path[0], str):
            by_rule.setdefault(field_path[0], {})[field_path[1:]] = position
    translations: dict[str, RuleTranslation] = {}
    for rule_id, entry in document.data.items():
        where = YamlDocument(shown, entry, by_rule.get(str(rule_id), {}))
        translation = _rule_translation(
            str(rule_id), document, where, english, problems, rules_complete
        )
        if translation is not None:
            translations[str(rule_id)] = translation
    return translations


def _rule_translation(
    rule_id: str,
    document: YamlDocument,
    where: YamlDocument,
    english: Mapping[str, Mapping[str, str]],
    problems: list[Problem],
    rules_complete: bool,
) -> RuleTranslation | None:
    """One rule's entry (``where``: its part of ``document``), or None when it is refused (its
    problems appended) or stale."""
    if rule_id not in english:
        if rules_complete:
            problems.append(
                Problem(
                    document.locate((rule_id,)),
                    "locale.unknown-rule",
                    f"'{rule_id}' is not a rule of this pack: remove its translation or fix the id",
                )
            )
        return None
    if not isinstance(where.data, dict):
        problems.append(
            Problem(
                document.locate((rule_id,)),
                "locale.not-mapping",
                "a rule's translation holds its title, message and remediation, indented "
                "under its id",
                field=rule_id,
            )
        )
        return None
    translation, errors = validate_document(RuleTranslation, where)
    problems.extend(
        Problem(p.location, p.code, p.message, f"{rule_id}.{p.field}".rstrip("."), p.level, p.hint)
        for p in errors
    )
    if translation is None:
        return None
    unknown = _unknown_placeholders(rule_id, translation, english[rule_id], where)
    if unknown:
        problems.extend(unknown)
        return None
    return None if is_stale(translation, english[rule_id]) else translation


def is_stale(translation: RuleTranslation, english: Mapping[str, str]) -> bool:
    """Whether the translation lacks a placeholder of the English text (written before the
    English changed): showing it would hide a value the English names."""
    return any(
        placeholders(english.get(name, "")) - placeholders(getattr(translation, name))
        for name in TRANSLATED_FIELDS
    )


def _unknown_placeholders(
    rule_id: str, translation: RuleTranslation, english: Mapping[str, str], where: YamlDocument
) -> list[Problem]:
    found = []
    for name in _CHECKED_FIELDS:
        wanted = placeholders(english.get(name) or "")
        extra = sorted(placeholders(getattr(translation, name) or "") - wanted)
        if not extra:
            continue
        found.append(
            Problem(
                where.locate((name,)),
                "locale.placeholder",
                f"the translated {name} has placeholder {{{{ {extra[0]} }}}}, which the English "
                f"{name} lacks",
                field=f"{rule_id}.{name}",
                hint="a translation uses the English text's {{ }} placeholders: "
                + (", ".join(f"{{{{ {p} }}}}" for p in sorted(wanted)) or "none"),
            )
        )
    return found
