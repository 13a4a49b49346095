"""Policy sources: where packs and the org config come from, assembled into a ``PolicySet``.

A source is one of:

- the built-in packs (``builtin``, the default): ``policies/`` of a checkout, or the copy inside
  the wheel;
- a folder: ``aigov-org.yaml`` at its root (optional) and one sub-folder per pack (a folder that
  holds ``pack.yaml`` itself is a single pack);
- a git repository at a pinned ref, read without a checkout: ``git+file:///path/to/repo@REF``, or
  a local repository path together with ``ref=``;
- a remote git repository at a pinned ref (``https://host/org/policies.git@v2.3.0``,
  ``ssh://…@REF``, ``git@host:path@REF``, optionally ``#sha256:DIGEST``), fetched into the
  user's cache by :mod:`aigov.policy.remote`; the digest, when given, must equal the
  :func:`source_digest` of the files read.

Which packs are evaluated: those the org config lists (each looked up in the source, then among
the built-in packs, and checked against its version constraint); when it lists none, every pack
of the source, or the built-in packs if the source holds none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aigov.documents.files import decode_text
from aigov.documents.problems import DocumentError, Location, Problem
from aigov.documents.safe_yaml import parse_yaml
from aigov.documents.validation import validate_document
from aigov.policy.cache import PackCache, shipped_pack
from aigov.policy.findings import RuleTuningApplied
from aigov.policy.folders import (
    ALLOWED_SIGNERS_FILE,
    BUILTIN,
    BUILTIN_SHOWN,
    builtin_pack_files,
    is_policy_file,
    not_regular,
    read_builtin_folder,
    read_folder,
    split_packs,
)
from aigov.policy.org import ORG_FILE, OrgConfig
from aigov.policy.pack import (
    PACK_FILE,
    LoadedPack,
    PolicyLoadError,
    PolicyRule,
    is_pack_file,
    load_pack,
    pack_digest,
    reads_path,
)
from aigov.policy.remote import RemoteSourceError, RemoteSpec, is_remote, parse_remote
from aigov.policy.semver import Version
from aigov.policy.tuning import tune_rules

SourceKind = Literal["builtin", "folder", "git", "remote"]


@dataclass(frozen=True)
class PolicySource:
    """Where to read packs from; build it with :func:`parse_policy_source`."""

    kind: SourceKind
    location: str = ""
    ref: str | None = None
    remote: RemoteSpec | None = None
    """The remote repository, ref and pinned digest (``kind == "remote"``)."""

    def __str__(self) -> str:
        if self.kind == "builtin":
            return BUILTIN
        if self.remote is not None:
            pin = f"#{self.remote.digest}" if self.remote.digest else ""
            return f"{self.location}@{self.ref}{pin}"
        if self.kind == "git":
            return f"git+file://{Path(self.location).resolve().as_posix()}@{self.ref}"
        return self.location


def parse_policy_source(text: str | None, *, ref: str | None = None) -> PolicySource:
    """``None``/``builtin``, a folder, ``git+file:///repo@REF``, or a repository path + ``ref``."""
    if text is None or text == BUILTIN:
        if ref is not None:
            raise ValueError("a ref only applies to a git policy source")
        return PolicySource("builtin")
    if is_remote(text):
        try:
            spec = parse_remote(text, ref)
        except RemoteSourceError as exc:
            raise ValueError(str(exc)) from exc
        return PolicySource("remote", spec.location.url, spec.ref, spec)
    if text.startswith("git+"):
        rest = text[len("git+") :]
        if not rest.startswith("file://"):
            raise ValueError(
                f"'{text}': a git source is git+file:///path@REF, https://host/path@REF, "
                "ssh://host/path@REF or user@host:path@REF"
            )
        path, at, pinned = rest[len("file://") :].rpartition("@")
        if not at or not pinned:
            path, pinned = rest[len("file://") :], ref or ""
        if not pinned:
            raise ValueError(f"'{text}': pin the ref, e.g. git+file:///path/to/policies@v1.2.0")
        return PolicySource("git", path, pinned)
    if ref is not None:
        return PolicySource("git", text, ref)
    return PolicySource("folder", text)


@dataclass(frozen=True, eq=False)
class PolicySet:
    """The packs and org config one evaluation uses, with every rule's effective date resolved."""

    org: OrgConfig
    packs: tuple[LoadedPack, ...]
    rules: tuple[PolicyRule, ...]
    effective_dates: Mapping[str, dt.date | None]
    """Rule id -> the date it starts to apply (named dates resolved, org overrides applied)."""
    origin: str
    org_file: str | None = None
    allowed_signers: bytes | None = None
    """The policy source's ``allowed_signers`` file (git's SSH format): the keys whose signed
    commits attest governance records (see :mod:`aigov.attestation`)."""
    tuning: tuple[RuleTuningApplied, ...] = ()
    """The organisation's changes to the rules (``rules`` holds the enabled ones, tuned)."""

    def turned_off(self, rule_id: str) -> bool:
        """Whether the organisation turned the rule off (``enabled: false``)."""
        return any(t.rule_id == rule_id and not t.enabled for t in self.tuning)

    def rule(self, rule_id: str) -> PolicyRule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    def pack(self, name: str) -> LoadedPack | None:
        return next((pack for pack in self.packs if pack.name == name), None)

    def evidence_needed(self, stages: Iterable[str]) -> frozenset[str]:
        """Evidence sources (``mlflow``, ``git``…) that the rules applying at ``stages`` read."""
        wanted = set(stages)
        return frozenset(
            source for rule in self.rules if wanted & rule.stages for source in rule.evidence
        )

    def reads(self, stages: Iterable[str], root: str, path: Sequence[str]) -> bool:
        """Whether a rule applying at ``stages`` may read ``root`` at ``path``
        (:func:`~aigov.policy.pack.reads_path`); only rules that read the path's source are
        looked at, so this costs nothing on a run where none does."""
        wanted = set(stages)
        return any(
            reads_path(rule.rule, root, path)
            for rule in self.rules
            if wanted & rule.stages and (root != "evidence" or path[0] in rule.evidence)
        )


def load_policy_set(
    source: PolicySource | None = None, *, cache: PackCache | None = None
) -> PolicySet:
    """Load the packs and org config of ``source`` (default: the built-in packs).

    With a ``cache`` (:mod:`aigov.policy.cache`), a pack whose files are byte for byte those of
    an earlier successful load is read from its cache entry instead of being parsed again.
    Raises :class:`PolicyLoadError` with every problem found, or ``ValueError`` when the source
    itself cannot be read (no such folder, not a git repository, unknown ref).
    """
    source = source or PolicySource("builtin")
    if source.kind == "builtin":
        return _assemble(
            read_builtin_folder(),
            BUILTIN_SHOWN,
            BUILTIN,
            is_builtin=True,
            cache=cache,
        )
    if source.kind == "folder":
        folder = Path(source.location)
        if not folder.is_dir():
            raise ValueError(f"policy source '{source.location}' is not a folder")
        shown = source.location.rstrip("/")
        return _assemble(read_folder(folder, shown), shown, str(source), cache=cache)
    if source.remote is not None:
        return _load_remote(source.remote, cache)
    assert source.ref is not None
    return load_policy_set_at_ref(Path(source.location), source.ref, cache=cache)


def load_policy_set_at_ref(
    repository: Path, ref: str, folder: str = "", *, cache: PackCache | None = None
) -> PolicySet:
    """The policy source in ``folder`` (relative to the root of the git ``repository``, default:
    the root) as committed at ``ref``, read from git objects without a checkout.

    ``aigov check --base REF`` reads a policy folder that lives inside the checked repository
    this way, so that a pull request cannot change the policy that judges it. A folder absent at
    ``ref`` yields the built-in packs and the default org config.
    """
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    location = repository.as_posix().rstrip("/") + (f"/{prefix.rstrip('/')}" if prefix else "")
    files, commit = _git_files(repository, ref, prefix, f"{location}@{ref}")
    origin = f"git+file://{repository.resolve().as_posix()}@{commit}"
    if prefix:
        origin += f"#{prefix.rstrip('/')}"
    return _assemble(files, f"{location}@{ref}", origin, cache=cache)


def source_digest(files: Mapping[str, bytes]) -> str:
    """sha256 over every file of a policy source (org config, allowed signers, packs), computed
    as a pack's digest is: what a remote source's ``#sha256:…`` pin must equal."""
    return pack_digest(files)


def _git_files(repository: Path, ref: str, prefix: str, shown: str) -> tuple[dict[str, bytes], str]:
    """The policy files under ``prefix`` at ``ref`` (relative to it) and the commit's sha."""
    from aigov.policy.git_tree import GitTreeError, read_tree

    try:
        tree = read_tree(
            repository,
            ref,
            lambda path: path.startswith(prefix) and is_policy_file(path[len(prefix) :]),
        )
    except GitTreeError as exc:
        raise ValueError(str(exc)) from exc
    if tree.links:
        raise PolicyLoadError(
            [
                not_regular(Location(f"{shown}/{path[len(prefix) :]}"), "a symbolic link")
                for path in tree.links
            ]
        )
    return {path[len(prefix) :]: content for path, content in tree.files.items()}, tree.commit


def _load_remote(spec: RemoteSpec, cache: PackCache | None) -> PolicySet:
    """A remote source: fetched into the user's cache (a temporary folder without one)."""
    from aigov.policy.cache import cache_root

    try:
        root = cache_root()
    except RuntimeError:  # no home directory to put it in
        root = None
    if root is not None:
        return _read_remote(spec, root / "sources", cache)
    with tempfile.TemporaryDirectory(prefix="aigov-policies-") as folder:
        return _read_remote(spec, Path(folder), cache)


def _read_remote(spec: RemoteSpec, directory: Path, cache: PackCache | None) -> PolicySet:
    from aigov.policy.remote import fetch_ref

    try:
        fetched = fetch_ref(spec, directory)
    except RemoteSourceError as exc:
        raise ValueError(str(exc)) from exc
    shown = f"{spec.location.url}@{spec.ref}"
    files, commit = _git_files(fetched.repository, fetched.commit, "", shown)
    digest = source_digest(files)
    if spec.digest is not None and digest != spec.digest:
        raise ValueError(
            f"{shown}: the policy files hash to {digest}, not to the pinned {spec.digest} "
            f"(commit {commit}): the source changed since it was pinned"
        )
    at = "" if fetched.kind == "commit" else f"{fetched.kind} at commit {commit}, "
    origin = f"{shown} ({at}{digest}{' pinned' if spec.digest else ''})"
    if fetched.kind == "branch" and spec.digest is None:
        origin += " - a moving ref, not pinned by a digest"
    return _assemble(files, shown, origin, cache=cache)


def load_pack_folders(folders: Sequence[Path], org: OrgConfig | None = None) -> PolicySet:
    """A policy set of the packs in ``folders`` (each a pack, or a folder of packs)."""
    packs: list[LoadedPack] = []
    problems: list[Problem] = []
    for folder in folders:
        if not folder.is_dir():
            raise ValueError(f"'{folder}' is not a folder")
        folder_shown = str(folder).rstrip("/")
        files = read_folder(folder, folder_shown)
        for pack_files, shown in split_packs(files, folder_shown):
            try:
                packs.append(load_pack(pack_files, origin=str(folder), shown_as=shown))
            except PolicyLoadError as exc:
                problems.extend(exc.problems)
    if not packs and not problems:
        shown = ", ".join(str(f) for f in folders)
        raise ValueError(f"no policy pack ({PACK_FILE}) found in {shown}")
    return build_policy_set(packs, org or OrgConfig.default(), "folders", problems=problems)


def build_policy_set(
    packs: Sequence[LoadedPack],
    org: OrgConfig,
    origin: str,
    *,
    org_file: str | None = None,
    org_positions: Mapping[tuple[str | int, ...], Location] | None = None,
    problems: list[Problem] | None = None,
) -> PolicySet:
    """Check packs together (unique names and rule ids, org date names) and resolve dates."""
    problems = list(problems or [])
    org_where = org_positions or {}

    def at(*path: str | int) -> Location:
        for end in range(len(path), -1, -1):
            if path[:end] in org_where:
                return org_where[path[:end]]
        return Location(org_file or ORG_FILE, 1, 1)

    names: dict[str, LoadedPack] = {}
    rules: list[PolicyRule] = []
    first: dict[str, PolicyRule] = {}
    for pack in packs:
        if pack.name in names:
            problems.append(
                Problem(
                    pack.positions.get(("name",), Location(pack.pack_file)),
                    "pack.duplicate-name",
                    f"pack '{pack.name}' is also loaded from {names[pack.name].pack_file}",
                    field="name",
                )
            )
            continue
        names[pack.name] = pack
        for rule in pack.rules:
            if rule.id in first:
                problems.append(
                    Problem(
                        rule.location,
                        "rule.duplicate-id",
                        f"rule id '{rule.id}' is already used by pack '{first[rule.id].pack}' "
                        f"at {first[rule.id].location}",
                        field="id",
                    )
                )
                continue
            first[rule.id] = rule
            rules.append(rule)
    known_dates = {name for pack in packs for name in pack.pack.dates}
    for name in org.dates:
        if name not in known_dates:
            problems.append(
                Problem(
                    at("dates", name),
                    "org.unknown-date",
                    f"'{name}' is not a named date of any pack evaluated",
                    field=f"dates.{name}",
                    hint="named dates: " + (", ".join(sorted(known_dates)) or "none"),
                )
            )
    tuned = tune_rules(rules, org, at)
    problems += tuned.problems
    if problems:
        raise PolicyLoadError(problems)
    return PolicySet(
        org,
        tuple(names.values()),
        tuned.rules,
        _effective_dates(names.values(), org),
        origin,
        org_file,
        tuning=tuned.applied,
    )


def _effective_dates(packs: Iterable[LoadedPack], org: OrgConfig) -> dict[str, dt.date | None]:
    """Rule id -> the date it starts to apply: a named date of its pack (moved by the org's
    ``dates``) or the date written; None when the rule always applies."""
    effective: dict[str, dt.date | None] = {}
    for pack in packs:
        dates = {**pack.pack.dates, **{k: v for k, v in org.dates.items() if k in pack.pack.dates}}
        for rule in pack.rules:
            written = rule.rule.effective_from
            effective[rule.id] = (
                None
                if written is None
                else dates[written]
                if written in dates
                else dt.date.fromisoformat(written)
            )
    return effective


# --------------------------------------------------------------------------------------------


def _load_pack(
    files: Mapping[str, bytes], *, origin: str, shown_as: str, cache: PackCache | None
) -> LoadedPack:
    """:func:`load_pack`, through the pack cache when there is one."""
    if cache is None:
        return load_pack(files, origin=origin, shown_as=shown_as)
    digest = pack_digest({p: c for p, c in files.items() if is_pack_file(p)})
    shipped = shipped_pack(digest, origin, shown_as)
    if shipped is not None:
        return shipped
    key = cache.key(digest, origin, shown_as)
    pack = cache.load(key)
    if pack is None:
        pack = load_pack(files, origin=origin, shown_as=shown_as)  # raises on any problem
        cache.store(key, pack)
    return pack


def _read_org(
    files: Mapping[str, bytes], org_file: str | None, problems: list[Problem]
) -> tuple[OrgConfig, dict[tuple[str | int, ...], Location]]:
    """The org config of a source (the default one without ``org_file``) and its positions;
    its problems are added to ``problems``."""
    org = OrgConfig.default()
    if org_file is None:
        return org, {}
    try:
        document = parse_yaml(decode_text(files[ORG_FILE], org_file), org_file)
        problems.extend(document.problems)
        if not isinstance(document.data, dict):
            raise DocumentError(
                Problem(document.locate(()), "yaml.not-mapping", "expected a mapping")
            )
        validated, errors = validate_document(OrgConfig, document)
        problems.extend(errors)
        positions = {path: document.locate(path) for path in document.positions}
    except DocumentError as exc:
        problems.append(exc.problem)
        return org, {}
    return validated if validated is not None else org, positions


def _assemble(
    files: Mapping[str, bytes],
    shown: str,
    origin: str,
    *,
    is_builtin: bool = False,
    cache: PackCache | None = None,
) -> PolicySet:
    problems: list[Problem] = []
    org_file = f"{shown}/{ORG_FILE}" if ORG_FILE in files else None
    org, org_positions = _read_org(files, org_file, problems)
    available: dict[str, LoadedPack] = {}
    for pack_files, pack_shown in split_packs(files, shown):
        try:
            pack = _load_pack(pack_files, origin=origin, shown_as=pack_shown, cache=cache)
        except PolicyLoadError as exc:
            problems.extend(exc.problems)
            continue
        available.setdefault(pack.name, pack)
    if problems:
        raise PolicyLoadError(problems)
    selected: list[LoadedPack]
    if org.packs:
        selected = []
        builtin: dict[str, LoadedPack] | None = None
        for index, pin in enumerate(org.packs):
            where = org_positions.get(("packs", index), Location(org_file or ORG_FILE))
            pack_or_none = available.get(pin.name)
            if pack_or_none is None and not is_builtin:
                builtin = builtin if builtin is not None else _builtin_packs(cache)
                pack_or_none = builtin.get(pin.name)
            if pack_or_none is None:
                problems.append(
                    Problem(
                        where,
                        "org.unknown-pack",
                        f"pack '{pin.name}' is in neither {shown} nor the built-in packs",
                        field=f"packs[{index}].name",
                    )
                )
                continue
            if not pin.constraint.allows(Version.parse(pack_or_none.version)):
                problems.append(
                    Problem(
                        org_positions.get(("packs", index, "version"), where),
                        "org.pack-version",
                        f"pack '{pin.name}' is version {pack_or_none.version}, which does not "
                        f"satisfy '{pin.version}'",
                        field=f"packs[{index}].version",
                        hint=f"loaded from {pack_or_none.pack_file}",
                    )
                )
                continue
            selected.append(pack_or_none)
    elif available:
        selected = list(available.values())
    elif is_builtin:
        selected = []
    else:
        selected = list(_builtin_packs(cache).values())
    if problems:
        raise PolicyLoadError(problems)
    policy_set = build_policy_set(
        selected, org, origin, org_file=org_file, org_positions=org_positions
    )
    return dataclasses.replace(policy_set, allowed_signers=files.get(ALLOWED_SIGNERS_FILE))


def _builtin_packs(cache: PackCache | None = None) -> dict[str, LoadedPack]:
    packs: dict[str, LoadedPack] = {}
    for pack_files, shown in builtin_pack_files():
        pack = _load_pack(pack_files, origin=BUILTIN, shown_as=shown, cache=cache)
        packs[pack.name] = pack
    return packs
