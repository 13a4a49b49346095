"""Files shipped with aigov: found in a source checkout or inside the installed wheel.

The wheel force-includes the repository's top-level ``policies/`` (and ``schemas/``) as
``aigov/_builtin/<name>`` (see ``pyproject.toml``); a checkout or an editable install reads them
from the repository root. Nothing is read at import time.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def builtin_resource(name: str) -> Path:
    """The folder of a shipped resource (``policies``, ``schemas``); raises FileNotFoundError."""
    for candidate in (_PACKAGE / "_builtin" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"aigov's built-in '{name}' folder is missing from this installation")


def builtin_policies() -> Path:
    """The folder holding the built-in policy packs."""
    return builtin_resource("policies")
