"""The OASIS SARIF 2.1.0 schema of shared/conformance, as a validator that checks something.

That copy keeps the root schema under ``definitions/Root``: validated as written, it accepts any
document at all. Its ``run.language`` pattern also has a stray ``]`` that jsonschema-rs refuses
(escaped here, meaning what the pattern's authors meant: an optional literal ``]``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

# Beside the project, as in tests/conftest.py (not imported: the fuzz benchmark uses this too).
CONFORMANCE = Path(__file__).resolve().parent.parent.parent / "shared" / "conformance"


@functools.cache
def sarif_validator() -> Any:
    """A jsonschema-rs validator of SARIF 2.1.0 logs (``iter_errors``, ``is_valid``)."""
    import jsonschema_rs

    text = (CONFORMANCE / "sarif" / "sarif-schema-2.1.0.json").read_text("utf-8")
    schema = json.loads(text.replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$"))
    return jsonschema_rs.validator_for({**schema, "$ref": "#/definitions/Root"})


def sarif_errors(log: object) -> list[str]:
    """Every way ``log`` breaks the schema, as ``path: message`` lines (empty: valid)."""
    return [
        f"{'/'.join(str(p) for p in error.instance_path)}: {error.message}"
        for error in sarif_validator().iter_errors(log)
    ]
