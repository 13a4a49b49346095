"""Which records are attested, by whom and how; the pending ones block and are judged undone.

A record counts only when someone the trusted org config (``people``, ``attestation``) allows
attested it outside the pull request's files:

- ``forge-review``: an approving review on the checked head by one of that person's forge
  accounts (never the PR's author: the forge reader leaves the author's own approval out);
- ``signed-commit``: the commit that introduced the record carries a good SSH signature by a key
  the policy source's ``allowed_signers`` file lists under one of that person's ``signers``.

A person listed in the manifest as the project's owner, business owner or data scientist
(:mod:`aigov.policy.independence`) attests none of its waivers and approvals: nobody approves
their own project, unless the org allows it (``waivers.project_members_may_approve`` for the
waiver's rule, ``lifecycle.project_members_may_approve`` for approvals).

Until then the record is **pending**: one blocking ``AIGOV-ATTESTATION`` finding at the record's
line names who may attest it and how, and the repository is judged as if the record were not
there (the waiver is not applied, the approval not counted, the threshold, risk class or
tracking URI read as the base wrote them) — so a pending record never lifts a block.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from aigov.attestation.records import EVIDENCE_FILE, Record
from aigov.attestation.witnesses import Commit, ForgeReviews
from aigov.documents.problems import Location
from aigov.git_objects import Signature
from aigov.policy.explanation import EMPTY, Explanation, finding_translations, joined, say
from aigov.policy.findings import Finding
from aigov.policy.independence import member_role
from aigov.policy.org import OrgConfig, Person

ATTESTATION_RULE_ID: Final = "AIGOV-ATTESTATION"
ATTESTATION_PACK: Final = "aigov"
_TITLE = "Governance records are attested outside the pull request"
_REFERENCES = (
    "aigov-org.yaml people and attestation (organisation trust policy)",
    "SECURITY.md: trust model",
)

ATTESTATION_EXPLANATION: Final = (
    f"# {ATTESTATION_RULE_ID} — {_TITLE}\n\n"
    "A pull request added or changed a record that could lift a block — a waiver, a committee "
    "approval, a loosened success criterion, a lower risk class or another obligation-lowering "
    "claim, a new tracking URI, model or metric name, a committed evidence file — and nobody the "
    "organisation allows has attested it: an approving review on the pull request's head by a "
    "forge account listed under `people` in aigov-org.yaml with a role that may approve it, or "
    "the commit that wrote it signed by a key of the policy source's allowed_signers file. Until "
    "then the check judges the repository without the record. Before a deployment, the same "
    "finding names a record on the deployed commit that no signed commit or approved merge "
    "request brought, or a default branch the forge does not protect with reviews. See "
    "SECURITY.md, 'Trust model'.\n"
)

Method = Literal["forge-review", "signed-commit", "merged-review"]


@dataclass(frozen=True)
class Attestation:
    method: Method
    person: str
    detail: str


@dataclass(frozen=True)
class Judged:
    record: Record
    attestation: Attestation | None
    introduced: Commit | None
    why_not: Explanation = EMPTY
    """Why nothing attests it (empty when attested)."""

    @property
    def pending(self) -> bool:
        return self.attestation is None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.record.kind,
            "field": _field(self.record),
            "summary": self.record.summary,
            "status": "pending" if self.pending else "attested",
            "method": self.attestation.method if self.attestation else None,
            "by": self.attestation.person if self.attestation else None,
            "detail": self.attestation.detail if self.attestation else str(self.why_not),
            "introduced_by": self.introduced.sha if self.introduced else None,
        }


def who_may_attest(record: Record, org: OrgConfig) -> list[Person]:
    """The people whose attestation makes ``record`` count."""
    if record.kind == "approval":
        return [p for p in org.people if record.committee and record.committee in p.roles]
    roles = set(getattr(org.attestation.roles, record.kind))
    eligible = [p for p in org.people if roles & set(p.roles)]
    if record.kind == "waiver":  # the waiver approvers listed by name keep their right
        eligible += [p for p in org.people if p.name in org.waivers.approvers and p not in eligible]
    return eligible


def committee_problem(record: Record, org: OrgConfig, to_stage: str | None) -> Explanation | None:
    """Why an approval's committee can never attest it (not the org's committee for the stage)."""
    if record.kind != "approval" or to_stage is None:
        return None
    committees = org.committees.get(to_stage)  # type: ignore[call-overload]
    if committees and record.committee not in committees:
        return say(
            "'{committee}' is not the organisation's committee for {stage} ({committees})",
            committee=record.committee,
            stage=to_stage,
            committees=", ".join(committees),
        )
    return None


def judge(
    records: Sequence[Record],
    org: OrgConfig,
    *,
    introduced: Mapping[int, Commit],
    reviews: Callable[[Commit | None], ForgeReviews | None],
    signature: Callable[[str], Signature | None],
    to_stages: Mapping[int, str | None] | None = None,
    members: Mapping[str, str] | None = None,
    members_allowed: Mapping[int, bool] | None = None,
) -> list[Judged]:
    """Each record with its attestation, or why it has none.

    ``members``: the project's members (:func:`aigov.policy.independence.project_members`),
    who attest none of its waivers and approvals unless ``members_allowed[index]`` (the org
    allows it for that record).
    """
    methods = set(org.attestation.methods)
    judged = []
    for index, record in enumerate(records):
        commit = introduced.get(index)
        blocked = committee_problem(record, org, (to_stages or {}).get(index))
        if blocked:
            judged.append(Judged(record, None, commit, blocked))
            continue
        eligible = who_may_attest(record, org)
        excluded: list[Explanation] = []
        if record.kind in ("waiver", "approval") and not (members_allowed or {}).get(index):
            excluded = [
                say("{person} ({role})", person=p.name, role=say(role))
                for p in eligible
                if (role := member_role(p.name, members or {})) is not None
            ]
            eligible = [p for p in eligible if member_role(p.name, members or {}) is None]
        seen = reviews(commit) if "forge-review" in methods else None
        found = _by_review(eligible, seen) if seen is not None else None
        if found is None and "signed-commit" in methods and commit is not None:
            found = _by_signature(eligible, signature(commit.sha), commit)
        why = EMPTY if found else _why_not(eligible, seen, commit, org)
        if excluded and not found:
            why = say(
                "{why}; not {people}: nobody attests their own project",
                why=why,
                people=joined(", ", excluded),
            )
        judged.append(Judged(record, found, commit, why))
    return judged


def _by_review(eligible: Sequence[Person], reviews: ForgeReviews) -> Attestation | None:
    for person in eligible:
        account = person.github if reviews.forge == "github" else person.gitlab
        if account and account.lower() in {a.lower() for a in reviews.approvers}:
            if reviews.author and account.lower() == reviews.author.lower():
                continue  # the forge reader drops it too: nobody approves their own change
            return Attestation(
                "forge-review", person.name, f"approving review by @{account} ({reviews.note})"
            )
    return None


def _by_signature(
    eligible: Sequence[Person], signature: Signature | None, commit: Commit
) -> Attestation | None:
    if signature is None or not signature.good:
        return None
    for person in eligible:
        if signature.principal in person.signers:
            return Attestation(
                "signed-commit",
                person.name,
                f"commit {commit.sha[:12]} signed by {signature.principal}",
            )
    return None


def _why_not(
    eligible: Sequence[Person], reviews: ForgeReviews | None, commit: Commit | None, org: OrgConfig
) -> Explanation:
    if not eligible:
        return say("nobody in aigov-org.yaml `people` holds a role that may attest it")
    names = ", ".join(_described(p) for p in eligible)
    ways = []
    if "forge-review" in org.attestation.methods:
        ways.append(say("an approving review on the pull request's current head"))
    if "signed-commit" in org.attestation.methods:
        ways.append(
            say("a commit signed by their key introducing it (commit {sha})", sha=commit.sha[:12])
            if commit
            else say("a commit signed by their key introducing it")
        )
    way = ways[0] if len(ways) == 1 else say("{one} or {other}", one=ways[0], other=ways[1])
    # What the forge said (its reviews) is the forge reader's report, quoted as it wrote it.
    if reviews is not None:
        return say(
            "it needs {ways} from: {names}; {seen}", ways=way, names=names, seen=reviews.note
        )
    return say("it needs {ways} from: {names}", ways=way, names=names)


def _described(person: Person) -> str:
    handles = [f"@{h}" for h in (person.github, person.gitlab) if h]
    return person.name + (f" ({', '.join(dict.fromkeys(handles))})" if handles else "")


def pending_findings(
    judged: Sequence[Judged], locate: Callable[[tuple[str | int, ...]], Location], *, when: str
) -> list[Finding]:
    """One blocking finding per pending record, at the record's line."""
    return [
        attestation_finding(
            say(
                "{record}: {when}, not attested — {why}",
                record=item.record.summary,
                when=say(when),  # one of apply.py's fixed phrases
                why=item.why_not,
            ),
            say(
                "Ask one of the people named to approve the pull request (or to sign the commit "
                "that writes the record), then re-run the check; until then the record is "
                "ignored and the check judges the repository without it."
            ),
            locate(item.record.path),
            _field(item.record),
        )
        for item in judged
        if item.pending
    ]


def attestation_finding(
    message: Explanation, remediation: Explanation, location: Location, field: str
) -> Finding:
    """A critical, blocking ``AIGOV-ATTESTATION`` finding, in every language aigov writes."""
    title = say(_TITLE)
    return Finding(
        rule_id=ATTESTATION_RULE_ID,
        pack=ATTESTATION_PACK,
        title=str(title),
        severity="critical",
        message=str(message),
        remediation=str(remediation),
        references=_REFERENCES,
        file=location.file,
        line=location.line,
        column=location.column,
        field=field,
        blocking=True,
        translations=finding_translations(title, message, remediation),
    )


def _field(record: Record) -> str:
    if record.path[:1] == (EVIDENCE_FILE,):
        return ""
    text = "manifest"
    for part in record.path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text
