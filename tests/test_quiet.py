"""quiet_library: a library's logger and environment settings, applied then put back."""

from __future__ import annotations

import logging
import os

import pytest

from aigov.quiet import quiet_library


def test_settings_apply_inside_and_are_restored_even_after_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIGOV_TEST_KEPT", "before")
    monkeypatch.delenv("AIGOV_TEST_NEW", raising=False)
    log = logging.getLogger("aigov.test.library")
    log.setLevel(logging.DEBUG)
    with (
        pytest.raises(RuntimeError),
        quiet_library(
            "aigov.test.library",
            logging.ERROR,
            {"AIGOV_TEST_KEPT": "inside", "AIGOV_TEST_NEW": "1"},
        ),
    ):
        assert os.environ["AIGOV_TEST_KEPT"] == "inside" and os.environ["AIGOV_TEST_NEW"] == "1"
        assert not log.isEnabledFor(logging.WARNING) and log.isEnabledFor(logging.ERROR)
        raise RuntimeError("the library failed")
    assert os.environ["AIGOV_TEST_KEPT"] == "before" and "AIGOV_TEST_NEW" not in os.environ
    assert log.level == logging.DEBUG
