"""Loading the CEL library (``common-expression-language``): its native extension, once.

The only module that imports the library; the rest of :mod:`aigov.policy.cel` reaches it through
:func:`library`.
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import importlib.util
import sys
from types import ModuleType


@functools.cache
def library() -> ModuleType:
    """The CEL native extension, loaded on first use.

    ``import cel`` costs ~120 ms because the package ``__init__`` also imports its interactive CLI
    (typer, rich, prompt_toolkit), while the Rust extension it re-exports loads in ~5 ms. So we
    locate ``cel/cel.<platform>.so`` with the import system's own finder (same suffixes and rules
    as a normal import) without running ``cel/__init__.py``, and fall back to ``import cel`` if
    the package layout ever changes.
    """
    module = sys.modules.get("cel.cel") or _load_native_extension()
    if module is None:
        module = importlib.import_module("cel")
    import logging  # only needed here, and only once

    # The Rust side logs every failing Python callback (e.g. date("garbage")) at WARNING on the
    # "cel" logger; we turn those failures into ExpressionError, so the log line would only be
    # noise on stderr (logging's last-resort handler) in a library that must never print.
    cel_logger = logging.getLogger("cel")
    cel_logger.addHandler(logging.NullHandler())
    cel_logger.propagate = False
    return module


def _load_native_extension() -> ModuleType | None:
    try:
        package = importlib.util.find_spec("cel")  # locates the package, does not execute it
        if package is None or not package.submodule_search_locations:
            return None
        for location in package.submodule_search_locations:
            finder = importlib.machinery.FileFinder(
                location,
                (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
            )
            spec = finder.find_spec("cel.cel")
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            if not all(hasattr(module, name) for name in ("compile", "Context", "Program")):
                return None
            # Registered under its real name so that a later ``import cel`` (its __init__ does
            # ``from .cel import *``) reuses it: PyO3 extensions cannot be initialised twice.
            sys.modules["cel.cel"] = module
            return module
    except (ImportError, OSError):
        return None
    return None
