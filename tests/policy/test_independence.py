"""Nobody approves their own project: waivers and approvals from its owner, business owner or
data scientist do not count unless the organisation allows it (issue 19, independence)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.policy.conftest import evaluated
from tests.policy.test_engine import TODAY, policy_source
from tests.policy.test_waivers import ORG, with_waiver

from aigov.attestation.judge import judge
from aigov.attestation.records import standing_records
from aigov.attestation.witnesses import ForgeReviews
from aigov.documents.repository import load_repository
from aigov.gate import decide
from aigov.policy.findings import Result
from aigov.policy.independence import member_role, project_members
from aigov.policy.org import OrgConfig

STAKEHOLDERS = """\
  stakeholders:
    - {name: Isabelle Marchand, role: business_owner, email: cro@example.com}
    - {name: Julien Roussel, role: data_science}
    - {name: Nadia Benali, role: data_protection_officer, email: dpo@example.com}
"""


def with_members(manifest: str) -> str:
    """The waiver manifest with stakeholders: the business owner is also an org approver."""
    return manifest.replace(
        "  business_unit: Retail banking\n", "  business_unit: Retail banking\n" + STAKEHOLDERS
    )


def run(tmp_path: Path, make_repo: Callable[..., Path], manifest: str, org: str = ORG) -> Result:
    repo = make_repo({"aigov.yaml": manifest})
    return evaluated(load_repository(repo), policy_source(tmp_path, org), {}, TODAY)


def test_a_waiver_granted_by_the_business_owner_is_void(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    result = run(tmp_path, make_repo, with_members(with_waiver(approved_by="cro@example.com")))
    invalid = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert len(invalid) == 1 and invalid[0].blocking
    assert "'cro@example.com' is the project's business owner" in invalid[0].message
    assert invalid[0].field == "manifest.waivers[0].approved_by"
    dpia = next(f for f in result.findings if f.rule_id == "E-DPIA")
    assert not dpia.waived and dpia in decide(result).blocking


def test_the_same_approver_outside_the_project_may_grant_it(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    # Without the stakeholders, cro@example.com is just an org approver.
    result = run(tmp_path, make_repo, with_waiver(approved_by="cro@example.com"))
    assert not [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert next(f for f in result.findings if f.rule_id == "E-DPIA").waived


def test_the_project_owner_cannot_grant_a_waiver(
    tmp_path: Path, make_repo: Callable[..., Path]
) -> None:
    org = ORG.replace("approvers: [", "approvers: [data-science@example.com, ")
    result = run(tmp_path, make_repo, with_waiver(approved_by="data-science@example.com"), org)
    invalid = [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert invalid and "the project's owner (metadata.owner)" in invalid[0].message


def test_the_org_may_allow_it_for_one_rule(tmp_path: Path, make_repo: Callable[..., Path]) -> None:
    org = ORG + "  project_members_may_approve: [E-DPIA]\n"
    result = run(tmp_path, make_repo, with_members(with_waiver(approved_by="cro@example.com")), org)
    assert not [f for f in result.findings if f.rule_id == "AIGOV-WAIVER"]
    assert next(f for f in result.findings if f.rule_id == "E-DPIA").waived


def test_members_are_named_by_name_or_email_whatever_the_case() -> None:
    members = project_members(
        {
            "owner": "Direction des Risques",
            "stakeholders": [
                {"name": "Julien  Roussel", "role": "data_science"},
                {"name": "Nadia Benali", "role": "data_protection_officer"},
            ],
        }
    )
    assert (
        member_role("julien roussel", members)
        == "the project's data scientist (metadata.stakeholders)"
    )
    assert member_role("DIRECTION DES RISQUES", members) == "the project's owner (metadata.owner)"
    assert member_role("Nadia Benali", members) is None
    # A title written after the name does not make another person.
    assert member_role("Julien Roussel, Lead Data Scientist", members) is not None
    assert member_role("Julien Roussel (DS)", members) is not None
    assert member_role("Julien Rousseau, Lead Data Scientist", members) is None


ATTESTING_ORG = {
    "apiVersion": "aigov/v1",
    "kind": "OrgConfig",
    "waivers": {"approvers": ["Isabelle Marchand"]},
    "people": [
        {
            "name": "Isabelle Marchand",
            "roles": ["waiver_approver", "Comité Crédit"],
            "github": "imarchand",
        },
        {"name": "Paul Risk", "roles": ["waiver_approver", "Comité Crédit"], "github": "prisk"},
    ],
    "attestation": {"methods": ["forge-review"]},
}
HEAD = {
    "metadata": {
        "owner": "Credit risk",
        "stakeholders": [{"name": "Isabelle Marchand", "role": "business_owner"}],
    },
    "waivers": [{"rule": "GDPR-35-DPIA-DONE", "ticket": "T-1", "approved_by": "Isabelle Marchand"}],
    "approvals": [{"committee": "Comité Crédit", "to_stage": "production", "reference": "CC-1"}],
}


def _judged(org: OrgConfig, approvers: frozenset[str]) -> list[tuple[str, bool, str]]:
    records = standing_records(HEAD)
    members = project_members(HEAD["metadata"])
    reviews = ForgeReviews("github", approvers, "author", "approving reviews of PR #7")
    judged = judge(
        records,
        org,
        introduced={},
        reviews=lambda _: reviews,
        signature=lambda _: None,
        members=members,
        members_allowed={
            i: r.kind == "approval" and org.lifecycle.project_members_may_approve
            for i, r in enumerate(records)
        },
    )
    return [(j.record.kind, j.pending, str(j.why_not)) for j in judged]


def test_a_business_owners_review_attests_neither_waiver_nor_approval() -> None:
    org = OrgConfig.model_validate(ATTESTING_ORG)
    for kind, pending, why in _judged(org, frozenset({"imarchand"})):
        assert pending, kind
        assert "not Isabelle Marchand (the project's business owner" in why
    # An independent member of the same committee attests both.
    assert [pending for _, pending, _ in _judged(org, frozenset({"prisk"}))] == [False, False]


def test_the_org_may_let_members_attest_approvals() -> None:
    org = OrgConfig.model_validate(
        {**ATTESTING_ORG, "lifecycle": {"project_members_may_approve": True}}
    )
    kinds = dict((kind, pending) for kind, pending, _ in _judged(org, frozenset({"imarchand"})))
    assert kinds == {"waiver": True, "approval": False}
