"""Build this example monorepo from the single-project examples beside it.

One repository, several AI projects: ``projects/chatbot`` is ``examples/customer-chatbot`` and
``projects/hr-attrition`` is ``examples/hr-attrition-ideation``, and ``governance`` holds the
organisation's config of ``examples/org-policies`` (their README files aside: this
folder's README describes the monorepo). Run it after changing either source example::

    python examples/monorepo/build.py

A test fails while the committed copies differ from their sources.
"""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent
PROJECTS = {
    "governance": "org-policies",
    "projects/chatbot": "customer-chatbot",
    "projects/hr-attrition": "hr-attrition-ideation",
}
"""Each folder of the monorepo and the example it copies: the organisation's policy source
(``governance/aigov-org.yaml``) and two projects."""

IGNORED = shutil.ignore_patterns("README.md", "mlruns.db", "__pycache__", ".aigov")


SCHEMA_LINE = "# yaml-language-server: $schema=../../schemas/"
"""How a source example's YAML names its JSON Schema, from two folders below the checkout."""


def build(destination: Path = HERE) -> None:
    """Write the projects under ``destination`` (this folder by default)."""
    for folder, source in PROJECTS.items():
        target = destination / folder
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(EXAMPLES / source, target, ignore=IGNORED)
        for path in target.rglob("*.yaml"):
            _point_at_schemas(path, depth=len(path.relative_to(destination).parts) - 1)


def _point_at_schemas(path: Path, *, depth: int) -> None:
    """The copy's schema line, as far from the checkout's ``schemas/`` as the copy sits in
    ``examples/monorepo`` (``depth`` folders below it)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith(SCHEMA_LINE):
        prefix = "../" * (depth + 2)
        text = f"# yaml-language-server: $schema={prefix}schemas/" + text[len(SCHEMA_LINE) :]
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    build()
