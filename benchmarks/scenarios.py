"""Judge every expert scenario of tests/scenarios/ and print how aigov agrees with the experts.

    python benchmarks/scenarios.py [-v]

One line per scenario (expected and actual decision, articles missed or wrongly blocked), then
the precision and recall of blocking articles over the suite (definitions in
``tests.scenarios.suite.Scores``), the decisions right, the run time, and the coverage of the
packs when aigov can compute it. Exit code 0 whatever the figures: this measures, it does not gate
(``tests/scenarios/test_scenarios.py`` does).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scenarios.suite import (  # noqa: E402
    Outcome,
    describe,
    judge,
    load_policy,
    load_scenarios,
    score,
    suite_today,
)

COVERAGE_FUNCTIONS = ("coverage_figure", "coverage_ratio", "coverage")
"""Hook: the first of these that ``aigov.policy.coverage`` defines gives the coverage figure
(articles with a rule / articles in scope), as a float or an object with ``covered`` and
``in_scope``. Until that module exists the line says so."""


def coverage_line() -> str:
    try:
        from aigov.policy import coverage  # type: ignore[attr-defined]
    except ImportError:
        return "coverage: not computed (src/aigov/policy/coverage.py does not exist yet)"
    for name in COVERAGE_FUNCTIONS:
        function = getattr(coverage, name, None)
        if callable(function):
            value = function()
            covered, in_scope = getattr(value, "covered", None), getattr(value, "in_scope", None)
            if isinstance(covered, int) and isinstance(in_scope, int) and in_scope:
                share = covered / in_scope
                return f"coverage: {covered}/{in_scope} articles in scope have a rule ({share:.0%})"
            if isinstance(value, float):
                return f"coverage: {value:.0%} of the articles in scope have a rule"
            return f"coverage: {value}"
    return f"coverage: aigov.policy.coverage has none of {', '.join(COVERAGE_FUNCTIONS)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print each scenario's why")
    parser.add_argument(
        "--record",
        metavar="FILE",
        type=Path,
        help="append the scenarios judged otherwise than expected to FILE (Markdown)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    policy, today = load_policy(), suite_today()
    scenarios = load_scenarios()
    outcomes = []
    for scenario in scenarios:
        outcome = judge(scenario, policy, today)
        outcomes.append(outcome)
        print(describe(outcome))
        if args.verbose and not outcome.agrees:
            print(f"     why: {scenario.expected.why}")
    elapsed = time.perf_counter() - started
    s = score(outcomes)
    passing = sum(o.scenario.expected.decision == "pass" for o in outcomes)
    agree = sum(o.agrees for o in outcomes)
    print()
    print(
        f"scenarios: {s.scenarios} ({passing} must pass, {s.scenarios - passing} must block), "
        f"judged as the expert does: {agree}, decision right: {s.decisions_right}"
    )
    print(
        f"blocking articles: precision {s.precision:.2f} ({s.true_positives} right, "
        f"{s.false_positives} false blocks), recall {s.recall:.2f} "
        f"({s.true_positives} of {s.true_positives + s.false_negatives})"
    )
    print(coverage_line())
    print(f"time: {elapsed:.1f} s ({1000 * elapsed / max(1, s.scenarios):.0f} ms per scenario)")
    if args.record is not None:
        record(args.record, [o for o in outcomes if not o.agrees], today)
    return 0


def record(path: Path, disagreements: list[Outcome], today: object) -> None:
    """Append one Markdown section listing each disagreement: scenario, expected, got, articles."""
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [f"\n## Run of {stamp} (suite date {today}): {len(disagreements)} disagreement(s)\n"]
    for o in disagreements:
        e = o.scenario.expected
        got = o.decision + (f" ({' '.join(o.error.split())[:160]})" if o.error else "")
        lines.append(f"- **{o.scenario.name}**: expected {e.decision}, got {got}")
        if o.missed:
            lines.append(f"  - must block, not blocked: {'; '.join(o.missed)}")
        if o.unwanted:
            lines.append(f"  - must not block, blocked: {'; '.join(o.unwanted)}")
        if o.blocking and (o.false_blocks or o.missed):
            lines.append(f"  - blocking rules: {', '.join(b.rule_id for b in o.blocking)}")
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
