"""The shape every generated document has, whatever its format: sections of facts, tables, text.

Each deliverable's module (``build``) fills it from the repository's files and evidence;
renderers (:mod:`aigov.deliverables.render`) turn it into Markdown or HTML. A value the files do not
give is a :class:`Gap` — rendered as "Missing: <field> in <file>" or "Not available: <reason>" —
never a guess, so a reader sees what documentation is still to be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

GapKind = Literal["missing", "unavailable"]


@dataclass(frozen=True)
class Gap:
    """Information the repository does not give: a missing field or unavailable evidence."""

    what: str
    """The field path (``framing.budget``) or, for unavailable evidence, the reason."""
    where: str = "aigov.yaml"
    """The file that should hold it; empty when no file could (unavailable evidence…)."""
    kind: GapKind = "missing"


Cell = str | Gap


@dataclass(frozen=True)
class Facts:
    """Label/value rows."""

    rows: tuple[tuple[str, Cell], ...]
    kind: str = "facts"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kind: str = "table"


@dataclass(frozen=True)
class Paragraph:
    text: Cell
    emphasis: bool = False
    kind: str = "paragraph"


@dataclass(frozen=True)
class Bullets:
    items: tuple[Cell, ...]
    kind: str = "bullets"


Block = Facts | Table | Paragraph | Bullets


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Deliverable:
    """One generated document."""

    slug: str
    """File name without extension, e.g. ``framing-sheet``."""
    title: str
    project: str
    sections: tuple[Section, ...]
    intro: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)
    """The files and evidence it was generated from."""

    @property
    def missing(self) -> int:
        """How many items the files still have to give."""
        return sum(gap.kind == "missing" for gap in self.gaps)

    @property
    def unavailable(self) -> int:
        """How many items wait on evidence that could not be read."""
        return sum(gap.kind == "unavailable" for gap in self.gaps)

    @property
    def gaps(self) -> list[Gap]:
        """Every gap in the document, in reading order."""
        found: list[Gap] = []
        for section in self.sections:
            for block in section.blocks:
                found.extend(cell for cell in _cells(block) if isinstance(cell, Gap))
        return found


def _cells(block: Block) -> list[Cell]:
    if isinstance(block, Facts):
        return [value for _, value in block.rows]
    if isinstance(block, Table):
        return [cell for row in block.rows for cell in row]
    if isinstance(block, Paragraph):
        return [block.text]
    return list(block.items)
