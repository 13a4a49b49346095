"""``aigov portfolio scan | merge | report`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.portfolio.conftest import TODAY, write_repo

from aigov.cli import main


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "repos"
    write_repo(root, "alpha", "production")
    write_repo(root, "bravo", "poc")
    write_repo(root, "charlie", "ideation")
    return root


def test_scan_shards_merge_and_report(
    repos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    shards = []
    for index in (1, 2):
        out = tmp_path / f"scan-{index}.json"
        code = main(
            [
                "portfolio",
                "scan",
                "--dir",
                str(repos),
                "--shard",
                f"{index}/2",
                "--cache",
                str(cache),
                "--today",
                TODAY.isoformat(),
                "-o",
                str(out),
            ]
        )
        assert code == 0
        shards.append(str(out))
    merged = tmp_path / "scan.json"
    assert main(["portfolio", "merge", *shards, "-o", str(merged)]) == 0
    assert len(json.loads(merged.read_text())["results"]) == 3
    history = tmp_path / "h.sqlite"
    out = tmp_path / "reports"
    assert (
        main(["portfolio", "report", str(merged), "--history", str(history), "--out", str(out)])
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "portfolio.html",
        "portfolio.json",
        "portfolio.md",
    ]
    # Without a scan file, the latest scan of the history is reported.
    assert main(["portfolio", "report", "--history", str(history), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "3 repositories" not in err or "merged 2 scan(s)" in err
    # The progress bar stays out of non-terminal logs.
    assert "scanning" not in err


def test_scan_records_history_when_asked(repos: Path, tmp_path: Path) -> None:
    history = tmp_path / "h.sqlite"
    code = main(
        [
            "portfolio",
            "scan",
            "--dir",
            str(repos),
            "--no-cache",
            "--history",
            str(history),
            "-o",
            str(tmp_path / "s.json"),
        ]
    )
    assert code == 0
    from aigov.portfolio.history import History

    with History(history) as store:
        assert len(store.trend()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["portfolio", "scan", "--dir", "/nonexistent", "-o", "x.json", "--no-cache"],
        ["portfolio", "scan", "--dir", ".", "--shard", "3/2", "-o", "x.json"],
        ["portfolio", "scan", "--dir", ".", "--policies", "/nonexistent", "-o", "x.json"],
        ["portfolio", "merge", "/nonexistent.json", "-o", "x.json"],
        ["portfolio", "report", "--no-history"],
    ],
)
def test_input_errors_exit_2(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2


def test_progress_bar_draws_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from aigov.commands.portfolio import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    stream = Terminal()
    bar = ProgressBar(stream)
    bar.update(5, 10)
    bar.update(10, 10)
    bar.close()
    assert "10/10" in stream.getvalue()
    monkeypatch.setenv("CI", "true")
    quiet = Terminal()
    ProgressBar(quiet).update(10, 10)
    assert quiet.getvalue() == ""


def test_the_report_names_no_path_of_the_machine_that_ran_it(repos: Path, tmp_path: Path) -> None:
    from tests.conftest import EXAMPLES

    policies = (EXAMPLES / "org-policies").resolve()
    scan_file = tmp_path / "scan.json"
    argv = ["portfolio", "scan", "--dir", str(repos.resolve()), "--no-cache"]
    assert main([*argv, "--policies", str(policies), "-o", str(scan_file)]) == 0
    # The scan file keeps where it read from (it is the job's own record)...
    assert str(policies) in scan_file.read_text(encoding="utf-8")
    out = tmp_path / "out"
    assert main(["portfolio", "report", str(scan_file), "--no-history", "--out", str(out)]) == 0
    # ...the report people open names the packs and versions, and the folders by their names.
    for name in ("portfolio.html", "portfolio.json", "portfolio.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert str(policies) not in text and str(tmp_path) not in text, name
    document = json.loads((out / "portfolio.json").read_text(encoding="utf-8"))
    assert document["scan"]["policy_source"] == "local policy folder"
    assert document["scan"]["sources"] == ["dir:repos"]
    markdown = (out / "portfolio.md").read_text(encoding="utf-8")
    packs = ", ".join(f"{p['name']} {p['version']}" for p in document["scan"]["packs"])
    assert f"policy packs {packs} (local policy folder)" in markdown
