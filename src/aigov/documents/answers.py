"""Text that records nothing: a field meant to record a measure, a reference or a notice that
says "none", "n/a", "TBD", "-" records no measure, whatever its length.

One definition serves the derivations (``derived.*``), the rules (the CEL function
``recorded(text)``) and the documents, so that a text is a non-answer everywhere or nowhere.
"""

from __future__ import annotations

import re
from typing import Any, Final

_NON_ANSWER: Final = re.compile(
    r"^\W*(?:none|no|non|nothing|nil|null|n/?a|n\.a\.|na|tbd|tbc|todo|to do|to be (?:defined|"
    r"done|confirmed|completed)|not applicable|non applicable|not yet|pending|unknown|xxx|"
    r"à définir|a definir|néant|neant|aucun|aucune|sans objet|-+|\?+|\.+)\W*$",
    re.IGNORECASE,
)


def is_non_answer(value: Any) -> bool:
    """Text that records no measure or reference ("none", "n/a", "tbd", "-"…), or blank."""
    return isinstance(value, str) and (not value.strip() or bool(_NON_ANSWER.match(value)))


def is_recorded_text(value: Any) -> bool:
    """Text that records something: a string that is not blank and not a non-answer."""
    return isinstance(value, str) and not is_non_answer(value)
