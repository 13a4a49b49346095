"""Injection payloads shared by every output's tests: text a pull request can put in a repository.

Each payload targets one output's syntax; every output must render all of them inertly. The
tests that use this list assert the *effect* (no tag, no link, no mention, no broken row, no
second workflow command, no template evaluated, no terminal escape), parsing the output back
where a parser exists.
"""

from __future__ import annotations

import re
from typing import Final

PAYLOADS: Final[dict[str, str]] = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '"><img src=x onerror=alert(1)>',
    "attribute-break": "' onmouseover='alert(1)",
    "javascript-link": "[click](javascript:alert(1))",
    "javascript-autolink": "<javascript:alert(1)>",
    "image": "![x](https://evil.example/t.png)",
    "mention-team": "@evil-org/admins",
    "mention-user": "@octocat",
    "issue-reference": "#123 and org/repo#456 and !78",
    "table-break": "cell | injected | row\n| new | row |",
    "heading": "\n# Injected heading\n> quote",
    "backticks": "`code` ``` fence\n```\n~~~",
    "marker-spoof": "<!-- aigov-report sha=0123456 -->",
    "html-comment": "<!-- hidden",
    "cdata-end": "]]> <![CDATA[ x ]]>",
    "xml-controls": "nul\x00 bell\x07 vt\x0b ff\x0c esc\x1b",
    "workflow-command": "::error file=x::owned%0A::set-output name=a::b",
    "workflow-escapes": "100% done,col: 1\r\n::warning::second",
    "jinja-expression": "{{ 'ZQ' * 3 }} {{ 7*7 }}",
    "jinja-statement": "{% for i in range(3) %}J1NJA{% endfor %}",
    "jinja-object": "{{ self.__init__.__globals__ }}",
    "ansi": "\x1b[31mred\x1b[0m \x1b]0;title\x07 \x1b[2J",
    "bidi": "safe\u202etxt.exe\u202c \u2066isolate\u2069 \u200fmark",
    "zero-width": "zero\u200bwidth\u200djoin\ufeffbom\u2060",
    "crlf": "line one\r\nline two\rline three",
    # A CI runner's own syntax: GitHub workflow commands (new and legacy), GitLab log sections.
    "stop-commands": "::stop-commands::pwn3d",
    "add-mask": "  ::add-mask::hunter2",
    "set-output-line": "ok\n::set-output name=verdict::pass",
    "legacy-command": "x ##[error]legacy ##[set-output name=a;]b",
    "cr-command": "ok\r::error::after a carriage return",
    "gitlab-section": "\x1b[0Ksection_start:1700000000:evil[collapsed=true]\r\x1b[0KHidden",
    # Text a forge would link by itself.
    "bare-url": "see https://evil.example/x and www.evil.example/y",
    "mailto": "write to mailto:x@evil.example",
}

HOSTILE_TEXT: Final = " ".join(PAYLOADS.values())
"""Every payload in one string (for a field that takes free text)."""

JINJA_RESULTS: Final = ("ZQZQZQ", "J1NJAJ1NJA")
"""What the jinja payloads become if a template engine ever evaluates repository text."""

MENTIONS: Final = ("@evil-org/admins", "@octocat")

KEPT: Final = ("dpo@example.com", "https://docs.example.org/rules?a=1&b=2")
"""An e-mail address and a URL a repository legitimately writes: every output shows them as
written (copy-pasteable: no zero-width character, no entity), yet never as a link."""

# Control, bidi and invisible characters no terminal or log output may carry raw.
UNPRINTABLE: Final = frozenset(
    [chr(c) for c in range(0x20) if c not in (0x09, 0x0A)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u061c", *map(chr, range(0x200B, 0x2010)), *map(chr, range(0x202A, 0x202F))]
    + [*map(chr, range(0x2060, 0x206A)), "\ufeff"]
)


def unprintable_in(text: str) -> set[str]:
    """The characters of ``text`` a terminal or log would interpret or hide."""
    return {c for c in text if c in UNPRINTABLE}


# --- how CI runners read a log -------------------------------------------------------------------

_RUNNER_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def github_commands(log: str) -> list[str]:
    """Every line of ``log`` GitHub's runner would take for a workflow command.

    As actions/runner reads a step's output (``ActionCommand.TryParseV2`` then ``TryParse``): lines
    end at LF, CR or CRLF; a line is a command when, after leading whitespace, it starts with
    ``::NAME`` and holds a second ``::``, or when it holds ``##[NAME`` followed by ``]``. Any name
    counts (``::stop-commands::TOKEN`` makes TOKEN a command name).
    """
    found = []
    for line in _RUNNER_LINE_BREAK.split(log):
        stripped = line.lstrip()
        if stripped.startswith("::") and stripped.find("::", 2) > 2:
            found.append(line)
            continue
        start = line.find("##[")
        if start >= 0 and line.find("]", start) > start + 3:
            found.append(line)
    return found


_GITLAB_SECTION = re.compile(r"section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]]*\])?\r\x1b\[0K")


def gitlab_markup(log: str) -> list[str]:
    """What GitLab's job log would interpret in ``log``: section markers and ANSI escapes (ESC),
    and a carriage return outside a CRLF (it rewrites the line shown)."""
    markup = _GITLAB_SECTION.findall(log)
    markup += ["ESC"] * log.count("\x1b")
    markup += ["CR"] * len(re.findall(r"\r(?!\n)", log))
    return markup


# Text GitHub (GFM extended autolinks) or GitLab (its autolink filter: any scheme://) links by
# itself when it stands outside code and links.
AUTOLINKABLE = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\b(?:mailto|xmpp):"
    r"|[A-Za-z0-9._+-]+@[A-Za-z0-9_-]+\.[A-Za-z0-9_-]"
)
