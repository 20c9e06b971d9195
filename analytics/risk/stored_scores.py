"""Risk scores of the latest month, computed once when the model is trained and stored beside it,
so the Risk page of a large book reads them instead of scoring millions of loans on a click.

Stored as ``scores_latest.parquet`` (the frame :func:`analytics.risk.scoring.score_month` returns)
with ``scores_latest.json``: the month, the model file's stamp and the data version they were
computed from. :func:`load` returns them only when all three still match (a retrain or a new
load makes them stale, and the caller scores as before).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.risk import model as risk_model
from analytics.risk import scoring

log = logging.getLogger(__name__)
SCORES_FILE, STAMP_FILE = "scores_latest.parquet", "scores_latest.json"


def model_stamp(models_dir: Path) -> str | None:
    bundle, _ = risk_model.model_paths(models_dir)
    try:
        return str(bundle.stat().st_mtime_ns)
    except FileNotFoundError:
        return None


def save(t, model, models_dir: Path, data_version: str) -> Path:
    """Score the latest month with ``model`` (already saved in ``models_dir``) and store it."""
    models_dir = Path(models_dir)
    month = scoring.resolve_month(t, None)
    scored = scoring.score_month(t, model, month)
    path = models_dir / SCORES_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    scored.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    stamp = {"month": month.isoformat(), "model_stamp": model_stamp(models_dir), "data_version": data_version,
             "rows": len(scored)}
    (models_dir / STAMP_FILE).write_text(json.dumps(stamp))
    log.info("risk: stored %s scores of %s", f"{len(scored):,}", month)
    return path


def load(models_dir: Path, month: date, stamp: str | None, data_version: str) -> pd.DataFrame | None:
    """The stored scores of ``month`` if they were computed by this model on this data, else None."""
    models_dir = Path(models_dir)
    try:
        meta = json.loads((models_dir / STAMP_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if (meta.get("month") != month.isoformat() or meta.get("model_stamp") != stamp
            or meta.get("data_version") != data_version):
        return None
    try:
        return pd.read_parquet(models_dir / SCORES_FILE)
    except (OSError, ValueError):
        return None
