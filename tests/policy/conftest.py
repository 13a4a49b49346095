"""Helpers to write policy packs and org configs as real files in temporary folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aigov.policy.findings import Result

PACK_YAML = """\
apiVersion: aigov/v1
kind: PolicyPack
name: {name}
version: {version}
title: Test pack {name}
description: A pack written by a test.
source:
  title: Test regulation
  url: https://example.com/regulation
dates:
  start_of_obligations: 2026-08-02
changelog:
  - {{version: {version}, date: 2026-11-24, changes: [First release.]}}
"""

RULES_YAML = """\
- id: {prefix}-OVERSIGHT
  title: High-risk systems define a human override
  severity: high
  references: ["EU AI Act Art. 14"]
  description: People must be able to override the system.
  applies:
    stages: [industrialization, production]
    when: manifest.risk.ai_act.category == "high"
  effective_from: start_of_obligations
  assert: has(model_card.human_oversight.override)
  message: "{{{{ manifest.metadata.id }}}} has no human override"
  remediation: Describe the override under human_oversight in MODEL_CARD.md.
  fixtures:
    pass:
      - manifest: {{risk: {{ai_act: {{category: high}}}}}}
        model_card: {{human_oversight: {{override: On-call analyst}}}}
    fail:
      - manifest: {{risk: {{ai_act: {{category: high}}}}}}
        model_card: {{}}
- id: {prefix}-OWNER
  title: The project names a business owner
  severity: medium
  references: ["Internal governance charter §2"]
  assert: manifest.metadata.stakeholders.exists(s, s.role == "business_owner")
  message: "{{{{ manifest.metadata.id }}}} names no business owner"
  remediation: Add a stakeholder with role business_owner.
  fixtures:
    pass:
      - manifest: {{metadata: {{stakeholders: [{{name: Ann, role: business_owner}}]}}}}
    fail:
      - manifest: {{metadata: {{stakeholders: []}}}}
"""


def write_pack(
    folder: Path,
    *,
    name: str = "test",
    version: str = "1.0.0",
    prefix: str = "TEST",
    rules: str | None = None,
    pack_yaml: str | None = None,
) -> Path:
    """A pack folder with ``pack.yaml`` and ``rules/main.yaml``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        pack_yaml if pack_yaml is not None else PACK_YAML.format(name=name, version=version),
        encoding="utf-8",
    )
    (folder / "rules").mkdir(exist_ok=True)
    text = rules if rules is not None else RULES_YAML.format(prefix=prefix)
    (folder / "rules" / "main.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


@pytest.fixture
def make_pack(tmp_path: Path) -> Callable[..., Path]:
    def make(relative: str = "packs/test", **kwargs: str) -> Path:
        return write_pack(tmp_path / relative, **kwargs)

    return make


def evaluated(*args: Any, **kwargs: Any) -> Result:
    """:func:`aigov.policy.engine.evaluate`, its findings as the gate decided them (``blocking``
    is the gate's to set: :func:`aigov.gate.decide`)."""
    from aigov.gate import decide
    from aigov.policy.engine import evaluate

    result = evaluate(*args, **kwargs)
    return result.model_copy(update={"findings": decide(result).findings})
