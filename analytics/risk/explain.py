"""Why a loan scores what it scores: SHAP values, reasons in words (EN/ZH), what-if, segments.

SHAP values come from SHAP's TreeExplainer on the booster's raw output, the log-odds, with the
path-dependent algorithm (no background sample): for every loan, base value + sum of its SHAP
values = the booster's log-odds, exactly. Probabilities shown to users come from the calibrator
(a monotone map of the log-odds, :mod:`analytics.risk.model`), so a waterfall "in probability
terms" walks the cumulative log-odds path through the calibrator: each bar is the change in
probability when that feature's contribution is added, largest contributions first, and the
bars end exactly at the loan's probability.

The waterfall starts from the book's average predicted probability: the mean of the training
snapshots' probabilities, each counted with its sampling weight (goods were down-sampled), saved
with the model as ``base_probability``. The SHAP base value is the path-dependent expectation of
the log-odds, which is neither weighted nor a probability; the step from the book average to it
is shown as its own first bar (``book_average``), so the bars still end exactly at the loan.

Two kinds of reasons:

- **borrower reasons** (for collectors and customers): only features about this loan and this
  borrower, from the allow-list :data:`BORROWER_FEATURES`. Region, dealer, channel, calendar
  and vintage effects, and anything protected-like, never appear: they describe other people,
  and as a reason given to or about a customer they would be a fair-lending problem;
- **analyst drivers** (for the risk team): every feature, including region and dealer rates.

Either way, the features that raise the loan's log-odds most (positive SHAP, largest first); if
fewer than asked raise it, the ones that lower it most follow. Each is written as a sentence
about the loan's own value, compared with the book (share of loans with a lower or higher
value) where a comparison means something.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.display.i18n import has, region_label, t
from analytics.risk.features import CATEGORICAL, REACHED_OUTCOMES, SPECS, remaining_instalments
from analytics.risk.model import RiskModel

# Features that may be given as a reason to or about a borrower: facts of this loan and this
# borrower's own behaviour. An allow-list, so a new feature is excluded until someone decides.
BORROWER_FEATURES: frozenset[str] = frozenset({
    "credit_score", "ltv", "pti", "apr", "term_months", "vehicle_used", "income_verified", "co_borrower",
    "months_on_book", "dpd_now", "worst_dpd_3m", "worst_dpd_6m", "worst_dpd_12m",
    "missed_payments_3m", "missed_payments_6m", "missed_payments_12m", "paid_share_3m", "paid_share_12m",
    "balance_to_original", "pti_now", "promises_3m", "broken_promises_3m",
    "restructure_count", "months_extended_total", "months_since_restructure", "restructured_12m",
})
# Never a borrower reason, whatever the allow-list says (tested): other people's behaviour,
# where the loan was sold, when, and anything that could stand in for a protected attribute.
EXCLUDED_FROM_BORROWER: frozenset[str] = frozenset({
    "region", "region_dq30_rate_3m", "dealer_dq30_rate_12m", "dealer_id", "channel", "vintage",
    "origination_date", "borrower_name", "phone", "contacts_3m", "reached_share_3m",
})
BOOK_AVERAGE = "book_average"

# Features whose value is compared with the book in words ("higher than 90% of the book").
COMPARABLE_FORMATS = ("pct", "score", "months")
NOT_COMPARED = ("months_extended_total", "months_since_restructure", "paid_share_3m", "paid_share_12m")


class Explainer:
    """SHAP on the booster's log-odds; build once per model (ui/cache.py keeps it)."""

    def __init__(self, model: RiskModel):
        import shap

        self.model = model
        self._tree = shap.TreeExplainer(model.booster, feature_perturbation="tree_path_dependent",
                                        model_output="raw")
        self.base_value = float(np.ravel(self._tree.expected_value)[0])

    def shap_values(self, x: np.ndarray) -> np.ndarray:
        if len(x) == 0:
            return np.zeros((0, len(self.model.features)))
        values = self._tree.shap_values(np.asarray(x, dtype=float), check_additivity=False)
        return np.asarray(values, dtype=float).reshape(len(x), -1)


def importance(sv: np.ndarray, x: np.ndarray, features: list[str]) -> pd.DataFrame:
    """Mean |SHAP| per feature, largest first, with the direction of its effect.

    ``direction`` is the Spearman correlation between a feature's value and its SHAP value over
    the rows (+1: higher values raise risk); empty for categories and constant features.
    """
    rows = []
    for j, name in enumerate(features):
        col, s = x[:, j], sv[:, j]
        ok = ~np.isnan(col)
        direction = float("nan")
        if name not in CATEGORICAL and ok.sum() > 2 and np.ptp(col[ok]) > 0 and np.ptp(s[ok]) > 0:
            direction = float(pd.Series(col[ok]).corr(pd.Series(s[ok]), method="spearman"))
        rows.append({"feature": name, "group": SPECS[name].group, "mean_abs_shap": float(np.abs(s).mean()),
                     "mean_shap": float(s.mean()), "direction": direction})
    out = pd.DataFrame(rows).sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def strongest_interaction(feature: str, sv: np.ndarray, x: np.ndarray, features: list[str],
                          max_rows: int = 3000) -> str | None:
    """The feature whose value best explains the spread of ``feature``'s SHAP values (SHAP's own
    heuristic behind its dependence plots), on the first ``max_rows`` rows (pass a random sample)."""
    import shap

    if len(x) < 10:
        return None
    idx = features.index(feature)
    order = shap.utils.approximate_interactions(idx, sv[:max_rows], x[:max_rows])
    for j in order:
        if int(j) != idx:
            return features[int(j)]
    return None


# ---------------------------------------------------------------------------------------- words

def book_reference(frame: pd.DataFrame, features: list[str], points: int = 1001) -> dict[str, np.ndarray]:
    """Evenly spaced quantiles of each comparable feature over a book of loans (sorted), enough
    to say what share of the book lies below or above a value."""
    qs = np.linspace(0, 1, points)
    out = {}
    for name in features:
        if SPECS[name].fmt in COMPARABLE_FORMATS and name not in NOT_COMPARED and name in frame:
            col = pd.to_numeric(frame[name], errors="coerce").dropna().to_numpy()
            if len(col):
                out[name] = np.quantile(col, qs)
    return out


def model_reference(model: RiskModel) -> dict[str, np.ndarray]:
    """The training population's quantiles (when no current book is at hand)."""
    ref = model.meta.get("reference", {}).get("quantiles", {})
    out = {}
    for name, q in ref.items():
        arr = np.asarray([np.nan if v is None else v for v in q], dtype=float)
        if name in SPECS and SPECS[name].fmt in COMPARABLE_FORMATS and name not in NOT_COMPARED:
            out[name] = arr[~np.isnan(arr)]
    return out


def share_below_above(reference: np.ndarray, value: float) -> tuple[int, int]:
    """Whole percent of the book strictly below and strictly above ``value`` (rounded down, so a
    sentence never overstates)."""
    n = len(reference)
    if n == 0:
        return 0, 0
    below = np.searchsorted(reference, value, side="left") / n
    above = (n - np.searchsorted(reference, value, side="right")) / n
    return int(np.floor(below * 100)), int(np.floor(above * 100))


def format_value(name: str, value, lang: str) -> str:
    fmt = SPECS[name].fmt
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if fmt == "pct":
        v = float(value)
        return f"{v:.1%}" if abs(v) < 0.1 else f"{v:.0%}"
    if fmt == "year_month":
        year = int(np.floor(float(value) + 1e-9))
        month = int(round((float(value) - year) * 12)) + 1
        return f"{year}-{month:02d}"
    if fmt in ("score", "months", "dpd", "count"):
        return f"{float(value):,.0f}"
    if fmt == "category":  # a region or channel as people say it (Chinese province names in zh)
        return display_category(name, value, lang)
    return f"{float(value):g}"


def feature_label(name: str, lang: str) -> str:
    return t(f"risk.feature.{name}", lang)


def display_category(name: str, value, lang: str) -> str:
    """A region or channel as people say it in ``lang`` (Chinese province names in zh)."""
    if name == "region":
        return region_label(value, lang)
    key = f"risk.{name}.{value}"
    return t(key, lang) if has(key) else str(value)


def reason_text(name: str, value, lang: str, reference: dict[str, np.ndarray] | None = None) -> str:
    """One sentence about a feature's value for this loan, in ``lang``."""
    spec = SPECS[name]
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    window = {"n": name.rsplit("_", 1)[1].rstrip("m")} if name.endswith(("_3m", "_6m", "_12m")) else {}
    if missing:
        key = f"risk.reason.{name}.missing"
        return t(key, lang) if has(key) else t("risk.reason.missing", lang, label=feature_label(name, lang))
    if spec.fmt == "flag":
        return t(f"risk.reason.{name}.{'yes' if float(value) >= 0.5 else 'no'}", lang)
    if spec.fmt == "category":
        return t(f"risk.reason.{name}", lang, value=display_category(name, value, lang))
    if float(value) == 0 and has(f"risk.reason.{name}.zero"):
        return t(f"risk.reason.{name}.zero", lang, **window)
    compare = ""
    if reference and name in reference:
        below, above = share_below_above(reference[name], float(value))
        if below >= 50:
            compare = t("risk.reason.compare.higher", lang, pct=below)
        elif above >= 50:
            compare = t("risk.reason.compare.lower", lang, pct=above)
    return t(f"risk.reason.{name}", lang, value=format_value(name, float(value), lang), compare=compare, **window)


@dataclass(frozen=True)
class Reason:
    """A reason code: the feature, its value, its SHAP value (log-odds) and the words for it."""

    feature: str
    value: object
    shap: float
    raises_risk: bool
    text_en: str
    text_zh: str

    def text(self, lang: str) -> str:
        return self.text_zh if lang == "zh" else self.text_en


def reason_order(shap_row: np.ndarray, k: int = 3) -> list[int]:
    """Indices of the top ``k`` reasons: risk-raising ones largest first, then risk-lowering ones
    most negative first (only if fewer than ``k`` features raise the risk)."""
    s = np.asarray(shap_row, dtype=float)
    pos = [int(i) for i in np.argsort(-s, kind="stable") if s[i] > 0]
    neg = [int(i) for i in np.argsort(s, kind="stable") if s[i] < 0]
    return (pos + neg)[:k]


def reasons(shap_row: np.ndarray, values: pd.Series, features: list[str], k: int = 3,
            reference: dict[str, np.ndarray] | None = None) -> list[Reason]:
    """The top ``k`` reason codes for one loan, in both languages (see :func:`reason_order`)."""
    out = []
    for i in reason_order(shap_row, k):
        name = features[i]
        value = values.get(name)
        out.append(Reason(name, value, float(shap_row[i]), bool(shap_row[i] > 0),
                          reason_text(name, value, "en", reference), reason_text(name, value, "zh", reference)))
    return out


def borrower_mask(features: list[str]) -> np.ndarray:
    """True for the features that may be a borrower reason (allow-listed and not excluded)."""
    return np.array([f in BORROWER_FEATURES and f not in EXCLUDED_FROM_BORROWER for f in features], dtype=bool)


def borrower_reasons(shap_row: np.ndarray, values: pd.Series, features: list[str], k: int = 3,
                     reference: dict[str, np.ndarray] | None = None) -> list[Reason]:
    """Reasons about this loan and borrower only: :func:`reasons` over the allow-listed features."""
    s = np.where(borrower_mask(features), np.asarray(shap_row, dtype=float), 0.0)
    return [r for r in reasons(s, values, features, k, reference) if r.shap != 0.0]


def analyst_drivers(shap_row: np.ndarray, values: pd.Series, features: list[str], k: int = 5,
                    reference: dict[str, np.ndarray] | None = None) -> list[Reason]:
    """Every feature, region, dealer and calendar effects included: for the risk team."""
    return reasons(shap_row, values, features, k, reference)


def top_reasons(sv: np.ndarray, frame: pd.DataFrame, features: list[str], lang: str,
                reference: dict[str, np.ndarray] | None = None, borrower_only: bool = False) -> pd.DataFrame:
    """The first reason of each row (for the early-warning queue): feature and sentence.
    ``borrower_only``: from the borrower allow-list (:func:`borrower_reasons`)."""
    s = np.asarray(sv, dtype=float)
    if borrower_only and s.size:
        s = np.where(borrower_mask(features)[None, :], s, 0.0)
    if len(s) == 0:
        return pd.DataFrame({"top_reason_feature": [], "top_reason": []}, index=frame.index)
    # Same rule as reason_order(k=1): the largest positive SHAP value, else the most negative.
    first = np.where(s.max(axis=1) > 0, s.argmax(axis=1), s.argmin(axis=1))
    none = ~(s != 0).any(axis=1)
    columns = {name: frame[name].to_numpy() for name in set(features[i] for i in first)}
    names, texts = [], []
    for r, i in enumerate(first):
        if none[r]:
            names.append(None)
            texts.append("")
            continue
        name = features[i]
        names.append(name)
        texts.append(reason_text(name, columns[name][r], lang, reference))
    return pd.DataFrame({"top_reason_feature": names, "top_reason": texts}, index=frame.index)


# ------------------------------------------------------------------------------ waterfall path

def probability_path(base_value: float, shap_row: np.ndarray, features: list[str], calibrate,
                     max_steps: int = 10, base_probability: float | None = None) -> pd.DataFrame:
    """Steps from the book's average to this loan in probability: one row per feature (largest
    |SHAP| first), the rest summed into one ``other`` row. ``p_after`` of the last row equals the
    loan's calibrated probability. With ``base_probability`` (the weighted mean prediction saved
    with the model), the first row starts there and steps to the SHAP base value
    (``book_average``), so the first bar is the book's average predicted probability."""
    s = np.asarray(shap_row, dtype=float)
    order = np.argsort(-np.abs(s), kind="stable")
    top, rest = order[:max_steps], order[max_steps:]
    steps = [(features[i], float(s[i])) for i in top]
    if len(rest):
        steps.append(("other", float(s[rest].sum())))
    z = base_value
    rows = []
    if base_probability is not None and np.isfinite(base_probability):
        p_base = float(calibrate(np.array([z]))[0])
        rows.append({"feature": BOOK_AVERAGE, "shap": float("nan"), "p_before": float(base_probability),
                     "p_after": p_base, "delta_p": p_base - float(base_probability)})
    for name, value in steps:
        p_before = float(calibrate(np.array([z]))[0])
        z += value
        p_after = float(calibrate(np.array([z]))[0])
        rows.append({"feature": name, "shap": value, "p_before": p_before, "p_after": p_after,
                     "delta_p": p_after - p_before})
    return pd.DataFrame(rows, columns=["feature", "shap", "p_before", "p_after", "delta_p"])


# ------------------------------------------------------------------------------------- what-if

@dataclass(frozen=True)
class WhatIf:
    """Actionable changes to one loan: a term extension (months), a new instalment, a contact."""

    extension_months: int = 0
    payment: float | None = None
    contact_outcome: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.extension_months and self.payment is None and not self.contact_outcome


def _annuity(balance: float, apr: float, n: float) -> float:
    r = apr / 12.0
    if n <= 0:
        return balance
    return balance * r / (1 - (1 + r) ** (-n)) if r > 1e-9 else balance / n


def payment_after_extension(row: pd.Series, months: int) -> float:
    """The instalment that repays today's balance over the remaining term plus ``months``."""
    left = float(remaining_instalments(np.array([row["closing_balance"]]), np.array([row["scheduled_payment"]]),
                                       np.array([row["apr"]]))[0])
    if np.isnan(left):
        left = max(float(row["term_months"]) + float(row.get("months_extended_total", 0))
                   - float(row["months_on_book"]), 1.0)
    return round(_annuity(float(row["closing_balance"]), float(row["apr"]), left + months), 2)


def apply_what_if(row: pd.Series, change: WhatIf) -> pd.Series:
    """The loan's feature row as it would read after the change (same snapshot month)."""
    new = row.copy()
    payment = None
    if change.extension_months:
        e = int(change.extension_months)
        payment = payment_after_extension(row, e)
        new["months_extended_total"] = float(row["months_extended_total"]) + e
        new["restructure_count"] = float(row["restructure_count"]) + 1
        new["months_since_restructure"] = 0.0
        new["restructured_12m"] = 1.0
    if change.payment is not None:
        payment = float(change.payment)
    if payment is not None and row.get("monthly_payment"):
        new["pti_now"] = float(row["pti"]) * payment / float(row["monthly_payment"])
        new["scheduled_payment"] = payment
    if change.contact_outcome:
        contacts = float(row["contacts_3m"])
        share = row["reached_share_3m"]
        reached = 0.0 if share is None or np.isnan(share) else float(share) * contacts
        reached += 1.0 if change.contact_outcome in REACHED_OUTCOMES else 0.0
        new["contacts_3m"] = contacts + 1
        new["reached_share_3m"] = reached / (contacts + 1)
        new["promises_3m"] = float(row["promises_3m"]) + (change.contact_outcome == "promise_to_pay")
    return new


def what_if(model: RiskModel, explainer: Explainer, row: pd.Series, change: WhatIf) -> dict:
    """Probability and SHAP values before and after ``change`` for one loan."""
    after_row = apply_what_if(row, change)
    x = model.matrix(pd.DataFrame([row, after_row]))
    sv = explainer.shap_values(x)
    p = model.probability(x)
    changed = [f for f in model.features if not _same(row.get(f), after_row.get(f))]
    return {"before": float(p[0]), "after": float(p[1]), "shap_before": sv[0], "shap_after": sv[1],
            "row_after": after_row, "changed": changed, "payment_after": after_row.get("scheduled_payment")}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


# ------------------------------------------------------------------------------------ segments

def segment_contributions(sv: np.ndarray, frame: pd.DataFrame, by: str, features: list[str],
                          min_loans: int = 20, max_segments: int = 15) -> pd.DataFrame:
    """Per segment of ``by`` and feature: mean SHAP, mean |SHAP| and mean SHAP minus the book's
    (``excess``: how much the feature makes this segment riskier than the book in log-odds)."""
    key = frame[by].astype(str).to_numpy()
    book_mean = sv.mean(axis=0)
    prob = frame["probability"].to_numpy() if "probability" in frame else np.full(len(frame), np.nan)
    segs = pd.Series(key).value_counts()
    segs = segs[segs >= min_loans].index.tolist()
    rows = []
    for seg in segs:
        m = key == seg
        for j, name in enumerate(features):
            rows.append({"segment": seg, "feature": name, "loans": int(m.sum()),
                         "mean_probability": float(np.nanmean(prob[m])), "mean_shap": float(sv[m, j].mean()),
                         "mean_abs_shap": float(np.abs(sv[m, j]).mean()),
                         "excess": float(sv[m, j].mean() - book_mean[j])})
    out = pd.DataFrame(rows, columns=["segment", "feature", "loans", "mean_probability", "mean_shap",
                                      "mean_abs_shap", "excess"])
    if out.empty:
        return out
    keep = (out.groupby("segment")["mean_probability"].first().sort_values(ascending=False)
            .head(max_segments).index)
    return out[out["segment"].isin(keep)].reset_index(drop=True)
