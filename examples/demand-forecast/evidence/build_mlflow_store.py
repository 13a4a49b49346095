"""Build this example's MLflow store (``mlruns.db``, SQLite) with the demand forecast's history.

    python evidence/build_mlflow_store.py          # from the example's folder (or any folder)

What it records, consistent with aigov.yaml and MODEL_CARD.md (numbers are fictitious):
- experiment ``demand-forecast-poc``: the POC's rolling back-test (12 origins 2025-03 to
  2026-02) of three approaches: the current 4-week moving average, ETS per store × SKU, and a
  global LightGBM (Tweedie) model;
- registered model ``demand-forecast``: version 1 (LightGBM), alias ``challenger`` while the
  project is in industrialization — not tagged approved: the production committee has not met;
- on version 1's run, ``wape_department_daily`` every week of the pilot and the regional roll-out
  (2025-12 to 2026-11, monitoring threshold 0.14), with one breach in Christmas week 2025.

The store is rebuilt from scratch on every run; nothing leaves this folder.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STORE = HERE / "mlruns.db"
MODEL = "demand-forecast"


def ms(day: dt.date | str) -> int:
    text = day if isinstance(day, str) else day.isoformat()
    return int(dt.datetime.fromisoformat(f"{text}T05:30:00+00:00").timestamp() * 1000)


def build(store: Path = STORE) -> Path:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient
    from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param

    store.unlink(missing_ok=True)
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    poc = client.create_experiment(
        "demand-forecast-poc", artifact_location=(store.parent / "mlartifacts").as_uri()
    )
    history = Dataset(
        name="store_sales_daily",
        digest="sales_gold-2026-02-28",
        source_type="bigquery",
        source='{"table": "mc-data-platform-prod.sales_gold.store_sales_daily"}',
    )
    candidates = {
        "moving-average-4w": (
            "moving_average", "2025-11-04", {"window_weeks": "4"},
            {"backtest_rmse_fresh_d7": 8.91, "backtest_mape_top500_weekly": 0.262,
             "backtest_wape_department": 0.171, "backtest_abs_bias_promo": 0.142},
        ),
        "ets-store-sku": (
            "exponential_smoothing", "2025-11-18", {"model": "ETS(A,Ad,A)", "seasonality": "7"},
            {"backtest_rmse_fresh_d7": 7.12, "backtest_mape_top500_weekly": 0.214,
             "backtest_wape_department": 0.139, "backtest_abs_bias_promo": 0.097},
        ),
        "lightgbm-tweedie-global": (
            "gradient_boosting_lightgbm", "2026-02-27",
            {"objective": "tweedie", "tweedie_variance_power": "1.3", "num_leaves": "255",
             "horizon_bands": "D1-D7,D8-D14", "reconciliation": "MinT"},
            {"backtest_rmse_fresh_d7": 5.84, "backtest_mape_top500_weekly": 0.163,
             "backtest_wape_department": 0.104, "backtest_abs_bias_promo": 0.038},
        ),
    }  # fmt: skip
    runs: dict[str, str] = {}
    for name, (approach, day, params, metrics) in candidates.items():
        run = client.create_run(
            poc, start_time=ms(day), run_name=name, tags={"approach": approach, "origins": "12"}
        )
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, ms(day), 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        client.log_inputs(
            run.info.run_id,
            [DatasetInput(history, [InputTag("mlflow.data.context", "backtest")])],
        )
        client.set_terminated(run.info.run_id, end_time=ms(day) + 2 * 3600 * 1000)
        runs[name] = run.info.run_id

    # Weekly WAPE of the pilot then the roll-out: seasonal wobble, a Christmas-week breach.
    first = dt.date(2025, 12, 1)
    points = []
    for week in range(52):
        day = first + dt.timedelta(weeks=week)
        value = 0.108 + 0.006 * math.sin(week / 52 * 2 * math.pi) + 0.002 * ((week * 7) % 3 - 1)
        if day.isoformat()[:10] in ("2025-12-22", "2025-12-29"):
            value = 0.151 if day.day == 22 else 0.133  # Christmas peak, then recovery
        points.append(Metric("wape_department_daily", round(value, 4), ms(day), week))
    client.log_batch(runs["lightgbm-tweedie-global"], metrics=points)

    client.create_registered_model(
        MODEL, tags={"owner": "data-factory-supply@marche-central.fr"},
        description="Store × SKU daily unit sales, D+1 to D+14.",
    )  # fmt: skip
    version = client.create_model_version(
        MODEL,
        source=f"runs:/{runs['lightgbm-tweedie-global']}/model",
        run_id=runs["lightgbm-tweedie-global"],
        tags={"stage_gate": "industrialization", "rollout": "region Ouest"},
        description="Global LightGBM (Tweedie) with hierarchical reconciliation.",
    )
    client.set_registered_model_alias(MODEL, "challenger", str(version.version))
    return store


if __name__ == "__main__":
    target = build(Path(sys.argv[1]) if len(sys.argv) > 1 else STORE)
    print(f"built {target} ({target.stat().st_size:,} bytes)")
