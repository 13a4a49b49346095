"""Who cannot approve their own project: its owner, business owner and data scientists.

A waiver or a committee approval lifts a block; granted by someone accountable for delivering
the project, it is a self-approval (the separation of duties SLSA's two-party review, the EBA's
model-risk guidelines and GDPR Art. 38(6)'s conflict of interest all ask for). The people
listed in ``aigov.yaml`` as the project's ``metadata.owner`` or as stakeholders with role
``business_owner`` or ``data_science`` are its members; a record granted or attested by one of
them does not count unless the organisation allows it (``waivers.project_members_may_approve``
for a rule's waivers, ``lifecycle.project_members_may_approve`` for committee approvals).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

OWNER: Final = "the project's owner (metadata.owner)"
MEMBER_ROLES: Final[dict[str, str]] = {
    "business_owner": "the project's business owner (metadata.stakeholders)",
    "data_science": "the project's data scientist (metadata.stakeholders)",
}
"""Stakeholder roles whose holders are accountable for the project (besides its owner), and
what a finding calls them: fixed phrases, translated as messages of the catalog."""


def _key(text: str) -> str:
    return " ".join(text.lower().split())


_TITLE_SEPARATOR: Final = re.compile(r",|\(| [—–-] ")


def _keys(text: str) -> set[str]:
    """How a person is named: as written, and without the title written after their name
    (``Marc Lenoir, Head of Retail Credit``, ``Sophie Garnier (MRM)``)."""
    whole = _key(text)
    name = _key(_TITLE_SEPARATOR.split(text, maxsplit=1)[0])
    return {k for k in (whole, name) if k}


def project_members(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """Each way a project member is named (name, e-mail; lower case) -> what they are, e.g.
    ``{"isabelle marchand": "the project's business owner"}``."""
    members: dict[str, str] = {}
    if not isinstance(metadata, Mapping):
        return members
    owner = metadata.get("owner")
    if isinstance(owner, str) and owner.strip():
        for key in _keys(owner):
            members[key] = OWNER
    for stakeholder in metadata.get("stakeholders") or ():
        if not isinstance(stakeholder, Mapping):
            continue
        role = MEMBER_ROLES.get(str(stakeholder.get("role")))
        if role is None:
            continue
        for key in ("name", "email"):
            value = stakeholder.get(key)
            if isinstance(value, str) and value.strip():
                for key in _keys(value):
                    members.setdefault(key, role)
    return members


def member_role(person: str, members: Mapping[str, str]) -> str | None:
    """What ``person`` (a name or an e-mail, with or without a title after the name) is in
    the project, or None when not a member."""
    return next((members[k] for k in sorted(_keys(person)) if k in members), None)
