"""Mutated repository files only ever produce problems, never an exception (property tests)."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLES

from aigov.documents.problems import DocumentError
from aigov.documents.repository import load_repository, parse_model_card
from aigov.documents.safe_yaml import parse_yaml

MANIFEST = (EXAMPLES / "credit-scoring" / "aigov.yaml").read_bytes()
CARD = (EXAMPLES / "credit-scoring" / "MODEL_CARD.md").read_text(encoding="utf-8")

YAML_SHARDS = st.sampled_from(
    [
        b":",
        b"- ",
        b"\t",
        b"&a ",
        b"*a",
        b"<<: ",
        b"{",
        b"]",
        b"'",
        b'"',
        b"\n  ",
        b"!!",
        b"#",
        b"\xff",
        b"\x00",
        b"---\n",
        b"? ",
        b"|\n",
        b"%YAML 1.1\n",
        b"~",
        b"P6M",
        b"2026-13-45",
    ]
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        if action == "insert":
            data[position:position] = draw(YAML_SHARDS | st.binary(min_size=1, max_size=4))
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            data[position : position + 1] = draw(YAML_SHARDS)
    return bytes(data)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=mutated(MANIFEST))
def test_mutated_manifest_yields_problems_not_exceptions(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "aigov.yaml").write_bytes(content)
    repository = load_repository(tmp_path)
    for problem in repository.problems.items:
        assert problem.location.file
        assert problem.message


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=400))
def test_arbitrary_text_parses_or_raises_a_located_document_error(text: str) -> None:
    try:
        parse_yaml(text, "f.yaml")
    except DocumentError as exc:
        assert exc.problem.location.file == "f.yaml"
        assert exc.problem.location.line >= 1


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(0, len(CARD)), insert=st.text(max_size=30))
def test_mutated_model_card_always_loads(cut: int, insert: str) -> None:
    card, _, problems = parse_model_card(CARD[:cut] + insert + CARD[cut:], "MODEL_CARD.md")
    assert card.body is not None
    assert all(p.location.file == "MODEL_CARD.md" for p in problems)
