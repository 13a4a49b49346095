"""Where a rule is documented: the links findings carry in every output.

A built-in rule links to its section of the policy reference as released with the running aigov
(tag ``v<version>``: a tag never moves, and it documents the rules that version ships, where
``main`` may already differ). Another pack's rule links to its pack's ``documentation`` URL
(:func:`aigov.policy.reference.pack_rule_link`); a pack that declares none gives no link, never
a dead one.

Kept free of the pack loader's imports: reading a result (``aigov comment``) uses it too.
"""

from __future__ import annotations

import re
from typing import Final

from aigov import __version__

REFERENCE_REPOSITORY: Final = "https://github.com/aigov/aigov"
REFERENCE_PATH: Final = "docs/policy-reference.md"


def released_reference(version: str = __version__) -> str:
    """The policy reference page as released with aigov ``version``."""
    return f"{REFERENCE_REPOSITORY}/blob/v{version}/{REFERENCE_PATH}"


def rule_anchor(rule_id: str, title: str) -> str:
    """The GitHub anchor of the rule's heading (``### {id} — {title}``) in a reference written
    by ``aigov policy doc``: lower-cased, punctuation other than ``-`` and ``_`` dropped, each
    space turned into ``-``."""
    heading = f"{rule_id} — {title}".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def builtin_rule_link(rule_id: str, title: str) -> str:
    """A built-in rule's section of the reference released with the running aigov."""
    return f"{released_reference()}#{rule_anchor(rule_id, title)}"
