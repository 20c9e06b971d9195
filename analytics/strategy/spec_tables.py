"""Strategies and effect assumptions as tables, and back: what the Strategy page's editors show.

A table row is one treatment (``TREATMENT_COLUMNS``), one restructuring offer (``OFFER_COLUMNS``)
or one assumed effect (``EFFECT_COLUMNS``). Tables handed back by an editor may hold empty cells
(``None``, ``NaN``, ``pd.NA``) and numpy scalars; the conversions back fill the format's defaults
(see :mod:`analytics.strategy.spec`), drop rows the user added and left empty, and return plain
Python values, so the document is JSON-ready and is checked by ``spec.strategy_from_dict``.

Round trip: ``strategy_from_tables(treatment_frame(s), offer_frame(s), ...)`` gives ``s`` back for
any strategy ``s`` whose offers keep the default ``redefault_multiplier`` (the editor has no
column for it).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from analytics.strategy import spec

TREATMENT_COLUMNS = ["risk_band", "stage", "channel", "timing_dpd", "max_attempts", "share", "hours_from",
                     "hours_to", "third_party"]
OFFER_COLUMNS = ["kind", "risk_bands", "stages", "take_up", "extension_months", "deferral_months", "rate_cut",
                 "settlement_discount", "offer_share"]
EFFECT_COLUMNS = ["channel", "risk_band", "stage", "roll", "roll_low", "roll_high", "cure", "cure_low", "cure_high",
                  "source"]
LIMIT_KEYS = ("monthly_budget", "agent_hours", "field_hours")


def _empty(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _val(v: Any, default: Any = None) -> Any:
    return default if _empty(v) else v


def _num(v: Any) -> Any:
    """Plain Python numbers for the JSON document (editors hand back numpy scalars)."""
    return v.item() if isinstance(v, np.integer | np.floating) else v


# ---------------------------------------------------------------- strategy -> tables

def treatment_frame(s: spec.Strategy) -> pd.DataFrame:
    """One row per treatment; whole-number columns are nullable integers so empty cells stay empty."""
    rows = [{"risk_band": t.risk_band, "stage": t.stage, "channel": t.channel, "timing_dpd": t.timing_dpd,
             "max_attempts": t.max_attempts, "share": t.share, "hours_from": t.hours[0], "hours_to": t.hours[1],
             "third_party": t.third_party} for t in s.treatments]
    return pd.DataFrame(rows, columns=TREATMENT_COLUMNS).astype({"timing_dpd": "Int64", "max_attempts": "Int64",
                                                                 "hours_from": "Int64", "hours_to": "Int64",
                                                                 "share": float, "third_party": bool})


def offer_frame(s: spec.Strategy) -> pd.DataFrame:
    """One row per restructuring offer; bands and stages as lists (multiselect cells)."""
    rows = [{"kind": o.kind, "risk_bands": list(o.risk_bands), "stages": list(o.stages), "take_up": o.take_up,
             "extension_months": o.extension_months, "deferral_months": o.deferral_months, "rate_cut": o.rate_cut,
             "settlement_discount": o.settlement_discount, "offer_share": o.offer_share} for o in s.restructuring]
    return pd.DataFrame(rows, columns=OFFER_COLUMNS)


# ---------------------------------------------------------------- tables -> strategy

def treatment_docs(treat: pd.DataFrame) -> list[dict]:
    """Treatment objects of the JSON format; a row without band, stage and channel is skipped."""
    out = []
    for r in treat.to_dict("records"):
        if all(_val(r.get(c)) is None for c in ("risk_band", "stage", "channel")):
            continue  # an empty row the user added and left
        out.append({"risk_band": _val(r.get("risk_band")), "stage": _val(r.get("stage")),
                    "channel": _val(r.get("channel")), "timing_dpd": _num(_val(r.get("timing_dpd"))),
                    "max_attempts": _num(_val(r.get("max_attempts"), 1)), "share": _num(_val(r.get("share"), 1.0)),
                    "hours": [_num(_val(r.get("hours_from"), 9)), _num(_val(r.get("hours_to"), 20))],
                    "third_party": bool(_val(r.get("third_party"), False))})
    return out


def offer_docs(offers: pd.DataFrame) -> list[dict]:
    """Offer objects of the JSON format; a row without a kind is skipped."""
    out = []
    for r in offers.to_dict("records"):
        if _val(r.get("kind")) is None:
            continue
        out.append({"kind": r["kind"], "risk_bands": list(_val(r.get("risk_bands"), []) or []),
                    "stages": list(_val(r.get("stages"), []) or []), "take_up": _num(_val(r.get("take_up"), 0.0)),
                    "extension_months": _num(_val(r.get("extension_months"), 0)),
                    "deferral_months": _num(_val(r.get("deferral_months"), 0)),
                    "rate_cut": _num(_val(r.get("rate_cut"), 0.0)),
                    "settlement_discount": _num(_val(r.get("settlement_discount"), 0.0)),
                    "offer_share": _num(_val(r.get("offer_share"), 1.0))})
    return out


def strategy_doc(name: str, description: str, treat: pd.DataFrame, offers: pd.DataFrame,
                 limits: dict[str, float | None]) -> dict:
    """The JSON document (format 1) the editors describe; not checked yet."""
    return {"format": spec.FORMAT, "name": name, "description": description, "treatments": treatment_docs(treat),
            "restructuring": offer_docs(offers), "limits": limits}


def strategy_from_tables(name: str, description: str, treat: pd.DataFrame, offers: pd.DataFrame,
                         limits: dict[str, float | None], source: str | None = None) -> spec.Strategy:
    """The checked strategy; raises InputError naming ``source`` and the field, as a file would."""
    return spec.strategy_from_dict(strategy_doc(name, description, treat, offers, limits), source=source)


# ---------------------------------------------------------------- assumed effects

def effect_frame(entries: list[dict]) -> pd.DataFrame:
    """The user's effect assumptions, one row each; a missing range is the point value at both ends."""
    rows = [{**o, "roll_low": o.get("roll_range", [o["roll"]] * 2)[0],
             "roll_high": o.get("roll_range", [o["roll"]] * 2)[1],
             "cure_low": o.get("cure_range", [o["cure"]] * 2)[0],
             "cure_high": o.get("cure_range", [o["cure"]] * 2)[1]} for o in entries]
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def _or(v: Any, default: float) -> float:
    return default if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def effect_entries(frame: pd.DataFrame, default_source: str) -> list[dict]:
    """Effect entries (as ``EffectBook`` overrides take them) from an edited table.

    A row without channel or stage is skipped; an empty band means every band, an empty effect 0,
    an empty range end the point value, an empty source ``default_source``.
    """
    entries = []
    for r in frame.to_dict("records"):
        if not r.get("channel") or not r.get("stage"):
            continue
        roll, cure = float(r.get("roll") or 0.0), float(r.get("cure") or 0.0)
        entries.append({"channel": r["channel"], "risk_band": r.get("risk_band") or "all", "stage": r["stage"],
                        "roll": roll, "cure": cure,
                        "roll_range": [_or(r.get("roll_low"), roll), _or(r.get("roll_high"), roll)],
                        "cure_range": [_or(r.get("cure_low"), cure), _or(r.get("cure_high"), cure)],
                        "source": r.get("source") or default_source})
    return entries
