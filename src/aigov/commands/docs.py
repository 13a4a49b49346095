"""``aigov docs [PATH]``: generate the project's deliverables from its files and evidence.

Writes the framing sheet, the data inventory and data quality report, the evaluation report, the
AI Act Annex IV draft, the monitoring & SLA sheet and an index page linking them with their status
(complete, or how many items are missing) to ``--out`` (default ``PATH/docs/aigov``),
in Markdown and/or HTML, in English or French (``--lang``, else the org config's ``lang``).
Exit 0 when written, 2 when the repository's files do not load or on a usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from aigov.commands import iso_date
from aigov.errors import EXIT_PASS, UsageError

DEFAULT_OUT = "docs/aigov"


def add_parser(verbs: argparse._SubParsersAction[Any]) -> None:
    docs = verbs.add_parser(
        "docs",
        help="generate the framing sheet, data report, evaluation report, Annex IV draft, "
        "monitoring & SLA sheet and their index from the repository",
        description="Render the project's deliverables from aigov.yaml, the model card, the data "
        "contracts and the stored evidence; what the files do not say is marked missing. "
        "Exit 0 when written, 2 on invalid files or a usage error.",
    )
    docs.add_argument("path", nargs="?", default=".", help="repository folder (default: .)")
    docs.add_argument(
        "--out", type=Path, metavar="DIR", help=f"output folder (default: PATH/{DEFAULT_OUT})"
    )
    docs.add_argument("--lang", choices=("en", "fr"), help="language (default: the org's, else en)")
    docs.add_argument(
        "--format",
        choices=("md", "html", "both"),
        default="both",
        help="Markdown, HTML or both (default)",
    )
    docs.add_argument(
        "--policies",
        metavar="DIR",
        type=Path,
        help="policy folder whose aigov-org.yaml gives the language and limits",
    )
    docs.add_argument(
        "--skip-evidence",
        action="append",
        choices=("data_quality", "mlflow"),
        default=[],
        metavar="SOURCE",
        help="do not read this evidence (data_quality, mlflow); it is shown as not available",
    )
    docs.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help="date of the documents")


def _org(policies: Path | None) -> Any:
    from aigov.policy.org import ORG_FILE, OrgConfig

    if policies is None or not (policies / ORG_FILE).is_file():
        return OrgConfig.default()
    from aigov.documents.repository import load_yaml_file

    data = load_yaml_file(policies / ORG_FILE, str(policies / ORG_FILE)).data  # DocumentError
    try:
        return OrgConfig.model_validate(data)
    except ValueError as exc:
        raise UsageError(f"{policies / ORG_FILE}: {exc}") from None


def run(args: argparse.Namespace) -> int:
    from aigov.deliverables import Sources, generate
    from aigov.documents.files import write_atomically
    from aigov.documents.repository import load_repository
    from aigov.evidence.collect import DATA_QUALITY, MLFLOW, EvidenceRequest, collect_evidence
    from aigov.i18n import translator

    root = Path(args.path)
    if not root.is_dir():
        raise UsageError(f"'{args.path}' is not a folder")
    org = _org(args.policies)
    lang = args.lang or org.lang
    tr = translator(lang)
    repository = load_repository(root)
    errors = [p for p in repository.problems.sorted() if p.level == "error"]
    if errors or repository.manifest is None:
        for problem in errors:
            print(problem.wrapped())
        raise UsageError(
            tr("the repository's files do not load: run `aigov validate {path}`", path=args.path)
        )
    wanted = [s for s in (DATA_QUALITY, MLFLOW) if s not in args.skip_evidence]
    evidence = collect_evidence(
        repository,
        wanted,
        EvidenceRequest.for_org(org),
    )
    evidence = evidence.with_unavailable(
        {DATA_QUALITY, MLFLOW} - set(wanted), tr("skipped with --skip-evidence")
    )
    sources = Sources(
        repository,
        data_quality=evidence.data_quality,
        mlflow=evidence.mlflow,
        card_metric_tolerance=org.limits.card_metric_tolerance,
    )
    formats: tuple[Any, ...] = ("md", "html") if args.format == "both" else (args.format,)
    files = generate(sources, formats=formats, lang=lang, today=args.today or dt.date.today())
    out = args.out if args.out is not None else root / DEFAULT_OUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomically(out / name, text)
    except OSError as exc:
        raise UsageError(f"cannot write to {out}: {exc.strerror or exc}") from None
    for name in files:
        print(tr("wrote {file}", file=str(out / name)))
    return EXIT_PASS
