"""The pack cache: a later run reads unchanged packs from it, any changed byte misses it, a bad
entry is ignored and rewritten, it can be turned off, and it never lands in the repository."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, CliResult
from tests.policy.conftest import RULES_YAML, write_pack

from aigov._resources import builtin_policies
from aigov.policy.cache import (
    SHIPPED_FILE,
    PackCache,
    cache_directory,
    default_cache,
    render_shipped,
)
from aigov.policy.cel import CompiledExpression, compile_expression
from aigov.policy.pack import PolicyLoadError
from aigov.policy.sources import PolicySource, load_policy_set


def _load(folder: Path, cache: PackCache | None) -> object:
    return load_policy_set(PolicySource("folder", str(folder)), cache=cache)


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.json"))


def _spy_on_source_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loads: list[str] = []
    import aigov.policy.sources as sources
    from aigov.policy.pack import load_pack as real

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(str(kwargs.get("shown_as")))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sources, "load_pack", counting)
    return loads


def test_a_second_load_hits_and_gives_the_same_pack(
    make_pack: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    loads = _spy_on_source_loads(monkeypatch)
    first = load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert len(loads) == 1 and len(_entries(tmp_path / "cache")) == 1
    second = load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert len(loads) == 1  # read from the entry, not parsed again
    (a,), (b,) = first.packs, second.packs
    assert (a.pack, a.digest, a.origin, a.pack_file, dict(a.positions)) == (
        b.pack,
        b.digest,
        b.origin,
        b.pack_file,
        dict(b.positions),
    )
    for x, y in zip(first.rules, second.rules, strict=True):
        assert x.rule == y.rule and x.rule.model_dump() == y.rule.model_dump()
        assert (x.location, x.evidence, x.stages, x.locate) == (
            y.location,
            y.evidence,
            y.stages,
            y.locate,
        )
        assert x.roots == y.roots and x.assertion.source == y.assertion.source
    assert first.effective_dates == second.effective_dates


@pytest.mark.parametrize("file", ["pack.yaml", "rules/main.yaml"])
def test_any_changed_byte_misses(
    make_pack: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    file: str,
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    _load(folder, cache)
    loads = _spy_on_source_loads(monkeypatch)
    path = folder / file
    path.write_bytes(path.read_bytes().replace(b"Add a stakeholder", b"Add one stakeholder"))
    path.write_bytes(path.read_bytes() + b"\n")  # one trailing byte is enough too
    policy_set = load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert len(loads) == 1
    assert len(_entries(tmp_path / "cache")) == 2
    if file == "rules/main.yaml":
        assert policy_set.rules[1].rule.remediation.startswith("Add one stakeholder")


def test_a_tampered_rule_is_never_read_from_a_stale_entry(
    make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    _load(folder, cache)
    rules = folder / "rules" / "main.yaml"
    rules.write_text(
        rules.read_text().replace('s.role == "business_owner")', 's.role == "business_owner"'),
        encoding="utf-8",
    )
    with pytest.raises(PolicyLoadError, match="invalid CEL"):
        _load(folder, cache)


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"key": "another", "pack": {}}', b"[1, 2]", b'{"key": 1}']
)
def test_a_corrupt_or_foreign_entry_is_ignored_and_rewritten(
    make_pack: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    expected = _load(folder, cache)
    (entry,) = _entries(tmp_path / "cache")
    entry.write_bytes(content)
    loads = _spy_on_source_loads(monkeypatch)
    again = load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert len(loads) == 1
    assert [r.id for r in again.rules] == [r.id for r in expected.rules]  # type: ignore[attr-defined]
    assert entry.read_bytes() != content  # rewritten
    load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert len(loads) == 1  # and hit afterwards


def test_an_entry_with_a_wrong_shape_is_ignored(
    make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    _load(folder, cache)
    (entry,) = _entries(tmp_path / "cache")
    key = entry.stem
    entry.write_text(f'{{"key": "{key}", "pack": {{"pack": {{"$model": "Nope"}}}}}}')
    assert cache.load(key) is None


def test_an_unwritable_cache_does_not_fail_the_load(
    make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_pack()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    policy_set = _load(folder, PackCache(blocker / "cache"))
    assert policy_set.rules  # type: ignore[attr-defined]


def test_where_the_cache_lives(tmp_path: Path) -> None:
    assert cache_directory({"AIGOV_CACHE_DIR": str(tmp_path)}) == tmp_path / "packs"
    assert cache_directory({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "aigov" / "packs"
    assert cache_directory({}) == Path.home() / ".cache" / "aigov" / "packs"
    assert cache_directory({"AIGOV_NO_CACHE": "1", "AIGOV_CACHE_DIR": str(tmp_path)}) is None


def test_never_inside_the_checked_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIGOV_CACHE_DIR", str(tmp_path / "repo" / ".cache"))
    assert default_cache(outside=tmp_path / "repo") is None
    assert default_cache(outside=tmp_path / "elsewhere") is not None


def _check(
    run_cli: Callable[..., CliResult], repo: Path, *extra: str, policies: Path | None = None
) -> CliResult:
    source = str(policies or EXAMPLES / "org-policies")
    return run_cli("check", str(repo), "--policies", source, "--today", "2026-11-24", *extra)


def test_check_uses_the_cache_and_not_the_repository(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "customer-chatbot", repo)
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    policies = tmp_path / "policies"  # the org's own pack besides the built-in ones
    shutil.copytree(EXAMPLES / "org-policies", policies)
    write_pack(policies / "own", name="own", prefix="OWN")
    monkeypatch.setenv("AIGOV_CACHE_DIR", str(tmp_path / "cache"))
    first = _check(run_cli, repo, policies=policies)
    assert len(_entries(tmp_path / "cache")) == 1
    loads = _spy_on_source_loads(monkeypatch)
    second = _check(run_cli, repo, policies=policies)
    assert loads == []
    assert (first.exit_code, first.stdout) == (second.exit_code, second.stdout)
    assert sorted(p.relative_to(repo) for p in repo.rglob("*")) == before


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_the_cache_can_be_turned_off(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    monkeypatch.setenv("AIGOV_CACHE_DIR", str(tmp_path / "cache"))
    repo = EXAMPLES / "customer-chatbot"
    if how == "environment":
        monkeypatch.setenv("AIGOV_NO_CACHE", "1")
        result = _check(run_cli, repo)
    else:
        result = _check(run_cli, repo, "--no-cache")
    assert result.exit_code in (0, 1)
    assert not (tmp_path / "cache").exists()


def test_a_rule_file_with_a_syntax_error_is_reported_at_load_from_source(
    make_pack: Callable[..., Path], tmp_path: Path
) -> None:
    # Lazy compiling applies to cache entries only: loading from source compiles every rule,
    # whatever stages a run evaluates, and a syntax error is a load problem with its location.
    rules = RULES_YAML.format(prefix="TEST").replace(
        "assert: has(model_card.human_oversight.override)",
        "assert: has(model_card.human_oversight.override",
    )
    folder = make_pack(rules=rules)
    for cache in (None, PackCache(tmp_path / "cache")):
        with pytest.raises(PolicyLoadError) as caught:
            _load(folder, cache)
        (problem,) = caught.value.problems
        assert problem.code == "rule.expression-syntax"
        assert f"{folder}/rules/main.yaml:10:3" in str(problem)
    assert not (tmp_path / "cache").exists()  # nothing cached for a pack that failed


def test_rules_from_the_cache_compile_only_when_evaluated(
    make_pack: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_pack()
    cache = PackCache(tmp_path / "cache")
    _load(folder, cache)
    compile_expression.cache_clear()
    compiled: list[str] = []
    real = compile_expression

    def spy(source: str, *rewritten: str) -> CompiledExpression:
        compiled.append(source)
        return real(source, *rewritten)

    monkeypatch.setattr("aigov.policy.pack.compile_expression", spy)
    policy_set = load_policy_set(PolicySource("folder", str(folder)), cache=cache)
    assert compiled == []
    owner = policy_set.rules[1]
    assert owner.assertion.source.startswith("manifest.metadata.stakeholders")
    assert compiled == [owner.rule.assert_]
    assert owner.assertion is real(owner.rule.assert_, owner.index_forms["assert"])
    assert owner.roots == {"manifest"}  # the source scan still works without the tokens


def test_the_shipped_builtin_entries_are_up_to_date() -> None:
    committed = SHIPPED_FILE.read_text(encoding="utf-8")
    assert committed == render_shipped(), (
        "src/aigov/policy/builtin_packs.json is stale: run `python -m aigov.policy.cache`"
    )


def test_builtin_packs_come_from_the_shipped_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = _spy_on_source_loads(monkeypatch)
    from_shipped = load_policy_set(cache=PackCache(tmp_path / "cache"))
    assert loads == [] and not (tmp_path / "cache").exists()
    from_source = load_policy_set()
    assert len(loads) == len(from_source.packs)
    assert [p.digest for p in from_shipped.packs] == [p.digest for p in from_source.packs]
    for x, y in zip(from_shipped.rules, from_source.rules, strict=True):
        assert x.rule == y.rule and (x.location, x.evidence, x.stages, x.locate) == (
            y.location,
            y.evidence,
            y.stages,
            y.locate,
        )


def test_a_changed_builtin_pack_misses_the_shipped_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(builtin_policies(), policies)
    rules = sorted((policies / "gdpr" / "rules").glob("*.yaml"))[0]
    rules.write_bytes(rules.read_bytes() + b"\n")
    monkeypatch.setattr("aigov.policy.folders.builtin_policies", lambda: policies)
    loads = _spy_on_source_loads(monkeypatch)
    load_policy_set(cache=PackCache(tmp_path / "cache"))
    assert loads == ["policies/gdpr"]
