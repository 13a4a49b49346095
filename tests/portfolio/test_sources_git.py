"""``aigov portfolio scan --repos FILE`` end to end on real git repositories (no mocks, no network).

The source repositories are copies of ``examples/`` committed with gitpython at set dates and
authors; the repos file lists them as ``file://`` URLs and one relative local path, next to a URL
that does not exist and a repository whose ``aigov.yaml`` is invalid. Every scan clones or
fetches them for real into the cache with git.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import git
import pytest
from tests.conftest import EXAMPLES, CliResult

from aigov.checking import CheckOptions, run_check
from aigov.portfolio.kpis import compute_kpis
from aigov.portfolio.model import RepositoryRef, read_scan
from aigov.portfolio.sources_git import GitFetchError, GitUrlSource, is_local_path, normalise_url

from .conftest import TODAY

RunCli = Callable[..., CliResult]
AUTHOR = git.Actor("Model Risk Team", "mrm@bank.example")

# credit-scoring's history: git dates deliberately differ from the manifest's declared timeline
# (ideation 2025-01-13 … production 2026-02-02), so the test tells which one the scan used.
CREDIT_HISTORY = [
    ("ideation", "2025-02-03"),
    ("data-exploration", "2025-04-07"),
    ("poc", "2025-06-02"),
    ("industrialization", "2025-10-06"),
    ("production", "2026-03-02"),
]


def _when(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=dt.UTC)


def _commit(repo: git.Repo, message: str, day: str) -> git.Commit:
    repo.git.add(A=True)
    return repo.index.commit(
        message,
        author=AUTHOR,
        committer=AUTHOR,
        author_date=_when(day),
        commit_date=_when(day),
    )


def _copy_example(name: str, to: Path) -> git.Repo:
    shutil.copytree(
        EXAMPLES / name,
        to,
        ignore=shutil.ignore_patterns("mlruns.db", "mlartifacts", ".aigov", "__pycache__"),
    )
    return git.Repo.init(to, initial_branch="main")


def _set_stage(manifest: Path, stage: str) -> None:
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    lines = [f"stage: {stage}\n" if line.startswith("stage:") else line for line in lines]
    manifest.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def upstream(tmp_path: Path) -> dict[str, Path]:
    """Five source repositories: four examples and one with an invalid aigov.yaml."""
    root = tmp_path / "upstream"
    root.mkdir()
    repos: dict[str, Path] = {}

    # credit-scoring: moved through every stage, one commit each; its history starts at ideation.
    repos["credit-scoring"] = folder = root / "credit-scoring"
    repo = _copy_example("credit-scoring", folder)
    for stage, day in CREDIT_HISTORY:
        _set_stage(folder / "aigov.yaml", stage)
        _commit(repo, f"stage: {stage}", day)

    # demand-forecast: imported late, its first commit already at industrialization.
    repos["demand-forecast"] = folder = root / "demand-forecast"
    _commit(_copy_example("demand-forecast", folder), "import", "2025-11-03")

    repos["customer-chatbot"] = folder = root / "customer-chatbot"
    _commit(_copy_example("customer-chatbot", folder), "import", "2026-01-12")

    repos["hr-attrition"] = folder = root / "hr-attrition-ideation"
    _commit(_copy_example("hr-attrition-ideation", folder), "framing", "2026-09-01")

    repos["broken"] = folder = root / "broken-manifest"
    folder.mkdir()
    (folder / "aigov.yaml").write_text("apiVersion: aigov/v1\nkind: [unclosed\n", "utf-8")
    _commit(git.Repo.init(folder, initial_branch="main"), "oops", "2026-05-04")
    return repos


@pytest.fixture
def repos_file(tmp_path: Path, upstream: dict[str, Path]) -> Path:
    """The listing, in the format the command's help and the README describe."""
    listing = tmp_path / "config" / "repos.txt"
    listing.parent.mkdir()
    missing = (tmp_path / "upstream" / "no-such-repo.git").as_uri()
    listing.write_text(
        "# AI repositories of the retail bank\n"
        "\n"
        f"{upstream['credit-scoring'].as_uri()}\n"
        f"{upstream['demand-forecast'].as_uri()}   # a comment after a URL\n"
        f"{upstream['customer-chatbot'].as_uri()}\n"
        "   ../upstream/hr-attrition-ideation   # a local path, relative to this file\n"
        f"{upstream['broken'].as_uri()}\n"
        f"{missing}\n"
        f"{upstream['credit-scoring'].as_uri()}/  # listed twice: scanned once\n",
        encoding="utf-8",
    )
    return listing


def _scan(run_cli: RunCli, listing: Path, cache: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = run_cli(
        "portfolio",
        "scan",
        "--repos",
        str(listing),
        "--cache",
        str(cache),
        "--today",
        TODAY.isoformat(),
        "--jobs",
        "2",
        "-o",
        str(out),
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert f"{data['stats']['repositories']} repositories" in result.stderr
    return data


def _by_project(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["project"]["id"]: row for row in data["results"] if row["status"] == "ok"}


def _clone(cache: Path, name: str) -> git.Repo:
    (folder,) = (cache / "git").glob(f"*-{name}")
    return git.Repo(folder)


def _is_shallow(repo: git.Repo) -> bool:
    return (Path(repo.git_dir) / "shallow").exists()


def test_repos_file_scan_end_to_end(
    run_cli: RunCli,
    repos_file: Path,
    upstream: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = (
        tmp_path / "elsewhere" / "deeper"
    )  # the relative path is read from the file's folder
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    cache = tmp_path / "cache"

    # --- first scan: everything cloned and evaluated ---------------------------------------
    first = _scan(run_cli, repos_file, cache, tmp_path / "scan-1.json")
    assert first["sources"] == [f"repos:{repos_file}"]
    assert first["stats"] | {"seconds": 0} == {
        "repositories": 6,  # credit-scoring listed twice
        "evaluated": 5,
        "cached": 0,
        "errors": 2,
        "seconds": 0,
    }
    rows = _by_project(first)
    assert {p: r["stage"] for p, r in ((p, r["project"]) for p, r in rows.items())} == {
        "credit-scoring": "production",
        "demand-forecast": "industrialization",
        "customer-chatbot": "poc",
        "hr-attrition": "ideation",
    }
    hr_path = str(upstream["hr-attrition"].resolve())
    assert rows["hr-attrition"]["id"] == rows["hr-attrition"]["location"] == hr_path
    assert rows["demand-forecast"]["id"] == upstream["demand-forecast"].as_uri()
    for project, folder in (
        ("credit-scoring", upstream["credit-scoring"]),
        ("demand-forecast", upstream["demand-forecast"]),
        ("customer-chatbot", upstream["customer-chatbot"]),
        ("hr-attrition", upstream["hr-attrition"]),
    ):
        row = rows[project]
        assert row["source"] == "git" and row["cached"] is False
        assert row["head"] == git.Repo(folder).head.commit.hexsha
        # The verdict is the one `aigov check` gives on the upstream repository itself.
        report = run_check(CheckOptions(path=folder, today=TODAY))
        assert row["decision"] == report.decision, project
        assert sorted(f["rule"] for f in row["findings"]) == sorted(
            f.rule_id for f in report.findings
        )
    assert {r["decision"] for r in rows.values()} <= {"pass", "block"}

    errors = {r["name"]: r for r in first["results"] if r["status"] == "error"}
    assert set(errors) == {"broken-manifest", "no-such-repo"}
    assert errors["no-such-repo"]["error"].startswith("cannot fetch: GitFetchError: git clone ")
    assert "does not appear to be a git repository" in errors["no-such-repo"]["error"]
    assert errors["no-such-repo"]["head"] is None
    broken = errors["broken-manifest"]
    assert "invalid files" in broken["error"] and "aigov.yaml:3" in broken["error"]
    assert broken["head"] == git.Repo(upstream["broken"]).head.commit.hexsha

    # The cache holds one full clone per reachable repository, at the upstream head.
    clones = sorted(p.name.split("-", 1)[1] for p in (cache / "git").iterdir())
    assert clones == [
        "broken-manifest",
        "credit-scoring",
        "customer-chatbot",
        "demand-forecast",
        "hr-attrition-ideation",
    ]
    credit_clone = _clone(cache, "credit-scoring")
    assert not _is_shallow(credit_clone)
    assert len(list(credit_clone.iter_commits())) == len(CREDIT_HISTORY)
    assert (cache / "rows.sqlite").is_file()

    # Time-to-market from git: credit-scoring's history starts at ideation.
    credit = rows["credit-scoring"]["timeline"]
    assert credit["source"] == "git"
    assert credit["stages"] == dict(CREDIT_HISTORY)
    # demand-forecast's history starts at industrialization: the declared dates, and it says so.
    demand = rows["demand-forecast"]["timeline"]
    assert demand["source"] == "manifest" and demand["git"] == {"industrialization": "2025-11-03"}
    assert rows["hr-attrition"]["timeline"]["stages"] == {"ideation": "2026-09-01"}
    kpis = compute_kpis(read_scan(tmp_path / "scan-1.json"))
    ttm = {p.project_id: p.time_to_market for p in kpis.projects}
    assert ttm["credit-scoring"] == (dt.date(2026, 3, 2) - dt.date(2025, 2, 3)).days == 392

    # --- second scan, nothing changed: every good row comes from the cache -------------------
    heads = {name: _clone(cache, name).head.commit.hexsha for name in clones}
    second = _scan(run_cli, repos_file, cache, tmp_path / "scan-2.json")
    # Error rows are evaluated again (an error may be transient, or fixed): only the broken one.
    assert (second["stats"]["evaluated"], second["stats"]["cached"]) == (1, 4)
    assert second["stats"]["errors"] == 2
    for project, row in _by_project(second).items():
        assert row["cached"] is True
        assert {k: v for k, v in row.items() if k != "cached"} == {
            k: v for k, v in rows[project].items() if k != "cached"
        }
    assert {name: _clone(cache, name).head.commit.hexsha for name in clones} == heads

    # --- a new commit lands upstream on customer-chatbot: only that one is evaluated again -----
    chatbot = git.Repo(upstream["customer-chatbot"])
    _set_stage(upstream["customer-chatbot"] / "aigov.yaml", "industrialization")
    pushed = _commit(chatbot, "stage: industrialization", "2026-11-02")
    third = _scan(run_cli, repos_file, cache, tmp_path / "scan-3.json")
    assert (third["stats"]["evaluated"], third["stats"]["cached"]) == (2, 3)  # + the broken one
    rows3 = _by_project(third)
    assert {p for p, r in rows3.items() if not r["cached"]} == {"customer-chatbot"}
    assert rows3["customer-chatbot"]["head"] == pushed.hexsha
    assert rows3["customer-chatbot"]["project"]["stage"] == "industrialization"
    assert rows3["customer-chatbot"]["timeline"]["git"] == {
        "poc": "2026-01-12",
        "industrialization": "2026-11-02",
    }
    report = run_check(CheckOptions(path=upstream["customer-chatbot"], today=TODAY))
    assert rows3["customer-chatbot"]["decision"] == report.decision
    assert _clone(cache, "customer-chatbot").head.commit.hexsha == pushed.hexsha
    assert len(list(_clone(cache, "customer-chatbot").iter_commits())) == 2


def test_shallow_clones_one_commit_and_a_full_scan_deepens_them(
    run_cli: RunCli, repos_file: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shallow = _scan(run_cli, repos_file, cache, tmp_path / "shallow.json", "--shallow")
    assert shallow["stats"]["errors"] == 2
    for name in ("credit-scoring", "demand-forecast", "hr-attrition-ideation"):
        clone = _clone(cache, name)  # the relative local path too: cloned as file://
        assert _is_shallow(clone), name
        assert len(list(clone.iter_commits())) == 1
    credit = _by_project(shallow)["credit-scoring"]["timeline"]
    # No history to read: the declared dates (not a zero time-to-market), and the row says why.
    assert credit["source"] == "manifest" and credit["git"] == {}
    assert "shallow clone" in credit["git_note"]

    # Without --shallow the cached shallow clones get their whole history back, and the rows
    # cached by the shallow scan (same heads, same day) are not reused: the depth is in the key.
    full = _scan(run_cli, repos_file, cache, tmp_path / "full.json")
    clone = _clone(cache, "credit-scoring")
    assert not _is_shallow(clone)
    assert len(list(clone.iter_commits())) == len(CREDIT_HISTORY)
    assert _by_project(full)["credit-scoring"]["timeline"]["stages"] == dict(CREDIT_HISTORY)


def test_listing_format(tmp_path: Path) -> None:
    listing = tmp_path / "lists" / "repos.txt"
    listing.parent.mkdir()
    listing.write_text(
        "# comment\n\n"
        "https://user:token@git.example.com/ai/credit.git  # trailing comment\n"
        "https://git.example.com/ai/credit/\n"
        "git@github.com:acme/chatbot.git\n"
        "ssh://git@github.com/acme/forecast.git\n"
        "../checkouts/hr\n"
        "/srv/git/attrition.git\n",
        encoding="utf-8",
    )
    refs = GitUrlSource(listing, tmp_path / "cache").list()
    assert [(r.id, r.name, r.location) for r in refs] == [
        (
            "https://git.example.com/ai/credit",
            "credit",
            "https://user:token@git.example.com/ai/credit.git",
        ),
        ("git@github.com:acme/chatbot", "chatbot", "git@github.com:acme/chatbot.git"),
        ("ssh://github.com/acme/forecast", "forecast", "ssh://git@github.com/acme/forecast.git"),
        (str(tmp_path / "checkouts" / "hr"), "hr", str(tmp_path / "checkouts" / "hr")),
        ("/srv/git/attrition", "attrition", "/srv/git/attrition.git"),
    ]
    assert [is_local_path(u) for u in ("C:\\repos\\x", "host:path", "file:///x", "a/b:c")] == [
        True,
        False,
        False,
        True,
    ]


class _AskForPassword(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def password_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AskForPassword)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_git_never_prompts_and_its_reason_hides_credentials(
    password_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")  # no credential helper from the machine
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    source = GitUrlSource(tmp_path / "repos.txt", tmp_path / "cache")
    url = password_server.replace("http://", "http://robot:s3cret@") + "/ai/private.git"
    ref = RepositoryRef(normalise_url(url), "private", "git", url)
    with pytest.raises(GitFetchError) as raised:
        source.materialize(ref, None)
    message = str(raised.value)
    assert "s3cret" not in message and "robot" not in message
    assert message.startswith(f"git clone {password_server}/ai/private: Authentication failed")
    # With credentials in the URL git gets a 401 and gives up; without, it would have to prompt.
    bare = RepositoryRef(f"{password_server}/x", "x", "git", f"{password_server}/x.git")
    with pytest.raises(GitFetchError, match="terminal prompts disabled"):
        source.materialize(bare, None)
