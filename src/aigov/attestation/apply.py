"""Attest the governance records of one run, and the repository as the gate may judge it.

Three situations (see SECURITY.md, "Trust model"):

- **a pull request** (``aigov check --base REF``): the records the change adds or alters
  (:func:`aigov.attestation.records.changed_records`, base and head manifests compared directly)
  count only when attested by an approving review on the checked head or a signed commit;
- **a deployment** (``aigov gate --to ENV``), as ``attestation.deployment`` chooses: ``verify``
  — each waiver and approval on the deployed commit, and each change in the manifest's history
  that lowered obligations, loosened a criterion or changed the evidence and still stands, was
  introduced by a signed commit of an allowed signer or by a merged PR/MR that an allowed
  person approved; ``branch-protection`` — the forge requires reviews on the default branch
  (and code-owner reviews of ``aigov.yaml`` where the forge has them);
- **anything else** (a folder, a branch without ``--base``): nothing is attested; the report
  lists the records the run relied on without attestation.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from aigov.attestation.judge import (
    Judged,
    attestation_finding,
    judge,
    pending_findings,
)
from aigov.attestation.records import (
    EVIDENCE_FILE,
    Record,
    changed_records,
    evidence_file_record,
    section_of,
    standing_records,
)
from aigov.attestation.witnesses import (
    Commit,
    ForgeReviews,
    ManifestVersion,
    allowed_signers_file,
    deployment_repository,
    forge_reviews,
    introductions,
    manifest_versions,
    signature_reader,
)
from aigov.documents.manifest import MANIFEST_FILE, LifecycleManifest
from aigov.documents.repository import Repository
from aigov.git_objects import GitError, run_git
from aigov.policy.explanation import Explanation, say
from aigov.policy.findings import Finding
from aigov.policy.independence import project_members
from aigov.policy.org import OrgConfig

_HISTORY_KINDS = ("obligations", "criteria", "evidence")
MAX_LISTED = 20
"""Records taken on trust that a run outside a change names one by one (then it counts)."""


@dataclass(frozen=True)
class AttestationOutcome:
    mode: str
    """What the verdict relied on: ``pull-request``, ``verify``, ``branch-protection``, ``none``."""
    judged: tuple[Judged, ...] = ()
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    repository: Repository | None = None
    """The repository with pending records undone (None: judge it as loaded)."""
    pending_waivers: frozenset[int] = frozenset()
    """Indices of ``manifest.waivers`` that must not excuse any finding."""
    waiver_starts: Mapping[int, dt.date] = field(default_factory=dict)
    """Waiver index -> the day of the commit that introduced it (its duration runs from there)."""

    @property
    def evidence_files_attested(self) -> bool:
        """Every committed evidence file the change alters is attested (none: False)."""
        files = [j for j in self.judged if j.record.path[:1] == (EVIDENCE_FILE,)]
        return bool(files) and not any(j.pending for j in files)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "records": [j.to_dict() for j in self.judged]}


def normalised(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """A manifest version as plain data the way the head is compared (None when invalid)."""
    try:
        return _plain(LifecycleManifest.model_validate(data))
    except (ValidationError, ValueError, TypeError, RecursionError):
        return None


def head_data(repository: Repository) -> dict[str, Any]:
    assert repository.manifest is not None
    return _plain(repository.manifest)


def _plain(manifest: LifecycleManifest) -> dict[str, Any]:
    """A manifest as the records compare it: JSON values, aliases, no unset optional fields."""
    dumped: dict[str, Any] = manifest.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def for_pull_request(
    repository: Repository,
    base_manifest: Mapping[str, Any] | None,
    *,
    evidence_files: Sequence[tuple[str, str]] = (),
    base_commit: str | None = None,
    work_tree: Path,
    manifest_path: str,
    org: OrgConfig,
    allowed_signers: bytes | None,
    today: dt.date,
    env: Mapping[str, str] | None = None,
) -> AttestationOutcome:
    """Attest the records a pull request adds or alters against its base manifest."""
    head = head_data(repository)
    base = normalised(base_manifest) if base_manifest is not None else None
    records = changed_records(base, head) + [
        evidence_file_record(path, description) for path, description in evidence_files
    ]
    if not records:
        return AttestationOutcome("pull-request")
    heads = _checked_heads(work_tree)
    reviews_seen: list[ForgeReviews] = []

    def reviews(_: Commit | None) -> ForgeReviews | None:
        if not reviews_seen:
            reviews_seen.append(forge_reviews(os.environ if env is None else env, heads))
        return reviews_seen[0]

    # Only the change's own commits can have introduced what it adds (the base's waivers were
    # judged when they were added): reading just those keeps the PR check fast.
    since = f"{base_commit}..HEAD" if base_commit else "HEAD"
    versions = manifest_versions(work_tree, since, manifest_path, normalised)
    introduced, judged = _judged(records, head, org, allowed_signers, reviews, work_tree, versions)
    notes = [
        f"attested: {j.record.summary} — {j.attestation.detail}" for j in judged if j.attestation
    ]
    if records and reviews_seen:
        notes.append(reviews_seen[0].note)
    return _outcome(
        "pull-request",
        repository,
        head,
        judged,
        notes,
        when="written by this change",
        waiver_starts=_waiver_starts(records, introduced, today),
    )


def for_deployment(
    repository: Repository,
    *,
    work_tree: Path,
    manifest_path: str,
    org: OrgConfig,
    allowed_signers: bytes | None,
    today: dt.date,
    env: Mapping[str, str] | None = None,
) -> AttestationOutcome:
    """Attest the records the deployed commit relies on, as the org config chooses."""
    environment = os.environ if env is None else env
    if org.attestation.deployment == "branch-protection":
        return _branch_protection(repository, work_tree, manifest_path, environment)
    head = head_data(repository)
    versions = manifest_versions(work_tree, "HEAD", manifest_path, normalised)
    records = standing_records(head) + _history_records(versions, head)
    if not records:
        return AttestationOutcome("verify", notes=("verify: no governance record to attest",))
    repo = deployment_repository(environment)
    merged: dict[str, ForgeReviews | None] = {}

    def reviews(commit: Commit | None) -> ForgeReviews | None:
        if commit is None or repo is None:
            return None
        if commit.sha not in merged:
            merged[commit.sha] = _merged_reviews(repo, commit.sha)
        return merged[commit.sha]

    introduced, judged = _judged(records, head, org, allowed_signers, reviews, work_tree, versions)
    attested = sum(1 for j in judged if not j.pending)
    notes = [
        f"deployment trust: verify — {attested} of {len(judged)} governance record(s) on the "
        "deployed commit attested by a signed commit or an approved merge request"
    ]
    return _outcome(
        "verify",
        repository,
        head,
        judged,
        notes,
        when="on the deployed commit",
        waiver_starts=_waiver_starts(records, introduced, today),
    )


def outside_change(repository: Repository) -> AttestationOutcome:
    """No base and no deployment: name the records this run takes on trust."""
    manifest = repository.manifest
    if manifest is None:
        return AttestationOutcome("none")
    total = len(manifest.waivers) + len(manifest.approvals)
    # Only the listed ones are turned into records: a manifest may hold thousands.
    listed = {
        "waivers": [w.model_dump(mode="json") for w in manifest.waivers[:MAX_LISTED]],
        "approvals": [a.model_dump(mode="json") for a in manifest.approvals[:MAX_LISTED]],
    }
    notes = [
        f"not attested in this run (no --base, no deployment): {record.summary}"
        for record in standing_records(listed)[:MAX_LISTED]
    ]
    if total > MAX_LISTED:
        notes.append(f"… and {total - MAX_LISTED} more waivers and approvals not attested")
    return AttestationOutcome("none", notes=tuple(notes))


# --- pieces --------------------------------------------------------------------------------------


def _judged(
    records: Sequence[Record],
    head: Mapping[str, Any],
    org: OrgConfig,
    allowed_signers: bytes | None,
    reviews: Callable[[Commit | None], ForgeReviews | None],
    work_tree: Path,
    versions: Sequence[ManifestVersion],
) -> tuple[dict[int, Commit], list[Judged]]:
    """Where each record came from among ``versions``, and what attests it."""
    introduced = introductions(versions, records)
    with allowed_signers_file(allowed_signers) as signers:
        judged = judge(
            records,
            org,
            introduced=introduced,
            reviews=reviews,
            signature=signature_reader(work_tree, signers),
            to_stages=_to_stages(records, head),
            members=project_members(head.get("metadata")),
            members_allowed=_members_allowed(records, head, org),
        )
    return introduced, judged


def _outcome(
    mode: str,
    repository: Repository,
    head: dict[str, Any],
    judged: Sequence[Judged],
    notes: list[str],
    *,
    when: str,
    waiver_starts: Mapping[int, dt.date],
) -> AttestationOutcome:
    pending = [j for j in judged if j.pending]
    document = repository.manifest_document

    def locate(path: tuple[str | int, ...]) -> Any:
        from aigov.documents.problems import Location

        if path[:1] == (EVIDENCE_FILE,):  # the changed file itself
            return Location(str(path[1]))
        return document.locate(path) if document is not None else Location(MANIFEST_FILE)

    pending_waivers = frozenset(int(j.record.path[1]) for j in pending if j.record.kind == "waiver")
    return AttestationOutcome(
        mode,
        tuple(judged),
        tuple(pending_findings(judged, locate, when=when)),
        tuple(notes),
        _without(repository, head, [j.record for j in pending if j.record.kind != "waiver"]),
        pending_waivers,
        waiver_starts,
    )


def _without(repository: Repository, head: dict[str, Any], records: Sequence[Record]) -> Repository:
    """The repository as judged without ``records`` (each undone; a whole section if needed)."""
    if not records:
        return repository
    data = copy.deepcopy(head)
    for record in records:
        record.revert(data)
    try:
        manifest = LifecycleManifest.model_validate(data)
    except (ValidationError, ValueError):
        # Undone one by one, the fields may not fit together (an alias beside a version): the
        # record stays pending and blocks; the rules read the head as written.
        return repository
    return dataclasses.replace(repository, manifest=manifest)


def _members_allowed(
    records: Sequence[Record], head: Mapping[str, Any], org: OrgConfig
) -> dict[int, bool]:
    """Record index -> whether the org lets the project's own members attest it."""
    waivers = head.get("waivers") or []
    allowed: dict[int, bool] = {}
    for index, record in enumerate(records):
        if record.kind == "approval":
            allowed[index] = org.lifecycle.project_members_may_approve
        elif record.kind == "waiver" and isinstance(record.path[1], int):
            position = record.path[1]
            item = waivers[position] if position < len(waivers) else {}
            rule = item.get("rule") if isinstance(item, dict) else None
            allowed[index] = rule in org.waivers.project_members_may_approve
    return allowed


def _to_stages(records: Sequence[Record], head: Mapping[str, Any]) -> dict[int, str | None]:
    stages: dict[int, str | None] = {}
    approvals = head.get("approvals") or []
    for index, record in enumerate(records):
        if record.kind == "approval" and isinstance(record.path[1], int):
            position = record.path[1]
            item = approvals[position] if position < len(approvals) else {}
            stages[index] = item.get("to_stage") if isinstance(item, dict) else None
    return stages


def _waiver_starts(
    records: Sequence[Record], introduced: Mapping[int, Commit], today: dt.date
) -> dict[int, dt.date]:
    """Waiver index in the manifest -> the day of the commit that introduced it."""
    starts = {}
    for index, record in enumerate(records):
        commit = introduced.get(index)
        if record.kind == "waiver" and commit is not None and isinstance(record.path[1], int):
            starts[record.path[1]] = min(commit.date, today)
    return starts


def _checked_heads(work_tree: Path) -> list[str]:
    """HEAD, and its second parent when HEAD is a merge (GitHub checks out PR merge commits)."""
    try:
        line = run_git(work_tree, "rev-list", "--parents", "-n", "1", "HEAD").stdout.decode()
    except GitError:
        return []
    shas = line.split()
    return shas[:1] + shas[2:3]


def _history_records(versions: Sequence[ManifestVersion], head: Mapping[str, Any]) -> list[Record]:
    """Changes in the manifest's history that needed attestation and still stand at the head."""
    latest: dict[tuple[str, tuple[str | int, ...]], Record] = {}
    previous: dict[str, Any] | None = None
    for version in versions:
        if version.data is None:
            continue
        for record in changed_records(previous, version.data):
            if record.kind in _HISTORY_KINDS and record.present(head):
                latest[(record.kind, section_of(record.path))] = record
        previous = version.data
    return list(latest.values())


def _merged_reviews(repo: Any, sha: str) -> ForgeReviews | None:
    from aigov.scm.approvals import merged_change_requests_of
    from aigov.scm.forge import ForgeReadError

    try:
        requests = merged_change_requests_of(repo, sha)
    except ForgeReadError as exc:
        return ForgeReviews(repo.forge, frozenset(), None, f"merged requests not read: {exc}")
    approvers: set[str] = set()
    labels = []
    for request in requests:
        if request.merged:
            approvers |= request.approvers_on(request.head_sha)
            labels.append(f"#{request.number}")
    who = ", ".join(sorted(approvers)) or "nobody"
    note = (
        f"merged request(s) {', '.join(labels)} approved by {who}"
        if labels
        else f"no merged request brought {sha[:12]}"
    )
    return ForgeReviews(repo.forge, frozenset(approvers), None, note)


def _branch_protection(
    repository: Repository, work_tree: Path, manifest_path: str, env: Mapping[str, str]
) -> AttestationOutcome:
    from aigov.scm.approvals import branch_protection
    from aigov.scm.codeowners import codeowners_for
    from aigov.scm.forge import ForgeReadError

    problem: Explanation | None = None
    note = ""
    repo = deployment_repository(env)
    if repo is None or not repo.default_branch:
        problem = say(
            "deployment trust is branch-protection, but this run is not in a GitHub Actions or "
            "GitLab CI job whose forge and default branch are known"
        )
    else:
        try:
            protection = branch_protection(repo, repo.default_branch)
        except ForgeReadError as exc:
            protection = None
            problem = say(
                "branch protection of {branch} not read: {error}",
                branch=repo.default_branch,
                error=str(exc),
            )
        if protection is not None:
            note = f"deployment trust: branch-protection — {protection.detail}"
            branch = repo.default_branch
            # The forge's settings (``detail``) are quoted as the forge reader states them.
            if not protection.protected or protection.required_approvals < 1:
                problem = say(
                    "{branch} does not require an approving review ({detail})",
                    branch=branch,
                    detail=protection.detail,
                )
            elif protection.code_owner_reviews is False:
                problem = say(
                    "{branch} does not require code-owner reviews ({detail})",
                    branch=branch,
                    detail=protection.detail,
                )
            elif protection.code_owner_reviews:
                owners = codeowners_for(
                    _codeowners(work_tree, repo.forge), manifest_path, repo.forge
                )
                if not owners:
                    problem = say("no CODEOWNERS entry owns {path}", path=manifest_path)
                else:
                    note += f"; {manifest_path} owned by {', '.join(owners)}"
    findings: tuple[Finding, ...] = ()
    if problem is not None:
        findings = (_trust_finding(repository, problem),)
    return AttestationOutcome("branch-protection", findings=findings, notes=(note,) if note else ())


def _codeowners(work_tree: Path, forge: str) -> str:
    from aigov.git_objects import ObjectReader

    places = (
        (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
        if forge == "github"
        else ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
    )
    with ObjectReader(work_tree) as objects:
        for place in places:
            found = objects.read(f"HEAD:{place}", max_bytes=1 << 20)
            if found is not None and found[0] == "blob":
                return found[1].decode("utf-8", "replace")
    return ""


def _trust_finding(repository: Repository, problem: Explanation) -> Finding:
    from aigov.documents.problems import Location

    document = repository.manifest_document
    return attestation_finding(
        say(
            "the deployment gate cannot trust the records of this commit: {problem}",
            problem=problem,
        ),
        say(
            "Protect the default branch with required reviews (and code-owner reviews of "
            "aigov.yaml), or set attestation.deployment: verify in aigov-org.yaml."
        ),
        document.locate(("stage",)) if document is not None else Location(MANIFEST_FILE),
        "manifest.stage",
    )
