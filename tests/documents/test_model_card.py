"""Model cards read as the Hugging Face Hub client reads them: small cards written here, one case
each (tests/documents/test_model_card_hub.py compares real cards with the client itself)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import EXAMPLES, MINIMAL_MANIFEST, CliResult

from aigov.documents.model_card import ModelCard, ModelCardMetadata, parse_model_card
from aigov.documents.problems import Problem
from aigov.policy.context import model_card_context

RunCli = Callable[..., CliResult]
MakeRepo = Callable[..., Path]


def read(text: str) -> tuple[ModelCard, list[Problem]]:
    card, _, problems = parse_model_card(text, "MODEL_CARD.md")
    return card, problems


def context(text: str) -> dict[str, Any]:
    return model_card_context(read(text)[0])


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


# --- the Hub's keys, as loose as the client takes them ------------------------------------


def test_a_string_tags_becomes_a_one_element_list_and_repeats_go() -> None:
    assert read("---\ntags: autonlp\n---\n")[0].metadata.tags == ["autonlp"]
    card, problems = read("---\ntags: [a, b, a]\n---\n")
    assert card.metadata.tags == ["a", "b"] and problems == []


def test_license_and_library_name_lists_are_kept() -> None:
    card, problems = read("---\nlicense: [mit, apache-2.0]\nlibrary_name: [spacy, flair]\n---\n")
    assert problems == []
    assert card.metadata.license == ["mit", "apache-2.0"]
    assert context("---\nlibrary_name: [spacy]\n---\n")["library_name"] == ["spacy"]


def test_unusable_list_items_are_dropped_with_a_located_warning() -> None:
    text = "---\nlanguage:\n- en\n-\n- false\ndatasets:\n- squad\n- FOSD: https://x.org\n---\n"
    card, problems = read(text)
    assert card.metadata.language == ["en"] and card.metadata.datasets == ["squad"]
    assert [(p.field, p.location.line, p.level) for p in problems] == [
        ("language[1]", 4, "warning"),
        ("language[2]", 5, "warning"),
        ("datasets[1]", 8, "warning"),
    ]
    assert problems[0].message == "item dropped: null is not text"
    assert problems[1].message == "item dropped: false is not text"
    assert "'no'" in problems[1].hint  # YAML 1.1 wrote Norwegian 'no' as false
    assert problems[2].message == "item dropped: a mapping is not text"


def test_a_value_of_the_wrong_kind_is_dropped_with_a_warning() -> None:
    card, problems = read("---\npipeline_tag: false\nmetrics: {loss: 3.3}\n---\n")
    assert card.metadata.pipeline_tag is None and card.metadata.metrics is None
    assert [(p.field, p.message) for p in problems] == [
        ("metrics", "dropped: a mapping is not text or a list of text"),
        ("pipeline_tag", "dropped: false is not text or a list of text"),
    ]
    assert all(p.level == "warning" and p.code == "card.dropped" for p in problems)


def test_tags_the_hub_client_cannot_read_are_a_located_error() -> None:
    _, problems = read("---\nlicense: mit\ntags: 5\n---\n")
    [problem] = problems
    assert (problem.level, problem.code, str(problem.location)) == (
        "error",
        "card.tags",
        "MODEL_CARD.md:3:1",
    )


# --- aliased spellings --------------------------------------------------------------------


def test_model_index_with_an_underscore_is_not_read_and_says_so() -> None:
    text = "---\nmodel_index:\n- name: m\n  results: []\n---\n"
    card, problems = read(text)
    assert card.metadata.model_index is None
    assert "model_index" not in context(text)
    [problem] = problems
    assert (problem.level, problem.code, problem.field) == (
        "warning",
        "card.ignored-key",
        "model_index",
    )
    assert "'model-index'" in problem.message and str(problem.location) == "MODEL_CARD.md:2:1"
    # As a mapping (a Trainer wrote one) too: nothing is validated, nothing refused.
    assert only(read("---\nmodel_index: {name: m}\n---\n")[1], "card.ignored-key")


def test_both_spellings_read_only_model_index() -> None:
    text = "---\nmodel_index: {name: wrong}\nmodel-index:\n- name: right\n  results: []\n---\n"
    card, problems = read(text)
    assert [entry.name for entry in card.metadata.model_index or []] == ["right"]
    assert [p.code for p in problems] == ["card.ignored-key"]


def test_no_card_field_is_read_under_its_python_name() -> None:
    aliased = {
        name: info.alias
        for name, info in ModelCardMetadata.model_fields.items()
        if info.alias and info.alias != name
    }
    assert aliased  # model-index at least
    for name in aliased:
        metadata = ModelCardMetadata.model_validate({name: []})
        assert getattr(metadata, name) is None, name


def test_no_key_of_any_file_is_read_under_its_fields_python_name(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    manifest = MINIMAL_MANIFEST.replace("apiVersion:", "api_version:")
    result = run_cli("validate", str(make_repo({"aigov.yaml": manifest})))
    assert result.exit_code == 2
    assert "aigov.yaml:1:1: error: api_version: unknown field 'api_version'" in result.stdout


# --- where the front matter is ------------------------------------------------------------


@pytest.mark.parametrize("before", ["\n", " \n", "\n\n  ", "\t\n"])
def test_front_matter_after_blank_lines_or_spaces_is_read(before: str) -> None:
    card, problems = read(f"{before}---\nlicense: mit\n---\n# Title\n")
    assert problems == [] and card.metadata.license == "mit"
    assert card.sections[0].line == before.count("\n") + 4


def test_a_second_dash_line_starts_the_yaml_as_the_hub_reads_it() -> None:
    card, problems = read("---\n---\nlicense: mit\n---\n# Title\n")
    assert problems == [] and card.metadata.license == "mit"
    assert card.sections[0].line == 5


def test_an_empty_front_matter_is_a_located_warning() -> None:
    card, problems = read("---\n\n---\n# Title\n")
    assert card.has_front_matter
    [problem] = problems
    assert (problem.code, problem.level, str(problem.location)) == (
        "card.empty-front-matter",
        "warning",
        "MODEL_CARD.md:1:1",
    )


def test_two_dash_lines_with_no_closing_one_are_no_front_matter() -> None:
    card, problems = read("---\n---\n# Title\n")
    assert not card.has_front_matter
    assert [p.code for p in problems] == ["card.no-front-matter"]


def test_strict_refuses_an_empty_front_matter(run_cli: RunCli, make_repo: MakeRepo) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": "---\n---\n---\n# T\n"})
    assert run_cli("validate", str(root)).exit_code == 0
    strict = run_cli("validate", "--strict", str(root))
    assert strict.exit_code == 2
    assert "MODEL_CARD.md:1:1: warning: the front matter is empty" in strict.stdout + strict.stderr


# --- model-index, one result at a time ----------------------------------------------------

MODEL_INDEX = """\
---
model-index:
- name: ''
  results:
  - task: {type: asr}
    dataset: {type: cv, name: Common Voice, split: test}
    metrics:
    - {type: wer, value: 12.5}
    - {type: cer, value: null}
    - {type: bleu}
  - task: {type: asr}
    dataset: {type: cv}
    metrics:
    - {type: wer, value: 20.0}
- name: second
  results:
  - task: {type: asr}
    dataset: {type: fleurs, name: FLEURS}
    metrics:
    - {type: wer, value: 9.1}
---
"""


def test_every_readable_result_is_kept_and_each_drop_is_located() -> None:
    card, problems = read(MODEL_INDEX)
    entries = card.metadata.model_index or []
    assert [e.name for e in entries] == ["", "second"]
    assert [[(m.type, m.value) for r in e.results for m in r.metrics] for e in entries] == [
        [("wer", 12.5), ("cer", None)],
        [("wer", 9.1)],
    ]
    assert [(p.level, p.field, p.location.line, p.message) for p in problems] == [
        (
            "warning",
            "model-index[0].results[0].metrics[1].value",
            9,
            "metric 'cer' has a null value: kept without a value, as the Hub reads it",
        ),
        (
            "warning",
            "model-index[0].results[0].metrics[2]",
            10,
            "metric value dropped: it has no 'value'",
        ),
        (
            "warning",
            "model-index[0].results[1]",
            11,
            "result dropped with its 1 metric value: 'dataset' has no 'name'",
        ),
    ]


def test_the_accuracy_rule_sees_the_results_that_survive_a_bad_entry(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """AIACT-15-ACCURACY-DECLARED on the credit-scoring example whose model-index gains a bad
    entry first: the rule still sees the good results; with the bad entry alone it fails."""

    def accuracy_rule_fails(model_index: str) -> bool:
        root = tmp_path / f"repo{len(list(tmp_path.iterdir()))}"
        shutil.copytree(EXAMPLES / "credit-scoring", root)
        card = root / "MODEL_CARD.md"
        text = card.read_text(encoding="utf-8")
        start, end = text.index("model-index:\n"), text.index("\nintended_use:")
        card.write_text(text[:start] + model_index + text[end:], encoding="utf-8")
        result = run_cli("check", str(root), "--skip-evidence", "mlflow", "-f", "json")
        assert result.exit_code in (0, 1), result.stderr
        findings = json.loads(result.stdout)["findings"]
        return any(f["rule_id"] == "AIACT-15-ACCURACY-DECLARED" for f in findings)

    bad = "  - name: ''\n    results:\n      - task: {type: t}\n        dataset: {type: d}\n"
    bad += "        metrics: [{type: auc, value: null}]\n"
    good = "  - name: credit-scoring\n    results:\n      - task: {type: t}\n"
    good += "        dataset: {type: d, name: OOT}\n        metrics: [{type: auc, value: 0.8}]\n"
    assert not accuracy_rule_fails(f"model-index:\n{bad}{good}")
    assert accuracy_rule_fails(f"model-index:\n{bad}")


def test_a_source_the_hub_client_fails_on_is_a_located_error() -> None:
    text = (
        "---\nmodel-index:\n- name: m\n  results:\n  - task: {type: t}\n"
        "    dataset: {type: d, name: D}\n    source: Open LLM Leaderboard\n"
        "    metrics: [{type: acc, value: 1}]\n---\n"
    )
    card, problems = read(text)
    [problem] = problems
    assert (problem.level, str(problem.location)) == ("error", "MODEL_CARD.md:7:5")
    assert (card.metadata.model_index or [])[0].results == []
    named = text.replace("source: Open LLM Leaderboard", "source: {name: Leaderboard}")
    assert "no url" in read(named)[1][0].message


def test_a_model_index_that_is_not_a_list_is_dropped_with_a_warning() -> None:
    card, problems = read("---\nmodel-index: {name: m}\n---\n")
    assert card.metadata.model_index is None
    assert [(p.level, p.code) for p in problems] == [("warning", "card.model-index")]
    assert read("---\nmodel-index: []\n---\n")[0].metadata.model_index == []


# --- what the Hub client reads that aigov's YAML reader would have refused, and back --------


def test_a_tab_pyyaml_refuses_is_a_located_error() -> None:
    card, problems = read("---\nlanguage: en\nlicense:  \tgpl-3.0\n---\n")
    [problem] = problems
    assert (problem.level, problem.code, str(problem.location)) == (
        "error",
        "yaml.tab",
        "MODEL_CARD.md:3:11",
    )
    assert card.metadata.license is None


def test_tabs_in_quotes_block_scalars_and_comments_are_read() -> None:
    text = "---\na: 'x\ty'\nb: |\n  x\ty\nc: \"\t\"  # a\tcomment\nlicense: mit\n---\n"
    card, problems = read(text)
    assert problems == [] and card.metadata.license == "mit"


def test_a_repeated_key_is_a_warning_and_the_last_one_is_read() -> None:
    card, problems = read("---\nlicense: mit\nlicense: apache-2.0\n---\n")
    assert card.metadata.license == "apache-2.0"
    assert [(p.code, p.level, p.location.line) for p in problems] == [
        ("yaml.duplicate-key", "warning", 3)
    ]


def test_a_nul_byte_in_the_body_is_read(run_cli: RunCli, make_repo: MakeRepo) -> None:
    card = b"---\nlicense: mit\n---\n# T\nh\x00e\x00l\x00l\x00o\n"
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": card})
    result = run_cli("validate", str(root))
    assert result.exit_code == 0, result.stdout + result.stderr


def test_a_nul_byte_in_the_front_matter_is_a_located_error(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    card = b"---\nlicense: m\x00it\n---\n"
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": card})
    result = run_cli("validate", str(root))
    assert result.exit_code == 2
    assert "MODEL_CARD.md:2:11: error" in result.stdout + result.stderr


def test_the_manifest_still_refuses_nul(run_cli: RunCli, make_repo: MakeRepo) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST.encode() + b"# \x00\n"})
    result = run_cli("validate", str(root))
    assert result.exit_code == 2 and "file.binary" in result.stdout + result.stderr


def _alias_bomb() -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("front_matter", "code"),
    [(_alias_bomb(), "yaml.too-large"), ("a: " + "[" * 200 + "]" * 200 + "\n", "yaml.too-deep")],
    ids=["alias-bomb", "deep-nesting"],
)
def test_hostile_front_matter_is_still_refused_fast(front_matter: str, code: str) -> None:
    started = time.perf_counter()
    _, problems = read(f"\n---\n{front_matter}---\n")
    assert time.perf_counter() - started < 1
    assert [p.code for p in problems if p.level == "error"] == [code]
