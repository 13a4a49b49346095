"""``MODEL_CARD.md``: a Hugging Face model card extended with governance keys.

The front matter follows the Hugging Face Hub's card metadata (``model-index`` evaluation results
and the usual ``license``, ``datasets``…; any other key is kept, as the Hub does); aigov adds the
governance keys that the AI Act asks a provider to document. The Markdown body is split into
sections by heading so that rules can ask whether, say, a "Limitations" section exists.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import Field

from aigov.documents.types import Document, NonEmptyStr, OpenDocument

PLACEHOLDER = "[More Information Needed]"


class EvalTask(OpenDocument):
    type: NonEmptyStr
    name: str | None = None


class EvalDataset(OpenDocument):
    type: NonEmptyStr
    name: NonEmptyStr
    config: str | None = None
    split: str | None = None
    revision: str | None = None


class EvalMetric(OpenDocument):
    type: NonEmptyStr
    value: float | int | str
    name: str | None = None
    config: str | None = None
    verified: bool | None = None


class EvalResult(OpenDocument):
    task: EvalTask
    dataset: EvalDataset
    metrics: list[EvalMetric]


class ModelIndexEntry(OpenDocument):
    name: NonEmptyStr
    results: list[EvalResult]


class FairnessSlice(Document):
    """A metric measured on one population slice (e.g. age band, gender, region)."""

    slice: NonEmptyStr
    metric: NonEmptyStr
    value: float
    reference_value: float | None = Field(default=None, description="Value on the whole population")
    max_gap: float | None = Field(default=None, ge=0, description="Largest gap accepted")
    dataset: str | None = None


class HumanOversight(Document):
    """AI Act Art. 14 measures."""

    override: str | None = Field(default=None, description="Who can override or reverse an output")
    stop_procedure: str | None = Field(default=None, description="How to stop the system")
    monitoring: str | None = Field(default=None, description="How operators monitor operation")
    operators: list[str] = []
    training: str | None = Field(default=None, description="Competence and training of operators")
    automation_bias_measures: str | None = None


class RobustnessTest(Document):
    """AI Act Art. 15: accuracy, robustness and cybersecurity testing."""

    name: NonEmptyStr
    kind: Literal["robustness", "adversarial", "cybersecurity", "stress", "accuracy"] = "robustness"
    result: NonEmptyStr
    passed: bool
    date: dt.date | None = None


class ModelCardMetadata(OpenDocument):
    """The YAML front matter of ``MODEL_CARD.md``."""

    # Hugging Face Hub keys (types as loose as the Hub accepts them).
    language: str | list[str] | None = None
    license: str | None = None
    library_name: str | None = None
    tags: list[str] | None = None
    datasets: str | list[str] | None = None
    metrics: str | list[str] | None = None
    pipeline_tag: str | None = None
    base_model: str | list[str] | None = None
    model_name: str | None = None
    model_index: list[ModelIndexEntry] | None = Field(default=None, alias="model-index")
    # Governance keys added by aigov.
    intended_use: str | None = None
    out_of_scope_use: str | list[str] | None = None
    limitations: str | list[str] | None = None
    fairness: list[FairnessSlice] | None = None
    human_oversight: HumanOversight | None = None
    robustness_tests: list[RobustnessTest] | None = None
    explainability: str | None = None
    energy_consumption: str | None = None


@dataclass(frozen=True)
class CardSection:
    title: str
    level: int
    line: int
    text: str

    @property
    def has_placeholder(self) -> bool:
        return PLACEHOLDER in self.text

    @property
    def is_empty(self) -> bool:
        # HTML comments are the Hub template's instructions, not content.
        return not without_html_comments(self.text).strip()


@dataclass(frozen=True)
class ModelCard:
    """A loaded model card: validated metadata, the raw front matter, sections by heading."""

    metadata: ModelCardMetadata
    raw_metadata: dict[str, Any]
    has_front_matter: bool
    body: str
    body_line: int
    sections: tuple[CardSection, ...] = field(default_factory=tuple)

    def section(self, title: str) -> CardSection | None:
        """The first section whose heading matches ``title`` (case-insensitive)."""
        return self._sections_by_heading.get(normalise_heading(title))

    @functools.cached_property
    def _sections_by_heading(self) -> dict[str, CardSection]:
        # Built once: findings look sections up one by one, and a card may have 500,000.
        index: dict[str, CardSection] = {}
        for section in self.sections:
            index.setdefault(normalise_heading(section.title), section)
        return index

    @functools.cached_property
    def placeholder_lines(self) -> list[int]:
        """Lines holding the placeholder, read once (each finding on it asks again)."""
        return [
            self.body_line + number
            for number, line in enumerate(self.body.split("\n"))
            if PLACEHOLDER in line
        ]


def normalise_heading(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def without_html_comments(text: str) -> str:
    """``text`` without its ``<!-- … -->`` comments (an unterminated one is kept as text).

    Same result as ``re.sub(r"<!--.*?-->", "", text, flags=re.S)`` in one pass: that pattern
    rescans to the end of the text from every unterminated ``<!--`` (quadratic in hostile cards).
    """
    kept: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no comment closes after this one, so none after it does either
        kept.append(text[position:start])
        position = end + 3
    kept.append(text[position:])
    return "".join(kept)


def parse_heading(line: str) -> tuple[int, str] | None:
    """``(level, title)`` of an ATX heading line (``## Title ##``), or None for any other line.

    Up to three spaces of indent, one to six ``#`` followed by whitespace; the title drops its
    surrounding whitespace and a closing run of ``#``. String methods keep this linear in the
    line: the former regex (``(.*?)\\s*#*\\s*$``) was cubic on a line of alternating ``#`` and
    spaces. ``line`` holds no newline (the body is split on them).
    """
    text = line.lstrip()
    return _heading(text) if len(line) - len(text) <= 3 else None


def _heading(text: str) -> tuple[int, str] | None:
    """:func:`parse_heading` of a line whose indent (three characters at most) is removed."""
    after_hashes = text.lstrip("#")
    level = len(text) - len(after_hashes)
    title = after_hashes.lstrip()
    if not 1 <= level <= 6 or len(title) == len(after_hashes):
        return None  # no '#', seven or more, or no whitespace after them (e.g. "#hashtag")
    return level, title.rstrip().rstrip("#").rstrip()


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``text`` into (front matter YAML or None, body, line where the body starts)."""
    if not text.startswith("---\n"):
        return None, text, 1
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.M)
    if end is None:
        return None, text, 1
    yaml_text = text[4 : 4 + end.start()]
    body_start = 4 + end.end()
    if body_start < len(text) and text[body_start] == "\n":
        body_start += 1
    body_line = text.count("\n", 0, body_start) + 1
    return yaml_text, text[body_start:], body_line


MAX_CARD_HEADINGS = 10_000
"""Headings a model card may have (the Hub's template has about 30): more is refused, since every
section is read by the rules and converted for them."""


def parse_sections(
    body: str, first_line: int, *, limit: int | None = None
) -> tuple[CardSection, ...]:
    """Split Markdown into sections at ATX headings, ignoring headings in fenced code.

    With ``limit``, reading stops at the heading after the ``limit``-th: that one is the last
    section returned, without its text (a caller refusing more than ``limit`` needs no more).
    """
    sections: list[CardSection] = []
    current: tuple[str, int, int] | None = None  # title, level, line of the open section
    lines = body.split("\n")
    content_from = 0  # index in ``lines`` of the open section's first line of text
    in_fence = False
    for number, line in enumerate(lines):
        text = line.lstrip()
        # Headings and fences start with one of these after an indent of three at most; one
        # test per line keeps a card of half a million lines quick to read.
        if text[:1] not in _MARKUP_STARTS or len(line) - len(text) > 3:
            continue
        if text.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        heading = None if in_fence else _heading(text)
        if heading is not None:
            if current is not None:
                section_text = "\n".join(lines[content_from:number]).strip()
                sections.append(CardSection(*current, section_text))
            current = (heading[1], heading[0], first_line + number)
            content_from = number + 1
            if limit is not None and len(sections) == limit:
                return (*sections, CardSection(*current, ""))
    if current is not None:
        sections.append(CardSection(*current, "\n".join(lines[content_from:]).strip()))
    return tuple(sections)


_MARKUP_STARTS = frozenset("#`~")
