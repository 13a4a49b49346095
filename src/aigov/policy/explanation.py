"""Sentences aigov writes itself, in every language it writes, for findings and derived facts.

Two kinds of text are aigov's own words rather than a pack's: the findings aigov makes about
the gate's integrity (``AIGOV-WAIVER``, ``AIGOV-ATTESTATION``) and the explanations of derived
facts (``derived.<regulation>.<fact>.because``), which rule messages quote. Both are built from
messages of the catalog (:mod:`aigov.i18n`: the English text is the key, ``str.format``
placeholders) with :func:`say`, whose values are either the repository's own words (a rule id,
a column, a date: the same in every language) or other explanations (translated each in its
language). An :class:`Explanation` holds the result in every language at once, so that nothing
downstream needs the catalog:

- a finding carries it as ``Finding.translations`` (:func:`finding_translations`), as the
  engine's findings do;
- a derived fact carries its English text where rules read it (``because``) and the others
  under ``translations`` (``{lang: {key: text}}``, :func:`texts`), which
  :func:`aigov.policy.templates.render_message` quotes in a message of that language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aigov.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from aigov.policy.findings import FindingText

OTHER_LANGUAGES: Final = tuple(lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE)
TRANSLATIONS_KEY: Final = "translations"
"""The key of a derived fact (or row) holding its texts in the other languages."""
TRANSLATIONS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}},
}
"""The JSON Schema of ``translations``: language -> key -> text."""


@dataclass(frozen=True)
class Explanation:
    """One text in every language aigov writes (``texts[lang]``; English always there)."""

    texts: Mapping[str, str]

    def __str__(self) -> str:
        return self.texts[DEFAULT_LANGUAGE]

    def text(self, lang: str) -> str:
        """The text in ``lang``, English when aigov does not write ``lang``."""
        return self.texts.get(lang, self.texts[DEFAULT_LANGUAGE])

    def __bool__(self) -> bool:
        return bool(self.texts[DEFAULT_LANGUAGE])


def say(message: str, /, **values: object) -> Explanation:
    """``message`` (an English catalog message) in every language, its placeholders filled:
    an :class:`Explanation` value in the same language, anything else as written."""
    texts = {}
    for lang in LANGUAGES:
        tr = translator(lang)
        filled = {k: v.text(lang) if isinstance(v, Explanation) else v for k, v in values.items()}
        texts[lang] = tr(message, **filled)
    return Explanation(texts)


def verbatim(text: object) -> Explanation:
    """The repository's own words (or a code, a number): the same in every language."""
    return Explanation(dict.fromkeys(LANGUAGES, str(text)))


EMPTY: Final = verbatim("")


def joined(separator: str, parts: Iterable[Explanation | str]) -> Explanation:
    """``parts`` joined with ``separator`` (punctuation, the same in every language); a plain
    string part is the repository's words."""
    items = [part if isinstance(part, Explanation) else verbatim(part) for part in parts]
    return Explanation({lang: separator.join(i.text(lang) for i in items) for lang in LANGUAGES})


def texts(**keys: Explanation) -> dict[str, Any]:
    """The keys of a derived fact (or row) holding text: each in English, and the other
    languages under :data:`TRANSLATIONS_KEY`."""
    found: dict[str, Any] = {key: str(value) for key, value in keys.items()}
    found[TRANSLATIONS_KEY] = {
        lang: {key: value.text(lang) for key, value in keys.items()} for lang in OTHER_LANGUAGES
    }
    return found


def explanation_of(data: Mapping[str, Any], key: str = "because") -> Explanation:
    """``data[key]`` in every language, as :func:`texts` stored it (a fact one derivation
    quotes in another's explanation)."""
    english = str(data.get(key, ""))
    return Explanation(
        {DEFAULT_LANGUAGE: english}
        | {lang: translated(data, key, lang) or english for lang in OTHER_LANGUAGES}
    )


def translated(data: Mapping[str, Any], key: str, lang: str) -> str | None:
    """The text of ``data[key]`` in ``lang`` when ``data`` carries one (:func:`texts`)."""
    found = data.get(TRANSLATIONS_KEY)
    text = found.get(lang) if isinstance(found, Mapping) else None
    text = text.get(key) if isinstance(text, Mapping) else None
    return text if isinstance(text, str) else None


def finding_translations(
    title: Explanation, message: Explanation, remediation: Explanation
) -> tuple[FindingText, ...]:
    """``Finding.translations`` of a finding aigov makes itself: one per other language."""
    return tuple(
        FindingText(
            lang=lang,
            title=title.text(lang),
            message=message.text(lang),
            remediation=remediation.text(lang),
        )
        for lang in OTHER_LANGUAGES
    )
