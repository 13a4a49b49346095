"""GDPR facts the law derives from what the repository states elsewhere: ``derived.gdpr``.

Each fact is ``{value, because, …}``: ``because`` is one line a finding quotes, naming the
field, contract, column or answer the conclusion comes from, in English, and in the other
languages aigov writes under ``translations`` (:mod:`aigov.policy.explanation`: every sentence
is a message of aigov's catalog, ``aigov/locales/<lang>.json``). The facts are:

- ``contract_personal_data``: the contract columns that hold personal data (GDPR Art. 4(1)).
  ODCS ``classification`` values such as ``public``, ``internal``, ``confidential`` and
  ``restricted`` are secrecy levels, not personal data; personal data shows in PII markings
  (a ``pii`` tag, ``customProperties`` ``pii``/``personalData: true``, a ``personal``
  classification), in column semantics (e-mail, phone, IBAN, national id, names, birth date,
  precise location, device and person identifiers, by name and description) and in the
  contract's own descriptions. A contract says "no personal data" with ``customProperties``
  ``personalData: false`` on the contract, on a schema object (a table) or on a property (or
  with the contract tag ``no-personal-data``); an explicit PII marking still counts.
- ``undeclared_transfers``: contract servers (region, location, host, endpoint) and
  processors located outside the EEA for which ``risk.gdpr.transfers`` declares nothing.
- ``lawful_bases``: the Art. 6(1) basis of each purpose (a scalar ``lawful_basis`` applies to
  every purpose ``lawful_bases`` does not list), the purposes without one and the legitimate
  interests without an assessment.
- ``retention``: the period of each data category (a scalar ``retention`` applies to every
  category ``retention_periods`` does not list) and the categories without one;
  ``contract_retention``: contracts holding personal data kept longer than the manifest says.
- ``dpia``: the WP248 screening chain (criteria met, unanswered, Art. 35(3) case) and whether a
  DPIA is required; ``dpo_advice``: whether the advice was given by the DPO (Art. 35(2)).
- ``information``: Art. 13/14 information per source; ``non_answers``: fields meant to record
  a measure or a reference that say "none", "n/a", "tbd"….

Pure functions of plain data (the expression context's ``manifest`` and ``contracts``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from aigov.documents.answers import is_non_answer
from aigov.documents.durations import duration_days
from aigov.policy.explanation import (
    TRANSLATIONS_KEY,
    TRANSLATIONS_SCHEMA,
    Explanation,
    joined,
    say,
    texts,
    verbatim,
)

# --- personal data in contract columns --------------------------------------------------------

_PII_TAGS: Final = frozenset(
    {
        "pii",
        "personal-data",
        "personal_data",
        "personal",
        "gdpr",
        "special-category",
        "special-category-data",
        "sensitive-personal-data",
        "direct-identifier",
        "indirect-identifier",
        "quasi-identifier",
        "pseudonymised",
        "pseudonymized",
        "pseudonymous",
        "hashed-identifier",
    }
)
_PII_CLASSIFICATIONS: Final = frozenset(
    {"pii", "personal", "personal-data", "personal_data", "special-category", "spi"}
)
_OPT_OUT_TAGS: Final = frozenset({"no-personal-data", "no-pii", "anonymous", "anonymised"})
_PII_KEYS: Final = frozenset({"pii", "personaldata", "containspersonaldata", "personal_data"})

_KEEPS_MEANING: Final = (
    r"address(?:es)?|addr|hash(?:ed)?|id|ids|raw|clean|norm|normali[sz]ed|primary|secondary|work"
    r"|home|personal|private|mobile|enc|encrypted|masked|token|value|text|\d+"
)
# Column semantics, matched on the name split into lower-case words joined by "_"
# (customerEmail -> customer_email): (pattern, what it is).
_NAME_SEMANTICS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    # The personal noun ends the name, or is followed only by words that keep its meaning
    # (customer_email_hash, phone_number_2): email_template_id names a template, not an address.
    (re.compile(rf"(?:^|_)(?:{pattern})(?:_(?:{_KEEPS_MEANING}))*$"), meaning)
    for pattern, meaning in (
        (r"e_?mails?(?:_address(?:es)?)?|courriels?|mail_address(?:es)?", "e-mail address"),
        (
            r"phones?(?:_numbers?)?|mobile(?:_numbers?)?|msisdn|telephone|tel_?(?:no|num|number)",
            "phone number",
        ),
        (
            r"iban|bank_?account(?:_number)?|account_number|card_?(?:number|num|no)|pan",
            "bank account or card number",
        ),
        (
            r"ssn|social_?security(?:_number)?|national_?id(?:_number)?|nir|insee|passport(?:_number)?"
            r"|tax_?id|tin|nino|id_?card(?:_number)?|driving_?licen[cs]e|drivers?_?licen[cs]e"
            r"|fiscal_?code|codice_fiscale|dni|nie|bsn|pesel|steuer_?id",
            "national identification number",
        ),
        (
            r"first_?name|last_?name|given_?name|family_?name|surname|full_?name|maiden_?name"
            r"|forename|prenom|nom_?de_?famille|birth_?name",
            "name of a person",
        ),
        (r"birth_?date|date_?of_?birth|dob|birthday|date_?naissance|naissance", "date of birth"),
        (
            r"home_?address|postal_?address|street(?:_address)?|residential_?address",
            "postal address",
        ),
        (
            r"latitude|longitude|lat|lon|lng|gps|geo_?location|geoloc|coordinates",
            "precise location",
        ),
        (
            r"device_?id|imei|imsi|idfa|gaid|advertising_?id|mac_?address|ip_?address|ip"
            r"|cookie_?id|android_?id|fingerprint",
            "device or online identifier",
        ),
        (
            r"(?:customer|client|user|employee|patient|applicant|member|subscriber|person"
            r"|citizen|student|candidate|borrower|policyholder)_?(?:id|number|no|num|ref|hash"
            r"|token|key)",
            "identifier of a person (Recital 26)",
        ),
    )
)
# The contract's own words for a column: (pattern, what it is), matched on its description.
_DESCRIPTION_SEMANTICS: Final[tuple[tuple[re.Pattern[str], str], ...]] = tuple(
    (re.compile(pattern, re.IGNORECASE), meaning)
    for pattern, meaning in (
        (r"\b(?:e-?mail|courriel)\b", "e-mail address"),
        (r"\bphone number\b|\bnum[ée]ro de t[ée]l[ée]phone\b", "phone number"),
        (r"\biban\b", "bank account number"),
        (r"\bsocial security\b|\bnational (?:id|identification)\b|\bpassport\b", "national id"),
        (r"\b(?:first|last|full|given|family) name\b|\bnom de famille\b|\bpr[ée]nom\b", "name"),
        (r"\bdate of birth\b|\bdate de naissance\b", "date of birth"),
        (r"\bip address\b|\bdevice (?:id|identifier)\b|\badvertising id\b", "device identifier"),
        (r"\bgps\b|\bgeolocation\b|\bprecise location\b", "precise location"),
        (r"\bpersonal data\b|\bdonn[ée]es personnelles\b|\bpii\b", "personal data"),
        (
            r"\bpseudonymi[sz]ed\b|\b(?:salted|keyed)\b[^.]*\bhash|\bhash(?:ed)? of (?:the )?"
            r"(?:customer|client|user|employee|patient|person)",
            "pseudonymised identifier (Art. 4(5), Recital 26)",
        ),
    )
)
_ABOUT_THINGS: Final = re.compile(
    r"\b(?:machines?|assets?|templates?|catalog(?:ue)?|equipment|terminals?|atms?|sensors?"
    r"|devices? owned by|products?|articles?|skus?|stores?|shops?|branch(?:es)?|servers?"
    r"|appliances?|vehicles? of the fleet)\b",
    re.IGNORECASE,
)
_ABOUT_PEOPLE: Final = re.compile(
    r"\b(?:customers?|clients?|persons?|people|users?|employees?|staff|patients?|applicants?"
    r"|individuals?|holders?|subscribers?|members?|citizens?|students?|candidates?|borrowers?"
    r"|policyholders?|natural person|data subjects?)\b",
    re.IGNORECASE,
)
_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_WORD: Final = re.compile(r"[^a-z0-9]+")


def _words(text: str) -> str:
    return _NON_WORD.sub("_", _CAMEL.sub("_", text).lower()).strip("_")


def _custom(item: Mapping[str, Any]) -> dict[str, Any]:
    """ODCS ``customProperties`` ([{property, value}]) as a mapping of lower-case keys."""
    found: dict[str, Any] = {}
    for entry in item.get("customProperties") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("property"), str):
            found[entry["property"].replace("-", "").replace("_", "").lower()] = entry.get("value")
    return found


def _says_personal(item: Mapping[str, Any]) -> bool | None:
    """True/False where a contract, object or property states it (customProperties), else None."""
    custom = _custom(item)
    for key in _PII_KEYS:
        value = custom.get(key.replace("_", ""))
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
    return None


def _tags(item: Mapping[str, Any]) -> set[str]:
    return {str(t).strip().lower() for t in item.get("tags") or () if isinstance(t, str | int)}


def _marking(field: Mapping[str, Any]) -> Explanation | None:
    """An explicit PII marking of a property, as the reason it holds personal data."""
    if _says_personal(field) is True:
        return verbatim("customProperties personalData")
    tags = sorted(_tags(field) & _PII_TAGS)
    if tags:
        return say("tagged {tag}", tag=tags[0])
    classification = field.get("classification")
    if isinstance(classification, str) and classification.strip().lower() in _PII_CLASSIFICATIONS:
        return verbatim(f"classification {classification}")
    return None


def _semantics(field: Mapping[str, Any]) -> Explanation | None:
    """What the column's name, type or description says it holds, if personal data. The
    contract's own description outranks the name: a column it says identifies a machine, a
    template or a product relates to no person (Art. 4(1))."""
    description = field.get("description")
    if (
        isinstance(description, str)
        and _ABOUT_THINGS.search(description)
        and not _ABOUT_PEOPLE.search(description)
    ):
        return None
    options = field.get("logicalTypeOptions")
    if isinstance(options, Mapping) and str(options.get("format", "")).lower() == "email":
        return verbatim("format email")
    for key in ("name", "physicalName", "businessName", "physicalType"):
        value = field.get(key)
        if isinstance(value, str) and value:
            words = _words(value)
            for pattern, meaning in _NAME_SEMANTICS:
                if pattern.search(words):
                    # The meanings are fixed phrases: messages of the catalog.
                    found = say(meaning)
                    return (
                        found if key == "name" else say("{key}: {meaning}", key=key, meaning=found)
                    )
    if isinstance(description, str):
        for pattern, meaning in _DESCRIPTION_SEMANTICS:
            if pattern.search(description):
                return say("description: {meaning}", meaning=say(meaning))
    return None


def _contract_name(contract: Mapping[str, Any], index: int) -> str:
    """How a message names a contract: its file, else its name, else its position."""
    return str(contract.get("file") or contract.get("name") or f"contract #{index + 1}")


def _objects_opted_out(contract: Mapping[str, Any]) -> set[str]:
    return {
        str(obj.get("name"))
        for obj in contract.get("schema") or ()
        if isinstance(obj, Mapping) and _says_personal(obj) is False
    }


def contract_personal_data(contracts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The columns of the contracts that hold personal data, each with why."""
    columns: list[dict[str, Any]] = []
    reasons: list[Explanation] = []
    opted_out: list[Explanation] = []
    for index, contract in enumerate(contracts):
        file = _contract_name(contract, index)
        whole = _says_personal(contract) is False or bool(_tags(contract) & _OPT_OUT_TAGS)
        objects = _objects_opted_out(contract)
        if whole:
            opted_out.append(say("{file} (the whole contract)", file=file))
        opted_out += [
            say("{file}: table {table}", file=file, table=name) for name in sorted(objects)
        ]
        for position, field in enumerate(contract.get("fields") or ()):
            if not isinstance(field, Mapping):
                continue
            reason = _marking(field)
            stated_no = _says_personal(field) is False
            if reason is None and not (whole or stated_no or field.get("object") in objects):
                reason = _semantics(field)
            if reason is None:
                continue
            column = f"{field.get('object')}.{field.get('path')}"
            reasons.append(reason)
            columns.append(
                {
                    "contract": file,
                    "column": column,
                    "reason": str(reason),
                    "field": f"contracts[{index}].fields[{position}]",
                }
            )
    # A message quotes at most 200 characters of a value: the first columns, grouped by contract.
    shown: dict[str, list[Explanation]] = {}
    for found, reason in zip(columns[:3], reasons, strict=False):
        shown.setdefault(found["contract"], []).append(
            say("{column} ({reason})", column=found["column"], reason=reason)
        )
    text = joined(
        "; ", (say("{file}: {columns}", file=f, columns=joined(", ", i)) for f, i in shown.items())
    )
    if len(columns) > 3:
        because = say("{columns} and {count} more column(s)", columns=text, count=len(columns) - 3)
    elif columns:
        because = text
    elif opted_out:
        because = say(
            "no contract column shows personal data (declared without: {opted_out})",
            opted_out=joined(", ", opted_out),
        )
    else:
        because = say("no contract column shows personal data")
    return {
        "value": bool(columns),
        **texts(because=because),
        "columns": columns,
        "contracts": sorted({c["contract"] for c in columns}),
    }


# --- where contract servers are: the EEA or not -----------------------------------------------

EEA: Final = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
    ]
)
"""The 27 EU Member States and Iceland, Liechtenstein and Norway (EEA Agreement)."""

# AWS-style regions (also used by Snowflake, S3-compatible hosts): prefix -> country.
_AWS_REGION: Final = re.compile(
    r"\b(us|ca|sa|ap|af|me|il|mx|eu|cn)-(?:gov-)?"
    r"(east|west|north|south|central|northeast|southeast|southwest|northwest)-(\d)\b"
)
_AWS_SPECIAL: Final[dict[str, str]] = {
    "eu-west-2": "GB",
    "eu-central-2": "CH",
    "ap-northeast-1": "JP",
    "ap-northeast-3": "JP",
    "ap-northeast-2": "KR",
    "ap-south-1": "IN",
    "ap-south-2": "IN",
    "ap-southeast-1": "SG",
    "ap-southeast-2": "AU",
    "ap-southeast-3": "ID",
    "ap-southeast-4": "AU",
    "ap-east-1": "HK",
    "me-south-1": "BH",
    "me-central-1": "AE",
    "il-central-1": "IL",
    "af-south-1": "ZA",
    "sa-east-1": "BR",
    "mx-central-1": "MX",
}
_AWS_PREFIX: Final[dict[str, str]] = {"us": "US", "ca": "CA", "cn": "CN", "eu": "EU"}
# Google Cloud regions: prefix -> country (the europe- ones resolved below).
_GCP_REGION: Final = re.compile(
    r"\b(us|northamerica|southamerica|europe|asia|australia|me|africa)-"
    r"([a-z]+)(\d+)\b"
)
_GCP_SPECIAL: Final[dict[str, str]] = {
    "europe-west2": "GB",
    "europe-west6": "CH",
    "northamerica-northeast1": "CA",
    "northamerica-northeast2": "CA",
    "southamerica-east1": "BR",
    "southamerica-west1": "CL",
    "asia-northeast1": "JP",
    "asia-northeast2": "JP",
    "asia-northeast3": "KR",
    "asia-south1": "IN",
    "asia-south2": "IN",
    "asia-southeast1": "SG",
    "asia-southeast2": "ID",
    "asia-east1": "TW",
    "asia-east2": "HK",
    "australia-southeast1": "AU",
    "australia-southeast2": "AU",
    "me-west1": "IL",
    "me-central1": "QA",
    "me-central2": "SA",
    "africa-south1": "ZA",
}
_AZURE: Final[dict[str, str]] = {
    **dict.fromkeys(
        [
            "eastus",
            "eastus2",
            "westus",
            "westus2",
            "westus3",
            "centralus",
            "southcentralus",
            "northcentralus",
            "westcentralus",
        ],
        "US",
    ),
    "canadacentral": "CA",
    "canadaeast": "CA",
    "brazilsouth": "BR",
    "japaneast": "JP",
    "japanwest": "JP",
    "koreacentral": "KR",
    "koreasouth": "KR",
    "centralindia": "IN",
    "southindia": "IN",
    "southeastasia": "SG",
    "eastasia": "HK",
    "australiaeast": "AU",
    "australiasoutheast": "AU",
    "uksouth": "GB",
    "ukwest": "GB",
    "switzerlandnorth": "CH",
    "switzerlandwest": "CH",
    "uaenorth": "AE",
    "southafricanorth": "ZA",
    "westeurope": "NL",
    "northeurope": "IE",
    "francecentral": "FR",
    "francesouth": "FR",
    "germanywestcentral": "DE",
    "germanynorth": "DE",
    "swedencentral": "SE",
    "norwayeast": "NO",
    "norwaywest": "NO",
    "polandcentral": "PL",
    "italynorth": "IT",
    "spaincentral": "ES",
}
_MULTI_REGION: Final[dict[str, str]] = {"us": "US", "eu": "EU"}
_SERVER_KEYS: Final = (
    "region",
    "regionName",
    "location",
    "host",
    "endpointUrl",
    "url",
    "account",
    "catalog",
)


def _country_of(text: str) -> str | None:
    """The ISO country code (or EU) a cloud region, host or location names, if recognised."""
    lowered = text.strip().lower()
    if lowered in _MULTI_REGION:
        return _MULTI_REGION[lowered]
    if len(lowered) == 2 and lowered.upper() in EEA | {"US", "GB", "CH", "JP", "IN", "CN"}:
        return lowered.upper()
    found = _AWS_REGION.search(lowered)
    if found:
        code = found.group(0).replace("-gov", "")
        if code in _AWS_SPECIAL:
            return _AWS_SPECIAL[code]
        return _AWS_PREFIX.get(found.group(1))
    found = _GCP_REGION.search(lowered)
    if found:
        code = found.group(0)
        if code in _GCP_SPECIAL:
            return _GCP_SPECIAL[code]
        prefix = found.group(1)
        return {"us": "US", "europe": "EU", "northamerica": "CA"}.get(prefix)
    for token in re.split(r"[^a-z0-9]+", lowered):
        if token in _AZURE:
            return _AZURE[token]
    return None


def _server_places(server: Mapping[str, Any]) -> Iterable[tuple[str, str, str]]:
    """(key, value, country) for each place a server names."""
    custom = _custom(server)
    candidates = [(key, server.get(key)) for key in _SERVER_KEYS]
    candidates += [
        (f"customProperties.{key}", custom.get(key))
        for key in ("region", "location", "country", "datalocation", "datacenter")
    ]
    for key, value in candidates:
        if isinstance(value, str) and value:
            country = _country_of(value)
            if country is not None:
                yield key, value, country


_COUNTRY_NAMES: Final[dict[str, str]] = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "united kingdom": "GB",
    "uk": "GB",
    "switzerland": "CH",
    "japan": "JP",
    "republic of korea": "KR",
    "south korea": "KR",
    "korea": "KR",
    "canada": "CA",
    "india": "IN",
    "china": "CN",
    "singapore": "SG",
    "australia": "AU",
    "brazil": "BR",
    "israel": "IL",
    "new zealand": "NZ",
}


def _country_code(text: str) -> str:
    """A transfer's country as an ISO code: the code as written, or a common English name."""
    cleaned = " ".join(text.lower().split())
    return _COUNTRY_NAMES.get(cleaned, cleaned.upper())


def outside_eea(country: str) -> bool:
    return country != "EU" and country not in EEA


def undeclared_transfers(
    gdpr: Mapping[str, Any], contracts: Sequence[Mapping[str, Any]], personal: Mapping[str, Any]
) -> dict[str, Any]:
    """Servers of contracts holding personal data, and processors, outside the EEA with no
    transfer to their country in ``risk.gdpr.transfers``."""
    declared = {
        _country_code(str(t.get("country", "")))
        for t in gdpr.get("transfers") or ()
        if isinstance(t, Mapping)
    }
    holding = set(personal.get("contracts") or ())
    manifest_personal = gdpr.get("personal_data") is True
    found: list[dict[str, Any]] = []
    wheres: list[Explanation] = []
    for index, contract in enumerate(contracts):
        file = _contract_name(contract, index)
        opted_out = _says_personal(contract) is False or bool(_tags(contract) & _OPT_OUT_TAGS)
        if file not in holding and (opted_out or not manifest_personal):
            continue
        for position, server in enumerate(contract.get("servers") or ()):
            if not isinstance(server, Mapping):
                continue
            for key, value, country in _server_places(server):
                if outside_eea(country) and country not in declared:
                    name = server.get("server") or f"#{position + 1}"
                    where = say(
                        "{file}: server {server}, {key} {value}",
                        file=file,
                        server=name,
                        key=key,
                        value=value,
                    )
                    wheres.append(where)
                    found.append(
                        {
                            "country": country,
                            "where": str(where),
                            "field": f"contracts[{index}].servers[{position}].{key}",
                        }
                    )
                    break
    for position, processor in enumerate(gdpr.get("processors") or ()):
        if not isinstance(processor, Mapping) or not isinstance(processor.get("country"), str):
            continue
        country = _country_code(processor["country"])
        if manifest_personal and outside_eea(country) and country not in declared:
            where = say(
                "processor {processor} in {country}",
                processor=processor.get("name"),
                country=country,
            )
            wheres.append(where)
            found.append(
                {
                    "country": country,
                    "where": str(where),
                    "field": f"manifest.risk.gdpr.processors[{position}].country",
                }
            )
    because = (
        say(
            "{places} — risk.gdpr.transfers declares no transfer to {countries}",
            places=joined(
                "; ",
                (
                    say("{where} ({country}, outside the EEA)", where=w, country=f["country"])
                    for w, f in zip(wheres, found, strict=True)
                ),
            ),
            countries=", ".join(sorted({f["country"] for f in found})),
        )
        if found
        else say("no contract server or processor outside the EEA without a declared transfer")
    )
    return {"value": found, **texts(because=because)}


# --- lawful basis per purpose, retention per category ----------------------------------------

_WORKERS: Final = re.compile(
    r"\b(?:employees?|staff|workers?|advisers?|advisors?|agents?|salari[ée]s?|personnel"
    r"|drivers?|nurses?|teachers?|colleagues?)\b",
    re.IGNORECASE,
)


_ADVERTISING: Final = re.compile(
    r"\b(?:advertis\w*|ads|marketing|targeting|targeted offers?|publicit\w*|prospection"
    r"|ciblage|cibl[ée]e?s?|d[ée]marchage)\b",
    re.IGNORECASE,
)
"""Purposes no contract with the data subject makes necessary (EDPB Guidelines 2/2019 §52-57)."""


def _unavailable_basis(
    basis: object, gdpr: Mapping[str, Any], ai_act: Mapping[str, Any], purpose: object = ""
) -> Explanation | None:
    """Why ``basis`` cannot be relied on by this controller for these people and this purpose,
    if it cannot."""
    if basis == "contract" and _ADVERTISING.search(str(purpose or "")):
        return say(
            "advertising and marketing are not necessary to perform a contract with the data "
            "subject (Art. 6(1)(b); EDPB Guidelines 2/2019, binding decision 3/2022)"
        )
    if basis == "legitimate_interests" and ai_act.get("public_body") is True:
        return say(
            "legitimate interests is not available to a public authority performing its tasks "
            "(Art. 6(1) second subparagraph)"
        )
    if basis == "consent":
        subjects = " ".join(str(s) for s in gdpr.get("data_subjects") or ())
        if ai_act.get("affects_workers") is True or _WORKERS.search(subjects):
            return say("workers' consent is not freely given (Art. 7(4), Recital 43)")
    return None


def lawful_bases(
    gdpr: Mapping[str, Any], ai_act: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The basis of each purpose, the purposes without one, those on a basis this controller
    cannot use for these people (``invalid``), and legitimate interests without assessment."""
    ai_act = ai_act or {}
    purposes = [p for p in gdpr.get("purposes") or () if isinstance(p, str)]
    listed = [b for b in gdpr.get("lawful_bases") or () if isinstance(b, Mapping)]
    by_purpose = {str(b.get("purpose")): b for b in listed}
    scalar = gdpr.get("lawful_basis")
    overall_lia = gdpr.get("legitimate_interest_assessment")
    value: list[dict[str, Any]] = []
    missing: list[str] = []
    for purpose in purposes or ([] if listed else ["every purpose"]):
        entry = by_purpose.get(purpose)
        if entry is not None:
            value.append(dict(entry))
        elif isinstance(scalar, str):
            item = {"purpose": purpose, "basis": scalar}
            if isinstance(overall_lia, str):
                item["legitimate_interest_assessment"] = overall_lia
            value.append(item)
        elif purposes:
            missing.append(purpose)
    value += [dict(b) for b in listed if str(b.get("purpose")) not in purposes]
    invalid = [
        say(
            "'{purpose}' on {basis}: {why}",
            purpose=_short(str(v["purpose"])),
            basis=v["basis"],
            why=why,
        )
        for v in value
        if (why := _unavailable_basis(v.get("basis"), gdpr, ai_act, v.get("purpose"))) is not None
    ]
    without = [
        str(v["purpose"])
        for v in value
        if v.get("basis") == "legitimate_interests"
        and _unavailable_basis(v.get("basis"), gdpr, ai_act, v.get("purpose")) is None
        and (
            not isinstance(v.get("legitimate_interest_assessment"), str)
            or is_non_answer(v["legitimate_interest_assessment"])
        )
    ]
    if missing:
        because = say("no lawful basis for {purposes}", purposes=_quoted(missing))
    elif not value:
        because = say("no lawful basis is declared (risk.gdpr.lawful_basis or lawful_bases)")
    elif invalid:
        because = joined("; ", invalid)
    elif without:
        because = say(
            "legitimate interests without an assessment for {purposes}", purposes=_quoted(without)
        )
    else:
        because = joined(
            "; ",
            (
                say("'{purpose}': {basis}", purpose=_short(str(v["purpose"])), basis=v["basis"])
                for v in value
            ),
        )
    return {
        "value": value,
        "missing": missing,
        "invalid": [str(i) for i in invalid],
        "without_assessment": without,
        **texts(because=because),
    }


def _quoted(items: Iterable[str]) -> Explanation:
    """Names the repository wrote, shortened and quoted as each language quotes."""
    return joined(", ", (say("'{text}'", text=_short(item)) for item in items))


# Art. 9(2) conditions bound to a context a commercial purpose is not in: (point, what it covers).
# What each covers is a message of the catalog (translated where it is quoted).
_ART9_CONTEXT: Final[dict[str, tuple[str, str]]] = {
    "employment_social_security": ("b", "obligations of employment and social security law"),
    "substantial_public_interest": ("g", "a substantial public interest laid down by law"),
    "health_or_social_care": ("h", "medicine, diagnosis and the provision or management of care"),
    "public_health": ("i", "public health, under Union or Member State law"),
    "archiving_research_statistics": ("j", "archiving, research or statistics (Art. 89(1))"),
}
_COMMERCIAL: Final = re.compile(
    r"\b(?:marketing|advertis\w*|offers?|cross-?sell\w*|up-?sell\w*|promotion\w*|prospect\w*"
    r"|target\w*|campaigns?|sales|pricing|loyalty|retention of customers|churn)\b",
    re.IGNORECASE,
)


def art9(gdpr: Mapping[str, Any]) -> dict[str, Any]:
    """Whether special categories rest on an Art. 9(2) condition that fits every purpose."""
    special = gdpr.get("special_categories") or {}
    if special.get("present") is not True:
        return _fact_of(True, say("no special category of personal data is processed"))
    condition = special.get("art9_condition")
    if not special.get("categories") or not isinstance(condition, str):
        return _fact_of(
            False, say("the categories and their Art. 9(2) condition must both be recorded")
        )
    bound = _ART9_CONTEXT.get(condition)
    purposes = [p for p in gdpr.get("purposes") or () if isinstance(p, str)]
    commercial = [p for p in purposes if _COMMERCIAL.search(p)]
    if bound is not None and commercial:
        point, covers = bound
        return _fact_of(
            False,
            say(
                "Art. 9(2)({point}) covers {covers}, not the commercial purpose '{purpose}'",
                point=point,
                covers=say(covers),
                purpose=_short(commercial[0]),
            ),
        )
    return _fact_of(True, say("Art. 9(2) condition {condition} recorded", condition=condition))


def _fact_of(value: Any, because: Explanation) -> dict[str, Any]:
    """A fact: its value and why, in every language aigov writes."""
    return {"value": value, **texts(because=because)}


def _short(text: str, length: int = 48) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


_UNIT_DAYS: Final[dict[str, int]] = {
    "d": 1,
    "day": 1,
    "days": 1,
    "w": 7,
    "week": 7,
    "weeks": 7,
    "m": 30,
    "month": 30,
    "months": 30,
    "y": 365,
    "yr": 365,
    "year": 365,
    "years": 365,
}


def _contract_retention(contract: Mapping[str, Any]) -> tuple[int, str] | None:
    for entry in contract.get("slaProperties") or ():
        if not isinstance(entry, Mapping) or str(entry.get("property", "")).lower() != "retention":
            continue
        value, unit = entry.get("value"), str(entry.get("unit", "d")).strip().lower()
        if isinstance(value, str):
            days = duration_days(value)
            if days is not None:
                return days, value
        if isinstance(value, int | float) and not isinstance(value, bool) and unit in _UNIT_DAYS:
            return round(value * _UNIT_DAYS[unit]), f"{value:g} {unit}"
    return None


def retention(
    gdpr: Mapping[str, Any], contracts: Sequence[Mapping[str, Any]], personal: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(``retention``, ``contract_retention``) facts."""
    periods = [p for p in gdpr.get("retention_periods") or () if isinstance(p, Mapping)]
    declared, longest = _declared_retention(gdpr, periods)
    kept_longer = _kept_longer(contracts, personal, periods, gdpr.get("retention"), longest)
    return declared, kept_longer


def _declared_retention(
    gdpr: Mapping[str, Any], periods: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``retention`` fact (a period per data category) and its longest period, if any."""
    categories = [c for c in gdpr.get("data_categories") or () if isinstance(c, str)]
    by_category = {str(p.get("data_category")): p for p in periods}
    scalar = gdpr.get("retention")
    value: list[dict[str, Any]] = []
    missing: list[str] = []
    for category in categories or ([] if periods else ["every category"]):
        entry = by_category.get(category)
        period = entry.get("period") if entry is not None else scalar
        if isinstance(period, str) and duration_days(period) is not None:
            value.append(
                {"data_category": category, "period": period, "days": duration_days(period)}
            )
        elif categories or entry is not None:
            missing.append(category)
    for p in periods:
        if str(p.get("data_category")) not in categories:
            days = duration_days(str(p.get("period")))
            if days is not None:
                value.append(
                    {"data_category": p.get("data_category"), "period": p["period"], "days": days}
                )
    longest = max(value, key=lambda v: v["days"], default=None)
    if missing:
        because = say("no retention period for {categories}", categories=_quoted(missing))
    elif not value:
        because = say("no retention period is declared (risk.gdpr.retention)")
    else:
        because = joined(
            "; ",
            (
                say(
                    "'{category}': {period}",
                    category=_short(str(v["data_category"]), 32),
                    period=v["period"],
                )
                for v in value
            ),
        )
    facts = {
        "value": value,
        "missing": missing,
        "longest_days": longest["days"] if longest else 0,
        **texts(because=because),
    }
    return facts, longest


def _kept_longer(
    contracts: Sequence[Mapping[str, Any]],
    personal: Mapping[str, Any],
    periods: Sequence[Mapping[str, Any]],
    scalar: object,
    longest: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The ``contract_retention`` fact: contracts holding personal data that keep it longer
    than the manifest's period for their category (else its single or longest period)."""
    holding = set(personal.get("contracts") or ())
    longer: list[dict[str, Any]] = []
    reasons: list[Explanation] = []
    for index, contract in enumerate(contracts):
        file = _contract_name(contract, index)
        kept = _contract_retention(contract)
        if kept is None or file not in holding:
            continue
        days, text = kept
        match = _matching_period(contract, periods)
        if match is not None:
            limit, limit_text = duration_days(str(match.get("period"))), str(match.get("period"))
            what = say("retention_periods '{category}'", category=match.get("data_category"))
        elif isinstance(scalar, str) and duration_days(scalar) is not None:
            limit, limit_text, what = duration_days(scalar), scalar, verbatim("risk.gdpr.retention")
        elif longest is not None:
            limit, limit_text = longest["days"], longest["period"]
            what = say("the longest period of risk.gdpr.retention_periods")
        else:
            continue
        if limit is not None and days > limit:
            reason = say(
                "{file} keeps data {kept} (slaProperties retention), longer than {limit} ({what})",
                file=file,
                kept=text,
                limit=limit_text,
                what=what,
            )
            reasons.append(reason)
            longer.append(
                {
                    "contract": file,
                    "contract_retention": text,
                    "manifest_retention": limit_text,
                    "field": f"contracts[{index}].slaProperties",
                    **texts(because=reason),
                }
            )
    return _fact_of(
        longer,
        joined("; ", reasons)
        if reasons
        else say("no contract keeps personal data longer than the manifest declares"),
    )


def _matching_period(
    contract: Mapping[str, Any], periods: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The retention period whose data category names the contract (its name, data product or
    one of its tables), if any."""
    names = {
        _words(str(n))
        for n in (contract.get("name"), contract.get("dataProduct"), contract.get("id"))
        if n
    }
    names |= {
        _words(str(o.get("name")))
        for o in contract.get("schema") or ()
        if isinstance(o, Mapping) and o.get("name")
    }
    for period in periods:
        category = _words(str(period.get("data_category", "")))
        if category and any(category in n or n in category for n in names if n):
            return period
    return None


# --- DPIA: the WP248 screening chain, and the DPO's advice ------------------------------------

WP248: Final[dict[str, str]] = {
    "evaluation_or_scoring": "1 evaluation or scoring",
    "automated_decision_legal_effect": "2 automated decision with legal or similar effect",
    "systematic_monitoring": "3 systematic monitoring",
    "sensitive_data": "4 sensitive or highly personal data",
    "large_scale": "5 large scale",
    "data_matching": "6 matching or combining datasets",
    "vulnerable_subjects": "7 vulnerable data subjects",
    "innovative_technology": "8 innovative technology",
    "prevents_right_or_service": "9 prevents exercising a right or using a service",
}
"""The nine criteria of WP248 rev.01 (endorsed by the EDPB), as the manifest names them."""
_CRITERIA_OF_TRIGGER: Final[dict[str, tuple[str, ...]]] = {
    "systematic_extensive_evaluation": ("evaluation_or_scoring",),
    "automated_decision_legal_effect": ("automated_decision_legal_effect",),
    "systematic_public_monitoring": ("systematic_monitoring",),
    "large_scale_special_categories": ("sensitive_data", "large_scale"),
    "large_scale": ("large_scale",),
    "data_matching": ("data_matching",),
    "vulnerable_subjects": ("vulnerable_subjects",),
    "innovative_technology": ("innovative_technology",),
}
# Annex III points that evaluate or score natural persons (WP248 criterion 1's own examples:
# credit screening, profiling of performance at work).
_SCORING_POINTS: Final = ("3(a)", "3(b)", "4(a)", "4(b)", "5(a)", "5(b)", "5(c)", "6", "7")


def _implied(manifest: Mapping[str, Any]) -> dict[str, Explanation]:
    """Criteria other declarations make met, whatever the answer says: criterion -> why."""
    risk = manifest.get("risk") or {}
    gdpr, ai_act = risk.get("gdpr") or {}, risk.get("ai_act") or {}
    dpia = gdpr.get("dpia") or {}
    implied: dict[str, Explanation] = {}
    for trigger in dpia.get("triggers") or ():
        for criterion in _CRITERIA_OF_TRIGGER.get(trigger, ()):
            implied.setdefault(criterion, say("dpia.triggers lists {trigger}", trigger=trigger))
    decision = gdpr.get("automated_decision") or {}
    if decision.get("legal_or_similar_effect") is True:
        implied.setdefault(
            "automated_decision_legal_effect",
            say("automated_decision.legal_or_similar_effect is true"),
        )
    elif art22(manifest)["value"]:
        implied.setdefault("automated_decision_legal_effect", say("solely automated, Recital 71"))
    if (gdpr.get("special_categories") or {}).get("present") is True:
        implied.setdefault("sensitive_data", say("special_categories.present is true"))
    if (gdpr.get("minors") or {}).get("present") is True:
        implied.setdefault("vulnerable_subjects", say("minors.present is true (children)"))
    point = ai_act.get("annex_iii_point")
    if isinstance(point, str) and point.startswith(_SCORING_POINTS):
        implied.setdefault(
            "evaluation_or_scoring", say("AI Act Annex III point {point}", point=point)
        )
    if (ai_act.get("art_6_3_exemption") or {}).get("performs_profiling") is True:
        implied.setdefault("evaluation_or_scoring", say("the system performs profiling"))
    return implied


def dpia(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Screened (criteria met and unanswered) -> triggered (an Art. 35(3) case, or two
    criteria) -> done (status, reference): the chain a DPIA finding states."""
    gdpr = (manifest.get("risk") or {}).get("gdpr") or {}
    record = gdpr.get("dpia") or {}
    implied = _implied(manifest)
    met, unanswered, overridden = _screening(record.get("criteria") or {}, implied)
    special = (gdpr.get("special_categories") or {}).get("present") is True
    triggers = set(record.get("triggers") or ())
    cases: list[str] = []
    if {"evaluation_or_scoring", "automated_decision_legal_effect"} <= set(met):
        cases.append("35(3)(a)")
    if "large_scale_special_categories" in triggers or (special and "large_scale" in met):
        cases.append("35(3)(b)")
    if "systematic_public_monitoring" in triggers:
        cases.append("35(3)(c)")
    required = bool(cases) or len(met) >= 2
    # Compact: a message quotes at most 200 characters of it; met_because has the detail.
    screened = (
        say("WP248 criteria met: {numbers}", numbers=", ".join(_number(c) for c in met))
        if met
        else say("WP248 criteria met: none")
    )
    if unanswered:
        screened = say(
            "{screened}; unanswered: {numbers}",
            screened=screened,
            numbers=", ".join(_number(c) for c in unanswered),
        )
    if overridden:
        screened = say(
            "{screened}; answered no but met: {criteria}",
            screened=screened,
            criteria=joined(", ", overridden),
        )
    if required:
        grounds = [verbatim(f"Art. {c}") for c in cases]
        if len(met) >= 2:
            grounds.append(say("{count} criteria", count=len(met)))
        triggered = say("required ({grounds})", grounds=joined(", ", grounds))
    elif unanswered:
        triggered = say("undecided until every criterion is answered")
    else:
        triggered = say("not required")
    done = _done(record)
    met_because = joined(
        "; ",
        (
            say("{criterion} ({why})", criterion=say(WP248[c]), why=implied[c])
            if c in implied
            else say(WP248[c])
            for c in met
        ),
    )
    return {
        "value": required,
        **texts(
            because=say(
                "screened: {screened} → triggered: {triggered} → done: {done}",
                screened=screened,
                triggered=triggered,
                done=done,
            ),
            met_because=met_because if met else say("no criterion met"),
        ),
        "met": met,
        "unanswered": unanswered,
        "cases": cases,
    }


def _screening(
    answers: Mapping[str, Any], implied: Mapping[str, Explanation]
) -> tuple[list[str], list[str], list[Explanation]]:
    """(criteria met, unanswered, answered no although the facts meet them): a criterion the
    facts imply is met whatever its answer says."""
    met: list[str] = []
    unanswered: list[str] = []
    overridden: list[Explanation] = []
    for criterion in WP248:
        answer = answers.get(criterion)
        if criterion in implied:
            met.append(criterion)
            if answer is False:
                overridden.append(
                    say("{number} ({why})", number=_number(criterion), why=implied[criterion])
                )
        elif answer is True:
            met.append(criterion)
        elif answer is None:
            unanswered.append(criterion)
    return met, unanswered, overridden


def _done(record: Mapping[str, Any]) -> Explanation:
    """The DPIA's status and reference, as the chain's last link states them."""
    status = record.get("status")
    reference = record.get("reference")
    done = say("status {status}", status=status) if isinstance(status, str) else say("no status")
    if isinstance(reference, str) and not is_non_answer(reference):
        return say("{done}, reference {reference}", done=done, reference=reference)
    return say("{done}, no reference", done=done)


def _number(criterion: str) -> str:
    return WP248[criterion].split(" ", 1)[0]


# Annex III uses whose decisions have a legal or similarly significant effect on a person
# (Recital 71's own examples: refusal of an online credit application, e-recruiting).
_SIGNIFICANT_EFFECT_POINTS: Final = ("3(a)", "4(a)", "4(b)", "5(a)", "5(b)", "5(c)")


def art22(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the system takes solely automated decisions with a legal or similarly
    significant effect (Art. 22(1)), from the declaration or from the Annex III use."""
    risk = manifest.get("risk") or {}
    decision = (risk.get("gdpr") or {}).get("automated_decision") or {}
    point = (risk.get("ai_act") or {}).get("annex_iii_point")
    if decision.get("solely_automated") is not True:
        return _fact_of(False, say("no decision is declared solely automated"))
    if decision.get("legal_or_similar_effect") is True:
        return _fact_of(True, say("declared under risk.gdpr.automated_decision"))
    if isinstance(point, str) and point.startswith(_SIGNIFICANT_EFFECT_POINTS):
        return _fact_of(
            True,
            say(
                "AI Act Annex III point {point} decisions have a similarly significant effect "
                "(Recital 71: credit refusal, e-recruiting), although legal_or_similar_effect "
                "is false",
                point=point,
            ),
        )
    return _fact_of(False, say("the solely automated decisions have no significant effect"))


_NOT_INDEPENDENT: Final = {"business_owner": "business owner", "data_science": "data scientist"}
"""Roles that are not independent of the project, as a sentence names them (catalog messages)."""


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def dpo_advice(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Whether the DPIA's advice was given by the DPO (Art. 35(2)), not by the project."""
    metadata = manifest.get("metadata") or {}
    gdpr = (manifest.get("risk") or {}).get("gdpr") or {}
    record = gdpr.get("dpia") or {}
    advice = record.get("dpo_advice")
    if not isinstance(advice, Mapping):
        note = (
            say(
                "dpia.dpo_consulted is true but no dpia.dpo_advice says who gave the advice "
                "and when"
            )
            if record.get("dpo_consulted") is True
            else say("no dpia.dpo_advice records the DPO's advice")
        )
        return _fact_of(False, note)
    who = str(advice.get("given_by", ""))
    stakeholders = [s for s in metadata.get("stakeholders") or () if isinstance(s, Mapping)]
    roles = {str(s.get("role")) for s in stakeholders if _same_person(str(s.get("name", "")), who)}
    conflicts = [say(_NOT_INDEPENDENT[r]) for r in sorted(roles) if r in _NOT_INDEPENDENT]
    if isinstance(metadata.get("owner"), str) and _same_person(metadata["owner"], who):
        conflicts.insert(0, say("the project's owner (metadata.owner)"))
    if conflicts:
        what = conflicts[0]
        for more in conflicts[1:]:
            what = say("{one} and {other}", one=what, other=more)
        return _fact_of(
            False,
            say(
                "the advice was given by {who}, who is {what} of the project, not its DPO",
                who=who,
                what=what,
            ),
        )
    if "data_protection_officer" not in roles:
        return _fact_of(
            False,
            say(
                "the advice was given by {who}, who is not a stakeholder with role "
                "data_protection_officer",
                who=who,
            ),
        )
    given, concluded = _day(advice.get("date")), _day(record.get("completed_on"))
    if given is not None and concluded is not None and given > concluded:
        return _fact_of(
            False,
            say(
                "the DPO's advice is dated {date}, after the DPIA was concluded on {completed}: "
                "Art. 35(2) asks for it while the DPIA is carried out",
                date=given.isoformat(),
                completed=concluded.isoformat(),
            ),
        )
    return _fact_of(
        True, say("advice given by the DPO {who} on {date}", who=who, date=advice.get("date"))
    )


def _day(value: Any) -> dt.date | None:
    """A date the manifest wrote (a YAML date, dumped as ISO text), or None."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def processors(gdpr: Mapping[str, Any]) -> dict[str, Any]:
    """Processors without an Art. 28(3) contract reference (absent or a non-answer)."""
    without = [
        str(p.get("name"))
        for p in gdpr.get("processors") or ()
        if isinstance(p, Mapping)
        and (not isinstance(p.get("art28_contract"), str) or is_non_answer(p["art28_contract"]))
    ]
    because = (
        say("no Art. 28(3) contract reference for processor(s) {names}", names=", ".join(without))
        if without
        else say("every processor has an Art. 28(3) contract reference")
    )
    return _fact_of(without, because)


# --- information per source, non-answers ------------------------------------------------------


def information(gdpr: Mapping[str, Any]) -> dict[str, Any]:
    """Art. 13 (collected from the data subject) and Art. 14 (obtained elsewhere) information,
    per source: a notice, or an exception the article allows."""
    entries = [i for i in gdpr.get("information") or () if isinstance(i, Mapping)]
    notice = gdpr.get("information_notice")
    gaps: list[Explanation] = []
    for position, entry in enumerate(entries):
        source = entry.get("source")
        article = "Art. 13" if source == "data_subject" else "Art. 14"
        categories = ", ".join(entry.get("data_categories") or ())
        what = verbatim(categories) if categories else say("source #{number}", number=position + 1)
        has_notice = isinstance(entry.get("notice"), str) and not is_non_answer(entry["notice"])
        exception = entry.get("art14_5_exception")
        if has_notice:
            continue
        if exception is None:
            gaps.append(
                say(
                    "{what} ({source}): no notice ({article}) and no exception",
                    what=what,
                    source=source,
                    article=article,
                )
            )
        elif source == "data_subject" and exception != "already_informed":
            gaps.append(
                say(
                    "{what} (collected from the data subject): Art. 14(5) exception {exception} "
                    "does not apply to Art. 13 (only Art. 13(4), already_informed)",
                    what=what,
                    exception=exception,
                )
            )
        elif exception == "impossible_or_disproportionate" and (
            not isinstance(entry.get("public_information"), str)
            or is_non_answer(entry["public_information"])
        ):
            gaps.append(
                say(
                    "{what}: Art. 14(5)(b) needs the information made publicly available "
                    "(public_information)",
                    what=what,
                )
            )
    if not entries and (not isinstance(notice, str) or is_non_answer(notice)):
        gaps.append(
            say("no information notice (risk.gdpr.information_notice)")
            if not isinstance(notice, str)
            else say(
                "risk.gdpr.information_notice says '{notice}', not a notice",
                notice=notice.strip(),
            )
        )
    because = joined("; ", gaps) if gaps else say("data subjects are informed for every source")
    return {"value": not gaps, "gaps": [str(g) for g in gaps], **texts(because=because)}


# Fields meant to record a measure or a reference (paths under risk.gdpr).
_RECORDING_FIELDS: Final = (
    ("minimisation",),
    ("legitimate_interest_assessment",),
    ("retention_rationale",),
    ("information_notice",),
    ("record_of_processing",),
    ("dpia", "reference"),
    ("dpia", "dpo_advice", "reference"),
    ("automated_decision", "human_review_channel"),
    ("automated_decision", "contest_procedure"),
    ("erasure", "procedure"),
    ("minors", "age_verification"),
)
_RECORDING_LISTS: Final = (
    ("purposes", None),
    ("security_measures", None),
    ("transfers", "reference"),
    ("processors", "art28_contract"),
    ("lawful_bases", "legitimate_interest_assessment"),
    ("information", "notice"),
)


def non_answers(gdpr: Mapping[str, Any]) -> dict[str, Any]:
    found: list[str] = []
    for path in _RECORDING_FIELDS:
        value: Any = gdpr
        for step in path:
            value = value.get(step) if isinstance(value, Mapping) else None
        if is_non_answer(value):
            found.append(".".join(path))
    for name, key in _RECORDING_LISTS:
        for position, item in enumerate(gdpr.get(name) or ()):
            value = item if key is None else (item.get(key) if isinstance(item, Mapping) else None)
            if is_non_answer(value):
                found.append(f"{name}[{position}]" + (f".{key}" if key else ""))
    for position, item in enumerate((gdpr.get("privacy_by_design") or {}).get("measures") or ()):
        if is_non_answer(item):
            found.append(f"privacy_by_design.measures[{position}]")
    because = (
        say(
            "{fields} record no measure or reference (text such as 'none', 'n/a', 'tbd')",
            fields="; ".join(f"risk.gdpr.{path}" for path in found),
        )
        if found
        else say("every recorded measure and reference is an actual one")
    )
    return _fact_of(found, because)


def derive(context: Mapping[str, Any]) -> dict[str, Any]:
    """``derived.gdpr``: every fact above, from the context's ``manifest`` and ``contracts``."""
    manifest = context.get("manifest") or {}
    contracts = [c for c in context.get("contracts") or () if isinstance(c, Mapping)]
    gdpr = (manifest.get("risk") or {}).get("gdpr") or {}
    personal = contract_personal_data(contracts)
    kept, contract_kept = retention(gdpr, contracts, personal)
    return {
        "contract_personal_data": personal,
        "undeclared_transfers": undeclared_transfers(gdpr, contracts, personal),
        "lawful_bases": lawful_bases(gdpr, (manifest.get("risk") or {}).get("ai_act") or {}),
        "retention": kept,
        "contract_retention": contract_kept,
        "dpia": dpia(manifest),
        "dpo_advice": dpo_advice(manifest),
        "art22": art22(manifest),
        "art9": art9(gdpr),
        "processors": processors(gdpr),
        "information": information(gdpr),
        "non_answers": non_answers(gdpr),
    }


def _fact(value: Mapping[str, Any], **more: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of a fact: ``value``, ``because`` (and its ``translations``) and its own
    extra keys."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["value", "because"],
        "properties": {
            "value": value,
            "because": {"type": "string"},
            TRANSLATIONS_KEY: TRANSLATIONS_SCHEMA,
            **more,
        },
    }


_STRINGS: Final = {"type": "array", "items": {"type": "string"}}


def _rows(*keys: str, numbers: tuple[str, ...] = ()) -> dict[str, Any]:
    properties = {k: {"type": "string"} for k in keys} | {k: {"type": "integer"} for k in numbers}
    if "because" in keys:
        properties[TRANSLATIONS_KEY] = TRANSLATIONS_SCHEMA
    return {
        "type": "array",
        "items": {"type": "object", "additionalProperties": False, "properties": properties},
    }


SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "contract_personal_data": _fact(
            {"type": "boolean"},
            columns=_rows("contract", "column", "reason", "field"),
            contracts=_STRINGS,
        ),
        "undeclared_transfers": _fact(_rows("country", "where", "field")),
        "lawful_bases": _fact(
            _rows("purpose", "basis", "legitimate_interest_assessment"),
            missing=_STRINGS,
            invalid=_STRINGS,
            without_assessment=_STRINGS,
        ),
        "retention": _fact(
            _rows("data_category", "period", numbers=("days",)),
            missing=_STRINGS,
            longest_days={"type": "integer"},
        ),
        "contract_retention": _fact(
            _rows("contract", "contract_retention", "manifest_retention", "field", "because")
        ),
        "dpia": _fact(
            {"type": "boolean"},
            met=_STRINGS,
            unanswered=_STRINGS,
            cases=_STRINGS,
            met_because={"type": "string"},
        ),
        "processors": _fact(_STRINGS),
        "art22": _fact({"type": "boolean"}),
        "art9": _fact({"type": "boolean"}),
        "dpo_advice": _fact({"type": "boolean"}),
        "information": _fact({"type": "boolean"}, gaps=_STRINGS),
        "non_answers": _fact(_STRINGS),
    },
}
"""The JSON Schema of ``derived.gdpr`` (rules are type-checked against it)."""
