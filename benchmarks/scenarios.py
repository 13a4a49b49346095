"""Judge every expert scenario of tests/scenarios/ and print how aigov agrees with the experts.

    python benchmarks/scenarios.py [-v] [--record FILE]

One line per scenario (expected and actual decision, articles missed or wrongly blocked), then
the precision and recall of blocking articles over the suite (definitions in
``tests.scenarios.suite.Scores``), the decisions right, the coverage of the built-in packs
(articles with a rule / articles in scope, from ``aigov.policy.coverage``) and the run time.
Exit code 0 whatever the figures: this measures, it does not gate
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
    Policies,
    describe,
    judge,
    load_scenarios,
    score,
    suite_today,
)


def coverage_line() -> str:
    """Articles with a rule / articles in scope, per regulation, from the coverage matrix of the
    built-in packs (``aigov.policy.coverage``, the matrix behind docs/coverage.md)."""
    try:
        from aigov.policy.coverage import build_matrix, load_scopes
    except ImportError:  # an aigov without the coverage matrix
        return "coverage: not computed (aigov.policy.coverage is not available)"
    from aigov.policy.sources import load_policy_set

    matrix = build_matrix(load_policy_set(), load_scopes())
    parts = []
    for regulation in dict.fromkeys(row.regulation for row in matrix.rows):
        covered = len(matrix.covered_articles(regulation))
        in_scope = len(matrix.articles(regulation))
        parts.append(f"{regulation} {covered}/{in_scope} ({matrix.ratio(regulation):.0%})")
    covered, in_scope = len(matrix.covered_articles()), len(matrix.articles())
    return (
        f"coverage (articles with a rule / articles in scope): {covered}/{in_scope} "
        f"({matrix.ratio():.0%}); " + ", ".join(parts)
    )


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
    policies, today = Policies(), suite_today()
    scenarios = load_scenarios()
    outcomes = []
    for scenario in scenarios:
        try:
            outcome = judge(scenario, policies, today)
        except Exception as exc:  # a crash of aigov on one scenario is measured, not fatal
            e = scenario.expected
            crash = f"aigov crashed: {type(exc).__name__}: {exc}"
            outcome = Outcome(scenario, "error", (), e.must_block, (), (), error=crash)
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
    for issue in sorted({o.scenario.expected.issue for o in outcomes if o.scenario.expected.issue}):
        part = score([o for o in outcomes if o.scenario.expected.issue == issue])
        print(
            f"  issue {issue}: {part.scenarios} scenarios, decision right {part.decisions_right}, "
            f"precision {part.precision:.2f}, recall {part.recall:.2f}"
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
