"""Forge attestations read by the real PyGithub and python-gitlab over HTTP from local fakes.

Every test asserts what the forge answered as the gate will read it, and what was sent: the
requests (method, path, query) and the token (only to the configured API, never in a message).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from tests.scm.fakes import (
    GITHUB_TOKEN,
    GITLAB_TOKEN,
    HEAD_SHA,
    JOB_TOKEN,
    MR_IID,
    NEWER_SHA,
    PR_NUMBER,
    PROJECT_ID,
    REPOSITORY,
    FakeGitHub,
    FakeGitLab,
    approval_settings,
    serving_elsewhere,
)

from aigov.scm import retry
from aigov.scm.approvals import (
    branch_protection,
    forge_repository,
    merged_change_requests_of,
    read_approvals,
)
from aigov.scm.codeowners import codeowners_for
from aigov.scm.forge import Approval, ForgeReadError, ForgeRepository

OLD_SHA = "0" * 40
MERGE_SHA = "9" * 40
REPO = f"/repos/{REPOSITORY}"
PROJECT = f"/projects/{PROJECT_ID}"
MR = f"{PROJECT}/merge_requests/{MR_IID}"

pytestmark = pytest.mark.usefixtures("zero_throttle", "quick_retries")


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", retry.RetryPolicy(backoff_factor=0.01))


@pytest.fixture
def github(local_server: HTTPServer) -> FakeGitHub:
    return FakeGitHub(local_server)


@pytest.fixture
def gitlab(local_server: HTTPServer) -> FakeGitLab:
    return FakeGitLab(local_server)


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[dict[str, str]]]]:
    with serving_elsewhere() as (url, received):
        yield url, received


def on_github(fake: FakeGitHub) -> ForgeRepository:
    return ForgeRepository(
        "github", fake.base, REPOSITORY, GITHUB_TOKEN, PR_NUMBER, HEAD_SHA, "main"
    )


def on_gitlab(fake: FakeGitLab) -> ForgeRepository:
    return ForgeRepository("gitlab", fake.base, PROJECT_ID, GITLAB_TOKEN, MR_IID, HEAD_SHA, "main")


def tokens_sent(fake: FakeGitHub | FakeGitLab) -> set[str]:
    return {
        r.headers.get("Authorization") or r.headers.get("Private-Token", "") for r in fake.requests
    }


# --- GitHub: standing approvals ----------------------------------------------------------------


def test_github_approval_on_the_head_stands(github: FakeGitHub) -> None:
    github.add_review("alice", "APPROVED")
    github.add_review("bob", "COMMENTED")

    found = read_approvals(on_github(github), PR_NUMBER)

    assert found.approvals == (Approval("alice", HEAD_SHA, "2026-11-24T11:00:01Z"),)
    assert found.approvers_on(HEAD_SHA.upper()) == {"alice"}
    assert (found.forge, found.number, found.author, found.head_sha) == (
        "github",
        PR_NUMBER,
        "Codertocat",
        HEAD_SHA,
    )
    assert (found.merged, found.merge_commit) == (False, None)  # an open PR's test merge ignored
    assert found.url == f"https://github.com/{REPOSITORY}/pull/{PR_NUMBER}"
    assert github.calls() == [
        ("GET", f"{REPO}/pulls/{PR_NUMBER}"),
        ("GET", f"{REPO}/pulls/2/reviews"),
    ]
    assert github.requests[1].query["per_page"] == "100"
    assert tokens_sent(github) == {f"token {GITHUB_TOKEN}"}


@pytest.mark.parametrize(
    ("history", "standing"),
    [
        ([("APPROVED", HEAD_SHA), ("CHANGES_REQUESTED", HEAD_SHA)], set()),
        ([("CHANGES_REQUESTED", HEAD_SHA), ("APPROVED", HEAD_SHA)], {"alice"}),
        ([("APPROVED", HEAD_SHA), ("COMMENTED", HEAD_SHA)], {"alice"}),  # a comment keeps it
        ([("APPROVED", HEAD_SHA), ("DISMISSED", HEAD_SHA)], set()),
        ([("DISMISSED", HEAD_SHA)], set()),  # a dismissed approval is DISMISSED itself
        ([("APPROVED", HEAD_SHA), ("PENDING", HEAD_SHA)], {"alice"}),  # not submitted
        ([("APPROVED", OLD_SHA)], set()),  # approved an older commit only
        ([("APPROVED", OLD_SHA), ("APPROVED", HEAD_SHA)], {"alice"}),
        ([("APPROVED", HEAD_SHA), ("APPROVED", OLD_SHA)], set()),  # its latest is on OLD_SHA
    ],
)
def test_github_standing_approval_is_the_latest_decision(
    github: FakeGitHub, history: list[tuple[str, str]], standing: set[str]
) -> None:
    for state, commit in history:
        github.add_review("alice", state, commit)

    assert read_approvals(on_github(github), PR_NUMBER).approvers_on(HEAD_SHA) == standing


def test_github_approval_on_an_older_commit_names_that_commit(github: FakeGitHub) -> None:
    github.add_review("alice", "APPROVED", OLD_SHA)
    github.add_review("bob", "APPROVED")

    found = read_approvals(on_github(github), PR_NUMBER)

    assert found.approvers_on(HEAD_SHA) == {"bob"}
    assert found.approvers_on(OLD_SHA) == {"alice"}


def test_github_the_authors_own_approval_never_counts(github: FakeGitHub) -> None:
    github.add_review("Codertocat", "APPROVED")
    github.add_review("CODERTOCAT", "APPROVED")  # logins compare without case, as GitHub's do
    github.add_review("alice", "APPROVED")

    found = read_approvals(on_github(github), PR_NUMBER)

    assert [a.account for a in found.approvals] == ["alice"]


def test_github_every_page_of_reviews_is_read(github: FakeGitHub) -> None:
    github.add_review("alice", "APPROVED")
    for n in range(230):
        github.add_review(f"bot{n}", "COMMENTED")
    github.add_review("alice", "CHANGES_REQUESTED")  # on page 3: withdraws page 1's approval
    github.add_review("carol", "APPROVED")

    found = read_approvals(on_github(github), PR_NUMBER)

    assert found.approvers_on(HEAD_SHA) == {"carol"}
    pages = [r.query.get("page", "1") for r in github.requests if r.path.endswith("/reviews")]
    assert pages == ["1", "2", "3"]


def test_github_a_page_on_another_host_is_never_asked(
    github: FakeGitHub, elsewhere: tuple[str, list[dict[str, str]]]
) -> None:
    other, reached = elsewhere
    github.link_base = other  # the answer's Link header names another host for page 2
    for n in range(150):
        github.add_review(f"user{n}", "APPROVED")

    with pytest.raises(ForgeReadError, match="the answer points to another host"):
        read_approvals(on_github(github), PR_NUMBER)

    assert reached == []
    assert tokens_sent(github) == {f"token {GITHUB_TOKEN}"}


def test_github_a_502_once_is_retried(github: FakeGitHub) -> None:
    github.add_review("alice", "APPROVED")
    github.fail_once("GET", f"{REPO}/pulls/2/reviews", 502)

    assert read_approvals(on_github(github), PR_NUMBER).approvers_on(HEAD_SHA) == {"alice"}
    assert github.calls().count(("GET", f"{REPO}/pulls/2/reviews")) == 2


def test_github_refusal_is_one_line_without_the_token(github: FakeGitHub) -> None:
    github.fail_once("GET", f"{REPO}/pulls/2", 403, body={"message": f"no {GITHUB_TOKEN}"})

    with pytest.raises(ForgeReadError) as raised:
        read_approvals(on_github(github), PR_NUMBER)

    message = str(raised.value)
    assert GITHUB_TOKEN not in message and "\n" not in message
    assert "HTTP 403" in message and "pull-requests: read" in message


# --- GitHub: the pull requests that brought a commit --------------------------------------------


def test_github_merged_pull_requests_of_a_commit(github: FakeGitHub) -> None:
    github.add_merged_pull(
        5, author="octo", head=OLD_SHA, merge_commit=MERGE_SHA, brought=[MERGE_SHA]
    )
    github.add_review("alice", "APPROVED", OLD_SHA, number=5)
    github.add_review("octo", "APPROVED", OLD_SHA, number=5)  # the author's own
    github.merged_pulls[9] = github._pull(9)  # an open PR holding the commit too
    github.commit_pulls[MERGE_SHA].append(9)

    found = merged_change_requests_of(on_github(github), MERGE_SHA.upper())

    assert [(c.number, c.merged, c.merge_commit, c.head_sha, c.author) for c in found] == [
        (5, True, MERGE_SHA, OLD_SHA, "octo")
    ]
    assert found[0].approvers_on(OLD_SHA) == {"alice"}
    assert github.calls() == [
        ("GET", f"{REPO}/commits/{MERGE_SHA}/pulls"),
        ("GET", f"{REPO}/pulls/5/reviews"),
    ]


def test_github_a_commit_no_pull_request_brought(github: FakeGitHub) -> None:
    assert merged_change_requests_of(on_github(github), NEWER_SHA) == []


def test_not_a_commit_is_refused_before_any_request(github: FakeGitHub) -> None:
    with pytest.raises(ForgeReadError, match="not a commit SHA"):
        merged_change_requests_of(on_github(github), "../../user")
    assert github.requests == []


# --- GitHub: branch protection -----------------------------------------------------------------


def protection_rule(count: int, *, stale: bool, owners: bool) -> dict[str, Any]:
    """``GET …/branches/{b}/protection`` as documented (the parts read, and a few beside)."""
    url = f"https://api.github.com{REPO}/branches/main/protection"
    return {
        "url": url,
        "required_status_checks": {"strict": True, "contexts": ["aigov"], "checks": []},
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": True},
        "required_pull_request_reviews": {
            "url": f"{url}/required_pull_request_reviews",
            "dismiss_stale_reviews": stale,
            "require_code_owner_reviews": owners,
            "required_approving_review_count": count,
            "require_last_push_approval": False,
        },
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
    }


def test_github_branch_protection_present(github: FakeGitHub) -> None:
    github.protection = protection_rule(2, stale=True, owners=True)

    found = branch_protection(on_github(github), "main")

    assert (found.protected, found.required_approvals) == (True, 2)
    assert (found.dismisses_stale_approvals, found.code_owner_reviews) == (True, True)
    assert "branch protection rule" in found.detail and "2 approval(s)" in found.detail
    assert github.calls() == [
        ("GET", f"{REPO}/branches/main/protection"),
        ("GET", f"{REPO}/rules/branches/main"),
    ]


def test_github_branch_not_protected(github: FakeGitHub) -> None:
    found = branch_protection(on_github(github), "main")

    assert (found.protected, found.required_approvals) == (False, 0)
    assert (found.dismisses_stale_approvals, found.code_owner_reviews) == (None, None)


def test_github_a_ruleset_protects_without_a_protection_rule(github: FakeGitHub) -> None:
    github.rules = [
        {"type": "deletion", "ruleset_source_type": "Repository", "ruleset_id": 7},
        {
            "type": "pull_request",
            "ruleset_source_type": "Repository",
            "ruleset_source": REPOSITORY,
            "ruleset_id": 7,
            "parameters": {
                "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": False,
                "require_last_push_approval": False,
                "required_approving_review_count": 1,
                "required_review_thread_resolution": False,
            },
        },
    ]

    found = branch_protection(on_github(github), "main")

    assert (found.protected, found.required_approvals, found.dismisses_stale_approvals) == (
        True,
        1,
        True,
    )
    assert "ruleset 7" in found.detail


def test_github_protection_the_token_may_not_read(github: FakeGitHub) -> None:
    github.protection_refused = True

    with pytest.raises(ForgeReadError) as raised:
        branch_protection(on_github(github), "main")

    message = str(raised.value)
    assert "HTTP 403" in message and "administration: read" in message
    assert GITHUB_TOKEN not in message
    assert ("GET", f"{REPO}/rules/branches/main") not in github.calls()


@pytest.mark.parametrize("name", ["../../../user", "/main", "main/", "a//b", "a/.b", "x y", ""])
def test_a_branch_name_git_refuses_is_refused(github: FakeGitHub, name: str) -> None:
    with pytest.raises(ForgeReadError, match="not a branch name"):
        branch_protection(on_github(github), name)
    assert github.requests == []


def test_a_ruleset_less_server_reads_as_no_ruleset(github: FakeGitHub) -> None:
    github.protection = protection_rule(1, stale=False, owners=False)
    github.fail_once("GET", f"{REPO}/rules/branches/main", 404)

    found = branch_protection(on_github(github), "main")

    assert (found.protected, found.required_approvals, found.dismisses_stale_approvals) == (
        True,
        1,
        False,
    )


# --- GitLab ------------------------------------------------------------------------------------


def test_gitlab_approvals_stand_on_the_head_when_pushes_reset_them(gitlab: FakeGitLab) -> None:
    gitlab.approve("alice")
    gitlab.approve("jsmith")  # the author's own (allowed by some projects): never counted

    found = read_approvals(on_gitlab(gitlab), MR_IID)

    assert found.approvals == (Approval("alice", HEAD_SHA, None),)
    assert found.approvers_on(HEAD_SHA) == {"alice"}
    assert (found.author, found.head_sha, found.merged) == ("jsmith", HEAD_SHA, False)
    assert found.url == f"https://gitlab.example.com/group/project/-/merge_requests/{MR_IID}"
    assert gitlab.calls() == [
        ("GET", MR),
        ("GET", f"{MR}/approvals"),
        ("GET", f"{PROJECT}/approvals"),
        ("GET", MR),  # the head again: the approvals were read between two reads of it
    ]
    assert {r.headers.get("Private-Token") for r in gitlab.requests} == {GITLAB_TOKEN}


def test_gitlab_approvals_kept_on_push_stand_on_no_commit(gitlab: FakeGitLab) -> None:
    gitlab.approval_settings = approval_settings(reset_on_push=False)
    gitlab.approve("alice")

    found = read_approvals(on_gitlab(gitlab), MR_IID)

    assert found.approvals == (Approval("alice", None, None),)
    assert found.approvers_on(HEAD_SHA) == frozenset()


def test_gitlab_without_approval_settings_approvals_stand_on_no_commit(gitlab: FakeGitLab) -> None:
    gitlab.approval_settings = None  # 404: GitLab Free
    gitlab.approve("alice")

    assert read_approvals(on_gitlab(gitlab), MR_IID).approvers_on(HEAD_SHA) == frozenset()


def test_gitlab_a_push_while_reading_ties_no_approval(gitlab: FakeGitLab) -> None:
    gitlab.approve("alice")

    def push() -> None:
        gitlab.head_sha = NEWER_SHA

    gitlab.after_once("GET", f"{MR}/approvals", push)

    found = read_approvals(on_gitlab(gitlab), MR_IID)

    assert found.approvals == (Approval("alice", None, None),)


def test_gitlab_merged_merge_requests_of_a_commit(gitlab: FakeGitLab) -> None:
    gitlab.add_merged(3, author="octo", head=OLD_SHA, merge_commit=MERGE_SHA, brought=[MERGE_SHA])
    gitlab.approve("alice", iid=3)
    gitlab.approve("octo", iid=3)

    found = merged_change_requests_of(on_gitlab(gitlab), MERGE_SHA)

    assert [(c.number, c.merged, c.merge_commit, c.head_sha) for c in found] == [
        (3, True, MERGE_SHA, OLD_SHA)
    ]
    assert found[0].approvers_on(OLD_SHA) == {"alice"}
    assert gitlab.calls() == [
        ("GET", f"{PROJECT}/repository/commits/{MERGE_SHA}/merge_requests"),
        ("GET", f"{PROJECT}/approvals"),
        ("GET", f"{PROJECT}/merge_requests/3/approvals"),
    ]


def test_gitlab_pages_are_asked_of_the_configured_host_only(
    gitlab: FakeGitLab, elsewhere: tuple[str, list[dict[str, str]]]
) -> None:
    other, reached = elsewhere
    gitlab.link_base = f"{other}/api/v4"
    for iid in range(10, 130):
        gitlab.add_merged(iid, author="octo", head=OLD_SHA, merge_commit=MERGE_SHA, brought=[])
        gitlab.commit_merge_requests.setdefault(MERGE_SHA, []).append(iid)

    found = merged_change_requests_of(on_gitlab(gitlab), MERGE_SHA)

    assert len(found) == 120
    assert reached == []


def test_gitlab_a_redirect_elsewhere_carries_no_token(
    gitlab: FakeGitLab, elsewhere: tuple[str, list[dict[str, str]]]
) -> None:
    other, reached = elsewhere
    gitlab.fail_once("GET", MR, 302, headers={"Location": f"{other}/api/v4{MR}"})

    with pytest.raises(ForgeReadError):
        read_approvals(on_gitlab(gitlab), MR_IID)  # the other host answers a list, not an MR

    assert len(reached) == 1
    assert "Private-Token" not in reached[0] and GITLAB_TOKEN not in json.dumps(reached[0])


def test_gitlab_a_502_once_is_retried(gitlab: FakeGitLab) -> None:
    gitlab.approve("alice")
    gitlab.fail_once("GET", f"{MR}/approvals", 502)

    assert read_approvals(on_gitlab(gitlab), MR_IID).approvers_on(HEAD_SHA) == {"alice"}
    assert gitlab.calls().count(("GET", f"{MR}/approvals")) == 2


def test_gitlab_protected_branch_with_approval_rules(gitlab: FakeGitLab) -> None:
    gitlab.protect("main", code_owners=True)
    gitlab.approval_settings = approval_settings(reset_on_push=True, required=1)
    gitlab.approval_rules = [
        {
            "id": 1,
            "name": "governance",
            "rule_type": "regular",
            "approvals_required": 2,
            "eligible_approvers": [],
            "users": [],
            "groups": [],
            "contains_hidden_groups": False,
            "protected_branches": [{"id": 5, "name": "main"}],
            "applies_to_all_protected_branches": False,
        },
        {
            "id": 2,
            "name": "releases only",
            "rule_type": "regular",
            "approvals_required": 5,
            "protected_branches": [{"id": 6, "name": "release/*"}],
            "applies_to_all_protected_branches": False,
        },
    ]

    found = branch_protection(on_gitlab(gitlab), "main")

    assert (found.protected, found.required_approvals) == (True, 2)
    assert (found.dismisses_stale_approvals, found.code_owner_reviews) == (True, True)
    assert "push: Maintainers" in found.detail
    assert gitlab.calls() == [
        ("GET", f"{PROJECT}/protected_branches/main"),
        ("GET", f"{PROJECT}/approvals"),
        ("GET", f"{PROJECT}/approval_rules"),
    ]


def test_gitlab_wildcard_protection_and_free_plan(gitlab: FakeGitLab) -> None:
    gitlab.protect("release/*", push=30, code_owners=None)
    gitlab.approval_settings = None

    found = branch_protection(on_gitlab(gitlab), "release/1.x")

    assert (found.protected, found.required_approvals) == (True, 0)
    assert (found.dismisses_stale_approvals, found.code_owner_reviews) == (None, None)
    assert "release/*" in found.detail
    assert gitlab.calls()[:2] == [
        ("GET", f"{PROJECT}/protected_branches/release/1.x"),  # sent as release%2F1.x
        ("GET", f"{PROJECT}/protected_branches"),
    ]


def test_gitlab_branch_not_protected(gitlab: FakeGitLab) -> None:
    found = branch_protection(on_gitlab(gitlab), "main")

    assert (found.protected, found.required_approvals, found.code_owner_reviews) == (False, 0, None)


# --- where to read: the CI environment ---------------------------------------------------------


def test_no_forge_outside_ci() -> None:
    assert forge_repository({"CI": "true"}) is None


def test_github_repository_from_a_pull_request_review_event(
    tmp_path: Path, conformance: Path
) -> None:
    payload = json.loads((conformance / "github-events" / "pull_request.opened.json").read_text())
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"action": "submitted", "review": {"state": "approved"}, **payload})
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": MERGE_SHA,  # the test merge commit: not the head
        "GITHUB_TOKEN": "ghs_workflow",
        "AIGOV_FORGE_TOKEN": "ghp_reviews",
    }

    found = forge_repository(env)

    assert found == ForgeRepository(
        "github",
        "https://api.github.com",
        REPOSITORY,
        "ghp_reviews",
        PR_NUMBER,
        HEAD_SHA,
        payload["repository"]["default_branch"],
    )
    assert "ghp_reviews" not in repr(found)


def test_github_repository_of_a_push(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"ref": "refs/heads/main", "repository": {"default_branch": "main"}})
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": MERGE_SHA.upper(),
        "GITHUB_TOKEN": "ghs_workflow",
    }

    found = forge_repository(env)

    assert found is not None
    assert (found.change_request, found.head_sha, found.default_branch) == (None, MERGE_SHA, "main")
    assert found.token == "ghs_workflow"


GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
    "CI_PROJECT_ID": PROJECT_ID,
    "CI_MERGE_REQUEST_IID": str(MR_IID),
    "CI_COMMIT_SHA": MERGE_SHA,
    "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": HEAD_SHA,
    "CI_DEFAULT_BRANCH": "main",
}


def test_gitlab_repository_from_a_merge_request_pipeline() -> None:
    found = forge_repository({**GITLAB_ENV, "GITLAB_TOKEN": "glpat-x", "CI_JOB_TOKEN": JOB_TOKEN})

    assert found == ForgeRepository(
        "gitlab",
        "https://gitlab.example.com/api/v4",
        PROJECT_ID,
        "glpat-x",
        MR_IID,
        HEAD_SHA,
        "main",
    )


def test_gitlab_job_token_alone_is_refused_with_what_to_set() -> None:
    with pytest.raises(ForgeReadError) as raised:
        forge_repository({**GITLAB_ENV, "CI_JOB_TOKEN": JOB_TOKEN})

    message = str(raised.value)
    assert (
        "CI_JOB_TOKEN" in message and "GITLAB_TOKEN" in message and "AIGOV_FORGE_TOKEN" in message
    )
    assert "read_api" in message and JOB_TOKEN not in message


def test_missing_coordinates_are_named() -> None:
    with pytest.raises(ForgeReadError, match="CI_PROJECT_ID is not set"):
        forge_repository({**GITLAB_ENV, "CI_PROJECT_ID": "", "GITLAB_TOKEN": "x"})
    with pytest.raises(ForgeReadError, match="GITHUB_TOKEN"):
        forge_repository({"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": REPOSITORY})


# --- CODEOWNERS --------------------------------------------------------------------------------

GITHUB_CODEOWNERS = """\
# The examples of GitHub's documentation
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
!aigov.yaml @negation-is-not-supported
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("aigov.yaml", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("docs/getting-started.md", ("docs@example.com",)),
        ("docs/build-app/troubleshooting.md", ("@global-owner1", "@global-owner2")),
        ("deeply/nested/logs/today.txt", ("@octocat",)),
        ("x/apps/y.py", ("@octocat",)),
        ("apps/github/readme.md", ()),  # the last match names nobody
    ],
)
def test_github_codeowners_last_match_wins(path: str, owners: tuple[str, ...]) -> None:
    assert codeowners_for(GITHUB_CODEOWNERS, path, "github") == owners


GITLAB_CODEOWNERS = """\
* @general-approvers
/config/ @config-owner

[Documentation] @docs-team
docs/
README.md
*.txt

^[Governance][2] @risk-office
/aigov.yaml @@maintainer
model/aigov.yaml
!/model/aigov.yaml

[documentation]
/guide/ @guide-writer
"""


@pytest.mark.parametrize(
    ("path", "owners"),
    [
        ("aigov.yaml", ("@general-approvers", "@@maintainer")),
        ("model/aigov.yaml", ("@general-approvers",)),  # excluded from Governance
        ("sub/model/aigov.yaml", ("@general-approvers", "@risk-office")),  # section default
        ("docs/a/b.md", ("@general-approvers", "@docs-team")),
        ("guide/x.md", ("@general-approvers", "@guide-writer")),  # sections merge without case
        ("config/app.yml", ("@config-owner",)),
    ],
)
def test_gitlab_codeowners_sections_add_up(path: str, owners: tuple[str, ...]) -> None:
    assert codeowners_for(GITLAB_CODEOWNERS, path, "gitlab") == owners


def test_gitlab_patterns_without_a_slash_match_anywhere_but_not_inside_folders() -> None:
    text = "aigov.yaml @a\nconfig @b\n"
    assert codeowners_for(text, "deep/aigov.yaml", "gitlab") == ("@a",)
    assert codeowners_for(text, "config/x.yml", "gitlab") == ()
    assert codeowners_for(text, "config/x.yml", "github") == ("@b",)
