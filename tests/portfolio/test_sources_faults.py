"""Portfolio scans of a GitHub organisation / GitLab group whose API fails: retried, bounded,
one clear line when the listing cannot be had, nothing half-written.

The local forges of test_sources_forges.py sit behind the fault-injecting proxy
(tests/fault_proxy.py); PyGithub and python-gitlab talk to it over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.conftest import CliResult
from tests.fault_proxy import CLOSE, HANG, TRUNCATED_ANSWER, FaultProxy, fault_proxy, status

from aigov.portfolio.scan import ScanOptions, scan
from aigov.scm import retry

from .conftest import TODAY
from .test_sources_forges import Forge, _server

TOKEN = "ghp_portfolioT0k3nThatMustNeverLeak05"
QUICK = retry.RetryPolicy(retries=2, backoff_factor=0.05, max_total_wait=10)
TIMEOUT = 1
"""Seconds a hanging request is given here (production: 30; PyGithub wants whole seconds)."""
LISTING = {"github": "/orgs/acme/repos", "gitlab": "/api/v4/groups/acme/projects"}


@pytest.fixture
def forge(tmp_path: Path) -> Forge:
    return Forge(tmp_path / "upstream")


@pytest.fixture(params=["github", "gitlab"])
def api(request: pytest.FixtureRequest, forge: Forge) -> Iterator[tuple[str, FaultProxy]]:
    with _server(forge, request.param) as url, fault_proxy(url) as proxy:
        yield request.param, proxy


def _source(api: str, url: str, cache: Path) -> object:
    if api == "github":
        from aigov.portfolio.sources_github import GitHubOrgSource

        return GitHubOrgSource("acme", cache / "github", base_url=url, token=TOKEN, throttle_s=0)
    from aigov.portfolio.sources_gitlab import GitLabGroupSource

    return GitLabGroupSource("acme", cache / "gitlab", url=url, token=TOKEN)


def _nothing_half_written(cache: Path) -> None:
    assert not [p for p in cache.rglob("*") if p.name.endswith(".partial")]


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry, "DEFAULT_POLICY", QUICK)
    monkeypatch.setattr("aigov.portfolio.sources_github.TIMEOUT_SECONDS", TIMEOUT)
    monkeypatch.setattr("aigov.portfolio.sources_gitlab.TIMEOUT_SECONDS", TIMEOUT)


def test_transient_faults_are_retried_and_every_repository_is_read(
    api: tuple[str, FaultProxy], tmp_path: Path
) -> None:
    name, proxy = api
    per_repo = "/repos/acme/alpha/commits/.*" if name == "github" else ".*/branches/main"
    proxy.inject(status(502), path=LISTING[name])
    proxy.inject(status(429), path=LISTING[name])
    proxy.inject(CLOSE, path=per_repo)
    options = ScanOptions(today=TODAY, jobs=1, cache=tmp_path / "cache" / "rows.sqlite")
    result = scan(_source(name, proxy.url, tmp_path / "cache"), options)  # type: ignore[arg-type]
    rows = {r.id.split("/")[-1]: r for r in result.results}
    assert rows["alpha"].ok and rows["bravo"].ok, [r.error for r in result.results]
    assert len(proxy.seen("GET", LISTING[name])) == 3
    assert proxy.faults == 3
    _nothing_half_written(tmp_path / "cache")


@pytest.mark.usefixtures("quick")
def test_a_file_that_cannot_be_read_is_an_error_row_and_nothing_is_half_written(
    api: tuple[str, FaultProxy], tmp_path: Path
) -> None:
    name, proxy = api
    files = "/repos/acme/bravo/contents/.*" if name == "github" else "/api/v4/projects/2/.*/raw"
    proxy.inject(HANG, path=files, times=None)
    proxy.inject(TRUNCATED_ANSWER, path=".*alpha.*/contents/.*|/api/v4/projects/1/.*/raw")
    options = ScanOptions(today=TODAY, jobs=1, cache=tmp_path / "cache" / "rows.sqlite")
    started = time.monotonic()
    result = scan(_source(name, proxy.url, tmp_path / "cache"), options)  # type: ignore[arg-type]
    assert time.monotonic() - started < (QUICK.retries + 1) * TIMEOUT + 4
    rows = {r.id.split("/")[-1]: r for r in result.results}
    assert rows["alpha"].ok, rows["alpha"].error  # its cut-off file was read again
    assert proxy.injected[TRUNCATED_ANSWER.label] == 1
    assert not rows["bravo"].ok and "timed out" in (rows["bravo"].error or "")
    assert TOKEN not in (rows["bravo"].error or "")
    assert result.stats.errors >= 2  # bravo, and no-manifest as always
    _nothing_half_written(tmp_path / "cache")
    assert not (tmp_path / "cache" / name / "acme_bravo").exists() or not [
        p for p in (tmp_path / "cache" / name / "acme_bravo").iterdir() if p.is_dir()
    ]


@pytest.mark.usefixtures("quick")
@pytest.mark.parametrize("fault", [status(500), CLOSE, HANG], ids=lambda f: f.label)
def test_a_listing_that_keeps_failing_ends_the_scan_with_one_line(
    api: tuple[str, FaultProxy],
    fault: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
) -> None:
    name, proxy = api
    proxy.inject(fault, times=None)  # type: ignore[arg-type]
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    output, history = tmp_path / "scan.json", tmp_path / "history.sqlite"
    source = ["--github-org", "acme", "--github-url"] if name == "github" else [
        "--gitlab-group", "acme", "--gitlab-url"
    ]  # fmt: skip
    started = time.monotonic()
    result = run_cli(
        "portfolio", "scan", *source, proxy.url, "-o", str(output), "--history", str(history),
        "--cache", str(tmp_path / "cache"), "--today", TODAY.isoformat(),
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.exit_code == 2
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(
        f"aigov: error: {'GitHub organisation' if name == 'github' else 'GitLab group'} acme"
    )
    assert "Traceback" not in result.stderr and TOKEN not in result.stderr + result.stdout
    calls = proxy.calls()  # the first request of the listing, retried, then given up
    assert len(calls) == QUICK.retries + 1 and len(set(calls)) == 1
    assert elapsed < (QUICK.retries + 1) * TIMEOUT + 3
    assert not output.exists() and not history.exists()
    _nothing_half_written(tmp_path / "cache")
