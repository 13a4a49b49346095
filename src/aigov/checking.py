"""One governance run: load a repository, its trusted policies and its evidence, evaluate, gate.

This is the library behind ``aigov check`` (a pull request or a branch) and ``aigov gate --to ENV``
(a deployment): :func:`run_check` returns a :class:`~aigov.report.document.CheckReport` that every
output format renders. It never prints; input that cannot be used raises :class:`CheckInputError`
with every problem, which the command line turns into exit code 2.

Pull-request mode (``base`` given):

- the base stage and the changed files come from git; a change of ``stage`` becomes the
  ``change`` context root (``stage_changed``, ``base_stage``, ``head_stage``, ``direction``,
  ``skipped_stages``, ``files``) that the lifecycle pack's transition rules read, and the gate
  evaluates the old stage's exit criteria and the new stage's entry criteria;
- a policy folder that lives inside the checked git repository is read as committed at ``base``,
  never from the PR head; a PR that edits it is reported as needing compliance review;
- governance records the PR adds or alters (waivers, approvals, loosened criteria, lowered
  obligations, evidence definitions) count only when attested outside the PR's files, else they
  are pending and block (:mod:`aigov.attestation`);
- a shallow clone is an input error: the transition and the trusted policy both need the base
  commit and the history (fetch it with ``fetch-depth: 0`` / ``GIT_DEPTH: "0"``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.documents.manifest import MANIFEST_FILE
from aigov.documents.types import STAGES
from aigov.errors import AigovError

if TYPE_CHECKING:
    from aigov.attestation.apply import AttestationOutcome
    from aigov.documents.manifest import LifecycleManifest
    from aigov.documents.repository import Repository
    from aigov.evidence.change import ChangeContext, Direction
    from aigov.evidence.collect import Evidence, EvidenceChange
    from aigov.evidence.git_history import GitHistory
    from aigov.gate import GateDecision
    from aigov.policy.cache import PackCache
    from aigov.policy.findings import Result
    from aigov.policy.sources import PolicySet, PolicySource
    from aigov.report.document import CheckReport, ProjectsReport, RuleInfo, RuleOutcomeName


class CheckInputError(AigovError):
    """The run cannot start: the repository, policy source, base ref or baseline is unusable."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        head = super().__str__()
        return "\n".join((head, *(f"  {p}" for p in self.problems))) if self.problems else head


@dataclass(frozen=True)
class CheckOptions:
    """What one run evaluates; see :func:`run_check`."""

    path: Path = Path(".")
    policies: str | None = None
    """Policy source text (``builtin``, a folder, ``git+file:///repo@REF``, a repo with ``ref``)."""
    policies_ref: str | None = None
    base: str | None = None
    """Pull-request mode: the git ref of the target branch."""
    target: str | None = None
    """Deployment gate: the environment deployed to (``production``…)."""
    baseline: Path | None = None
    today: dt.date | None = None
    fail_on: str | None = None
    """A severity that replaces the org config's ``block_on``."""
    skip_evidence: frozenset[str] = frozenset()
    """Evidence sources not to collect; rules that need them fail closed (evidence unavailable)."""
    run_data_checks: bool = False
    """Re-run the data contracts' checks (Great Expectations) and store the evidence first."""
    policy_set: PolicySet | None = None
    """An already loaded policy set (the portfolio scan loads it once for many repositories);
    used instead of ``policies`` outside pull-request mode."""
    use_cache: bool = True
    """Read unchanged policy packs from the user's pack cache (:mod:`aigov.policy.cache`)."""


def run_check(options: CheckOptions) -> CheckReport:
    """Evaluate and gate one repository; raises :class:`CheckInputError` for unusable input."""
    from aigov.documents.repository import load_repository

    root = options.path
    if not root.is_dir():
        raise CheckInputError(f"'{root}' is not a folder")
    return check_repository(load_repository(root), options)[0]


def check_all_projects(options: CheckOptions) -> ProjectsReport:
    """``aigov check --all``: every project under ``options.path`` (:func:`aigov.projects.
    find_projects`); in pull-request mode only those the change touches, or all of them when it
    edits the policy source (each project's verdict may change)."""
    from aigov.projects import find_projects

    root = options.path
    if not root.is_dir():
        raise CheckInputError(f"'{root}' is not a folder")
    folders = find_projects(root)
    if not folders:
        raise CheckInputError(
            f"no {MANIFEST_FILE} under {root} (vendored and git-ignored folders are not searched)"
        )
    if options.base is None:
        return check_projects(options, folders, repository=str(root))
    work_tree = _git_work_tree(root)
    if work_tree is None:
        raise CheckInputError(f"--base {options.base}: {root} is not inside a git repository")
    history = _read_base_history(work_tree, options.base)
    changed = history.changed_files or []
    named = {project_folder(folder, work_tree): folder for folder in folders}
    _refuse_dropped_projects(work_tree, history.base, changed, folders)
    source = _parse_source(options.policies, options.policies_ref)
    inside = _path_in_work_tree(source.location, work_tree) if source.kind == "folder" else None
    edits = _policy_edits(changed, inside)
    if edits:
        note = f"this change edits the policy source ({', '.join(edits)}): every project is checked"
        return check_projects(options, folders, repository=str(root), notes=(note,))
    from aigov.projects import touched_projects

    touched = touched_projects(list(named), changed)
    return check_projects(
        options,
        [folder for name, folder in named.items() if name in touched],
        repository=str(root),
        unchanged=[name for name in named if name not in touched],
    )


def _refuse_dropped_projects(
    work_tree: Path, base: str | None, changed: Sequence[str], folders: Sequence[Path]
) -> None:
    """Refuse a change that deletes a project's manifest without retiring the project first.

    A monorepo's checked projects are the manifests found at the head: without this, a pull
    request could leave governance by deleting (or hiding in a vendored folder) the aigov.yaml
    of a project that blocks. A project that moved keeps its ``metadata.id`` at its new place;
    one retired at the base (``stage: retired``) may be removed.
    """
    deleted = [
        path
        for path in changed
        if Path(path).name == MANIFEST_FILE and not (work_tree / path).is_file()
    ]
    if not deleted or base is None:
        return
    from aigov.documents.problems import DocumentError
    from aigov.documents.repository import load_yaml_file
    from aigov.evidence.git_history import manifest_at
    from aigov.git_objects import ObjectReader

    kept: set[str] = set()
    for folder in folders:
        try:
            metadata = load_yaml_file(folder / MANIFEST_FILE, MANIFEST_FILE).data.get("metadata")
        except DocumentError:
            continue  # its own check reports it
        if isinstance(metadata, dict):
            kept.add(str(metadata.get("id")))
    with ObjectReader(work_tree) as objects:
        for path in deleted:
            before = manifest_at(objects, base, path) or {}
            metadata = before.get("metadata")
            project = str(metadata.get("id")) if isinstance(metadata, dict) else path
            if before.get("stage") != "retired" and project not in kept:
                raise CheckInputError(
                    f"this change deletes {path} (project '{project}', stage "
                    f"{before.get('stage', 'unknown')}) without retiring it: a project leaves "
                    "governance through 'stage: retired' (its own reviewed change), then its "
                    "manifest may go"
                )


def check_projects(
    options: CheckOptions,
    folders: Sequence[Path],
    *,
    repository: str,
    unchanged: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> ProjectsReport:
    """Check each project folder with ``options`` (its ``path`` aside) and gather the results;
    outside pull-request mode the policy set is loaded once for all of them."""
    from aigov.report.document import ProjectsReport

    shared = options
    if options.base is None and options.policy_set is None and folders:
        work_tree = _git_work_tree(folders[0])
        shared = dataclasses.replace(options, policy_set=_policy_set(options, work_tree, None, []))
    reports: list[CheckReport] = []
    for folder in folders:
        try:
            reports.append(run_check(dataclasses.replace(shared, path=folder)))
        except CheckInputError as exc:  # which project, when a monorepo holds several
            raise CheckInputError(f"{folder}: {exc.args[0]}", exc.problems) from None
    return ProjectsReport.of(
        reports,
        repository=repository,
        target=options.target,
        base=options.base,
        unchanged=unchanged,
        notes=notes,
    )


def check_repository(repository: Repository, options: CheckOptions) -> tuple[CheckReport, Evidence]:
    """:func:`run_check` on an already loaded repository; also returns the evidence collected.

    The portfolio scan reads the KPIs' inputs (the git stage timeline, MLflow histories) from
    that evidence instead of collecting it twice.
    """
    from aigov.evidence.collect import changed_evidence
    from aigov.gate import decide
    from aigov.policy.engine import evaluate

    root = options.path
    today = options.today or dt.date.today()
    manifest = _valid_manifest(repository, root)
    notes: list[str] = []
    work_tree = _git_work_tree(root)
    history = _read_base_history(root, options.base) if options.base is not None else None
    change: ChangeContext | None = None
    if history is not None:
        files = _relative_files(history.changed_files or [], work_tree, root)
        change = stage_change(history.base_stage, manifest.stage, files)
    policy_set = _policy_set(options, work_tree, history, notes)
    stages, change = _stages(manifest.stage, change, options.target)
    if options.run_data_checks:
        notes.append(refresh_data_quality(repository))
    changed_files = frozenset(change.files or ()) if change else frozenset()  # pull requests
    evidence_changes = changed_evidence(repository, changed_files)
    notes.extend(
        f"evidence changed by this change: {changed.path} ({changed.description})"
        for changed in evidence_changes
    )
    attestation = attest_records(
        repository, options, policy_set, work_tree, history, today, evidence_changes
    )
    notes.extend(attestation.notes)
    # Pending records are undone: the evidence and the rules see the repository without them.
    repository = attestation.repository or repository
    evidence = collect_evidence(
        repository,
        policy_set,
        stages,
        today=today,
        base=options.base,
        history=history,
        skip=options.skip_evidence,
        data_checks_run=options.run_data_checks,
        changed_files=changed_files,
        attested_evidence_changes=attestation.evidence_files_attested,
    )
    for source_name, reason in sorted(evidence.unavailable().items()):
        notes.append(f"evidence unavailable: {source_name}: {reason}")
    result = evaluate(
        repository,
        policy_set,
        evidence,
        today,
        change=change,
        stages=stages,
        pending_waivers=attestation.pending_waivers,
        waiver_starts=attestation.waiver_starts,
    )
    # The attestation's findings (records nobody attested) are judged with the rules' own.
    result = result.model_copy(update={"findings": (*attestation.findings, *result.findings)})
    folder = project_folder(root, work_tree)
    decision = decide(result, _load_baseline(options.baseline, folder), target=options.target)
    run = _RunFacts(options, policy_set, history, change, attestation, notes, folder)
    return _report(result, decision, run), evidence


def _valid_manifest(repository: Repository, root: Path) -> LifecycleManifest:
    if not repository.is_valid or repository.manifest is None:
        problems = [str(p) for p in repository.problems.sorted()]
        if not (root / MANIFEST_FILE).exists():
            from aigov.projects import find_projects

            below = [str(folder) for folder in find_projects(root)[:5]]
            if below:  # a monorepo's root: its projects are below it
                problems.append(
                    f"projects below {root}: {', '.join(below)}: check them all with "
                    f"`aigov check --all {root}`"
                )
        raise CheckInputError(f"{root} has invalid files (see `aigov validate {root}`):", problems)
    return repository.manifest


def _policy_set(
    options: CheckOptions, work_tree: Path | None, history: GitHistory | None, notes: list[str]
) -> PolicySet:
    """The trusted policy set of the run, with ``--fail-on`` as its ``block_on``."""
    if options.policy_set is not None and options.base is None:
        policy_set = options.policy_set
    else:
        source = _parse_source(options.policies, options.policies_ref)
        policy_set = _load_policies(
            source, options.base, work_tree, history, notes, _pack_cache(options, work_tree)
        )
    if options.fail_on is None:
        return policy_set
    # The org config the rules see (``org.block_on``) says what blocks this run, too.
    org = policy_set.org.model_copy(update={"block_on": options.fail_on})
    return dataclasses.replace(policy_set, org=org)


def _stages(
    manifest_stage: str, change: ChangeContext | None, target: str | None
) -> tuple[tuple[str, ...], ChangeContext | None]:
    """The stages whose rules apply, and the change with a deployment's target."""
    from aigov.gate import gate_stages

    try:
        stages = gate_stages(manifest_stage, change, target)
    except ValueError as exc:  # an unknown deployment target: the message names the known ones
        raise CheckInputError(str(exc)) from exc
    if target is not None:
        from aigov.evidence.change import ChangeContext

        change = (change or ChangeContext()).model_copy(
            update={"target": target, "target_stage": stages[0]}
        )
    return stages, change


@dataclass(frozen=True)
class _RunFacts:
    """What the run knows of itself besides the evaluation and the decision."""

    options: CheckOptions
    policy_set: PolicySet
    history: GitHistory | None
    change: ChangeContext | None
    attestation: AttestationOutcome
    notes: list[str]
    folder: str
    """The project's folder from the repository root (:func:`project_folder`)."""


def _report(result: Result, decision: GateDecision, run: _RunFacts) -> CheckReport:
    from aigov.report.document import CheckReport

    options = run.options
    extra: dict[str, Any] = {}
    if run.policy_set.org.lang != "en":  # the report renderers' language (aigov.i18n)
        extra["lang"] = run.policy_set.org.lang
    if run.change is not None:
        extra["change"] = run.change.plain()
    if run.attestation.judged or run.attestation.mode != "none":
        extra["attestation"] = run.attestation.to_dict()
    notes = list(run.notes)
    if options.baseline is not None:
        matched = list(decision.baseline_matched)
        extra["baseline"] = {"file": str(options.baseline), "matched": matched}
        if matched:
            notes.append(
                f"{len(matched)} finding(s) already in the baseline {options.baseline} do not block"
            )
    return CheckReport.of(
        result,
        decision,
        repository=str(options.path),
        folder=run.folder,
        rules=rule_infos(run.policy_set, result),
        target=options.target,
        policy_source=run.policy_set.origin,
        commit=run.history.head if run.history is not None else None,
        base=options.base,
        notes=tuple(notes),
        extra=extra,
    )


def _load_baseline(path: Path | None, folder: str) -> frozenset[str]:
    """The fingerprints of the saved result ``--baseline`` names (none without one); in a
    result of several projects, those of the project in ``folder``."""
    if path is None:
        return frozenset()
    from aigov.baseline import load_baseline

    return load_baseline(path, folder)


# --- the change a pull request makes -----------------------------------------------------------


def stage_change(base_stage: str | None, head_stage: str, files: Sequence[str]) -> ChangeContext:
    """The ``change`` context root for a PR moving from ``base_stage`` to ``head_stage``.

    ``direction``: ``none`` (same stage or no base manifest), ``forward``, ``backward``, or
    ``retire`` (to ``retired`` from any stage); ``skipped_stages``: the stages a forward move
    jumps over (``poc`` → ``production`` skips ``industrialization``).
    """
    changed = base_stage is not None and base_stage != head_stage
    from aigov.evidence.change import ChangeContext

    direction: Direction = "none"
    skipped: list[str] = []
    if changed and base_stage in STAGES and head_stage in STAGES:
        old, new = STAGES.index(base_stage), STAGES.index(head_stage)
        if head_stage == "retired":
            direction = "retire"
        elif new > old:
            direction = "forward"
            skipped = list(STAGES[old + 1 : new])
        else:
            direction = "backward"
    return ChangeContext(
        stage_changed=changed,
        base_stage=base_stage if base_stage is not None else head_stage,
        head_stage=head_stage,
        direction=direction,
        skipped_stages=skipped,
        files=list(files),
    )


def _read_base_history(root: Path, base: str) -> GitHistory:
    from aigov.evidence.git_history import SHALLOW_HINT, GitEvidenceUnavailable, read_history

    try:
        history = read_history(root, base=base)
    except GitEvidenceUnavailable as exc:
        raise CheckInputError(f"--base {base}: {exc}") from None
    if history.shallow:
        # A merge base found in a truncated history may be wrong, and so would the stage change,
        # the changed files and the trusted policy: refuse rather than decide on them.
        raise CheckInputError(f"--base {base}: {SHALLOW_HINT}")
    return history


def _git_work_tree(path: Path) -> Path | None:
    from aigov.projects import git_work_tree

    return git_work_tree(path)


def project_folder(root: Path, work_tree: Path | None) -> str:
    """``root`` relative to the repository root, ``/``-separated (``.`` at the root): the git
    work tree holding it, else the working directory; ``.`` for a folder outside both (its
    files are then named from the project itself)."""
    top = work_tree if work_tree is not None else Path.cwd().resolve()
    try:
        return root.resolve().relative_to(top).as_posix()
    except ValueError:
        return "."


def _relative_files(files: Sequence[str], work_tree: Path | None, root: Path) -> list[str]:
    """Changed files (relative to the work tree) inside ``root``, relative to ``root``."""
    if work_tree is None:
        return list(files)
    try:
        prefix = root.resolve().relative_to(work_tree).as_posix()
    except ValueError:
        return list(files)
    if prefix in ("", "."):
        return list(files)
    return [f[len(prefix) + 1 :] for f in files if f.startswith(prefix + "/")]


# --- trusted policy source ---------------------------------------------------------------------


def _parse_source(text: str | None, ref: str | None) -> PolicySource:
    from aigov.policy.sources import parse_policy_source

    try:
        return parse_policy_source(text, ref=ref)
    except ValueError as exc:
        raise CheckInputError(str(exc)) from exc


def _pack_cache(options: CheckOptions, work_tree: Path | None) -> PackCache | None:
    """The user's pack cache unless turned off; never one inside the checked repository."""
    if not options.use_cache:
        return None
    from aigov.policy.cache import default_cache

    return default_cache(outside=work_tree or options.path)


def _load_policies(
    source: PolicySource,
    base: str | None,
    work_tree: Path | None,
    history: GitHistory | None,
    notes: list[str],
    cache: PackCache | None = None,
) -> PolicySet:
    """The policy set, read at ``base`` when the source is a folder of the checked repository."""
    from aigov.policy.pack import PolicyLoadError
    from aigov.policy.sources import load_policy_set, load_policy_set_at_ref

    inside: str | None = None
    if base is not None and work_tree is not None and source.kind == "folder":
        inside = _path_in_work_tree(source.location, work_tree)
    try:
        if inside is None:
            policy_set = load_policy_set(source, cache=cache)
        else:
            assert base is not None
            policy_set = load_policy_set_at_ref(work_tree or Path("."), base, inside, cache=cache)
            notes.append(
                f"policies read from {source.location} as committed at {base} "
                "(the trusted base), not from this change"
            )
    except PolicyLoadError as exc:
        raise CheckInputError(
            "the policy packs cannot be loaded:", [str(p) for p in exc.problems]
        ) from None
    except (ValueError, FileNotFoundError) as exc:
        raise CheckInputError(str(exc)) from exc
    if history is not None and history.changed_files:
        edited = _policy_edits(history.changed_files, inside)
        if edited:
            notes.append(
                "needs compliance review: this change edits the policy source ("
                + ", ".join(edited)
                + "); its versions are not used for this verdict"
            )
    return policy_set


def _policy_edits(changed: Sequence[str], inside: str | None) -> list[str]:
    """The changed files (relative to the work tree) that belong to the policy source: under
    its folder when it lives in the repository (``inside``), and any org config."""
    from aigov.policy.org import ORG_FILE

    prefix = "" if inside in (None, ".", "") else f"{inside}/"
    return [
        f
        for f in changed
        if (inside is not None and f.startswith(prefix)) or f.rsplit("/", 1)[-1] == ORG_FILE
    ]


def _path_in_work_tree(location: str, work_tree: Path) -> str | None:
    """``location`` relative to ``work_tree`` as written, or None when it lies outside.

    Symbolic links inside the work tree are not followed: the PR head may have replaced the
    policy folder by a link (to a folder of its own, or out of the repository), and the
    trusted copy is the one committed at the base under the path as written.
    """
    written = Path(os.path.abspath(location))
    for ancestor in (written, *written.parents):
        if ancestor.resolve() == work_tree:
            return written.relative_to(ancestor).as_posix()
    return None


# --- attested records --------------------------------------------------------------------------


def attest_records(
    repository: Repository,
    options: CheckOptions,
    policy_set: PolicySet,
    work_tree: Path | None,
    history: GitHistory | None,
    today: dt.date,
    evidence_changes: Sequence[EvidenceChange] = (),
) -> AttestationOutcome:
    """Which governance records the verdict may rely on (see :mod:`aigov.attestation.apply`)."""
    from aigov.attestation import apply

    manifest_path = _manifest_path(repository, work_tree)
    if options.base is not None and work_tree is not None and history is not None:
        return apply.for_pull_request(
            repository,
            history.base_manifest,
            evidence_files=[(c.path, c.description) for c in evidence_changes],
            base_commit=history.base,
            work_tree=work_tree,
            manifest_path=manifest_path,
            org=policy_set.org,
            allowed_signers=policy_set.allowed_signers,
            today=today,
        )
    if options.target is not None:
        # Outside a git work tree nothing can be verified: every record stays pending (closed).
        return apply.for_deployment(
            repository,
            work_tree=work_tree or repository.root.path,
            manifest_path=manifest_path,
            org=policy_set.org,
            allowed_signers=policy_set.allowed_signers,
            today=today,
        )
    return apply.outside_change(repository)


def _manifest_path(repository: Repository, work_tree: Path | None) -> str:
    if work_tree is None:
        return MANIFEST_FILE
    try:
        return (repository.root.path.resolve() / MANIFEST_FILE).relative_to(work_tree).as_posix()
    except ValueError:
        return MANIFEST_FILE


# --- evidence ----------------------------------------------------------------------------------


def collect_evidence(
    repository: Repository,
    policy_set: PolicySet,
    stages: Sequence[str],
    *,
    today: dt.date,
    base: str | None = None,
    history: GitHistory | None = None,
    skip: frozenset[str] = frozenset(),
    data_checks_run: bool = False,
    changed_files: frozenset[str] = frozenset(),
    attested_evidence_changes: bool = False,
) -> Evidence:
    """The evidence the rules applying at ``stages`` read, and nothing else.

    A source that cannot be collected (or is skipped) is recorded unavailable: the engine
    fails the rules that need it closed, with that reason, instead of letting them pass.
    ``changed_files`` (a pull request's, relative to the project root) and
    ``attested_evidence_changes``: see :class:`aigov.evidence.collect.EvidenceRequest`.
    """
    from aigov.evidence.collect import EvidenceRequest
    from aigov.evidence.collect import collect_evidence as collect

    needed = policy_set.evidence_needed(stages)
    request = EvidenceRequest.for_org(
        policy_set.org,
        base=base,
        history=history,
        now=dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC),
        data_checks_run=data_checks_run,
        changed_files=changed_files,
        attested_evidence_changes=attested_evidence_changes,
        criteria_histories=policy_set.reads(stages, "evidence", ("mlflow", "metric_history")),
    )
    evidence = collect(repository, needed - skip, request)
    return evidence.with_unavailable(
        needed & skip,
        "not collected (--skip-evidence)",
        fix="check without --skip-evidence for this source, so that its evidence is collected",
    )


def refresh_data_quality(repository: Repository) -> str:
    """Run the contracts' data checks now and store the result where the check reads it."""
    if not repository.contracts:
        return "--run-data-checks: the repository declares no data contract"
    from aigov.evidence.data_quality import validate_contracts
    from aigov.evidence.store import StoredEvidenceError, write_data_quality

    try:
        evidence = validate_contracts(repository.contracts, repository.root)
    except ImportError as exc:  # the gx extra is not installed
        raise CheckInputError(
            f"--run-data-checks needs Great Expectations: pip install 'aigov[gx]' ({exc})"
        ) from None
    try:
        write_data_quality(repository.root.path, evidence)
    except StoredEvidenceError as exc:
        raise CheckInputError(f"--run-data-checks: evidence not stored: {exc}") from None
    verdict = "passed" if evidence.success else "failed"
    return f"data checks re-run for {len(repository.contracts)} contract(s): {verdict}"


# --- report pieces -----------------------------------------------------------------------------


def rule_infos(policy_set: PolicySet, result: Result | None = None) -> tuple[RuleInfo, ...]:
    """Every rule evaluated, as reports describe it; with the engine's ``result``, each with
    its outcome (a JUnit report skips the rules that did not apply instead of passing them)."""
    from aigov.policy.reference import rule_link
    from aigov.report.document import RuleInfo

    outcomes = _rule_outcomes(result) if result is not None else {}
    return tuple(
        RuleInfo(
            id=rule.id,
            pack=rule.pack,
            title=rule.rule.title,
            severity=rule.rule.severity,
            references=tuple(rule.rule.references),
            description=(rule.rule.description or "").strip(),
            remediation=rule.rule.remediation.strip(),
            help_uri=rule_link(policy_set, rule) or "",
            outcome=outcomes.get(rule.id, "passed") if result is not None else None,
        )
        for rule in policy_set.rules
    )


def _rule_outcomes(result: Result) -> dict[str, RuleOutcomeName]:
    """The outcome of each rule that did not pass: not applicable, or its finding's status."""
    outcomes: dict[str, RuleOutcomeName] = dict.fromkeys(result.not_applicable, "not_applicable")
    for finding in result.findings:
        outcomes[finding.rule_id] = finding.status
    return outcomes
