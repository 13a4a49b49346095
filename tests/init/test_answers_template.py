"""The answers template says when each conditional question is asked, in both languages."""

from __future__ import annotations

from aigov.i18n import catalog
from aigov.init.answers_template import _PERSONAL_DATA, PROJECT_HELP, WHEN_ASKED
from aigov.init.screening.questions import QUESTIONS


def test_every_conditional_question_says_when_it_is_asked() -> None:
    """A question with a condition outside the GDPR section (where the default, "asked when
    personal data are processed", holds) needs its own words in WHEN_ASKED."""
    undescribed = [
        q.id
        for q in QUESTIONS
        if q.asked_if is not None and q.section != "GDPR" and q.id not in WHEN_ASKED
    ]
    assert not undescribed, undescribed
    assert set(WHEN_ASKED) <= {q.id for q in QUESTIONS}  # no description of a question gone


def test_the_template_texts_are_translated() -> None:
    french = catalog("fr")
    texts = [*WHEN_ASKED.values(), *PROJECT_HELP.values(), _PERSONAL_DATA]
    assert not [text for text in texts if text not in french]
