import os
from pathlib import Path

import pytest

from aigov.documents.files import RepositoryRoot, read_text
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
