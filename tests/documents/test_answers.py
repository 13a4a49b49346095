"""One definition of text that records nothing, shared by derivations, rules and documents."""

from __future__ import annotations

import pytest

from aigov.documents.answers import is_non_answer, is_recorded_text
from aigov.policy.cel import compile_expression
from aigov.policy.cel.context import prepare_context

NON_ANSWERS = ["", "  ", "none", "None.", "N/A", "n.a.", "TBD", "to be defined", "-", "???",
               "Not applicable", "néant", "Sans objet", "aucune", "pending", "null"]  # fmt: skip
ANSWERS = [
    "Encryption at rest (AES-256)",
    "No personal data leaves the EU",
    "DPIA-2026-014",
    "Banner on every page: you are talking to an AI",
    "n/a for minors: adults only",
]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_text_that_says_nothing_records_nothing(text: str) -> None:
    assert is_non_answer(text) and not is_recorded_text(text)


@pytest.mark.parametrize("text", ANSWERS)
def test_a_sentence_records_something_even_when_it_starts_with_no(text: str) -> None:
    assert is_recorded_text(text) and not is_non_answer(text)


def test_what_is_not_text_is_neither_an_answer_nor_recorded() -> None:
    for value in (None, 3, True, ["none"]):
        assert not is_non_answer(value) and not is_recorded_text(value)


def test_rules_read_the_same_definition() -> None:
    expression = compile_expression("measures.exists(m, recorded(m))")
    for measures, recorded in ((["none", "n/a"], False), (["none", ANSWERS[0]], True), ([], False)):
        assert expression.evaluate(prepare_context({"measures": measures})) is recorded
