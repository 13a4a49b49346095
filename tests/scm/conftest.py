"""Fixtures of the bot's tests: a local HTTP server, PyGithub's throttle off."""

from __future__ import annotations

from tests.scm.fakes import local_server, zero_throttle

__all__ = ["local_server", "zero_throttle"]
