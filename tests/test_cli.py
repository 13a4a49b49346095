"""The command line builds only the sub-parser of the verb it runs: same arguments, same help."""

from __future__ import annotations

import argparse

import pytest

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
