"""Reading files of a repository that may be hostile: confined paths, size limits, strict UTF-8;
and writing outputs whole or not at all."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path, PurePosixPath
from typing import Any, Final

from aigov.documents.problems import DocumentError, Location, Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_MAX_NAME_BYTES = 255  # the usual limit of one file or folder name (ext4, APFS, NTFS)


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
        if any(
            len(part.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES for part in posix.parts
        ):
            # The OS refuses such a name (ENAMETOOLONG) when the file is looked up.
            raise refuse(f"has a name longer than {_MAX_NAME_BYTES} bytes")
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


def read_text(
    path: Path, shown_as: str, *, max_bytes: int = MAX_FILE_BYTES, allow_nul: bool = False
) -> str:
    """Read a regular file as UTF-8 text, refusing special files, huge files and bad bytes.

    A UTF-8 byte-order mark is dropped; CRLF line endings are normalised to LF. NUL is refused
    unless ``allow_nul`` (a model card: the Hub reads one that holds NUL).
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
                Location(shown_as, 1, 1),  # as every problem of a file's content
                "file.too-large",
                f"file is {info.st_size:,} bytes; the limit is {max_bytes:,} bytes",
            )
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(Problem(where, "file.unreadable", exc.strerror or str(exc))) from None
    return decode_text(raw, shown_as, max_bytes=max_bytes, allow_nul=allow_nul)


def decode_text(
    raw: bytes, shown_as: str, *, max_bytes: int = MAX_FILE_BYTES, allow_nul: bool = False
) -> str:
    """``raw`` as text: size-limited strict UTF-8 (without NUL unless ``allow_nul``), BOM
    dropped, LF line endings.

    Problems point at the offending byte's line and column in the returned text (a CR or CRLF
    ends a line there), as YAML problems do; a file too large is reported at 1:1.
    """
    if len(raw) > max_bytes:
        raise DocumentError(
            Problem(
                Location(shown_as, 1, 1),
                "file.too-large",
                f"file exceeds the limit of {max_bytes:,} bytes",
            )
        )
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            Problem(
                _location_after(raw[: exc.start].decode("utf-8"), shown_as),
                "file.encoding",
                f"invalid UTF-8 byte 0x{raw[exc.start]:02x}",
                hint="Save the file as UTF-8.",
            )
        ) from None
    if not allow_nul and "\x00" in text:
        raise DocumentError(
            Problem(
                _location_after(text[: text.index("\x00")], shown_as),
                "file.binary",
                "file contains NUL bytes: not text",
            )
        )
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _location_after(before: str, shown_as: str) -> Location:
    """Where the character after ``before`` stands once line endings are normalised."""
    lines = _normalise_newlines(before).split("\n")
    return Location(shown_as, len(lines), len(lines[-1]) + 1)


def read_json(path: Path, shown_as: str, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """Read a JSON file with :func:`read_text`'s limits; a syntax error or nesting too deep to
    decode is a :class:`DocumentError` at its ``file:line:column``."""
    text = read_text(path, shown_as, max_bytes=max_bytes)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = Location(shown_as, exc.lineno, exc.colno)
        raise DocumentError(Problem(where, "json.syntax", f"not valid JSON ({exc.msg})")) from None
    except RecursionError:
        # The C decoder counts its own depth and gives up cleanly on "[[[[…".
        raise DocumentError(
            Problem(Location(shown_as, 1, 1), "json.too-deep", "JSON nested too deeply to read")
        ) from None


_STREAM_NAMES: Final = re.compile(r"^/(?:dev/(?:stdout|stderr|fd/\d+)|proc/self/fd/\d+)$")
"""Names of the process's own streams: written through even where they are links."""


def is_stream(path: Path) -> bool:
    """Whether ``path`` is a character device or a pipe written in place (not a file to
    replace): one named as itself, or a stream name of this process. A link planted in a folder
    (a checkout) towards a device is replaced like any link, never written through."""
    if _STREAM_NAMES.match(str(path)):
        return True
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``path`` whole or not at all (its folder created if needed).

    The content goes to a hidden sibling first, renamed over ``path`` once complete: a process
    killed half way leaves the previous file (or none), never half of one, and readers never see
    a partial file. A symbolic link at ``path`` is replaced, not written through. The new file
    gets the usual permissions (0666 less the umask), as ``open()`` would give.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    if is_stream(path):
        # ``-o /dev/stdout`` or ``-o /dev/null``: renaming over a device would replace it with a
        # regular file (as root, for every program on the machine). A stream is written through.
        with path.open("wb") as stream:
            stream.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per process and thread; O_EXCL never opens someone else's file or a planted link.
    partial = path.with_name(f".{path.name[:180]}.{os.getpid()}.{threading.get_ident()}.partial")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        handle = os.open(partial, flags, 0o666)
    except FileExistsError:  # left by a killed process that had the same id
        partial.unlink()
        handle = os.open(partial, flags, 0o666)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
