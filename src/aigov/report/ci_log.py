"""What a CI runner reads from aigov: every line of its standard output and standard error.

A runner interprets some lines of a step's output instead of only showing them:

- GitHub Actions splits the output at LF, CR or CRLF and takes a line as a workflow command when,
  after leading whitespace, it starts with ``::`` (``ActionCommand.TryParseV2`` in
  actions/runner), or when it holds ``##[`` anywhere (the legacy ``TryParse``):
  ``::stop-commands::``, ``::add-mask::``, ``::set-output``, ``::error``…
- GitLab's job log takes ``section_start:…``/``section_end:…`` markers (closed by CR and
  ``ESC[0K``) and ANSI escape sequences.

Repository text reaches many lines aigov prints (a path at the start of an error line, a waiver
reason continued on the next line of the text report, a key quoted in a validation problem).
Rather than trusting every writer, the command line writes both streams through
:class:`RunnerSafeStream` (:func:`guarded_standard_streams`): a line can start a command only
when aigov built it as one (:class:`WorkflowCommands`, the ``-f github`` output, whose values are
escaped by the toolkit's rules). Everything it changes is written as a ``\\uNNNN`` escape, which
reads the same in a text line and decodes back to the original character inside a JSON string
(``aigov check -f json`` on standard output stays valid, equal JSON).
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import TextIO

# C0 controls but tab and LF, DEL and C1 controls: CR ends a runner's line, ESC starts ANSI
# sequences and GitLab's section markers. A CR just before LF (a CRLF line end) is kept.
_CONTROL = re.compile("[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]")
# '##[' anywhere: the legacy command syntax; its bracket is escaped.
_LEGACY_COMMAND = re.compile(r"(?<=##)\[")
# '::' after optional whitespace at a line's start (str.isspace covers .NET's TrimStart set).
_COMMAND_START = re.compile(r"\A(\s*):(?=:)")
# The same at the end of a line not finished yet: its next write could complete the '::'.
_PARTIAL_COMMAND_START = re.compile(r"\A(\s*):(?=:|\Z)")


class WorkflowCommands(str):
    """Lines aigov built as GitHub workflow commands, every value escaped
    (:func:`aigov.report.github.command`): the only text :class:`RunnerSafeStream` lets start a
    line with ``::``. Text that loses this type (concatenated, formatted) is guarded like any
    other, so a mistake silences an annotation rather than letting repository text through."""


def unicode_escape(character: str) -> str:
    """``character`` as ``\\uNNNN``: visible in a log line and decoded back by a JSON reader."""
    return f"\\u{ord(character):04x}"


def neutralise(line: str, *, line_start: bool, before: str = "", complete: bool = True) -> str:
    """``line`` (without its LF) as it may reach a runner.

    ``line_start``: no text but whitespace precedes it on its line; ``before``: the last
    characters already written on the line (a ``##`` there and a ``[`` here still make
    ``##[``); ``complete``: the line ends here (else a final ``:`` may be half of a ``::``).
    """
    crlf = complete and line.endswith("\r")
    body = line[:-1] if crlf else line
    body = _CONTROL.sub(lambda found: unicode_escape(found.group()), body)
    body = _LEGACY_COMMAND.sub(lambda _: unicode_escape("["), before[-2:] + body)[
        len(before[-2:]) :
    ]
    if line_start:
        start = _COMMAND_START if complete else _PARTIAL_COMMAND_START
        body = start.sub(lambda found: found.group(1) + unicode_escape(":"), body)
    return body + ("\r" if crlf else "")


def runner_safe(text: str) -> str:
    """``text`` with every line neutralised (:func:`neutralise`): a report aigov writes, to
    standard output or to a file a later step may print, holds no command for a runner."""
    *lines, last = text.split("\n")
    # The last piece has no LF after it: a CR there ends nothing, and it is escaped.
    out = [neutralise(line, line_start=True) for line in lines]
    return "\n".join([*out, neutralise(last, line_start=True, complete=False)])


class RunnerSafeStream(io.TextIOBase):
    """A text stream that writes to ``stream`` only lines a runner cannot take for a command
    or a log section aigov did not write (see the module's rules).

    Whole lines are judged: an unfinished line waits for its end, or for :meth:`flush` (a
    prompt), after which the rest of that line is judged with what was written before it.
    """

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self._pending = ""
        self._written = ""
        """What :meth:`flush` already wrote of the current line."""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.stream, "encoding", "utf-8"))

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.stream, "errors", None)

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if isinstance(text, WorkflowCommands):
            self.flush()
            self.stream.write(text)
            self._written = text.rpartition("\n")[2]
            return len(text)
        self._pending += text
        if "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self._write_lines(lines.split("\n"))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            # \r at the very end may be the first half of a CRLF: judged as a control here.
            fragment = neutralise(
                self._pending,
                line_start=not self._written.strip(),
                before=self._written,
                complete=False,
            )
            self.stream.write(fragment)
            self._written += fragment
            self._pending = ""
        self.stream.flush()

    def _write_lines(self, lines: list[str]) -> None:
        out = []
        for line in lines:
            out.append(neutralise(line, line_start=not self._written.strip(), before=self._written))
            self._written = ""
        self.stream.write("\n".join(out) + "\n")


def reaches_a_runner(stream: TextIO) -> bool:
    """False only for a person's terminal outside CI (a runner reads a pipe or a file; there,
    aigov's progress bar may redraw its line with CR and ESC)."""
    interactive = bool(getattr(stream, "isatty", lambda: False)())
    return not interactive or os.environ.get("CI", "").lower() in ("true", "1", "yes")


def error_line(message: str) -> str:
    """``aigov: error: MESSAGE`` for standard error, control and invisible characters shown as
    escapes and every line after the first indented (aigov's own lists of problems already
    are): a newline in repository text quoted by the message cannot start a line at the left
    margin (a forged verdict such as ``aigov: PASSED``)."""
    from aigov.documents.problems import escape_controls

    lines = escape_controls(message.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    rest = (line if line[:1].isspace() else f"  {line}" for line in lines[1:])
    return "\n".join([f"aigov: error: {lines[0]}", *rest])


def print_exception(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    """``sys.excepthook`` of the command line: a crash's traceback, printed once the guarded
    streams are put back, may quote repository text too (an exception's message)."""
    import traceback as tracebacks

    guard = RunnerSafeStream(sys.stderr)
    tracebacks.print_exception(kind, value, traceback, file=guard)
    guard.flush()


@contextmanager
def guarded_standard_streams() -> Iterator[None]:
    """While the block runs, ``sys.stdout`` and ``sys.stderr`` are :class:`RunnerSafeStream`\\ s
    (when a runner may read them); both are flushed and put back afterwards."""
    saved = sys.stdout, sys.stderr
    guards = [RunnerSafeStream(s) if reaches_a_runner(s) else None for s in saved]
    sys.stdout = guards[0] or saved[0]
    sys.stderr = guards[1] or saved[1]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
        for guard in guards:
            if guard is not None:
                # The reader may have gone away (aigov check | head) or closed the stream.
                with suppress(BrokenPipeError, ValueError):
                    guard.flush()
