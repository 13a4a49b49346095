"""Differential test: every real model card is read by aigov as the Hugging Face Hub client reads
it (huggingface_hub, the reference: ``ModelCard.load``, ``metadata_load``,
``model_index_to_eval_results``).

- a card the Hub client loads is accepted by ``aigov validate`` (warnings allowed, no error);
- the evaluation results the rules see (``model_card.model_index``) are the Hub's, exactly;
- a card the Hub client refuses even when told to ignore metadata errors is refused by aigov
  with an error at its file:line:column;
- a card the client refuses only because one ``model-index`` part is unreadable ("lenient") is
  accepted with a located warning, and aigov keeps the results the client reads once the
  unreadable parts are left out (the client itself then drops every result).
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST, CliResult, conformance_files
from tests.reference_readers import Result, aigov_card_results, hub_results, hub_verdict

from aigov.documents.repository import load_repository
from aigov.policy.context import model_card_context

CARDS = conformance_files("realworld/cards", "*.md") + conformance_files("huggingface", "*-*.md")


def _repository_with(card: Path, tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "aigov.yaml").write_text(MINIMAL_MANIFEST, encoding="utf-8")
    shutil.copyfile(card, root / "MODEL_CARD.md")
    return root


@pytest.mark.parametrize("path", CARDS, ids=lambda p: getattr(p, "name", str(p)))
def test_aigov_reads_the_card_as_the_hub_client_does(
    path: Path, conformance: Path, tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    verdict = hub_verdict(path)
    root = _repository_with(path, tmp_path)
    repository = load_repository(root)
    card_problems = [p for p in repository.problems.items if p.location.file == "MODEL_CARD.md"]
    errors = [p for p in card_problems if p.level == "error"]
    validated = run_cli("validate", str(root))
    if verdict == "fail":
        assert errors, "the Hub client refuses this card: so must aigov"
        assert all(p.location.line >= 1 and p.location.column >= 1 for p in errors)
        assert validated.exit_code == 2
        assert f"MODEL_CARD.md:{errors[0].location.line}:{errors[0].location.column}: error" in (
            validated.stdout + validated.stderr
        )
        return
    assert errors == [], f"the Hub client reads this card; aigov refused it: {errors}"
    assert validated.exit_code == 0, validated.stdout + validated.stderr
    assert repository.model_card is not None
    assert aigov_card_results(model_card_context(repository.model_card)) == hub_results(path)
    if verdict == "lenient":
        dropped = [p for p in card_problems if p.code == "card.model-index"]
        assert dropped and all(p.location.line >= 1 and "dropped" in p.message for p in dropped)


@pytest.mark.parametrize("path", CARDS, ids=lambda p: getattr(p, "name", str(p)))
def test_the_reference_is_the_hub_clients_own_reading(path: Path, conformance: Path) -> None:
    """On every card the client loads, the per-value reading above gives ``ModelCard.load``'s
    results and model name: the differential test compares aigov with the Hub, not with a
    re-implementation of it."""
    from huggingface_hub import ModelCard

    if hub_verdict(path) != "ok":
        pytest.skip("the Hub client does not load this card by default")
    data = ModelCard.load(path).data
    loaded = Counter(
        (
            e.task_type,
            e.dataset_type,
            e.dataset_name,
            e.dataset_split,
            e.metric_type,
            e.metric_value,
        )
        for e in data.eval_results or []
    )
    per_value = hub_results(path)
    without_names: Counter[Result] = Counter()
    for key, count in per_value.items():
        without_names[key[1:]] += count
    assert without_names == loaded
    if per_value:  # the client names the model after the last entry
        assert data.model_name in {key[0] for key in per_value}


def test_the_corpus_holds_every_kind_of_card(conformance: Path) -> None:
    verdicts = Counter(hub_verdict(path) for path in CARDS)
    assert verdicts["ok"] >= 45 and verdicts["lenient"] >= 3 and verdicts["fail"] >= 5
