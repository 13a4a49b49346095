"""Bounded retries shared by the forge clients (PyGithub and python-gitlab both sit on urllib3).

A :class:`BudgetedRetry` retries 429, 5xx and whatever its base class adds (PyGithub's retry also
recognises GitHub's secondary rate limits), honours ``Retry-After``, and draws every wait from one
:class:`WaitBudget` shared by all the requests of a run: when the server asks for more than what is
left, the run gives up at once instead of sleeping past the CI job's patience.

Writes that must not happen twice (posting the comment) are sent inside
:meth:`WaitBudget.at_most_once`: then only a refusal (429, a rate-limit 403) or a connection that
was never made is retried here; a lost, cut-off or late answer is left to the caller, who looks
before posting again (:func:`aigov.scm.publish.publish`). An answer cut off mid-body escapes
urllib3 (requests reads the body after the retries are done): :func:`repeat_cut_off` repeats
idempotent calls then.

Timeouts bound each wait for a byte, not an answer: a server that trickles its answer (a byte
every few seconds) would hold a run forever. :func:`run_deadline` bounds the whole run.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RETRY_STATUSES: Final[tuple[int, ...]] = (429, 500, 502, 503, 504)
RETRY_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
"""Writes are retried too, except inside :meth:`WaitBudget.at_most_once`."""
REFUSED_STATUSES: Final[tuple[int, ...]] = (429, 403)
"""Answers saying the request was not carried out (rate limits; GitHub's secondary limit is a 403
that PyGithub's retry recognises): safe to send again even at most once."""

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a run insists: ``retries`` after the first attempt of each request, exponential
    backoff of ``backoff_factor`` seconds, at most ``max_total_wait`` seconds of waiting in all."""

    retries: int = 4
    backoff_factor: float = 1.0
    max_total_wait: float = 120.0


DEFAULT_POLICY = RetryPolicy()
"""The policy of ``aigov comment`` (read when a client is made, so tests may shorten it)."""


class WaitBudget:
    """Seconds of waiting left to the whole run (shared by the retries of every request)."""

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds
        self.once = False

    @contextmanager
    def at_most_once(self) -> Iterator[None]:
        """Requests sent inside are not repeated once they may have reached the server."""
        before, self.once = self.once, True
        try:
            yield
        finally:
            self.once = before

    def spend(self, seconds: float) -> bool:
        """Take ``seconds`` of waiting from the budget; False (nothing taken) when not enough."""
        if seconds > self.remaining:
            return False
        self.remaining -= seconds
        return True


class BudgetedRetry(Retry):
    """A urllib3 ``Retry`` whose waits come out of a shared :class:`WaitBudget`."""

    def __init__(self, *args: Any, budget: WaitBudget | None = None, **kwargs: Any) -> None:
        self.budget = budget if budget is not None else WaitBudget(DEFAULT_POLICY.max_total_wait)
        super().__init__(*args, **kwargs)

    def new(self, **kw: Any) -> Self:
        kw.setdefault("budget", self.budget)
        return super().new(**kw)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if self.budget.once and status_code not in REFUSED_STATUSES:
            return False  # a 5xx may come after the write was done: the caller looks first
        return super().is_retry(method, status_code, has_retry_after)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if self.budget.once and error is not None and not self._is_connection_error(error):
            raise error.with_traceback(_stacktrace)  # sent, answer lost: may have been done
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = _planned_wait(retry, response)
        if not self.budget.spend(wait):
            reason = (
                f"giving up: the server asked to wait {wait:.0f} s, more than the "
                f"{self.budget.remaining:.0f} s of waiting left"
            )
            raise MaxRetryError(_pool, url or "", ResponseError(reason))  # type: ignore[arg-type]
        return retry


def _planned_wait(retry: Retry, response: BaseHTTPResponse | None) -> float:
    """What ``retry.sleep(response)`` is about to sleep (Retry-After first, else the backoff)."""
    if response is not None and retry.respect_retry_after_header:
        try:
            after = retry.get_retry_after(response)
        except InvalidHeader:
            after = None
        if after:
            return after
    return float(retry.get_backoff_time())


def retry_options(policy: RetryPolicy) -> dict[str, Any]:
    """Keyword arguments of a :class:`BudgetedRetry` (or subclass) applying ``policy``."""
    return {
        "total": policy.retries,
        "backoff_factor": policy.backoff_factor,
        "backoff_max": max(policy.max_total_wait, 1.0),
        "status_forcelist": list(RETRY_STATUSES),
        "allowed_methods": RETRY_METHODS,
        "respect_retry_after_header": True,
        "budget": WaitBudget(policy.max_total_wait),
    }


def repeat_cut_off(call: Callable[[], T], policy: RetryPolicy, budget: WaitBudget) -> T:
    """``call()``, made again when an answer was cut off mid-body (for idempotent calls only).

    urllib3 retries up to the end of an answer's headers; requests reads the body afterwards, so
    a connection closed half way through it surfaces as ``ChunkedEncodingError`` that no
    ``Retry`` sees. At most ``policy.retries`` more calls, backing off within ``budget``.
    """
    from requests.exceptions import ChunkedEncodingError

    for attempt in range(policy.retries):
        try:
            return call()
        except ChunkedEncodingError:
            if not budget.spend(policy.backoff_factor * attempt):
                raise
            time.sleep(policy.backoff_factor * attempt)
    return call()


@dataclass(frozen=True)
class CutOffRepeater:
    """:func:`repeat_cut_off` bound to one client's policy and waiting budget."""

    policy: RetryPolicy
    budget: WaitBudget

    def __call__(self, call: Callable[[], T]) -> T:
        return repeat_cut_off(call, self.policy, self.budget)


def network_failure(exc: Exception) -> str:
    """A short account of a requests/urllib3 failure: what happened, then urllib3's reason."""
    from urllib3.exceptions import (
        ConnectTimeoutError,
        NewConnectionError,
        ProtocolError,
        ReadTimeoutError,
    )

    first = exc.args[0] if exc.args else None
    reason = getattr(first, "reason", None) or first
    if isinstance(reason, NewConnectionError):
        what = "cannot connect"
    elif isinstance(reason, ConnectTimeoutError):
        what = "timed out connecting"
    elif isinstance(reason, ReadTimeoutError):
        what = "timed out waiting for the answer"
    elif isinstance(reason, ProtocolError):
        what = "connection closed before the answer was complete"
    else:
        what = type(exc).__name__
    detail = str(reason) if isinstance(reason, Exception) else ""
    return what + (f" ({detail[:200]})" if detail else "")


class DeadlineExceeded(BaseException):
    """The run's time for forge requests is up (see :func:`run_deadline`).

    A ``BaseException``, as ``KeyboardInterrupt`` is: it is raised by a signal handler wherever
    the client library happens to be, and must not be swallowed by its ``except Exception``.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


@contextmanager
def run_deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` in the block once ``seconds`` have passed.

    A real-time timer (``SIGALRM``): a blocked ``recv`` is interrupted and raises (PEP 475 runs
    the handler, whose exception ends the call). Only the main thread receives signals; elsewhere,
    or where there is no ``setitimer`` (Windows), the block runs unbounded as before.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise DeadlineExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
