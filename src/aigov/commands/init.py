"""``aigov init [PATH]``: scaffold ``aigov.yaml``, ``MODEL_CARD.md`` and a first ODCS contract.

The AI Act and GDPR screening questions are asked on a terminal; in CI they come from flags
(``--id``, ``--answer art5.social_scoring=no``…) or an answers file (``--answers FILE``, YAML), and
a missing answer is an error (exit 2) rather than a guess. Existing files are never overwritten
without ``--force``. The written repository is validated before the command returns.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.commands import iso_date
from aigov.documents.types import STAGES
from aigov.errors import EXIT_PASS, UsageError

if TYPE_CHECKING:
    from aigov.init.scaffold import ProjectAnswers

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
    init.add_argument("--lang", choices=("en", "fr"), help="language of prompts and files")
    init.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="screening date")


def _read_answers_file(path: Path) -> dict[str, Any]:
    from aigov.documents.repository import load_yaml_file

    if not path.is_file():
        raise UsageError(f"answers file '{path}' not found")
    data: dict[str, Any] = load_yaml_file(path, str(path)).data  # a DocumentError: exit 2
    return data


def _split_answers(raw: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Project fields and flat screening answers, each parsed; unknown keys are errors."""
    import difflib

    from aigov.init.screening.questions import QUESTIONS_BY_ID, flatten, parse_answer

    raw = dict(raw)
    project = raw.pop("project", None) or {}
    if not isinstance(project, dict):
        raise UsageError(f"{where}: 'project' must be a mapping")
    for key in PROJECT_FIELDS:
        if key in raw:
            project[key] = raw.pop(key)
    screening: dict[str, Any] = {}
    for key, value in flatten(raw).items():
        question = QUESTIONS_BY_ID.get(key)
        if question is None:
            known = [*QUESTIONS_BY_ID, *PROJECT_FIELDS]
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"{where}: unknown question '{key}'{hint}")
        try:
            screening[key] = parse_answer(question, value)
        except ValueError as exc:
            raise UsageError(f"{where}: {key}: {exc}") from None
    unknown = sorted(set(project) - set(PROJECT_FIELDS))
    if unknown:
        raise UsageError(f"{where}: unknown project field '{unknown[0]}'")
    return {k: str(v) for k, v in project.items() if v is not None}, screening


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
    from aigov.init.scaffold import scaffold, slug
    from aigov.init.screening import screen
    from aigov.init.screening.questions import QUESTIONS_BY_ID

    tr = translator(args.lang)
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
    if args.interactive or (not args.no_input and sys.stdin.isatty()):
        _ask_interactively(project, answers, root, tr)
    else:
        _require_every_answer(project, answers, tr)
    answers = {k: v for k, v in answers.items() if k in QUESTIONS_BY_ID}
    screening = screen(answers, tr)
    files = scaffold(
        _project_answers(project, tr),
        screening,
        today=args.today or dt.date.today(),
        tr=tr,
        lang=args.lang or "en",
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


def _given_answers(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, Any]]:
    """The project fields and screening answers given up front: the answers file, then the
    flags, then each ``--answer KEY=VALUE`` (a later one wins)."""
    project: dict[str, str] = {}
    answers: dict[str, Any] = {}
    if args.answers is not None:
        project, answers = _split_answers(_read_answers_file(args.answers), str(args.answers))
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
    """Ask on the terminal for every project field and screening question not given yet."""
    from aigov.init.scaffold import slug
    from aigov.init.screening.questions import asked_questions, parse_answer

    def ask(prompt: str) -> str:
        try:
            return input(prompt)
        except EOFError:
            raise UsageError(tr("input ended before every question was answered")) from None

    print(tr("aigov init: answer the questions (Enter keeps the [default])."))
    defaults = {"id": slug(root.resolve().name), "stage": "ideation"}
    labels = {
        "id": tr("Project id (lowercase letters, digits, '.', '_', '-')"),
        "name": tr("Project name"),
        "owner": tr("Owner (accountable person or team)"),
        "business_unit": tr("Business unit"),
        "stage": tr("Stage ({stages})", stages=", ".join(STAGES)),
        "problem": tr("Business problem, in one sentence (optional)"),
        "business_owner": tr("Business owner's name (optional)"),
        "data_protection_officer": tr("Data protection officer's name (optional)"),
        "screened_by": tr("Who answers this screening (optional)"),
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


def _require_every_answer(project: dict[str, str], answers: dict[str, Any], tr: Any) -> None:
    """Without a terminal, every required field and asked question must have been given."""
    from aigov.init.screening import missing_answers

    missing = [k for k in _REQUIRED_PROJECT if k not in project]
    unanswered = missing_answers(answers)
    if missing or unanswered:
        lines = [f"--{k.replace('_', '-')}" for k in missing]
        lines += [f"{q.id} ({q.reference})" for q in unanswered]
        raise UsageError(
            tr(
                "not answered (give flags, --answer KEY=VALUE or --answers FILE, or run "
                "on a terminal): {missing}",
                missing=", ".join(lines),
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
        raise UsageError(tr("unknown stage '{stage}'", stage=stage))
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
