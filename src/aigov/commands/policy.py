"""``aigov policy test [PACK_DIR...]``, ``aigov policy doc [--out FILE]`` and ``aigov policy
list [--pack P] [-f text|json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.errors import EXIT_BLOCKED, EXIT_PASS, EXIT_USAGE, UsageError

if TYPE_CHECKING:  # the policy layer is imported when a policy verb runs, not to parse argv
    from aigov.policy.sources import PolicySet


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    """The ``policy`` verb and its sub-commands (called by ``aigov.cli``)."""
    policy = verbs.add_parser(
        "policy",
        help="test policy packs and generate their reference documentation",
        description="Work on policy packs: run their fixtures, generate their reference.",
    )
    actions = policy.add_subparsers(dest="policy_action", metavar="ACTION", required=True)
    test = actions.add_parser(
        "test",
        help="run every rule's pass and fail fixtures",
        description="Run every rule's pass and fail fixtures. Exit 0 when all pass, 1 when a "
        "fixture fails or a rule lacks one, 2 when a pack cannot be loaded.",
    )
    test.add_argument(
        "packs",
        nargs="*",
        metavar="PACK_DIR",
        help="a pack folder or a folder of packs (default: the built-in packs)",
    )
    doc = actions.add_parser(
        "doc",
        help="generate the policy reference (Markdown)",
        description="Generate the policy reference in Markdown: one section per rule.",
    )
    doc.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    doc.add_argument(
        "--lang",
        choices=("en", "fr"),
        help="language of the reference (the packs' rule translations; default en)",
    )
    add_source_arguments(doc)
    coverage = actions.add_parser(
        "coverage",
        help="the coverage matrix: each article, the rules enforcing it, or why files cannot",
        description="Generate the regulatory coverage matrix: every article (and paragraph "
        "judged apart) in the scope files (policies/<pack>/coverage.yaml), the rules whose "
        "references cite it and the facts they read, or why a repository's files cannot show "
        "the fact and what the organisation does instead. Exit 1 when an article has neither "
        "a rule nor a reason (a gap), 2 when a scope file or the packs cannot be read.",
    )
    coverage.add_argument("--out", "-o", metavar="FILE", help="write to FILE instead of stdout")
    coverage.add_argument(
        "-f", "--format", choices=("markdown", "json"), default="markdown", help="default: markdown"
    )
    coverage.add_argument(
        "--scope",
        metavar="DIR",
        help="a folder of packs whose <pack>/coverage.yaml files give the scope "
        "(default: the built-in packs')",
    )
    add_source_arguments(coverage)
    listing = actions.add_parser(
        "list",
        help="list the rules: id, severity (after the organisation's tuning), articles, title",
        description="List the rules of the policy source's packs: id, severity after the "
        "organisation's tuning (rules it turned off are shown as off), the articles each "
        "enforces, and its title. JSON: {policy_source, packs: [{name, version, digest, "
        "origin}], rules: [{id, pack, title, severity, pack_severity, enabled, reason, "
        "articles, documentation}]}.",
    )
    listing.add_argument("--pack", metavar="PACK", help="only the rules of this pack")
    listing.add_argument(
        "-f", "--format", choices=("text", "json"), default="text", help="default: text"
    )
    add_source_arguments(listing)


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """``--policies SOURCE [--ref REF]``, shared by the verbs that read a policy source."""
    parser.add_argument(
        "--policies",
        metavar="SOURCE",
        help="policy source: 'builtin' (default), a folder, git+file:///repo@REF, or a remote "
        "repository at a ref: https://host/org/policies.git@v2.3.0, ssh://host/path@REF, "
        "user@host:path@REF (token: AIGOV_POLICIES_TOKEN; pin content with #sha256:DIGEST)",
    )
    parser.add_argument(
        "--ref", metavar="REF", help="with a repository path as SOURCE: the git ref to read"
    )


def load_for_cli(source: str | None, ref: str | None = None) -> PolicySet:
    """Load a policy source, turning every loading problem into a usage error (exit 2)."""
    from aigov.policy.pack import PolicyLoadError
    from aigov.policy.sources import load_policy_set, parse_policy_source

    try:
        return load_policy_set(parse_policy_source(source, ref=ref))
    except PolicyLoadError as exc:
        raise UsageError(f"the policy packs cannot be loaded:\n{exc}") from None
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    if args.policy_action == "test":
        return _test(args)
    if args.policy_action == "list":
        return _list(args)
    if args.policy_action == "coverage":
        return _coverage(args)
    return _doc(args)


def _test(args: argparse.Namespace) -> int:
    from aigov.policy.pack import PolicyLoadError
    from aigov.policy.sources import load_pack_folders
    from aigov.policy.testing import run_fixtures

    try:
        policy_set = (
            load_pack_folders([Path(p) for p in args.packs]) if args.packs else load_for_cli(None)
        )
    except PolicyLoadError as exc:
        for problem in exc.problems:
            print(problem.wrapped(), file=sys.stderr)
        print(f"{len(exc.problems)} problem(s): the packs cannot be tested", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from exc
    report = run_fixtures(policy_set)
    packs = ", ".join(f"{p.name} {p.version}" for p in policy_set.packs)
    print(f"testing {len(policy_set.rules)} rules of {packs}")
    for failure in report.failures:
        print(failure)
    print(f"{report.passed} passed, {len(report.failures)} failed")
    return EXIT_PASS if report.ok else EXIT_BLOCKED


def _doc(args: argparse.Namespace) -> int:
    from aigov.policy.reference import render_reference

    policy_set = load_for_cli(args.policies, args.ref)
    _write(render_reference(policy_set, lang=args.lang or "en"), args.out)
    return EXIT_PASS


def _coverage(args: argparse.Namespace) -> int:
    import json

    from aigov.policy.coverage import (
        CoverageScopeError,
        build_matrix,
        load_scopes,
        matrix_plain,
        render_markdown,
    )

    policy_set = load_for_cli(args.policies, args.ref)
    try:
        scopes = load_scopes(Path(args.scope) if args.scope else None)
    except CoverageScopeError as exc:
        raise UsageError(f"the coverage scope cannot be read:\n{exc}") from None
    if not scopes:
        raise UsageError(f"no <pack>/coverage.yaml under {args.scope}")
    matrix = build_matrix(policy_set, scopes)
    if args.format == "json":
        text = json.dumps(matrix_plain(matrix), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_markdown(matrix, policy_set)
    _write(text, args.out)
    for row in matrix.gaps:
        print(
            f"gap: {row.regulation} {row.label} ({row.title}) has no rule and no "
            "outside_files reason",
            file=sys.stderr,
        )
    return EXIT_BLOCKED if matrix.gaps else EXIT_PASS


def _write(text: str, out: str | None) -> None:
    """``text`` to ``out`` (atomically), or to standard output."""
    from aigov.documents.files import write_atomically

    if out:
        try:
            write_atomically(Path(out), text)
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)


def _list(args: argparse.Namespace) -> int:
    from aigov.policy.reference import list_rules

    policy_set = load_for_cli(args.policies, args.ref)
    names = [pack.name for pack in policy_set.packs]
    if args.pack is not None and args.pack not in names:
        raise UsageError(
            f"no pack '{args.pack}' in {policy_set.origin}; its packs: {', '.join(names)}"
        )
    rules = list_rules(policy_set, args.pack)
    if args.format == "json":
        packs = [
            {"name": p.name, "version": p.version, "digest": p.digest, "origin": p.origin}
            for p in policy_set.packs
            if args.pack in (None, p.name)
        ]
        document = {
            "policy_source": policy_set.origin,
            "packs": packs,
            "rules": [rule.plain() for rule in rules],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return EXIT_PASS
    sys.stdout.write(_rules_table(rules))
    return EXIT_PASS


def _rules_table(rules: list[Any]) -> str:
    """One line a rule: id, severity, articles, title (columns aligned, text escaped)."""
    from aigov.documents.problems import escape_controls

    def one_line(text: str) -> str:
        return escape_controls(" ".join(text.split()))

    rows = [("RULE", "SEVERITY", "ARTICLES", "TITLE")]
    for rule in rules:
        severity = rule.severity if rule.enabled else "off"
        if rule.enabled and rule.severity != rule.pack_severity:
            severity += f" (pack: {rule.pack_severity})"
        rows.append(
            (one_line(rule.id), severity, one_line("; ".join(rule.articles)), one_line(rule.title))
        )
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
    off = sum(1 for rule in rules if not rule.enabled)
    tuned = sum(1 for rule in rules if rule.enabled and rule.severity != rule.pack_severity)
    lines.append(f"{len(rules)} rules ({tuned} with a tuned severity, {off} turned off)")
    return "\n".join(lines) + "\n"
