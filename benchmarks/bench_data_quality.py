"""Benchmark of ``aigov data validate``'s engine: 1,000,000 rows × 10 checks, GX vs pandas.

Standalone: ``python benchmarks/bench_data_quality.py``. ``run()`` returns the rows for
``benchmarks/run.py``. One ODCS contract asks for ten data checks (five not-null, unique,
allowed values, range, pattern, freshness; plus the five cheap column-exists checks every
property gets); they run through :func:`aigov.evidence.data_quality.validate_contract` on a
Parquet file, and the same ten checks are written by hand in pandas on the same file. Both
timings include reading the file; the import of Great Expectations is measured apart.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_SRC = Path(__file__).resolve().parent.parent / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(_SRC))

ROWS = 1_000_000
REPEAT = 3
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
MANIFEST = """\
apiVersion: aigov/v1
kind: AIProject
metadata: {id: bench, name: Bench, owner: me, business_unit: bu}
stage: poc
"""
CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: bench
version: 1.0.0
status: active
servers: [{server: s, type: local, path: data/orders.parquet, format: parquet}]
schema:
  - name: orders
    properties:
      - {name: order_id, logicalType: integer, required: true, unique: true}
      - name: status
        logicalType: string
        required: true
        quality:
          - {metric: invalidValues, arguments: {validValues: [open, shipped, cancelled]}, mustBe: 0}
      - {name: amount, logicalType: number, required: true,
         logicalTypeOptions: {minimum: 0, maximum: 1000}}
      - {name: code, logicalType: string, required: true,
         logicalTypeOptions: {pattern: "^[A-Z]{3}-[0-9]{4}$"}}
      - {name: created_at, logicalType: timestamp, required: true}
slaDefaultElement: orders.created_at
slaProperties: [{property: latency, value: 2, unit: d}]
"""


def _make(root: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(ROWS),
            "status": rng.choice(["open", "shipped", "cancelled"], ROWS),
            "amount": rng.uniform(0, 1000, ROWS).round(2),
            "code": [f"ABC-{i % 10000:04d}" for i in range(ROWS)],
            "created_at": pd.Timestamp("2026-11-23", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 86_400, ROWS), unit="s"),
        }
    )
    (root / "contracts").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "aigov.yaml").write_text(MANIFEST)
    (root / "contracts/orders.odcs.yaml").write_text(CONTRACT)
    frame.to_parquet(root / "data/orders.parquet", index=False)


def _pandas_checks(path: Path) -> dict[str, bool]:
    """The same ten checks, hand-written in pandas."""
    import pandas as pd

    frame = pd.read_parquet(path)
    results = {f"{c}.not_null": bool(frame[c].notna().all()) for c in frame.columns}
    results["order_id.unique"] = not frame["order_id"].duplicated().any()
    results["status.allowed"] = bool(frame["status"].isin(["open", "shipped", "cancelled"]).all())
    results["amount.range"] = bool(frame["amount"].between(0, 1000).all())
    results["code.pattern"] = bool(frame["code"].str.match(r"^[A-Z]{3}-[0-9]{4}$").all())
    results["created_at.fresh"] = bool(frame["created_at"].max() >= NOW - dt.timedelta(days=2))
    return results


def _best(action: object) -> float:
    timings = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        timings.append(time.perf_counter() - began)
    return min(timings)


def _import_seconds(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(_SRC)},
    )  # fmt: skip
    return float(out.stdout.strip())


def run() -> list[tuple[str, str]]:
    from aigov.documents.repository import load_repository
    from aigov.evidence.data_quality import validate_contract

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "repo"
        _make(root)
        repository = load_repository(root)
        contract = repository.contracts[0]
        entry = validate_contract(contract, repository.root, now=NOW)  # warm-up, imports GX
        data_checks = [e for e in entry.expectations if e.check != "exists"]
        assert len(data_checks) == 10 and entry.success, entry.statistics
        assert all(_pandas_checks(root / "data/orders.parquet").values())
        gx = _best(lambda: validate_contract(contract, repository.root, now=NOW))
        hand = _best(lambda: _pandas_checks(root / "data/orders.parquet"))
    gx_import = _import_seconds("great_expectations")
    store_import = _import_seconds("aigov.evidence.store")
    return [
        ("rows × data checks", f"{ROWS:,} × {len(data_checks)} (+5 column-exists)"),
        ("aigov/GX validate_contract (read + suite), best of 3", f"{gx:.2f} s"),
        ("hand-written pandas (read + checks), best of 3", f"{hand:.2f} s"),
        ("ratio GX / pandas (target ≤ 4×)", f"{gx / hand:.1f}×"),
        ("import great_expectations (fresh interpreter)", f"{gx_import:.2f} s"),
        ("import aigov.evidence.store (what aigov check loads)", f"{store_import * 1000:.0f} ms"),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:58} {value}")
