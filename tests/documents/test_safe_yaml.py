import time
import tracemalloc

import pytest

from aigov.documents.problems import DocumentError
from aigov.documents.safe_yaml import format_path, parse_yaml


def _error(text: str) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        parse_yaml(text, "f.yaml")
    return caught.value


def test_scalars_follow_the_yaml_1_2_core_schema() -> None:
    doc = parse_yaml(
        "d: 2024-01-01\nyes_: yes\non: off\nt: true\nn: ~\ne:\ni: 0x1F\no: 0o17\nf: 1.5e3\n"
        "inf: -.inf\nq: '12'\nnorway: NO\n",
        "f.yaml",
    )
    assert doc.data == {
        "d": "2024-01-01",  # timestamps stay strings, as JSON Schema validation expects
        "yes_": "yes",
        "on": "off",
        "t": True,
        "n": None,
        "e": None,
        "i": 31,
        "o": 15,
        "f": 1500.0,
        "inf": float("-inf"),
        "q": "12",
        "norway": "NO",
    }


def test_positions_point_at_keys_and_list_items() -> None:
    doc = parse_yaml("a:\n  b: 1\n  list:\n    - x: 1\n    - x: 2\n", "f.yaml")
    assert doc.positions[("a", "b")] == (2, 3)
    assert doc.positions[("a", "list", 1)] == (5, 7)
    assert doc.positions[("a", "list", 1, "x")] == (5, 7)
    # An absent field is located at its nearest written ancestor.
    assert str(doc.locate(("a", "list", 1, "missing"))) == "f.yaml:5:7"
    assert str(doc.locate(("nothing",))) == "f.yaml:1:1"


def test_line_offset_shifts_reported_lines_for_front_matter() -> None:
    doc = parse_yaml("a: 1\nb: 2\n", "card.md", line_offset=1)
    assert str(doc.locate(("b",))) == "card.md:3:1"


def test_anchors_aliases_and_merge_keys() -> None:
    doc = parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\nd: *b\n", "f.yaml")
    assert doc.data["c"] == {"x": 1, "y": 3}
    assert doc.data["d"] == {"x": 1, "y": 2}


def test_duplicate_key_is_reported_with_both_lines() -> None:
    doc = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    [problem] = doc.problems
    assert problem.code == "yaml.duplicate-key"
    assert str(problem.location) == "f.yaml:3:1"
    assert "first defined on line 1" in problem.message


def test_malformed_yaml_names_line_and_column() -> None:
    error = _error("a:\n  b: [1, 2\nc: 3\n")
    assert error.problem.code == "yaml.syntax"
    assert error.problem.location.file == "f.yaml"
    assert error.problem.location.line == 3


def test_tab_indentation_gets_a_hint() -> None:
    error = _error("a:\n\tb: 1\n")
    assert str(error.problem.location) == "f.yaml:2:1"
    assert "tabs" in error.problem.hint


def test_unknown_tags_are_refused_not_constructed() -> None:
    error = _error("a: !!python/object/apply:os.system ['echo pwned']\n")
    assert error.problem.code == "yaml.tag"
    assert "python/object/apply:os.system" in error.problem.message


def test_several_documents_are_refused() -> None:
    assert _error("a: 1\n---\nb: 2\n").problem.code == "yaml.multiple-documents"


def test_unknown_alias_is_refused() -> None:
    assert "refers to no anchor" in _error("a: *nope\n").problem.message


def test_billion_laughs_is_refused_fast_with_bounded_memory() -> None:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    tracemalloc.start()
    started = time.perf_counter()
    error = _error("\n".join(lines) + "\n")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert error.problem.code == "yaml.too-large"
    assert "alias" in error.problem.message
    assert elapsed < 1.0
    assert peak < 20 * 1024 * 1024


def test_deep_nesting_is_refused_without_crashing_the_interpreter() -> None:
    # PyYAML's C composer overflows the C stack (segfault) on this; the event builder must not.
    error = _error("[" * 100_000 + "]" * 100_000)
    # Our own depth limit, or the nesting limit newer libyaml builds enforce while parsing.
    assert error.problem.code in ("yaml.too-deep", "yaml.syntax")
    assert error.problem.location.line == 1


def test_format_path() -> None:
    assert (
        format_path(("risk", "gdpr", "transfers", 0, "country")) == "risk.gdpr.transfers[0].country"
    )
    assert format_path(()) == ""
