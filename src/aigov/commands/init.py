"""``aigov init [PATH]``: scaffold ``aigov.yaml``, ``MODEL_CARD.md`` and a first ODCS contract.

The AI Act and GDPR screening questions are asked on a terminal; in CI they come from flags
(``--id``, ``--answer art5.social_scoring=no``…) or an answers file (``--answers FILE``, YAML), and
a missing answer is an error (exit 2) rather than a guess. ``--print-questions`` writes the answers
file to fill in: every question, its article and the values it accepts. What the organisation's
packs require (``--policies``: a business owner, a DPO when personal data are processed…) is asked
as required, never as optional (:mod:`aigov.init.requirements`). Existing files are never
overwritten without ``--force``. The written repository is validated before the command returns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.commands import iso_date
from aigov.documents.types import STAGES
from aigov.errors import EXIT_PASS, UsageError

if TYPE_CHECKING:
    from aigov.documents.safe_yaml import YamlDocument
    from aigov.init.requirements import RequiringRule
    from aigov.init.scaffold import ProjectAnswers
    from aigov.policy.sources import PolicySet

PROJECT_FIELDS = (
    "id",
    "name",
    "owner",
    "business_unit",
    "stage",
    "problem",
    "business_owner",
    "data_protection_officer",
    "contract",
    "screened_by",
)
_REQUIRED_PROJECT = ("id", "name", "owner", "business_unit")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    init = verbs.add_parser(
        "init",
        help="scaffold aigov.yaml, MODEL_CARD.md and a data contract, with the AI Act and GDPR "
        "risk screening",
        description="Create aigov.yaml (with the AI Act and GDPR screening recorded in risk:), "
        "MODEL_CARD.md and contracts/<name>.odcs.yaml. Asks its questions on a terminal; in CI "
        "give them with flags, --answer KEY=VALUE or --answers FILE. Exit 0 when written, 2 on a "
        "missing answer, an existing file (without --force) or another input error.",
    )
    init.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    init.add_argument("--answers", type=Path, metavar="FILE", help="answers file (YAML)")
    init.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a screening answer, e.g. art5.social_scoring=no (repeatable)",
    )
    init.add_argument("--id", help="project id, unique in the portfolio")
    init.add_argument("--name", help="project name")
    init.add_argument("--owner", help="accountable person or team")
    init.add_argument("--business-unit", dest="business_unit", help="business unit")
    init.add_argument("--stage", choices=STAGES, help="lifecycle stage (default: ideation)")
    init.add_argument("--problem", help="the business problem (framing sheet)")
    init.add_argument("--business-owner", dest="business_owner", help="business owner's name")
    init.add_argument(
        "--data-protection-officer", dest="data_protection_officer", help="DPO's name"
    )
    init.add_argument("--contract", metavar="NAME", help="name of the first data contract")
    init.add_argument("--screened-by", dest="screened_by", help="who answered the screening")
    mode = init.add_mutually_exclusive_group()
    mode.add_argument(
        "--no-input",
        action="store_true",
        help="never prompt (the default when standard input is not a terminal)",
    )
    mode.add_argument(
        "--interactive",
        action="store_true",
        help="prompt for missing answers even when standard input is not a terminal",
    )
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument(
        "--policies",
        metavar="SOURCE",
        help="the organisation's policy source, whose blocking rules decide which answers are "
        "required (default: builtin)",
    )
    init.add_argument(
        "--print-questions",
        action="store_true",
        help="print an answers file to fill in (every question, its article and the values it "
        "accepts) and exit",
    )
    init.add_argument("--lang", choices=("en", "fr"), help="language of prompts and files")
    init.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="screening date")


def _read_answers_file(path: Path) -> YamlDocument:
    from aigov.documents.repository import load_yaml_file

    if not path.is_file():
        raise UsageError(f"answers file '{path}' not found")
    return load_yaml_file(path, str(path))  # a DocumentError: exit 2


def _split_answers(
    raw: dict[str, Any], where: str, document: YamlDocument | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """Project fields and flat screening answers, each parsed. A value left empty is not
    answered; every unknown key and every answer a question does not accept is reported at
    once, at its line and column, with the values the question accepts."""
    from aigov.init.screening.questions import QUESTIONS_BY_ID, flatten, parse_answer

    def at(key: str) -> str:
        for path in (tuple(key.split(".")), (key,)):
            if document is not None and path in document.positions:
                line, column = document.positions[path]
                return f"{where}:{line}:{column}"
        return where

    raw = dict(raw)
    project = raw.pop("project", None) or {}
    if not isinstance(project, dict):
        raise UsageError(f"{at('project')}: 'project' must be a mapping of its fields")
    written = {key: f"project.{key}" for key in project}
    for key in PROJECT_FIELDS:
        if key in raw:
            project[key] = raw.pop(key)
            written[key] = key
    problems = [
        f"{at(written[key])}: unknown project field '{key}'" + _did_you_mean(key, PROJECT_FIELDS)
        for key in sorted(set(project) - set(PROJECT_FIELDS))
    ]
    screening: dict[str, Any] = {}
    for key, value in flatten(raw).items():
        question = QUESTIONS_BY_ID.get(key)
        if question is None:
            known = [*QUESTIONS_BY_ID, *PROJECT_FIELDS]
            problems.append(f"{at(key)}: unknown question '{key}'" + _did_you_mean(key, known))
        elif value is not None:  # left empty: not answered yet
            try:
                screening[key] = parse_answer(question, value)
            except ValueError as exc:
                problems.append(
                    f"{at(key)}: {key} ({question.reference}): {_shown(value)} is not an "
                    f"answer: {exc}"
                )
    if problems:
        raise UsageError("\n".join(problems))
    return {k: str(v) for k, v in project.items() if v is not None and k in PROJECT_FIELDS}, (
        screening
    )


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value).lower()


def _prompt_text(
    ask: Callable[[str], str], prompt: str, default: str | None, required: bool
) -> str | None:
    while True:
        shown = f"{prompt} [{default}]: " if default else f"{prompt}: "
        answer = ask(shown).strip()
        if answer:
            return answer
        if default:
            return default
        if not required:
            return None


def run(args: argparse.Namespace) -> int:
    from aigov.i18n import translator
    from aigov.init.requirements import required_fields
    from aigov.init.scaffold import scaffold, slug
    from aigov.init.screening import screen
    from aigov.init.screening.questions import QUESTIONS_BY_ID

    tr = translator(args.lang)
    if args.print_questions:
        return _print_questions(args, tr)
    root = Path(args.path)
    if root.exists() and not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder")
    project, answers = _given_answers(args)
    # Fail before asking anything when the files are there already.
    contract_name = slug(
        project.get("contract") or f"{project.get('id') or slug(root.resolve().name)}-data"
    )
    targets = ["aigov.yaml", "MODEL_CARD.md", f"contracts/{contract_name}.odcs.yaml"]
    _refuse_to_overwrite(root, targets[:2], args.force, tr)
    policy_set = _policies(args.policies)
    interactive = args.interactive or (not args.no_input and sys.stdin.isatty())
    if interactive:
        _ask_interactively(project, answers, root, tr)
    else:
        _require_every_answer(project, answers, tr)
    answers = {k: v for k, v in answers.items() if k in QUESTIONS_BY_ID}
    screening = screen(answers, tr)
    today = args.today or dt.date.today()
    # What the organisation's blocking rules need, now that the screening says what applies.
    required = required_fields(policy_set, _project_answers(project, tr), screening, today)
    if interactive:
        _ask_people(project, required, tr)
    else:
        _require_people(project, required, tr)
    files = scaffold(
        _project_answers(project, tr), screening, today=today, tr=tr, lang=args.lang or "en"
    )
    _refuse_to_overwrite(root, list(files), args.force, tr)
    for relative, text in files.items():
        target = root / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return _report(root, files, screening, tr)


def _policies(source: str | None) -> PolicySet:
    """The organisation's packs (``--policies``, default: the built-in ones)."""
    from aigov.policy.cache import default_cache
    from aigov.policy.pack import PolicyLoadError
    from aigov.policy.sources import load_policy_set, parse_policy_source

    try:
        return load_policy_set(parse_policy_source(source), cache=default_cache())
    except PolicyLoadError as exc:
        problems = "\n".join(str(problem) for problem in exc.problems)
        raise UsageError(f"the policy packs cannot be loaded:\n{problems}") from None
    except (ValueError, FileNotFoundError) as exc:
        raise UsageError(str(exc)) from None


def _print_questions(args: argparse.Namespace, tr: Any) -> int:
    """The answers file to fill in, on standard output. A project field is marked required
    when a blocking rule needs it for some screening (no personal data, or personal data)."""
    from aigov.init.answers_template import answers_template
    from aigov.init.requirements import required_fields
    from aigov.init.scaffold import ProjectAnswers
    from aigov.init.screening import screen

    policy_set = _policies(args.policies)
    stage = args.stage or "ideation"
    project = ProjectAnswers(id="project", name="-", owner="-", business_unit="-", stage=stage)
    required: dict[str, tuple[RequiringRule, ...]] = {}
    for personal_data in (False, True):
        screening = screen(_plainest_answers(personal_data), tr)
        today = args.today or dt.date.today()
        for name, rules in required_fields(policy_set, project, screening, today).items():
            known = {rule.id for rule in required.get(name, ())}
            required[name] = (*required.get(name, ()), *(r for r in rules if r.id not in known))
    sys.stdout.write(answers_template(tr, required, stage=stage))
    return EXIT_PASS


def _plainest_answers(personal_data: bool) -> dict[str, Any]:
    """Every asked question answered no (or none), but whether personal data are processed."""
    from aigov.init.screening.questions import NONE, asked_questions

    answers: dict[str, Any] = {"gdpr.personal_data": personal_data}
    while pending := [q for q in asked_questions(answers) if q.id not in answers]:
        question = pending[0]
        plain: Any = {"yes_no": False, "text": "", "choices": []}.get(question.kind)
        if question.kind == "choice":
            plain = NONE if NONE in question.choices else question.choices[0]
        answers[question.id] = plain
    return answers


def _given_answers(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, Any]]:
    """The project fields and screening answers given up front: the answers file, then the
    flags, then each ``--answer KEY=VALUE`` (a later one wins)."""
    project: dict[str, str] = {}
    answers: dict[str, Any] = {}
    if args.answers is not None:
        document = _read_answers_file(args.answers)
        project, answers = _split_answers(document.data, str(args.answers), document)
    for key in PROJECT_FIELDS:
        value = getattr(args, key, None)
        if value:
            project[key] = value
    for item in args.answer:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--answer {item}: expected KEY=VALUE")
        flag_project, flag_answers = _split_answers({key.strip(): value}, f"--answer {item}")
        project.update(flag_project)
        answers.update(flag_answers)
    return project, answers


def _refuse_to_overwrite(root: Path, files: Sequence[str], force: bool, tr: Any) -> None:
    existing = [f for f in files if (root / f).exists()]
    if existing and not force:
        raise UsageError(
            tr(
                "{files} already exist(s) in {root}: use --force to overwrite",
                files=", ".join(existing),
                root=str(root),
            )
        )


def _ask_interactively(
    project: dict[str, str], answers: dict[str, Any], root: Path, tr: Any
) -> None:
    """Ask on the terminal for the project's identity and every screening question not given
    yet; who is involved comes after (:func:`_ask_people`), once the screening says which
    of them the organisation's packs require."""
    from aigov.init.scaffold import slug
    from aigov.init.screening.questions import asked_questions, parse_answer

    ask = _asker(tr)
    print(tr("aigov init: answer the questions (Enter keeps the [default])."))
    defaults = {"id": slug(root.resolve().name), "stage": "ideation"}
    labels = {
        "id": tr("Project id (lowercase letters, digits, '.', '_', '-')"),
        "name": tr("Project name"),
        "owner": tr("Owner (accountable person or team)"),
        "business_unit": tr("Business unit"),
        "stage": tr("Stage ({stages})", stages=", ".join(STAGES)),
    }
    for key, label in labels.items():
        if key in project:
            continue
        value = _prompt_text(ask, label, defaults.get(key), key in _REQUIRED_PROJECT)
        if value:
            project[key] = value
    section = ""
    while True:
        pending = [q for q in asked_questions(answers) if q.id not in answers]
        if not pending:
            break
        question = pending[0]
        if question.section != section:
            section = question.section
            print(f"\n== {tr(section)} ==")
        answers[question.id] = _ask_question(ask, question, tr, parse_answer)


def _asker(tr: Any) -> Callable[[str], str]:
    def ask(prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            raise UsageError(tr("input ended before every question was answered")) from None

    return ask


_PEOPLE_LABELS = {
    "problem": "Business problem, in one sentence",
    "business_owner": "Business owner's name",
    "data_protection_officer": "Data protection officer's name",
    "screened_by": "Who answers this screening",
}


def _need(name: str, required: Mapping[str, tuple[RequiringRule, ...]], tr: Any) -> str:
    """``required by LC-OWNER-BUSINESS, high: …`` or ``optional``."""
    rules = required.get(name)
    if not rules:
        return str(tr("optional"))
    return str(tr("required by {rules}", rules="; ".join(rule.cited() for rule in rules)))


def _ask_people(
    project: dict[str, str], required: Mapping[str, tuple[RequiringRule, ...]], tr: Any
) -> None:
    """Who is involved and the problem: each marked required when a blocking rule of the
    organisation's packs would fail without it, and then asked until answered."""
    ask = _asker(tr)
    print()
    for key, label in _PEOPLE_LABELS.items():
        if key in project:
            continue
        shown = f"{tr(label)} ({_need(key, required, tr)})"
        value = _prompt_text(ask, shown, None, key in required)
        if value:
            project[key] = value


def _require_people(
    project: dict[str, str], required: Mapping[str, tuple[RequiringRule, ...]], tr: Any
) -> None:
    """Without a terminal, what a blocking rule needs must have been given."""
    missing = [
        f"--{key.replace('_', '-')} ({_need(key, required, tr)})"
        for key in _PEOPLE_LABELS
        if key in required and key not in project
    ]
    if missing:
        raise UsageError(
            tr(
                "required by the organisation's blocking rules, not answered (give flags, "
                "--answer KEY=VALUE or --answers FILE, or run on a terminal): {missing}",
                missing=", ".join(missing),
            )
        )


def _require_every_answer(project: dict[str, str], answers: dict[str, Any], tr: Any) -> None:
    """Without a terminal, every required field and asked question must have been given."""
    from aigov.init.screening import missing_answers
    from aigov.init.screening.questions import QUESTIONS

    missing = [k for k in _REQUIRED_PROJECT if k not in project]
    unanswered = missing_answers(answers)
    if missing or unanswered:
        lines = [f"--{k.replace('_', '-')}" for k in missing]
        lines += [f"{q.id} ({q.reference})" for q in unanswered]
        # Follow-up questions depend on these answers: the template lists them all at once.
        follow_ups = sum(1 for q in QUESTIONS if q.asked_if is not None and q.id not in answers)
        raise UsageError(
            tr(
                "not answered (give flags, --answer KEY=VALUE or --answers FILE, or run "
                "on a terminal): {missing}",
                missing=", ".join(lines),
            )
            + (
                "\n"
                + tr(
                    "{count} follow-up question(s) may come with these answers: "
                    "`aigov init --print-questions` writes every question to answer at once.",
                    count=follow_ups,
                )
                if follow_ups
                else ""
            )
        )


def _project_answers(project: dict[str, str], tr: Any) -> ProjectAnswers:
    from aigov.init.scaffold import ProjectAnswers

    if not _ID.match(project["id"]):
        raise UsageError(
            tr(
                "project id '{id}' must be 2-63 lowercase letters, digits, '.', '_' or '-'",
                id=project["id"],
            )
        )
    stage = project.get("stage", "ideation")
    if stage not in STAGES:
        raise UsageError(
            tr("unknown stage '{stage}': one of {stages}", stage=stage, stages=", ".join(STAGES))
        )
    return ProjectAnswers(
        id=project["id"],
        name=project["name"],
        owner=project["owner"],
        business_unit=project["business_unit"],
        stage=stage,
        problem=project.get("problem"),
        business_owner=project.get("business_owner"),
        data_protection_officer=project.get("data_protection_officer"),
        contract=project.get("contract"),
        screened_by=project.get("screened_by"),
    )


def _ask_question(
    ask: Callable[[str], str],
    question: Any,
    tr: Any,
    parse: Callable[[Any, Any], Any],
) -> Any:
    from aigov.init.screening.questions import ANNEX_III, NONE

    print(f"\n[{question.reference}] {tr(question.prompt)}")
    if question.kind in ("choice", "choices"):
        for number, choice in enumerate(question.choices, start=1):
            label = tr(ANNEX_III[choice][1]) if choice in ANNEX_III else ""
            print(f"  {number:>2}. {choice}" + (f" — {label}" if label else ""))
    suffix = {
        "yes_no": tr("yes/no"),
        "choice": tr("number or name"),
        "choices": tr("numbers or names, comma-separated"),
        "text": tr("optional"),
    }[question.kind]
    while True:
        raw = ask(f"> ({suffix}): ").strip()
        if not raw:
            if question.kind == "text":
                return ""
            if question.kind in ("choice", "choices") and NONE in question.choices:
                raw = NONE
            else:
                continue
        try:
            return parse(question, raw)
        except ValueError as exc:
            # The values allowed, at once, in the prompt's language.
            if question.choices:
                values = ", ".join(question.choices)
                print(
                    "  "
                    + tr("'{answer}' is not an answer: one of {values}", answer=raw, values=values)
                )
            else:
                print(f"  {tr(str(exc))}")


def _report(root: Path, files: dict[str, str], screening: Any, tr: Any) -> int:
    from aigov.documents.repository import load_repository

    for relative in files:
        print(tr("wrote {file}", file=str(root / relative)))
    ai, gdpr = screening.ai_act, screening.gdpr
    print(tr("AI Act category: {category}", category=tr(ai.category)))
    for reason in ai.reasons:
        print(f"  - {reason}")
    print(tr("DPIA (GDPR Art. 35): {status}", status=tr(gdpr.dpia_status)))
    for reason in gdpr.reasons:
        print(f"  - {reason}")
    repository = load_repository(root)
    errors = [p for p in repository.problems.sorted() if p.level == "error"]
    for problem in errors:
        print(problem.wrapped(), file=sys.stderr)
    if errors:
        raise UsageError(tr("the written files do not validate"))
    print(tr("Next: fill the framing sheet, then run `aigov validate --strict` and `aigov check`."))
    return EXIT_PASS
