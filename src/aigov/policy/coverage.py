"""The coverage matrix: article by article, which rules enforce a regulation, the facts they read,
and what cannot be judged from a repository's files (with what to do instead).

A regulation's scope is data, written beside its pack: ``policies/<pack>/coverage.yaml``
(``kind: CoverageScope``) lists every article (and, where they differ, paragraph) that can apply
to an organisation building or using an AI system. The rules come from the policy set evaluated:
a rule covers an article when one of its ``references`` cites it (``GDPR Art. 35(3)`` covers
``Art. 35`` and its paragraph ``3``). A row no rule covers must say why the files cannot carry
the fact (``outside_files``); a row with neither is a gap, reported as one, never hidden.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from aigov._resources import builtin_policies
from aigov.documents.files import decode_text
from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import parse_yaml
from aigov.documents.validation import validate_document
from aigov.errors import AigovError
from aigov.policy.pack import PolicyRule
from aigov.policy.paths import ROOTS
from aigov.policy.sources import PolicySet

COVERAGE_FILE = "coverage.yaml"
FACT_ROOTS = tuple(root for root in ROOTS if root not in ("today", "org"))
"""The roots whose paths are facts of the repository (not the date, not the org's choices)."""

_REFERENCE = re.compile(
    r"^(?P<law>.+?)\s+(?:(?:Art\.|Article)\s*(?P<article>\d+[a-z]?)(?P<paragraph>(?:\([0-9a-z]+\))*)"
    r"|Annex\s+(?P<annex>[IVXL]+)(?:\s+point\s+(?P<point>[0-9]+(?:\([a-z]\))?))?)",
)


class OutsideFiles(BaseModel):
    """Why a repository's files cannot show the fact, and the control that replaces a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    reason: str = Field(min_length=1, description="Why no rule can judge it from the files")
    instead: str = Field(min_length=1, description="What the organisation does instead")


class ScopeParagraph(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[0-9]+[a-z]?(\([0-9a-z]+\))*$|^point [0-9]+(\([a-z]\))?$",
                    description="'1', '3(b)', '1(a)'; for an annex: 'point 5(b)'")  # fmt: skip
    title: str | None = None
    outside_files: OutsideFiles | None = None


class ScopeArticle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(
        pattern=r"^(Art\. [0-9]+[a-z]?|Annex [IVXL]+)$", description="'Art. 35', 'Annex III'"
    )
    title: str = Field(min_length=1)
    paragraphs: list[ScopeParagraph] = Field(
        default=[], description="Paragraphs judged apart (each gets its own row)"
    )
    outside_files: OutsideFiles | None = Field(
        default=None,
        description="Why (part of) the article cannot be judged from the files; with rules too: "
        "what they leave out",
    )


class CoverageScope(BaseModel):
    """``policies/<pack>/coverage.yaml``: the articles of one regulation in scope."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    api_version: Literal["aigov/v1"] = Field(alias="apiVersion")
    kind: Literal["CoverageScope"]
    regulation: str = Field(min_length=1, description="As rules cite it: 'GDPR', 'EU AI Act'")
    title: str = Field(min_length=1)
    url: str | None = None
    articles: list[ScopeArticle] = Field(min_length=1)


@dataclass(frozen=True)
class Citation:
    """A reference parsed: ``EU AI Act Art. 6(3)`` -> (``EU AI Act``, ``Art. 6``, ``3``)."""

    regulation: str
    article: str
    paragraph: str | None

    @classmethod
    def parse(cls, reference: str) -> Citation | None:
        match = _REFERENCE.match(reference.strip())
        if match is None:
            return None
        if match["article"]:
            paragraph = match["paragraph"] or ""
            # "(1)(a)" -> "1(a)": the first level is the paragraph number.
            shown = re.sub(r"^\((\w+)\)", r"\1", paragraph) if paragraph else None
            return cls(match["law"], f"Art. {match['article']}", shown)
        point = f"point {match['point']}" if match["point"] else None
        return cls(match["law"], f"Annex {match['annex']}", point)

    def within(self, paragraph: str) -> bool:
        """Whether the citation concerns ``paragraph``: it cites it or a part of it (``3(b)``
        for ``3``), or a whole that holds it (``1`` for ``1(a)``: a rule on Art. 5(1) judges
        every practice of its points)."""
        cited = self.paragraph
        if cited is None:
            return False
        return (
            cited == paragraph
            or cited.startswith(paragraph + "(")
            or paragraph.startswith(cited + "(")
        )


@dataclass(frozen=True)
class CoverageRow:
    regulation: str
    article: str
    paragraph: str | None
    title: str
    rules: tuple[str, ...]
    facts: tuple[str, ...]
    outside_files: OutsideFiles | None
    paragraphs_enforced: bool = False
    """For an article judged paragraph by paragraph: whether a rule enforces one of them."""

    @property
    def status(self) -> Literal["enforced", "by paragraph", "outside files", "gap"]:
        if self.rules:
            return "enforced"
        if self.paragraphs_enforced:
            return "by paragraph"
        return "outside files" if self.outside_files is not None else "gap"

    @property
    def label(self) -> str:
        if self.paragraph is None:
            return self.article
        if self.paragraph.startswith("point"):
            return f"{self.article} {self.paragraph}"
        number, _, rest = self.paragraph.partition("(")  # "3(b)" -> Art. 6(3)(b)
        return f"{self.article}({number})" + (f"({rest}" if rest else "")


@dataclass(frozen=True)
class CoverageMatrix:
    scopes: tuple[CoverageScope, ...]
    rows: tuple[CoverageRow, ...]
    cited_outside: tuple[tuple[str, tuple[str, ...]], ...]
    """References to articles of a covered regulation that its scope does not list."""

    def articles(self, regulation: str | None = None) -> list[str]:
        return list(
            dict.fromkeys(
                f"{r.regulation} {r.article}"
                for r in self.rows
                if regulation is None or r.regulation == regulation
            )
        )

    def covered_articles(self, regulation: str | None = None) -> list[str]:
        """Articles at least one rule enforces (on the article or one of its paragraphs)."""
        return list(
            dict.fromkeys(
                f"{r.regulation} {r.article}"
                for r in self.rows
                if r.rules and (regulation is None or r.regulation == regulation)
            )
        )

    @property
    def gaps(self) -> list[CoverageRow]:
        return [row for row in self.rows if row.status == "gap"]

    def ratio(self, regulation: str | None = None) -> float:
        scope = self.articles(regulation)
        return len(self.covered_articles(regulation)) / len(scope) if scope else 0.0


class CoverageScopeError(AigovError):
    """A ``coverage.yaml`` that cannot be read; the message names file, line and field."""


def load_scopes(folder: Path | None = None) -> tuple[CoverageScope, ...]:
    """Every ``<pack>/coverage.yaml`` under ``folder`` (default: the built-in packs)."""
    root = folder if folder is not None else builtin_policies()
    scopes = []
    for path in sorted(root.glob(f"*/{COVERAGE_FILE}")):
        scopes.append(load_scope(path, shown=f"{path.parent.name}/{COVERAGE_FILE}"))
    return tuple(scopes)


def load_scope(path: Path, *, shown: str) -> CoverageScope:
    """One scope file; :class:`CoverageScopeError` with every problem, located."""
    try:
        document = parse_yaml(decode_text(path.read_bytes(), shown), shown)
    except DocumentError as exc:
        raise CoverageScopeError(exc.user_message()) from None
    scope, problems = validate_document(CoverageScope, document)
    problems = [*document.problems, *problems]
    if scope is None or problems:
        raise CoverageScopeError("\n".join(problem.wrapped() for problem in problems))
    return scope


def build_matrix(policy_set: PolicySet, scopes: Sequence[CoverageScope]) -> CoverageMatrix:
    """The rows of every scope, with the rules of ``policy_set`` that cite each."""
    cited: list[tuple[PolicyRule, Citation]] = [
        (rule, citation)
        for rule in policy_set.rules
        for reference in rule.rule.references
        if (citation := Citation.parse(reference)) is not None
    ]
    rows: list[CoverageRow] = []
    listed: set[tuple[str, str]] = set()
    for scope in scopes:
        for article in scope.articles:
            listed.add((scope.regulation, article.id))
            citing = [
                (rule, c)
                for rule, c in cited
                if c.regulation == scope.regulation and c.article == article.id
            ]
            judged_apart = [p.id for p in article.paragraphs]
            own = [
                rule
                for rule, c in citing
                if not any(c.within(p) for p in judged_apart)  # the article, or other paragraphs
            ]
            paragraph_rows = [
                _row(
                    scope,
                    article.id,
                    paragraph.id,
                    paragraph.title or article.title,
                    [rule for rule, c in citing if c.within(paragraph.id)],
                    paragraph.outside_files,
                )
                for paragraph in article.paragraphs
            ]
            row = _row(scope, article.id, None, article.title, own, article.outside_files)
            if any(p.rules for p in paragraph_rows):
                row = dataclasses.replace(row, paragraphs_enforced=True)
            rows += [row, *paragraph_rows]
    regulations = {scope.regulation for scope in scopes}
    outside: dict[str, list[str]] = {}
    for rule, c in cited:
        if c.regulation in regulations and (c.regulation, c.article) not in listed:
            outside.setdefault(f"{c.regulation} {c.article}", []).append(rule.rule.id)
    return CoverageMatrix(
        tuple(scopes),
        tuple(rows),
        tuple((key, tuple(dict.fromkeys(ids))) for key, ids in sorted(outside.items())),
    )


def _row(
    scope: CoverageScope,
    article: str,
    paragraph: str | None,
    title: str,
    rules: Iterable[PolicyRule],
    outside: OutsideFiles | None,
) -> CoverageRow:
    chosen = list({rule.rule.id: rule for rule in rules}.values())
    return CoverageRow(
        regulation=scope.regulation,
        article=article,
        paragraph=paragraph,
        title=title,
        rules=tuple(rule.rule.id for rule in chosen),
        facts=facts_read(chosen),
        outside_files=outside,
    )


def facts_read(rules: Iterable[PolicyRule]) -> tuple[str, ...]:
    """The repository facts the rules judge: the longest paths their expressions read."""
    from aigov.policy.cel import compile_expression

    paths: set[str] = set()
    for rule in rules:
        for source in (rule.rule.assert_, rule.rule.applies.when):
            if source is None:
                continue
            expression = compile_expression(source)
            for root in FACT_ROOTS:
                paths.update(expression.written_paths(root))
    longest = {
        path
        for path in paths
        if not any(other != path and other.startswith((path + ".", path + "[")) for other in paths)
    }
    return tuple(sorted(longest))


# --- rendering ---------------------------------------------------------------------------------


def render_markdown(matrix: CoverageMatrix, policy_set: PolicySet) -> str:
    """``docs/coverage.md``: a summary, then one table per regulation."""
    packs = ", ".join(f"{pack.name} {pack.version}" for pack in policy_set.packs)
    lines = [
        "# Regulatory coverage",
        "",
        "<!-- Generated by `aigov policy coverage --out docs/coverage.md`; do not edit by hand: "
        "edit policies/<pack>/coverage.yaml or the rules, then regenerate. -->",
        "",
        f"Packs: {packs}. Each article (or paragraph judged apart) of the scope lists the rules "
        "that enforce it and the facts they read, or why a repository's files cannot show the "
        "fact and what the organisation does instead (a process control, not a rule). A rule "
        "covers an article when its `references` cite it.",
        "",
        "| Regulation | Articles in scope | With a rule | Outside the files only | Gaps |",
        "|---|---:|---:|---:|---:|",
    ]
    for scope in matrix.scopes:
        articles = matrix.articles(scope.regulation)
        covered = matrix.covered_articles(scope.regulation)
        outside_only = {
            f"{r.regulation} {r.article}"
            for r in matrix.rows
            if r.regulation == scope.regulation
            and r.paragraph is None
            and r.status == "outside files"
        } - set(covered)
        gaps = [r for r in matrix.gaps if r.regulation == scope.regulation]
        lines.append(
            f"| {scope.title} | {len(articles)} | {len(covered)} "
            f"({matrix.ratio(scope.regulation):.0%}) | {len(outside_only)} | {len(gaps)} |"
        )
    for scope in matrix.scopes:
        lines += ["", f"## {scope.title}", ""]
        if scope.url:
            lines += [f"Text: <{scope.url}>", ""]
        lines += [
            "| Article | Subject | Enforced by | Facts read | Outside the files |",
            "|---|---|---|---|---|",
        ]
        for row in (r for r in matrix.rows if r.regulation == scope.regulation):
            rules = ", ".join(f"`{rule}`" for rule in row.rules) or {
                "by paragraph": "by paragraph, below",
                "outside files": "—",
                "gap": "**gap: no rule, no reason**",
            }.get(row.status, "—")
            facts = "<br>".join(f"`{fact}`" for fact in row.facts) or "—"
            outside = (
                f"{_cell(row.outside_files.reason)} *Instead:* {_cell(row.outside_files.instead)}"
                if row.outside_files
                else "—"
            )
            lines.append(f"| {row.label} | {_cell(row.title)} | {rules} | {facts} | {outside} |")
    if matrix.cited_outside:
        lines += [
            "",
            "## Cited outside the scope",
            "",
            "Articles rules cite (definitions, penalties that set a severity) that the scope does "
            "not list as obligations:",
            "",
        ]
        lines += [
            f"- {key}: {', '.join(f'`{i}`' for i in ids)}" for key, ids in matrix.cited_outside
        ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def matrix_plain(matrix: CoverageMatrix) -> dict[str, Any]:
    """The matrix as JSON data (``aigov policy coverage -f json``)."""
    return {
        "regulations": [
            {
                "regulation": scope.regulation,
                "title": scope.title,
                "articles": len(matrix.articles(scope.regulation)),
                "covered": len(matrix.covered_articles(scope.regulation)),
                "coverage": round(matrix.ratio(scope.regulation), 4),
            }
            for scope in matrix.scopes
        ],
        "rows": [
            {
                "regulation": row.regulation,
                "article": row.label,
                "title": row.title,
                "status": row.status,
                "rules": list(row.rules),
                "facts": list(row.facts),
                "outside_files": row.outside_files.model_dump() if row.outside_files else None,
            }
            for row in matrix.rows
        ],
        "gaps": [f"{row.regulation} {row.label}" for row in matrix.gaps],
    }
