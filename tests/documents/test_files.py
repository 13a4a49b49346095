import os
from pathlib import Path

import pytest

from aigov.documents.files import RepositoryRoot, is_stream, read_text, write_atomically
from aigov.documents.problems import DocumentError, Location

WHERE = Location("aigov.yaml", 12, 5)


def _refusal(root: RepositoryRoot, reference: str) -> str:
    with pytest.raises(DocumentError) as caught:
        root.resolve(reference, referenced_from=WHERE, field="data.contracts[0]")
    problem = caught.value.problem
    assert problem.code == "path.outside-repository"
    assert problem.location == WHERE
    assert problem.field == "data.contracts[0]"
    return problem.message


def test_paths_inside_the_repository_resolve(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    root = RepositoryRoot(tmp_path)
    resolved = root.resolve("contracts/../contracts/a.yaml", referenced_from=WHERE, field="f")
    assert resolved == tmp_path.resolve() / "contracts" / "a.yaml"
    assert root.display(resolved) == "contracts/a.yaml"


@pytest.mark.parametrize(
    ("reference", "why"),
    [
        ("../outside.yaml", "leaves the repository"),
        ("contracts/../../outside.yaml", "leaves the repository"),
        ("/etc/passwd", "absolute path"),
        ("C:\\Windows\\win.ini", "absolute path"),
        ("", "not a usable path"),
    ],
)
def test_escaping_paths_are_refused(tmp_path: Path, reference: str, why: str) -> None:
    assert why in _refusal(RepositoryRoot(tmp_path), reference)


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("a: 1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "contract.yaml").symlink_to(outside)
    message = _refusal(RepositoryRoot(repo), "contract.yaml")
    assert "symbolic link" in message and "outside the repository" in message


def test_symlinked_folder_inside_the_repository_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    resolved = RepositoryRoot(tmp_path).resolve("link/x.yaml", referenced_from=WHERE, field="f")
    assert resolved == tmp_path.resolve() / "real" / "x.yaml"


def _read_error(path: Path, **kwargs: int) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        read_text(path, "f.yaml", **kwargs)
    return caught.value


def test_bom_and_crlf_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n")
    assert read_text(path, "f.yaml") == "a: 1\nb: 2\n"


def test_invalid_utf8_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\nname: Caf\xe9\n")
    problem = _read_error(path).problem
    assert problem.code == "file.encoding"
    assert str(problem.location) == "f.yaml:2:10"
    assert "0xe9" in problem.message


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\n" * 1000)
    problem = _read_error(path, max_bytes=1000).problem
    assert problem.code == "file.too-large"
    assert "5,000 bytes" in problem.message


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    os.mkfifo(path)
    assert _read_error(path).problem.code == "file.not-regular"


def test_nul_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"a: 1\nb: \x00\n")
    problem = _read_error(path).problem
    assert problem.code == "file.binary"
    assert problem.location.line == 2


def test_missing_file(tmp_path: Path) -> None:
    assert _read_error(tmp_path / "nope.yaml").problem.code == "file.missing"


# --- writing outputs ----------------------------------------------------------------------------


def test_a_write_is_whole_with_the_usual_permissions_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "new" / "folder" / "report.html"
    write_atomically(target, "é" * 10)
    assert target.read_text("utf-8") == "é" * 10
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_a_link_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious", encoding="utf-8")
    target = tmp_path / "out" / "result.json"
    target.parent.mkdir()
    target.symlink_to(outside)
    write_atomically(target, "{}")
    assert not target.is_symlink() and target.read_text("utf-8") == "{}"
    assert outside.read_text("utf-8") == "precious"


def test_a_pipe_is_written_through_not_replaced(tmp_path: Path) -> None:
    """``-o /dev/stdout`` in a CI step, or a named pipe: renaming over it would leave a regular
    file in its place (``-o /dev/null`` run as root once replaced the machine's /dev/null)."""
    import stat
    import threading

    fifo = tmp_path / "results.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, '{"decision": "pass"}')
    reader.join(timeout=10)
    assert received == [b'{"decision": "pass"}']
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.pipe"]


def test_the_process_streams_and_devices_are_recognised(tmp_path: Path) -> None:
    # Checked without writing: a regression would replace the machine's own /dev entries.
    assert is_stream(Path("/dev/stdout")) and is_stream(Path("/proc/self/fd/1"))
    assert is_stream(Path("/dev/null"))  # a character device, named as itself
    planted = tmp_path / "result.json"
    planted.symlink_to("/dev/null")
    assert not is_stream(planted) and not is_stream(tmp_path / "new.json")


def test_a_planted_link_to_a_device_is_replaced_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    target.symlink_to("/dev/null")
    write_atomically(target, "{}")
    assert not target.is_symlink() and target.read_text("utf-8") == "{}"
    assert Path("/dev/null").is_char_device()


def test_a_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    """The disk refuses half way (a file size limit, as a full disk would): old file kept."""
    import subprocess
    import sys

    target = tmp_path / "scan.json"
    write_atomically(target, "previous")
    child = (
        "import resource, signal, sys\n"
        "from pathlib import Path\n"
        "from aigov.documents.files import write_atomically\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    write_atomically(Path(sys.argv[1]), 'x' * 100_000)\n"
        "except OSError as exc:\n"
        "    sys.exit(f'refused: {exc.strerror}')\n"
    )
    run = subprocess.run([sys.executable, "-c", child, str(target)], capture_output=True, text=True)
    assert run.returncode == 1 and run.stderr.startswith("refused: File too large"), run.stderr
    assert target.read_text("utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]


def test_a_partial_left_by_a_killed_process_with_the_same_id_is_reused(tmp_path: Path) -> None:
    import threading

    target = tmp_path / "report.md"
    stale = tmp_path / f".report.md.{os.getpid()}.{threading.get_ident()}.partial"
    stale.symlink_to(tmp_path / "elsewhere")  # even a planted link is removed, not followed
    write_atomically(target, "fresh")
    assert target.read_text("utf-8") == "fresh" and not stale.exists()
    assert not (tmp_path / "elsewhere").exists()
