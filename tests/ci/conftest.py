"""The local forges of the bot's tests, for the simulated jobs that publish."""

from __future__ import annotations

from tests.scm.fakes import local_server

__all__ = ["local_server"]
