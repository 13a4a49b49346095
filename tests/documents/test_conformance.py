"""Real documents written by others (../shared/conformance) load through aigov (contracts: each
judged by its own ODCS version, tests/documents/test_contract_versions.py)."""

from pathlib import Path

import pytest
from tests.conftest import conformance_files

from aigov.documents.files import read_text
from aigov.documents.repository import load_yaml_file, parse_model_card

ODCS_EXAMPLES = conformance_files("odcs/examples", "*.odcs.yaml")
HF_CARDS = conformance_files("huggingface", "*-*.md")


def test_conformance_folders_are_present(conformance: Path) -> None:
    assert len(ODCS_EXAMPLES) == 18
    assert len(HF_CARDS) == 10


def test_unquoted_dates_stay_strings_so_the_official_schema_accepts_them(conformance: Path) -> None:
    path = conformance / "odcs" / "examples" / "fundamentals--table-column-description.odcs.yaml"
    document = load_yaml_file(path, path.name)
    assert document.data["schema"][0]["properties"][0]["examples"] == ["2022-10-03", "2025-01-28"]


@pytest.mark.parametrize("path", HF_CARDS, ids=lambda p: getattr(p, "name", str(p)))
def test_every_hugging_face_card_loads(path: Path, conformance: Path) -> None:
    card, _, problems = parse_model_card(read_text(path, path.name), path.name)
    assert [p for p in problems if p.level == "error"] == []
    assert card.sections, "the Markdown body is split into sections"


def test_model_index_results_are_typed(conformance: Path) -> None:
    path = conformance / "huggingface" / "real-model-index-1.md"
    card, _, _ = parse_model_card(read_text(path, path.name), path.name)
    assert card.metadata.model_index is not None
    [entry] = card.metadata.model_index
    metrics = {m.type: m.value for m in entry.results[0].metrics}
    assert metrics["accuracy"] == pytest.approx(0.9105504587155964)
    assert entry.results[0].dataset.config == "sst2"


def test_unreadable_model_index_result_is_left_out_alone_with_a_warning(conformance: Path) -> None:
    path = conformance / "huggingface" / "hf-fixture-invalid-model-index.md"
    card, _, problems = parse_model_card(read_text(path, path.name), path.name)
    assert card.metadata.model_index is not None
    [entry] = card.metadata.model_index
    assert entry.name == "my-cool-model" and entry.results == []
    assert card.metadata.license == "mit"
    [problem] = problems
    assert problem.level == "warning" and problem.code == "card.model-index"
    assert problem.field == "model-index[0].results[0]"
    assert problem.message == "result dropped with its 1 metric value: it has no 'dataset'"
    assert problem.location.line == 12  # the results item, counted in the whole .md file


def test_card_without_front_matter_loads_with_a_warning(conformance: Path) -> None:
    path = conformance / "huggingface" / "real-census.md"
    card, _, problems = parse_model_card(read_text(path, path.name), path.name)
    assert not card.has_front_matter
    assert [p.code for p in problems] == ["card.no-front-matter"]
    assert len(card.sections) > 10


def test_windows_line_breaks_load(conformance: Path) -> None:
    path = conformance / "huggingface" / "hf-fixture-windows-line-breaks.md"
    card, _, problems = parse_model_card(read_text(path, path.name), path.name)
    assert problems == []
    assert card.has_front_matter and card.metadata.license


def test_placeholders_are_found_with_their_lines(conformance: Path) -> None:
    path = conformance / "huggingface" / "real-template-more-info-needed.md"
    text = read_text(path, path.name)
    card, _, _ = parse_model_card(text, path.name)
    lines = text.split("\n")
    assert len(card.placeholder_lines) >= 30
    assert all("[More Information Needed]" in lines[n - 1] for n in card.placeholder_lines)


def test_french_card_sections_are_parsed(conformance: Path) -> None:
    path = conformance / "huggingface" / "real-fr-anomaly-detection.md"
    card, _, _ = parse_model_card(read_text(path, path.name), path.name)
    assert card.metadata.language == "fr"
    assert card.sections[0].title.startswith("Model Card for Indusense")
    assert card.sections[0].line == 15
