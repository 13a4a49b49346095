"""``aigov check``: outputs, exit codes, stage transitions, trusted policies, baselines.

Pull-request scenarios run on real git repositories built in temp folders: an example committed
on ``main``, then a branch that edits it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import git
import pytest
from tests.conftest import (
    EXAMPLES,
    CliResult,
    imported_modules,
    run_aigov_process,
)

ORG_POLICIES = EXAMPLES / "org-policies"
TODAY = "2026-11-24"


def example_repo(tmp_path: Path, example: str, name: str = "repo") -> tuple[Path, git.Repo]:
    """A copy of ``examples/<example>`` committed on ``main`` of a new git repository."""
    root = tmp_path / name
    shutil.copytree(EXAMPLES / example, root, ignore=shutil.ignore_patterns("mlruns.db"))
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Data Scientist")
        config.set_value("user", "email", "ds@example.com")
    repo.git.add(A=True)
    repo.index.commit("base")
    return root, repo


def edit_and_commit(
    repo: git.Repo, root: Path, edits: dict[str, Callable[[str], str]], branch: str = "change"
) -> None:
    """On a new branch, rewrite each file with its function and commit."""
    if branch not in repo.heads:
        repo.git.checkout("-b", branch)
    for relative, edit in edits.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(edit(before), encoding="utf-8")
    repo.git.add(A=True)
    repo.index.commit("change")


def set_stage(stage: str) -> Callable[[str], str]:
    return lambda text: re.sub(r"(?m)^stage: .*$", f"stage: {stage}", text)


def result_json(result: CliResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def rule_ids(data: dict[str, Any]) -> set[str]:
    findings = data["findings"]
    assert isinstance(findings, list)
    return {f["rule_id"] for f in findings}


# --- outputs and exit codes ------------------------------------------------------------------


def test_check_passes_with_the_org_policies(
    run_cli: Callable[..., CliResult], credit_scoring_with_evidence: Path
) -> None:
    result = run_cli(
        "check",
        str(credit_scoring_with_evidence),
        "--policies",
        str(ORG_POLICIES),
        "--today",
        TODAY,
    )
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout
    assert "SLA-LATENCY-P95" in result.stdout  # waived, never hidden


def test_check_blocks_on_an_unapproved_waiver(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("check", str(EXAMPLES / "credit-scoring"), "--today", TODAY)
    assert result.exit_code == 1
    assert "AIGOV-WAIVER" in result.stdout and "BLOCKED" in result.stdout


def test_formats_pair_with_outputs(
    run_cli: Callable[..., CliResult], tmp_path: Path, credit_scoring_with_evidence: Path
) -> None:
    out = tmp_path / "out" / "result.json"
    result = run_cli(
        "check",
        str(credit_scoring_with_evidence),
        "--policies",
        str(ORG_POLICIES),
        "--today",
        TODAY,
        "-f",
        "json",
        "-o",
        str(out),
        "-f",
        "text",
    )
    assert result.exit_code == 0
    assert "PASSED" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["decision"] == "pass" and data["project"] == "credit-scoring"
    assert len(data["rules"]) == data["summary"]["rules_evaluated"]


@pytest.mark.parametrize("readable", ["text", "markdown"])
def test_annotations_share_standard_output_with_a_readable_report(
    run_cli: Callable[..., CliResult], readable: str
) -> None:
    """The job log gets the annotations (the runner turns them into Error lines) and then the
    decision a person reads, whichever order the formats were given in."""
    result = run_cli(
        "check", str(EXAMPLES / "credit-scoring"), "--today", TODAY, "-f", readable, "-f", "github"
    )
    assert result.exit_code == 1, result.stderr
    lines = result.stdout.splitlines()
    commands = [i for i, line in enumerate(lines) if line.startswith("::")]
    assert commands == list(range(len(commands))) and commands, result.stdout[:500]
    # from the repository root (this checkout), not from the project folder
    # (the first is aigov.yaml's or, without the example's MLflow store, MODEL_CARD.md's)
    assert lines[commands[0]].startswith("::error file=examples/credit-scoring/")
    rest = "\n".join(lines[len(commands) :])
    assert ("BLOCKED" if readable == "text" else "aigov: blocked") in rest
    assert "::" not in "".join(line[:2] for line in lines[len(commands) :])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-f", "json", "-f", "text"], "would all go to standard output"),
        (["-f", "json", "-f", "sarif"], "would all go to standard output"),
        (["-f", "github", "-f", "json"], "would all go to standard output"),
        (["-f", "github", "-f", "text", "-f", "markdown"], "would all go to standard output"),
        (["-o", "x.json", "-f", "json"], "put -f FORMAT before it"),
        (["-f", "json", "-o", "a.json", "-o", "b.json"], "already has -o a.json"),
        (["-f", "pdf"], "invalid choice"),
        (["--today", "2026-13-01"], "not a date"),
    ],
)
def test_usage_errors_exit_2(
    run_cli: Callable[..., CliResult], args: list[str], message: str
) -> None:
    result = run_cli("check", str(EXAMPLES / "credit-scoring"), *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_invalid_repository_prints_the_problems(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("check", str(EXAMPLES / "broken" / "malformed-yaml"))
    assert result.exit_code == 2
    assert "has invalid files" in result.stderr
    assert re.search(r"aigov\.yaml:\d+:\d+", result.stderr)
    assert run_cli("check", str(EXAMPLES / "no-such-example")).exit_code == 2


def test_unreadable_policy_pack_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    pack = tmp_path / "policies" / "broken"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    result = run_cli("check", str(EXAMPLES / "credit-scoring"), "--policies", str(pack.parent))
    assert result.exit_code == 2
    assert "policy packs cannot be loaded" in result.stderr
    assert "pack.yaml" in result.stderr


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    for args in (
        ["check", str(EXAMPLES / "broken" / "non-utf8")],
        ["check", str(EXAMPLES / "credit-scoring"), "--base", "no-such-ref"],
        ["check", str(EXAMPLES / "credit-scoring"), "--baseline", str(tmp_path / "none.json")],
        ["check", str(EXAMPLES / "credit-scoring"), "--policies", "git+https://x/y@v1"],
    ):
        result = run_aigov_process(*args, cwd=tmp_path)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.stderr, result.stderr


# --- stage transitions (--base) ---------------------------------------------------------------


def test_forward_transition_needs_its_approval(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, repo = example_repo(tmp_path, "demand-forecast")
    edit_and_commit(repo, root, {"aigov.yaml": set_stage("production")})
    result = run_cli("check", str(root), "--base", "main", "-f", "json", "--today", TODAY)
    data = result_json(result)
    assert data["stages"] == ["industrialization", "production"]
    assert "LC-TRANSITION-APPROVAL" in rule_ids(data)
    assert "LC-TRANSITION-NO-SKIP" not in rule_ids(data)
    change = data["extra"]["change"]
    assert change["direction"] == "forward" and change["files"] == ["aigov.yaml"]
    assert result.exit_code == 1


def test_transition_approval_written_by_the_pr_is_pending(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """The PR's own approval record lifts nothing until attested (tests/attacks/
    test_gate_integrity.py shows it counting once signed or reviewed)."""
    root, repo = example_repo(tmp_path, "demand-forecast")
    approval = (
        "  - from_stage: industrialization\n    to_stage: production\n    committee: Comité\n"
        "    decision: approved\n    date: 2026-11-20\n    reference: CPI-2026-11\n"
    )

    def add_approval(text: str) -> str:
        return re.sub(r"(?m)^approvals:\n", "approvals:\n" + approval, text, count=1)

    edit_and_commit(repo, root, {"aigov.yaml": lambda t: add_approval(set_stage("production")(t))})
    data = result_json(
        run_cli("check", str(root), "--base", "main", "-f", "json", "--today", TODAY)
    )
    assert "LC-TRANSITION-APPROVAL" in rule_ids(data)
    (pending,) = [f for f in data["findings"] if f["rule_id"] == "AIGOV-ATTESTATION"]
    assert "CPI-2026-11" in pending["message"] and pending["blocking"]


def test_skipping_a_stage_blocks_unless_allowed(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, repo = example_repo(tmp_path, "customer-chatbot")
    edit_and_commit(repo, root, {"aigov.yaml": set_stage("production")})
    data = result_json(
        run_cli("check", str(root), "--base", "main", "-f", "json", "--today", TODAY)
    )
    skip = [f for f in data["findings"] if f["rule_id"] == "LC-TRANSITION-NO-SKIP"]
    assert skip and skip[0]["blocking"] and skip[0]["file"] == "aigov.yaml"
    org = tmp_path / "org"
    org.mkdir()
    (org / "aigov-org.yaml").write_text(
        "apiVersion: aigov/v1\nkind: OrgConfig\nlifecycle: {allow_stage_skip: true}\n",
        encoding="utf-8",
    )
    allowed = run_cli(
        "check", str(root), "--base", "main", "--policies", str(org), "-f", "json", "--today", TODAY
    )
    assert "LC-TRANSITION-NO-SKIP" not in rule_ids(result_json(allowed))


def test_moving_back_and_retiring(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root, repo = example_repo(tmp_path, "credit-scoring")
    edit_and_commit(repo, root, {"aigov.yaml": set_stage("industrialization")})
    back = result_json(
        run_cli("check", str(root), "--base", "main", "-f", "json", "--today", TODAY)
    )
    assert back["stages"] == ["industrialization"]  # production's exit criteria do not apply
    assert "LC-TRANSITION-BACKWARD" in rule_ids(back)
    edit_and_commit(repo, root, {"aigov.yaml": set_stage("retired")})
    retired = result_json(
        run_cli("check", str(root), "--base", "main", "-f", "json", "--today", TODAY)
    )
    assert retired["stages"] == ["retired"]
    assert retired["extra"]["change"]["direction"] == "retire"
    assert "LC-TRANSITION-RETIRE" not in rule_ids(retired)  # it has a decommission plan


def test_unchanged_stage_in_a_pr(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root, repo = example_repo(tmp_path, "customer-chatbot")
    edit_and_commit(repo, root, {"README.md": lambda t: t + "\nmore\n"})
    result = run_cli(
        "check", str(root), "--base", "main", "--policies", str(ORG_POLICIES), "-f", "json"
    )
    data = result_json(result)
    assert result.exit_code == 0, result.stdout
    assert data["stages"] == ["poc"]
    assert data["base"] == "main" and data["commit"] == repo.head.commit.hexsha
    assert data["extra"]["change"]["stage_changed"] is False


def test_shallow_clone_exits_2_with_the_fetch_hint(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, repo = example_repo(tmp_path, "demand-forecast", name="origin")
    edit_and_commit(repo, root, {"README.md": lambda t: t + "\nmore\n"}, branch="main")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", root.as_uri(), str(clone)], check=True
    )
    result = run_cli("check", str(clone), "--base", "HEAD")
    assert result.exit_code == 2
    assert "fetch-depth: 0" in result.stderr and 'GIT_DEPTH: "0"' in result.stderr


def test_unknown_base_ref_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    root, _ = example_repo(tmp_path, "demand-forecast")
    result = run_cli("check", str(root), "--base", "origin/nope")
    assert result.exit_code == 2 and "origin/nope" in result.stderr


# --- trusted policy source (issue 6 item 4) -----------------------------------------------------


ORG_WITHOUT_APPROVERS = "apiVersion: aigov/v1\nkind: OrgConfig\nwaivers: {max_days: 120}\n"
ORG_WITH_APPROVER = (
    "apiVersion: aigov/v1\nkind: OrgConfig\nwaivers:\n  max_days: 120\n  approvers:\n"
    "    - Claire Dubois, Responsable Production Applicative Crédit\n"
)


def test_a_pr_cannot_change_the_policy_that_judges_it(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, repo = example_repo(tmp_path, "credit-scoring")
    (root / "governance").mkdir()
    (root / "governance" / "aigov-org.yaml").write_text(ORG_WITHOUT_APPROVERS, encoding="utf-8")
    repo.git.add(A=True)
    repo.index.commit("org policy")
    # The PR makes its own waiver valid by adding its approver to the org config.
    edit_and_commit(repo, root, {"governance/aigov-org.yaml": lambda _: ORG_WITH_APPROVER})
    args = ["check", str(root), "--policies", str(root / "governance"), "-f", "json"]
    head_only = run_cli(*args, "--today", TODAY)
    assert "AIGOV-WAIVER" not in rule_ids(result_json(head_only))  # no --base: trusted as is
    result = run_cli(*args, "--base", "main", "--today", TODAY)
    assert result.exit_code == 1
    data = result_json(result)
    assert "AIGOV-WAIVER" in rule_ids(data)
    notes = "\n".join(data["notes"])
    assert "needs compliance review" in notes and "governance/aigov-org.yaml" in notes
    assert "as committed at main" in notes
    assert str(data["policy_source"]).startswith("git+file://")


def test_waivers_added_by_the_pr_are_pending_until_attested(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, repo = example_repo(tmp_path, "credit-scoring")
    text = (root / "aigov.yaml").read_text(encoding="utf-8")
    without, _ = text.split("\nwaivers:\n")
    (root / "aigov.yaml").write_text(without + "\n", encoding="utf-8")
    repo.git.add(A=True)
    repo.index.commit("no waiver yet")
    edit_and_commit(repo, root, {"aigov.yaml": lambda _: text})
    data = result_json(
        run_cli("check", str(root), "--base", "main", "--policies", str(ORG_POLICIES), "-f", "json")
    )
    (pending,) = [f for f in data["findings"] if f["rule_id"] == "AIGOV-ATTESTATION"]
    assert "waiver of SLA-LATENCY-P95 (RISKIT-2291)" in pending["message"]
    assert "written by this change, not attested" in pending["message"]
    assert pending["blocking"] and pending["file"] == "aigov.yaml"
    latency = [f for f in data["findings"] if f["rule_id"] == "SLA-LATENCY-P95"]
    assert all(not f["waived"] for f in latency)  # the pending waiver excuses nothing


# --- baseline ----------------------------------------------------------------------------------


def test_baseline_blocks_only_new_findings(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    root, _ = example_repo(tmp_path, "credit-scoring")
    saved = tmp_path / "baseline.json"
    first = run_cli("check", str(root), "-f", "json", "-o", str(saved), "--today", TODAY)
    assert first.exit_code == 1
    saved_findings = json.loads(saved.read_text(encoding="utf-8"))["findings"]
    saved_line = next(f["line"] for f in saved_findings if f["rule_id"] == "AIGOV-WAIVER")
    # Lines move (a comment block on top): the fingerprints do not.
    manifest = root / "aigov.yaml"
    manifest.write_text("# moved\n# down\n" + manifest.read_text(encoding="utf-8"), "utf-8")
    again = run_cli("check", str(root), "--baseline", str(saved), "-f", "json", "--today", TODAY)
    assert again.exit_code == 0, again.stdout
    data = result_json(again)
    assert data["decision"] == "pass"
    waiver = next(f for f in data["findings"] if f["rule_id"] == "AIGOV-WAIVER")
    assert waiver["blocking"] is False and waiver["line"] == saved_line + 2
    assert len(data["extra"]["baseline"]["matched"]) == len(saved_findings)
    assert any("baseline" in n for n in data["notes"])
    # A new blocking finding still blocks.
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace(
            "dpia:\n      status: completed", "dpia:\n      status: in_progress"
        ),
        "utf-8",
    )
    new = run_cli("check", str(root), "--baseline", str(saved), "-f", "json", "--today", TODAY)
    blocking = {f["rule_id"] for f in result_json(new)["findings"] if f["blocking"]}
    assert new.exit_code == 1 and "AIGOV-WAIVER" not in blocking and blocking


def test_unreadable_baseline_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text("{not json", encoding="utf-8")
    result = run_cli("check", str(EXAMPLES / "credit-scoring"), "--baseline", str(bad))
    assert result.exit_code == 2 and "not valid JSON" in result.stderr
    bad.write_text("[]", encoding="utf-8")
    assert (
        "not an aigov result"
        in run_cli("check", str(EXAMPLES / "credit-scoring"), "--baseline", str(bad)).stderr
    )


# --- speed: what the check path imports ---------------------------------------------------------

# GitPython too: the check path reads git through plumbing commands (aigov.git_objects).
HEAVY = ("mlflow", "great_expectations", "github", "gitlab", "pandas", "git")


@pytest.mark.parametrize(
    "args",
    [
        ["examples/customer-chatbot", "--policies", "examples/org-policies"],
        [
            "examples/credit-scoring",
            "--policies",
            "examples/org-policies",
            "--skip-evidence",
            "mlflow",
        ],
    ],
)
def test_check_imports_no_heavy_library(args: list[str]) -> None:
    code, imported = imported_modules("check", *args)
    assert code in (0, 1)
    heavy = sorted(m for m in imported if m.split(".")[0] in HEAVY)
    assert not heavy, heavy


def test_run_data_checks_stores_fresh_evidence_the_check_then_uses(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    repo = tmp_path / "demand-forecast"
    shutil.copytree(EXAMPLES / "demand-forecast", repo, ignore=shutil.ignore_patterns(".aigov"))
    result = run_cli(
        "check",
        str(repo),
        "--skip-evidence",
        "mlflow",
        "--skip-evidence",
        "git",
        "--today",
        "2026-11-24",
        "--run-data-checks",
        "-f",
        "json",
    )
    report = json.loads(result.stdout)
    assert (repo / ".aigov" / "evidence" / "data_quality.json").is_file()
    assert any(n.startswith("data checks re-run for 1 contract(s)") for n in report["notes"])
    rule_ids = {f["rule_id"] for f in report["findings"]}
    assert "LC-DATA-QUALITY-EVIDENCE" not in rule_ids
    assert "LC-DATA-QUALITY-PASSED" not in rule_ids
