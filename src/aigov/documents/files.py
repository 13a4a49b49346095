"""Reading files of a repository that may be hostile: confined paths, size limits, strict UTF-8."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from aigov.documents.problems import DocumentError, Location, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


class RepositoryRoot:
    """A repository's folder; every path that its files refer to must resolve inside it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).resolve()

    def display(self, path: Path) -> str:
        """A path as shown to users: relative to the repository, with forward slashes."""
        try:
            return path.relative_to(self.path).as_posix()
        except ValueError:
            return path.as_posix()

    def resolve(self, reference: str, *, referenced_from: Location, field: str) -> Path:
        """Resolve ``reference`` (written in a file of the repository) to a path inside it.

        Refuses absolute paths, ``..`` escapes and symlinks whose target lies outside the
        repository, naming the file, line and field that wrote the reference.
        """

        def refuse(why: str) -> DocumentError:
            return DocumentError(
                Problem(
                    referenced_from,
                    "path.outside-repository",
                    f"'{reference}' {why}",
                    field=field,
                    hint="Paths in aigov files are relative to the repository root "
                    "and stay inside it.",
                )
            )

        if not reference or "\x00" in reference:
            raise refuse("is not a usable path")
        posix = PurePosixPath(reference.replace("\\", "/"))
        if posix.is_absolute() or (len(reference) > 1 and reference[1] == ":"):
            raise refuse("is an absolute path")
        candidate = self.path.joinpath(*posix.parts)
        lexical = Path(os.path.normpath(candidate))
        if not _is_within(lexical, self.path):
            raise refuse("leaves the repository ('..')")
        # strict=False: a missing file is reported by the reader, a symlink escape here.
        real = candidate.resolve(strict=False)
        if not _is_within(real, self.path):
            raise refuse(f"is a symbolic link to {real}, outside the repository")
        return real


def _is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def read_text(path: Path, shown_as: str, *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a regular file as UTF-8 text, refusing special files, huge files and bad bytes.

    A UTF-8 byte-order mark is dropped; CRLF line endings are normalised to LF.
    """
    where = Location(shown_as)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DocumentError(Problem(where, "file.missing", "file not found")) from None
    except OSError as exc:
        raise DocumentError(Problem(where, "file.unreadable", exc.strerror or str(exc))) from None
    if not stat.S_ISREG(info.st_mode):
        # Opening a FIFO or a device could block or read forever: refuse before opening.
        raise DocumentError(Problem(where, "file.not-regular", "not a regular file"))
    if info.st_size > max_bytes:
        raise DocumentError(
            Problem(
                where,
                "file.too-large",
                f"file is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes",
            )
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(Problem(where, "file.unreadable", exc.strerror or str(exc))) from None
    if len(raw) > max_bytes:  # the file grew between stat and read
        raise DocumentError(Problem(where, "file.too-large", f"file exceeds {max_bytes:,} bytes"))
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DocumentError(
            Problem(
                Location(shown_as, line, column),
                "file.encoding",
                f"invalid UTF-8 byte 0x{raw[exc.start]:02x}",
                hint="Save the file as UTF-8.",
            )
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DocumentError(
            Problem(Location(shown_as, line), "file.binary", "file contains NUL bytes: not text")
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")
