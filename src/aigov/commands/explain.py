"""``aigov explain RULE_ID``: what a rule checks, why, and how to fix a finding."""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any

from aigov.commands.policy import add_source_arguments, load_for_cli
from aigov.errors import EXIT_PASS, UsageError


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    explain = verbs.add_parser(
        "explain",
        help="explain one rule: what it checks, why, how to fix it",
        description="Print one rule's reference: what it checks, why, how to fix it, and an "
        "example. Exit 2 when the rule is unknown.",
    )
    explain.add_argument("rule_id", metavar="RULE_ID")
    add_source_arguments(explain)


def run(args: argparse.Namespace) -> int:
    from aigov.policy.reference import render_rule
    from aigov.policy.waivers import WAIVER_RULE_ID

    policy_set = load_for_cli(args.policies, args.ref)
    wanted = args.rule_id.strip().upper()
    rule = policy_set.rule(wanted)
    if rule is None:
        if wanted == WAIVER_RULE_ID:
            sys.stdout.write(
                f"# {WAIVER_RULE_ID} — Waivers are approved, current and time-boxed\n\n"
                "A waiver in aigov.yaml names an unknown rule, was approved by someone who is "
                "not an org approver, has expired, runs longer than the org allows, or was "
                "granted for another stage. Fix or remove the waiver.\n"
            )
            return EXIT_PASS
        ids = [r.id for r in policy_set.rules]
        close = difflib.get_close_matches(wanted, ids, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"no rule '{args.rule_id}' in the policy packs{hint}")
    sys.stdout.write(render_rule(policy_set, rule))
    return EXIT_PASS
