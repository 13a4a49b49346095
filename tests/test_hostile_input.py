"""Hostile input through the command line, for every kind of file aigov reads.

Kinds: the manifest, the model card, a data contract (files of the checked repository, through
``aigov validate`` and ``aigov check``); a policy pack and the org config (``--policies``); the
``--baseline`` file; the evidence store under ``.aigov/``. Attacks: alias bomb, deep nesting,
a file over the size limit, a long scalar under it, invalid UTF-8, NUL bytes, BOM + CRLF, a FIFO,
a device, symbolic links and ``..`` paths out of the repository.

Every run is a real process under a 1 GiB address-space limit and a timeout: it must end with
exit 2 (or 0/1 where the input is legitimate), a message naming the file (and its line and
column when the problem has a position), and no traceback.

Already covered at unit level, not repeated here: the YAML loader's limits
(tests/documents/test_safe_yaml.py), reading and confining files (tests/documents/test_files.py),
``aigov validate`` on each broken example (tests/commands/test_validate.py), mutated documents
(tests/documents/test_loading_never_crashes.py).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, unwrapped

MEMORY_LIMIT = 1024 * 1024 * 1024
TIME_LIMIT = 30.0
BIG = 2 * 1024 * 1024 + 1

ALIAS_BOMB = "\n".join(
    ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
)
DEEP_YAML = "k: " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_JSON = "[" * 100_000 + "]" * 100_000


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def aigov(*args: str, cwd: Path | None = None) -> Run:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "aigov", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=TIME_LIMIT,
        preexec_fn=_limits,
        env={**os.environ, "AIGOV_NO_CACHE": "1"},
    )
    run = Run(
        completed.returncode, completed.stdout, completed.stderr, time.perf_counter() - started
    )
    assert "Traceback" not in run.output, run.output[-3000:]
    assert "MemoryError" not in run.output
    return run


def refused(run: Run, file: str, code: str, *, positioned: bool) -> None:
    """Exit 2, the file named, the problem's code, and line:column when it has a position."""
    assert run.exit_code == 2, run.output[-2000:]
    pattern = re.escape(file) + (r":\d+:\d+: " if positioned else r"(:\d+)*: ")
    assert re.search(pattern, run.output), run.output[-2000:]
    assert f"[{code}]" in run.output, run.output[-2000:]
    assert run.seconds < 10, run.seconds


# --- the repository's own files: manifest, model card, contract -----------------------------------

REPOSITORY_FILES = {
    "manifest": "aigov.yaml",
    "model card": "MODEL_CARD.md",
    "contract": "contracts/conversation-logs.odcs.yaml",
}


def _repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    return root


def _yaml_content(kind: str, yaml_text: str, root: Path) -> bytes:
    """A file of ``kind`` whose YAML part is ``yaml_text`` (the card keeps it as front matter)."""
    if kind == "model card":
        return ("---\n" + yaml_text + "\n---\n# Card\n").encode()
    return yaml_text.encode()


# attack -> (YAML text or raw bytes builder, expected problem code, positioned)
Build = Callable[[str, Path, Path], None]


def _write(kind: str, text: str) -> Build:
    def build(kind_: str, root: Path, path: Path) -> None:
        path.write_bytes(_yaml_content(kind_, text, root))

    return build


def _raw(content: Callable[[bytes], bytes]) -> Build:
    def build(kind: str, root: Path, path: Path) -> None:
        path.write_bytes(content(path.read_bytes()))

    return build


def _fifo(kind: str, root: Path, path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _symlink_out(kind: str, root: Path, path: Path) -> None:
    outside = root.parent / f"outside-{path.name}"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def _device(kind: str, root: Path, path: Path) -> None:
    path.unlink()
    try:
        os.mknod(path, 0o600 | 0o020000, os.makedev(1, 5))  # a character device: /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD")


ATTACKS: dict[str, tuple[Build, str, bool]] = {
    "alias-bomb": (lambda k, r, p: _write(k, ALIAS_BOMB)(k, r, p), "yaml.too-large", True),
    "deep-nesting": (lambda k, r, p: _write(k, DEEP_YAML)(k, r, p), "yaml.too-deep", True),
    "over-size-limit": (_raw(lambda b: b + b"#" * BIG), "file.too-large", False),
    "invalid-utf8": (_raw(lambda b: b.replace(b"\n", b"\n# caf\xe9\n", 3)), "file.encoding", True),
    "nul-byte": (_raw(lambda b: b + b"\x00\n"), "file.binary", False),
    "fifo": (_fifo, "file.not-regular", False),
    "device": (_device, "file.not-regular", False),
    "symlink-outside": (_symlink_out, "path.outside-repository", False),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("kind", sorted(REPOSITORY_FILES))
def test_repository_file_attacks_exit_2_with_the_location(
    tmp_path: Path, kind: str, attack: str
) -> None:
    root = _repository(tmp_path)
    relative = REPOSITORY_FILES[kind]
    build, code, positioned = ATTACKS[attack]
    if attack == "nul-byte" and kind == "model card":
        # The Hub reads a card with NUL in its body, so aigov does; in the front matter YAML
        # (PyYAML and aigov's reader alike) refuses it, at its line and column.
        build, code, positioned = (
            _raw(lambda b: b.replace(b"\n", b"\n# \x00\n", 1)),
            "yaml.syntax",
            True,
        )
    build(kind, root, root / relative)
    if attack == "deep-nesting" and kind == "model card":
        positioned = True
    for verb in ("validate", "check"):
        run = aigov(verb, str(root))
        # A deep document may already be refused by libyaml's own nesting limit.
        expected = code if attack != "deep-nesting" else ("yaml.too-deep", "yaml.syntax")
        codes = (expected,) if isinstance(expected, str) else expected
        assert run.exit_code == 2, (verb, run.output[-2000:])
        assert any(f"[{c}]" in run.output for c in codes), (verb, run.output[-2000:])
        found = next(c for c in codes if f"[{c}]" in run.output)
        if attack == "symlink-outside" and kind != "manifest":
            # refused where the path is written: the manifest's line naming the file
            assert f"'{relative}' is a symbolic link" in unwrapped(run.output)
            refused(run, "aigov.yaml", found, positioned=True)
        else:
            refused(run, relative, found, positioned=positioned)


def test_dotdot_and_absolute_references_name_the_manifest_line(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    (tmp_path / "secret.odcs.yaml").write_text("kind: DataContract\n", encoding="utf-8")
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace(
        "    - contracts/conversation-logs.odcs.yaml",
        "    - ../secret.odcs.yaml\n    - /etc/passwd\n    - contracts/../../secret.odcs.yaml",
    )
    assert "../secret.odcs.yaml" in manifest
    (root / "aigov.yaml").write_text(manifest, encoding="utf-8")
    for verb in ("validate", "check"):
        run = aigov(verb, str(root))
        assert run.exit_code == 2
        located = re.findall(r"aigov\.yaml:(\d+):(\d+): error: data\.contracts\[\d\]", run.output)
        assert len(located) == 3, run.output
        assert "leaves the repository" in run.output and "absolute path" in run.output
        assert "kind: DataContract" not in run.output  # nothing read from outside


def test_bom_and_crlf_files_load_like_the_originals(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    expected = aigov("check", str(root), "-f", "json", "--today", "2026-11-24")
    for relative in REPOSITORY_FILES.values():
        path = root / relative
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert aigov("validate", str(root)).exit_code == 0
    run = aigov("check", str(root), "-f", "json", "--today", "2026-11-24")
    assert run.exit_code == expected.exit_code
    got, want = json.loads(run.stdout), json.loads(expected.stdout)
    assert [(f["rule_id"], f["file"], f["line"], f["column"]) for f in got["findings"]] == [
        (f["rule_id"], f["file"], f["line"], f["column"]) for f in want["findings"]
    ]


def test_a_long_scalar_under_the_limit_loads_in_bounded_time(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    long_text = "x" * (2 * 1024 * 1024 - len(manifest) - 200)
    (root / "aigov.yaml").write_text(
        manifest.replace("  owner: ", f"  description_long: {long_text}\n  owner: ", 1),
        encoding="utf-8",
    )
    run = aigov("validate", str(root))
    assert run.exit_code == 2  # an unknown field, reported with its position
    assert re.search(r"aigov\.yaml:\d+:3: error: metadata\.description_long: unknown", run.output)
    assert len(run.output) < 5000  # the 2 MB value is not echoed
    assert run.seconds < 10


def test_ansi_and_bidi_in_keys_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    root = _repository(tmp_path)
    manifest = (root / "aigov.yaml").read_text(encoding="utf-8")
    (root / "aigov.yaml").write_text(
        manifest.replace("  owner: ", '  "k\\e[2J\\u202eey": 1\n  owner: ', 1), encoding="utf-8"
    )
    for verb in ("validate", "check"):
        run = aigov(verb, str(root))
        assert run.exit_code == 2
        assert "\x1b" not in run.output and "\u202e" not in run.output
        assert "k\\x1b[2J\\u202eey" in run.output


# --- policy packs and the org config (--policies) -------------------------------------------------

PACK = """\
name: local
version: 1.0.0
title: Local pack
source: test
"""
RULE = """\
- id: LOCAL-1
  title: Always holds
  severity: low
  references: ["test"]
  applies: {stages: [poc]}
  assert: "true"
  message: never shown
  remediation: nothing
"""


def _policies(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    (folder / "local" / "rules").mkdir(parents=True)
    (folder / "local" / "pack.yaml").write_text(PACK, encoding="utf-8")
    (folder / "local" / "rules" / "local.yaml").write_text(RULE, encoding="utf-8")
    shutil.copy(EXAMPLES / "org-policies" / "aigov-org.yaml", folder / "aigov-org.yaml")
    return folder


POLICY_FILES = {
    "pack": "local/pack.yaml",
    "rules": "local/rules/local.yaml",
    "org config": "aigov-org.yaml",
}
POLICY_ATTACKS: dict[str, tuple[bytes, str, bool]] = {
    "alias-bomb": (ALIAS_BOMB.encode(), "yaml.too-large", True),
    "deep-nesting": (DEEP_YAML.encode(), "yaml.too-deep", True),
    "over-size-limit": (b"#" * BIG, "file.too-large", False),
    "invalid-utf8": (b"name: caf\xe9\n", "file.encoding", False),
    "nul-byte": (b"name: x\x00\n", "file.binary", False),
}


@pytest.mark.parametrize("attack", sorted(POLICY_ATTACKS))
@pytest.mark.parametrize("kind", sorted(POLICY_FILES))
def test_policy_file_attacks_exit_2(tmp_path: Path, kind: str, attack: str) -> None:
    folder = _policies(tmp_path)
    content, code, positioned = POLICY_ATTACKS[attack]
    (folder / POLICY_FILES[kind]).write_bytes(content)
    run = aigov("check", str(EXAMPLES / "customer-chatbot"), "--policies", str(folder))
    assert run.exit_code == 2, run.output[-2000:]
    if attack == "deep-nesting":
        code = "yaml.too-deep" if "[yaml.too-deep]" in run.output else "yaml.syntax"
    refused(run, POLICY_FILES[kind], code, positioned=positioned)


def test_special_policy_files_are_never_opened(tmp_path: Path) -> None:
    """A FIFO in a policy folder is refused without opening it (the check would hang)."""
    folder = _policies(tmp_path)
    os.mkfifo(folder / "local" / "rules" / "fifo.yaml")
    run = aigov("check", str(EXAMPLES / "customer-chatbot"), "--policies", str(folder))
    assert run.exit_code == 2 and run.seconds < 10, run.output[-2000:]
    refused(run, "local/rules/fifo.yaml", "policy.not-regular", positioned=False)


# --- --baseline -----------------------------------------------------------------------------------

BASELINE_ATTACKS: dict[str, tuple[Callable[[Path], None], str, bool]] = {
    "deep-nesting": (lambda p: p.write_text(DEEP_JSON), "json.too-deep", True),
    "syntax": (lambda p: p.write_text('{"findings": [\n  {"a": 1,}\n]}'), "json.syntax", True),
    "invalid-utf8": (
        lambda p: p.write_bytes(b'{"findings": [\n"caf\xe9"]}'),
        "file.encoding",
        True,
    ),
    "fifo": (lambda p: os.mkfifo(p), "file.not-regular", False),
    "directory": (lambda p: p.mkdir(), "file.not-regular", False),
    "nul-byte": (lambda p: p.write_bytes(b'{"findings": []}\x00'), "file.binary", False),
}


@pytest.mark.parametrize("attack", sorted(BASELINE_ATTACKS))
def test_baseline_attacks_exit_2(tmp_path: Path, attack: str) -> None:
    build, code, positioned = BASELINE_ATTACKS[attack]
    baseline = tmp_path / "baseline.json"
    build(baseline)
    run = aigov("check", str(EXAMPLES / "customer-chatbot"), "--baseline", str(baseline))
    refused(run, str(baseline), code, positioned=positioned)
    if attack == "syntax":
        assert f"{baseline}:2:11:" in run.output


def test_baseline_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    saved = aigov("check", str(EXAMPLES / "customer-chatbot"), "-f", "json")
    baseline.write_bytes(b"\xef\xbb\xbf" + saved.stdout.encode().replace(b"\n", b"\r\n"))
    run = aigov("check", str(EXAMPLES / "customer-chatbot"), "--baseline", str(baseline))
    assert run.exit_code == 0, run.output[-2000:]


# --- the evidence store under .aigov/ -------------------------------------------------------------

EVIDENCE = ".aigov/evidence/data_quality.json"
EVIDENCE_ATTACKS: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "deep-nesting": (lambda p, r: p.write_text(DEEP_JSON), f"{EVIDENCE}:1:1"),
    "syntax": (lambda p, r: p.write_text('{\n "kind": ,}'), f"{EVIDENCE}:2:10"),
    "invalid-utf8": (lambda p, r: p.write_bytes(b'{"kind":\n "\xe9"}'), f"{EVIDENCE}:2:3"),
    "fifo": (lambda p, r: os.mkfifo(p), "not a regular file"),
    "over-size-limit": (
        lambda p, r: p.write_bytes(b" " * (20 * 1024 * 1024 + 1)),
        "the limit is 20,971,520 bytes",
    ),
    "symlink-outside": (
        lambda p, r: p.symlink_to(r.parent / "outside.json"),
        "outside the repository",
    ),
}


@pytest.mark.parametrize("attack", sorted(EVIDENCE_ATTACKS))
def test_evidence_store_attacks_make_the_evidence_unavailable(tmp_path: Path, attack: str) -> None:
    """Stored evidence that cannot be read fails the rules that need it closed (exit 1), and the
    report says why, with the file and position: never a crash, a hang or a read outside."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "credit-scoring", root, ignore=shutil.ignore_patterns("mlruns.db"))
    shutil.rmtree(root / ".aigov", ignore_errors=True)
    (root / ".aigov" / "evidence").mkdir(parents=True)
    outside = tmp_path / "outside.json"
    outside.write_text('{"kind": "aigov/data-quality-evidence", "contracts": []}')
    build, shown = EVIDENCE_ATTACKS[attack]
    build(root / EVIDENCE, root)
    run = aigov(
        "check", str(root), "-f", "json", "--skip-evidence", "mlflow", "--skip-evidence", "git"
    )
    assert run.exit_code == 1, run.output[-2000:]
    notes = "\n".join(json.loads(run.stdout)["notes"])
    assert "evidence unavailable: data_quality" in notes and shown in notes, notes
    assert run.seconds < 10


def test_evidence_is_never_written_through_a_link_out_of_the_repository(tmp_path: Path) -> None:
    from aigov.evidence.store import StoredEvidenceError, write_data_quality

    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / ".aigov").symlink_to(outside)
    with pytest.raises(StoredEvidenceError, match="outside the repository"):
        write_data_quality(root, {"kind": "aigov/data-quality-evidence"})
    assert list(outside.iterdir()) == []


# --- a portfolio folder with special files --------------------------------------------------------


def test_portfolio_scan_of_a_folder_with_special_files_ends(tmp_path: Path) -> None:
    repos = tmp_path / "repos"
    root = repos / "chatbot"
    shutil.copytree(EXAMPLES / "customer-chatbot", root)
    os.mkfifo(root / "contracts" / "pipe.odcs.yaml")
    (root / ".aigov").mkdir()
    os.mkfifo(root / ".aigov" / "result.json")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: ../../../../../../etc/hostname\n")
    scan = tmp_path / "scan.json"
    cache = tmp_path / "cache"
    run = aigov("portfolio", "scan", "--dir", str(repos), "-o", str(scan), "--cache", str(cache))
    assert run.exit_code in (0, 1), run.output[-2000:]
    assert run.seconds < 20
    text = scan.read_text(encoding="utf-8")
    hostname = Path("/etc/hostname")
    if hostname.is_file() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in text  # no ref read outside .git
    [row] = json.loads(text)["results"]
    assert row["status"] == "ok" and row["head"].startswith("sha256:")  # the bad ref ignored
    assert row["published_packs"] is None  # the FIFO result.json was never opened


# --- a repository with many contracts (figures: benchmarks/bench_many_contracts.py, 3,000) -------


def _many_contracts() -> object:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "many_contracts.py"
    spec = importlib.util.spec_from_file_location("many_contracts", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_many_contracts_validate_and_check_correctly(tmp_path: Path) -> None:
    generator: object = _many_contracts()
    count, bad = 200, 137
    root = generator.write_repository(tmp_path / "many", count)  # type: ignore[attr-defined]
    run = aigov("validate", str(root), "-f", "json")
    assert run.exit_code == 0, run.output[-2000:]
    files = json.loads(run.stdout)["files"]
    assert len(files) == count + 2 and generator.contract_file(bad) in files  # type: ignore[attr-defined]
    check = ["-f", "json", "--today", "2026-11-24", "--skip-evidence", "git"]
    many = aigov("check", str(root), *check)
    one = aigov("check", str(EXAMPLES / "customer-chatbot"), *check)
    assert many.exit_code == one.exit_code
    assert {f["rule_id"] for f in json.loads(many.stdout)["findings"]} == {
        f["rule_id"] for f in json.loads(one.stdout)["findings"]
    }
    # One broken contract among them: exactly that one, at its file:line:column.
    broken = generator.write_repository(tmp_path / "broken", count, broken={bad})  # type: ignore[attr-defined]
    where = generator.broken_location(broken, bad)  # type: ignore[attr-defined]
    for verb in ("validate", "check"):
        run = aigov(verb, str(broken))
        assert run.exit_code == 2
        errors = [line for line in run.output.splitlines() if re.search(r":\d+: error: ", line)]
        assert len(errors) == 1 and errors[0].strip().startswith(where), errors
