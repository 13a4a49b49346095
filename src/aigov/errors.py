"""The one error path: every error aigov expects ends a command with a clear message and an exit
code, never a traceback.

Every exception aigov raises on purpose derives from :class:`AigovError`, which carries the exit
code the command line returns and, when known, where the problem is (``file:line:column``).
``aigov.cli.main`` handles it once; any other exception is a bug, reported in one line with a
hint (the traceback under ``AIGOV_DEBUG=1``).
"""

from __future__ import annotations

EXIT_PASS = 0
EXIT_BLOCKED = 1
EXIT_USAGE = 2
"""Usage or input error; also an unexpected exception (a bug of aigov): no verdict was reached,
and scripts and CI templates rely on 0, 1 and 2 only."""


class AigovError(Exception):
    """An error aigov expects: a message for the user, an exit code, and where it is.

    ``location`` (``file``, ``file:line`` or ``file:line:column``) is printed before the
    message when the error comes from one place of one file.
    """

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str = "", *, location: str | None = None) -> None:
        super().__init__(message)
        self.location = location

    def user_message(self) -> str:
        """The line(s) the command line prints: ``location: message``."""
        text = str(self)
        return f"{self.location}: {text}" if self.location else text


class UsageError(AigovError):
    """The command was called wrongly or its input cannot be used (exit code 2)."""
