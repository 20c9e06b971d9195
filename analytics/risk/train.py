"""Out-of-time training of the risk model: windows, sampling, fit, calibration, evaluation.

The labelled months (snapshot month + horizon within the data) are cut, oldest to newest, into

    train window | gap | calibration window | gap | test window (the latest labelled months)

Each gap is as long as the horizon, so no training label looks into the calibration months
and no calibration label into the test months: the test metrics are what the model would have
scored on months it had never seen. The booster learns on the training window, the Platt
calibrator on the calibration window, and every metric in the metadata is measured on the test
window. The saved model is this validated model (not refitted on the latest months).

A book whose usual training window (36 months) holds fewer than 30 bad outcomes is trained on
all its history before the calibration window instead.

Large books are sampled before features are built: all bad outcomes are kept (up to half the
row budget) and goods are sampled, each kept row weighted by 1 / its sampling rate, so the
booster still sees the book's true bad rate. Calibration and test windows are plain random
samples of their months. Sampling is by a hash of loan and month, so a rerun on the same data
draws the same rows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import ibis
import numpy as np
import pandas as pd

from analytics.errors import InputError
from analytics.risk import features as F
from analytics.risk import metrics as M
from analytics.risk import validation
from analytics.risk.model import BAND_QUANTILES, BANDS, PlattCalibrator, RiskModel
from analytics.risk.target import MAX_HORIZON, MIN_HORIZON, with_target

if TYPE_CHECKING:
    from analytics.store import Tables

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
MIN_TRAIN_MONTHS = 6
MIN_TRAIN_EVENTS = 30


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of one training run (stored in the model's metadata)."""

    horizon: int = 3
    test_months: int = 6
    calibration_months: int = 6
    train_months: int = 36
    max_train_rows: int = 250_000
    max_eval_rows: int = 150_000
    # Shallow trees and a fixed, modest number of rounds: on the 50k sample's out-of-time window
    # depth 4 did as well as deep trees, and 150 rounds at 0.08 beat 300 at 0.1 (AUC 0.949 against
    # 0.928: with a few hundred bad outcomes, more rounds learn noise). SHAP, whose cost grows
    # with leaves x depth^2, stays fast enough for one loan per click.
    max_iter: int = 150
    learning_rate: float = 0.08
    max_leaf_nodes: int = 15
    max_depth: int = 4
    min_samples_leaf: int = 200
    l2_regularization: float = 1.0
    seed: int = 7
    shap_rows: int = 2000
    # Threads for fitting (None: all cores). On a busy shared machine OpenMP threads that wait
    # for each other can be many times slower than one thread.
    threads: int | None = None

    def check(self) -> None:
        if not MIN_HORIZON <= int(self.horizon) <= MAX_HORIZON:
            raise InputError(f"--horizon {self.horizon} is out of range: use {MIN_HORIZON} to {MAX_HORIZON} "
                             "months (3 is usual).")


@dataclass(frozen=True)
class Windows:
    """Snapshot-month ranges (month indices, inclusive)."""

    train: tuple[int, int]
    calibration: tuple[int, int]
    test: tuple[int, int]
    last_month: int

    def as_dates(self) -> dict[str, list[str]]:
        return {k: [F.month_start(a).isoformat()[:7], F.month_start(b).isoformat()[:7]]
                for k, (a, b) in (("train", self.train), ("calibration", self.calibration),
                                  ("test", self.test))}


def plan_windows(first_mi: int, last_mi: int, cfg: TrainConfig) -> Windows:
    """Cut the labelled months into train | gap | calibration | gap | test (see module doc)."""
    h = int(cfg.horizon)
    for test_n, cal_n in ((cfg.test_months, cfg.calibration_months), (3, 3)):
        test = (last_mi - h - test_n + 1, last_mi - h)
        cal = (test[0] - h - cal_n, test[0] - h - 1)
        train_hi = cal[0] - h - 1
        train = (max(first_mi, train_hi - cfg.train_months + 1), train_hi)
        if train[1] - train[0] + 1 >= MIN_TRAIN_MONTHS:
            return Windows(train, cal, test, last_mi)
    need = MIN_TRAIN_MONTHS + 3 * h + 6
    have = last_mi - first_mi + 1
    raise InputError(f"The performance data covers {have} months; training with a {h}-month horizon needs at "
                     f"least {need} (train, calibration and test windows with gaps). Load more history or "
                     "use a shorter --horizon.")


def data_fingerprint(t: Tables) -> str:
    """A short hash of row counts, months and totals: tells whether the data changed since training."""
    p = t.performance
    agg = p.aggregate(rows=p.count(), first=p.as_of_month.min(), last=p.as_of_month.max(),
                      dpd=p.days_past_due.sum(), bal=p.closing_balance.sum()).to_pandas().iloc[0]
    facts = {"perf": [int(agg["rows"]), str(agg["first"])[:10], str(agg["last"])[:10], int(agg["dpd"] or 0),
                      round(float(agg["bal"] or 0.0), 0)],
             "loans": int(t.loans.count().to_pandas()), "actions": int(t.actions.count().to_pandas()),
             "restructures": int(t.restructures.count().to_pandas())}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]


def _unit_hash(t) -> ibis.expr.types.FloatingColumn:
    """A number in [0, 1) fixed by loan and month: a reproducible random draw."""
    key = t.loan_id + ":" + t.snap_mi.cast("string")
    return (key.hash() % 1_000_003).abs().cast("float64") / 1_000_003.0


def _sample_rates(counts: pd.DataFrame, cfg: TrainConfig) -> dict[tuple[str, int], float]:
    n = {(r.part, int(r.target)): int(r.n) for r in counts.itertuples()}
    rates: dict[tuple[str, int], float] = {}
    pos, neg = n.get(("train", 1), 0), n.get(("train", 0), 0)
    keep_pos = min(pos, cfg.max_train_rows // 2)
    rates[("train", 1)] = keep_pos / pos if pos else 1.0
    rates[("train", 0)] = min(1.0, (cfg.max_train_rows - keep_pos) / neg) if neg else 1.0
    for part in ("calibration", "test"):
        total = n.get((part, 0), 0) + n.get((part, 1), 0)
        rate = min(1.0, cfg.max_eval_rows / total) if total else 1.0
        rates[(part, 0)] = rates[(part, 1)] = rate
    return rates


def training_frame(t: Tables, w: Windows, cfg: TrainConfig, progress: Progress) -> tuple[pd.DataFrame, dict]:
    """Sampled, labelled snapshots of the three windows with all their features (pandas)."""
    perf = t.performance
    lo, hi = w.train[0], w.test[1]
    snaps = F.snapshot_rows(perf, lo, hi)
    part = ibis.cases(
        ((snaps.snap_mi >= w.train[0]) & (snaps.snap_mi <= w.train[1]), "train"),
        ((snaps.snap_mi >= w.calibration[0]) & (snaps.snap_mi <= w.calibration[1]), "calibration"),
        ((snaps.snap_mi >= w.test[0]) & (snaps.snap_mi <= w.test[1]), "test"),
        else_="gap",
    )
    labelled = with_target(snaps.mutate(part=part), perf, cfg.horizon)
    labelled = labelled.filter(labelled.part != "gap")
    progress(0.05, "counting snapshots")
    counts = labelled.group_by(["part", "target"]).aggregate(n=labelled.count()).to_pandas()
    rates = _sample_rates(counts, cfg)
    rate = ibis.cases(*[((labelled.part == p) & (labelled.target == y), r) for (p, y), r in rates.items()],
                      else_=0.0)
    sampled = labelled.mutate(rate=rate)
    sampled = sampled.filter(_unit_hash(sampled) < sampled.rate)
    sampled = sampled.mutate(weight=ibis.ifelse(sampled.part == "train", 1.0 / sampled.rate, 1.0)).drop("rate")
    progress(0.15, "building point-in-time features")
    frame = F.feature_table(t.loans, perf, t.actions, t.restructures, sampled, lo, hi).to_pandas()
    frame = frame.sort_values(["snap_mi", "loan_id"], kind="stable").reset_index(drop=True)
    info = {"snapshots": {f"{r.part}_{'bad' if r.target else 'good'}": int(r.n) for r in counts.itertuples()},
            "sampling_rates": {f"{p}_{'bad' if y else 'good'}": r for (p, y), r in rates.items()}}
    return frame, info


# Weight (in weighted snapshots) of the book's bad rate in each category's smoothed rate, so that a
# category seen on a handful of snapshots sits near the book rather than at an extreme.
CATEGORY_PRIOR_WEIGHT = 500.0


def risk_ordered_categories(values: pd.Series, target: pd.Series, weight: pd.Series | None = None,
                            prior_weight: float = CATEGORY_PRIOR_WEIGHT) -> list[str]:
    """The categories of one feature, ordered by their smoothed training bad rate (lowest first).

    The stated encoding of categories: code = position in this list. Trees then split a category
    feature into risk-ordered groups (the ordering LightGBM and scikit-learn's native categorical
    splits use internally), never in alphabetical order. Native categorical splits are not used
    because SHAP's TreeExplainer does not follow them (its values then no longer add up to the
    model output). Smoothed rate = (weighted bads + prior_weight x book rate) / (weighted
    snapshots + prior_weight); ties are broken by name.
    """
    v = values.astype("string")
    ok = v.notna().to_numpy()
    w = np.ones(len(v)) if weight is None else np.asarray(weight, dtype=float)
    y = np.asarray(target, dtype=float)
    frame = pd.DataFrame({"c": v[ok].astype(str).to_numpy(), "bad": (y * w)[ok], "w": w[ok]})
    if frame.empty:
        return []
    book = frame["bad"].sum() / frame["w"].sum()
    g = frame.groupby("c")[["bad", "w"]].sum()
    g["rate"] = (g["bad"] + prior_weight * book) / (g["w"] + prior_weight)
    g = g.reset_index().sort_values(["rate", "c"], kind="stable")
    return g["c"].tolist()


def _booster(cfg: TrainConfig, features: list[str]):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=cfg.max_iter, learning_rate=cfg.learning_rate, max_leaf_nodes=cfg.max_leaf_nodes,
        max_depth=cfg.max_depth, min_samples_leaf=cfg.min_samples_leaf, l2_regularization=cfg.l2_regularization,
        monotonic_cst=[F.SPECS[f].monotone for f in features], early_stopping=False, random_state=cfg.seed)


def _baseline(features: list[str]):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = [f for f in features if f in F.CATEGORICAL]
    nums = [f for f in features if f not in F.CATEGORICAL]
    prep = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                            keep_empty_features=True), StandardScaler()), nums),
        ("cat", make_pipeline(SimpleImputer(strategy="constant", fill_value=-1.0),
                              OneHotEncoder(handle_unknown="ignore")), cats),
    ])
    return make_pipeline(prep, LogisticRegression(C=0.5, max_iter=3000))


def _reference(frame: pd.DataFrame, x: np.ndarray, features: list[str], weights: np.ndarray,
               p_train: np.ndarray) -> dict:
    """What monitoring and the reason texts compare against: the training population."""
    psi_bins, quantiles = {}, {}
    qs = np.linspace(0, 1, 101)
    for j, name in enumerate(features):
        col = x[:, j]
        if name in F.CATEGORICAL:
            codes = np.unique(col[~np.isnan(col)])
            edges = [float(c) + 0.5 for c in codes[:-1]]
        else:
            edges = M.quantile_edges(col, weights)
            quantiles[name] = [None if np.isnan(v) else float(v) for v in M.weighted_quantiles(col, qs, weights)]
        psi_bins[name] = {"edges": edges, "expected": M.bin_shares(col, edges, weights).tolist()}
    score_edges = M.quantile_edges(p_train, weights)
    return {"psi_bins": psi_bins, "quantiles": quantiles,
            "score": {"edges": score_edges, "expected": M.bin_shares(p_train, score_edges, weights).tolist()}}


def train(t: Tables, cfg: TrainConfig | None = None, progress: Progress | None = None) -> RiskModel:
    """Train, calibrate and evaluate the risk model on the canonical tables; return the bundle."""
    cfg = cfg or TrainConfig()
    cfg.check()
    progress = progress or (lambda f, m: None)
    started = time.perf_counter()
    perf = t.performance
    span = perf.aggregate(first=perf.as_of_month.min(), last=perf.as_of_month.max()).to_pandas().iloc[0]
    if pd.isna(span["last"]):
        raise InputError("There is no performance data to train on. Load data first.")
    w = plan_windows(F.to_month_index(span["first"]), F.to_month_index(span["last"]), cfg)
    n_contacts = int(t.actions.count().to_pandas())
    groups = F.GROUPS if n_contacts > 0 else tuple(g for g in F.GROUPS if g != "collections")
    features = F.feature_names(groups)

    frame, sample_info = training_frame(t, w, cfg, progress)
    first_mi = F.to_month_index(span["first"])
    if int(frame.loc[frame["part"] == "train", "target"].sum()) < MIN_TRAIN_EVENTS and w.train[0] > first_mi:
        # A small book: the usual window holds too few bad outcomes, so learn from all its history.
        w = dataclasses.replace(w, train=(first_mi, w.train[1]))
        progress(0.1, "few bad outcomes: widening the training window to all history")
        frame, sample_info = training_frame(t, w, cfg, progress)
    # A book without scores, restructures or some attribute has features with no value at all in the
    # training window; gradient boosting cannot bin them, so they are left out and the model says so.
    train_rows = frame[frame["part"] == "train"]
    left_out = [f for f in features if f in train_rows.columns and train_rows[f].isna().all()]
    features = [f for f in features if f not in left_out]
    if left_out:
        progress(0.1, f"left out features without any value: {', '.join(left_out)}")
    encodings = {c: risk_ordered_categories(train_rows[c], train_rows["target"], train_rows["weight"])
                 for c in F.CATEGORICAL if c in features}
    model = RiskModel(booster=None, calibrator=PlattCalibrator(), baseline=None,
                      baseline_calibrator=PlattCalibrator(), features=features, encodings=encodings)
    parts = {p: frame[frame["part"] == p] for p in ("train", "calibration", "test")}
    xs = {p: model.matrix(d) for p, d in parts.items()}
    ys = {p: d["target"].to_numpy().astype(int) for p, d in parts.items()}
    wt = parts["train"]["weight"].to_numpy()
    if ys["train"].sum() < MIN_TRAIN_EVENTS:
        raise InputError(f"The training window {w.as_dates()['train']} has only {int(ys['train'].sum())} loans "
                         f"reaching 60+ DPD within {cfg.horizon} months; at least {MIN_TRAIN_EVENTS} are needed. "
                         "Load a larger book or more months, or use a longer --horizon.")
    features_built = time.perf_counter()

    from threadpoolctl import threadpool_limits

    progress(0.45, f"fitting gradient boosting on {len(ys['train']):,} snapshots")
    with threadpool_limits(cfg.threads):
        model.booster = _booster(cfg, features).fit(xs["train"], ys["train"], sample_weight=wt)
        progress(0.70, "fitting the logistic-regression baseline")
        model.baseline = _baseline(features).fit(pd.DataFrame(xs["train"], columns=features), ys["train"],
                                                 logisticregression__sample_weight=wt)
    progress(0.80, "calibrating on the calibration window")
    model.calibrator = PlattCalibrator.fit(model.log_odds(xs["calibration"]), ys["calibration"])
    model.baseline_calibrator = PlattCalibrator.fit(
        model.baseline.decision_function(pd.DataFrame(xs["calibration"], columns=features)), ys["calibration"])
    fitted = time.perf_counter()

    progress(0.85, "evaluating on the out-of-time test window")
    p_test = model.probability(xs["test"])
    p_cal = model.probability(xs["calibration"])
    p_train = model.probability(xs["train"])
    metrics = {
        "model": M.summary(ys["test"], p_test),
        "model_uncalibrated_brier": M.brier(ys["test"], 1 / (1 + np.exp(-model.log_odds(xs["test"])))),
        "baseline": M.summary(ys["test"], model.baseline_probability(xs["test"])),
        "train_auc": M.auc(ys["train"], p_train),
        "calibration_auc": M.auc(ys["calibration"], p_cal),
    }
    cutoffs = [float(c) for c in np.quantile(p_cal, BAND_QUANTILES)] if len(p_cal) else [0.01, 0.02, 0.05, 0.1]
    model.meta = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "horizon": int(cfg.horizon),
        "target": f"reaches 60+ DPD or charge-off/repossession within {cfg.horizon} months",
        "population": f"active loans at most {F.MAX_SNAPSHOT_DPD} DPD at the month end",
        "windows": w.as_dates(),
        "last_data_month": F.month_start(w.last_month).isoformat()[:7],
        "features": features,
        "feature_groups": {f: F.SPECS[f].group for f in features},
        "monotone": {f: F.SPECS[f].monotone for f in features},
        "collections_features": n_contacts > 0,
        "left_out_features": left_out,
        "encodings": encodings,
        "rows": {p: int(len(ys[p])) for p in ys} | {f"{p}_events": int(ys[p].sum()) for p in ys},
        "sampling": sample_info,
        "metrics": metrics,
        "deciles": M.decile_table(ys["test"], p_test).to_dict(orient="records"),
        "score_histogram": M.score_histogram(ys["test"], p_test).to_dict(orient="records"),
        "calibration": {"method": "platt", "a": model.calibrator.a, "b": model.calibrator.b},
        "bands": {"names": list(BANDS), "cutoffs": cutoffs, "quantiles": list(BAND_QUANTILES)},
        "reference": _reference(parts["train"], xs["train"], features, wt, p_train),
        "params": asdict(cfg),
        "booster_iterations": int(model.booster.n_iter_),
        "data_fingerprint": data_fingerprint(t),
    }
    # The validation pack: overall, by DPD stage and band, against the baseline and dpd_now alone.
    j_dpd = features.index("dpd_now")
    dpd_cal = PlattCalibrator.fit(xs["calibration"][:, j_dpd], ys["calibration"])
    scores = {"model": p_test, "baseline": model.baseline_probability(xs["test"]),
              "dpd_now": dpd_cal(xs["test"][:, j_dpd])}
    model.meta["dpd_now_calibration"] = {"method": "platt", "a": dpd_cal.a, "b": dpd_cal.b}
    model.meta["validation"] = validation.validation_pack(
        ys["test"], scores, xs["test"][:, j_dpd], model.band(p_test), parts["test"]["as_of_month"])
    # The waterfall starts here: the book's average predicted probability, each training snapshot
    # counted with its sampling weight (goods were down-sampled), not the probability of the
    # average log-odds.
    model.meta["base_probability"] = float(np.average(p_train, weights=wt)) if len(wt) else float("nan")
    model.meta["mean_predicted_test"] = float(p_test.mean()) if len(p_test) else float("nan")
    progress(0.92, "explaining the test window (SHAP)")
    from analytics.risk import explain

    rng = np.random.default_rng(cfg.seed)
    n_shap = min(cfg.shap_rows, len(ys["test"]))
    rows = np.sort(rng.choice(len(ys["test"]), n_shap, replace=False)) if n_shap else np.array([], int)
    sv = explain.Explainer(model).shap_values(xs["test"][rows])
    model.meta["importance"] = explain.importance(sv, xs["test"][rows], features).to_dict(orient="records")
    model.meta["timing_s"] = {"features": round(features_built - started, 2), "fit": round(fitted - features_built, 2),
                              "total": round(time.perf_counter() - started, 2)}
    progress(1.0, "done")
    log.info("risk model trained: test AUC %.3f on %s snapshots", metrics["model"]["auc"], len(ys["test"]))
    return model
