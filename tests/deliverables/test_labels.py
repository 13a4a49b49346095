"""Codes and ISO durations become words in both languages, in every deliverable."""

from __future__ import annotations

import datetime as dt
import re
import typing
from typing import Any

import pytest
from pydantic import BaseModel
from tests.conftest import EXAMPLES

from aigov.deliverables import Sources, generate
from aigov.deliverables.labels import ENGLISH, UNITS, duration, label
from aigov.documents.manifest import LifecycleManifest
from aigov.documents.model_card import ModelCardMetadata
from aigov.documents.repository import load_repository
from aigov.evidence.collect import EvidenceUnavailableRecord
from aigov.i18n import catalog, translator

# The two values that name the file format, never shown to a reader.
NOT_SHOWN = {"aigov/v1", "AIProject"}


def _codes(annotation: Any, seen: set[type], found: set[str]) -> None:
    """Every string of a ``Literal`` reachable from ``annotation`` (models walked field by
    field)."""
    if typing.get_origin(annotation) is typing.Literal:
        found.update(a for a in typing.get_args(annotation) if isinstance(a, str))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in seen:
            seen.add(annotation)
            for field in annotation.model_fields.values():
                _codes(field.annotation, seen, found)
    else:
        for argument in typing.get_args(annotation):
            _codes(argument, seen, found)


def _vocabulary() -> set[str]:
    found: set[str] = set()
    _codes(LifecycleManifest, set(), found)
    _codes(ModelCardMetadata, set(), found)
    return found - NOT_SHOWN


def test_the_vocabulary_is_found() -> None:
    codes = _vocabulary()
    assert {"lower_is_better", "business_owner", "approved_with_conditions", "full"} <= codes
    assert len(codes) > 100


@pytest.mark.parametrize("code", sorted(_vocabulary()))
def test_every_code_has_words_in_both_languages(code: str) -> None:
    english = label(code, "en")
    assert "_" not in english and english.strip() == english, english
    assert code in catalog("fr"), f"no French label for {code}: add it to aigov/locales/fr.json"
    assert "_" not in label(code, "fr")


def test_labels() -> None:
    assert label("lower_is_better", "en") == "lower is better"
    assert label("lower_is_better", "fr") == "plus bas est mieux"
    assert label("business_owner", "en") == "business owner"
    assert label("business_owner", "fr") == "responsable métier"
    assert label("data_protection_officer", "en") == ENGLISH["data_protection_officer"]
    assert label("poc", "en") == "POC" and label("api", "en") == "API"
    assert label("a_code_from_a_newer_schema", "fr") == "a code from a newer schema"


@pytest.mark.parametrize(
    ("iso", "english", "french"),
    [
        ("P5Y", "5 years", "5 ans"),
        ("P1Y", "1 year", "1 an"),
        ("P1M", "1 month", "1 mois"),
        ("P3M", "3 months", "3 mois"),
        ("P90D", "90 days", "90 jours"),
        ("P1D", "1 day", "1 jour"),
        ("P2W", "2 weeks", "2 semaines"),
        ("PT15M", "15 minutes", "15 minutes"),
        ("PT4H", "4 hours", "4 heures"),
        ("PT1H", "1 hour", "1 heure"),
        ("P1Y6M", "1 year 6 months", "1 an 6 mois"),
        ("P1DT12H", "1 day 12 hours", "1 jour 12 heures"),
        ("PT0S", "0 seconds", "0 seconde"),
    ],
)
def test_durations_in_words(iso: str, english: str, french: str) -> None:
    assert duration(iso, translator("en"), "en") == english
    assert duration(iso, translator("fr"), "fr") == french


def test_text_that_is_not_a_duration_is_kept() -> None:
    for text in ("Mon-Sat 08:00-20:00", "P", "PT", "P5Y and more", "p5y"):
        assert duration(text, translator("en"), "en") == text


def test_every_unit_is_translated() -> None:
    french = catalog("fr")
    for one, many in UNITS.values():
        assert one in french and many in french


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("example", ["credit-scoring", "customer-chatbot", "demand-forecast"])
def test_no_code_or_duration_is_printed_raw(example: str, lang: str) -> None:
    repository = load_repository(EXAMPLES / example)
    sources = Sources(
        repository,
        data_quality=EvidenceUnavailableRecord(reason="not collected"),
        mlflow=EvidenceUnavailableRecord(reason="not collected"),
    )
    files = generate(sources, formats=("md",), lang=lang, today=dt.date(2026, 12, 4))
    text = "\n".join(files.values())
    # Codes with an underscore, outside what a repository writes as names (metric keys...).
    shown = {code for code in _vocabulary() if "_" in code}
    for code in shown:
        assert not re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", text), (example, code)
    durations = re.findall(r"(?<![\w/-])P(?:T?\d+[YMWDHS])+(?![\w-])", text)
    assert durations == [], (example, durations)
