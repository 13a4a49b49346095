"""The exceptions of the expression layer: all that ever comes out of it besides a value."""

from __future__ import annotations

from aigov.errors import AigovError


class ExpressionSyntaxError(AigovError):
    """An expression could not be compiled; ``line``/``column`` are 1-based, in the expression."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.args = (message, line, column)  # as before the common base: pickles and compares
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{self.message} (line {self.line}, column {self.column})"


class MissingField(Exception):
    """Evaluation touched a field, key or list index absent from the context.

    ``path`` is the dotted path as far as it can be known, e.g. ``model_card.human_oversight`` or
    ``manifest.approvals[0]``; inside a macro it names the offending element
    (``contracts[1].schema``). When the path cannot be traced, it is the absent key alone.

    An outcome of evaluation, not an error the user sees: the engine turns it into a failed or
    not applicable rule, so it does not derive from ``AigovError``.
    """

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"missing field: {self.path}"


class ExpressionError(AigovError):
    """Any other evaluation failure: type mismatch, no such overload, division by zero..."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def truncate(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters for an error message (library messages can be long)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
