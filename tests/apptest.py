"""AppTest helpers shared by the page tests: start the app, switch pages, check for errors.

Every page test starts from ``app.py`` (as a user does, so the shared frame and its session
state are set up), then switches to the page it tests. The database and caches are set by the
``app_env`` fixture family in conftest.py.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# Generous: under load (a busy 2-core machine) a first page run with a cold cache takes a while;
# a run that ends sooner returns sooner. Training a model on one thread gets TRAIN_TIMEOUT (seen:
# over 180 s with the load average at 40).
TIMEOUT = 300
TRAIN_TIMEOUT = 900

OVERVIEW = "app.py"
DATA = "pages/1_Data.py"
DELINQUENCY = "pages/2_Delinquency.py"
COHORTS = "pages/3_Cohorts.py"
ROLL_RATES = "pages/4_Roll_rates.py"
RISK = "pages/5_Risk.py"
STRATEGY = "pages/6_Strategy.py"


def start(page: str = OVERVIEW, *, session: dict[str, Any] | None = None, timeout: float = TIMEOUT,
          **query: str) -> AppTest:
    """Open the app with ``query`` as URL parameters, set ``session`` keys, then go to ``page``.

    ``session`` is applied after the first run (the frame has seeded its state) and before the
    switch, as a user's earlier clicks would have left it (e.g. the Risk page's open tab).
    """
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    for k, v in (session or {}).items():
        at.session_state[k] = v
    if page != OVERVIEW:
        switch(at, page)
    elif session:
        at.run()
    return at


def switch(at: AppTest, page: str) -> AppTest:
    """Go to another page in the same session (as a click in the menu does)."""
    return at.switch_page(page).run()


def no_errors(at: AppTest) -> None:
    """No traceback and no error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def charts(at: AppTest) -> list[dict]:
    """The plotly figures on the page, as their JSON specs."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def values(v: Any) -> np.ndarray:
    """A plotly data array from a figure spec (plain list or base64 typed array)."""
    if isinstance(v, dict) and "bdata" in v:
        arr = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
        return arr.reshape(v["shape"]) if "shape" in v and isinstance(v["shape"], list) else arr
    return np.asarray(v, dtype=float)
