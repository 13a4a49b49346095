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
    explain.add_argument(
        "--lang",
        choices=("en", "fr"),
        help="language of the explanation (the pack's translation of the rule; default en)",
    )
    add_source_arguments(explain)


def run(args: argparse.Namespace) -> int:
    from aigov.policy.reference import render_rule

    policy_set = load_for_cli(args.policies, args.ref)
    wanted = args.rule_id.strip().upper()
    rule = policy_set.rule(wanted)
    off = next((t for t in policy_set.tuning if t.rule_id == wanted and not t.enabled), None)
    if off is not None:
        sys.stdout.write(
            f"{off.rule_id} (pack {off.pack}) is turned off by the organisation's "
            f"aigov-org.yaml: {off.reason}\n"
        )
        return EXIT_PASS
    if rule is None:
        made_by_aigov = _aigov_rules()
        if wanted in made_by_aigov:
            from aigov.i18n import translator

            # aigov's own explanations are messages of its catalog (aigov/locales/<lang>.json).
            sys.stdout.write(translator(args.lang)(made_by_aigov[wanted]))
            return EXIT_PASS
        ids = [r.id for r in policy_set.rules]
        close = difflib.get_close_matches(wanted, [*ids, *made_by_aigov], n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UsageError(f"no rule '{args.rule_id}' in the policy packs{hint}")
    sys.stdout.write(render_rule(policy_set, rule, lang=args.lang or "en"))
    return EXIT_PASS


def _aigov_rules() -> dict[str, str]:
    """The findings aigov makes itself (not a pack's rules), explained."""
    from aigov.attestation.judge import ATTESTATION_EXPLANATION, ATTESTATION_RULE_ID
    from aigov.policy.waivers import WAIVER_EXPLANATION, WAIVER_RULE_ID

    return {WAIVER_RULE_ID: WAIVER_EXPLANATION, ATTESTATION_RULE_ID: ATTESTATION_EXPLANATION}
