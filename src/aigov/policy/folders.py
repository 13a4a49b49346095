"""The files of a policy source: which paths belong to it, reading them from a folder, and
splitting them into packs.

Shared by :mod:`aigov.policy.sources` (assembling policy sets) and :mod:`aigov.policy.cache`
(rendering the built-in packs' shipped entries), which therefore need not import each other.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from aigov._resources import builtin_policies
from aigov.documents.files import MAX_FILE_BYTES
from aigov.documents.problems import Location, Problem
from aigov.policy.org import ORG_FILE
from aigov.policy.pack import PACK_FILE, PolicyLoadError, is_pack_file
from aigov.policy.translations import LOCALES_FOLDER

BUILTIN: Final = "builtin"
"""The source and origin name of the packs shipped with aigov."""
BUILTIN_SHOWN: Final = "policies"
"""How the built-in packs' files are named in problems and locations."""
ALLOWED_SIGNERS_FILE: Final = "allowed_signers"
"""At the root of a policy source: the SSH keys whose signed commits attest records."""


def is_policy_file(path: str) -> bool:
    """Whether ``path`` (relative to a policy source) is one of its files."""
    if path in (ORG_FILE, ALLOWED_SIGNERS_FILE) or is_pack_file(path):
        return True
    folder, _, rest = path.partition("/")
    return bool(folder) and not folder.startswith(".") and is_pack_file(rest)


def read_folder(root: Path, shown: str) -> dict[str, bytes]:
    """The policy files under ``root``: org config, packs at the root or one level down.

    Every policy file must be a regular file: a symbolic link could point anywhere on the
    machine, and opening a FIFO or a device could block. Skipping one would judge a repository
    with fewer rules than the policy's author wrote (or with the default org config), so it is
    refused, with every other such file, in one :class:`PolicyLoadError`.
    """
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    candidates = [root / ORG_FILE, root / ALLOWED_SIGNERS_FILE, root / PACK_FILE]
    candidates += [*root.glob("rules/*"), *root.glob("*/*")]
    candidates.extend(root.glob("*/rules/*"))
    candidates.extend(root.glob(f"*/{LOCALES_FOLDER}/*"))  # one pack's own locales/ is "*/*"
    for path in candidates:
        relative = path.relative_to(root).as_posix()
        if not is_policy_file(relative):
            continue
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        where = Location(f"{shown}/{relative}")
        linked = _linked_folder(root, relative)
        if linked is not None:
            problems.append(not_regular(Location(f"{shown}/{linked}"), "a symbolic link"))
        elif stat.S_ISLNK(info.st_mode):
            problems.append(not_regular(where, "a symbolic link"))
        elif not stat.S_ISREG(info.st_mode):
            problems.append(not_regular(where, "not a regular file"))
        else:
            with open(path, "rb") as handle:  # one byte over the limit is enough to refuse
                files[relative] = handle.read(MAX_FILE_BYTES + 1)
    if problems:
        raise PolicyLoadError(list({p.location: p for p in problems}.values()))
    return files


def _linked_folder(root: Path, relative: str) -> str | None:
    """The first folder of ``relative`` (inside ``root``) that is a symbolic link, if any."""
    parts = relative.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if (root / folder).is_symlink():
            return folder
    return None


def not_regular(where: Location, what: str) -> Problem:
    """The problem of a policy file that is a link or not a regular file."""
    return Problem(
        where,
        "policy.not-regular",
        f"{what}: policy files and folders must be regular files and folders of the policy source",
        hint="Copy the file into the policy folder (a link could make the policy depend on "
        "files outside it).",
    )


def split_packs(files: Mapping[str, bytes], shown: str) -> list[tuple[dict[str, bytes], str]]:
    """(pack files relative to the pack folder, shown name) for each pack in ``files``."""
    if PACK_FILE in files:
        return [({p: c for p, c in files.items() if is_pack_file(p)}, shown)]
    folders = sorted({p.split("/")[0] for p in files if p.endswith(f"/{PACK_FILE}")})
    return [
        (
            {p[len(f) + 1 :]: c for p, c in files.items() if p.startswith(f"{f}/")},
            f"{shown}/{f}",
        )
        for f in folders
    ]


def read_builtin_folder() -> dict[str, bytes]:
    """The files of the built-in packs (``policies/`` of a checkout, or the wheel's copy)."""
    return read_folder(builtin_policies(), BUILTIN_SHOWN)


def builtin_pack_files() -> list[tuple[dict[str, bytes], str]]:
    """(files, shown name) of each pack shipped with aigov."""
    return split_packs(read_builtin_folder(), BUILTIN_SHOWN)
