"""The ``derived`` context root: conclusions the law draws from facts the repository states.

Some facts follow from others whatever a flag says: an organisation that builds a system and
uses it is its provider and its deployer (AI Act Art. 3(3)-(4)); creditworthiness scoring is
profiling (GDPR Art. 4(4)). A rule reads such a conclusion under ``derived.<regulation>.<fact>``
as ``{value, because}``: ``because`` is one line saying which facts led there, quoted by the
rule's message so that a finding explains its derivation. It is written in English; the same
line in each other language aigov writes is under the fact's ``translations``, built from
catalog messages with :mod:`aigov.policy.explanation`, and a message in that language quotes it.

Each regulation's module derives from the plain context (the manifest as dumped, the contracts,
``today``) so that a policy fixture gets the same derivations as a repository; the shape rules
are type-checked against is each module's ``SCHEMA``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aigov.policy.derive import ai_act as ai_act
from aigov.policy.derive import gdpr as gdpr

SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"ai_act": ai_act.SCHEMA, "gdpr": gdpr.SCHEMA},
}
"""The JSON Schema of the ``derived`` root, for :mod:`aigov.policy.shapes`."""


def derive(context: Mapping[str, Any]) -> dict[str, Any]:
    """Every derived fact of a context holding ``manifest``, ``contracts`` and ``today``."""
    return {"ai_act": ai_act.derive(context), "gdpr": gdpr.derive(context)}
