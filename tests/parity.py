"""Comparing what two backends give for the same book: exported tables (1e-9) and what each page
of the app shows (metrics, tables, chart data). Used by the Spark and PostgreSQL backend tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def same_numbers(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 0
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]):
            # Within 1e-9, or within 1e-12 of the value for money sums: a balance of 3e6 summed in
            # another order differs by a few units in the last place (4.7e-9 seen, 7e-16 relative),
            # below what 1e-9 absolute can ask of doubles at that size.
            np.testing.assert_allclose(a[c].to_numpy(float), b[c].to_numpy(float), rtol=1e-12, atol=1e-9,
                                       equal_nan=True, err_msg=c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c



def same_json(a, b, where: str = "") -> int:
    """Two JSON results equal field by field: same keys, lengths and strings, numbers within 1e-9
    (1e-12 relative for large sums, as :func:`same_numbers`); returns how many numbers it compared."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        return sum(same_json(a[k], b[k], f"{where}/{k}") for k in a)
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        return sum(same_json(x, y, f"{where}[{i}]") for i, (x, y) in enumerate(zip(a, b, strict=True)))
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        assert isinstance(b, (int, float)) and not isinstance(b, bool), where
        assert abs(a - b) <= 1e-9 + 1e-12 * abs(a), (where, a, b)
        return 1
    assert a == b, (where, a, b)
    return 0

# Every page of the app, as a user walks them in one session: Overview first (app.py), then each
# page from the menu. The Risk page shows its "train a model first" state on both stores (no
# model is trained for this 300-loan book); the others show figures.
PAGES = ["app.py", "pages/2_Delinquency.py", "pages/3_Cohorts.py", "pages/4_Roll_rates.py",
         "pages/5_Risk.py", "pages/6_Strategy.py", "pages/7_Collections.py", "pages/1_Data.py",
         "pages/7_Audit.py"]


def shown(at) -> dict:
    """What a page shows a person, as comparable values: metrics, tables, and every chart's data."""
    from analytics.display import i18n
    from tests.apptest import charts

    written = i18n.t("versions.col.created", "en")  # when each store wrote its version: differs
    out: dict = {"metrics": [(m.label, m.value, m.delta) for m in at.metric],
                 "tables": [d.value.reset_index(drop=True).drop(columns=[written], errors="ignore")
                            for d in at.dataframe],
                 "charts": []}
    out["charts"] = [chart_traces(spec) for spec in charts(at)]
    return out


def chart_traces(spec: dict) -> list[dict]:
    """A plotly figure's JSON spec as comparable traces: type, name and the data arrays."""
    from tests.apptest import values

    traces = []
    for tr in spec.get("data", []):
        t = {"type": tr.get("type"), "name": tr.get("name")}
        for axis in ("x", "y", "z", "values", "labels"):
            if axis in tr:
                v = tr[axis]
                try:
                    t[axis] = np.asarray(values(v), dtype=float)
                except (TypeError, ValueError):
                    t[axis] = [str(x) for x in (v if isinstance(v, list) else [v])]
        traces.append(t)
    return traces


def same_shown(page: str, a: dict, b: dict) -> None:
    assert a["metrics"] == b["metrics"], page
    assert len(a["tables"]) == len(b["tables"]), page
    for x, y in zip(a["tables"], b["tables"], strict=True):
        same_numbers(x, y)
    same_charts(page, a["charts"], b["charts"])


def same_charts(where: str, a: list[list[dict]], b: list[list[dict]]) -> None:
    """The same charts (lists of :func:`chart_traces`): names and labels equal, numbers within 1e-9."""
    assert len(a) == len(b), where
    for ca, cb in zip(a, b, strict=True):
        assert len(ca) == len(cb), where
        for ta, tb in zip(ca, cb, strict=True):
            assert ta.keys() == tb.keys() and ta["name"] == tb["name"], (where, ta.get("name"))
            for k in ta.keys() - {"type", "name"}:
                if isinstance(ta[k], np.ndarray):
                    np.testing.assert_allclose(ta[k], tb[k], rtol=1e-9, atol=1e-9, equal_nan=True,
                                               err_msg=f"{where}: {ta['name']} {k}")
                else:
                    assert ta[k] == tb[k], (where, ta["name"], k)


def walk_pages(monkeypatch, env: dict[str, str]) -> dict:
    """What every page of :data:`PAGES` shows, walked in one AppTest session with ``env`` set
    (COLLECTLENS_BACKEND cleared first); each page must run without an error."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.apptest import no_errors

    monkeypatch.delenv("COLLECTLENS_BACKEND", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600).run()
        per_page = {}
        for page in PAGES:
            if page != "app.py":
                at.switch_page(page).run()
            no_errors(at)
            per_page[page] = shown(at)
        return per_page
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


def same_pages(duck: dict, other: dict) -> None:
    """Every page shows the same figures on both stores, and the pages showed figures at all."""
    shown_figures = sum(len(duck[p]["metrics"]) + len(duck[p]["charts"]) for p in PAGES)
    assert shown_figures >= 20, shown_figures  # the pages showed figures, not only messages
    for page in PAGES:
        same_shown(page, duck[page], other[page])
