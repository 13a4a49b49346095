"""A content-addressed cache of loaded policy packs, so a run skips re-parsing unchanged packs.

Loading a pack from source parses its YAML with positions, validates every rule with pydantic
and compiles every CEL expression (a syntax error is a load problem). That is most of a check's
cold time, and packs rarely change between two runs. An entry is written only after such a full,
successful load, and holds the validated pack as JSON: no code, no pickle.

The key is a sha256 over the cache format, aigov's version, a stamp of the loading code (size and
mtime of the modules that parse and validate packs, so an edited checkout never reads entries
written by other code), the pack's origin and displayed name (they are part of the locations
stored) and the pack digest, which covers every byte of every pack file: a changed or tampered
policy file never hits an entry written for other bytes.

Where: ``$AIGOV_CACHE_DIR``, else ``$XDG_CACHE_HOME/aigov``, else ``~/.cache/aigov``; never
inside the checked repository (the cache is then not used). ``AIGOV_NO_CACHE=1`` (or ``aigov
check --no-cache``) turns it off. Writes are atomic (a temporary file renamed into place); an
entry that cannot be read, is corrupt, or was written for another key is ignored and rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from aigov import __version__
from aigov.documents.problems import Location
from aigov.policy.pack import (
    Applies,
    ChangelogEntry,
    Fixtures,
    LoadedPack,
    PackSourceInfo,
    PolicyPack,
    PolicyRule,
    Rule,
)

CACHE_FORMAT: Final = 1
DISABLE_VARIABLE: Final = "AIGOV_NO_CACHE"
DIRECTORY_VARIABLE: Final = "AIGOV_CACHE_DIR"

_MODELS: Final[dict[str, type[BaseModel]]] = {
    model.__name__: model
    for model in (Rule, Applies, Fixtures, PolicyPack, PackSourceInfo, ChangelogEntry)
}
# The modules whose code decides what a loaded pack holds.
_LOADING_CODE: Final = (
    "policy/pack.py",
    "policy/cache.py",
    "policy/expressions.py",
    "documents/safe_yaml.py",
    "documents/validation.py",
    "documents/types.py",
    "documents/problems.py",
)


def cache_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """Where pack cache entries live, or None when the cache is turned off."""
    env = os.environ if environ is None else environ
    if env.get(DISABLE_VARIABLE, "").strip().lower() in ("1", "true", "yes"):
        return None
    if env.get(DIRECTORY_VARIABLE):
        return Path(env[DIRECTORY_VARIABLE]) / "packs"
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "aigov" / "packs"


def default_cache(*, outside: Path | None = None) -> PackCache | None:
    """The user's pack cache, or None when turned off or when it would lie inside ``outside``
    (the checked repository: a run never writes into the repository it judges)."""
    try:
        directory = cache_directory()
    except RuntimeError:  # no home directory to put it in
        return None
    if directory is None:
        return None
    if outside is not None:
        try:
            directory.resolve().relative_to(outside.resolve())
            return None
        except ValueError:
            pass
    return PackCache(directory)


def _code_stamp() -> str:
    package = Path(__file__).resolve().parent.parent
    parts = []
    for name in _LOADING_CODE:
        try:
            info = os.stat(package / name)
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return ";".join(parts)


class PackCache:
    """Pack cache entries in one folder, one JSON file per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._stamp: str | None = None

    def key(self, digest: str, origin: str, shown_as: str) -> str:
        """The entry key of a pack: every input that changes what loading it gives."""
        if self._stamp is None:
            self._stamp = _code_stamp()
        text = "\0".join((str(CACHE_FORMAT), __version__, self._stamp, origin, shown_as, digest))
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> LoadedPack | None:
        """The pack stored under ``key``, or None (absent, unreadable, corrupt, other key)."""
        try:
            entry = _loads(self._path(key).read_bytes())
            if not isinstance(entry, dict) or entry.get("key") != key:
                return None
            return _decode_pack(entry["pack"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None

    def store(self, key: str, pack: LoadedPack) -> None:
        """Write ``pack`` under ``key`` atomically; a pack that does not round-trip exactly
        (or a folder that cannot be written) is simply not cached."""
        try:
            encoded = _encode_pack(pack)
            text = json.dumps({"key": key, "pack": encoded}, separators=(",", ":"))
            if not _same_pack(_decode_pack(_loads(text)["pack"]), pack):
                return
            import tempfile  # only on a miss

            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(text)
                os.replace(temporary, self._path(key))
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except (OSError, ValueError, TypeError):
            return


# --- JSON encoding: tagged so that every value comes back with its type ------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, BaseModel):
        name = type(value).__name__
        if _MODELS.get(name) is not type(value):
            raise TypeError(f"cannot cache a {name}")
        return {
            "$model": name,
            "set": sorted(value.model_fields_set),
            "values": {f: _encode(getattr(value, f)) for f in type(value).model_fields},
        }
    if isinstance(value, dt.datetime):
        raise TypeError("cannot cache a datetime")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {"$items": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    """``json.loads`` object hook: called bottom-up on every JSON object, so nested values are
    decoded already and plain lists and scalars cost nothing."""
    if "$model" in value:
        model = _MODELS[value["$model"]]
        return model.model_construct(set(value["set"]), **value["values"])
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$items" in value:
        return {key: item for key, item in value["$items"]}
    return value


def _loads(text: str | bytes) -> Any:
    return json.loads(text, object_hook=_decode)


def _location(location: Location) -> list[Any]:
    return [location.file, location.line, location.column]


def _encode_pack(pack: LoadedPack) -> dict[str, Any]:
    return {
        "pack": _encode(pack.pack),
        "digest": pack.digest,
        "origin": pack.origin,
        "pack_file": pack.pack_file,
        "positions": [[list(path), *_location(at)] for path, at in pack.positions.items()],
        "rules": [
            {
                "rule": _encode(rule.rule),
                "pack": rule.pack,
                "location": _location(rule.location),
                "evidence": sorted(rule.evidence),
                "stages": sorted(rule.stages),
                "locate": rule.locate,
            }
            for rule in pack.rules
        ],
    }


def _decode_pack(data: dict[str, Any]) -> LoadedPack:
    pack = data["pack"]
    if not isinstance(pack, PolicyPack):
        raise TypeError("not a pack entry")
    rules = []
    for item in data["rules"]:
        rule = item["rule"]
        if not isinstance(rule, Rule):
            raise TypeError("not a rule entry")
        rules.append(
            PolicyRule(
                rule=rule,
                pack=str(item["pack"]),
                location=Location(*item["location"]),
                evidence=frozenset(item["evidence"]),
                stages=frozenset(item["stages"]),
                locate=item["locate"],
            )
        )
    positions = {
        tuple(path): Location(file, line, column) for path, file, line, column in data["positions"]
    }
    return LoadedPack(
        pack,
        tuple(rules),
        str(data["digest"]),
        str(data["origin"]),
        str(data["pack_file"]),
        positions,
    )


def _same_pack(a: LoadedPack, b: LoadedPack) -> bool:
    def rule_view(rule: PolicyRule) -> tuple[Any, ...]:
        return (
            rule.rule,
            rule.rule.model_fields_set,
            rule.rule.model_dump(),
            rule.pack,
            rule.location,
            rule.evidence,
            rule.stages,
            rule.locate,
        )

    return (
        a.pack == b.pack
        and a.pack.model_dump() == b.pack.model_dump()
        and (a.digest, a.origin, a.pack_file) == (b.digest, b.origin, b.pack_file)
        and dict(a.positions) == dict(b.positions)
        and [rule_view(r) for r in a.rules] == [rule_view(r) for r in b.rules]
    )
