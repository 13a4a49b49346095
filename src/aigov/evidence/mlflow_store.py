"""A committed MLflow SQLite store, checked before MLflow may open it, and read apart.

The store is a file of the checked repository, so a pull request may have written it: a table
replaced by a recursive view reads for ever, a trigger runs on MLflow's first write, and a store
of another schema version makes MLflow migrate it — writing to the repository's file. So MLflow
never opens that file. A reader process (:func:`read_in_child`) copies it (at most
:data:`MAX_STORE_BYTES`, the file alone) into a temporary folder, inspects the copy with
:mod:`sqlite3` opened read-only and immutable, and hands MLflow the copy only when it looks like
a store MLflow built: no view, no trigger but MLflow's own, every table MLflow expects a plain
table computing no column MLflow does not, and the schema revision the installed MLflow expects
(so it has nothing to migrate). The read has a time budget: every SQLite statement on the copy
stops once its :class:`Deadline` has passed (a progress handler, which also forbids the schema
functions with side effects and values over :data:`MAX_VALUE_BYTES`), Python code is
interrupted by an alarm, and the process is killed if it still runs after
:data:`START_ALLOWANCE_S` more. Measured: MLflow turns 200,000 points of one metric history (a
50 MB store) into objects in about 15 s, outside SQLite, which no progress handler stops.

This module knows SQLite and the shape of MLflow's stores, and imports nothing of aigov's MLflow
reader: what MLflow expects (:class:`ExpectedSchema`), the reader process and the read itself
belong to :mod:`aigov.evidence.mlflow`, which alone imports mlflow.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from aigov.errors import AigovError

MAX_STORE_BYTES = 100 * 1024 * 1024
"""GitHub refuses files over 100 MB, so a committed store is smaller; a larger one is refused."""
# The triggers MLflow's own migrations create on SQLite (whitespace collapsed): a store built by
# MLflow 3 holds this one; any other trigger is the store's author's code.
MLFLOW_TRIGGERS = {
    "prevent_secrets_aad_mutation": "CREATE TRIGGER prevent_secrets_aad_mutation BEFORE UPDATE ON "
    "secrets FOR EACH ROW WHEN OLD.secret_id != NEW.secret_id OR OLD.secret_name != "
    "NEW.secret_name BEGIN SELECT RAISE(ABORT, 'secret_id and secret_name are immutable (used "
    "as AAD in encryption)'); END",
}
MAX_VALUE_BYTES = 16 * 1024 * 1024
"""The longest string or blob a statement may build (SQLite's own limit is 1 GB): a computed
column like ``zeroblob(1e9)`` cannot exhaust memory."""
START_ALLOWANCE_S = 60.0
"""How long the reader process may take to start (Python and mlflow's imports: about 1.5 s on
a laptop) before its budget; it is killed past both."""
_PROGRESS_STEPS = 10_000  # SQLite virtual machine steps between two looks at the clock


class StoreRefused(AigovError):
    """The store cannot be handed to MLflow; ``reason`` says why, for a finding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ExpectedSchema:
    """What the installed MLflow expects of a store it reads without migrating it."""

    revision: str
    """The alembic head revision of the installed MLflow's migrations."""
    tables: frozenset[str]
    computed_columns: frozenset[str]
    """``table.column`` of the generated columns MLflow declares (``spans.duration_ns``)."""
    mlflow_version: str


@dataclass(frozen=True)
class Deadline:
    """When a read of the store must stop."""

    budget_s: float
    at: float
    """A :func:`time.monotonic` instant."""

    @classmethod
    def after(cls, budget_s: float) -> Deadline:
        return cls(budget_s, time.monotonic() + budget_s)

    def passed(self) -> bool:
        return time.monotonic() > self.at

    def watch(self, connection: sqlite3.Connection) -> None:
        """Bound ``connection``: its statements fail ("interrupted") once the deadline has
        passed, call no function with side effects from the schema, build no value over
        :data:`MAX_VALUE_BYTES`."""
        connection.set_progress_handler(self.passed, _PROGRESS_STEPS)
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        connection.execute("PRAGMA trusted_schema = OFF")

    @contextlib.contextmanager
    def alarm(self) -> Iterator[None]:
        """Interrupt Python code too (``TimeoutError``) once the deadline passes: a signal, so
        only in a process's main thread (the reader process's), elsewhere nothing."""
        if (
            not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
        ):
            yield
            return

        def ring(_signal: int, _frame: object) -> None:
            raise TimeoutError("the read's time budget is spent")

        previous = signal.signal(signal.SIGALRM, ring)
        signal.setitimer(signal.ITIMER_REAL, max(self.at - time.monotonic(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def exceeded(self, shown: str) -> StoreRefused:
        return StoreRefused(
            f"reading the MLflow store {shown} took longer than {self.budget_s:g} s: stopped "
            "(a store MLflow wrote for one project reads in well under a second)"
        )


def checked_copy(
    store: Path, into: Path, shown: str, expected: ExpectedSchema, deadline: Deadline
) -> Path:
    """A copy of ``store`` in the folder ``into`` that MLflow may read.

    Raises :class:`StoreRefused` when the store is too large, not an SQLite database, or not a
    store the installed MLflow would read as it is (see the module docstring). ``shown`` names
    the store in messages (its path in the repository).
    """
    info = store.stat()
    if not stat.S_ISREG(info.st_mode):
        raise StoreRefused(f"the MLflow store {shown} is not a regular file")
    if info.st_size > MAX_STORE_BYTES:
        raise StoreRefused(
            f"the MLflow store {shown} is {info.st_size / 2**20:.0f} MiB, more than the "
            f"{MAX_STORE_BYTES // 2**20} MiB a committed store may hold"
        )
    copy = into / "store.db"
    # Only the database file: a committed -journal or -wal beside it is never applied.
    shutil.copyfile(store, copy)
    inspect_store(copy, shown, expected, deadline)
    return copy


def inspect_store(path: Path, shown: str, expected: ExpectedSchema, deadline: Deadline) -> None:
    """Refuse (:class:`StoreRefused`) a store MLflow would not read as it is; writes nothing."""
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        ) as database:
            deadline.watch(database)
            _inspect(database, shown, expected)
    except sqlite3.DatabaseError as exc:
        if deadline.passed():
            raise deadline.exceeded(shown) from exc
        raise StoreRefused(f"the MLflow store {shown} is not an SQLite database: {exc}") from exc


def _inspect(database: sqlite3.Connection, shown: str, expected: ExpectedSchema) -> None:
    objects = database.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    views = sorted(name for kind, name, _ in objects if kind == "view")
    if views:
        raise StoreRefused(
            f"the MLflow store {shown} holds view '{views[0]}': MLflow builds no view, and one "
            "standing for a table can make every read run for ever"
        )
    for kind, name, sql in sorted(objects):
        if kind == "trigger" and " ".join(str(sql).split()) != MLFLOW_TRIGGERS.get(name):
            raise StoreRefused(
                f"the MLflow store {shown} holds trigger '{name}', which MLflow does not create"
            )
    tables = {name: str(sql or "") for kind, name, sql in objects if kind == "table"}
    revision = _revision(database) if "alembic_version" in tables else "none"
    if revision != expected.revision:
        raise StoreRefused(
            f"the MLflow store {shown} has schema {revision}, this MLflow "
            f"({expected.mlflow_version}) expects {expected.revision}: rebuild it with MLflow "
            f"{expected.mlflow_version} (aigov never lets MLflow migrate a committed store)"
        )
    for name in sorted(expected.tables):
        if name not in tables:
            raise StoreRefused(f"the MLflow store {shown} lacks MLflow's table '{name}'")
        if tables[name].lstrip().upper().startswith("CREATE VIRTUAL"):
            raise StoreRefused(f"the MLflow store {shown} holds a virtual table '{name}'")
        computed = [
            f"{name}.{column}"
            for _, column, *_, hidden in database.execute(f"PRAGMA table_xinfo('{name}')")
            if hidden in (2, 3)  # generated columns: computed when read
        ]
        for column in computed:
            if column not in expected.computed_columns:
                raise StoreRefused(
                    f"the MLflow store {shown} computes column '{column}', which MLflow does not"
                )


def _revision(database: sqlite3.Connection) -> str:
    rows = database.execute("SELECT version_num FROM alembic_version LIMIT 2").fetchall()
    return str(rows[0][0]) if len(rows) == 1 else f"unknown ({len(rows)} revisions recorded)"


@contextlib.contextmanager
def deadline_on_connections(copy: Path, deadline: Deadline) -> Iterator[None]:
    """While the block runs, every SQLite connection SQLAlchemy opens to ``copy`` (MLflow's
    store engine) watches ``deadline`` (:meth:`Deadline.watch`)."""
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    target = os.path.realpath(copy)

    def on_connect(connection: object, _record: object) -> None:
        if isinstance(connection, sqlite3.Connection):
            main = connection.execute("PRAGMA database_list").fetchone()
            if main is not None and os.path.realpath(str(main[2])) == target:
                deadline.watch(connection)

    event.listen(Pool, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(Pool, "connect", on_connect)
