"""Generate an AI repository that declares thousands of data contracts.

    python benchmarks/many_contracts.py DIR N

The customer-chatbot example with its one ODCS contract copied N times (each with its own id,
name and file), every one listed under ``data.contracts``. ``broken`` indexes get a schema error
on a known line (``version`` written as a list), so a test can check that the one bad contract
among thousands is reported at its ``file:line:column``. Deterministic for a given N.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Collection
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "customer-chatbot"
CONTRACT = "contracts/conversation-logs.odcs.yaml"


def contract_file(index: int) -> str:
    return f"contracts/logs-{index:05d}.odcs.yaml"


def write_repository(root: Path, count: int, *, broken: Collection[int] = ()) -> Path:
    """Write the repository at ``root`` (created) with ``count`` contracts; returns ``root``."""
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".aigov", "mlruns.db"))
    template = (root / CONTRACT).read_text(encoding="utf-8")
    (root / CONTRACT).unlink()
    for index in range(count):
        text = re.sub(r"(?m)^id: .*$", f"id: 0b9e6d21-84c3-4f5a-a7e2-{index:012d}", template)
        text = re.sub(r"(?m)^name: .*$", f"name: alix_conversation_logs_{index}", text)
        if index in broken:
            text = re.sub(r"(?m)^version: .*$", "version: [0, 3, 0]", text)
        (root / contract_file(index)).write_text(text, encoding="utf-8")
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    listed = "".join(f"    - {contract_file(i)}\n" for i in range(count))
    manifest = manifest.replace(f"    - {CONTRACT}\n", listed)
    (root / "aigov.yaml").write_text(manifest, encoding="utf-8")
    return root


def broken_location(root: Path, index: int) -> str:
    """``file:line:column`` of the ``version`` key of a broken contract."""
    lines = (root / contract_file(index)).read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("version:"))
    return f"{contract_file(index)}:{line}:1"


if __name__ == "__main__":
    write_repository(Path(sys.argv[1]), int(sys.argv[2]))
