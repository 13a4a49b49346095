"""Languages of what aigov writes for people: generated documents, reports, PR comments, prompts.

English text is the message key (as gettext does, without its toolchain): code writes
``tr("Blocking findings")`` and a catalog ``aigov/locales/<lang>.json`` maps that English text to
its translation. A message missing from a catalog falls back to English, so a new message never
breaks a report; ``tests/test_i18n.py`` checks that every message the code uses is translated.
The packs translate their own rules (``policies/<pack>/locales/<lang>.yaml``, read by
:mod:`aigov.policy.translations`); this catalog holds aigov's own words.

Placeholders use :meth:`str.format` names (``tr("{count} warning(s)", count=2)``); a translation
keeps the same names. French uses the vocabulary of the regulations' French texts and of the
CNIL (RGPD, AIPD, responsable du traitement, sous-traitant, base légale, délégué à la protection
des données; AI Act: fournisseur, déployeur, système d'IA à haut risque).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Final, Protocol

LANGUAGES: Final[tuple[str, ...]] = ("en", "fr")
"""Languages aigov writes; ``en`` is the source language and needs no catalog."""
DEFAULT_LANGUAGE: Final = "en"


class Translator(Protocol):
    """``tr(message, **values)``: ``message`` in the chosen language, placeholders filled."""

    def __call__(self, message: str, /, **values: object) -> str: ...


def normalise_language(lang: str | None) -> str:
    """``fr`` from ``fr``, ``fr-FR`` or ``FR``; English for None or a language aigov lacks."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """The messages of ``lang`` (English text → translation); empty for English."""
    if lang == DEFAULT_LANGUAGE:
        return {}
    text = resources.files("aigov.locales").joinpath(f"{lang}.json").read_text(encoding="utf-8")
    messages: dict[str, str] = json.loads(text)
    return messages


def translator(lang: str | None) -> Translator:
    """A :class:`Translator` for ``lang`` (normalised with :func:`normalise_language`)."""
    messages = catalog(normalise_language(lang))

    def tr(message: str, /, **values: object) -> str:
        text = messages.get(message, message)
        return text.format(**values) if values else text

    return tr


def term(tr: Translator, context: str, value: str) -> str:
    """A vocabulary word that means different things in different places (``high`` is a
    severity and an AI Act category): looked up as ``context:value``, else ``value`` as is."""
    key = f"{context}:{value}"
    text = tr(key)
    return value if text == key else text


def language_of(options: Mapping[str, object]) -> str:
    """The language a run asked for in ``options["lang"]`` (a ``CheckReport``'s ``extra``, set by
    ``--lang`` or the org config's ``lang``), normalised; English when absent."""
    lang = options.get("lang")
    return normalise_language(lang if isinstance(lang, str) else None)


def number(value: float | int | None, lang: str | None) -> str:
    """``value`` written for ``lang``: ``1 234.5`` / ``1 234,5`` (thin spaces never used: CI logs).

    Integers-as-floats lose their ``.0``; None is an empty string.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"
    if "e" in text:  # very small or large floats: keep Python's notation
        text = f"{value:g}"
    if normalise_language(lang) == "fr":
        return text.replace(",", "\u202f").replace(".", ",").replace("\u202f", " ")
    return text
