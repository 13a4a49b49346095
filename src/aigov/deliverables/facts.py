"""How a deliverable writes what it reads: the :class:`Writer` (language, numbers) and the tables
of facts every deliverable is made of.

A fact table is data: rows of ``(label, field, formatter)``. :func:`facts` and :func:`table` are
the one reader: they read each field from its subject with :func:`read` (a dotted path, or a
function when the value is composed), and the formatter turns the value into a cell — text, or a
:class:`~aigov.deliverables.document.Gap` naming the field the files do not give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import aigov.deliverables.labels as labels
from aigov.deliverables.document import Block, Cell, Facts, Gap, Paragraph, Table
from aigov.documents.manifest import MANIFEST_FILE
from aigov.i18n import Translator, number, translator


@dataclass(frozen=True)
class Writer:
    """Language-dependent writing: translated labels, numbers, yes/no, codes and durations in
    words, gaps."""

    lang: str = "en"
    tr: Translator = field(default_factory=lambda: translator("en"))

    @classmethod
    def for_language(cls, lang: str) -> Writer:
        return cls(lang, translator(lang))

    def num(self, value: float | int | None, unit: str | None = None) -> str:
        text = number(value, self.lang)
        return f"{text} {unit}" if unit and text else text

    def yes_no(self, value: bool | None) -> str:
        return "" if value is None else self.tr("yes") if value else self.tr("no")

    def label(self, value: str) -> str:
        """A vocabulary code (``lower_is_better``, ``business_owner``…) in words."""
        return labels.label(value, self.lang)

    def duration(self, value: str) -> str:
        """An ISO 8601 duration (``P5Y``) in words; other text as written."""
        return labels.duration(value, self.tr, self.lang)

    def value(self, value: Any, path: str, where: str = MANIFEST_FILE) -> Cell:
        """``value`` as text, or a missing-field gap for ``path`` when it is None or empty."""
        if value is None or value == "" or value == [] or value == ():
            return Gap(path, where)
        if isinstance(value, bool):
            return self.yes_no(value)
        if isinstance(value, int | float):
            return self.num(value)
        if isinstance(value, list | tuple):
            # Sentences read one after the other; short items are separated by semicolons.
            sentences = all(str(v).rstrip().endswith((".", "!", "?")) for v in value)
            return (" " if sentences else "; ").join(str(v).strip() for v in value)
        # Duration fields (retention, SLA times) are the only text that is a whole ISO duration.
        return self.duration(value) if isinstance(value, str) else str(value)


def read(subject: Any, path: str, default: Any = None) -> Any:
    """The value at dotted ``path`` in ``subject``, or ``default`` when a step is absent.

    The one place a deliverable reads a field by name: mappings (the evidence's plain form,
    ODCS contracts) by key, models by attribute — so evidence read today as plain data reads the
    same once it is a typed model. A model attribute that does not exist is an error, not a gap.
    """
    value = subject
    for key in path.split("."):
        if value is None:
            return default
        value = value.get(key, default) if isinstance(value, Mapping) else getattr(value, key)
    return value


@dataclass(frozen=True)
class At:
    """Where a value was read — the field path and file a gap names — and the writer."""

    w: Writer
    path: str
    file: str = MANIFEST_FILE

    def gap(self) -> Gap:
        return Gap(self.path, self.file)


Formatter = Callable[[Any, At], Cell]
Field = str | Callable[[Any], Any]


class Fact(NamedTuple):
    """One row of a fact table (or one column of a table): label, field, formatter.

    ``field`` is a dotted path under the table's subject, or a function of the subject when the
    value is composed; ``path`` is the field a gap then names (default: ``field`` itself), in
    ``file`` (default: the table's).
    """

    label: str
    field: Field
    format: Formatter
    path: str = ""
    file: str = ""


def constant(value: Any) -> Callable[[Any], Any]:
    """A field that is ``value`` whatever the subject (known before the table is read)."""
    return lambda _: value


def _cell(fact: Fact, subject: Any, w: Writer, under: str, file: str) -> Cell:
    relative = fact.path or (fact.field if isinstance(fact.field, str) else "")
    path = f"{under}.{relative}" if under and relative else under or relative
    value = read(subject, fact.field) if isinstance(fact.field, str) else fact.field(subject)
    return fact.format(value, At(w, path, fact.file or file))


def facts(
    w: Writer, subject: Any, rows: Iterable[Fact], *, under: str = "", file: str = MANIFEST_FILE
) -> Facts:
    """The label/value rows of ``subject``; gaps name ``under.<field>`` in ``file``."""
    return Facts(tuple((row.label, _cell(row, subject, w, under, file)) for row in rows))


def table(
    w: Writer,
    items: Iterable[Any],
    columns: Sequence[Fact],
    *,
    under: Callable[[int], str] | str = "",
    file: str = MANIFEST_FILE,
) -> Table:
    """One row per item, one column per fact; ``under(i)`` prefixes the i-th item's gap paths."""
    return Table(
        tuple(column.label for column in columns),
        tuple(
            tuple(
                _cell(column, item, w, under(i) if callable(under) else under, file)
                for column in columns
            )
            for i, item in enumerate(items)
        ),
    )


def facts_or_gap(
    w: Writer, subject: Any, rows: Iterable[Fact], *, under: str, file: str = MANIFEST_FILE
) -> Block:
    """The facts of ``subject``, or the gap of the whole part ``under`` when it is absent."""
    if not subject:
        return Paragraph(Gap(under, file))
    return facts(w, subject, rows, under=under, file=file)


def table_or_gap(
    w: Writer,
    items: Sequence[Any],
    columns: Sequence[Fact],
    *,
    missing: str,
    under: Callable[[int], str] | str = "",
    file: str = MANIFEST_FILE,
) -> Block:
    """The table of ``items``, or the gap of the list ``missing`` when it is empty."""
    if not items:
        return Paragraph(Gap(missing, file))
    return table(w, items, columns, under=under, file=file)


# --- Formatters: (value, where it was read) -> cell ------------------------------------------


def text(value: Any, at: At) -> Cell:
    """The value as it is written ("—" when there is none: never a printed ``None``)."""
    return "—" if value is None else str(value)


def text_or_dash(value: Any, at: At) -> Cell:
    return str(value or "—")


def given(value: Any, at: At) -> Cell:
    """The value as text, or a gap when the files do not give it."""
    return at.w.value(value, at.path, at.file)


def term(value: Any, at: At) -> Cell:
    """A term of the vocabulary (stage, role, category…) in words, or several; a gap when
    absent."""
    if value is None or value == []:
        return at.gap()
    return "; ".join(at.w.label(v) for v in text_list(value))


def term_text(value: Any, at: At) -> Cell:
    """Evidence's term in words ("—" when the evidence has none)."""
    return "—" if value is None else at.w.label(str(value))


def period(value: Any, at: At) -> Cell:
    """An ISO 8601 duration in words; a gap when absent."""
    return at.gap() if value is None else at.w.duration(str(value))


def num(value: Any, at: At) -> Cell:
    return at.w.num(value)


def num_or_dash(value: Any, at: At) -> Cell:
    return at.w.num(value) or "—"


def amount(value: tuple[float | int | None, str | None], at: At) -> Cell:
    """``(amount, unit)`` as a number with its unit."""
    return at.w.num(*value)


def yes_no(value: Any, at: At) -> Cell:
    return at.w.yes_no(value)


def iso_date(value: Any, at: At) -> Cell:
    return value.isoformat() if value else "—"


def amount_or_gap(value: tuple[float | int | None, str | None], at: At) -> Cell:
    """``(amount, unit)`` as a number with its unit, or a gap when there is no amount."""
    return at.gap() if value[0] is None else at.w.num(*value)


def missing(value: Any, at: At) -> Cell:
    """The gap of a field the files do not give."""
    return at.gap()


def cell(value: Cell, at: At) -> Cell:
    """A value the field function already wrote (text or gap)."""
    return value


def or_gap(value: Any, at: At) -> Cell:
    """A text the field function composed, or a gap when it could not (None)."""
    return at.gap() if value is None else str(value)


def doc_ref(reference: Any, at: At) -> Cell:
    """A ``DocumentReference`` (status, reference, date) on one line, or a gap."""
    if reference is None:
        return at.gap()
    parts = [at.w.label(reference.status)]
    if reference.reference:
        parts.append(str(reference.reference))
    if reference.date:
        parts.append(reference.date.isoformat())
    return " — ".join(parts)


def status_ref(reference: Any, at: At) -> Cell:
    """A status with its reference (a DPIA), or a gap."""
    if reference is None:
        return at.gap()
    return " — ".join(
        [at.w.label(reference.status), *([reference.reference] if reference.reference else [])]
    )


def unavailable(reason: str) -> Gap:
    """Evidence that could not be used, and why."""
    return Gap(reason, "", kind="unavailable")


def sign(direction: str) -> str:
    return "≥" if direction == "higher_is_better" else "≤"


def text_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]
