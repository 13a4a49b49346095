"""The ``change`` context root: what a pull request or a deployment changes.

A pull request (``aigov check --base REF``) gives the stage change and the files it touches; a
deployment (``aigov gate --to ENV``) gives the environment and the stage whose rules guard it.
A run that is neither has an empty ``change``. Fields a run does not know are absent from the
context (not null), so rules test them with ``has(change.target)``; the published shape is
``schemas/change.schema.json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Direction = Literal["none", "forward", "backward", "retire"]


class ChangeContext(BaseModel):
    """``change``: the stage change of a pull request, and the target of a deployment."""

    # defer_build: a run that never builds this evidence never pays for its validator.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    stage_changed: bool | None = Field(
        default=None, description="The pull request changes the manifest's stage."
    )
    base_stage: str | None = Field(
        default=None,
        description="The stage at the base (the head's stage when the base has no manifest).",
    )
    head_stage: str | None = Field(default=None, description="The stage the pull request sets.")
    direction: Direction | None = Field(
        default=None,
        description="none (same stage or no base manifest), forward, backward, or retire (to "
        "retired from any stage).",
    )
    skipped_stages: list[str] | None = Field(
        default=None,
        description="The stages a forward move jumps over (poc -> production skips "
        "industrialization).",
    )
    files: list[str] | None = Field(
        default=None,
        description="The files the pull request changes, relative to the project root.",
    )
    target: str | None = Field(
        default=None, description="A deployment's environment (aigov gate --to ENV)."
    )
    target_stage: str | None = Field(
        default=None, description="The lifecycle stage whose rules guard that environment."
    )

    def plain(self) -> dict[str, Any]:
        """The plain data rules read (``change``) and the JSON result carries (``extra.change``):
        the fields this run knows, in this model's order."""
        return self.model_dump(exclude_none=True)
