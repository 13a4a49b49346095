"""Build this example's MLflow store (``mlruns.db``, SQLite) with the history PRISME v3 would have.

    python evidence/build_mlflow_store.py          # from the example's folder (or any folder)

What it records, consistent with aigov.yaml and MODEL_CARD.md (numbers are fictitious):
- experiment ``credit-scoring-poc``: the POC's candidate runs, three approaches (logistic
  scorecard, LightGBM with monotonic constraints, XGBoost) evaluated out of time;
- registered model ``credit-scoring``: version 1 (PRISME v2, the logistic scorecard, alias
  ``challenger``, kept for rollback) and version 2 (LightGBM, alias ``champion``, tagged
  ``approved=true`` by the Comité des Risques de Crédit, CRC-2026-01);
- on version 2's run, the monthly production metric ``auc_6m_default`` (monitoring threshold
  0.76) from 2025-12 (shadow run) to 2026-11;
- on the same run, the daily adoption metric ``applications scored per day`` (aigov.yaml's
  ``monitoring.adoption.metric``, target 2400 a day) since go-live on 2026-02-02, ramping up
  from branch pilots to the whole network (read by ``aigov portfolio scan --with-mlflow``).

The store is rebuilt from scratch on every run; nothing leaves this folder.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
STORE = HERE / "mlruns.db"
MODEL = "credit-scoring"


def ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(f"{day}T09:00:00+00:00").timestamp() * 1000)


def build(store: Path = STORE) -> Path:
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient
    from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param

    store.unlink(missing_ok=True)
    client = MlflowClient(tracking_uri=f"sqlite:///{store}")
    poc = client.create_experiment(
        "credit-scoring-poc", artifact_location=(store.parent / "mlartifacts").as_uri()
    )
    training = Dataset(
        name="credit-applications-2019-2024",
        digest="snapshot-2025-08-31",
        source_type="hive",
        source='{"table": "risk_origination_pseudo.t_credit_application"}',
    )
    candidates = {
        # run name: (approach, date, params, out-of-time metrics)
        "prisme-v2-logistic-refit": (
            "logistic_scorecard", "2025-06-10", {"C": "0.3", "bins": "woe-10"},
            {"test_oot_auc": 0.771, "test_oot_recall_default": 0.655, "test_oot_ks": 0.412,
             "test_oot_brier": 0.0319, "fairness_approval_ratio_age_u25": 0.83},
        ),
        "lightgbm-monotonic": (
            "gradient_boosting_lightgbm", "2025-07-22",
            {"num_trees": "420", "max_depth": "5", "learning_rate": "0.03",
             "monotone_constraints": "9 features", "calibration": "isotonic"},
            {"test_oot_auc": 0.812, "test_oot_recall_default": 0.741, "test_oot_ks": 0.473,
             "test_oot_brier": 0.0287, "fairness_approval_ratio_age_u25": 0.86},
        ),
        "xgboost-depth6": (
            "gradient_boosting_xgboost", "2025-07-29",
            {"n_estimators": "600", "max_depth": "6", "eta": "0.05"},
            {"test_oot_auc": 0.809, "test_oot_recall_default": 0.733, "test_oot_ks": 0.468,
             "test_oot_brier": 0.0291, "fairness_approval_ratio_age_u25": 0.79},
        ),
    }  # fmt: skip
    runs: dict[str, str] = {}
    for name, (approach, day, params, metrics) in candidates.items():
        run = client.create_run(
            poc,
            start_time=ms(day),
            run_name=name,
            tags={"approach": approach, "team": "ds-risques", "validation": "out-of-time"},
        )
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, ms(day), 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
        )
        client.log_inputs(
            run.info.run_id,
            [DatasetInput(training, [InputTag("mlflow.data.context", "training")])],
        )
        client.set_terminated(run.info.run_id, end_time=ms(day) + 3 * 3600 * 1000)
        runs[name] = run.info.run_id

    # The champion's run also carries the monthly production AUC (6-month early-default proxy).
    monthly = [0.801, 0.799, 0.797, 0.796, 0.794, 0.795, 0.792, 0.790, 0.789, 0.791, 0.788, 0.786]
    months = [f"{2025 + (11 + i) // 12}-{(11 + i) % 12 + 1:02d}-05" for i in range(12)]
    client.log_batch(
        runs["lightgbm-monotonic"],
        metrics=[
            Metric("auc_6m_default", value, ms(day), step)
            for step, (day, value) in enumerate(zip(months, monthly, strict=True))
        ],
    )

    # Daily adoption since go-live: a ramp-up over the branch network, fewer on Saturdays, none on
    # Sundays (branches and the online journey's manual underwriting are closed).
    live = dt.date(2026, 2, 2)
    adoption = []
    for step in range((dt.date(2026, 11, 20) - live).days + 1):
        day = live + dt.timedelta(days=step)
        if day.weekday() == 6:
            continue
        ramp = min(1.0, 0.35 + step / 160)
        seasonal = 1.0 - 0.12 * (day.month == 8) + 0.02 * ((step * 7) % 5 - 2)
        value = round(2650 * ramp * seasonal * (0.55 if day.weekday() == 5 else 1.0))
        adoption.append(Metric("applications scored per day", value, ms(day.isoformat()), step))
    client.log_batch(runs["lightgbm-monotonic"], metrics=adoption)

    client.create_registered_model(
        MODEL,
        tags={"owner": "ds-risques@banque-hexagone.fr", "ai_act": "high-risk"},
        description="PRISME consumer-credit probability of default at origination.",
    )
    v2 = client.create_model_version(
        MODEL,
        source=f"runs:/{runs['prisme-v2-logistic-refit']}/model",
        run_id=runs["prisme-v2-logistic-refit"],
        tags={"approved": "true", "approval": "CRC-2019-04", "role": "challenger and rollback"},
        description="PRISME v2 logistic scorecard, refitted on 2019-2024 vintages.",
    )
    v3 = client.create_model_version(
        MODEL,
        source=f"runs:/{runs['lightgbm-monotonic']}/model",
        run_id=runs["lightgbm-monotonic"],
        tags={
            "approved": "true",
            "approval": "CRC-2026-01 décision n°6",
            "validated_by": "CVM-2025-17",
        },
        description="PRISME v3: LightGBM with monotonic constraints and isotonic calibration.",
    )
    client.set_registered_model_alias(MODEL, "challenger", str(v2.version))
    client.set_registered_model_alias(MODEL, "champion", str(v3.version))
    return store


if __name__ == "__main__":
    target = build(Path(sys.argv[1]) if len(sys.argv) > 1 else STORE)
    print(f"built {target} ({target.stat().st_size:,} bytes)")
