"""``aigov portfolio scan | merge | report``: the nightly multi-repository scan and its report.

Exit codes: 0 done (repositories that could not be evaluated are error rows of the scan, not a
failure of the command), 2 unusable input (policy source, source listing, scan file, history).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from aigov.errors import EXIT_PASS, EXIT_USAGE

DEFAULT_CACHE = Path(".aigov-cache/portfolio")
DEFAULT_HISTORY = Path(".aigov-cache/portfolio-history.sqlite")
DEFAULT_OUT = Path("reports")


def add_parser(verbs: Any) -> None:
    portfolio = verbs.add_parser(
        "portfolio",
        help="scan many repositories, compute the portfolio KPIs and write the report",
        description="Scan a portfolio of AI repositories, merge shards, and report KPIs.",
    )
    actions = portfolio.add_subparsers(dest="action", metavar="ACTION", required=True)

    _add_scan(actions)

    merge = actions.add_parser(
        "merge",
        help="merge the scan files of the shards of one run",
        description="Merge the scan files written by `aigov portfolio scan --shard I/N`.",
    )
    merge.add_argument("files", nargs="+", type=Path, metavar="FILE")
    merge.add_argument("-o", "--output", type=Path, required=True)

    report = actions.add_parser(
        "report",
        help="write the HTML, JSON and Markdown portfolio report",
        description="Compute the KPIs of a scan, record it in the history, and write "
        "portfolio.html, portfolio.json and portfolio.md.",
    )
    report.add_argument(
        "scan_file",
        nargs="?",
        type=Path,
        metavar="SCAN_FILE",
        help="scan to report (default: the latest scan of the history)",
    )
    report.add_argument(
        "--history",
        type=Path,
        default=DEFAULT_HISTORY,
        metavar="DB",
        help=f"history store (SQLite; default: {DEFAULT_HISTORY})",
    )
    report.add_argument("--no-history", action="store_true", help="neither read nor record")
    report.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT}/)"
    )


def _add_scan(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``aigov portfolio scan`` and its options."""
    scan = actions.add_parser(
        "scan",
        help="evaluate every repository of a source into a scan file",
        description="Evaluate every repository of one source with the policy packs (as "
        "`aigov check` does) and write one scan file. A repository that cannot be read is an "
        "error row; an unchanged one reuses its cached row.",
    )
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--dir", type=Path, help="a folder whose sub-folders are repositories")
    source.add_argument(
        "--repos",
        type=Path,
        help="a file listing repositories, one a line: a git URL or a local path (relative to "
        "the file); '#' starts a comment",
    )
    source.add_argument("--github-org", metavar="ORG", help="every repository of a GitHub org")
    source.add_argument("--gitlab-group", metavar="GROUP", help="every project of a GitLab group")
    scan.add_argument("-o", "--output", type=Path, required=True, help="scan file to write")
    scan.add_argument("--shard", metavar="I/N", help="scan only shard I of N (1 ≤ I ≤ N)")
    scan.add_argument("--policies", metavar="SOURCE", help="policy source (as aigov check)")
    scan.add_argument(
        "--history", type=Path, metavar="DB", help="also record the scan in this history store"
    )
    scan.add_argument(
        "--with-mlflow",
        action="store_true",
        help="read MLflow (quality and adoption histories); slower, needs aigov[mlflow]",
    )
    scan.add_argument("--jobs", "-j", type=int, help="parallel evaluations (default: CPU count)")
    scan.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"cache folder: clones, API answers, rows (default: {DEFAULT_CACHE})",
    )
    scan.add_argument("--no-cache", action="store_true", help="evaluate every repository again")
    scan.add_argument(
        "--shallow", action="store_true", help="--repos: shallow clones (no stage history)"
    )
    scan.add_argument(
        "--github-url", help="GitHub API URL (default: $GITHUB_API_URL or api.github.com)"
    )
    scan.add_argument("--gitlab-url", help="GitLab URL (default: $CI_SERVER_URL or gitlab.com)")
    scan.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from aigov.portfolio.history import HistoryError
    from aigov.portfolio.model import ScanFileError
    from aigov.portfolio.scan import ScanInputError
    from aigov.portfolio.sources import SourceError

    try:
        if args.action == "scan":
            return _scan(args)
        if args.action == "merge":
            return _merge(args)
        return _report(args)
    except (ScanInputError, SourceError, ScanFileError, HistoryError) as exc:
        from aigov.report.ci_log import error_line

        print(error_line(str(exc)), file=sys.stderr)
        return EXIT_USAGE


def _source(args: argparse.Namespace) -> Any:
    from aigov.portfolio.sources import FolderSource

    cache: Path = args.cache
    if args.dir is not None:
        return FolderSource(args.dir)
    if args.repos is not None:
        from aigov.portfolio.sources_git import GitUrlSource

        return GitUrlSource(args.repos, cache / "git", shallow=args.shallow)
    if args.github_org is not None:
        from aigov.portfolio.sources_github import GitHubOrgSource

        return GitHubOrgSource(
            args.github_org,
            cache / "github",
            base_url=args.github_url or os.environ.get("GITHUB_API_URL"),
            token=os.environ.get("GITHUB_TOKEN"),
        )
    from aigov.portfolio.sources_gitlab import GitLabGroupSource

    return GitLabGroupSource(
        args.gitlab_group,
        cache / "gitlab",
        url=args.gitlab_url or os.environ.get("CI_SERVER_URL"),
        token=os.environ.get("GITLAB_TOKEN"),
    )


def _scan(args: argparse.Namespace) -> int:
    from aigov.portfolio.model import write_scan
    from aigov.portfolio.scan import ScanInputError, ScanOptions, scan
    from aigov.portfolio.sources import parse_shard

    try:
        shard = parse_shard(args.shard) if args.shard else None
    except ValueError as exc:
        raise ScanInputError(str(exc)) from exc
    if args.jobs is not None and args.jobs < 1:
        raise ScanInputError("--jobs must be at least 1")
    options = ScanOptions(
        policies=args.policies,
        today=args.today,
        shard=shard,
        with_mlflow=args.with_mlflow,
        jobs=args.jobs,
        cache=None if args.no_cache else args.cache / "rows.sqlite",
    )
    bar = ProgressBar(sys.stderr)
    result = scan(_source(args), options, progress=bar.update)
    bar.close()
    write_scan(result, args.output)
    if args.history is not None:
        _record(result, args.history)
    stats = result.stats
    print(
        f"aigov portfolio: {stats.repositories} repositories ({stats.evaluated} evaluated, "
        f"{stats.cached} cached, {stats.errors} errors) in {stats.seconds} s "
        f"-> {args.output}",
        file=sys.stderr,
    )
    return EXIT_PASS


def _record(result: Any, history_path: Path) -> None:
    from aigov.portfolio.history import History
    from aigov.portfolio.kpis import compute_kpis, headline

    with History(history_path) as history:
        history.record(result, headline(compute_kpis(result)))


def _merge(args: argparse.Namespace) -> int:
    from aigov.portfolio.model import merge_scans, read_scan, write_scan

    merged = merge_scans([read_scan(path) for path in args.files])
    write_scan(merged, args.output)
    print(
        f"aigov portfolio: merged {len(args.files)} scan(s), "
        f"{len(merged.results)} repositories -> {args.output}",
        file=sys.stderr,
    )
    return EXIT_PASS


def _report(args: argparse.Namespace) -> int:
    from aigov.portfolio.changes import changes_since
    from aigov.portfolio.history import History
    from aigov.portfolio.kpi_model import ReportedScan, ScanChanges, ScanStatsSummary, TrendPoint
    from aigov.portfolio.kpis import compute_kpis, headline
    from aigov.portfolio.model import ScanFileError, read_scan
    from aigov.portfolio.render import policy_source_label, scan_source_label, write_report

    scan = read_scan(args.scan_file) if args.scan_file is not None else None
    trend: list[TrendPoint] = []
    changes: ScanChanges | None = None
    if args.no_history:
        if scan is None:
            raise ScanFileError("give a SCAN_FILE (there is no history to read with --no-history)")
        kpis = compute_kpis(scan)
    else:
        with History(args.history) as history:
            if scan is None:
                scan = history.latest()
                if scan is None:
                    raise ScanFileError(
                        f"no SCAN_FILE given and the history {args.history} is empty"
                    )
            kpis = compute_kpis(scan)
            history.record(scan, headline(kpis))
            trend = history.trend()
            previous = history.previous(scan)
            if previous is not None:
                changes = changes_since(*previous, scan)
    reported = ReportedScan(
        generated_at=scan.generated_at,
        today=scan.today.isoformat(),
        sources=tuple(scan_source_label(s) for s in scan.sources),
        policy_source=policy_source_label(scan.policy.source),
        packs=scan.policy.packs,
        block_on=scan.policy.block_on,
        stats=ScanStatsSummary(
            evaluated=scan.stats.evaluated,
            cached=scan.stats.cached,
            errors=scan.stats.errors,
            seconds=scan.stats.seconds,
        ),
        with_mlflow=scan.with_mlflow,
    )
    written = write_report(kpis, trend, reported, args.out, changes)
    print("aigov portfolio: wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return EXIT_PASS


class ProgressBar:
    """A one-line progress bar on a terminal; silent in CI logs and when not a TTY."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        ci = os.environ.get("CI", "").lower() in ("true", "1", "yes")
        self.enabled = bool(getattr(stream, "isatty", lambda: False)()) and not ci
        self._last = 0.0
        self._started = time.monotonic()
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return  # redraw at most ten times a second
        self._last = now
        filled = int(self.width * done / total) if total else self.width
        rate = done / max(now - self._started, 1e-6)
        eta = f" ETA {int((total - done) / rate)} s" if 0 < done < total and rate > 0 else ""
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r  scanning {bar} {done}/{total}{eta}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()
