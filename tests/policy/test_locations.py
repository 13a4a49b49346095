"""Every finding of every built-in rule points at the most precise line that exists.

Each ``fail`` fixture of each rule is written to real files (:func:`fixture_repository`: an
aigov.yaml that starts as a real one does, a model card, contract files) and its finding is
located in them as ``aigov check`` locates it. The line must hold the field the rule reads (its
``locate`` path, the item a ``[*]`` names) or, when the fixture lacks it, its nearest parent that
is written; a top-level section the file lacks points at a top-level key, never at the lines
every manifest starts with (``apiVersion``, ``kind``). The expected line is found by reading the
written text with PyYAML and a plain scan of the lines, not with aigov's position tracking.

The messages of the lifecycle, sla and success-thresholds packs must quote real values: never
``null``, ``None`` or ``<missing>`` (an absent value reads as a phrase, "not recorded").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from tests.conftest import EXAMPLES, CliResult

from aigov.documents.contract_fields import contract_fields
from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.model_card import PLACEHOLDER
from aigov.documents.odcs import odcs_schema
from aigov.documents.repository import load_repository
from aigov.policy.context import locate
from aigov.policy.engine import offending_item
from aigov.policy.findings import Finding
from aigov.policy.pack import PolicyRule
from aigov.policy.paths import ContextPath, parse_path
from aigov.policy.sources import PolicySet, load_policy_set
from aigov.policy.testing import fixture_finding

MESSAGE_PACKS = ("lifecycle", "sla", "success-thresholds")
"""The packs whose messages this test holds to quoting real values."""
UNRESOLVED = ("null", "None", "<missing>")

_POLICY_SET: PolicySet = load_policy_set()


def _fail_fixtures() -> Iterator[Any]:
    for rule in _POLICY_SET.rules:
        for index, fixture in enumerate(rule.rule.fixtures.fail):
            yield pytest.param(rule, index, fixture, id=f"{rule.id}-fail[{index}]")


def location_problem(rule: PolicyRule, fixture: Mapping[str, Any], folder: Path) -> str | None:
    """Why the finding of ``fixture`` does not point at the field the rule reads (or its nearest
    written parent); None when it does."""
    finding = fixture_finding(rule, fixture, folder, _POLICY_SET.effective_dates.get(rule.id))
    if finding is None:
        return "the fail fixture does not fail"
    expected, reads = _expected(rule, finding, folder)
    if isinstance(expected, str):
        return expected
    file, steps = expected
    lines = (folder / file).read_text(encoding="utf-8").split("\n")
    got = f"{finding.file}:{finding.line}:{finding.column}"
    if finding.file != file or not 1 <= finding.line <= len(lines):
        return f"expected {reads} in {file}, got {got}"
    line = lines[finding.line - 1]
    # A key the card's front matter lacks: its closing line, where the key is to be added, or
    # the first line of a card without front matter, where it is to be written.
    card = file == "MODEL_CARD.md"
    front_matter_end = card and line == "---" and (finding.line > 1 or lines[0] != "---")
    no_front_matter = card and finding.line == 1 and lines[0] != "---"
    empty_file = finding.line == 1 and lines[0].strip() in ("", "{}")
    if steps == (PLACEHOLDER,):
        if steps[0] not in line:
            return f"expected the first placeholder line, got {got}: {line.strip()!r}"
    elif not (
        _holds(line, steps, file)
        or (not steps and (front_matter_end or no_front_matter or empty_file))
    ):
        where = ".".join(str(s) for s in steps) or "a top-level section"
        return f"expected the line of {where} ({reads}), got {got}: {line.strip()!r}"
    return None


def _expected(
    rule: PolicyRule, finding: Finding, folder: Path
) -> tuple[tuple[str, tuple[str | int, ...]] | str, str]:
    """(file, the steps of the nearest written field) the finding must point at, and the field
    the rule reads, as text; or a problem."""
    path = parse_path(finding.field) if finding.field else None
    reads = finding.field or "nothing"
    locate = rule.locate or ""
    plain = re.split(r"\[\s*(?:\*|[A-Za-z_]\w*\s*=)", locate, maxsplit=1)[0]
    if not path or path[0] not in ("manifest", "model_card", "contracts"):
        return f"the finding is about {reads}, not a field of the project's files", reads
    if plain and not finding.field.startswith(plain) and not plain.startswith(finding.field):
        return f"the finding is about {reads}, the rule locates {locate}", reads
    if (
        plain != locate
        and _is_written_list(folder, plain)
        and not finding.field.startswith(plain + "[")
    ):
        # The rule names an item of the list ([*], [field=...]) and the list is written: the
        # finding is about one of its items, not the whole list.
        return f"the finding is about {reads}, not the item of {plain} that fails", reads
    root, rest = path[0], path[1:]
    if root == "model_card":
        if not (folder / "MODEL_CARD.md").exists():
            return (MANIFEST_FILE, _written(_manifest(folder), ("model", "card"))), reads
        return ("MODEL_CARD.md", _card_steps(folder, rest)), reads
    if root == "contracts":
        files = sorted((folder / "contracts").glob("*.odcs.yaml"))
        if not rest or not isinstance(rest[0], int) or rest[0] >= len(files):
            return (MANIFEST_FILE, _written(_manifest(folder), ("data", "contracts"))), reads
        file = files[rest[0]]
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        inner = rest[1:]
        if len(inner) >= 2 and inner[0] == "fields" and isinstance(inner[1], int):
            found = list(contract_fields(data))
            inner = (*found[inner[1]].where, *inner[2:]) if inner[1] < len(found) else ()
        return (file.relative_to(folder).as_posix(), _written(data, inner)), reads
    return (MANIFEST_FILE, _written(_manifest(folder), rest)), reads


def _is_written_list(folder: Path, text: str) -> bool:
    """Whether the context path ``text`` is a non-empty list written in aigov.yaml."""
    path = parse_path(text)
    if not path or path[0] != "manifest":
        return False
    data = _manifest(folder)
    for step in path[1:]:
        if not isinstance(data, Mapping) or step not in data:
            return False
        data = data[step]
    return isinstance(data, list) and bool(data)


def _manifest(folder: Path) -> Any:
    return yaml.safe_load((folder / MANIFEST_FILE).read_text(encoding="utf-8"))


def _written(data: Any, path: ContextPath) -> tuple[str | int, ...]:
    """The longest start of ``path`` that ``data`` holds."""
    steps: list[str | int] = []
    for step in path:
        if (isinstance(data, Mapping) and step in data) or (
            isinstance(data, list) and isinstance(step, int) and step < len(data)
        ):
            data = data[step]
        else:
            break
        steps.append(step)
    return tuple(steps)


def _card_steps(folder: Path, path: ContextPath) -> tuple[str | int, ...]:
    if path[:1] == ("sections",) and len(path) > 1:
        return ("## ", str(path[1]))  # a heading
    if path[:1] == ("placeholders",):
        return (PLACEHOLDER,)
    text = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1]) if text.startswith("---\n") else {}
    first = "model-index" if path[:1] == ("model_index",) else None
    return _written(front, (first, *path[1:]) if first else path)


def _holds(line: str, steps: tuple[str | int, ...], file: str) -> bool:
    """Whether ``line`` is where the last of ``steps`` is written."""
    if steps[:1] == ("## ",):
        return line.startswith("#") and line.lstrip("#").strip().lower() == str(steps[1]).lower()
    if not steps:
        # A section the manifest lacks: at a top-level key, not the lines every manifest
        # starts with; a contract or card without the field: its first key.
        top = bool(re.match(r"[A-Za-z_][\w-]*:", line))
        return top and not line.startswith(("apiVersion:", "kind:"))
    last = steps[-1]
    if isinstance(last, int):
        return line.lstrip().startswith("- ")
    return bool(re.match(rf"\s*(- )?{re.escape(str(last))}:", line))


@pytest.mark.parametrize(("rule", "index", "fixture"), list(_fail_fixtures()))
def test_each_finding_points_at_the_field_the_rule_reads(
    rule: PolicyRule, index: int, fixture: Mapping[str, Any], tmp_path: Path
) -> None:
    problem = location_problem(rule, fixture, tmp_path)
    assert problem is None, f"{rule.id} fail[{index}]: {problem}"


@pytest.mark.parametrize(
    ("rule", "index", "fixture"),
    [p for p in _fail_fixtures() if p.values[0].pack in MESSAGE_PACKS],
)
def test_messages_quote_real_values(
    rule: PolicyRule, index: int, fixture: Mapping[str, Any], tmp_path: Path
) -> None:
    finding = fixture_finding(rule, fixture, tmp_path, _POLICY_SET.effective_dates.get(rule.id))
    assert finding is not None
    unresolved = [
        word for word in UNRESOLVED if re.search(rf"\b{re.escape(word)}\b", finding.message)
    ]
    assert unresolved == [], f"{rule.id} fail[{index}]: {finding.message}"


# End to end: `aigov check` and `aigov gate` on real repositories.

LOOSENED_MANIFEST = """\
# yaml-language-server: $schema=../schemas/aigov-manifest.schema.json
apiVersion: aigov/v1
kind: AIProject
metadata:
  id: demand-model
  name: Demand forecast
  owner: data-science@example.com
  business_unit: Retail
stage: data-exploration
success_criteria:
  - metric: mape
    threshold: 0.2
    direction: lower_is_better
  - metric: rmse
    threshold: {rmse}
    direction: lower_is_better
"""


def _commit(repo: Any, root: Path, text: str, date: str) -> None:
    (root / MANIFEST_FILE).write_text(text, encoding="utf-8")
    repo.index.add([MANIFEST_FILE])
    stamp = f"{int(dt.datetime.fromisoformat(f'{date}T10:00:00+01:00').timestamp())} +0100"
    actor = git.Actor("Alice Martin", "alice@bank.example")
    repo.index.commit(
        "aigov.yaml", author=actor, committer=actor, author_date=stamp, commit_date=stamp
    )


def test_a_loosened_threshold_points_at_its_line_with_both_values(
    tmp_path: Path, run_cli: Callable[..., CliResult]
) -> None:
    root = tmp_path / "project"
    repo = git.Repo.init(root, initial_branch="main")
    _commit(repo, root, LOOSENED_MANIFEST.format(rmse=10), "2025-02-01")
    _commit(repo, root, LOOSENED_MANIFEST.format(rmse=14), "2025-04-01")
    result = run_cli("check", str(root), "-f", "json")
    findings = {f["rule_id"]: f for f in json.loads(result.stdout)["findings"]}
    loosened = findings["LC-HISTORY-NO-LOOSENING"]
    lines = (root / MANIFEST_FILE).read_text(encoding="utf-8").split("\n")
    assert lines[loosened["line"] - 1] == "    threshold: 14"
    assert loosened["field"] == "manifest.success_criteria[1].threshold"
    assert "rmse" in loosened["message"] and "threshold 10 → 14" in loosened["message"]


def test_missing_sections_do_not_gather_on_the_first_lines(
    run_cli: Callable[..., CliResult],
) -> None:
    folder = EXAMPLES / "customer-chatbot"
    result = run_cli(
        "gate", "--to", "production", str(folder), "-f", "json", "--skip-evidence", "mlflow"
    )
    findings = json.loads(result.stdout)["findings"]
    lines = (folder / MANIFEST_FILE).read_text(encoding="utf-8").split("\n")
    manifest_findings = [f for f in findings if f["file"].endswith(MANIFEST_FILE)]
    assert len(manifest_findings) >= 10
    for finding in manifest_findings:
        line = lines[finding["line"] - 1]
        assert not line.startswith(("apiVersion:", "kind:", "#")), (finding["rule_id"], line)
    # A project not yet in production is not said to be in production.
    assert not any("is in production" in f["message"] for f in findings)
    assert all(not re.search(r"\b(null|None)\b", f["message"]) for f in findings)


def test_the_failing_item_is_found_cheaply_in_large_lists() -> None:
    """Each try converts only what the assert reads, the list cut to one item: a manifest of
    20,000 approvals and 20,000 stakeholders costs milliseconds, not a conversion per try."""
    rule = _POLICY_SET.rule("LC-APPROVAL-DATES")
    assert rule is not None
    approval = {"to_stage": "poc", "committee": "C", "decision": "approved", "reference": "R"}
    approvals = [{**approval, "date": "2025-01-01"} for _ in range(20_000)]
    approvals[7] = {**approval, "date": "2027-01-01"}
    stakeholders = [{"name": f"P{i}", "role": "data_science"} for i in range(20_000)]
    manifest = {"metadata": {"id": "x", "stakeholders": stakeholders}, "approvals": approvals}
    context = {"manifest": manifest, "today": dt.date(2026, 11, 24)}
    started = time.perf_counter()
    assert offending_item(rule, context, ("manifest", "approvals")) == 7
    assert time.perf_counter() - started < 1.0


def test_a_key_a_contract_lacks_points_where_it_is_to_be_written(tmp_path: Path) -> None:
    """A contract without slaProperties points at the key written before it in the ODCS order
    (where it is to be added), not at apiVersion on the first line."""
    contract = (EXAMPLES / "credit-scoring" / "contracts").glob("*.odcs.yaml").__next__()
    text = contract.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert "slaProperties" in data and text.startswith(("apiVersion", "kind", "version", "#"))
    kept = {key: value for key, value in data.items() if key != "slaProperties"}
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES / "credit-scoring", project)
    written = project / contract.relative_to(EXAMPLES / "credit-scoring")
    written.write_text(yaml.safe_dump(kept, sort_keys=False), encoding="utf-8")
    repository = load_repository(project)
    index = next(i for i, c in enumerate(repository.contracts) if c.file.endswith(contract.name))
    where = locate(repository, f"contracts[{index}].slaProperties")
    line = written.read_text(encoding="utf-8").split("\n")[where.line - 1]
    # The key written before it, in the order the official ODCS schema lists them.
    order = list(odcs_schema()["properties"])
    follows = max(
        (k for k in kept if order.index(k) < order.index("slaProperties")), key=order.index
    )
    assert follows not in ("apiVersion", "kind", "version")
    assert where.file == repository.contracts[index].file and line.startswith(f"{follows}:")
