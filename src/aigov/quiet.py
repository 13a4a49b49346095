"""Run a third-party library quietly: its logger raised, its environment settings applied, and
both put back afterwards (aigov prints its own one-line messages; libraries never print)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def quiet_library(logger: str, level: int, env: Mapping[str, str] | None = None) -> Iterator[None]:
    """While the block runs, ``logger`` shows only ``level`` and above and ``env`` is set."""
    settings = dict(env or {})
    saved = {key: os.environ.get(key) for key in settings}
    log = logging.getLogger(logger)
    previous = log.level
    os.environ.update(settings)
    log.setLevel(level)
    try:
        yield
    finally:
        log.setLevel(previous)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
