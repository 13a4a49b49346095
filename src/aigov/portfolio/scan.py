"""Scan many repositories: list, fetch, evaluate (bounded concurrency), reuse what did not change.

- The policy set is loaded once; every repository is evaluated with
  :func:`aigov.portfolio.evaluate.evaluate_folder` (the library behind ``aigov check``).
- Fetching (clones, API reads) runs on a bounded pool of threads; evaluating, which is CPU-bound
  Python, on a bounded pool of processes (forked after the policy set is loaded, so workers do
  not load it again).
- A repository that cannot be fetched or evaluated becomes an error row; the scan goes on.
- Cache: a row is reused when the repository id, its head commit, the packs' digests and the org
  config, the evaluation day, the MLflow switch and the clone depth are all unchanged. The day is
  part of the key because waivers expire and rules become effective on dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.errors import AigovError
from aigov.portfolio.evaluate import evaluate_folder
from aigov.portfolio.model import (
    PackRef,
    PolicySummary,
    PortfolioScan,
    RepositoryRef,
    RepositoryResult,
    ScanStats,
)
from aigov.portfolio.sources import Materialized, RepositorySource, shard_of

if TYPE_CHECKING:
    from aigov.policy.sources import PolicySet

Progress = Callable[[int, int], None]
"""Called with (repositories done, repositories in the scan)."""

# Below this many repositories to evaluate, forking workers costs more than it saves.
_PROCESS_POOL_FROM = 24


class ScanInputError(AigovError):
    """The scan cannot start (policy source, shard, source listing)."""


@dataclass(frozen=True)
class ScanOptions:
    policies: str | None = None
    """Policy source (as ``aigov check --policies``); default: the built-in packs."""
    today: dt.date | None = None
    shard: tuple[int, int] | None = None
    with_mlflow: bool = False
    jobs: int | None = None
    """Evaluating processes (default: the CPU count); fetching threads are 4× that, at most 16."""
    cache: Path | None = None
    """SQLite file of cached rows; None: no cache."""


def load_scan_policies(policies: str | None) -> PolicySet:
    """The policy set of a scan; :class:`ScanInputError` when it cannot be loaded."""
    from aigov.policy.pack import PolicyLoadError
    from aigov.policy.sources import load_policy_set, parse_policy_source

    try:
        return load_policy_set(parse_policy_source(policies))
    except PolicyLoadError as exc:
        raise ScanInputError(
            "the policy packs cannot be loaded:\n" + "\n".join(f"  {p}" for p in exc.problems)
        ) from None
    except (ValueError, FileNotFoundError) as exc:
        raise ScanInputError(str(exc)) from exc


def policy_summary(policy_set: PolicySet, source: str | None) -> PolicySummary:
    """What a scan file says of the policy set it evaluated."""
    return PolicySummary(
        source=source or "builtin",
        packs=tuple(
            PackRef(name=p.name, version=p.version, digest=p.digest) for p in policy_set.packs
        ),
        block_on=policy_set.org.block_on,
        max_poc_days=policy_set.org.limits.max_poc_days,
        waiver_max_days=policy_set.org.waivers.max_days,
        tuning=policy_set.tuning,
    )


def policy_key(policy_set: PolicySet) -> str:
    material = json.dumps(
        {
            "packs": sorted((p.name, p.digest) for p in policy_set.packs),
            "org": policy_set.org.model_dump(mode="json"),
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def scan(
    source: RepositorySource,
    options: ScanOptions,
    progress: Progress | None = None,
) -> PortfolioScan:
    """Scan every repository of ``source`` (of the shard); see the module docstring."""
    started = time.perf_counter()
    generated_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    today = options.today or dt.date.today()
    policy_set = load_scan_policies(options.policies)
    # A shallow clone has no stage history: its rows must not stand in for a full scan's.
    shallow = int(bool(getattr(source, "shallow", False)))
    key_base = f"{policy_key(policy_set)}|{today.isoformat()}|{int(options.with_mlflow)}|{shallow}"
    refs = source.list()
    if options.shard is not None:
        index, count = options.shard
        refs = [r for r in refs if shard_of(r.id, count) == index]
    jobs = max(1, options.jobs or os.cpu_count() or 1)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(refs))

    if progress is not None:
        progress(0, len(refs))
    with closing(ResultCache(options.cache)) as cache:
        rows: dict[str, RepositoryResult] = {}
        known = cache.known_heads()
        to_evaluate: list[tuple[RepositoryRef, Path, str | None]] = []

        def fetch(ref: RepositoryRef) -> tuple[RepositoryRef, Materialized | str]:
            try:
                return ref, source.materialize(ref, known.get(ref.id))
            except Exception as exc:  # one broken repository never ends the scan
                return ref, f"cannot fetch: {type(exc).__name__}: {_line(exc)}"

        with ThreadPoolExecutor(max_workers=min(16, 4 * jobs)) as threads:
            for ref, got in threads.map(fetch, refs):
                if isinstance(got, str):
                    rows[ref.id] = RepositoryResult.failed(ref, got)
                    tick()
                    continue
                cached = cache.get(f"{ref.id}|{got.head}|{key_base}") if got.head else None
                if cached is not None:
                    rows[ref.id] = cached.model_copy(update={"cached": True})
                    tick()
                elif got.path is None:
                    # Unchanged upstream but no row for today's key: fetch the files after all.
                    again = fetch_again(source, ref)
                    if isinstance(again, str):
                        rows[ref.id] = RepositoryResult.failed(ref, again, got.head)
                        tick()
                    else:
                        to_evaluate.append((ref, again.path or Path("."), again.head))
                else:
                    to_evaluate.append((ref, got.path, got.head))
        fresh: list[RepositoryResult] = []
        for row in _evaluate_all(to_evaluate, policy_set, today, options.with_mlflow, jobs):
            rows[row.id] = row
            fresh.append(row)
            tick()
        cache.put_many((f"{r.id}|{r.head}|{key_base}", r) for r in fresh if r.head and r.ok)
    ordered = [rows[r.id] for r in refs]
    return PortfolioScan(
        generated_at=generated_at,
        today=today,
        sources=(source.description,),
        policy=policy_summary(policy_set, options.policies),
        results=tuple(ordered),
        shard=f"{options.shard[0]}/{options.shard[1]}" if options.shard else None,
        with_mlflow=options.with_mlflow,
        stats=_stats(ordered, len(fresh), started),
    )


def _stats(rows: Sequence[RepositoryResult], evaluated: int, started: float) -> ScanStats:
    return ScanStats(
        repositories=len(rows),
        evaluated=evaluated,
        cached=sum(1 for r in rows if r.cached),
        errors=sum(1 for r in rows if not r.ok),
        seconds=round(time.perf_counter() - started, 3),
    )


def fetch_again(source: RepositorySource, ref: RepositoryRef) -> Materialized | str:
    try:
        got = source.materialize(ref, None)
    except Exception as exc:
        return f"cannot fetch: {type(exc).__name__}: {_line(exc)}"
    if got.path is None:
        return "the source returned no files for a repository it had no cached row for"
    return got


def _line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else ""


# --- evaluation, in worker processes -----------------------------------------------------------

_WORKER_STATE: dict[str, Any] = {}


def _evaluate_one(item: tuple[RepositoryRef, Path, str | None]) -> RepositoryResult:
    ref, path, head = item
    return evaluate_folder(
        ref,
        path,
        head,
        _WORKER_STATE["policy_set"],
        today=_WORKER_STATE["today"],
        with_mlflow=_WORKER_STATE["with_mlflow"],
    )


def _evaluate_all(
    items: Sequence[tuple[RepositoryRef, Path, str | None]],
    policy_set: PolicySet,
    today: dt.date,
    with_mlflow: bool,
    jobs: int,
) -> Iterator[RepositoryResult]:
    _WORKER_STATE.update(policy_set=policy_set, today=today, with_mlflow=with_mlflow)
    try:
        if jobs == 1 or len(items) < _PROCESS_POOL_FROM or not _can_fork():
            yield from map(_evaluate_one, items)
            return
        # Forked workers inherit the loaded policy set (and the warm imports) from this process.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
        ) as pool:
            chunk = max(1, min(64, len(items) // (jobs * 8)))
            yield from pool.map(_evaluate_one, items, chunksize=chunk)
    finally:
        _WORKER_STATE.clear()


def _exit_with(parent: int) -> None:
    """Pool worker initializer: end the worker once the scan's process is gone.

    A scan killed outright (SIGKILL by a CI timeout or the OOM killer) cannot stop its pool, and
    its workers would wait forever on a queue nobody writes to any more.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="aigov-parent-watch", daemon=True).start()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


# --- the cache of rows -------------------------------------------------------------------------


class ResultCache:
    """Rows of earlier scans by (repository, head, policies, day, MLflow) key, in SQLite."""

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, repository TEXT, "
                    "head TEXT, stored_at TEXT, row TEXT)"
                )
                self._db.execute("CREATE INDEX IF NOT EXISTS rows_repo ON rows (repository)")

    def get(self, key: str) -> RepositoryResult | None:
        if self._db is None:
            return None
        found = self._db.execute("SELECT row FROM rows WHERE key = ?", (key,)).fetchone()
        return RepositoryResult.model_validate_json(found[0]) if found else None

    def known_heads(self) -> dict[str, str]:
        """Repository id -> the head of the latest row stored for it."""
        if self._db is None:
            return {}
        heads: dict[str, str] = {}
        for repository, head in self._db.execute(
            "SELECT repository, head FROM rows ORDER BY stored_at"
        ):
            heads[str(repository)] = str(head)
        return heads

    def put_many(self, rows: Iterator[tuple[str, RepositoryResult]] | Any) -> None:
        if self._db is None:
            return
        now = dt.datetime.now(dt.UTC).isoformat()
        with self._db:  # one transaction: a killed scan leaves the cache as it was
            self._db.executemany(
                "INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?, ?)",
                ((key, row.id, row.head, now, row.model_dump_json()) for key, row in rows),
            )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
