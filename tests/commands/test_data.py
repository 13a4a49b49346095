"""``aigov data validate`` through its ``run`` function, on real files."""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES, MINIMAL_MANIFEST

from aigov.commands import data
from aigov.errors import UsageError


def _args(path: Path, **options: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    data.add_parser(parser.add_subparsers(dest="verb"))
    args = parser.parse_args(["data", "validate", str(path)])
    for key, value in options.items():
        setattr(args, key, value)
    return args


def test_example_passes_and_stores_evidence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "credit-scoring"
    shutil.copytree(EXAMPLES / "credit-scoring", root, ignore=shutil.ignore_patterns(".aigov"))
    assert data.run(_args(root)) == 0
    out = capsys.readouterr().out
    assert "contracts/credit-applications.odcs.yaml: passed on server 'sample'" in out
    evidence = json.loads((root / ".aigov/evidence/data_quality.json").read_text())
    assert [c["status"] for c in evidence["contracts"]] == ["validated", "validated"]
    assert (root / ".aigov/evidence/data_quality.md").read_text().startswith("# Data quality")
    assert "<table>" in (root / ".aigov/evidence/data_quality.html").read_text()


def test_failing_data_exits_1(
    make_repo: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    contract = """\
apiVersion: v3.1.0
kind: DataContract
id: c
version: 1.0.0
status: active
servers: [{server: s, type: local, path: data/t.csv, format: csv}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: string, required: true, unique: true}
"""
    root = make_repo(
        {
            "aigov.yaml": MINIMAL_MANIFEST,
            "contracts/t.odcs.yaml": contract,
            "data/t.csv": "id\n1\n1\n",
        }
    )
    reports = root / "out"
    assert data.run(_args(root, report_dir=str(reports))) == 1
    out = capsys.readouterr().out
    assert "error: t.id.unique failed (schema[0].properties[0].unique)" in out
    assert (reports / "data_quality.html").is_file()


def test_no_store_writes_nothing(make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    with pytest.raises(UsageError, match="declares no data contract"):
        data.run(_args(root))
    assert not (root / ".aigov").exists()
    with pytest.raises(UsageError, match="is not a folder"):
        data.run(_args(root / "missing"))
