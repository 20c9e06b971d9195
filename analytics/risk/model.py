"""The fitted risk model as one bundle: booster, calibrator, baseline, encodings, metadata.

- The booster is scikit-learn's ``HistGradientBoostingClassifier`` with monotonic constraints
  where the direction of an effect is known (:data:`analytics.risk.features.FEATURES`). Its raw
  output is the log-odds that SHAP explains exactly.
- The calibrator (Platt scaling: p = 1 / (1 + exp(-(a x log-odds + b))), fitted on a later,
  held-out window) turns log-odds into probabilities. It is monotone, so it never changes the
  ranking, and smooth, so the SHAP path in log-odds maps onto a path in probability.
- The baseline is a logistic regression on the same features (one-hot regions and channels,
  median-imputed numbers with missing flags), calibrated the same way, kept for comparison.

Saved as ``risk_model.joblib`` (the bundle) and ``risk_model.json`` (its metadata, readable
without Python) in the models folder of :func:`analytics.config.settings`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.risk.features import CATEGORICAL

log = logging.getLogger(__name__)

MODEL_FILE = "risk_model.joblib"
META_FILE = "risk_model.json"
BUNDLE_VERSION = 1
BANDS: tuple[str, ...] = ("very_low", "low", "medium", "high", "very_high")
# Population shares at which the bands are cut, on the calibration window: the top 1% of loans
# are very high, the next 4% high, the next 15% medium, the next 30% low, the rest very low.
BAND_QUANTILES: tuple[float, ...] = (0.50, 0.80, 0.95, 0.99)


# Below this many rows a prediction runs on one OpenMP thread: for a handful of loans (a click on
# the page) waking worker threads costs more than it saves, and on a busy machine it can cost
# hundreds of milliseconds.
SMALL_BATCH = 2000
_threadpools = None


def _one_thread():
    global _threadpools
    if _threadpools is None:
        from threadpoolctl import ThreadpoolController

        _threadpools = ThreadpoolController()
    return _threadpools.limit(limits=1, user_api="openmp")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


@dataclass
class PlattCalibrator:
    """p = sigmoid(a x z + b) on the booster's log-odds z."""

    a: float = 1.0
    b: float = 0.0

    @classmethod
    def fit(cls, z: np.ndarray, y: np.ndarray) -> PlattCalibrator:
        from sklearn.linear_model import LogisticRegression

        if len(np.unique(y)) < 2:
            return cls()
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(np.asarray(z).reshape(-1, 1), y)
        return cls(float(lr.coef_[0, 0]), float(lr.intercept_[0]))

    def log_odds(self, z) -> np.ndarray:
        return self.a * np.asarray(z, dtype=float) + self.b

    def __call__(self, z) -> np.ndarray:
        return sigmoid(self.log_odds(z))


@dataclass
class RiskModel:
    """Everything needed to score, explain and monitor; ``meta`` is also saved as JSON."""

    booster: object
    calibrator: PlattCalibrator
    baseline: object
    baseline_calibrator: PlattCalibrator
    features: list[str]
    encodings: dict[str, list[str]]
    meta: dict = field(default_factory=dict)
    version: int = BUNDLE_VERSION

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The model's input matrix from a feature table (categories coded by training order)."""
        cols = []
        for name in self.features:
            if name in CATEGORICAL:
                codes = {v: i for i, v in enumerate(self.encodings[name])}
                cols.append(frame[name].map(codes).astype(float).to_numpy())
            else:
                cols.append(pd.to_numeric(frame[name], errors="coerce").astype(float).to_numpy())
        return np.column_stack(cols) if cols else np.empty((len(frame), 0))

    def log_odds(self, x: np.ndarray) -> np.ndarray:
        """The booster's raw output (what SHAP values add up to)."""
        if len(x) < SMALL_BATCH:
            with _one_thread():
                return np.asarray(self.booster.decision_function(x), dtype=float)
        return np.asarray(self.booster.decision_function(x), dtype=float)

    def probability(self, x: np.ndarray) -> np.ndarray:
        return self.calibrator(self.log_odds(x))

    def baseline_probability(self, x: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(x, columns=self.features)
        return self.baseline_calibrator(self.baseline.decision_function(frame))

    def band(self, p) -> np.ndarray:
        cuts = np.asarray(self.meta["bands"]["cutoffs"], dtype=float)
        return np.asarray(BANDS, dtype=object)[np.searchsorted(cuts, np.asarray(p, float), side="right")]

    @property
    def horizon(self) -> int:
        return int(self.meta["horizon"])


def model_paths(models_dir: Path) -> tuple[Path, Path]:
    return Path(models_dir) / MODEL_FILE, Path(models_dir) / META_FILE


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save(model: RiskModel, models_dir: Path) -> Path:
    """Write the bundle and its JSON metadata; each file appears whole or not at all."""
    models_dir = Path(models_dir)
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the models folder {models_dir} ({exc.strerror}). Set "
                         "COLLECTLENS_MODELS_DIR to a writable folder.") from exc
    bundle, meta = model_paths(models_dir)
    _atomic_write(meta, lambda tmp: Path(tmp).write_text(json.dumps(model.meta, indent=1, default=str)))
    _atomic_write(bundle, lambda tmp: joblib.dump(model, tmp, compress=3))
    log.info("risk model saved to %s", bundle)
    return bundle


def load(models_dir: Path) -> RiskModel | None:
    """The saved model, or None when there is none yet."""
    bundle, _ = model_paths(models_dir)
    if not bundle.exists():
        return None
    try:
        model = joblib.load(bundle)
    except Exception as exc:  # a truncated or foreign file: say what to do, do not crash
        raise InputError(f"The saved risk model {bundle} cannot be read ({exc.__class__.__name__}). "
                         "Retrain it: python -m analytics train, or the Retrain button.") from exc
    if not isinstance(model, RiskModel) or model.version != BUNDLE_VERSION:
        raise InputError(f"The saved risk model {bundle} is from another version of CollectLens. "
                         "Retrain it: python -m analytics train, or the Retrain button.")
    return model


def require(models_dir: Path) -> RiskModel:
    model = load(models_dir)
    if model is None:
        raise InputError(f"No trained risk model in {models_dir}. Train one first: "
                         "python -m analytics --db PATH train (or the Train button on the Risk page).")
    return model
