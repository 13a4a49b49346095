"""Human labels for the values the files hold as codes: vocabulary values (``lower_is_better``,
``business_owner``, ``approved_with_conditions``…) and ISO 8601 durations (``P5Y``, ``PT15M``).

The one place a deliverable turns a code into words, in English or French. A reader of a
framing sheet or of an Annex IV draft should never have to know the YAML's vocabulary.
French labels live in the catalog (``aigov/locales/fr.json``), keyed by the value as written, like
every other translation; English labels are the value with spaces for underscores, except the
few below that need more.
"""

from __future__ import annotations

import re
from typing import Final

from aigov.documents.durations import DURATION_PATTERN
from aigov.i18n import Translator, catalog, normalise_language

ENGLISH: Final[dict[str, str]] = {
    "poc": "POC",
    "data-exploration": "data exploration",
    "it": "IT",
    "api": "API",
    "risk_compliance": "risk and compliance",
    "data_protection_officer": "data protection officer (DPO)",
    "prohibited": "prohibited practice",
    "high": "high risk",
    "limited": "limited risk",
    "minimal": "minimal risk",
    "full": "in full",
    "partial": "in part",
    "internal_control": "internal control (Annex VI)",
    "notified_body": "notified body (Annex VII)",
    "unlikely": "unlikely to result in a risk",
    "encrypted": "data encrypted",
}
"""English labels that are not simply the value with spaces for underscores."""

_DURATION: Final = re.compile(DURATION_PATTERN)
UNITS: Final[dict[str, tuple[str, str]]] = {
    "years": ("{count} year", "{count} years"),
    "months": ("{count} month", "{count} months"),
    "weeks": ("{count} week", "{count} weeks"),
    "days": ("{count} day", "{count} days"),
    "hours": ("{count} hour", "{count} hours"),
    "minutes": ("{count} minute", "{count} minutes"),
    "seconds": ("{count} second", "{count} seconds"),
}
"""The messages of each unit of a duration, singular and plural (translated in the catalog)."""


def label(value: str, lang: str) -> str:
    """``value`` (a vocabulary code) as words in ``lang``; a code no table knows is shown with
    spaces for underscores (a value a newer schema added still reads as words)."""
    english = ENGLISH.get(value, value.replace("_", " "))
    if normalise_language(lang) == "en":
        return english
    return catalog(normalise_language(lang)).get(value, english)


def duration(text: str, tr: Translator, lang: str) -> str:
    """An ISO 8601 duration in words (``P5Y``: "5 years" / "5 ans", ``P1Y6M``: "1 year 6 months");
    a text that is not one is returned as written."""
    match = _DURATION.match(text)
    if match is None:
        return text
    # French uses the singular for 0 and 1, English for 1 only.
    zero_is_singular = normalise_language(lang) == "fr"
    parts = []
    for unit, amount in match.groupdict().items():
        if amount is not None:
            count = int(amount)
            one, many = UNITS[unit]
            singular = count == 1 or (count == 0 and zero_is_singular)
            parts.append(tr(one if singular else many, count=count))
    return " ".join(parts)
