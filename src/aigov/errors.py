"""Errors that end a command with a clear message and an exit code, never a traceback."""

from __future__ import annotations

EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """The command was called wrongly or its input cannot be used (exit code 2)."""

    exit_code = EXIT_USAGE
