"""The command line builds only the sub-parser of the verb it runs: same arguments, same help;
and it skips pydantic's plugin scan."""

from __future__ import annotations

import argparse
import os

import pytest
from tests.conftest import imported_modules

from aigov.cli import _VERBS, build_parser


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
