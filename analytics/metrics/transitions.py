"""Roll rates, cure rates, transition matrices and the Markov forecast of the bucket mix.

The state of a performance row is its ``status`` when that is not ``active`` (``paid_off``,
``charged_off``, ``repossessed``: absorbing), else its delinquency ``bucket``. A *transition*
pairs a loan's active row in month t-1 with its row in month t. Loans that have no row in month t
(they left the data, e.g. repurchased out of a securitised pool) are left out: their destination
is unknown. A closed loan's later rows (post-closure rows carrying only recoveries) start no
transition, and the actual path counts the loan once, in its closing state.

Definitions (DESIGN.md section 5):

- Transition matrix ``P[i, j]``: of the loans in state i at the end of month t-1, the share in
  state j at the end of month t (by count), or the same weighted by the closing balance of month
  t-1 (by balance). Absorbing states are identity rows.
- Roll rate k -> k+1: of the balance in bucket k at the end of t-1, the share that is in bucket
  k+1 at the end of t. A loan that rolls paid nothing in the month, so its balance is unchanged:
  the previous month's balance is used for numerator and denominator alike. For 120+ the next
  step is a loss (charged off or repossessed). The same by count is also given.
- Cure rate (horizon h): of the loans active and delinquent (DPD >= 1) in bucket k at the end of
  month t, the share that are current (DPD 0 and active) at the end of t+h, or paid off at or
  before t+h. Only months t for which t+h is in the data are counted.
- Markov forecast: state mix ``x(t+h) = x(t) P^h`` with P estimated from the transitions of the
  most recent months (:func:`forecast_matrix`), for the whole book and per segment, by count and
  balance (:func:`segment_forecast`, used by the Roll rates page, the forecast export and the
  briefing pack); the backtest (:func:`segment_backtest`) forecasts from an earlier month and
  compares with what the same loans actually did.
- Expected months to absorption from transient state i: ``(N 1)_i`` with the fundamental matrix
  ``N = (I - Q)^-1`` and Q the transient block of P. Probabilities of ending in each absorbing
  state: ``B = N R``. Expected months to a loss given the loan ends in a loss: ``(N b)_i / b_i``
  with ``b`` the loss column of B.

The interface (names and shapes) is relied on by the strategy simulator: keep it stable.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from analytics.metrics.expr import closing_rows, month_index, next_month, ratio
from analytics.metrics.segments import segment_table

log = logging.getLogger(__name__)

STATES: tuple[str, ...] = (
    "current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_plus",
    "paid_off", "charged_off", "repossessed",
)
TRANSIENT: tuple[str, ...] = STATES[:6]
ABSORBING: tuple[str, ...] = STATES[6:]
LOSS_STATES: tuple[str, ...] = ("charged_off", "repossessed")
STATE_INDEX = {s: i for i, s in enumerate(STATES)}
# Roll steps shown on the page: bucket k to bucket k+1, and 120+ to a loss.
ROLL_STEPS: tuple[tuple[str, str], ...] = tuple(zip(TRANSIENT[:-1], TRANSIENT[1:], strict=True)) + (
    ("dpd_120_plus", "loss"),)
CURE_HORIZONS: tuple[int, ...] = (1, 3, 6)


def state_of(t: ir.Table) -> ir.StringValue:
    """The state of a performance row: its status if not active, else its bucket."""
    return ibis.ifelse(t.status == "active", t.bucket, t.status)


def _with_segment(perf: ir.Table, loans: ir.Table | None, by: str | None) -> tuple[ir.Table, list[str]]:
    if by is None:
        return perf, []
    if loans is None:
        raise ValueError("a segment ('by') needs the loans table")
    seg = segment_table(loans, by)
    return perf.inner_join(seg, "loan_id"), ["segment"]


def transition_matrix(perf: ir.Table, loans: ir.Table | None = None, by: str | None = None) -> ir.Table:
    """Transitions per month: ``as_of_month, [segment,] from_state, to_state, loans, balance, share``.

    ``as_of_month`` is the month the loan arrives in ``to_state``; ``from_state`` its state (a
    bucket: only active rows start a transition) at the end of the previous month; ``balance``
    the closing balance of the previous month; ``share`` = loans / all loans that were in
    ``from_state`` (and segment) and have a row in ``as_of_month``. ``by`` names a loan
    dimension (see :mod:`analytics.metrics.segments`) to split by; it needs ``loans``.
    """
    # The month is shifted on the small (filtered) side and the big side is joined as it is:
    # the cheapest self-join on DuckDB (see portfolio.cure_counts).
    active = perf.filter(perf.status == "active")
    prev = active.select("loan_id", as_of_month=next_month(active.as_of_month), from_state=active.bucket,
                         prev_balance=active.closing_balance.fill_null(0.0))
    now = perf.select("loan_id", "as_of_month", to_state=state_of(perf))
    j = prev.inner_join(now, ["loan_id", "as_of_month"])
    j, seg_cols = _with_segment(j, loans, by)
    keys = ["as_of_month", *seg_cols, "from_state", "to_state"]
    return matrix_from_counts(j.group_by(keys).aggregate(loans=j.loan_id.count(), balance=j.prev_balance.sum()),
                              seg_cols)


def matrix_from_counts(agg: ir.Table, seg_cols: list[str]) -> ir.Table:
    """:func:`transition_matrix` from ``as_of_month, [segment,] from_state, to_state, loans, balance``
    counts (rows or a cube)."""
    keys = ["as_of_month", *seg_cols, "from_state", "to_state"]
    tot = agg.group_by(["as_of_month", *seg_cols, "from_state"]).aggregate(from_loans=agg.loans.sum())
    out = agg.inner_join(tot, ["as_of_month", *seg_cols, "from_state"])
    return out.select(*keys, "loans", "balance", share=ratio(out.loans, out.from_loans)).order_by(keys)


def matrix_array(df: pd.DataFrame, weight: str = "loans") -> np.ndarray:
    """The 9x9 row-stochastic matrix (order of :data:`STATES`) pooled over every row of ``df``.

    ``df`` is (a slice of) :func:`transition_matrix` output; ``weight`` is ``loans`` (by count)
    or ``balance``. Absorbing states are identity rows. A transient state with no observed
    transitions stays where it is (a 1 on the diagonal), which :func:`observed_states` reports.
    """
    if weight not in ("loans", "balance"):
        raise ValueError("weight must be 'loans' or 'balance'")
    counts = np.zeros((len(STATES), len(STATES)))
    if len(df):
        g = df.groupby(["from_state", "to_state"], sort=False)[weight].sum()
        for (f, t), v in g.items():
            if f in STATE_INDEX and t in STATE_INDEX:
                counts[STATE_INDEX[f], STATE_INDEX[t]] += float(v)
    P = np.zeros_like(counts)
    rows = counts.sum(axis=1)
    for i, s in enumerate(STATES):
        if s in ABSORBING or rows[i] <= 0:
            P[i, i] = 1.0
        else:
            P[i] = counts[i] / rows[i]
    return P


def book_transitions(tm: pd.DataFrame) -> pd.DataFrame:
    """A :func:`transition_matrix` frame with segments added up to the whole book (shares recomputed)."""
    if "segment" not in tm.columns:
        return tm
    keys = ["as_of_month", "from_state", "to_state"]
    g = tm.groupby(keys, as_index=False)[["loans", "balance"]].sum()
    g["share"] = g["loans"] / g.groupby(["as_of_month", "from_state"])["loans"].transform("sum")
    return g


def observed_states(df: pd.DataFrame) -> list[str]:
    """Transient states with at least one observed transition in ``df``."""
    seen = set(df.loc[df["loans"] > 0, "from_state"]) if len(df) else set()
    return [s for s in TRANSIENT if s in seen]


def _window_start(end: date, months: int) -> date:
    mi = end.year * 12 + end.month - 1 - months
    return date(mi // 12, mi % 12 + 1, 1)


def last_month(perf: ir.Table) -> date | None:
    value = perf.as_of_month.max().to_pandas()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def window(perf: ir.Table, end_month: date, months: int) -> ir.Table:
    """Rows needed for the transitions arriving in the ``months`` months ending at ``end_month``."""
    return perf.filter((perf.as_of_month >= ibis.date(_window_start(end_month, months)))
                       & (perf.as_of_month <= ibis.date(end_month)))


def estimate_matrix(perf: ir.Table, months: int = 12, end_month: date | None = None, weight: str = "loans",
                    loans: ir.Table | None = None, by: str | None = None,
                    segment: str | None = None) -> np.ndarray:
    """P estimated from the transitions arriving in the ``months`` months up to ``end_month``.

    ``end_month`` defaults to the last month in the data. With ``by`` and ``segment`` the
    transitions of that segment only are used.
    """
    end = end_month or last_month(perf)
    if end is None:
        return matrix_array(pd.DataFrame(columns=["from_state", "to_state", "loans", "balance"]), weight)
    df = transition_matrix(window(perf, end, months), loans, by).to_pandas()
    if segment is not None:
        df = df[df["segment"] == segment]
    return forecast_matrix(df, end, months, weight)


def pooled_window(tm: pd.DataFrame, end_month: date, months: int) -> pd.DataFrame:
    """Rows of a transition-matrix frame arriving in the ``months`` months up to ``end_month``."""
    m = pd.to_datetime(tm["as_of_month"])
    return tm[(m > pd.Timestamp(_window_start(end_month, months))) & (m <= pd.Timestamp(end_month))]


def markov_forecast(x0: Sequence[float] | np.ndarray, P: np.ndarray, h: int) -> np.ndarray:
    """State mix for months 1..h: row k-1 is ``x0 P^k``. Shape (h, len(x0))."""
    x = np.asarray(x0, dtype=float)
    out = np.empty((h, len(x)))
    for k in range(h):
        x = x @ P
        out[k] = x
    return out


def state_mix(perf: ir.Table, month: date, loans: ir.Table | None = None, by: str | None = None) -> ir.Table:
    """Active loans and balance by bucket (and segment) at the end of ``month``: the x(t) of a forecast."""
    cur = perf.filter((perf.as_of_month == ibis.date(month)) & (perf.status == "active"))
    cur, seg_cols = _with_segment(cur, loans, by)
    keys = [*seg_cols, "bucket"]
    out = cur.group_by(keys).aggregate(loans=cur.loan_id.count(), balance=cur.closing_balance.fill_null(0.0).sum())
    return out.rename(state="bucket").order_by([*seg_cols, "state"])


def mix_vector(mix: pd.DataFrame, weight: str = "loans") -> np.ndarray:
    """A :func:`state_mix` frame (one segment) as a vector over :data:`STATES`."""
    x = np.zeros(len(STATES))
    for s, v in zip(mix["state"], mix[weight], strict=True):
        x[STATE_INDEX[s]] += float(v)
    return x


def forecast_frame(x0: np.ndarray, P: np.ndarray, h: int, base_month: date, weight: str = "loans") -> pd.DataFrame:
    """``base_month, as_of_month, horizon, state, <weight>, share`` for months 1..h after ``base_month``.

    ``share`` is of the starting total (so absorbing states hold the cumulative outflow). The row
    ``state == "new_loss"`` gives the flow into charged_off + repossessed in that month.
    """
    path = markov_forecast(x0, P, h)
    total = float(np.sum(x0)) or np.nan
    loss_idx = [STATE_INDEX[s] for s in LOSS_STATES]
    prev_loss = float(np.sum(np.asarray(x0)[loss_idx]))
    rows = []
    for k in range(h):
        month = (pd.Timestamp(base_month) + pd.DateOffset(months=k + 1)).date()
        for s, v in zip(STATES, path[k], strict=True):
            rows.append((base_month, month, k + 1, s, v, v / total))
        loss = float(np.sum(path[k][loss_idx]))
        rows.append((base_month, month, k + 1, "new_loss", loss - prev_loss, (loss - prev_loss) / total))
        prev_loss = loss
    return pd.DataFrame(rows, columns=["base_month", "as_of_month", "horizon", "state", weight, "share"])


def actual_path(perf: ir.Table, base_month: date, h: int, loans: ir.Table | None = None,
                by: str | None = None) -> ir.Table:
    """What the loans active at ``base_month`` actually did in the next ``h`` months.

    ``as_of_month, [segment,] state, loans, balance``: each loan counted in the state of its row
    that month; a loan that closed earlier stays in its closing state (absorbing). ``balance``
    is the closing balance at ``base_month`` (the weight the balance forecast moves). Loans with
    no row (left the data) are not counted, so shares are of the observed loans.
    """
    base = perf.filter((perf.as_of_month == ibis.date(base_month)) & (perf.status == "active"))
    base, seg_cols = _with_segment(base, loans, by)
    cohort = base.select("loan_id", *seg_cols, w=base.closing_balance.fill_null(0.0))
    end = (pd.Timestamp(base_month) + pd.DateOffset(months=h)).date()
    later = perf.filter((perf.as_of_month > ibis.date(base_month)) & (perf.as_of_month <= ibis.date(end)))
    # Active rows and each loan's closing row; its post-closure rows (recoveries only) would count
    # the closure again next to the carried closing row.
    kept = later.filter(later.status == "active").union(closing_rows(later))
    rows = kept.select("loan_id", "as_of_month", state=state_of(kept), mi=month_index(kept.as_of_month))
    j = rows.inner_join(cohort, "loan_id")
    months = later.select(m="as_of_month").distinct()
    months = months.select("m", m_mi=month_index(months.m))
    # Rows as they are, plus each closing row carried to every later month of the horizon.
    closed = j.filter(j.state.isin(list(ABSORBING)))
    carried = closed.inner_join(months, closed.mi < months.m_mi).select(
        "loan_id", *seg_cols, "state", "w", as_of_month="m")
    obs = j.select("loan_id", *seg_cols, "state", "w", "as_of_month")
    allr = obs.union(carried)
    keys = ["as_of_month", *seg_cols, "state"]
    return allr.group_by(keys).aggregate(loans=allr.loan_id.count(), balance=allr.w.sum()).order_by(keys)


def backtest(perf: ir.Table, base_month: date, h: int = 12, months: int = 12, weight: str = "loans",
             loans: ir.Table | None = None, by: str | None = None) -> pd.DataFrame:
    """Forecast from ``base_month`` with P from the ``months`` months before it, against the actual.

    Returns ``[segment,] as_of_month, horizon, state, forecast, actual, error`` as shares of the
    loans (or balance) active at ``base_month`` that are still observed. Segments are those of
    ``by`` (one frame for the whole book when ``by`` is None). Queries the three frames and runs
    :func:`segment_backtest` on each segment.
    """
    tm = transition_matrix(window(perf, base_month, months), loans, by).to_pandas()
    mix = state_mix(perf, base_month, loans, by).to_pandas()
    act = actual_path(perf, base_month, h, loans, by).to_pandas()
    if by is None:
        return segment_backtest(tm, mix, act, base_month, h, months, weight)
    out = []
    for g in sorted(mix["segment"].dropna().unique()):
        m = segment_backtest(tm, mix, act, base_month, h, months, weight, segment=g)
        m.insert(0, "segment", g)
        out.append(m)
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def backtest_summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per horizon: mean absolute error of the state shares, and forecast vs actual cumulative loss share."""
    if bt.empty:
        return pd.DataFrame(columns=["horizon", "mae", "loss_forecast", "loss_actual", "loss_error"])
    keys = ["segment", "horizon"] if "segment" in bt.columns else ["horizon"]
    mae = bt.groupby(keys)["error"].apply(lambda e: float(np.mean(np.abs(e)))).rename("mae")
    loss = bt[bt["state"].isin(LOSS_STATES)].groupby(keys)[["forecast", "actual"]].sum()
    out = pd.concat([mae, loss.rename(columns={"forecast": "loss_forecast", "actual": "loss_actual"})], axis=1)
    out["loss_error"] = out["loss_forecast"] - out["loss_actual"]
    return out.reset_index()


# --- The Markov segment forecast and its backtest: written once, used by the Roll rates page,
# `python -m analytics export forecast` and the briefing pack. They work on the frames of
# transition_matrix / state_mix / actual_path (with or without a segment column) so the page can
# reuse its cached queries; segment None is the whole book (segments added up).

WEIGHTS: tuple[str, ...] = ("loans", "balance")


def forecast_matrix(tm: pd.DataFrame, end_month: date, months: int = 12, weight: str = "loans") -> np.ndarray:
    """The forecast's P: the transitions of ``tm`` arriving in the ``months`` months up to
    ``end_month``, pooled (:func:`matrix_array`). The one estimate every forecast and backtest uses."""
    return matrix_array(pooled_window(tm, end_month, months), weight)


def _segment_rows(frame: pd.DataFrame, segment: str | None, keys: list[str]) -> pd.DataFrame:
    """The rows of one segment, or (segment None) the frame added up over segments by ``keys``."""
    if "segment" not in frame.columns:
        return frame
    if segment is not None:
        return frame[frame["segment"] == segment]
    return frame.groupby(keys, as_index=False)[["loans", "balance"]].sum()


def _book_transitions(tm: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    return book_transitions(tm) if segment is None else _segment_rows(tm, segment, [])


@dataclass(frozen=True)
class SegmentForecast:
    """x(t+h) = x(t) P^h from ``base_month``, for the whole book (segment None) and each segment,
    by count (``loans``) and balance; P by :func:`forecast_matrix`."""

    base_month: date
    horizon: int
    months: int
    segments: tuple[str | None, ...]
    matrices: dict[tuple[str | None, str], np.ndarray]   # (segment, weight) -> P
    starts: dict[tuple[str | None, str], np.ndarray]     # (segment, weight) -> x(t) over STATES
    basis: dict[str | None, int]                         # transitions pooled into the segment's P
    months_observed: dict[str | None, int]               # months with transitions in the window

    def matrix(self, segment: str | None = None, weight: str = "loans") -> np.ndarray:
        return self.matrices[(segment, weight)]

    def start(self, segment: str | None = None, weight: str = "loans") -> np.ndarray:
        return self.starts[(segment, weight)]

    def path(self, segment: str | None = None, weight: str = "loans") -> pd.DataFrame:
        """:func:`forecast_frame` of one segment and weight (``base_month, as_of_month, horizon,
        state, <weight>, share``)."""
        return forecast_frame(self.start(segment, weight), self.matrix(segment, weight), self.horizon,
                              self.base_month, weight)

    def frame(self, dimension: str | None = None) -> pd.DataFrame:
        """Every segment by count and balance: ``dimension, segment, base_month, as_of_month, horizon,
        state, loans, balance, loans_share, balance_share`` (the whole book as ``all, all``)."""
        out = []
        for seg in self.segments:
            parts = [self.path(seg, w).rename(columns={"share": f"{w}_share"}) for w in WEIGHTS]
            f = parts[0].merge(parts[1], on=["base_month", "as_of_month", "horizon", "state"])
            f.insert(0, "segment", "all" if seg is None else seg)
            f.insert(0, "dimension", "all" if seg is None else dimension)
            out.append(f)
        return pd.concat(out, ignore_index=True)[
            ["dimension", "segment", "base_month", "as_of_month", "horizon", "state", *WEIGHTS,
             *(f"{w}_share" for w in WEIGHTS)]]


def segment_forecast_frames(tm: pd.DataFrame, mix: pd.DataFrame, base_month: date, horizon: int = 12,
                            months: int = 12, segments: Sequence[str | None] | None = None) -> SegmentForecast:
    """The forecast from frames already computed: ``tm`` a :func:`transition_matrix` frame covering
    the ``months`` months up to ``base_month``, ``mix`` the :func:`state_mix` at ``base_month``.
    ``segments`` (None: the whole book, then every segment of ``mix``) picks what to compute."""
    if segments is None:
        segments = [None, *(sorted(mix["segment"].dropna().unique()) if "segment" in mix.columns else [])]
    matrices, starts, basis, seen = {}, {}, {}, {}
    for seg in segments:
        est = pooled_window(_book_transitions(tm, seg), base_month, months)
        mix_s = _segment_rows(mix, seg, ["state"])
        for w in WEIGHTS:
            matrices[(seg, w)] = matrix_array(est, w)
            starts[(seg, w)] = mix_vector(mix_s, w)
        basis[seg] = int(est["loans"].sum()) if len(est) else 0
        seen[seg] = int(est["as_of_month"].nunique()) if len(est) else 0
    return SegmentForecast(base_month, horizon, months, tuple(segments), matrices, starts, basis, seen)


def segment_forecast(perf: ir.Table, base_month: date | None = None, horizon: int = 12, months: int = 12,
                     loans: ir.Table | None = None, by: str | None = None) -> SegmentForecast | None:
    """:func:`segment_forecast_frames` on the transitions of the ``months`` months up to
    ``base_month`` (the last month of the data if None) and the mix then, segments of ``by``
    (a loan dimension; needs ``loans``). None when there is no data."""
    end = base_month or last_month(perf)
    if end is None:
        return None
    tm = transition_matrix(window(perf, end, months), loans, by).to_pandas()
    mix = state_mix(perf, end, loans, by).to_pandas()
    return segment_forecast_frames(tm, mix, end, horizon, months)


def segment_backtest(tm: pd.DataFrame, mix: pd.DataFrame, act: pd.DataFrame, base_month: date, h: int = 12,
                     months: int = 12, weight: str = "loans", segment: str | None = None) -> pd.DataFrame:
    """The forecast from ``base_month`` (P by :func:`forecast_matrix` from the ``months`` months up
    to it) against what the same loans did (``act``, an :func:`actual_path` frame), for one
    segment or the whole book: ``as_of_month, horizon, state, forecast, actual, error`` as shares
    of the loans (or balance) active at ``base_month`` that are still observed."""
    P = forecast_matrix(_book_transitions(tm, segment), base_month, months, weight)
    fc = forecast_frame(mix_vector(_segment_rows(mix, segment, ["state"]), weight), P, h, base_month, weight)
    fc = fc[fc["state"] != "new_loss"]
    a = _segment_rows(act, segment, ["as_of_month", "state"]).copy()
    a["as_of_month"] = pd.to_datetime(a["as_of_month"]).dt.date
    tot = a.groupby("as_of_month")[weight].transform("sum")
    a["actual"] = a[weight] / tot
    m = fc.merge(a[["as_of_month", "state", "actual"]], on=["as_of_month", "state"], how="left")
    observed = m["as_of_month"].isin(set(a["as_of_month"]))
    m = m[observed].copy()
    m["actual"] = m["actual"].fillna(0.0)
    m = m.rename(columns={"share": "forecast"})[["as_of_month", "horizon", "state", "forecast", "actual"]]
    m["error"] = m["forecast"] - m["actual"]
    return m


def expected_months_to_absorption(P: np.ndarray) -> np.ndarray:
    """Expected months until a loan in each transient state (order of :data:`TRANSIENT`) is absorbed.

    ``t = N 1`` with ``N = (I - Q)^-1``. States that cannot reach an absorbing state (a
    transient state never observed leaving) get ``inf``.
    """
    return absorption_summary(P)["months_to_absorption"].to_numpy()


def absorption_summary(P: np.ndarray) -> pd.DataFrame:
    """Per transient state: expected months to absorption, the probability of ending in each absorbing
    state, and the expected months to a loss given the loan ends in a loss (``(N b)_i / b_i``)."""
    n_t = len(TRANSIENT)
    Q = P[:n_t, :n_t]
    R = P[:n_t, n_t:]
    reach = _can_reach_absorbing(Q, R)
    idx = np.nonzero(reach)[0]
    months = np.full(n_t, np.inf)
    B = np.full((n_t, len(ABSORBING)), np.nan)
    to_loss = np.full(n_t, np.nan)
    if len(idx):
        N = np.linalg.inv(np.eye(len(idx)) - Q[np.ix_(idx, idx)])
        months[idx] = N.sum(axis=1)
        B[idx] = N @ R[idx]
        b = B[idx][:, [ABSORBING.index(s) for s in LOSS_STATES]].sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            to_loss[idx] = np.where(b > 0, (N @ b) / b, np.nan)
    out = pd.DataFrame({"state": TRANSIENT, "months_to_absorption": months})
    for j, s in enumerate(ABSORBING):
        out[f"p_{s}"] = B[:, j]
    out["p_loss"] = out[[f"p_{s}" for s in LOSS_STATES]].sum(axis=1, min_count=1)
    out["months_to_loss_given_loss"] = to_loss
    return out


def _can_reach_absorbing(Q: np.ndarray, R: np.ndarray) -> np.ndarray:
    reach = R.sum(axis=1) > 0
    for _ in range(len(Q)):
        nxt = reach | ((Q > 0) & reach[None, :]).any(axis=1)
        if (nxt == reach).all():
            break
        reach = nxt
    return reach


def roll_rates(tm: ir.Table) -> ir.Table:
    """Per month and roll step: ``as_of_month, [segment,] from_state, to_state, rate_count, rate_balance,
    base_loans, base_balance``, from a :func:`transition_matrix` table (see module docstring)."""
    seg_cols = ["segment"] if "segment" in tm.columns else []
    nxt = {a: b for a, b in ROLL_STEPS}
    step_to = ibis.cases(*[(tm.from_state == a, b) for a, b in nxt.items()], else_=ibis.null("string"))
    rolled = ibis.ifelse(tm.from_state == "dpd_120_plus", tm.to_state.isin(list(LOSS_STATES)),
                         tm.to_state == step_to)
    t = tm.mutate(step_to=step_to, rolled=rolled)
    agg = t.group_by(["as_of_month", *seg_cols, "from_state"]).aggregate(
        to_state=t.step_to.max(),
        rolled_loans=ibis.ifelse(t.rolled, t.loans, 0).sum(),
        rolled_balance=ibis.ifelse(t.rolled, t.balance, 0.0).sum(),
        base_loans=t.loans.sum(), base_balance=t.balance.sum())
    return agg.select(
        "as_of_month", *seg_cols, "from_state", "to_state",
        rate_count=ratio(agg.rolled_loans, agg.base_loans),
        rate_balance=ratio(agg.rolled_balance, agg.base_balance),
        base_loans=agg.base_loans, base_balance=agg.base_balance,
    ).order_by(["as_of_month", *seg_cols, "from_state"])


def cure_rates(perf: ir.Table, horizons: Sequence[int] = CURE_HORIZONS) -> ir.Table:
    """Per month t, delinquent bucket and horizon h: ``as_of_month, bucket, horizon, base, cured, cure_rate``.

    See the module docstring for the definition; ``as_of_month`` is t (the month of the
    delinquent observation).
    """
    dq = perf.filter((perf.status == "active") & (perf.days_past_due >= 1))
    base = dq.select("loan_id", t=dq.as_of_month, bucket=dq.bucket)
    # One shifted copy of the small side per horizon; the big side is joined unchanged.
    shifted = [base.mutate(horizon=ibis.literal(h, "int64"),
                           as_of_month=(base.t + ibis.interval(months=h)).cast("date")) for h in horizons]
    small = shifted[0].union(*shifted[1:]) if len(shifted) > 1 else shifted[0]
    months = perf.select(as_of_month=perf.as_of_month).distinct()
    small = small.semi_join(months, "as_of_month")  # t+h must be in the data
    keys = ["t", "bucket", "horizon"]
    # Denominators from the delinquent rows counted once, then spread over the horizons.
    counted = base.group_by(["t", "bucket"]).aggregate(base=base.t.count())
    spread = [counted.mutate(horizon=ibis.literal(h, "int64"),
                             as_of_month=(counted.t + ibis.interval(months=h)).cast("date")) for h in horizons]
    base_n = spread[0].union(*spread[1:]) if len(spread) > 1 else spread[0]
    base_n = base_n.semi_join(months, "as_of_month").select(*keys, "base")
    # Inner joins (the engine builds its hash table on the small side; a left join would build it
    # on the large one). The two ways to be cured are exclusive: a loan paid off before t+h has
    # no row at t+h, and one paid off at t+h is not active there.
    cur = perf.filter((perf.status == "active") & (perf.days_past_due == 0)).select("loan_id", "as_of_month")
    now = small.inner_join(cur, ["loan_id", "as_of_month"])
    now_n = now.group_by(keys).aggregate(cured_now=now.t.count())
    closings = closing_rows(perf)  # a paid-off loan's later rows (if a source keeps any) are not payoffs
    paid = closings.filter(closings.status == "paid_off").select("loan_id", paid_month=closings.as_of_month)
    pj = small.inner_join(paid, "loan_id")
    pj = pj.filter((pj.paid_month > pj.t) & (pj.paid_month <= pj.as_of_month))
    paid_n = pj.group_by(keys).aggregate(cured_paid=pj.t.count())
    agg = base_n.left_join(now_n, keys).select(*keys, "base", "cured_now")
    agg = agg.left_join(paid_n, keys).select(*keys, "base", "cured_now", "cured_paid")
    cured = agg.cured_now.fill_null(0) + agg.cured_paid.fill_null(0)
    return agg.select(as_of_month=agg.t, bucket=agg.bucket, horizon=agg.horizon, base=agg.base, cured=cured,
                      cure_rate=ratio(cured, agg.base)).order_by(["as_of_month", "bucket", "horizon"])


def pooled_cure_rates(cures: pd.DataFrame, end_month: date, months: int = 12) -> pd.DataFrame:
    """Cure rates pooled over the delinquent months t in the ``months`` months up to ``end_month``."""
    m = pd.to_datetime(cures["as_of_month"])
    d = cures[(m > pd.Timestamp(_window_start(end_month, months))) & (m <= pd.Timestamp(end_month))]
    g = d.groupby(["bucket", "horizon"], as_index=False)[["base", "cured"]].sum()
    g["cure_rate"] = np.where(g["base"] > 0, g["cured"] / g["base"].where(g["base"] > 0, 1), np.nan)
    return g
