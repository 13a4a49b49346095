"""Issue 14: nothing a pull request writes by itself can make the gate pass.

Each attack is a real git repository in a temp folder: ``main`` holds the organisation's policy
folder (``governance/``, with its ``aigov-org.yaml`` and ``allowed_signers``) and the credit-scoring
example as a project that passes; a PR branch then makes the change an attacker would, and
``aigov check . --base main --policies governance`` must end blocked, with the pending record
named at its line. The same changes pass once attested: a commit signed by an allowed signer's
SSH key (``git verify-commit`` against the trusted file), or an approving review read from a
forge (see tests/scm/test_approvals.py for the forge side).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer
from tests.conftest import EXAMPLES
from tests.scm.fakes import (
    GITLAB_TOKEN,
    MR_IID,
    PR_NUMBER,
    REPOSITORY,
    FakeGitHub,
    FakeGitLab,
    approval_settings,
    local_server,
)
from tests.scm.fakes import PROJECT_ID as GITLAB_PROJECT

from aigov.cli import main

__all__ = ["local_server"]  # the fixture, used by name

TODAY = "2026-11-24"
APPROVER = "Sophie Garnier, Model Risk Management"
SIGNER = "sophie.garnier@banque-hexagone.example"


def git(root: Path, *args: str, signing_key: Path | None = None, date: str | None = None) -> str:
    env = {
        **os.environ,
        **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {}),
        "GIT_AUTHOR_NAME": "Data Scientist",
        "GIT_AUTHOR_EMAIL": "ds@example.com",
        "GIT_COMMITTER_NAME": "Data Scientist",
        "GIT_COMMITTER_EMAIL": "ds@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }
    config = ["-c", "commit.gpgsign=false"]
    if signing_key is not None:
        config = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={signing_key}"]
        config += ["-c", "commit.gpgsign=true"]
    done = subprocess.run(
        ["git", "-C", str(root), *config, *args], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def ssh_key(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


def public(key: Path) -> str:
    return " ".join(key.with_suffix(".pub").read_text().split()[:2])


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: ssh_key(folder, name) for name in ("approver", "stranger")}


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path], credit_scoring_with_evidence: Path) -> Path:
    """main: a passing project (its criteria committed before its MLflow runs, then its
    evidence) and the governance folder, all signed by the approver; a PR branch checked out."""
    root = tmp_path / "repo"
    shutil.copytree(
        credit_scoring_with_evidence, root, ignore=shutil.ignore_patterns(".git", "__pycache__")
    )
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A", ":!mlruns.db", ":!mlartifacts", ":!.aigov")
    # Committed before the example's MLflow runs were made (as a team fixes criteria first).
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")
    git(root, "commit", "-q", "-m", "criteria", signing_key=keys["approver"], date=yesterday)
    governance = root / "governance"
    governance.mkdir()
    org = yaml.safe_load((EXAMPLES / "org-policies" / "aigov-org.yaml").read_text())
    org["waivers"]["approvers"].append(APPROVER)
    org["people"] = [
        {
            "name": APPROVER,
            "roles": [
                "model_risk",
                "dpo",
                "waiver_approver",
                "Comité des Risques de Crédit",
                "Comité de Validation des Modèles (MRM)",
                "Comité Data & IA Banque de Détail",
            ],
            "github": "sgarnier",
            "signers": [SIGNER],
        },
        {"name": "Isabelle Marchand", "roles": ["business_owner"], "signers": ["im@example"]},
    ]
    (governance / "aigov-org.yaml").write_text(yaml.safe_dump(org, allow_unicode=True))
    (governance / "allowed_signers").write_text(
        f"{SIGNER} {public(keys['approver'])}\nim@example {public(keys['stranger'])}\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "project on main", signing_key=keys["approver"])
    git(root, "checkout", "-q", "-b", "pr")
    return root


def edit(root: Path, change: Any, *, message: str = "PR change", key: Path | None = None) -> None:
    manifest = root / "aigov.yaml"
    data = yaml.safe_load(manifest.read_text())
    change(data)
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, signing_key=key)


def run_aigov(*args: str, env: dict[str, str] | None = None) -> int:
    """``aigov ARGS`` in this process (MLflow is imported once for the whole module), with the
    CI variables of ``env`` only: none of the runner's own forge variables leak in."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("GITHUB_", "GITLAB", "CI_", "AIGOV_FORGE")):
                patch.delenv(name)
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        return main(list(args))


def check(root: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    out = root.parent / "result.json"
    policies = str(root / "governance")
    code = run_aigov(
        "check", str(root), "--policies", policies, "-f", "json", "-o", str(out), *extra, env=env
    )
    assert code in (0, 1)
    return code, json.loads(out.read_text())


def pending(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["rule_id"] == "AIGOV-ATTESTATION"]


def blocking_rules(result: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in result["findings"] if f["blocking"]}


def test_the_base_project_passes(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "nothing")
    code, result = check(repo, "--base", "main")
    assert code == 0, blocking_rules(result)
    assert not pending(result)


def _self_approved_waiver(data: dict[str, Any]) -> None:
    data["risk"]["gdpr"]["dpia"]["status"] = "in_progress"
    data["waivers"].append(
        {
            "rule": "GDPR-35-DPIA-DONE",
            "reason": "DPIA under way",
            "approved_by": APPROVER,
            "ticket": "DPO-1",
            "expires": "2027-01-15",
            "stage": "production",
            "granted_on": "2026-11-20",
        }
    )


def test_a_self_approved_waiver_is_pending_and_lifts_nothing(repo: Path) -> None:
    edit(repo, _self_approved_waiver)
    code, result = check(repo, "--base", "main")
    assert code == 1
    (finding,) = pending(result)
    assert "waiver of GDPR-35-DPIA-DONE" in finding["message"]
    assert "Sophie Garnier" in finding["message"] and "@sgarnier" in finding["message"]
    lines = (repo / "aigov.yaml").read_text().splitlines()
    assert "GDPR-35-DPIA-DONE" in lines[finding["line"] - 1]
    # The waiver excuses nothing, so the DPIA finding itself still blocks.
    dpia = [f for f in result["findings"] if f["rule_id"] == "GDPR-35-DPIA-DONE"]
    assert dpia and dpia[0]["blocking"] and not dpia[0]["waived"]


def test_the_same_waiver_signed_by_an_allowed_signer_counts(
    repo: Path, keys: dict[str, Path]
) -> None:
    edit(repo, _self_approved_waiver, key=keys["approver"])
    _, result = check(repo, "--base", "main")
    assert not pending(result)
    dpia = [f for f in result["findings"] if f["rule_id"] == "GDPR-35-DPIA-DONE"]
    # GDPR-35-DPIA-DONE is critical: the org must list it as waivable, else the waiver is void.
    assert dpia and not dpia[0]["waived"]
    assert "AIGOV-WAIVER" in blocking_rules(result)
    records = result["extra"]["attestation"]["records"]
    assert {r["method"] for r in records} == {"signed-commit"}
    assert records[0]["by"] == APPROVER


def test_a_critical_rule_listed_as_waivable_is_waived_once_signed(
    repo: Path, keys: dict[str, Path]
) -> None:
    org_file = repo / "governance" / "aigov-org.yaml"
    org = yaml.safe_load(org_file.read_text())
    org["waivers"]["waivable_critical"] = ["GDPR-35-DPIA-DONE"]
    org_file.write_text(yaml.safe_dump(org, allow_unicode=True))
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-qam", "org: DPIA may be waived", signing_key=keys["approver"])
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "main")
    edit(repo, _self_approved_waiver, key=keys["approver"])
    code, result = check(repo, "--base", "main")
    dpia = [f for f in result["findings"] if f["rule_id"] == "GDPR-35-DPIA-DONE"]
    assert dpia and dpia[0]["waived"]
    assert code == 0, blocking_rules(result)


@pytest.mark.parametrize("signer", ["stranger", "unlisted"])
def test_a_signature_by_another_key_attests_nothing(
    repo: Path, keys: dict[str, Path], tmp_path: Path, signer: str
) -> None:
    key = keys["stranger"] if signer == "stranger" else ssh_key(tmp_path, "unlisted")
    edit(repo, _self_approved_waiver, key=key)
    code, result = check(repo, "--base", "main")
    assert code == 1
    assert len(pending(result)) == 1


def test_a_future_granted_on_and_max_days_from_the_commit(
    repo: Path, keys: dict[str, Path]
) -> None:
    def waiver(data: dict[str, Any]) -> None:
        data["waivers"].append(
            {
                "rule": "SLA-DASHBOARD",
                "reason": "r",
                "approved_by": APPROVER,
                "ticket": "T-2",
                "expires": "2027-02-01",
                "stage": "production",
                "granted_on": "2027-01-01",  # after today: would make max_days count from 2027
            }
        )

    edit(repo, waiver, key=keys["approver"])
    code, result = check(repo, "--base", "main")
    invalid = [f for f in result["findings"] if f["rule_id"] == "AIGOV-WAIVER"]
    assert code == 1
    assert any("granted_on 2027-01-01 is in the future" in f["message"] for f in invalid)


def test_a_self_approved_stage_change_is_blocked(repo: Path) -> None:
    def demote_then_promote(data: dict[str, Any]) -> None:
        data["approvals"].append(
            {
                "from_stage": "production",
                "to_stage": "production",
                "committee": "Me, myself and I",
                "decision": "approved",
                "date": "2026-11-20",
                "reference": "ME-1",
            }
        )

    edit(repo, demote_then_promote)
    code, result = check(repo, "--base", "main")
    assert code == 1
    (finding,) = pending(result)
    assert (
        "'Me, myself and I' is not the organisation's committee for production"
        in (finding["message"])
    )


def loosening(threshold: float, reference: str) -> Callable[[dict[str, Any]], None]:
    """A lower AUC threshold and the committee approval that accepts it."""

    def loosen(data: dict[str, Any]) -> None:
        data["success_criteria"][0]["threshold"] = threshold
        data["approvals"].append(
            {
                "from_stage": "production",
                "to_stage": "production",
                "committee": "Comité des Risques de Crédit",
                "decision": "approved",
                "date": "2026-11-20",
                "reference": reference,
                "loosened_criteria": ["AUC on out-of-time test sample"],
            }
        )

    return loosen


def test_a_loosened_threshold_with_a_self_written_approval_is_blocked(repo: Path) -> None:
    edit(repo, loosening(0.70, "FAKE-1"))
    code, result = check(repo, "--base", "main")
    assert code == 1
    messages = " | ".join(f["message"] for f in pending(result))
    assert "loosened: threshold 0.78 → 0.7" in messages
    assert "FAKE-1" in messages
    line = (repo / "aigov.yaml").read_text().splitlines()
    loosened = next(f for f in pending(result) if "loosened: threshold" in f["message"])
    assert "threshold" in line[loosened["line"] - 1]


def test_criteria_redefined_by_a_new_metric_name_is_pending(repo: Path) -> None:
    edit(repo, lambda d: d["success_criteria"][0].update(mlflow_metric="train_auc"))
    code, result = check(repo, "--base", "main")
    assert code == 1
    (finding,) = pending(result)
    assert "'train_auc' instead of 'test_oot_auc'" in finding["message"]


def test_a_new_registry_alias_is_pending(repo: Path) -> None:
    edit(repo, lambda d: d["model"]["registry"].update(alias="attacker"))
    code, result = check(repo, "--base", "main")
    assert code == 1
    (finding,) = pending(result)
    assert "model registry changed (alias: champion → attacker)" in finding["message"] or (
        "alias:" in finding["message"]
    )


def test_a_risk_downgrade_is_pending_and_judged_as_the_base(repo: Path) -> None:
    def downgrade(data: dict[str, Any]) -> None:
        ai_act = data["risk"]["ai_act"]
        ai_act["category"] = "minimal"
        ai_act.pop("annex_iii_area", None)
        ai_act.setdefault("conformity_assessment", {})["status"] = "not_started"

    edit(repo, downgrade)
    code, result = check(repo, "--base", "main")
    assert code == 1
    messages = [f["message"] for f in pending(result)]
    assert any("risk.ai_act.category: high → minimal" in m for m in messages)
    assert any("annex_iii_area" in m for m in messages)
    # conformity assessment "not_started" admits work not done: no attestation needed for it.
    assert not any("conformity_assessment.status" in m for m in messages)


def test_raising_obligations_needs_no_attestation(repo: Path) -> None:
    def raise_them(data: dict[str, Any]) -> None:
        data["risk"]["gdpr"]["data_subjects"].append("guarantors")
        data["risk"]["gdpr"]["dpia"]["status"] = "in_progress"

    edit(repo, raise_them)
    _, result = check(repo, "--base", "main")
    assert not pending(result)


def test_history_erased_by_an_ours_merge_is_still_seen(repo: Path) -> None:
    """An orphan commit with a loosened threshold merged with `-s ours`: git's history
    simplification would show the manifest as set once; every parent is followed."""
    git(repo, "checkout", "-q", "--orphan", "orphan")
    data = yaml.safe_load((repo / "aigov.yaml").read_text())
    data["success_criteria"][0]["threshold"] = 0.70
    (repo / "aigov.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "orphan")
    git(repo, "merge", "-q", "-s", "ours", "--allow-unrelated-histories", "main", "-m", "m")
    code, result = check(repo, "--base", "main")
    assert code == 1
    assert any("loosened" in f["message"] for f in pending(result))
    # Without --base, the history read follows both parents: the loosening is in the evidence.
    code, result = check(repo)
    assert "LC-HISTORY-NO-LOOSENING" in blocking_rules(result)


def test_without_base_the_records_taken_on_trust_are_listed(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    shutil.copytree(EXAMPLES / "credit-scoring", folder, ignore=shutil.ignore_patterns("*.db"))
    done = subprocess.run(
        [
            shutil.which("aigov") or "aigov",
            "check",
            str(folder),
            "--policies",
            str(EXAMPLES / "org-policies"),
            "--today",
            TODAY,
            "--skip-evidence",
            "mlflow",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1)
    assert "not attested in this run (no --base, no deployment): waiver of SLA-LATENCY-P95" in (
        done.stdout
    )


def gate(root: Path, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    out = root.parent / "gate.json"
    policies = str(root / "governance")
    code = run_aigov(
        "gate",
        "--to",
        "production",
        str(root),
        "--policies",
        policies,
        "-f",
        "json",
        "-o",
        str(out),
        env=env,
    )
    assert code in (0, 1)
    return code, json.loads(out.read_text())


def test_gate_verify_trusts_a_history_signed_by_an_allowed_signer(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    code, result = gate(repo)
    assert result["extra"]["attestation"]["mode"] == "verify"
    assert not pending(result), [f["message"] for f in pending(result)][:3]
    assert code == 0, blocking_rules(result)
    assert all(r["method"] == "signed-commit" for r in result["extra"]["attestation"]["records"])


def test_gate_verify_names_the_unattested_records(repo: Path, keys: dict[str, Path]) -> None:
    git(repo, "checkout", "-q", "main")
    edit(repo, lambda d: d["risk"]["ai_act"].update(category="limited"), message="quietly")
    code, result = gate(repo)
    assert code == 1
    messages = [f["message"] for f in pending(result)]
    assert any("risk.ai_act.category: high → limited" in m for m in messages)
    assert all("on the deployed commit" in m for m in messages)


def test_a_loosening_and_its_approval_count_once_signed_by_a_committee_member(
    repo: Path, keys: dict[str, Path]
) -> None:
    edit(repo, loosening(0.77, "CRC-2026-11"), key=keys["approver"])
    _, result = check(repo, "--base", "main")
    assert not pending(result)
    records = result["extra"]["attestation"]["records"]
    assert {(r["kind"], r["status"]) for r in records} == {
        ("approval", "attested"),
        ("criteria", "attested"),
    }
    assert "LC-HISTORY-NO-LOOSENING" not in blocking_rules(result)


# --- forge reviews: the real PyGithub client against a local GitHub API -----------------------


@pytest.fixture
def github(local_server: HTTPServer) -> FakeGitHub:
    return FakeGitHub(local_server, login="sgarnier-bot")


def github_job(root: Path, fake: FakeGitHub, head: str) -> dict[str, str]:
    event = root.parent / "event.json"
    payload = {  # the fields of GitHub's pull_request payload that aigov reads
        "number": PR_NUMBER,
        "pull_request": {"number": PR_NUMBER, "head": {"sha": head}},
        "repository": {"full_name": REPOSITORY, "default_branch": "main"},
    }
    event.write_text(json.dumps(payload))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": fake.base,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_NAME": "pull_request_review",
        "GITHUB_EVENT_PATH": str(event),
        "AIGOV_FORGE_TOKEN": fake.token,
    }


def _head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize(
    ("reviewer", "on", "counts"),
    [
        ("sgarnier", "head", True),  # the approver, on the checked head
        ("sgarnier", "older", False),  # an approval of an earlier push
        ("Codertocat", "head", False),  # the PR's author approving their own change
        ("someone-else", "head", False),  # an account no person of the org config holds
    ],
)
def test_an_approving_review_attests_only_from_the_right_account_on_the_head(
    repo: Path, github: FakeGitHub, reviewer: str, on: str, counts: bool
) -> None:
    edit(repo, _self_approved_waiver, message="first push")
    older = _head(repo)
    edit(repo, lambda d: d["metadata"].update(description="second push"), message="second")
    head = _head(repo)
    github.head_sha = head
    github.author = "Codertocat"
    if reviewer == "Codertocat":  # GitHub refuses self-approval; a forged record must not count
        github.add_review("Codertocat", "APPROVED", head)
    else:
        github.add_review(reviewer, "APPROVED", head if on == "head" else older)
    _, result = check(repo, "--base", "main", env=github_job(repo, github, head))
    waiver = [r for r in result["extra"]["attestation"]["records"] if r["kind"] == "waiver"]
    assert (waiver[0]["status"] == "attested") is counts, waiver
    if counts:
        assert waiver[0]["method"] == "forge-review" and waiver[0]["by"] == APPROVER
    else:
        assert len(pending(result)) == 1
    reads = [c for c in github.requests if c.path.endswith("/reviews")]
    assert reads and all(c.headers.get("Authorization") == f"token {github.token}" for c in reads)


def test_gate_branch_protection_is_read_from_the_forge(repo: Path, github: FakeGitHub) -> None:
    org_file = repo / "governance" / "aigov-org.yaml"
    org = yaml.safe_load(org_file.read_text())
    org["attestation"] = {"deployment": "branch-protection"}
    org_file.write_text(yaml.safe_dump(org, allow_unicode=True))
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-qam", "protect")
    env = github_job(repo, github, _head(repo)) | {"GITHUB_EVENT_NAME": "push"}
    _, result = gate(repo, env=env)
    assert result["extra"]["attestation"]["mode"] == "branch-protection"
    (finding,) = pending(result)
    assert "does not require an approving review" in finding["message"]
    github.protection = {
        "url": f"{github.base}/repos/{REPOSITORY}/branches/main/protection",
        "required_pull_request_reviews": {
            "dismiss_stale_reviews": True,
            "require_code_owner_reviews": False,
            "required_approving_review_count": 2,
        },
    }
    _, result = gate(repo, env=env)
    (finding,) = pending(result)
    assert "code-owner reviews" in finding["message"]


def test_gate_verify_trusts_a_merged_pull_request_its_approver_approved(
    repo: Path, github: FakeGitHub
) -> None:
    git(repo, "checkout", "-q", "main")
    edit(repo, lambda d: d["risk"]["ai_act"].update(category="limited"), message="reclassify")
    change = _head(repo)
    event = repo.parent / "push.json"
    event.write_text(
        json.dumps({"repository": {"full_name": REPOSITORY, "default_branch": "main"}})
    )
    env = github_job(repo, github, change) | {
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
    }
    _, result = gate(repo, env=env)
    (finding,) = pending(result)
    assert "no merged request brought" in finding["message"]
    github.add_merged_pull(
        9, author="Codertocat", head=change, merge_commit=change, brought=[change]
    )
    github.add_review("Codertocat", "APPROVED", change, number=9)  # the author's own: not counted
    _, result = gate(repo, env=env)
    assert len(pending(result)) == 1
    github.add_review("sgarnier", "APPROVED", change, number=9)
    _, result = gate(repo, env=env)
    assert not pending(result)
    (record,) = [
        r for r in result["extra"]["attestation"]["records"] if r["by"] and "#9" in r["detail"]
    ]
    assert record["method"] == "forge-review" and record["by"] == APPROVER


@pytest.mark.parametrize("reset_on_push", [True, False])
def test_a_gitlab_approval_counts_only_where_approvals_reset_on_push(
    repo: Path, local_server: HTTPServer, reset_on_push: bool
) -> None:
    gitlab = FakeGitLab(local_server)
    gitlab.approval_settings = approval_settings(reset_on_push=reset_on_push)
    org_file = repo / "governance" / "aigov-org.yaml"
    org = yaml.safe_load(org_file.read_text())
    org["people"][0]["gitlab"] = "sgarnier"
    org_file.write_text(yaml.safe_dump(org, allow_unicode=True))
    git(repo, "checkout", "-q", "main")
    git(repo, "commit", "-qam", "gitlab account")
    git(repo, "checkout", "-q", "pr")
    git(repo, "merge", "-q", "main")
    edit(repo, _self_approved_waiver)
    head = _head(repo)
    gitlab.head_sha = head
    gitlab.approve("sgarnier")
    env = {
        "GITLAB_CI": "true",
        "CI_API_V4_URL": gitlab.base,
        "CI_PROJECT_ID": GITLAB_PROJECT,
        "CI_MERGE_REQUEST_IID": str(MR_IID),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": head,
        "CI_COMMIT_SHA": head,
        "CI_DEFAULT_BRANCH": "main",
        "GITLAB_TOKEN": GITLAB_TOKEN,
    }
    _, result = check(repo, "--base", "main", env=env)
    (waiver,) = [r for r in result["extra"]["attestation"]["records"] if r["kind"] == "waiver"]
    assert (waiver["status"] == "attested") is reset_on_push, waiver
    if not reset_on_push:
        assert len(pending(result)) == 1


def test_a_swapped_store_and_flipped_results_are_pending_until_reviewed(
    repo: Path, github: FakeGitHub
) -> None:
    stored = repo / ".aigov" / "evidence" / "data_quality.json"
    data = json.loads(stored.read_text())
    data["success"] = not data["success"]
    stored.write_text(json.dumps(data))
    with sqlite3.connect(repo / "mlruns.db") as db:  # a store of the PR's own
        db.execute("UPDATE metrics SET value = 0.99")
    git(repo, "commit", "-qam", "better numbers")
    head = _head(repo)
    _, result = check(repo, "--base", "main")
    files = {f["file"] for f in pending(result)}
    assert files == {"mlruns.db", ".aigov/evidence/data_quality.json"}
    assert any("evidence changed by this change: mlruns.db" in note for note in result["notes"])
    github.head_sha = head
    github.add_review("sgarnier", "APPROVED", head)
    _, result = check(repo, "--base", "main", env=github_job(repo, github, head))
    assert not pending(result)


def test_a_run_outside_a_change_names_twenty_records_and_counts_the_rest(tmp_path: Path) -> None:
    from aigov.attestation.apply import outside_change
    from aigov.documents.repository import load_repository

    folder = tmp_path / "many"
    shutil.copytree(EXAMPLES / "credit-scoring", folder, ignore=shutil.ignore_patterns("*.db"))
    data = yaml.safe_load((folder / "aigov.yaml").read_text())
    data["approvals"] = [dict(data["approvals"][0], reference=f"R-{n}") for n in range(3000)]
    (folder / "aigov.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    notes = outside_change(load_repository(folder)).notes
    assert len(notes) == 21
    assert notes[-1] == "… and 2981 more waivers and approvals not attested"
    assert "(R-0)" in notes[1]
