from __future__ import annotations

import pytest

from aigov.policy.semver import Version, VersionConstraint, VersionError


def test_versions_order_as_semver_says() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.0.1"]
    versions = [Version.parse(v) for v in ordered]
    assert versions == sorted(versions)
    assert Version.parse("1.10.0") > Version.parse("1.9.9")
    assert Version.parse("1.0.0+build.5") == Version.parse("1.0.0")


@pytest.mark.parametrize("text", ["1.0", "01.0.0", "v1.0.0", "1.0.0.0", ""])
def test_invalid_versions_are_refused(text: str) -> None:
    with pytest.raises(VersionError, match="semantic version"):
        Version.parse(text)


@pytest.mark.parametrize(
    ("constraint", "allowed", "refused"),
    [
        (">=1.0,<2", ["1.0.0", "1.9.3"], ["0.9.9", "2.0.0", "2.1.0"]),
        ("==1.2.3", ["1.2.3"], ["1.2.4"]),
        ("1.2.3", ["1.2.3"], ["1.2.2"]),
        (">1.0.0, !=1.2.0", ["1.0.1", "1.3.0"], ["1.0.0", "1.2.0"]),
        ("*", ["0.0.1", "9.9.9"], []),
        ("<=1.4", ["1.4.0", "0.1.0"], ["1.4.1"]),
    ],
)
def test_constraints(constraint: str, allowed: list[str], refused: list[str]) -> None:
    parsed = VersionConstraint.parse(constraint)
    assert all(parsed.allows(Version.parse(v)) for v in allowed)
    assert not any(parsed.allows(Version.parse(v)) for v in refused)


@pytest.mark.parametrize("text", ["~>1.0", ">=1.0,", "^1.2", ">=one"])
def test_bad_constraints_name_the_part(text: str) -> None:
    with pytest.raises(VersionError):
        VersionConstraint.parse(text)
