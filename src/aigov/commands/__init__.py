"""One module per ``aigov`` verb; each exposes ``add_parser(subparsers)`` and ``run(args)``."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(text: str) -> dt.date:
    """An argparse ``type`` for ``--today YYYY-MM-DD`` options (usage error otherwise)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None
