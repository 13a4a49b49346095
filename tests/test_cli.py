"""The command line builds only the sub-parser of the verb it runs: same arguments, same help;
and it skips pydantic's plugin scan; every error takes one path (one line, the exit code, the
traceback only under AIGOV_DEBUG=1)."""

from __future__ import annotations

import argparse
import os

import pytest
from tests.conftest import imported_modules

from aigov.cli import _VERBS, build_parser, main


def _sub(parser: argparse.ArgumentParser, verb: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = action.choices[verb]
    return found


@pytest.mark.parametrize("verb", ["validate", *_VERBS])
def test_one_verb_parser_is_the_full_parsers_sub_parser(verb: str) -> None:
    alone, full = build_parser(verb), build_parser()
    assert _sub(alone, verb).format_help() == _sub(full, verb).format_help()


def test_every_verb_is_listed() -> None:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert list(action.choices) == ["validate", *_VERBS]


def test_pydantic_plugin_discovery_is_skipped_but_validation_still_runs_through_pydantic() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    code, modules = imported_modules("validate", "examples/credit-scoring", env=env)
    assert code == 0
    # pydantic still builds its validators through the module that asks the plugin loader...
    assert "pydantic.plugin._schema_validator" in modules
    # ...and the loader's importlib.metadata import (and entry-point scan) never happens.
    assert "importlib.metadata" not in modules


def test_a_user_who_enables_pydantic_plugins_keeps_pydantic_s_own_loader() -> None:
    env = {**os.environ, "PYDANTIC_DISABLE_PLUGINS": "some-other-plugin"}
    code, modules = imported_modules("validate", "examples/credit-scoring", env=env)
    assert code == 0
    assert "pydantic.plugin._loader" in modules and "importlib.metadata" in modules


# --- one error path ----------------------------------------------------------------------------


def _failing_explain(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    import aigov.commands.explain as explain

    def run(args: object) -> int:
        raise error

    monkeypatch.setattr(explain, "run", run)


def test_an_expected_error_is_one_located_line_and_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aigov.errors import AigovError

    _failing_explain(monkeypatch, AigovError("unknown key 'x'", location="aigov.yaml:3:5"))
    assert main(["explain", "ANY"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["aigov: error: aigov.yaml:3:5: unknown key 'x'"]


def test_every_error_aigov_raises_on_purpose_is_an_aigov_error() -> None:
    import importlib
    import inspect
    import pkgutil

    import aigov
    from aigov.errors import AigovError

    # Internal control flow that never reaches the user, and an interruption that must not be
    # caught as an error.
    internal = {"_Unsupported", "MissingField", "DeadlineExceeded"}
    strays = []
    for module_info in pkgutil.walk_packages(aigov.__path__, "aigov."):
        if module_info.name.endswith("__main__"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
                and not issubclass(value, AigovError)
                and name not in internal
            ):
                strays.append(f"{module.__name__}.{name}")
    assert strays == []


def test_a_bug_is_one_line_naming_the_command_and_a_hint_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AIGOV_DEBUG", raising=False)
    _failing_explain(monkeypatch, KeyError("evidence"))
    assert main(["explain", "ANY"]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "aigov: error: internal error in `aigov explain` (KeyError: 'evidence')"
    )
    assert "AIGOV_DEBUG=1" in lines[0] and "Traceback" not in err


def test_aigov_debug_prints_the_traceback_of_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIGOV_DEBUG", "1")
    _failing_explain(monkeypatch, ZeroDivisionError("division by zero"))
    assert main(["explain", "ANY"]) == 2
    err = capsys.readouterr().err
    assert "(ZeroDivisionError: division by zero)" in err
    assert "Traceback (most recent call last)" in err and "in run" in err
