"""The ``aigov`` command line: parses arguments, calls the library, maps errors to exit codes.

Each verb lives in ``aigov.commands.<verb>`` and is imported only when it runs, so that
``aigov validate`` never pays for the imports of ``aigov portfolio``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import types
from collections.abc import Sequence

from aigov import __version__
from aigov.errors import EXIT_USAGE, AigovError, UsageError
from aigov.report.ci_log import error_line, guarded_standard_streams, print_exception


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse exits with 2 too; this keeps the message format of every other input error.
        self.print_usage(sys.stderr)
        raise UsageError(f"{self.prog}: {message}")


DEBUG_VARIABLE = "AIGOV_DEBUG"
"""``AIGOV_DEBUG=1`` prints the traceback of an unexpected error (a bug of aigov)."""

# Verbs defined in ``aigov.commands.<verb>.add_parser``, in the order ``aigov --help`` lists them.
_VERBS = ("check", "gate", "policy", "explain", "data", "portfolio", "comment", "init", "docs")


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The ``aigov`` parser; with ``verb``, only that verb's sub-parser is built (what a run of
    ``aigov VERB ...`` parses with, sparing the import and set-up of every other verb)."""
    parser = _Parser(
        prog="aigov",
        description="Policy-as-code governance for AI projects (GDPR, EU AI Act, lifecycle gates).",
    )
    parser.add_argument("--version", action="version", version=f"aigov {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", parser_class=_Parser)
    if verb is None or verb == "validate":
        _add_validate_parser(verbs)
    if verb is None or verb != "validate":
        _add_verb_parsers(verbs, _VERBS if verb is None else (verb,))
    return parser


def _add_validate_parser(verbs: argparse._SubParsersAction[_Parser]) -> None:
    validate = verbs.add_parser(
        "validate",
        help="load and validate a repository's aigov.yaml, model card and data contracts",
        description="Load and validate a repository's files and report every problem at once. "
        "Exit 0 when valid, 2 otherwise.",
    )
    validate.add_argument(
        "path",
        nargs="*",
        metavar="PATH",
        help="the project folder (default: .); a file stands for the project holding it (the "
        "nearest aigov.yaml above); with --all, the folder to search",
    )
    validate.add_argument(
        "--all",
        action="store_true",
        dest="all_projects",
        help="every project (each folder with an aigov.yaml) under PATH or the current folder",
    )
    validate.add_argument(
        "--format", "-f", choices=("text", "json"), default="text", help="output format"
    )
    validate.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 2 on warnings)"
    )


def _add_verb_parsers(verbs: argparse._SubParsersAction[_Parser], names: Sequence[str]) -> None:
    """Verbs that define their own arguments in ``aigov.commands.<verb>.add_parser``."""
    for name in names:
        importlib.import_module(f"aigov.commands.{name}").add_parser(verbs)


def _skip_pydantic_plugin_loader() -> None:
    """Stand in for pydantic's plugin loader when plugins are disabled anyway.

    Even with plugins disabled, the loader module imports importlib.metadata at its top (12 ms,
    4% of a cold ``aigov check``) before ``get_plugins`` returns nothing. pydantic imports it
    lazily, from one place (``plugin/_schema_validator.py``: ``from ._loader import
    get_plugins``), so an empty module registered first answers for it; a test checks the
    installed pydantic still takes this path.
    """
    name = "pydantic.plugin._loader"
    if name not in sys.modules:
        loader = types.ModuleType(name)
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[name] = loader


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aigov`` console script; returns the process exit code."""
    # aigov uses no pydantic plugin, and looking for them imports importlib.metadata and scans
    # every installed distribution's entry points (~10-20 ms of each run). Only the command
    # line sets it, and only when the user has not: a library caller keeps pydantic's default.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] in ("__all__", "1", "true"):
        _skip_pydantic_plugin_loader()
    arguments = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the process is aigov's (console script, python -m): so is a crash's report
        sys.excepthook = print_exception
    # Every line aigov prints may carry repository text: a runner reading it must never find a
    # workflow command or a log section aigov did not write (see aigov.report.ci_log).
    with guarded_standard_streams():
        return _run(arguments)


def _run(arguments: list[str]) -> int:
    first = arguments[0] if arguments else None
    known = first == "validate" or first in _VERBS
    parser = build_parser(first if known else None)
    try:
        args = parser.parse_args(arguments)
        if args.verb is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        command = importlib.import_module(f"aigov.commands.{args.verb.replace('-', '_')}")
        code: int = command.run(args)
        return code
    except AigovError as exc:
        print(error_line(exc.user_message()), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aigov: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    except Exception as exc:  # a bug of aigov, not of the input: one line, no verdict
        return _report_bug(first if known else None, exc)


def _report_bug(verb: str | None, exc: Exception) -> int:
    """Say in one line that aigov failed (not the checked repository), with the traceback only
    under ``AIGOV_DEBUG=1``: a CI log keeps the decision readable and repository text that an
    exception quotes stays behind the runner guard."""
    command = f"aigov {verb}" if verb else "aigov"
    detail = str(exc).splitlines()[0] if str(exc) else ""
    error = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    print(
        error_line(
            f"internal error in `{command}` ({error}); this is a bug of aigov, not of your "
            f"files: rerun with {DEBUG_VARIABLE}=1 for the traceback and report it"
        ),
        file=sys.stderr,
    )
    if os.environ.get(DEBUG_VARIABLE) == "1":
        print_exception(type(exc), exc, exc.__traceback__)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
