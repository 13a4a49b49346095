"""How the reference readers read the real files of ../shared/conformance, for the differential
tests and ``benchmarks/bench_realworld.py``: the Hugging Face Hub client (huggingface_hub) for
model cards, the official ODCS JSON Schema of the declared version for contracts."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["ok", "lenient", "fail"]
# (model name, task type, dataset type, dataset name, split, metric type, metric value)
Result = tuple[Any, ...]


def hub_verdict(path: Path) -> Verdict:
    from huggingface_hub import ModelCard

    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    try:
        ModelCard.load(path)
        return "ok"
    except Exception:
        pass
    try:
        ModelCard.load(path, ignore_metadata_errors=True)
        return "lenient"
    except Exception:
        return "fail"


def hub_results(path: Path) -> Counter[Result]:
    """The results the Hub client reads, one metric value at a time, each with the name of its
    model-index entry: on a card the client loads, exactly ``ModelCard.load``'s results."""
    from huggingface_hub import metadata_load
    from huggingface_hub.repocard_data import model_index_to_eval_results

    model_index = (metadata_load(path) or {}).get("model-index")
    found: Counter[Result] = Counter()
    for entry, result, metric in metric_values(model_index):
        try:
            name, [read] = model_index_to_eval_results(
                [{**entry, "results": [{**result, "metrics": [metric]}]}]
            )
        except (KeyError, TypeError):  # what the client cannot read, it cannot read alone
            continue
        found[
            (
                name,
                read.task_type,
                read.dataset_type,
                read.dataset_name,
                read.dataset_split,
                read.metric_type,
                read.metric_value,
            )
        ] += 1
    return found


def metric_values(model_index: Any) -> Iterator[tuple[Any, Any, Any]]:
    if not isinstance(model_index, list):
        return
    for entry in model_index:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            metrics = result.get("metrics") if isinstance(result, dict) else None
            for metric in metrics if isinstance(metrics, list) else []:
                yield entry, result, metric


def aigov_card_results(context: dict[str, Any]) -> Counter[Result]:
    """The results a rule reads from ``model_card.model_index``."""
    found: Counter[Result] = Counter()
    for entry in context.get("model_index", []):
        for result in entry["results"]:
            dataset = result["dataset"]
            for metric in result["metrics"]:
                found[
                    (
                        entry.get("name"),
                        result["task"]["type"],
                        dataset["type"],
                        dataset["name"],
                        dataset.get("split"),
                        metric["type"],
                        metric.get("value"),
                    )
                ] += 1
    return found


OTHER_FORMAT_MARKERS = ("dataContractSpecification", "dataset")


def is_other_format(data: Any) -> bool:
    """An ODCS v2 or Data Contract Specification document: another format, which aigov refuses."""
    version = str(data.get("apiVersion", "")) if isinstance(data, dict) else ""
    if not isinstance(data, dict) or version.startswith("v3."):
        return False
    return any(key in data for key in OTHER_FORMAT_MARKERS) or bool(re.match(r"^v?2\.", version))


def official_verdict(data: Any, conformance: Path) -> bool:
    """Whether the official schema of the declared version accepts ``data``: the release's file
    in shared/ for v3.0.x and v3.1.0; v3.2.0 is the registry package's with the fix its release
    tag carries (aigov.documents.odcs). jsonschema-rs judges: the Python library takes minutes
    on the 88 kB nested product-detail contract (unevaluatedProperties at every level)."""
    import jsonschema_rs

    from aigov.documents.odcs import odcs_schema

    version = str(data["apiVersion"]).removeprefix("v")
    release = conformance / "realworld" / "schemas" / f"odcs-json-schema-v{version}.json"
    schema = json.loads(release.read_text("utf-8")) if release.exists() else odcs_schema(version)
    return bool(jsonschema_rs.validator_for(schema).is_valid(data))


def contract_reference(path: Path, conformance: Path) -> bool:
    """Whether the contract at ``path`` must be accepted: an ODCS v3 document its declared
    version's official schema accepts (other formats and invalid documents must be refused)."""
    from aigov.documents.repository import load_yaml_file

    data = load_yaml_file(path, path.name).data
    if is_other_format(data) or not isinstance(data, dict) or "apiVersion" not in data:
        return False
    return official_verdict(data, conformance)
