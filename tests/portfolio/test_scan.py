"""Scanning a folder of repositories: rows, error rows, cache, shards, merge."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aigov.portfolio.model import (
    PackRef,
    RepositoryResult,
    ScanFileError,
    merge_scans,
    read_scan,
    write_scan,
)
from aigov.portfolio.scan import ScanInputError, ScanOptions, scan
from aigov.portfolio.sources import FolderSource, parse_shard, shard_of

from .conftest import TODAY, write_repo


def test_every_repository_is_a_row_and_a_broken_one_an_error_row(portfolio_dir: Path) -> None:
    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    rows = {r.id: r for r in result.results}
    assert sorted(rows) == ["alpha", "bravo", "charlie", "delta", "echo", "zulu-broken"]
    assert rows["zulu-broken"].status == "error"
    assert "invalid files" in (rows["zulu-broken"].error or "")
    alpha = rows["alpha"]
    assert alpha.ok and alpha.project is not None and alpha.project.stage == "production"
    assert alpha.decision in ("pass", "block")
    assert alpha.timeline.source == "manifest"  # not a git repository
    assert alpha.monitoring is not None and alpha.monitoring.mlflow.startswith("not collected")
    assert {p.name for p in alpha.packs} >= {"lifecycle", "gdpr", "ai-act"}
    assert result.stats.data() == {
        "repositories": 6,
        "evaluated": 6,
        "cached": 0,
        "errors": 1,
        "seconds": result.stats.seconds,
    }


def test_the_verdict_is_the_one_aigov_check_gives(portfolio_dir: Path) -> None:
    from aigov.checking import CheckOptions, run_check

    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    for row in result.results:
        if not row.ok:
            continue
        report = run_check(CheckOptions(path=Path(row.location), today=TODAY))
        assert row.decision == report.decision
        assert sorted(f.rule for f in row.findings) == sorted(f.rule_id for f in report.findings)


def test_an_unchanged_head_reuses_its_cached_row(portfolio_dir: Path, tmp_path: Path) -> None:
    options = ScanOptions(today=TODAY, jobs=1, cache=tmp_path / "cache.sqlite")
    first = scan(FolderSource(portfolio_dir), options)
    assert first.stats.cached == 0
    second = scan(FolderSource(portfolio_dir), options)
    # Error rows are evaluated again: the error may be transient (a fetch), or fixed.
    assert second.stats.cached == 5 and second.stats.evaluated == 1
    assert [_evaluation(r) for r in second.results] == [_evaluation(r) for r in first.results]
    manifest = portfolio_dir / "bravo" / "aigov.yaml"
    manifest.write_text(manifest.read_text().replace("stage: poc", "stage: industrialization"))
    third = scan(FolderSource(portfolio_dir), options)
    assert third.stats.evaluated == 2
    assert {r.id: r.cached for r in third.results}["bravo"] is False
    # Another day, another evaluation: waivers expire and rules become effective on dates.
    other_day = scan(
        FolderSource(portfolio_dir),
        ScanOptions(today=TODAY.replace(day=25), jobs=1, cache=tmp_path / "cache.sqlite"),
    )
    assert other_day.stats.cached == 0


def test_a_git_repository_is_keyed_by_its_head_commit(tmp_path: Path) -> None:
    import git

    root = tmp_path / "repos"
    folder = write_repo(root, "gitrepo", "poc")
    repo = git.Repo.init(folder)
    repo.index.add(["aigov.yaml"])
    commit = repo.index.commit("framing")
    result = scan(FolderSource(root), ScanOptions(today=TODAY, jobs=1))
    assert result.results[0].head == commit.hexsha
    # Its history starts at poc, not at ideation: the manifest's dates are used, and said so.
    assert result.results[0].timeline.source == "manifest"
    assert list(result.results[0].timeline.git) == ["poc"]


def test_process_pool_gives_the_same_rows(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(30):
        write_repo(root, f"repo-{i:02d}", ["ideation", "poc", "production"][i % 3])
    serial = scan(FolderSource(root), ScanOptions(today=TODAY, jobs=1))
    parallel = scan(FolderSource(root), ScanOptions(today=TODAY, jobs=2))
    assert [r.data() for r in serial.results] == [r.data() for r in parallel.results]


def test_shards_partition_the_portfolio_and_merge_back(portfolio_dir: Path, tmp_path: Path) -> None:
    whole = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    files = []
    for index in (1, 2, 3):
        part = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1, shard=(index, 3)))
        assert part.shard == f"{index}/3"
        assert all(shard_of(r.id, 3) == index for r in part.results)
        path = tmp_path / f"shard-{index}.json"
        write_scan(part, path)
        files.append(path)
    merged = merge_scans([read_scan(p) for p in files])
    assert [r.id for r in merged.results] == sorted(r.id for r in whole.results)
    assert merged.shard is None and merged.stats.errors == 1
    assert {r.id: _evaluation(r) for r in merged.results} == {
        r.id: _evaluation(r) for r in whole.results
    }


def test_shard_assignment_is_stable() -> None:
    # A fixed value: the assignment must never depend on the machine or the Python hash seed.
    assert [shard_of(f"repo-{i}", 4) for i in range(8)] == [
        shard_of(f"repo-{i}", 4) for i in range(8)
    ]
    assert shard_of("github:acme/credit-scoring", 4) == shard_of("github:acme/credit-scoring", 4)
    counts = [0, 0, 0, 0]
    for i in range(4000):
        counts[shard_of(f"repo-{i}", 4) - 1] += 1
    assert min(counts) > 900


@pytest.mark.parametrize("text", ["0/3", "4/3", "a/b", "3", "1/0"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def test_merging_scans_of_different_packs_is_refused(portfolio_dir: Path) -> None:
    one = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1, shard=(1, 2)))
    two = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1, shard=(2, 2)))
    packs = (PackRef(name="gdpr", version="9.0.0", digest="x"),)
    two = two.model_copy(update={"policy": two.policy.model_copy(update={"packs": packs})})
    with pytest.raises(ScanFileError, match="different policy packs"):
        merge_scans([one, two])


def test_unknown_policy_source_is_an_input_error(portfolio_dir: Path) -> None:
    with pytest.raises(ScanInputError):
        scan(FolderSource(portfolio_dir), ScanOptions(policies=str(portfolio_dir / "nope")))


def test_a_scan_file_round_trips(portfolio_dir: Path, tmp_path: Path) -> None:
    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    write_scan(result, tmp_path / "scan.json")
    again = read_scan(tmp_path / "scan.json")
    assert again.data() == result.data()
    (tmp_path / "other.json").write_text('{"kind": "something"}')
    with pytest.raises(ScanFileError, match="not an aigov portfolio scan"):
        read_scan(tmp_path / "other.json")


def test_scan_is_quick_per_repository(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(40):
        write_repo(root, f"r{i:02d}", "poc")
    started = time.perf_counter()
    scan(FolderSource(root), ScanOptions(today=TODAY))
    assert time.perf_counter() - started < 10


def _evaluation(row: RepositoryResult) -> dict[str, object]:
    """What a row says of its repository, without the header (id, head, cached…)."""
    return row.model_dump(exclude=set(RepositoryResult.HEADER))


def test_a_scan_file_matches_its_published_schema(portfolio_dir: Path, tmp_path: Path) -> None:
    import json

    import jsonschema
    from tests.conftest import PROJECT_ROOT

    schema_file = PROJECT_ROOT / "schemas" / "portfolio-scan.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    write_scan(result, tmp_path / "scan.json")
    data = json.loads((tmp_path / "scan.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    error_row = next(row for row in data["results"] if row["status"] == "error")
    assert sorted(error_row) == sorted(RepositoryResult.HEADER)  # nothing was evaluated


def test_a_scan_file_of_an_older_aigov_still_loads(portfolio_dir: Path, tmp_path: Path) -> None:
    import json

    result = scan(FolderSource(portfolio_dir), ScanOptions(today=TODAY, jobs=1))
    data = result.data()
    # Keys added over time within schema 1.x: an older file lacks them.
    del data["policy"]["waiver_max_days"]
    for row in data["results"]:
        row.get("timeline", {}).pop("git_note", None)
        row.pop("published_packs", None)
    (tmp_path / "old.json").write_text(json.dumps(data), encoding="utf-8")
    again = read_scan(tmp_path / "old.json")
    assert [r.id for r in again.results] == [r.id for r in result.results]
    assert again.policy.waiver_max_days is None
