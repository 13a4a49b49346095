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

from pydantic import ConfigDict, Field, JsonValue

from aigov.documents import hub_card
from aigov.documents.problems import DocumentError, Location, Problem
from aigov.documents.safe_yaml import YamlDocument, format_path, parse_yaml
from aigov.documents.types import Document, NonEmptyStr, OpenDocument
from aigov.documents.validation import suggest_field, validate_document

PLACEHOLDER = "[More Information Needed]"


class CardDocument(OpenDocument):
    """Base of the card's Hub models: a key is read only under its own spelling, never under the
    Python name of a field whose key differs (``model_index`` is not ``model-index``)."""

    model_config = ConfigDict(
        extra="allow", frozen=True, validate_by_name=False, validate_by_alias=True, defer_build=True
    )


# The evaluation results hold what huggingface_hub's ``model_index_to_eval_results`` reads:
# identifiers as text (empty text included, as the Hub client keeps it), the value as written
# (a number, a text such as "-147.07 +/- 80.80", or null). ``hub_card`` drops what cannot be
# read, with a warning, before these models see it.
class EvalTask(CardDocument):
    type: str
    name: str | None = None


class EvalDataset(CardDocument):
    type: str
    name: str
    config: str | None = None
    split: str | None = None
    revision: str | None = None


class EvalMetric(CardDocument):
    type: str
    value: JsonValue = Field(description="The measured value: a number, a text, or null")
    name: str | None = None
    config: str | None = None
    verified: bool | None = None


class EvalResult(CardDocument):
    task: EvalTask
    dataset: EvalDataset
    metrics: list[EvalMetric]


class ModelIndexEntry(CardDocument):
    name: str | None
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


class ModelCardMetadata(CardDocument):
    """The YAML front matter of ``MODEL_CARD.md``."""

    # Hugging Face Hub keys: the Hub client checks none of their types; ``hub_card`` keeps
    # the text a rule can read (a text or a list of texts) and says what it drops.
    language: str | list[str] | None = None
    license: str | list[str] | None = None
    library_name: str | list[str] | None = None
    tags: list[str] | None = None
    datasets: str | list[str] | None = None
    metrics: str | list[str] | None = None
    pipeline_tag: str | list[str] | None = None
    base_model: str | list[str] | None = None
    model_name: str | list[str] | None = None
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


@dataclass(frozen=True)
class CardParts:
    """A card's text cut where the Hub client cuts it: the front matter (None when there is
    none), the line it starts on, the Markdown body and the line that starts on."""

    front_matter: str | None
    front_matter_line: int
    body: str
    body_line: int


def split_front_matter(text: str) -> CardParts:
    """Split ``text`` (LF line endings) where huggingface_hub's ``REGEX_YAML_BLOCK`` does:
    blank lines or spaces may precede the opening ``---``, the first ``---`` line after it
    closes the block (so a ``---`` line right after the opening one starts the YAML, as a
    document start marker, and is no empty front matter)."""
    found = hub_card.HUB_FRONT_MATTER.search(text)
    if found is None:
        return CardParts(None, 1, text, 1)
    return CardParts(
        found.group(2),
        text.count("\n", 0, found.start(2)) + 1,
        text[found.end() :],
        text.count("\n", 0, found.end()) + 1,
    )


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


def parse_model_card(text: str, shown_as: str) -> tuple[ModelCard, YamlDocument, list[Problem]]:
    """Parse a Hugging Face model card (LF-normalised text) as the Hub client reads it.

    A card the Hub client reads always loads: a missing or empty front matter, an unreadable
    part of the Hub's keys or of ``model-index`` are warnings that say what was left out; a
    front matter the client refuses (not YAML, not a mapping, a tab PyYAML refuses) and wrong
    governance keys are errors.
    """
    parts = split_front_matter(text)
    problems: list[Problem] = []
    document, raw = _front_matter(parts, shown_as, problems)
    metadata = _card_metadata(raw, document, problems)
    sections = parse_sections(parts.body, parts.body_line, limit=MAX_CARD_HEADINGS)
    if len(sections) > MAX_CARD_HEADINGS:
        problems.append(
            Problem(
                Location(shown_as, sections[-1].line, 1),
                "card.too-many-headings",
                f"the model card has more than {MAX_CARD_HEADINGS:,} headings",
                hint="A model card needs a few dozen sections: remove the generated ones.",
            )
        )
        sections = sections[:MAX_CARD_HEADINGS]
    card = ModelCard(
        metadata=metadata if metadata is not None else ModelCardMetadata(),
        raw_metadata=raw,
        has_front_matter=parts.front_matter is not None,
        body=parts.body,
        body_line=parts.body_line,
        sections=sections,
    )
    return card, document, problems


def _front_matter(
    parts: CardParts, shown_as: str, problems: list[Problem]
) -> tuple[YamlDocument, dict[str, Any]]:
    """The card's front matter parsed (its positions for locating problems) and its mapping;
    an empty mapping, with the reason in ``problems``, when there is none to read."""
    document = YamlDocument(shown_as, {}, {(): (1, 1)})
    if parts.front_matter is None:
        problems.append(
            Problem(
                Location(shown_as, 1, 1),
                "card.no-front-matter",
                "model card has no YAML front matter (the '---' block with license, model-index "
                "and the governance keys)",
                level="warning",
                hint="Start the file with a '---' line, the metadata, and another '---' line.",
            )
        )
        return document, {}
    offset = parts.front_matter_line - 1
    try:
        document = parse_yaml(parts.front_matter, shown_as, line_offset=offset)
    except DocumentError as exc:
        problems.append(exc.problem)
        return document, {}
    tab = hub_card.pyyaml_tab(parts.front_matter)
    if tab is not None:
        problems.append(
            Problem(
                Location(shown_as, tab[0] + offset, tab[1]),
                "yaml.tab",
                "tab character where the Hugging Face Hub client (PyYAML) refuses one: only "
                "quoted text, block scalars (| and >) and comments may hold tabs",
                hint="Replace the tab with spaces.",
            )
        )
        return document, {}
    problems.extend(_as_the_hub_reads(problem) for problem in document.problems)
    if isinstance(document.data, dict):
        return document, document.data
    if document.data is None:
        problems.append(
            Problem(
                Location(shown_as, max(offset, 1), 1),
                "card.empty-front-matter",
                "the front matter is empty: the card declares no metadata",
                level="warning",
                hint="Write the metadata (license, model-index, the governance keys) between "
                "the two '---' lines.",
            )
        )
    else:
        problems.append(
            Problem(document.locate(()), "yaml.not-mapping", "front matter is not a mapping")
        )
    return document, {}


def _as_the_hub_reads(problem: Problem) -> Problem:
    """A repeated key is a warning in a card: the Hub client (PyYAML) reads the last one, as
    aigov's loader keeps it."""
    if problem.code != "yaml.duplicate-key":
        return problem
    message = f"{problem.message}; the last one is read, as the Hub reads it"
    return Problem(problem.location, problem.code, message, problem.field, "warning", problem.hint)


_ALIASED = {
    name: info.alias
    for name, info in ModelCardMetadata.model_fields.items()
    if info.alias is not None and info.alias != name
}


def _card_metadata(
    raw: dict[str, Any], document: YamlDocument, problems: list[Problem]
) -> ModelCardMetadata | None:
    """The front matter read as the Hub client reads it (``hub_card``), then validated: the
    governance keys' mistakes are errors; unknown keys close to a known one are warnings that
    name it."""
    data, found = hub_card.read_aliased_spellings(raw, _ALIASED, document)
    problems.extend(found)
    data, found = hub_card.read_hub_keys(data, document)
    problems.extend(found)
    if hub_card.MODEL_INDEX in data:
        entries, found = hub_card.read_model_index(data.pop(hub_card.MODEL_INDEX), document)
        problems.extend(found)
        if entries is not None:
            data[hub_card.MODEL_INDEX] = entries
    metadata_doc = YamlDocument(document.file, data, document.positions, document.line_offset)
    metadata, errors = validate_document(ModelCardMetadata, metadata_doc)
    problems.extend(errors)
    extra_keys = (metadata.model_extra or {}) if metadata is not None else {}
    for key in extra_keys:
        close = suggest_field(ModelCardMetadata, (key,))
        if close:
            problems.append(
                Problem(
                    document.locate((key,)),
                    "card.unknown-field",
                    f"unknown field '{key}'",
                    field=format_path((key,)),
                    level="warning",
                    hint=f"did you mean '{close[0]}'?",
                )
            )
    return metadata
