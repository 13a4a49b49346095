"""Text from a repository as literal Markdown: the one escaping every Markdown output uses (the
PR/MR comment, the job summary, the generated documents, the data quality and portfolio reports).

Repository text is a claim written by whoever opened the pull request (DESIGN §8): it must not
close a table cell, open a link or an image, inject HTML, start a heading, a list or a quote, or
ping anyone. It is escaped only where Markdown would read it, so that the file stays readable
as written (``MODEL_CARD.md``, ``test_oot_auc``, ``(AI Act Annex IV)`` are left alone), and
e-mail addresses and URLs are shown as code spans, copy-pasteable exactly as written: no
invisible character is ever put inside them.

Text from the trusted policy packs (a rule's remediation) goes through :func:`trusted_inline`,
which renders its ```code``` spans as code and escapes the rest the same way.
"""

from __future__ import annotations

import re
from typing import Final

from aigov.documents.problems import INVISIBLE_FORMAT_CHARS

ZWJ: Final = "\u200d"
"""Put after an '@' or a '#' that would mention someone or reference an issue; never inside an
e-mail address or a URL (those are code spans)."""

# Controls, and bidi/invisible characters that could reorder or hide what a reviewer reads.
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE_FORMAT_CHARS}]")
# Characters Markdown reads wherever they are: code, emphasis and strikethrough, link and image
# brackets (with '[' and ']' escaped, '(' ')' and '!' mean nothing), table cells, GitHub's math.
_ALWAYS = re.compile(r"([`*~\[\]|$])")
# A backslash escapes only ASCII punctuation (and ends a line as a hard break).
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")
# '_' between two letters or digits never opens or closes emphasis (CommonMark's flanking rules).
_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# '&' only matters where it would start an entity ('&amp;', '&#64;') or a GitLab epic ('&12').
_AMPERSAND = re.compile(r"&(?=#|[A-Za-z0-9]+;|[0-9])")
# '@user', '@org/team': a zero-width joiner after '@' keeps the text and breaks the mention. Only
# an '@' after a non-word character (ASCII, as the forges' Ruby patterns read it) mentions anyone:
# 'bob@corp' is left as written.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")
# '#123', 'org/repo#123' (issues, PRs) and GitLab's '!123' (merge requests): the forge links them
# and posts a back-reference on that issue; a zero-width joiner breaks them.
_REFERENCE = re.compile(r"[#!](?=[0-9])")
_EPIC = re.compile(r"&amp;(?=[0-9])")
# Text a forge links by itself: GFM's extended autolinks (http(s)/ftp URLs, 'www.', e-mail
# addresses, 'mailto:'/'xmpp:') and GitLab's autolink filter (any 'scheme://'). Such a piece of
# repository text becomes an inline code span: neither GitHub nor GitLab links, mentions or
# references anything inside code, and the reader sees and copies it exactly as written. An
# entity in '://' would not do (GitHub's filters also read the decoded text), and a zero-width
# character inside an address would break it for whoever pastes it. The span stops at characters
# that could close it or matter around it (backtick, pipe, brackets, parentheses, quotes, < >).
_LINKABLE = re.compile(
    r"(?:[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\b(?:mailto|xmpp):)[^\s`|<>()\[\]\"']*"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)
# What only means something at the start of a line: headings, quotes, list items, thematic
# breaks and setext underlines ('>' is always an entity).
_LINE_START = re.compile(r"^(\s*)(#|[-+=]|\d+[.)](?=\s|$))")
_SAFE_URL = re.compile(r"^https?://[^\s<>()\[\]\"'`\\]+$")
# A code span in trusted text: a run of backticks, its content, the same run.
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def escape_inline(text: str, *, newline: str = " ", limit: int | None = None) -> str:
    """``text`` as literal Markdown on one line: newlines become ``newline`` (a space, or
    ``<br>`` in a table cell), what Markdown would read is escaped, ``<`` and ``>`` become
    entities,
    mentions and issue references are neutralised, addresses and URLs become code spans.
    ``limit`` cuts the text (before escaping) with ``…``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text).replace("\t", " ")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return newline.join(_escape_line(line) for line in text.split("\n"))


def escape_heading(text: str) -> str:
    """``text`` after a heading's ``#`` marks, on one line: escaped as inside a line, since no
    list, quote or heading starts there (``## 1. General`` keeps its number as written)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).replace("\t", " ")
    return " ".join(_escape_line(line, at_start=False) for line in text.split("\n"))


def escape_block(text: str) -> str:
    """Like :func:`escape_inline`, keeping line breaks as ``<br>`` (safe in lists and tables)."""
    return escape_inline(text, newline="<br>")


def trusted_inline(text: str, *, newline: str = " ") -> str:
    """Text of a trusted policy pack (a remediation): its ```code``` spans are rendered as code
    spans, everything else is escaped as :func:`escape_inline` escapes repository text (a value a
    rule interpolated in it is repository text)."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        parts: list[str] = []
        end = 0
        for span in _CODE_SPAN.finditer(line):
            piece = _escape_line(line[end : span.start()], at_start=not parts)
            parts += [piece, code_span(span.group(2).strip())]
            end = span.end()
        parts.append(_escape_line(line[end:], at_start=not parts))
        lines.append("".join(parts))
    return newline.join(lines)


def code_span(text: str) -> str:
    """``text`` as an inline code span that no backtick, pipe or newline in it can close (its
    whitespace runs become one space, as a code span shows them anyway)."""
    text = " ".join(text.split()).replace("|", "\\|")
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def safe_url(url: str) -> str | None:
    """``url`` when it is a plain http(s) URL that cannot break out of ``[text](url)``."""
    return url if _SAFE_URL.match(url) else None


def _escape_line(line: str, *, at_start: bool = True) -> str:
    """One line of text: linkable pieces as code spans, the rest escaped around them; ``at_start``
    when the piece begins a line (where headings, quotes and list markers are read)."""
    parts: list[str] = []
    end = 0
    for found in _LINKABLE.finditer(line):
        # Trailing punctuation ends a sentence, not the address (as GFM reads it too).
        linkable = found.group().rstrip(".,:;!?*_~")
        parts += [_escape_text(line[end : found.start()]), code_span(linkable)]
        end = found.start() + len(linkable)
    parts.append(_escape_text(line[end:]))
    joined = "".join(parts)
    return _LINE_START.sub(_escape_line_start, joined) if at_start else joined


def _escape_text(text: str) -> str:
    text = _BACKSLASH.sub(r"\\\\", text)
    text = _AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    # With '[' and ']' escaped no link can open; '](' is escaped all the same, so that no
    # reader (or filter) takes the text for a link's destination.
    text = _ALWAYS.sub(r"\\\1", text).replace("](", "]\\(")
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _MENTION.sub("@" + ZWJ, text)
    # '\#12' still shows '#12', which the forge links: the joiner goes after the '#' (and after
    # the '&' of a GitLab epic reference, '&12').
    text = _EPIC.sub("&amp;" + ZWJ, text)
    return _REFERENCE.sub(lambda m: "\\" + m.group() + ZWJ, text)


def _escape_line_start(found: re.Match[str]) -> str:
    indent, marker = found.group(1), found.group(2)
    if marker[0].isdigit():
        return indent + marker[:-1] + "\\" + marker[-1]
    return indent + "\\" + marker
