"""Long lines of text output wrapped for a reader, never cut.

A message is printed whole: a schema error's reason is often at its end. Lines longer than
``TEXT_WIDTH`` break between words (a path or URL is never split, so it stays copyable), and
every continuation line is indented, so repository text cannot start a line of its own that
would pass for aigov's (a forged ``file:1:1: error``). Machine formats (JSON, SARIF) keep the
message on one line, as written.
"""

from __future__ import annotations

import textwrap
from typing import Final

TEXT_WIDTH: Final = 100
"""Columns of text output: fixed rather than the terminal's, so a CI log, a pipe and a terminal
get the same bytes."""


def wrapped(line: str, *, indent: str = "", continuation: str = "    ") -> str:
    """``line`` (one line, ``indent`` in front) broken into lines of at most ``TEXT_WIDTH``
    columns where it has spaces, continuation lines starting with ``continuation``."""
    if len(indent) + len(line) <= TEXT_WIDTH:
        return indent + line
    wrapper = textwrap.TextWrapper(
        width=TEXT_WIDTH,
        initial_indent=indent,
        subsequent_indent=continuation,
        break_long_words=False,
        break_on_hyphens=False,
        expand_tabs=False,
        replace_whitespace=False,
    )
    return "\n".join(wrapper.wrap(line)) or indent
