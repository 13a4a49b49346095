"""``aigov gate --to ENVIRONMENT [PATH]``: the deployment gate of a CD pipeline.

The rules of the stage that guards the environment apply whatever the manifest's stage says
(``--to production`` evaluates the production-readiness rules of a project still marked
``poc``, and the lifecycle pack blocks deploying a project whose stage is not ready for it).
Exit codes and ``-f/-o`` outputs are those of ``aigov check``.
"""

from __future__ import annotations

import argparse
from typing import Any

from aigov.commands.check import add_run_arguments, execute
from aigov.errors import UsageError


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    # aigov.gate (and the policy models it imports) is not imported to build the parser: every
    # verb pays for the parser, only this one for the gate.
    gate = verbs.add_parser(
        "gate",
        help="deployment gate: may this repository be deployed to ENVIRONMENT? (exit 1 if not)",
        description="Evaluate the rules that guard a deployment environment, whatever the "
        "manifest's stage says. Exit 0 pass, 1 blocked, 2 usage or input error (an unknown "
        "environment lists the known ones).",
    )
    gate.add_argument(
        "--to",
        required=True,
        metavar="ENVIRONMENT",
        dest="to",
        help="the environment deployed to (production, staging…)",
    )
    add_run_arguments(gate)


def run(args: argparse.Namespace) -> int:
    from aigov.gate import DEPLOYMENT_TARGET_STAGES

    target = str(args.to).strip().lower()
    if target not in DEPLOYMENT_TARGET_STAGES:
        known = ", ".join(sorted(DEPLOYMENT_TARGET_STAGES))
        raise UsageError(f"unknown environment '{args.to}' (known: {known})")
    return execute(args, target=target)
