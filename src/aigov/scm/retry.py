"""Bounded retries shared by the forge clients (PyGithub and python-gitlab both sit on urllib3).

A :class:`BudgetedRetry` retries 429, 5xx and whatever its base class adds (PyGithub's retry also
recognises GitHub's secondary rate limits), honours ``Retry-After``, and draws every wait from one
:class:`WaitBudget` shared by all the requests of a run: when the server asks for more than what is
left, the run gives up at once instead of sleeping past the CI job's patience.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

RETRY_STATUSES: Final[tuple[int, ...]] = (429, 500, 502, 503, 504)
RETRY_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
"""Writes are retried too: a duplicated comment after a lost answer is merged by the next run."""


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


class BudgetedRetry(Retry):
    """A urllib3 ``Retry`` whose waits come out of a shared :class:`WaitBudget`."""

    def __init__(self, *args: Any, budget: WaitBudget | None = None, **kwargs: Any) -> None:
        self.budget = budget if budget is not None else WaitBudget(DEFAULT_POLICY.max_total_wait)
        super().__init__(*args, **kwargs)

    def new(self, **kw: Any) -> Self:
        kw.setdefault("budget", self.budget)
        return super().new(**kw)

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        wait = _planned_wait(retry, response)
        if wait > self.budget.remaining:
            reason = (
                f"giving up: the server asked to wait {wait:.0f} s, more than the "
                f"{self.budget.remaining:.0f} s of waiting left"
            )
            raise MaxRetryError(_pool, url or "", ResponseError(reason))  # type: ignore[arg-type]
        self.budget.remaining -= wait
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


def network_failure(exc: Exception) -> str:
    """A short account of a requests/urllib3 failure (its type and urllib3's reason)."""
    first = exc.args[0] if exc.args else None
    reason = getattr(first, "reason", None)
    return type(exc).__name__ + (f" ({reason})" if reason else "")
